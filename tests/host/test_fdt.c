/*
 * Host tests of kernel/lib/fdt.c: exact values from device trees dumped by
 * QEMU virt (tests/host/data, see gen-dtbs.sh), then hand-built and
 * corrupted blobs.  Every blob sits in a buffer of exactly its size so
 * AddressSanitizer catches any read past it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kernel/fdt.h>
#include <tessera/errors.h>

#include "check.h"
#include "fdt_build.h"

#ifndef TESSERA_TEST_DATA
#error "TESSERA_TEST_DATA must name tests/host/data"
#endif

static uint8_t *
load_dtb(const char *name, size_t *size)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", TESSERA_TEST_DATA, name);
	return load_file(path, size);
}

static uint8_t *
dup_blob(const uint8_t *b, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	if (p == NULL)
		abort();
	memcpy(p, b, n);
	return p;
}

/* Parse `blob` fully; expects success.  Returns 0 if fdt_platform passed. */
static int
parse(const uint8_t *blob, size_t n, struct fdt *f, struct platform *p)
{
	int r = fdt_init(f, blob, n);

	CHECK_EQ(r, 0);
	if (r < 0)
		return r;
	r = fdt_platform(f, p);
	CHECK_EQ(r, 0);
	return r;
}

/* Values every QEMU virt machine of ours shares. */
static void
check_virt_common(const struct platform *p)
{
	CHECK_EQ(p->timebase_hz, 10000000);
	CHECK_EQ(p->uart_base, 0x10000000);
	CHECK_EQ(p->uart_size, 0x100);
	CHECK_EQ(p->uart_irq, 10);
	CHECK_EQ(p->plic_base, 0xc000000);
	CHECK_EQ(p->plic_size, 0x600000);
	CHECK_EQ(p->plic_ndev, 96);
	CHECK_EQ(p->test_base, 0x100000);
	CHECK_EQ(p->test_size, 0x1000);
	CHECK_EQ(p->pci_ecam_base, 0x30000000);
	CHECK_EQ(p->pci_ecam_size, 0x10000000);
	CHECK_EQ(p->rtc_base, 0x101000);	/* QEMU virt's goldfish RTC */
	CHECK_EQ(p->rtc_size, 0x1000);
	CHECK_EQ(p->mem[0].base, 0x80000000);
	CHECK_EQ(p->nmem, 1);
}

static void
check_harts(const struct platform *p, const uint32_t *ids, unsigned n)
{
	unsigned i;

	CHECK_EQ(p->nharts, n);
	for (i = 0; i < n && i < p->nharts; i++)
		CHECK_EQ(p->hartid[i], ids[i]);
}

static void
test_virt1(void)
{
	static const uint32_t ids[] = { 0 };
	struct fdt f;
	struct platform p;
	size_t n;
	uint8_t *b = load_dtb("virt-1.dtb", &n);

	if (parse(b, n, &f, &p) == 0) {
		check_virt_common(&p);
		check_harts(&p, ids, 1);
		CHECK_EQ(p.mem[0].size, 0x10000000);
		CHECK_EQ(p.nrsv, 0);
		CHECK_EQ(p.initrd_start, 0x88200000);
		CHECK_EQ(p.initrd_end, 0x88202000);
		CHECK_STR(p.bootargs, "init=/bin/init console=ttyS0");
	}
	free(b);
}

static void
test_virt1_bare(void)
{
	static const uint32_t ids[] = { 0 };
	struct fdt f;
	struct platform p;
	size_t n;
	uint8_t *b = load_dtb("virt-1-bare.dtb", &n);

	if (parse(b, n, &f, &p) == 0) {
		check_virt_common(&p);
		check_harts(&p, ids, 1);
		CHECK_EQ(p.mem[0].size, 0x8000000);
		CHECK_EQ(p.initrd_start, 0);
		CHECK_EQ(p.initrd_end, 0);
		CHECK_STR(p.bootargs, "");
	}
	free(b);
}

static void
test_virt4(void)
{
	static const uint32_t ids[] = { 0, 1, 2, 3 };
	struct fdt f;
	struct platform p;
	size_t n;
	uint8_t *b = load_dtb("virt-4.dtb", &n);

	if (parse(b, n, &f, &p) == 0) {
		check_virt_common(&p);
		check_harts(&p, ids, 4);
		CHECK_EQ(p.mem[0].size, 0x10000000);
		CHECK_EQ(p.initrd_start, 0x88200000);
		CHECK_EQ(p.initrd_end, 0x88202000);
		CHECK_STR(p.bootargs, "init=/bin/init quiet");
	}
	free(b);
}

static void
test_virt8(void)
{
	static const uint32_t ids[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	struct fdt f;
	struct platform p;
	size_t n;
	uint8_t *b = load_dtb("virt-8.dtb", &n);

	if (parse(b, n, &f, &p) == 0) {
		check_virt_common(&p);
		check_harts(&p, ids, 8);
		CHECK_EQ(p.mem[0].size, 0x20000000);
		CHECK_EQ(p.initrd_start, 0x88200000);
		CHECK_EQ(p.initrd_end, 0x88202000);
		CHECK_STR(p.bootargs, "init=x");
	}
	free(b);
}

/* virt-4 with an rsvmap entry, /reserved-memory children (one disabled,
 * one without reg), 2-cell initrd, cpu@2 disabled, cpu@3 without status. */
static void
test_virt4_resv(void)
{
	static const uint32_t ids[] = { 0, 1, 3 };
	struct fdt f;
	struct platform p;
	size_t n;
	uint8_t *b = load_dtb("virt-4-resv.dtb", &n);

	if (parse(b, n, &f, &p) == 0) {
		check_virt_common(&p);
		check_harts(&p, ids, 3);
		CHECK_EQ(p.nrsv, 4);
		CHECK_EQ(p.rsv[0].base, 0x87e00000);
		CHECK_EQ(p.rsv[0].size, 0x200000);
		CHECK_EQ(p.rsv[1].base, 0x80000000);
		CHECK_EQ(p.rsv[1].size, 0x40000);
		CHECK_EQ(p.rsv[2].base, 0x80040000);
		CHECK_EQ(p.rsv[2].size, 0x10000);
		CHECK_EQ(p.rsv[3].base, 0x80060000);
		CHECK_EQ(p.rsv[3].size, 0x1000);
		CHECK_EQ(p.initrd_start, 0x88200000);
		CHECK_EQ(p.initrd_end, 0x88202000);
	}
	free(b);
}

/* /soc with 1/1 cells, a nested bus with 2/1, two memory nodes. */
static void
test_soc32(void)
{
	static const uint32_t ids[] = { 5, 7 };
	struct fdt f;
	struct platform p;
	size_t n;
	uint8_t *b = load_dtb("soc32.dtb", &n);

	if (parse(b, n, &f, &p) == 0) {
		check_harts(&p, ids, 2);
		CHECK_EQ(p.nmem, 3);
		CHECK_EQ(p.mem[0].base, 0x80000000);
		CHECK_EQ(p.mem[0].size, 0x4000000);
		CHECK_EQ(p.mem[1].base, 0x90000000);
		CHECK_EQ(p.mem[1].size, 0x1000000);
		CHECK_EQ(p.mem[2].base, 0x100000000);
		CHECK_EQ(p.mem[2].size, 0x10000000);
		CHECK_EQ(p.nrsv, 1);
		CHECK_EQ(p.rsv[0].base, 0x80000000);
		CHECK_EQ(p.rsv[0].size, 0x80000);
		CHECK_EQ(p.timebase_hz, 1000000000);
		CHECK_EQ(p.uart_base, 0x2000);
		CHECK_EQ(p.uart_size, 0x100);
		CHECK_EQ(p.uart_irq, 4);
		CHECK_EQ(p.plic_base, 0x3000000);
		CHECK_EQ(p.plic_size, 0x400000);
		CHECK_EQ(p.plic_ndev, 31);
		CHECK_EQ(p.test_base, 0x5000);
		CHECK_EQ(p.test_size, 0x1000);
		CHECK_EQ(p.pci_ecam_base, 0x40000000);
		CHECK_EQ(p.pci_ecam_size, 0x1000000);
		CHECK_EQ(p.initrd_start, 0x84000000);
		CHECK_EQ(p.initrd_end, 0x84100000);
		CHECK_STR(p.bootargs, "");
	}
	free(b);
}

/* fdt_path, fdt_child, fdt_name, fdt_prop, fdt_cell on virt-4. */
static void
test_lookup(void)
{
	struct fdt f;
	size_t n;
	uint8_t *b = load_dtb("virt-4.dtb", &n);
	const void *v;
	uint32_t len;
	int root, cpus, c, count;

	CHECK_EQ(fdt_init(&f, b, n), 0);
	root = fdt_path(&f, "/");
	CHECK(root >= 0);
	CHECK_STR(fdt_name(&f, root), "");
	CHECK_STR(fdt_name(&f, fdt_path(&f, "/chosen")), "chosen");
	CHECK_STR(fdt_name(&f, fdt_path(&f, "/memory")), "memory@80000000");
	CHECK_STR(fdt_name(&f, fdt_path(&f, "/memory@80000000")),
		  "memory@80000000");
	CHECK_STR(fdt_name(&f, fdt_path(&f, "/soc/serial")),
		  "serial@10000000");
	CHECK_STR(fdt_name(&f, fdt_path(&f, "//soc//test@100000/")),
		  "test@100000");
	CHECK_STR(fdt_name(&f, fdt_path(&f, "/cpus/cpu")), "cpu@0");
	CHECK_STR(fdt_name(&f, fdt_path(&f, "/cpus/cpu@2")), "cpu@2");
	CHECK_STR(fdt_name(&f,
			   fdt_path(&f, "/cpus/cpu@3/interrupt-controller")),
		  "interrupt-controller");
	CHECK_EQ(fdt_path(&f, "/mem"), -ERR_NOENT);
	CHECK_EQ(fdt_path(&f, "/memory@8"), -ERR_NOENT);
	CHECK_EQ(fdt_path(&f, "/memory@80000000@"), -ERR_NOENT);
	CHECK_EQ(fdt_path(&f, "/cpus/cpu@9"), -ERR_NOENT);
	CHECK_EQ(fdt_path(&f, "/nothere/cpus"), -ERR_NOENT);
	CHECK_EQ(fdt_path(&f, "cpus"), -ERR_INVAL);
	CHECK_EQ(fdt_path(&f, ""), -ERR_INVAL);
	CHECK_EQ(fdt_path(&f, NULL), -ERR_INVAL);

	cpus = fdt_path(&f, "/cpus");
	count = 0;
	for (c = fdt_child(&f, cpus, -1); c >= 0; c = fdt_child(&f, cpus, c))
		count++;
	CHECK_EQ(c, -ERR_NOENT);
	CHECK_EQ(count, 5);	/* cpu@0..3, cpu-map */
	count = 0;
	for (c = fdt_child(&f, root, -1); c >= 0; c = fdt_child(&f, root, c))
		count++;
	CHECK_EQ(c, -ERR_NOENT);
	CHECK_EQ(count, 10);
	CHECK_EQ(fdt_child(&f, fdt_path(&f, "/memory"), -1), -ERR_NOENT);
	CHECK_EQ(fdt_child(&f, cpus, -2), -ERR_INVAL);
	CHECK_EQ(fdt_child(&f, -1, -1), -ERR_INVAL);
	CHECK_EQ(fdt_child(&f, cpus + 4, -1), -ERR_INVAL);
	CHECK_EQ(fdt_child(&f, 0x7ffffff0, -1), -ERR_INVAL);
	CHECK(fdt_name(&f, cpus + 1) == NULL);

	v = fdt_prop(&f, cpus, "timebase-frequency", &len);
	CHECK(v != NULL);
	CHECK_EQ(len, 4);
	CHECK_EQ(fdt_cell(v, len, 0), 10000000);
	CHECK_EQ(fdt_cell(v, len, 1), 0);
	CHECK_EQ(fdt_cell(v, len, 0xffffffffu), 0);
	CHECK_EQ(fdt_cell(NULL, 4, 0), 0);
	len = 7;
	CHECK(fdt_prop(&f, cpus, "nonexistent", &len) == NULL);
	CHECK_EQ(len, 0);
	CHECK(fdt_prop(&f, cpus, NULL, &len) == NULL);
	v = fdt_prop(&f, fdt_path(&f, "/soc/pci"), "dma-coherent", &len);
	CHECK(v != NULL);	/* empty property */
	CHECK_EQ(len, 0);
	/* A property of a child is not one of the parent. */
	CHECK(fdt_prop(&f, cpus, "riscv,isa", NULL) == NULL);
	free(b);
}

/* Root 2/2, one memory range, /cpus 1/0 with `nharts` cpus. */
static void
build_min(struct fb *b, unsigned nharts)
{
	char name[32];
	unsigned i;

	fb_begin(b, "");
	fb_prop_u32(b, "#address-cells", 2);
	fb_prop_u32(b, "#size-cells", 2);
	fb_begin(b, "memory@80000000");
	fb_prop_str(b, "device_type", "memory");
	fb_prop_reg(b, 0x80000000, 0x8000000);
	fb_end(b);
	fb_begin(b, "cpus");
	fb_prop_u32(b, "#address-cells", 1);
	fb_prop_u32(b, "#size-cells", 0);
	for (i = 0; i < nharts; i++) {
		snprintf(name, sizeof(name), "cpu@%u", i);
		fb_begin(b, name);
		fb_prop_str(b, "device_type", "cpu");
		fb_prop_u32(b, "reg", i);
		fb_end(b);
	}
	fb_end(b);
}

/* init + platform result of a built blob; frees it. */
static int
platform_of(struct fb *b, struct platform *p)
{
	struct fdt f;
	size_t n;
	uint8_t *blob = fb_finish(b, &n);
	int r = fdt_init(&f, blob, n);

	if (r == 0)
		r = fdt_platform(&f, p);
	free(blob);
	return r;
}

static void
test_built(void)
{
	static struct fb b;
	struct platform p;
	char args[FDT_BOOTARGS_MAX + 1];
	unsigned i;

	fb_init(&b);
	build_min(&b, 1);
	fb_end(&b);
	CHECK_EQ(platform_of(&b, &p), 0);
	CHECK_EQ(p.nmem, 1);
	CHECK_EQ(p.timebase_hz, 0);
	CHECK_EQ(p.uart_base, 0);

	/* A cpu node known by its name only (no device_type). */
	fb_init(&b);
	build_min(&b, 0);
	b.nst -= 4;	/* reopen /cpus */
	fb_begin(&b, "cpu@3");
	fb_prop_u32(&b, "reg", 3);
	fb_end(&b);
	fb_begin(&b, "cpu-map");
	fb_end(&b);
	fb_end(&b);
	fb_end(&b);
	CHECK_EQ(platform_of(&b, &p), 0);
	CHECK_EQ(p.nharts, 1);
	CHECK_EQ(p.hartid[0], 3);

	/* More harts than FDT_MAX_HARTS: the first eight are used. */
	fb_init(&b);
	build_min(&b, 12);
	fb_end(&b);
	CHECK_EQ(platform_of(&b, &p), 0);
	CHECK_EQ(p.nharts, FDT_MAX_HARTS);
	CHECK_EQ(p.hartid[7], 7);

	/* Missing /memory, missing /cpus, no enabled hart. */
	fb_init(&b);
	fb_begin(&b, "");
	fb_begin(&b, "cpus");
	fb_prop_u32(&b, "#address-cells", 1);
	fb_prop_u32(&b, "#size-cells", 0);
	fb_begin(&b, "cpu@0");
	fb_prop_str(&b, "device_type", "cpu");
	fb_prop_u32(&b, "reg", 0);
	fb_end(&b);
	fb_end(&b);
	fb_end(&b);
	CHECK_EQ(platform_of(&b, &p), -ERR_NOENT);
	fb_init(&b);
	build_min(&b, 0);
	fb_end(&b);
	CHECK_EQ(platform_of(&b, &p), -ERR_NOENT);

	/* Bootargs: 255 characters fit, 256 do not, unterminated is bad. */
	memset(args, 'a', sizeof(args));
	args[FDT_BOOTARGS_MAX - 1] = 0;
	fb_init(&b);
	build_min(&b, 1);
	fb_begin(&b, "chosen");
	fb_prop_str(&b, "bootargs", args);
	fb_end(&b);
	fb_end(&b);
	CHECK_EQ(platform_of(&b, &p), 0);
	CHECK_EQ(strlen(p.bootargs), FDT_BOOTARGS_MAX - 1);
	args[FDT_BOOTARGS_MAX - 1] = 'a';
	args[FDT_BOOTARGS_MAX] = 0;
	fb_init(&b);
	build_min(&b, 1);
	fb_begin(&b, "chosen");
	fb_prop_str(&b, "bootargs", args);
	fb_end(&b);
	fb_end(&b);
	CHECK_EQ(platform_of(&b, &p), -ERR_TOOBIG);
	fb_init(&b);
	build_min(&b, 1);
	fb_begin(&b, "chosen");
	fb_prop(&b, "bootargs", "abc", 3);
	fb_end(&b);
	fb_end(&b);
	CHECK_EQ(platform_of(&b, &p), -ERR_INVAL);

	/* initrd: only one end, a 3-byte cell, end before start. */
	fb_init(&b);
	build_min(&b, 1);
	fb_begin(&b, "chosen");
	fb_prop_u32(&b, "linux,initrd-start", 0x1000);
	fb_end(&b);
	fb_end(&b);
	CHECK_EQ(platform_of(&b, &p), -ERR_INVAL);
	fb_init(&b);
	build_min(&b, 1);
	fb_begin(&b, "chosen");
	fb_prop_u32(&b, "linux,initrd-start", 0x1000);
	fb_prop(&b, "linux,initrd-end", "\0\0\1", 3);
	fb_end(&b);
	fb_end(&b);
	CHECK_EQ(platform_of(&b, &p), -ERR_INVAL);
	fb_init(&b);
	build_min(&b, 1);
	fb_begin(&b, "chosen");
	fb_prop_u64(&b, "linux,initrd-start", 0x2000);
	fb_prop_u32(&b, "linux,initrd-end", 0x1000);
	fb_end(&b);
	fb_end(&b);
	CHECK_EQ(platform_of(&b, &p), -ERR_INVAL);

	/* More than FDT_MAX_RSV reserved ranges must not be dropped. */
	fb_init(&b);
	for (i = 0; i < FDT_MAX_RSV; i++)
		fb_rsv(&b, 0x80000000 + i * 0x1000, 0x1000);
	build_min(&b, 1);
	fb_end(&b);
	CHECK_EQ(platform_of(&b, &p), 0);
	CHECK_EQ(p.nrsv, FDT_MAX_RSV);
	fb_init(&b);
	for (i = 0; i <= FDT_MAX_RSV; i++)
		fb_rsv(&b, 0x80000000 + i * 0x1000, 0x1000);
	build_min(&b, 1);
	fb_end(&b);
	CHECK_EQ(platform_of(&b, &p), -ERR_RANGE);
	/* An rsvmap entry that wraps. */
	fb_init(&b);
	fb_rsv(&b, 0xfffffffffffff000ull, 0x2000);
	build_min(&b, 1);
	fb_end(&b);
	CHECK_EQ(platform_of(&b, &p), -ERR_INVAL);
}

/* reg and cells problems on the memory node. */
static void
test_built_reg(void)
{
	static struct fb b;
	struct platform p;
	unsigned i;

	/* Ragged reg (12 bytes with 2+2 cells). */
	fb_init(&b);
	fb_begin(&b, "");
	fb_prop_u32(&b, "#address-cells", 2);
	fb_prop_u32(&b, "#size-cells", 2);
	fb_begin(&b, "memory");
	fb_prop(&b, "reg", "\0\0\0\0\x80\0\0\0\0\0\0\1", 12);
	fb_end(&b);
	fb_end(&b);
	CHECK_EQ(platform_of(&b, &p), -ERR_INVAL);
	/* Root with 3 address cells: cannot be held in 64 bits. */
	fb_init(&b);
	fb_begin(&b, "");
	fb_prop_u32(&b, "#address-cells", 3);
	fb_begin(&b, "memory");
	fb_prop(&b, "reg", "\0\0\0\0\0\0\0\0\x80\0\0\0\0\0\0\1", 16);
	fb_end(&b);
	fb_end(&b);
	CHECK_EQ(platform_of(&b, &p), -ERR_INVAL);
	/* #size-cells of the wrong length. */
	fb_init(&b);
	fb_begin(&b, "");
	fb_prop(&b, "#size-cells", "\0\0\0\0\2", 5);
	fb_end(&b);
	CHECK_EQ(platform_of(&b, &p), -ERR_INVAL);
	/* A range that wraps the address space. */
	fb_init(&b);
	fb_begin(&b, "");
	fb_prop_u32(&b, "#address-cells", 2);
	fb_prop_u32(&b, "#size-cells", 2);
	fb_begin(&b, "memory@0");
	fb_prop_reg(&b, 0xffffffff00000000ull, 0x100000000ull + 1);
	fb_end(&b);
	fb_end(&b);
	CHECK_EQ(platform_of(&b, &p), -ERR_INVAL);
	/* Memory without reg. */
	fb_init(&b);
	fb_begin(&b, "");
	fb_begin(&b, "memory@0");
	fb_end(&b);
	fb_end(&b);
	CHECK_EQ(platform_of(&b, &p), -ERR_INVAL);
	/* Defaults (2 address, 1 size cell) and > FDT_MAX_MEM ranges. */
	fb_init(&b);
	build_min(&b, 1);
	for (i = 0; i < 10; i++) {
		uint8_t reg[12];
		char name[32];

		snprintf(name, sizeof(name), "memory@%x", i);
		fb_begin(&b, name);
		fb_begin(&b, "bus");	/* default cells for its children */
		fb_begin(&b, "uart@0");
		fb_prop_str(&b, "compatible", "ns16550a");
		fb_put64(reg, 0x1000 + i);
		fb_put32(reg + 8, 0x10);
		fb_prop(&b, "reg", reg, 12);
		fb_end(&b);
		fb_end(&b);
		fb_prop_reg(&b, 0x100000000ull * (i + 1), 0x1000);
		fb_end(&b);
	}
	fb_end(&b);
	/* Properties after children: this reader ignores the late "reg". */
	CHECK_EQ(platform_of(&b, &p), -ERR_INVAL);
	fb_init(&b);
	build_min(&b, 1);
	for (i = 0; i < 10; i++) {
		uint8_t reg[12];
		char name[32];

		snprintf(name, sizeof(name), "memory@%x", i);
		fb_begin(&b, name);
		fb_prop_reg(&b, 0x100000000ull * (i + 1), 0x1000);
		fb_begin(&b, "bus");
		fb_begin(&b, "uart@0");
		fb_prop_str(&b, "compatible", "ns16550a");
		fb_put64(reg, 0x1000 + i);
		fb_put32(reg + 8, 0x10);
		fb_prop(&b, "reg", reg, 12);
		fb_end(&b);
		fb_end(&b);
		fb_end(&b);
	}
	fb_end(&b);
	CHECK_EQ(platform_of(&b, &p), 0);
	CHECK_EQ(p.nmem, FDT_MAX_MEM);
	CHECK_EQ(p.mem[FDT_MAX_MEM - 1].base, 0x100000000ull * (FDT_MAX_MEM - 1));
	CHECK_EQ(p.uart_base, 0x1000);
	CHECK_EQ(p.uart_size, 0x10);
}

/* Structural corruption of a small built blob, one field at a time. */
static void
test_corrupt_struct(void)
{
	static struct fb b;
	struct fdt f;
	size_t n, prop, node, i;
	uint8_t *blob;

	/* Property length running past the structure block. */
	fb_init(&b);
	fb_begin(&b, "");
	prop = fb_prop_u32(&b, "x", 1);
	fb_end(&b);
	blob = fb_finish(&b, &n);
	CHECK_EQ(fdt_init(&f, blob, n), 0);
	fb_put32(blob + b.off_struct + prop + 4, 0x1000);
	CHECK_EQ(fdt_init(&f, blob, n), -ERR_INVAL);
	fb_put32(blob + b.off_struct + prop + 4, 0xfffffffc);
	CHECK_EQ(fdt_init(&f, blob, n), -ERR_INVAL);
	/* Property name offset past the strings block, and into its last
	 * byte so the name has no NUL. */
	fb_put32(blob + b.off_struct + prop + 4, 4);
	fb_put32(blob + b.off_struct + prop + 8, (uint32_t)b.nstr);
	CHECK_EQ(fdt_init(&f, blob, n), -ERR_INVAL);
	fb_put32(blob + b.off_struct + prop + 8, 0xffffffff);
	CHECK_EQ(fdt_init(&f, blob, n), -ERR_INVAL);
	blob[n - 1] = 'x';	/* "x\0" -> "xx" */
	fb_put32(blob + b.off_struct + prop + 8, 0);
	CHECK_EQ(fdt_init(&f, blob, n), -ERR_INVAL);
	free(blob);

	/* Unterminated node name reaching the end of the block. */
	fb_init(&b);
	fb_begin(&b, "");
	node = fb_begin(&b, "abc");
	fb_end(&b);
	fb_end(&b);
	b.no_end = 1;
	blob = fb_finish(&b, &n);
	for (i = b.off_struct + node + 4; i < b.off_strings; i++)
		blob[i] = 'a';
	CHECK_EQ(fdt_init(&f, blob, n), -ERR_INVAL);
	free(blob);

	/* Missing FDT_END; unknown token; stray END_NODE; two roots;
	 * property outside any node. */
	fb_init(&b);
	fb_begin(&b, "");
	fb_end(&b);
	b.no_end = 1;
	blob = fb_finish(&b, &n);
	CHECK_EQ(fdt_init(&f, blob, n), -ERR_INVAL);
	free(blob);
	fb_init(&b);
	fb_begin(&b, "");
	fb_tok(&b, 7);
	fb_end(&b);
	blob = fb_finish(&b, &n);
	CHECK_EQ(fdt_init(&f, blob, n), -ERR_INVAL);
	free(blob);
	fb_init(&b);
	fb_begin(&b, "");
	fb_end(&b);
	fb_end(&b);
	blob = fb_finish(&b, &n);
	CHECK_EQ(fdt_init(&f, blob, n), -ERR_INVAL);
	free(blob);
	fb_init(&b);
	fb_begin(&b, "");
	fb_end(&b);
	fb_begin(&b, "");
	fb_end(&b);
	blob = fb_finish(&b, &n);
	CHECK_EQ(fdt_init(&f, blob, n), -ERR_INVAL);
	free(blob);
	fb_init(&b);
	fb_prop_u32(&b, "x", 1);
	fb_begin(&b, "");
	fb_end(&b);
	blob = fb_finish(&b, &n);
	CHECK_EQ(fdt_init(&f, blob, n), -ERR_INVAL);
	free(blob);
	/* Empty structure block. */
	fb_init(&b);
	b.no_end = 1;
	blob = fb_finish(&b, &n);
	CHECK_EQ(fdt_init(&f, blob, n), -ERR_INVAL);
	free(blob);

	/* NOPs before the root and between properties are skipped. */
	fb_init(&b);
	fb_tok(&b, 4);
	fb_begin(&b, "");
	fb_tok(&b, 4);
	fb_prop_u32(&b, "a", 1);
	fb_tok(&b, 4);
	fb_prop_u32(&b, "b", 2);
	fb_begin(&b, "kid@1");
	fb_end(&b);
	fb_tok(&b, 4);
	fb_end(&b);
	fb_tok(&b, 4);
	blob = fb_finish(&b, &n);
	CHECK_EQ(fdt_init(&f, blob, n), 0);
	CHECK_EQ(fdt_cell(fdt_prop(&f, fdt_path(&f, "/"), "b", NULL), 4, 0),
		 2);
	CHECK_STR(fdt_name(&f, fdt_path(&f, "/kid")), "kid@1");
	free(blob);
}

/* Nesting: FDT_MAX_DEPTH (64) levels are fine, one more is refused. */
static void
test_depth(void)
{
	static struct fb b;
	static char path[64 * 2 + 1];
	struct fdt f;
	size_t n;
	uint8_t *blob;
	int i, depth;

	for (depth = 64; depth <= 65; depth++) {
		fb_init(&b);
		fb_begin(&b, "");
		for (i = 1; i < depth; i++)
			fb_begin(&b, "n");
		for (i = 0; i < depth; i++)
			fb_end(&b);
		blob = fb_finish(&b, &n);
		CHECK_EQ(fdt_init(&f, blob, n), depth == 64 ? 0 : -ERR_INVAL);
		if (depth == 64) {
			for (i = 0; i < 63; i++)
				memcpy(path + 2 * i, "/n", 3);
			CHECK_STR(fdt_name(&f, fdt_path(&f, path)), "n");
			/* Deeper than the blob: the last component is missing. */
			strcat(path, "/n");
			CHECK_EQ(fdt_path(&f, path), -ERR_NOENT);
		}
		free(blob);
	}
	/* Very deep (4000 levels) must not take the stack with it. */
	fb_init(&b);
	fb_begin(&b, "");
	for (i = 0; i < 4000; i++)
		fb_begin(&b, "n");
	for (i = 0; i <= 4000; i++)
		fb_end(&b);
	blob = fb_finish(&b, &n);
	CHECK_EQ(fdt_init(&f, blob, n), -ERR_INVAL);
	free(blob);
}

/* Header fields one at a time, on a real blob. */
static void
test_header(void)
{
	struct fdt f;
	size_t n;
	uint8_t *b = load_dtb("virt-4.dtb", &n);
	uint8_t *c;
	struct {
		unsigned off;
		uint32_t val;
	} bad[] = {
		{ 0, 0xd00dfeee },		/* magic */
		{ 4, 0 },			/* totalsize */
		{ 4, 39 },
		{ 8, 0xfffffff0 },		/* off_dt_struct */
		{ 8, 2 },			/* misaligned */
		{ 12, 0xfffffff0 },		/* off_dt_strings */
		{ 16, 0xfffffff0 },		/* off_mem_rsvmap */
		{ 20, 15 },			/* version */
		{ 24, 18 },			/* last_comp_version */
		{ 32, 0xfffffff0 },		/* size_dt_strings */
		{ 36, 0xfffffff0 },		/* size_dt_struct */
	};
	unsigned i;
	struct fdt keep;

	CHECK_EQ(fdt_init(&f, b, n), 0);
	CHECK_EQ(f.size, n);
	/* totalsize larger than the buffer. */
	CHECK_EQ(fdt_init(&f, b, n - 1), -ERR_INVAL);
	c = dup_blob(b, n);
	fb_put32(c + 4, (uint32_t)n + 1);
	CHECK_EQ(fdt_init(&f, c, n), -ERR_INVAL);
	/* A failed init leaves *f alone. */
	keep = f;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(c, b, n);
		fb_put32(c + bad[i].off, bad[i].val);
		CHECK_EQ(fdt_init(&f, c, n), -ERR_INVAL);
		CHECK(memcmp(&keep, &f, sizeof(f)) == 0);
	}
	/* Blocks that end exactly at totalsize + 1. */
	memcpy(c, b, n);
	fb_put32(c + 32, (uint32_t)(n - f.off_strings + 1));
	CHECK_EQ(fdt_init(&f, c, n), -ERR_INVAL);
	memcpy(c, b, n);
	fb_put32(c + 36, (uint32_t)(n - f.off_struct + 1));
	CHECK_EQ(fdt_init(&f, c, n), -ERR_INVAL);
	/* Version 16 has no size_dt_struct: the field is ignored. */
	memcpy(c, b, n);
	fb_put32(c + 20, 16);
	fb_put32(c + 36, 0xfffffff0);
	CHECK_EQ(fdt_init(&f, c, n), 0);
	/* rsvmap without terminator running off the end: move it to a
	 * last 16-byte entry of its own. */
	free(c);
	c = malloc(n + 16);
	memcpy(c, b, n);
	fb_put32(c + 4, (uint32_t)n + 16);
	fb_put32(c + 16, (uint32_t)n);
	fb_put64(c + n, 0x1000);
	fb_put64(c + n + 8, 0x1000);
	CHECK_EQ(fdt_init(&f, c, n + 16), 0);
	{
		struct platform p;

		CHECK_EQ(fdt_platform(&f, &p), -ERR_INVAL);
		fb_put64(c + n, 0);
		fb_put64(c + n + 8, 0);
		CHECK_EQ(fdt_platform(&f, &p), 0);
	}
	CHECK_EQ(fdt_init(NULL, b, n), -ERR_INVAL);
	CHECK_EQ(fdt_init(&f, NULL, n), -ERR_INVAL);
	free(c);
	free(b);
}

/* Run everything on a blob that may be corrupt: results must be 0 or
 * negative and sane; ASan/UBSan watch the reads. */
static void
exercise(const uint8_t *blob, size_t n)
{
	static const char *paths[] = { "/", "/chosen", "/cpus", "/memory",
				       "/soc/serial", "/cpus/cpu@1/x" };
	struct fdt f;
	struct platform p;
	uint32_t len;
	unsigned i, steps;
	int r, c, root;

	r = fdt_init(&f, blob, n);
	CHECK(r == 0 || r == -ERR_INVAL);
	if (r < 0)
		return;
	r = fdt_platform(&f, &p);
	CHECK(r <= 0);
	if (r == 0) {
		CHECK(p.nharts >= 1 && p.nharts <= FDT_MAX_HARTS);
		CHECK(p.nmem >= 1 && p.nmem <= FDT_MAX_MEM);
		CHECK(p.nrsv <= FDT_MAX_RSV);
		CHECK(memchr(p.bootargs, 0, sizeof(p.bootargs)) != NULL);
	}
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		r = fdt_path(&f, paths[i]);
		CHECK(r >= 0 || r == -ERR_NOENT || r == -ERR_INVAL);
	}
	root = fdt_path(&f, "/");
	if (root < 0)
		return;
	steps = 0;
	for (c = fdt_child(&f, root, -1); c >= 0; c = fdt_child(&f, root, c)) {
		CHECK(fdt_name(&f, c) != NULL);
		if (fdt_prop(&f, c, "reg", &len) == NULL)
			CHECK_EQ(len, 0);
		CHECK(++steps <= n / 4);
		if (steps > n / 4)
			break;
	}
}

/* Every truncation of every real blob. */
static void
test_truncate(void)
{
	static const char *names[] = { "virt-1.dtb", "virt-4-resv.dtb",
				       "soc32.dtb" };
	struct fdt f;
	size_t n, len, i;
	uint8_t *b, *c;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		b = load_dtb(names[i], &n);
		for (len = 0; len < n; len++) {
			c = dup_blob(b, len);
			CHECK_EQ(fdt_init(&f, c, len), -ERR_INVAL);
			/* Also with totalsize claiming just this much. */
			if (len >= 8) {
				fb_put32(c + 4, (uint32_t)len);
				exercise(c, len);
			}
			free(c);
		}
		free(b);
	}
}

/* Flip bytes at every offset of real blobs. */
static void
test_flips(void)
{
	static const char *names[] = { "virt-4-resv.dtb", "soc32.dtb" };
	static const uint8_t pat[] = { 0xff, 0x01, 0x80 };
	size_t n, i, k, j;
	uint8_t *b;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		b = load_dtb(names[k], &n);
		for (i = 0; i < n; i++) {
			for (j = 0; j < sizeof(pat); j++) {
				b[i] ^= pat[j];
				exercise(b, n);
				b[i] ^= pat[j];
			}
		}
		free(b);
	}
}

/* Seeded random multi-byte damage, including cells set to edge values. */
static void
test_random(void)
{
	static const uint32_t edge[] = { 0, 1, 2, 3, 4, 9, 0x7fffffff,
					 0x80000000, 0xfffffffc, 0xffffffff };
	uint64_t seed = 1;
	size_t n, i, k, off;
	uint8_t *b = load_dtb("virt-8.dtb", &n), *c = dup_blob(b, n);

	for (i = 0; i < 20000; i++) {
		memcpy(c, b, n);
		for (k = 0; k < 1 + i % 8; k++) {
			seed = seed * 6364136223846793005ull +
			       1442695040888963407ull;
			off = (size_t)(seed >> 33) % (n - 3);
			if (seed & 1)
				fb_put32(c + (off & ~(size_t)3),
					 edge[(seed >> 8) % 10]);
			else
				c[off] = (uint8_t)(seed >> 16);
		}
		exercise(c, n);
	}
	free(c);
	free(b);
}

int
main(void)
{
	static const struct test_case tests[] = {
		{ "virt-1", test_virt1 },
		{ "virt-1-bare", test_virt1_bare },
		{ "virt-4", test_virt4 },
		{ "virt-8", test_virt8 },
		{ "virt-4-resv", test_virt4_resv },
		{ "soc32", test_soc32 },
		{ "lookup", test_lookup },
		{ "built", test_built },
		{ "built_reg", test_built_reg },
		{ "corrupt_struct", test_corrupt_struct },
		{ "depth", test_depth },
		{ "header", test_header },
		{ "truncate", test_truncate },
		{ "flips", test_flips },
		{ "random", test_random },
	};

	return run_tests(tests, sizeof(tests) / sizeof(tests[0]));
}
