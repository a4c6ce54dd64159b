/*
 * FAT library unit tests on images formatted in memory (FAT12, FAT16,
 * FAT32), including corrupted ones.  With arguments, test_fat is the image
 * tool that tests/host/fat_mtools.py drives (test_fat_tool.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../fs/fat/fat_int.h"
#include "check.h"

/* From test_fat_tool.c. */
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

static struct fat_vol vol;
static struct memdev md;
static struct fat_dev fdev;

struct geom {
	int type;
	uint32_t total, reserved, root_ent, fatsz;
};

static const struct geom geoms[] = {
	{ 12, 2880, 1, 224, 9 },
	{ 16, 16384, 1, 512, 65 },
	{ 32, 72000, 32, 0, 563 },
};

static void
put16(uint8_t *p, uint16_t x)
{
	p[0] = (uint8_t)x;
	p[1] = (uint8_t)(x >> 8);
}

static void
put32(uint8_t *p, uint32_t x)
{
	put16(p, (uint16_t)x);
	put16(p + 2, (uint16_t)(x >> 16));
}

/* Format a fresh in-memory volume (2 FATs, 512-byte sectors and clusters)
 * into md and attach fdev to it. */
static void
format(const struct geom *g)
{
	uint32_t k, fat, clusters;
	uint8_t *b;

	free(md.img);
	memset(&md, 0, sizeof(md));
	md.size = (uint64_t)g->total * 512;
	md.img = calloc(1, md.size);
	b = md.img;
	b[0] = 0xeb;
	b[1] = 0x3c;
	b[2] = 0x90;
	memcpy(b + 3, "MSWIN4.1", 8);
	put16(b + 11, 512);
	b[13] = 1;
	put16(b + 14, (uint16_t)g->reserved);
	b[16] = 2;
	put16(b + 17, (uint16_t)g->root_ent);
	if (g->type != 32 && g->total < 65536)
		put16(b + 19, (uint16_t)g->total);
	else
		put32(b + 32, g->total);
	b[21] = 0xf8;
	if (g->type != 32) {
		put16(b + 22, (uint16_t)g->fatsz);
		b[38] = 0x29;
	} else {
		put32(b + 36, g->fatsz);
		put32(b + 44, 2);
		put16(b + 48, 1);
		put16(b + 50, 6);
		b[66] = 0x29;
		clusters = g->total - g->reserved - 2 * g->fatsz;
		put32(b + 512, 0x41615252);
		put32(b + 512 + 484, 0x61417272);
		put32(b + 512 + 488, clusters - 1);
		put32(b + 512 + 492, 3);
		put32(b + 512 + 508, 0xaa550000);
	}
	b[510] = 0x55;
	b[511] = 0xaa;
	for (k = 0; k < 2; k++) {
		fat = (g->reserved + k * g->fatsz) * 512;
		if (g->type == 12) {
			memcpy(b + fat, "\xf8\xff\xff", 3);
		} else if (g->type == 16) {
			memcpy(b + fat, "\xf8\xff\xff\xff", 4);
		} else {
			put32(b + fat, 0x0ffffff8);
			put32(b + fat + 4, 0x0fffffff);
			put32(b + fat + 8, 0x0fffffff);
		}
	}
	fdev = (struct fat_dev){ &md, md_read, md_write, md_flush, 512,
				 md.size / 512 };
}

static int
mount(void)
{
	return fat_mount(&vol, &fdev, md_clock, NULL, 0);
}

/* The library's free count must equal a recount of the FAT. */
static void
check_free(void)
{
	uint32_t kept = vol.free_count, n = 0;

	CHECK_EQ(fat_count_free(&vol, &n), 0);
	CHECK_EQ(kept, n);
}

static void
pattern(uint8_t *buf, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = (uint8_t)(i * 31 + seed + (i >> 9));
}

static long
write_file(const char *path, const void *buf, size_t n)
{
	struct fat_file f;
	int rc = fat_open(&vol, path, FAT_O_WRITE | FAT_O_CREAT | FAT_O_TRUNC,
			  &f);

	return rc < 0 ? rc : fat_write(&f, 0, buf, n);
}

/* Read a whole file and compare it with buf[0..n). */
static void
check_file(const char *path, const uint8_t *buf, size_t n)
{
	static uint8_t got[1 << 17];
	struct fat_file f;
	struct fat_stat st;

	CHECK_EQ(fat_open(&vol, path, 0, &f), 0);
	CHECK_EQ(fat_fstat(&f, &st), 0);
	CHECK_EQ(st.size, n);
	CHECK_EQ(fat_read(&f, 0, got, sizeof(got)), n);
	CHECK(memcmp(got, buf, n) == 0);
}

static void
test_names(void)
{
	uint8_t n11[11], nt;
	uint16_t u[FAT_NAME_MAX];
	char s[FAT_NAME_BUF];
	int n;

	CHECK_EQ(name_is_short("README.TXT", 10, n11, &nt), 1);
	CHECK(memcmp(n11, "README  TXT", 11) == 0);
	CHECK_EQ(nt, 0);
	CHECK_EQ(name_is_short("readme.txt", 10, n11, &nt), 1);
	CHECK_EQ(nt, 0x18);
	CHECK_EQ(name_is_short("ReadMe.txt", 10, n11, &nt), 0);
	CHECK_EQ(name_is_short("a.b.c", 5, n11, &nt), 0);
	CHECK_EQ(name_is_short("toolongname", 11, n11, &nt), 0);
	CHECK_EQ(name_is_short("a b", 3, n11, &nt), 0);

	n = name_to_ucs2("Long File Name.text", 19, u);
	CHECK_EQ(n, 19);
	name_basis(u, n, n11);
	name_alias_tail(n11, 1);
	CHECK(memcmp(n11, "LONGFI~1TEX", 11) == 0);
	name_alias_tail(n11, 12345);
	CHECK(memcmp(n11, "LO~12345TEX", 11) == 0);
	n = name_to_ucs2(".bashrc", 7, u);
	name_basis(u, n, n11);
	CHECK(memcmp(n11, "_       BAS", 11) == 0);

	/* UTF-8 round trip, including a character outside the BMP. */
	n = name_to_ucs2("caf\xc3\xa9 \xf0\x9f\x98\x80", 10, u);
	CHECK_EQ(n, 7);
	ucs2_to_utf8(u, n, s, sizeof(s));
	CHECK_STR(s, "caf\xc3\xa9 \xf0\x9f\x98\x80");
	CHECK_EQ(name_to_ucs2("\xc0\x80", 2, u), -ERR_INVAL);
	CHECK_EQ(name_to_ucs2("\xe2\x82", 2, u), -ERR_INVAL);
	CHECK(!name_valid("a:b", 3));
	CHECK(!name_valid("dot.", 4));
	CHECK(!name_valid("..", 2));
	CHECK(name_valid("x y.z", 5));

	/* Checksum of "FOO     BAR", computed apart with the spec's loop. */
	CHECK_EQ(lfn_checksum((const uint8_t *)"FOO     BAR"), 0x53);
}

/* Corrupt one field of a good FAT12 boot sector: mount must refuse it. */
static void
test_mount_bad(void)
{
	static const struct {
		int off, width;
		uint32_t val;
	} bad[] = {
		{ 0, 1, 0 },            /* no jump */
		{ 510, 1, 0 },          /* no signature */
		{ 11, 2, 0 },           /* 0 bytes per sector */
		{ 11, 2, 768 },         /* not a power of two */
		{ 11, 2, 8192 },        /* too large */
		{ 13, 1, 0 },           /* 0 sectors per cluster */
		{ 13, 1, 3 },
		{ 14, 2, 0 },           /* no reserved sectors */
		{ 16, 1, 0 },           /* no FAT */
		{ 17, 2, 0 },           /* FAT12 without root entries */
		{ 19, 2, 0 },           /* 0 sectors */
		{ 19, 2, 5760 },        /* larger than the device */
		{ 22, 2, 0 },           /* FAT size 0 */
		{ 22, 2, 1 },           /* FAT too small */
		{ 22, 2, 2000 },        /* FATs eat the volume */
		{ 17, 2, 0xffff },      /* root eats the volume */
	};
	uint8_t *b;
	size_t i;

	format(&geoms[0]);
	b = md.img;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t save[2] = { b[bad[i].off], b[bad[i].off + 1] };

		if (bad[i].width == 1)
			b[bad[i].off] = (uint8_t)bad[i].val;
		else
			put16(b + bad[i].off, (uint16_t)bad[i].val);
		CHECK_EQ(mount(), -ERR_INVAL);
		CHECK(vol.reason != NULL && vol.reason[0] != '\0');
		if (vol.reason[0] == '\0')
			fprintf(stderr, "case %zu: no reason\n", i);
		b[bad[i].off] = save[0];
		b[bad[i].off + 1] = save[1];
	}
	CHECK_EQ(mount(), 0);
	CHECK_EQ(vol.type, 12);
	CHECK_EQ(fat_unmount(&vol), 0);
	CHECK_EQ(fat_mount(&vol, &fdev, NULL, NULL, FAT_MOUNT_RDONLY), 0);
	CHECK_EQ(fat_mkdir(&vol, "/d"), -FAT_ERR_ROFS);
	CHECK_EQ(fat_unmount(&vol), 0);
	CHECK_EQ(md.writes, 0);
	md.fail = 1;
	CHECK_EQ(mount(), -ERR_IO);
	md.fail = 0;
	fdev.sector_size = 1000;
	CHECK_EQ(mount(), -ERR_INVAL);
	fdev.sector_size = 512;
	fdev.sectors = 100;
	CHECK_EQ(mount(), -ERR_INVAL);
}

static void
check_dir(const char *path, const char *const *names, int n)
{
	struct fat_dirent e;
	struct fat_dir d;
	int i = 0, rc;

	CHECK_EQ(fat_opendir(&vol, path, &d), 0);
	while ((rc = fat_readdir(&d, &e)) > 0) {
		if (i < n)
			CHECK_STR(e.name, names[i]);
		i++;
	}
	CHECK_EQ(rc, 0);
	CHECK_EQ(i, n);
}

/* The whole API on one volume type. */
static void
exercise(const struct geom *g)
{
	static uint8_t buf[100000], got[100000];
	struct fat_statfs sf;
	struct fat_stat st;
	struct fat_file f;
	struct fat_dirent e;
	struct fat_dir d;
	uint32_t free0;
	int i;

	format(g);
	CHECK_EQ(mount(), 0);
	CHECK_EQ(vol.type, g->type);
	CHECK_EQ(fat_statfs(&vol, &sf), 0);
	free0 = sf.free_clusters;
	CHECK_EQ(free0, sf.total_clusters - (g->type == 32));
	check_free();

	CHECK_EQ(write_file("/hello.txt", "hello", 5), 5);
	check_file("/hello.txt", (const uint8_t *)"hello", 5);
	CHECK_EQ(fat_stat(&vol, "/HELLO.TXT", &st), 0);
	CHECK_EQ(st.size, 5);
	CHECK_EQ(st.mtime.year, 2024);
	CHECK_EQ(st.mtime.sec, 30);

	CHECK_EQ(fat_mkdir(&vol, "/Sub Dir"), 0);
	CHECK_EQ(fat_mkdir(&vol, "/sub dir"), -ERR_EXIST);
	pattern(buf, sizeof(buf), 1);
	CHECK_EQ(write_file("/Sub Dir/A long file name.dat", buf, 10000),
		 10000);
	check_file("/sub dir/a LONG file NAME.DAT", buf, 10000);
	CHECK_EQ(fat_stat(&vol, "/Sub Dir", &st), 0);
	CHECK_EQ(st.is_dir, 1);

	CHECK_EQ(write_file("/Long name 1.txt", "1", 1), 1);
	CHECK_EQ(write_file("/Long name 2.txt", "2", 1), 1);
	CHECK_EQ(fat_opendir(&vol, "/", &d), 0);
	i = 0;
	while (fat_readdir(&d, &e) > 0) {
		if (strcmp(e.name, "Long name 1.txt") == 0) {
			CHECK_STR(e.short_name, "LONGNA~1.TXT");
			i++;
		}
		if (strcmp(e.name, "Long name 2.txt") == 0) {
			CHECK_STR(e.short_name, "LONGNA~2.TXT");
			i++;
		}
	}
	CHECK_EQ(i, 2);
	check_file("/LONGNA~2.TXT", (const uint8_t *)"2", 1);
	{
		const char *names[] = { "hello.txt", "Sub Dir",
					"Long name 1.txt", "Long name 2.txt" };
		check_dir("/", names, 4);
	}
	check_free();

	/* Gap writes read back as zeros; append; shrink; grow. */
	CHECK_EQ(fat_open(&vol, "/gap", FAT_O_WRITE | FAT_O_CREAT, &f), 0);
	CHECK_EQ(fat_write(&f, 3000, "x", 1), 1);
	memset(buf, 0, 3000);
	buf[3000] = 'x';
	check_file("/gap", buf, 3001);
	pattern(buf, sizeof(buf), 7);
	CHECK_EQ(fat_write(&f, 3001, buf, 70000), 70000);
	CHECK_EQ(fat_read(&f, 3001, got, 70000), 70000);
	CHECK(memcmp(got, buf, 70000) == 0);
	CHECK_EQ(fat_truncate(&f, 513), 0);
	check_free();
	CHECK_EQ(fat_truncate(&f, 2000), 0);
	CHECK_EQ(fat_read(&f, 0, got, sizeof(got)), 2000);
	CHECK_EQ(got[512], 0);
	CHECK_EQ(got[1999], 0);
	CHECK_EQ(fat_truncate(&f, 0), 0);
	CHECK_EQ(fat_read(&f, 0, got, 10), 0);
	check_free();

	/* Errors. */
	CHECK_EQ(fat_open(&vol, "/nope", 0, &f), -ERR_NOENT);
	CHECK_EQ(fat_open(&vol, "/nope/x", FAT_O_CREAT | FAT_O_WRITE, &f),
		 -ERR_NOENT);
	CHECK_EQ(fat_open(&vol, "/hello.txt/x", 0, &f), -FAT_ERR_NOTDIR);
	CHECK_EQ(fat_open(&vol, "/Sub Dir", 0, &f), -FAT_ERR_ISDIR);
	CHECK_EQ(fat_open(&vol, "/hello.txt", FAT_O_CREAT | FAT_O_EXCL, &f),
		 -ERR_EXIST);
	CHECK_EQ(fat_open(&vol, "relative", 0, &f), -ERR_INVAL);
	CHECK_EQ(fat_open(&vol, "/a/../b", 0, &f), -ERR_INVAL);
	CHECK_EQ(fat_open(&vol, "/bad:name", FAT_O_CREAT, &f), -ERR_INVAL);
	CHECK_EQ(fat_rmdir(&vol, "/Sub Dir"), -FAT_ERR_NOTEMPTY);
	CHECK_EQ(fat_rmdir(&vol, "/hello.txt"), -FAT_ERR_NOTDIR);
	CHECK_EQ(fat_unlink(&vol, "/Sub Dir"), -FAT_ERR_ISDIR);
	CHECK_EQ(fat_rmdir(&vol, "/"), -ERR_BUSY);
	CHECK_EQ(fat_open(&vol, "/hello.txt", 0, &f), 0);
	CHECK_EQ(fat_write(&f, 0, "x", 1), -ERR_PERM);

	/* Renames: across directories, replacing, directories. */
	CHECK_EQ(fat_rename(&vol, "/hello.txt", "/Sub Dir/moved.txt"), 0);
	CHECK_EQ(fat_stat(&vol, "/hello.txt", &st), -ERR_NOENT);
	check_file("/Sub Dir/moved.txt", (const uint8_t *)"hello", 5);
	CHECK_EQ(fat_rename(&vol, "/Long name 1.txt", "/Long name 2.txt"), 0);
	check_file("/long name 2.txt", (const uint8_t *)"1", 1);
	CHECK_EQ(fat_rename(&vol, "/long name 2.txt", "/Long Name 2.TXT"), 0);
	CHECK_EQ(fat_mkdir(&vol, "/d2"), 0);
	CHECK_EQ(fat_rename(&vol, "/Sub Dir", "/d2/inner"), 0);
	check_file("/d2/inner/moved.txt", (const uint8_t *)"hello", 5);
	CHECK_EQ(fat_rename(&vol, "/d2", "/d2/inner/x"), -ERR_INVAL);
	CHECK_EQ(fat_rename(&vol, "/d2", "/Long Name 2.TXT"), -FAT_ERR_NOTDIR);
	CHECK_EQ(fat_rename(&vol, "/Long Name 2.TXT", "/d2"), -FAT_ERR_ISDIR);
	CHECK_EQ(fat_rename(&vol, "/d2/inner", "/inner"), 0);
	CHECK_EQ(fat_mkdir(&vol, "/inner/deeper"), 0);
	CHECK_EQ(write_file("/inner/deeper/f", "deep", 4), 4);
	check_file("/inner/deeper/f", (const uint8_t *)"deep", 4);
	check_free();

	/* A directory that needs many clusters. */
	for (i = 0; i < 60; i++) {
		char p[64];

		snprintf(p, sizeof(p), "/d2/a rather long file name %d", i);
		CHECK_EQ(write_file(p, p, strlen(p)), (long)strlen(p));
	}
	CHECK_EQ(fat_opendir(&vol, "/d2", &d), 0);
	for (i = 0; fat_readdir(&d, &e) > 0; i++) {
		char p[64];

		snprintf(p, sizeof(p), "a rather long file name %d", i);
		CHECK_STR(e.name, p);
	}
	CHECK_EQ(i, 60);

	/* Everything survives a remount; the count matches FSInfo. */
	CHECK_EQ(fat_unmount(&vol), 0);
	CHECK_EQ(mount(), 0);
	check_free();
	check_file("/inner/moved.txt", (const uint8_t *)"hello", 5);
	check_file("/d2/A RATHER LONG FILE NAME 59",
		   (const uint8_t *)"/d2/a rather long file name 59", 30);

	/* Remove everything: the free count is back where it started. */
	for (i = 0; i < 60; i++) {
		char p[64];

		snprintf(p, sizeof(p), "/d2/a rather long file name %d", i);
		CHECK_EQ(fat_unlink(&vol, p), 0);
	}
	CHECK_EQ(fat_rmdir(&vol, "/d2"), 0);
	CHECK_EQ(fat_unlink(&vol, "/inner/deeper/f"), 0);
	CHECK_EQ(fat_rmdir(&vol, "/inner/deeper"), 0);
	CHECK_EQ(fat_unlink(&vol, "/inner/moved.txt"), 0);
	CHECK_EQ(fat_unlink(&vol, "/inner/A long file name.dat"), 0);
	CHECK_EQ(fat_rmdir(&vol, "/inner"), 0);
	CHECK_EQ(fat_unlink(&vol, "/Long Name 2.TXT"), 0);
	CHECK_EQ(fat_unlink(&vol, "/gap"), 0);
	check_dir("/", NULL, 0);
	CHECK_EQ(fat_statfs(&vol, &sf), 0);
	CHECK_EQ(sf.free_clusters, free0);
	check_free();
	CHECK_EQ(fat_unmount(&vol), 0);
}

static void
test_fat12(void)
{
	exercise(&geoms[0]);
}

static void
test_fat16(void)
{
	exercise(&geoms[1]);
}

static void
test_fat32(void)
{
	exercise(&geoms[2]);
	/* FSInfo holds the final count. */
	CHECK_EQ(rd32(md.img + 512 + 488), 72000 - 32 - 2 * 563 - 1);
}

/* Fill the fixed root and then the volume: -FAT_ERR_NOSPC, counts exact. */
static void
test_full(void)
{
	static uint8_t buf[65536];
	struct fat_statfs sf;
	struct fat_file f;
	uint32_t off = 0;
	char p[32];
	long w;
	int i, rc = 0;

	format(&geoms[0]);
	CHECK_EQ(mount(), 0);
	for (i = 0; i < 300; i++) {
		snprintf(p, sizeof(p), "/F%d", i);
		rc = fat_open(&vol, p, FAT_O_CREAT | FAT_O_WRITE, &f);
		if (rc < 0)
			break;
	}
	CHECK_EQ(rc, -FAT_ERR_NOSPC);
	CHECK_EQ(i, 224);
	CHECK_EQ(fat_mkdir(&vol, "/more"), -FAT_ERR_NOSPC);
	CHECK_EQ(fat_unlink(&vol, "/F0"), 0);
	CHECK_EQ(fat_open(&vol, "/big", FAT_O_CREAT | FAT_O_WRITE, &f), 0);
	pattern(buf, sizeof(buf), 3);
	while ((w = fat_write(&f, off, buf, sizeof(buf))) > 0)
		off += (uint32_t)w;
	CHECK_EQ(w, -FAT_ERR_NOSPC);
	CHECK_EQ(off, vol.clusters * 512u);
	CHECK_EQ(fat_statfs(&vol, &sf), 0);
	CHECK_EQ(sf.free_clusters, 0);
	check_free();
	CHECK_EQ(fat_read(&f, off - 100, buf, 100), 100);
	CHECK_EQ(fat_unlink(&vol, "/big"), 0);
	CHECK_EQ(fat_statfs(&vol, &sf), 0);
	CHECK_EQ(sf.free_clusters, vol.clusters);
	check_free();
	CHECK_EQ(fat_unmount(&vol), 0);
}

/* Poke FAT12 entry clus in the first FAT of the image. */
static void
poke12(uint32_t clus, uint32_t val)
{
	uint8_t *p = md.img + 512 + clus + clus / 2;

	if (clus & 1) {
		p[0] = (uint8_t)((p[0] & 0x0f) | (val << 4 & 0xf0));
		p[1] = (uint8_t)(val >> 4);
	} else {
		p[0] = (uint8_t)val;
		p[1] = (uint8_t)((p[1] & 0xf0) | (val >> 8 & 0x0f));
	}
}

/* Root directory slot i of the FAT12 image. */
static uint8_t *
root_slot(int i)
{
	return md.img + (1 + 2 * 9) * 512 + i * 32;
}

/* Corrupt chains and entries: errors, never hangs or crashes. */
static void
test_corrupt(void)
{
	static uint8_t buf[8192];
	struct fat_dirent e;
	struct fat_file f;
	struct fat_dir d;
	uint8_t *de;
	int n;

	format(&geoms[0]);
	CHECK_EQ(mount(), 0);
	pattern(buf, sizeof(buf), 5);
	CHECK_EQ(write_file("/A.BIN", buf, 3 * 512), 3 * 512);  /* 2,3,4 */
	CHECK_EQ(write_file("/Long Name.bin", buf, 100), 100);  /* 5 */
	CHECK_EQ(fat_unmount(&vol), 0);
	de = root_slot(0);
	CHECK(memcmp(de, "A       BIN", 11) == 0);

	/* A loop: reading stays bounded, freeing stops with -ERR_IO. */
	poke12(4, 2);
	put32(de + DE_SIZE_OFF, 5000);
	CHECK_EQ(mount(), 0);
	CHECK_EQ(fat_open(&vol, "/A.BIN", 0, &f), 0);
	CHECK_EQ(fat_read(&f, 0, buf, sizeof(buf)), 5000);
	CHECK_EQ(fat_unlink(&vol, "/A.BIN"), -ERR_IO);
	CHECK_EQ(fat_unmount(&vol), 0);

	/* Chain into a cluster past the volume; a chain shorter than size. */
	format(&geoms[0]);
	CHECK_EQ(mount(), 0);
	CHECK_EQ(write_file("/A.BIN", buf, 3 * 512), 3 * 512);
	CHECK_EQ(fat_unmount(&vol), 0);
	de = root_slot(0);
	poke12(3, 0xff0);
	CHECK_EQ(mount(), 0);
	CHECK_EQ(fat_open(&vol, "/A.BIN", 0, &f), 0);
	CHECK_EQ(fat_read(&f, 0, buf, sizeof(buf)), -ERR_IO);
	CHECK_EQ(fat_unmount(&vol), 0);
	poke12(3, 0xfff);
	CHECK_EQ(mount(), 0);
	CHECK_EQ(fat_open(&vol, "/A.BIN", FAT_O_WRITE, &f), 0);
	CHECK_EQ(fat_read(&f, 0, buf, sizeof(buf)), -ERR_IO);
	CHECK_EQ(fat_truncate(&f, 1), 0);
	CHECK_EQ(fat_unmount(&vol), 0);

	/* Entries pointing past the volume or too large to be backed. */
	put16(de + DE_CLUS_LO, 60000);
	CHECK_EQ(mount(), 0);
	CHECK_EQ(fat_open(&vol, "/A.BIN", 0, &f), -ERR_IO);
	CHECK_EQ(fat_unlink(&vol, "/A.BIN"), -ERR_IO);
	CHECK_EQ(fat_unmount(&vol), 0);
	put16(de + DE_CLUS_LO, 2);
	put32(de + DE_SIZE_OFF, 0xffffffff);
	CHECK_EQ(mount(), 0);
	CHECK_EQ(fat_open(&vol, "/A.BIN", 0, &f), -ERR_IO);
	CHECK_EQ(fat_unmount(&vol), 0);
	de[DE_ATTR] = FAT_ATTR_DIR;
	CHECK_EQ(mount(), 0);
	CHECK_EQ(fat_opendir(&vol, "/A.BIN", &d), 0);
	for (n = 0; fat_readdir(&d, &e) > 0; n++)
		;
	CHECK(n <= 16);
	CHECK_EQ(fat_unmount(&vol), 0);

	/* A bad LFN checksum: the short name is used. */
	format(&geoms[0]);
	CHECK_EQ(mount(), 0);
	CHECK_EQ(write_file("/Long Name.bin", buf, 100), 100);
	CHECK_EQ(fat_unmount(&vol), 0);
	root_slot(0)[LFN_CSUM] ^= 1;
	CHECK_EQ(mount(), 0);
	CHECK_EQ(fat_opendir(&vol, "/", &d), 0);
	CHECK_EQ(fat_readdir(&d, &e), 1);
	CHECK_STR(e.name, "LONGNA~1.BIN");
	CHECK_EQ(fat_readdir(&d, &e), 0);
	/* Out of order sequence numbers too. */
	CHECK_EQ(fat_unmount(&vol), 0);
	root_slot(0)[LFN_CSUM] ^= 1;
	root_slot(0)[LFN_ORD] = 0x43;
	CHECK_EQ(mount(), 0);
	CHECK_EQ(fat_opendir(&vol, "/", &d), 0);
	CHECK_EQ(fat_readdir(&d, &e), 1);
	CHECK_STR(e.name, "LONGNA~1.BIN");
	CHECK_EQ(fat_unmount(&vol), 0);
}

/*
 * A call that fails on a corrupt chain changes nothing (issue 13 item 14:
 * rm of a looped file said "I/O error" yet removed the entry): unlink,
 * truncate, a replacing rename and rmdir check the whole chain first.
 */
static void
test_corrupt_nochange(void)
{
	static uint8_t buf[4 * 512];
	uint32_t bad[][2] = { { 4, 2 }, { 3, 0 }, { 3, 0xff7 }, { 3, 4000 } };
	struct fat_file f;
	struct fat_stat st;
	uint8_t *before;
	size_t k;

	pattern(buf, sizeof(buf), 9);
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		format(&geoms[0]);
		CHECK_EQ(mount(), 0);
		CHECK_EQ(write_file("/A.BIN", buf, 3 * 512), 3 * 512); /* 2-4 */
		CHECK_EQ(fat_mkdir(&vol, "/D"), 0);                    /* 5 */
		CHECK_EQ(write_file("/B.BIN", buf, 10), 10);           /* 6 */
		CHECK_EQ(fat_unmount(&vol), 0);
		poke12(bad[k][0], bad[k][1]);
		poke12(5, 5);                           /* /D loops on itself */
		before = malloc(md.size);
		memcpy(before, md.img, md.size);
		CHECK_EQ(mount(), 0);
		CHECK_EQ(fat_unlink(&vol, "/A.BIN"), -ERR_IO);
		CHECK_EQ(fat_rename(&vol, "/B.BIN", "/A.BIN"), -ERR_IO);
		CHECK_EQ(fat_open(&vol, "/A.BIN", FAT_O_WRITE, &f), 0);
		CHECK_EQ(fat_truncate(&f, 512), -ERR_IO);
		CHECK_EQ(fat_truncate(&f, 0), -ERR_IO);
		CHECK_EQ(fat_open(&vol, "/A.BIN", FAT_O_WRITE | FAT_O_TRUNC, &f),
			 -ERR_IO);
		CHECK_EQ(fat_rmdir(&vol, "/D"), -ERR_IO);
		CHECK_EQ(fat_stat(&vol, "/A.BIN", &st), 0);
		CHECK_EQ(st.size, 3 * 512);
		CHECK_EQ(fat_stat(&vol, "/D", &st), 0);
		CHECK_EQ(fat_unmount(&vol), 0);
		CHECK(memcmp(before, md.img, md.size) == 0);
		free(before);
	}
}

/* fat_dirty says whether anything is not durable; fat_flush always ends
 * with a device flush (the server's OP_FLUSH and write-back timer). */
static void
test_dirty_flush(void)
{
	uint64_t flushes;
	int t;

	for (t = 0; t < 3; t++) {
		format(&geoms[t]);
		CHECK_EQ(mount(), 0);
		CHECK_EQ(fat_dirty(&vol), 0);
		CHECK_EQ(write_file("/x", "important\n", 10), 10);
		CHECK_EQ(fat_dirty(&vol), 1);
		flushes = md.flushes;
		CHECK_EQ(fat_flush(&vol), 0);
		CHECK(md.flushes > flushes);
		CHECK_EQ(fat_dirty(&vol), 0);
		flushes = md.flushes;
		CHECK_EQ(fat_flush(&vol), 0);   /* nothing dirty: still flushes */
		CHECK_EQ(md.flushes, flushes + 1);
		CHECK_EQ(fat_dirty(&vol), 0);
		CHECK_EQ(fat_unmount(&vol), 0);
		CHECK_EQ(fat_dirty(&vol), 0);
	}
}

/* Device errors come back as -ERR_IO. */
static void
test_io_error(void)
{
	struct fat_file f;
	struct fat_stat st;

	format(&geoms[1]);
	CHECK_EQ(mount(), 0);
	CHECK_EQ(write_file("/x", "abc", 3), 3);
	md.fail = 1;
	CHECK_EQ(fat_flush(&vol), -ERR_IO);
	CHECK(fat_mkdir(&vol, "/y") < 0);
	md.fail = 0;
	CHECK_EQ(fat_flush(&vol), 0);
	CHECK_EQ(fat_open(&vol, "/x", 0, &f), 0);
	CHECK_EQ(fat_close(&f), 0);
	CHECK_EQ(fat_read(&f, 0, &md, 1), -ERR_INVAL);
	CHECK_EQ(fat_write(&f, 0, "x", 1), -ERR_INVAL);
	CHECK_EQ(fat_unmount(&vol), 0);
	CHECK_EQ(fat_stat(&vol, "/x", &st), -ERR_INVAL);
}

static const struct test_case tests[] = {
	{ "names", test_names },
	{ "mount_bad", test_mount_bad },
	{ "fat12", test_fat12 },
	{ "fat16", test_fat16 },
	{ "fat32", test_fat32 },
	{ "full", test_full },
	{ "corrupt", test_corrupt },
	{ "corrupt_nochange", test_corrupt_nochange },
	{ "dirty_flush", test_dirty_flush },
	{ "io_error", test_io_error },
};

int
main(int argc, char **argv)
{
	int rc;

	if (argc > 1)
		return tool_main(argc, argv);
	rc = run_tests(tests, sizeof(tests) / sizeof(tests[0]));
	free(md.img);
	return rc;
}
