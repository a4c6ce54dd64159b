/*
 * The FAT server under icount (ci/bench gives this program a 128 MiB FAT32
 * disk made by mkfs.fat).  It starts `pci` (-> virtio-blk, blk0) and
 * `fat blk=blk0 name=/disk`, then times through ordinary libc calls:
 *   fat_write_insns_per_kib  a 4 MiB file written sequentially in 64 KiB
 *                            write()s, then fsync (on the disk), per KiB
 *   fat_read_insns_per_kib   the same file read back in 64 KiB read()s
 *   fat_ls_1000_insns        opendir/readdir/stat-free listing of a
 *                            directory of 1,000 files (created untimed)
 * Instructions of everything on the node (client, fat, virtio-blk,
 * kernel); idle ticks (waiting for the disk) subtracted.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dux/dux.h>
#include <tessera/user.h>

#include "bench.h"

#define SEC	1000000000ull
#define FILE_SZ	(4u << 20)
#define CHUNK	(64u << 10)
#define NFILES	1000

static unsigned char buf[CHUNK];

static void
die(const char *what)
{
	perror(what);
	sys_poweroff(1);
}

int
main(void)
{
	static const char *const fat_args[] = { "blk=blk0", "name=/disk", NULL };
	uint64_t end = ts_now() + 20 * SEC;

	if (ts_spawn("pci", NULL, 0, SPAWN_PRIV) < 0)
		die("pci");
	while (dux_lookup("blk0") < 0 && ts_now() < end)
		sys_sleep(10 * 1000000ull);
	if (ts_spawn("fat", fat_args, 0, 0) < 0)
		die("fat");
	while (dux_lookup("/disk") < 0 && ts_now() < end)
		sys_sleep(10 * 1000000ull);

	for (unsigned i = 0; i < CHUNK; i++)
		buf[i] = (unsigned char)(i * 13 + 7);
	int fd = open("/disk/big.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("open /disk/big.bin");
	uint64_t t0 = bench_busy_now();
	for (unsigned off = 0; off < FILE_SZ; off += CHUNK)
		if (write(fd, buf, CHUNK) != (ssize_t)CHUNK)
			die("write");
	if (fsync(fd) < 0)
		die("fsync");
	uint64_t wr = bench_busy_now() - t0;
	close(fd);

	fd = open("/disk/big.bin", O_RDONLY);
	if (fd < 0)
		die("open for reading");
	t0 = bench_busy_now();
	unsigned total = 0;
	for (;;) {
		ssize_t n = read(fd, buf, CHUNK);
		if (n < 0)
			die("read");
		if (n == 0)
			break;
		total += (unsigned)n;
	}
	uint64_t rd = bench_busy_now() - t0;
	close(fd);
	if (total != FILE_SZ || buf[1] != (unsigned char)(13 + 7)) {
		printf("bench_fat: read back %u bytes, want %u\n", total, FILE_SZ);
		sys_poweroff(1);
	}

	if (mkdir("/disk/many", 0755) < 0)
		die("mkdir");
	char name[64];
	for (int i = 0; i < NFILES; i++) {
		snprintf(name, sizeof(name), "/disk/many/file-%04d.txt", i);
		int f = open(name, O_WRONLY | O_CREAT, 0644);
		if (f < 0)
			die(name);
		close(f);
	}
	t0 = bench_busy_now();
	DIR *d = opendir("/disk/many");
	if (!d)
		die("opendir");
	int count = 0;
	while (readdir(d))
		count++;
	closedir(d);
	uint64_t ls = bench_busy_now() - t0;
	if (count != NFILES) {
		printf("bench_fat: listed %d entries, want %d\n", count, NFILES);
		sys_poweroff(1);
	}
	printf("BENCH fat_write_insns_per_kib %llu\n",
	       (unsigned long long)(wr * 100 / (FILE_SZ / 1024)));
	printf("BENCH fat_read_insns_per_kib %llu\n",
	       (unsigned long long)(rd * 100 / (FILE_SZ / 1024)));
	printf("BENCH fat_ls_1000_insns %llu\n", (unsigned long long)(ls * 100));
	sys_poweroff(0);
	return 0;
}
