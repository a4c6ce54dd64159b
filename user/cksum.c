/*
 * cksum: print the POSIX cksum CRC, the size and the name of each file (or
 * of standard input), the same line the host's cksum(1) prints, so tests
 * can compare a file on both sides.  Plain C over libc.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static uint32_t table[256];

static void
make_table(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i << 24;
		for (int k = 0; k < 8; k++)
			c = c & 0x80000000u ? (c << 1) ^ 0x04c11db7u : c << 1;
		table[i] = c;
	}
}

static int
sum(int fd, const char *name)
{
	static unsigned char buf[64 * 1024];
	uint32_t crc = 0;
	uint64_t size = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			crc = (crc << 8) ^ table[(crc >> 24) ^ buf[i]];
		size += (uint64_t)n;
	}
	if (n < 0) {
		perror(name ? name : "stdin");
		return 1;
	}
	for (uint64_t s = size; s; s >>= 8)
		crc = (crc << 8) ^ table[(crc >> 24) ^ (s & 0xff)];
	if (name)
		printf("%lu %llu %s\n", (unsigned long)~crc, (unsigned long long)size, name);
	else
		printf("%lu %llu\n", (unsigned long)~crc, (unsigned long long)size);
	return 0;
}

int
main(int argc, char **argv)
{
	int rc = 0;

	make_table();
	if (argc < 2)
		return sum(0, NULL);
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);
		if (fd < 0) {
			perror(argv[i]);
			rc = 1;
			continue;
		}
		rc |= sum(fd, argv[i]);
		close(fd);
	}
	return rc;
}
