/*
 * The FAT library's multi-sector paths (docs/fat.md, "I/O paths"), counted
 * on the in-memory device of test_fat_tool.c so that the speed cannot
 * quietly fall back to one device request per sector:
 *   - a 64 KiB read of a contiguous file takes at most 2 device reads
 *     (its FAT sector, the data), a whole 256 KiB file 1 + its FAT sectors;
 *   - a 256 KiB write is one data request; fat_flush writes the FAT of a
 *     long allocation as one run per FAT copy;
 *   - fragmented files (interleaved appends, holes from a deleted file)
 *     read back byte-exact at random offsets and lengths, and overwrites
 *     across fragments land;
 *   - dirty cached sectors stay coherent with direct runs (a small write
 *     then a large read over it; a large write over a dirty sector);
 *   - 1,000 entries in one directory list completely and in order with a
 *     few read-ahead requests, also after a remount.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fs/fat.h>

#include "check.h"

struct memdev {
	uint8_t *img;
	uint64_t size;
	uint64_t reads, writes, flushes;
	int fail;
};

int md_read(void *ctx, uint64_t sector, void *buf, uint32_t count);
int md_write(void *ctx, uint64_t sector, const void *buf, uint32_t count);
int md_flush(void *ctx);
void md_clock(void *ctx, struct fat_tm *t);
int tool_main(int argc, char **argv);

#define TOTAL	72000u			/* FAT32, 512-byte clusters */
#define RESV	32u
#define FATSZ	563u

static struct fat_vol vol;
static struct memdev md;
static struct fat_dev fdev;

static void
put32(uint8_t *p, uint32_t x)
{
	p[0] = (uint8_t)x;
	p[1] = (uint8_t)(x >> 8);
	p[2] = (uint8_t)(x >> 16);
	p[3] = (uint8_t)(x >> 24);
}

/* A fresh FAT32 volume (2 FATs, 512-byte sectors and clusters), mounted. */
static void
format32(void)
{
	uint32_t k, fat;
	uint8_t *b;

	free(md.img);
	memset(&md, 0, sizeof(md));
	md.size = (uint64_t)TOTAL * 512;
	md.img = calloc(1, md.size);
	b = md.img;
	memcpy(b, "\xeb\x58\x90MSWIN4.1", 11);
	b[12] = 2;                      /* 512 bytes per sector */
	b[13] = 1;
	b[14] = RESV;
	b[16] = 2;
	b[21] = 0xf8;
	put32(b + 32, TOTAL);
	put32(b + 36, FATSZ);
	put32(b + 44, 2);
	b[48] = 1;
	b[50] = 6;
	b[66] = 0x29;
	put32(b + 512, 0x41615252);
	put32(b + 512 + 484, 0x61417272);
	put32(b + 512 + 488, TOTAL - RESV - 2 * FATSZ - 1);
	put32(b + 512 + 492, 3);
	put32(b + 512 + 508, 0xaa550000);
	b[510] = 0x55;
	b[511] = 0xaa;
	for (k = 0; k < 2; k++) {
		fat = (RESV + k * FATSZ) * 512;
		put32(b + fat, 0x0ffffff8);
		put32(b + fat + 4, 0x0fffffff);
		put32(b + fat + 8, 0x0fffffff);
	}
	fdev = (struct fat_dev){ &md, md_read, md_write, md_flush, 512,
				 md.size / 512 };
	CHECK_EQ(fat_mount(&vol, &fdev, md_clock, NULL, 0), 0);
}

/* Unmount and mount again: the cache is cold, the device is the truth. */
static void
remount(void)
{
	CHECK_EQ(fat_unmount(&vol), 0);
	CHECK_EQ(fat_mount(&vol, &fdev, md_clock, NULL, FAT_MOUNT_COUNT), 0);
}

static void
pattern(uint8_t *buf, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = (uint8_t)(i * 31 + seed + (i >> 9) * 7);
}

static uint8_t want[1 << 20], got[1 << 20];

/* Contiguous file: one request per run, both ways. */
static void
test_contiguous(void)
{
	struct fat_file f;
	uint64_t r, w;

	format32();
	pattern(want, 256 << 10, 1);
	CHECK_EQ(fat_open(&vol, "/big.bin", FAT_O_CREAT | FAT_O_WRITE, &f), 0);
	w = md.writes;
	CHECK_EQ(fat_write(&f, 0, want, 256 << 10), 256 << 10);
	CHECK_EQ(md.writes - w, 1);     /* the data; FAT and entry cached */
	w = md.writes;
	CHECK_EQ(fat_flush(&vol), 0);
	/* 4 FAT sectors as one run per copy, the entry, FSInfo. */
	CHECK(md.writes - w <= 4);
	remount();
	CHECK_EQ(fat_open(&vol, "/big.bin", 0, &f), 0);
	r = md.reads;
	CHECK_EQ(fat_read(&f, 0, got, 64 << 10), 64 << 10);
	CHECK(md.reads - r <= 2);
	CHECK(memcmp(got, want, 64 << 10) == 0);
	r = md.reads;
	CHECK_EQ(fat_read(&f, 1000, got, 64 << 10), 64 << 10);
	CHECK(md.reads - r <= 3);       /* head sector, run, tail sector */
	CHECK(memcmp(got, want + 1000, 64 << 10) == 0);
	remount();
	CHECK_EQ(fat_open(&vol, "/big.bin", 0, &f), 0);
	r = md.reads;
	CHECK_EQ(fat_read(&f, 0, got, sizeof(got)), 256 << 10);
	CHECK(md.reads - r <= 5);       /* 4 FAT sectors, 1 data run */
	CHECK(memcmp(got, want, 256 << 10) == 0);
	CHECK_EQ(fat_unmount(&vol), 0);
}

/* Random reads of path against model[0..n). */
static void
check_random_reads(const char *path, const uint8_t *model, uint32_t n)
{
	struct fat_file f;
	uint32_t off, len;
	long rc;
	int i;

	CHECK_EQ(fat_open(&vol, path, 0, &f), 0);
	CHECK_EQ(fat_read(&f, 0, got, sizeof(got)), n);
	CHECK(memcmp(got, model, n) == 0);
	for (i = 0; i < 200; i++) {
		off = (uint32_t)rnd_below(n + 600);
		len = 1 + (uint32_t)rnd_below(i % 4 == 0 ? 70000 : 3000);
		rc = fat_read(&f, off, got, len);
		if (off >= n) {
			CHECK_EQ(rc, 0);
			continue;
		}
		CHECK_EQ(rc, off + len > n ? n - off : len);
		CHECK(rc <= 0 || memcmp(got, model + off, (size_t)rc) == 0);
	}
}

/* Fragmented files: interleaved appends and holes of a deleted file. */
static void
test_fragmented(void)
{
	static uint8_t ma[300 << 10], mb[300 << 10], chunk[20000];
	struct fat_file a, b, c;
	uint32_t na = 0, nb = 0, len;
	int i;

	format32();
	check_rng = 12345;
	CHECK_EQ(fat_open(&vol, "/a", FAT_O_CREAT | FAT_O_WRITE, &a), 0);
	CHECK_EQ(fat_open(&vol, "/b", FAT_O_CREAT | FAT_O_WRITE, &b), 0);
	CHECK_EQ(fat_open(&vol, "/c", FAT_O_CREAT | FAT_O_WRITE, &c), 0);
	for (i = 0; i < 24; i++) {
		len = 1 + (uint32_t)rnd_below(sizeof(chunk));
		pattern(chunk, len, (unsigned)i);
		if (i % 3 == 2) {
			CHECK_EQ(fat_write(&c, 0, chunk, len), len);
			continue;
		}
		if (i % 3 == 0) {
			CHECK_EQ(fat_write(&a, na, chunk, len), len);
			memcpy(ma + na, chunk, len);
			na += len;
		} else {
			CHECK_EQ(fat_write(&b, nb, chunk, len), len);
			memcpy(mb + nb, chunk, len);
			nb += len;
		}
	}
	CHECK_EQ(fat_unlink(&vol, "/c"), 0);
	/* a grows into c's holes and past them: more fragments. */
	pattern(chunk, sizeof(chunk), 99);
	for (i = 0; i < 4; i++) {
		CHECK_EQ(fat_write(&a, na, chunk, sizeof(chunk)),
			 sizeof(chunk));
		memcpy(ma + na, chunk, sizeof(chunk));
		na += sizeof(chunk);
	}
	/* An overwrite across several fragments. */
	pattern(chunk, sizeof(chunk), 7);
	CHECK_EQ(fat_write(&a, 3333, chunk, sizeof(chunk)), sizeof(chunk));
	memcpy(ma + 3333, chunk, sizeof(chunk));
	check_random_reads("/a", ma, na);
	check_random_reads("/b", mb, nb);
	remount();
	check_random_reads("/a", ma, na);
	check_random_reads("/b", mb, nb);
	CHECK_EQ(fat_unmount(&vol), 0);
}

/* Dirty cached sectors inside a direct run. */
static void
test_coherent(void)
{
	struct fat_file f;

	format32();
	pattern(want, 128 << 10, 3);
	CHECK_EQ(fat_open(&vol, "/f", FAT_O_CREAT | FAT_O_WRITE, &f), 0);
	CHECK_EQ(fat_write(&f, 0, want, 128 << 10), 128 << 10);
	/* A small write stays dirty in the cache ... */
	memcpy(want + 5000, "hello, cache", 12);
	CHECK_EQ(fat_write(&f, 5000, "hello, cache", 12), 12);
	/* ... and a large read over it must see it. */
	CHECK_EQ(fat_read(&f, 0, got, 128 << 10), 128 << 10);
	CHECK(memcmp(got, want, 128 << 10) == 0);
	/* A large write over the dirty sector wins over it, also after the
	 * cache is written back. */
	pattern(want, 128 << 10, 4);
	CHECK_EQ(fat_write(&f, 0, want, 128 << 10), 128 << 10);
	CHECK_EQ(fat_flush(&vol), 0);
	remount();
	CHECK_EQ(fat_open(&vol, "/f", 0, &f), 0);
	CHECK_EQ(fat_read(&f, 0, got, 128 << 10), 128 << 10);
	CHECK(memcmp(got, want, 128 << 10) == 0);
	CHECK_EQ(fat_unmount(&vol), 0);
}

/* List /many and check it has names file-0000.txt .. in order. */
static void
check_listing(int n)
{
	struct fat_dirent e;
	struct fat_dir d;
	char name[32];
	int i = 0;

	CHECK_EQ(fat_opendir(&vol, "/many", &d), 0);
	while (fat_readdir(&d, &e) > 0) {
		snprintf(name, sizeof(name), "file-%04d.txt", i);
		if (i < n)
			CHECK_STR(e.name, name);
		i++;
	}
	CHECK_EQ(i, n);
}

/* 1,000 long-named entries: created, listed with read-ahead. */
static void
test_big_dir(void)
{
	struct fat_file f;
	char name[64];
	uint64_t r;
	int i;

	format32();
	CHECK_EQ(fat_mkdir(&vol, "/many"), 0);
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "/many/file-%04d.txt", i);
		CHECK_EQ(fat_open(&vol, name, FAT_O_CREAT | FAT_O_EXCL, &f),
			 0);
	}
	check_listing(1000);
	remount();
	r = md.reads;
	check_listing(1000);
	/* 2,002 slots = 126 sectors: 8 per read-ahead plus a few FAT and
	 * path reads, instead of one read per sector. */
	CHECK(md.reads - r <= 30);
	CHECK_EQ(fat_unmount(&vol), 0);
}

static const struct test_case tests[] = {
	{ "contiguous", test_contiguous },
	{ "fragmented", test_fragmented },
	{ "coherent", test_coherent },
	{ "big_dir", test_big_dir },
};

int
main(void)
{
	int rc = run_tests(tests, sizeof(tests) / sizeof(tests[0]));

	free(md.img);
	return rc;
}
