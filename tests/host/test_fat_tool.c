/*
 * The image side of test_fat: an in-memory block device, a small FAT
 * formatter for the unit tests, and the command mode that
 * tests/host/fat_mtools.py drives on images made by mkfs.fat:
 *
 *   test_fat <image> <command>...      commands, each one argument:
 *     put:HOST:/PATH        create/replace /PATH with the bytes of HOST
 *     pwrite:HOST:/PATH:OFF write HOST's bytes at OFF (file must exist)
 *     trunc:/PATH:SIZE      set the size
 *     mkdir:/PATH  rmdir:/PATH  unlink:/PATH  rename:/FROM:/TO
 *     cp:/FROM:/TO          copy a file inside the volume (64 KiB at a time)
 *     fill:/PATH            write until the volume is full, print bytes
 *     statfs                print "type T clusters N free F bytes B"
 *     dump:HOSTDIR          copy the whole tree out (checks sizes)
 *     expect:ERR:<command>  the command must fail with -ERR (a number)
 *
 * The image is loaded into memory, the commands run, the volume is
 * unmounted, the free count is checked against a recount, the image is
 * written back.  Exit 0 only if every command did what it should.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <fs/fat.h>

#include "check.h"

struct memdev {
	uint8_t *img;
	uint64_t size;
	uint64_t reads, writes, flushes;
	int fail;                       /* nonzero: every I/O fails */
};

int md_read(void *ctx, uint64_t sector, void *buf, uint32_t count);
int md_write(void *ctx, uint64_t sector, const void *buf, uint32_t count);
int md_flush(void *ctx);
void md_clock(void *ctx, struct fat_tm *t);
int tool_main(int argc, char **argv);

int
md_read(void *ctx, uint64_t sector, void *buf, uint32_t count)
{
	struct memdev *m = ctx;

	if (m->fail || sector * 512 + (uint64_t)count * 512 > m->size ||
	    count == 0)
		return -ERR_IO;
	memcpy(buf, m->img + sector * 512, (size_t)count * 512);
	m->reads++;
	return 0;
}

/* With FAT_SNAPSHOTS=DIR in the environment, the image after every
 * device write is saved as DIR/NNNNN.img: each is what a crash at that
 * moment would leave (fat_mtools.py runs fsck.fat on them). */
static void
snapshot(const struct memdev *m)
{
	static unsigned n;
	const char *dir = getenv("FAT_SNAPSHOTS");
	char path[FAT_PATH_MAX];
	FILE *fp;

	if (dir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%05u.img", dir, n++);
	fp = fopen(path, "wb");
	if (fp == NULL || fwrite(m->img, 1, m->size, fp) != m->size) {
		perror(path);
		exit(2);
	}
	fclose(fp);
}

int
md_write(void *ctx, uint64_t sector, const void *buf, uint32_t count)
{
	struct memdev *m = ctx;

	if (m->fail || sector * 512 + (uint64_t)count * 512 > m->size ||
	    count == 0)
		return -ERR_IO;
	memcpy(m->img + sector * 512, buf, (size_t)count * 512);
	m->writes++;
	snapshot(m);
	return 0;
}

int
md_flush(void *ctx)
{
	struct memdev *m = ctx;

	m->flushes++;
	return m->fail ? -ERR_IO : 0;
}

/* A fixed clock: 2024-05-17 13:45:30. */
void
md_clock(void *ctx, struct fat_tm *t)
{
	(void)ctx;
	t->year = 2024;
	t->mon = 5;
	t->day = 17;
	t->hour = 13;
	t->min = 45;
	t->sec = 30;
}

static struct fat_vol vol;
static struct memdev dev;

static int
put(const char *host, const char *path)
{
	struct fat_file f;
	size_t n;
	unsigned char *data = load_file(host, &n);
	long w;
	int rc = fat_open(&vol, path, FAT_O_WRITE | FAT_O_CREAT | FAT_O_TRUNC,
			  &f);

	if (rc == 0) {
		w = fat_write(&f, 0, data, n);
		rc = w < 0 ? (int)w : (size_t)w != n ? -ERR_IO : 0;
		fat_close(&f);
	}
	free(data);
	return rc;
}

static int
pwrite_cmd(const char *host, const char *path, uint32_t off)
{
	struct fat_file f;
	size_t n;
	unsigned char *data = load_file(host, &n);
	long w;
	int rc = fat_open(&vol, path, FAT_O_WRITE, &f);

	if (rc == 0) {
		w = fat_write(&f, off, data, n);
		rc = w < 0 ? (int)w : (size_t)w != n ? -ERR_IO : 0;
	}
	free(data);
	return rc;
}

static int
trunc_cmd(const char *path, uint32_t size)
{
	struct fat_file f;
	int rc = fat_open(&vol, path, FAT_O_WRITE, &f);

	return rc < 0 ? rc : fat_truncate(&f, size);
}

/* Copy file from to (created or emptied) through the library, 64 KiB
 * at a time, as the guest's cp does through the server. */
static int
cp_cmd(const char *from, const char *to)
{
	static uint8_t buf[65536];
	struct fat_file src, dst;
	uint32_t off = 0;
	long n = 0, w;
	int rc = fat_open(&vol, from, 0, &src);

	if (rc == 0)
		rc = fat_open(&vol, to, FAT_O_WRITE | FAT_O_CREAT | FAT_O_TRUNC,
			      &dst);
	if (rc < 0)
		return rc;
	while ((n = fat_read(&src, off, buf, sizeof(buf))) > 0) {
		w = fat_write(&dst, off, buf, (size_t)n);
		if (w != n)
			return w < 0 ? (int)w : -ERR_IO;
		off += (uint32_t)n;
	}
	return n < 0 ? (int)n : 0;
}

/* Write a pattern until the volume is full; prints the bytes written. */
static int
fill(const char *path)
{
	static uint8_t buf[65536];
	struct fat_file f;
	uint32_t off = 0, i;
	long w;
	int rc = fat_open(&vol, path, FAT_O_WRITE | FAT_O_CREAT, &f);

	if (rc < 0)
		return rc;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	for (;;) {
		w = fat_write(&f, off, buf, sizeof(buf));
		if (w < 0)
			break;
		off += (uint32_t)w;
		if ((size_t)w < sizeof(buf)) {
			w = fat_write(&f, off, buf, 1);
			break;
		}
	}
	printf("fill %s %u\n", path, off);
	return w == -FAT_ERR_NOSPC ? 0 : (int)w;
}

static int
dump(const char *dirpath, const char *host)
{
	static char buf[1 << 16];
	struct fat_dirent e;
	struct fat_dir d;
	struct fat_file f;
	char p[FAT_PATH_MAX], h[FAT_PATH_MAX];
	uint32_t off;
	FILE *fp;
	long n;
	int rc = fat_opendir(&vol, dirpath, &d);

	if (rc < 0)
		return rc;
	mkdir(host, 0755);
	while ((rc = fat_readdir(&d, &e)) > 0) {
		snprintf(p, sizeof(p), "%s/%s", strcmp(dirpath, "/") ?
			 dirpath : "", e.name);
		snprintf(h, sizeof(h), "%s/%s", host, e.name);
		if (e.st.is_dir) {
			rc = dump(p, h);
			if (rc < 0)
				return rc;
			continue;
		}
		rc = fat_open(&vol, p, 0, &f);
		if (rc < 0)
			return rc;
		fp = fopen(h, "wb");
		if (fp == NULL)
			return -ERR_IO;
		for (off = 0;; off += (uint32_t)n) {
			n = fat_read(&f, off, buf, sizeof(buf));
			if (n <= 0)
				break;
			fwrite(buf, 1, (size_t)n, fp);
		}
		fclose(fp);
		if (n < 0 || off != e.st.size) {
			fprintf(stderr, "dump %s: read %u of %u: %ld\n", p,
				off, e.st.size, n);
			return n < 0 ? (int)n : -ERR_IO;
		}
	}
	return rc;
}

static int
run(char *cmd)
{
	char *a = strchr(cmd, ':'), *b = NULL, *c = NULL;
	struct fat_statfs st;
	int rc;

	if (a != NULL) {
		*a++ = '\0';
		if (strcmp(cmd, "expect") != 0 && (b = strchr(a, ':')) != NULL) {
			*b++ = '\0';
			if ((c = strchr(b, ':')) != NULL)
				*c++ = '\0';
		}
	}
	if (strcmp(cmd, "expect") == 0 && a != NULL) {
		int want = atoi(a);
		char *rest = strchr(a, ':');

		if (rest == NULL)
			return -ERR_INVAL;
		rc = run(rest + 1);
		if (rc != -want) {
			fprintf(stderr, "expected -%d, got %d\n", want, rc);
			return rc < 0 ? rc : -ERR_INVAL;
		}
		return 0;
	}
	if (strcmp(cmd, "put") == 0 && b)
		return put(a, b);
	if (strcmp(cmd, "pwrite") == 0 && c)
		return pwrite_cmd(a, b, (uint32_t)strtoul(c, NULL, 0));
	if (strcmp(cmd, "trunc") == 0 && b)
		return trunc_cmd(a, (uint32_t)strtoul(b, NULL, 0));
	if (strcmp(cmd, "mkdir") == 0 && a)
		return fat_mkdir(&vol, a);
	if (strcmp(cmd, "rmdir") == 0 && a)
		return fat_rmdir(&vol, a);
	if (strcmp(cmd, "unlink") == 0 && a)
		return fat_unlink(&vol, a);
	if (strcmp(cmd, "rename") == 0 && b)
		return fat_rename(&vol, a, b);
	if (strcmp(cmd, "cp") == 0 && b)
		return cp_cmd(a, b);
	if (strcmp(cmd, "fill") == 0 && a)
		return fill(a);
	if (strcmp(cmd, "dump") == 0 && a)
		return dump("/", a);
	if (strcmp(cmd, "statfs") == 0) {
		rc = fat_statfs(&vol, &st);
		if (rc == 0)
			printf("type %d clusters %u free %u bytes %u\n",
			       st.type, st.total_clusters, st.free_clusters,
			       st.cluster_bytes);
		return rc;
	}
	fprintf(stderr, "unknown command %s\n", cmd);
	return -ERR_NOSYS;
}

int
tool_main(int argc, char **argv)
{
	struct fat_dev fd;
	uint32_t counted, free_before;
	size_t n;
	FILE *fp;
	int i, rc, bad = 0;

	dev.img = load_file(argv[1], &n);
	dev.size = n;
	fd = (struct fat_dev){ &dev, md_read, md_write, md_flush, 512, n / 512 };
	rc = fat_mount(&vol, &fd, md_clock, NULL, 0);
	if (rc < 0) {
		fprintf(stderr, "mount: %d (%s)\n", rc, vol.reason);
		return 1;
	}
	for (i = 2; i < argc; i++) {
		char cmd[FAT_PATH_MAX * 2];

		snprintf(cmd, sizeof(cmd), "%s", argv[i]);
		rc = run(cmd);
		if (rc < 0) {
			fprintf(stderr, "%s: %d (%s)\n", argv[i], rc,
				ts_strerror(rc));
			bad = 1;
		}
	}
	free_before = vol.free_count;
	rc = fat_unmount(&vol);
	if (rc < 0) {
		fprintf(stderr, "unmount: %d\n", rc);
		bad = 1;
	}
	/* The kept count must match the FAT. */
	rc = fat_mount(&vol, &fd, md_clock, NULL, FAT_MOUNT_COUNT);
	if (rc < 0 || fat_count_free(&vol, &counted) < 0 ||
	    counted != free_before) {
		fprintf(stderr, "free count %u, FAT says %u (rc %d)\n",
			free_before, counted, rc);
		bad = 1;
	}
	fat_unmount(&vol);
	fp = fopen(argv[1], "wb");
	if (fp == NULL || fwrite(dev.img, 1, n, fp) != n || fclose(fp) != 0) {
		perror(argv[1]);
		bad = 1;
	}
	free(dev.img);
	return bad;
}
