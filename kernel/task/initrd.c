/*
 * Boot image reader.  Layout (little endian):
 *   0   magic "TSIMG1\0\0"
 *   8   u32 count, u32 reserved
 *   16  count entries of 48 bytes: char name[32] (NUL-terminated), u64
 *       offset, u64 size
 * Every entry is checked when the image is first read: a bad entry rejects
 * the whole image with a message.
 */
#include <stdint.h>
#include <tessera/errors.h>
#include <kernel/initrd.h>
#include <kernel/memlayout.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/vm.h>

#define HDR 16
#define ENT 48

static uint64_t img_pa, img_size;
static unsigned img_count;

static uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static const uint8_t *
img(void)
{
	return kmap(KMAP_DATA, img_pa);
}

int
initrd_init(uint64_t start, uint64_t end)
{
	img_count = 0;
	if (!start || end <= start + HDR) {
		printk("initrd: no boot image\n");
		return -ERR_NOENT;
	}
	if ((start >> 30) != ((end - 1) >> 30)) {
		printk("initrd: image crosses a 1 GiB boundary; refused\n");
		return -ERR_RANGE;
	}
	img_pa = start;
	img_size = end - start;
	const uint8_t *p = img();
	if (memcmp(p, "TSIMG1\0\0", 8) != 0) {
		printk("initrd: bad magic; refused\n");
		return -ERR_INVAL;
	}
	uint64_t count = p[8] | (p[9] << 8) | (p[10] << 16) | ((uint64_t)p[11] << 24);
	if (count > (img_size - HDR) / ENT) {
		printk("initrd: %lu entries do not fit; refused\n", count);
		return -ERR_INVAL;
	}
	for (uint64_t i = 0; i < count; i++) {
		const uint8_t *e = p + HDR + i * ENT;
		uint64_t off = le64(e + 32), size = le64(e + 40);
		if (strnlen((const char *)e, 32) == 32 || e[0] == 0 ||
		    off > img_size || size > img_size - off || (off & (PAGE_SIZE - 1))) {
			printk("initrd: entry %lu is corrupt; refused\n", i);
			return -ERR_INVAL;
		}
	}
	img_count = (unsigned)count;
	return (int)count;
}

int
initrd_find(const char *name, struct initrd_file *out)
{
	const uint8_t *p = img_count ? img() : NULL;

	for (unsigned i = 0; i < img_count; i++) {
		const uint8_t *e = p + HDR + i * ENT;
		if (strncmp((const char *)e, name, 32) == 0) {
			out->pa = img_pa + le64(e + 32);
			out->size = le64(e + 40);
			return 0;
		}
	}
	return -ERR_NOENT;
}

const char *
initrd_name(unsigned i, char buf[32])
{
	if (i >= img_count)
		return NULL;
	memcpy(buf, img() + HDR + i * ENT, 32);
	return buf;
}
