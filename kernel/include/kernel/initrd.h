/* The boot image: user programs packed by tools/mkinitrd.py, found through
 * /chosen linux,initrd-start/end.  Format in docs/architecture.md. */
#ifndef KERNEL_INITRD_H
#define KERNEL_INITRD_H

#include <stddef.h>
#include <stdint.h>

struct initrd_file {
	uint64_t pa;	/* physical address of the first byte */
	uint64_t size;
};

/* Check the image; returns the number of programs or a negative error (the
 * image is then ignored). */
int initrd_init(uint64_t start, uint64_t end);
int initrd_find(const char *name, struct initrd_file *out);
/* Name of program i (for listings), or NULL past the end. */
const char *initrd_name(unsigned i, char buf[32]);

#endif
