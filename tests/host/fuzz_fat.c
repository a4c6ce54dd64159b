/*
 * libFuzzer target for the FAT library: the input is the start of a disk
 * image (the rest of a 4 MiB device reads as zeros).  Mount it, walk the
 * whole tree, read every file, make a few changes, flush, remount.  Any
 * error code is fine; a crash, hang, leak or sanitizer report is not.
 *
 * Seeds (tests/host/data/fat_*.img) are small images made with mkfs.fat and
 * mcopy, trailing zeros cut off (see docs/fat.md, "Tests").
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fs/fat.h>

#define IMG_SIZE (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *img;
static struct fat_vol vol;
static uint8_t buf[1 << 16];
static unsigned budget;
static size_t high;             /* bytes of img that may be non-zero */

static int
rd(void *ctx, uint64_t sector, void *out, uint32_t count)
{
	(void)ctx;
	if (sector * 512 + (uint64_t)count * 512 > IMG_SIZE)
		return -ERR_IO;
	memcpy(out, img + sector * 512, (size_t)count * 512);
	return 0;
}

static int
wr(void *ctx, uint64_t sector, const void *in, uint32_t count)
{
	(void)ctx;
	if (sector * 512 + (uint64_t)count * 512 > IMG_SIZE)
		return -ERR_IO;
	memcpy(img + sector * 512, in, (size_t)count * 512);
	if ((sector + count) * 512 > high)
		high = (sector + count) * 512;
	return 0;
}

static void
walk(const char *path, int depth)
{
	char p[FAT_PATH_MAX];
	struct fat_dirent e;
	struct fat_file f;
	struct fat_dir d;
	uint32_t off;
	long n;

	if (depth > 6 || fat_opendir(&vol, path, &d) < 0)
		return;
	while (budget > 0 && fat_readdir(&d, &e) > 0) {
		budget--;
		if (strlen(path) + strlen(e.name) + 2 > sizeof(p))
			continue;
		strcpy(p, path);
		if (depth > 0)
			strcat(p, "/");
		strcat(p, e.name);
		if (e.st.is_dir) {
			walk(p, depth + 1);
			continue;
		}
		if (fat_open(&vol, p, 0, &f) < 0)
			continue;
		for (off = 0; off < (1u << 22); off += (uint32_t)n) {
			n = fat_read(&f, off, buf, sizeof(buf));
			if (n <= 0)
				break;
		}
	}
}

/* Change something in the first file and directory found. */
static void
modify(void)
{
	struct fat_dirent e;
	struct fat_file f;
	struct fat_dir d;
	char p[FAT_NAME_BUF + 1];
	int n = 0;

	if (fat_open(&vol, "/fuzz new file.txt", FAT_O_CREAT | FAT_O_WRITE,
		     &f) == 0) {
		fat_write(&f, 100, buf, 3000);
		fat_truncate(&f, 700);
	}
	fat_mkdir(&vol, "/FZDIR");
	fat_rename(&vol, "/fuzz new file.txt", "/FZDIR/moved");
	if (fat_opendir(&vol, "/", &d) < 0)
		return;
	while (fat_readdir(&d, &e) > 0 && n++ < 8) {
		p[0] = '/';
		strcpy(p + 1, e.name);
		if (e.st.is_dir) {
			fat_rmdir(&vol, p);
		} else if (n & 1) {
			if (fat_open(&vol, p, FAT_O_WRITE, &f) == 0) {
				fat_write(&f, e.st.size, "tail", 4);
				fat_truncate(&f, e.st.size / 2);
			}
		} else {
			fat_unlink(&vol, p);
		}
		if (fat_opendir(&vol, "/", &d) < 0)
			return;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fat_dev dev = { NULL, rd, wr, NULL, 512, IMG_SIZE / 512 };
	uint32_t count;

	if (img == NULL) {
		img = calloc(1, IMG_SIZE);
		high = 0;
	}
	if (size > IMG_SIZE)
		size = IMG_SIZE;
	memcpy(img, data, size);
	if (high > size)
		memset(img + size, 0, high - size);
	high = size;
	if (fat_mount(&vol, &dev, NULL, NULL, 0) < 0)
		return 0;
	budget = 2000;
	walk("/", 0);
	modify();
	budget = 2000;
	walk("/", 0);
	fat_unmount(&vol);
	if (fat_mount(&vol, &dev, NULL, NULL, FAT_MOUNT_COUNT) == 0) {
		fat_count_free(&vol, &count);
		fat_unmount(&vol);
	}
	return 0;
}
