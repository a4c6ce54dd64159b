/*
 * gen: write a deterministic byte pattern: `gen SIZE FILE [SEED [OFFSET]]`
 * (FILE "-" = standard output).  With OFFSET the file is not emptied: the
 * pattern overwrites it from byte OFFSET on (a gap past the end reads as
 * zeros), as the FAT differential test's writes at offsets need.
 * Byte i is the low byte of an xorshift32 stream seeded with SEED (default
 * 1), so the host can make the same file (tests/node/exec_fat.py).  Writes
 * in 64 KiB blocks.  Plain C over libc.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	static unsigned char buf[64 * 1024];
	char *end;

	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: gen SIZE FILE [SEED [OFFSET]]\n");
		return 2;
	}
	unsigned long long size = strtoull(argv[1], &end, 0);
	if (*end || !*argv[1]) {
		fprintf(stderr, "gen: bad size '%s'\n", argv[1]);
		return 2;
	}
	uint32_t x = argc >= 4 ? (uint32_t)strtoul(argv[3], NULL, 0) : 1;
	long long at = -1;
	if (argc == 5) {
		at = strtoll(argv[4], &end, 0);
		if (*end || !*argv[4] || at < 0) {
			fprintf(stderr, "gen: bad offset '%s'\n", argv[4]);
			return 2;
		}
	}
	if (!x)
		x = 1;
	fflush(stdout);
	int fd = 1;
	if (argv[2][0] != '-' || argv[2][1]) {
		fd = open(argv[2], O_WRONLY | O_CREAT | (at < 0 ? O_TRUNC : 0),
			  0644);
		if (fd < 0) {
			perror(argv[2]);
			return 1;
		}
		if (at >= 0 && lseek(fd, (off_t)at, SEEK_SET) != (off_t)at) {
			perror("gen: lseek");
			return 1;
		}
	}
	while (size) {
		size_t n = size < sizeof(buf) ? (size_t)size : sizeof(buf);
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = (unsigned char)x;
		}
		for (size_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, n - off);
			if (w <= 0) {
				perror("gen: write");
				return 1;
			}
			off += (size_t)w;
		}
		size -= n;
	}
	if (fd != 1 && close(fd) < 0) {
		perror(argv[2]);
		return 1;
	}
	return 0;
}
