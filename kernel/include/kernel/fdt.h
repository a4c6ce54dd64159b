/*
 * Flattened device tree reader.
 *
 * How to use:
 *   struct fdt f;
 *   if (fdt_init(&f, blob, maxsize) < 0) -> corrupt blob, refuse it
 *   struct platform p;
 *   if (fdt_platform(&f, &p) < 0)        -> a required node is missing or bad
 *
 * Every offset and length read from the blob is checked against the blob's
 * size before use: a corrupt blob yields a negative -ERR_* code, never a read
 * outside the blob and never an endless loop.  Pure C: builds for the host.
 */
#ifndef KERNEL_FDT_H
#define KERNEL_FDT_H

#include <stddef.h>
#include <stdint.h>

struct fdt {
	const uint8_t *blob;
	uint32_t size;		/* totalsize, checked <= maxsize */
	uint32_t off_struct, size_struct;
	uint32_t off_strings, size_strings;
	uint32_t off_rsvmap;
};

#define FDT_MAX_MEM	 8	/* RAM ranges */
#define FDT_MAX_RSV	 16	/* reserved ranges (rsvmap + /reserved-memory) */
#define FDT_MAX_HARTS	 8
#define FDT_BOOTARGS_MAX 4096	/* room for cluster/launch --exec scripts */

struct fdt_range {
	uint64_t base, size;
};

/* What the kernel needs to know about the machine. */
struct platform {
	struct fdt_range mem[FDT_MAX_MEM];
	unsigned nmem;
	struct fdt_range rsv[FDT_MAX_RSV];	/* memory not to allocate */
	unsigned nrsv;
	uint32_t hartid[FDT_MAX_HARTS];		/* harts with status okay, in
						   tree order; at most 8 */
	unsigned nharts;
	uint64_t timebase_hz;			/* /cpus timebase-frequency */
	uint64_t uart_base, uart_size;		/* ns16550a; 0 if none */
	uint32_t uart_irq;
	uint64_t plic_base, plic_size;		/* riscv,plic0; 0 if none */
	uint32_t plic_ndev;
	uint64_t test_base, test_size;		/* sifive,test0 / syscon; 0 if none */
	uint64_t pci_ecam_base, pci_ecam_size;	/* pci-host-ecam-generic; 0 if none */
	uint64_t rtc_base, rtc_size;		/* google,goldfish-rtc; 0 if none */
	uint64_t initrd_start, initrd_end;	/* /chosen linux,initrd-*; 0 if none */
	char bootargs[FDT_BOOTARGS_MAX];	/* /chosen bootargs, NUL-terminated,
						   "" if absent; longer is an error */
};

/* Check the header of `blob` (at most `maxsize` bytes readable).  Returns 0
 * or -ERR_INVAL (bad magic, version < 16, a block outside the blob, sizes
 * that overflow). */
int fdt_init(struct fdt *f, const void *blob, size_t maxsize);

/* Offset of the node at absolute `path` ("/", "/chosen", "/cpus"), or a
 * negative error.  Unit addresses may be omitted ("/memory" matches
 * "/memory@80000000"). */
int fdt_path(const struct fdt *f, const char *path);

/* Iterate the direct children of node `parent`: first with prev = -1.
 * Returns the child's offset, -ERR_NOENT at the end, other negatives on
 * corruption. */
int fdt_child(const struct fdt *f, int parent, int prev);

/* The node's name (with unit address) or NULL on corruption. */
const char *fdt_name(const struct fdt *f, int node);

/* Property `name` of `node`: pointer into the blob and its length, or NULL
 * if absent or corrupt. */
const void *fdt_prop(const struct fdt *f, int node, const char *name, uint32_t *len);

/* Read big-endian cell `i` of a property; 0 if out of range. */
uint32_t fdt_cell(const void *prop, uint32_t len, uint32_t i);

/* Fill `p` from the tree.  Needs /memory and /cpus with at least one okay
 * hart; the rest is optional.  Returns 0 or a negative -ERR_* code. */
int fdt_platform(const struct fdt *f, struct platform *p);

#endif
