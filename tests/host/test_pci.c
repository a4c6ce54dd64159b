/*
 * Host tests of drivers/pci: the host bridge from real and hand-built device
 * trees (every kind of bad property gives a clear error; every flipped byte
 * of a blob is survived), and enumeration + BAR assignment + INTx routing
 * over a fake config space that behaves like PCI hardware (BAR sizing by
 * writing all-ones, read-only bits, command register).  ASan/UBSan on.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kernel/fdt.h>
#include <pci/pci.h>
#include <tessera/errors.h>

#include "check.h"
#include "fdt_build.h"

/* ---- fake config space: bus 0 only ---- */

struct fake_fn {
	int present;
	uint32_t cfg[64];		/* 256 bytes of header */
	uint32_t bar_mask[PCI_NBARS];	/* writable bits of each BAR register */
	uint32_t bar_ro[PCI_NBARS];	/* read-only low bits (type, I/O flag) */
};

struct fake {
	struct fake_fn fn[32][8];
	unsigned bad;			/* accesses off bus 0, unaligned, past 256 */
};

static struct fake_fn *
fake_at(struct fake *fk, unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
	if (bus != 0 || dev >= 32 || fn >= 8 || off % 4 || off >= 256) {
		fk->bad++;
		return NULL;
	}
	return &fk->fn[dev][fn];
}

static uint32_t
fake_read(void *ctx, unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
	struct fake_fn *f = fake_at(ctx, bus, dev, fn, off);

	return f && f->present ? f->cfg[off / 4] : 0xffffffffu;
}

static void
fake_write(void *ctx, unsigned bus, unsigned dev, unsigned fn, unsigned off, uint32_t v)
{
	struct fake_fn *f = fake_at(ctx, bus, dev, fn, off);

	if (!f || !f->present)
		return;
	if (off == PCI_COMMAND)
		f->cfg[1] = (f->cfg[1] & 0xffff0000u) | (v & 0x7u);
	else if (off == PCI_INTR)
		f->cfg[15] = (f->cfg[15] & ~0xffu) | (v & 0xffu);
	else if (off >= PCI_BAR0 && off < PCI_BAR0 + 4 * PCI_NBARS) {
		unsigned i = (off - PCI_BAR0) / 4;
		f->cfg[off / 4] = (v & f->bar_mask[i]) | f->bar_ro[i];
	}
}

static struct fake_fn *
fake_fn(struct fake *fk, unsigned dev, unsigned fn, uint16_t vendor, uint16_t device,
	uint32_t cls, uint8_t hdr, uint8_t pin)
{
	struct fake_fn *f = &fk->fn[dev][fn];

	f->present = 1;
	f->cfg[0] = (uint32_t)device << 16 | vendor;
	f->cfg[2] = cls << 8 | 1;
	f->cfg[3] = (uint32_t)hdr << 16;
	f->cfg[15] = (uint32_t)pin << 8;
	return f;
}

static void
fake_bar(struct fake_fn *f, unsigned i, unsigned kind, uint64_t size, int prefetch)
{
	uint64_t m = ~(size - 1);

	if (kind == PCI_BAR_IO) {
		f->bar_mask[i] = (uint32_t)m & ~3u;
		f->bar_ro[i] = 1;
	} else {
		f->bar_mask[i] = (uint32_t)m & ~0xfu;
		f->bar_ro[i] = (kind == PCI_BAR_MEM64 ? 4u : 0u) | (prefetch ? 8u : 0u);
		if (kind == PCI_BAR_MEM64)
			f->bar_mask[i + 1] = (uint32_t)(m >> 32);
	}
	f->cfg[4 + i] = f->bar_ro[i];
}

/* ---- device trees ---- */

enum variant {
	V_GOOD, V_NO_PCI, V_RANGES_LEN, V_RANGES_ZERO, V_RANGES_CFG, V_RANGES_HIGH32,
	V_RANGES_OVERLAP, V_RANGES_ECAM, V_IO_ONLY, V_NO_RANGES, V_AC2, V_BUS_REV,
	V_IMAP_TRUNC, V_IMAP_PHANDLE, V_IMAP_IRQ0, V_MASK3, V_NO_REG, V_ECAM_ODD,
	V_ICELLS2, V_NO_IMAP, V_COUNT
};

static size_t
put_cells(uint8_t *d, const uint32_t *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fb_put32(d + 4 * i, c[i]);
	return 4 * n;
}

static void
add_ranges(struct fb *b, int v)
{
	uint32_t c[21] = {
		0x01000000, 0, 0, 0, 0x3000000, 0, 0x10000,
		0x02000000, 0, 0x40000000, 0, 0x40000000, 0, 0x40000000,
		0x03000000, 4, 0, 4, 0, 4, 0,
	};
	uint8_t d[84];
	size_t n = 21;

	if (v == V_NO_RANGES)
		return;
	if (v == V_RANGES_ZERO)
		c[13] = 0;
	if (v == V_RANGES_CFG)
		c[0] = 0;
	if (v == V_RANGES_HIGH32)
		c[9] = 0xf0000000;
	if (v == V_RANGES_OVERLAP)
		c[17] = 0, c[18] = 0x40001000;
	if (v == V_RANGES_ECAM)
		c[11] = 0x30000000;
	if (v == V_IO_ONLY)
		n = 7;
	size_t len = put_cells(d, c, n);
	fb_prop(b, "ranges", d, v == V_RANGES_LEN ? 20 : len);
}

/* QEMU virt's map: slot s, pin p -> 32 + (s + p - 1) % 4. */
static void
add_imap(struct fb *b, int v)
{
	uint32_t c[16 * 6], mask[4] = { 0x1800, 0, 0, 7 };
	uint8_t d[sizeof(c)], m[16];
	size_t n = 0;

	if (v == V_NO_IMAP)
		return;
	for (uint32_t s = 0; s < 4; s++)
		for (uint32_t p = 1; p <= 4; p++) {
			c[n++] = s << 11;
			c[n++] = 0;
			c[n++] = 0;
			c[n++] = p;
			c[n++] = 3;
			c[n++] = 32 + (s + p - 1) % 4;
		}
	if (v == V_IMAP_PHANDLE)
		c[5 * 6 + 4] = 9;
	if (v == V_IMAP_IRQ0)
		c[2 * 6 + 5] = 0;
	fb_prop(b, "interrupt-map-mask", m, put_cells(m, mask, v == V_MASK3 ? 3 : 4));
	fb_prop(b, "interrupt-map", d, put_cells(d, c, v == V_IMAP_TRUNC ? n - 1 : n));
}

static uint8_t *
build(int v, size_t *size)
{
	struct fb *b = malloc(sizeof(*b));
	uint8_t range[8];

	if (!b)
		abort();
	fb_init(b);
	fb_begin(b, "");
	fb_prop_u32(b, "#address-cells", 2);
	fb_prop_u32(b, "#size-cells", 2);
	fb_begin(b, "soc");
	fb_prop_u32(b, "#address-cells", 2);
	fb_prop_u32(b, "#size-cells", 2);
	fb_begin(b, "plic@c000000");
	fb_prop_u32(b, "phandle", 3);
	fb_prop_u32(b, "#interrupt-cells", 1);
	fb_prop_u32(b, "#address-cells", 0);
	fb_prop_str(b, "compatible", "riscv,plic0");
	fb_end(b);
	fb_begin(b, "pci@30000000");
	fb_prop(b, "compatible", "pci-host-ecam-generic\0pci", v == V_NO_PCI ? 4 : 26);
	fb_prop_u32(b, "#address-cells", v == V_AC2 ? 2 : 3);
	fb_prop_u32(b, "#size-cells", 2);
	fb_prop_u32(b, "#interrupt-cells", v == V_ICELLS2 ? 2 : 1);
	if (v != V_NO_REG)
		fb_prop_reg(b, 0x30000000, v == V_ECAM_ODD ? 0x10080000 : 0x10000000);
	fb_put32(range, v == V_BUS_REV ? 0xff : 0);
	fb_put32(range + 4, v == V_BUS_REV ? 0 : 0xff);
	fb_prop(b, "bus-range", range, 8);
	add_ranges(b, v);
	add_imap(b, v);
	fb_end(b);
	fb_end(b);
	fb_end(b);
	uint8_t *blob = fb_finish(b, size);
	free(b);
	return blob;
}

static int
host_from(const uint8_t *blob, size_t n, struct pci_host *h)
{
	struct fdt f;
	int r = fdt_init(&f, blob, n);

	return r < 0 ? r : pci_host_from_fdt(&f, h);
}

static void
check_qemu_host(const struct pci_host *h)
{
	CHECK_EQ(h->ecam_base, 0x30000000);
	CHECK_EQ(h->ecam_size, 0x10000000);
	CHECK_EQ(h->bus_start, 0);
	CHECK_EQ(h->bus_end, 255);
	CHECK_EQ(h->win[PCI_SPACE_IO].cpu, 0x3000000);
	CHECK_EQ(h->win[PCI_SPACE_IO].pci, 0);
	CHECK_EQ(h->win[PCI_SPACE_IO].size, 0x10000);
	CHECK_EQ(h->win[PCI_SPACE_MEM32].pci, 0x40000000);
	CHECK_EQ(h->win[PCI_SPACE_MEM32].size, 0x40000000);
	CHECK_EQ(h->win[PCI_SPACE_MEM64].cpu, 0x400000000);
	CHECK_EQ(h->win[PCI_SPACE_MEM64].size, 0x400000000);
	CHECK_EQ(h->nimap, 16);
	CHECK_EQ(pci_route_irq(h, 0, 0, 0, 1), 32);
	CHECK_EQ(pci_route_irq(h, 0, 1, 0, 1), 33);
	CHECK_EQ(pci_route_irq(h, 0, 3, 0, 4), 34);
	CHECK_EQ(pci_route_irq(h, 0, 5, 2, 2), 34);	/* slot 5 masks to 1 */
	CHECK_EQ(pci_route_irq(h, 0, 1, 0, 0), 0);
	CHECK_EQ(pci_route_irq(h, 0, 1, 0, 5), 0);
}

static void
test_fdt_qemu(void)
{
	char path[512];
	size_t n;
	struct pci_host h;

	snprintf(path, sizeof(path), "%s/virt-1.dtb", TESSERA_TEST_DATA);
	uint8_t *blob = load_file(path, &n);
	CHECK_EQ(host_from(blob, n, &h), 0);
	check_qemu_host(&h);
	free(blob);
	blob = build(V_GOOD, &n);
	CHECK_EQ(host_from(blob, n, &h), 0);
	check_qemu_host(&h);
	free(blob);
}

static void
test_fdt_bad(void)
{
	static const struct { int v, err; const char *msg; } cases[] = {
		{ V_NO_PCI, -ERR_NOENT, "no \"pci-host-ecam-generic\" node" },
		{ V_RANGES_LEN, -ERR_INVAL, "ranges: 20 bytes, not a multiple of the 28-byte entry" },
		{ V_RANGES_ZERO, -ERR_INVAL, "ranges entry 1: size 0x0 is zero" },
		{ V_RANGES_CFG, -ERR_INVAL, "ranges entry 0: configuration space" },
		{ V_RANGES_HIGH32, -ERR_INVAL, "ranges entry 1: 32-bit window ends above 4 GiB" },
		{ V_RANGES_OVERLAP, -ERR_INVAL, "ranges entry 2: overlaps another window" },
		{ V_RANGES_ECAM, -ERR_INVAL, "ranges entry 1: overlaps the ECAM window" },
		{ V_IO_ONLY, -ERR_INVAL, "ranges: no memory window" },
		{ V_NO_RANGES, -ERR_INVAL, "ranges: missing" },
		{ V_AC2, -ERR_INVAL, "#address-cells/#size-cells of the PCI node" },
		{ V_BUS_REV, -ERR_INVAL, "bus-range: <255 0>" },
		{ V_IMAP_TRUNC, -ERR_INVAL, "interrupt-map: entry 15 truncated" },
		{ V_IMAP_PHANDLE, -ERR_INVAL, "interrupt-map entry 5: parent <0x9>" },
		{ V_IMAP_IRQ0, -ERR_INVAL, "interrupt-map entry 2: interrupt 0" },
		{ V_MASK3, -ERR_INVAL, "interrupt-map-mask" },
		{ V_NO_REG, -ERR_INVAL, "reg: missing" },
		{ V_ECAM_ODD, -ERR_INVAL, "is not whole buses" },
		{ V_ICELLS2, -ERR_INVAL, "#interrupt-cells of the PCI node" },
	};
	struct pci_host h;
	size_t n;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *blob = build(cases[i].v, &n);
		CHECK_EQ(host_from(blob, n, &h), cases[i].err);
		if (!strstr(h.err, cases[i].msg)) {
			fprintf(stderr, "variant %d: \"%s\" lacks \"%s\"\n", cases[i].v, h.err,
				cases[i].msg);
			CHECK(0);
		}
		free(blob);
	}
	/* No interrupt-map: fine, but nothing routes. */
	uint8_t *blob = build(V_NO_IMAP, &n);
	CHECK_EQ(host_from(blob, n, &h), 0);
	CHECK_EQ(h.nimap, 0);
	CHECK_EQ(pci_route_irq(&h, 0, 1, 0, 1), 0);
	free(blob);
}

/* Every byte of the good blob flipped in turn: an error or a result, never a
 * read outside the blob (ASan) and never an empty error text. */
static void
test_fdt_flips(void)
{
	size_t n;
	uint8_t *good = build(V_GOOD, &n);
	unsigned errors = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t *blob = malloc(n);
		struct pci_host h;
		struct fdt f;
		if (!blob)
			abort();
		memcpy(blob, good, n);
		blob[i] ^= 0xff;
		if (fdt_init(&f, blob, n) == 0 && pci_host_from_fdt(&f, &h) < 0) {
			errors++;
			CHECK(h.err[0] != 0);
		}
		free(blob);
	}
	CHECK(errors > 10);
	free(good);
}

/* ---- enumeration and assignment ---- */

static struct fake fk;
static struct pci_host qh;
static struct pci_bus qb;
static const struct pci_cfg_ops fake_ops = { fake_read, fake_write, &fk };

/* A bus like QEMU's plus a multi-function device and a bridge. */
static void
fake_qemu_bus(void)
{
	struct fake_fn *f;

	memset(&fk, 0, sizeof(fk));
	fake_fn(&fk, 0, 0, 0x1b36, 0x0008, 0x060000, 0, 0);
	f = fake_fn(&fk, 1, 0, 0x1af4, 0x1001, 0x010000, 0, 1);
	fake_bar(f, 0, PCI_BAR_IO, 0x80, 0);
	fake_bar(f, 1, PCI_BAR_MEM32, 0x1000, 0);
	fake_bar(f, 4, PCI_BAR_MEM64, 0x4000, 1);
	f = fake_fn(&fk, 2, 0, 0x1af4, 0x1041, 0x020000, PCI_HDR_MULTI, 1);
	fake_bar(f, 4, PCI_BAR_MEM64, 0x4000, 1);
	f = fake_fn(&fk, 2, 3, 0x1af4, 0x1052, 0x090000, 0, 2);
	fake_bar(f, 1, PCI_BAR_MEM32, 0x100000, 0);
	f = fake_fn(&fk, 3, 0, 0x1234, 0x1111, 0xff0000, 0, 0);
	fake_fn(&fk, 3, 1, 0x1234, 0x2222, 0xff0000, 0, 0);	/* not multi: ignored */
	f = fake_fn(&fk, 4, 0, 0x1af4, 0x1050, 0x038000, 0, 4);
	fake_bar(f, 0, PCI_BAR_MEM32, 0x800000, 1);
	fake_fn(&fk, 5, 0, 0x1b36, 0x0001, 0x060400, 1, 0);	/* bridge */

	size_t n;
	uint8_t *blob = build(V_GOOD, &n);
	CHECK_EQ(host_from(blob, n, &qh), 0);
	free(blob);
	memset(&qb, 0, sizeof(qb));
	qb.host = &qh;
	qb.ops = &fake_ops;
}

static struct pci_dev *
find_dev(unsigned dev, unsigned fn)
{
	for (unsigned i = 0; i < qb.ndev; i++)
		if (qb.dev[i].dev == dev && qb.dev[i].fn == fn)
			return &qb.dev[i];
	return NULL;
}

/* The BARs the fake holds now, checked against the device record. */
static void
check_hw_bars(const struct pci_dev *d)
{
	const struct fake_fn *f = &fk.fn[d->dev][d->fn];

	for (unsigned i = 0; i < PCI_NBARS; i++) {
		const struct pci_bar *bar = &d->bar[i];
		if (bar->kind == PCI_BAR_NONE)
			continue;
		uint64_t hw = f->cfg[4 + i] & (bar->kind == PCI_BAR_IO ? ~3u : ~0xfu);
		if (bar->kind == PCI_BAR_MEM64)
			hw |= (uint64_t)f->cfg[5 + i] << 32;
		CHECK_EQ(hw, bar->pci);
		CHECK_EQ(bar->pci % bar->size, 0);
		const struct pci_window *w = bar->kind == PCI_BAR_IO ? &qh.win[PCI_SPACE_IO] :
			bar->kind == PCI_BAR_MEM64 && qh.win[PCI_SPACE_MEM64].size ?
			&qh.win[PCI_SPACE_MEM64] : &qh.win[PCI_SPACE_MEM32];
		CHECK(bar->pci >= w->pci && bar->pci + bar->size <= w->pci + w->size);
		CHECK_EQ(bar->cpu, w->cpu + bar->pci - w->pci);
	}
}

static void
check_no_overlap(void)
{
	for (unsigned a = 0; a < qb.ndev * PCI_NBARS; a++) {
		const struct pci_bar *x = &qb.dev[a / PCI_NBARS].bar[a % PCI_NBARS];
		for (unsigned c = a + 1; x->assigned == 1 && c < qb.ndev * PCI_NBARS; c++) {
			const struct pci_bar *y = &qb.dev[c / PCI_NBARS].bar[c % PCI_NBARS];
			if (y->assigned == 1 && (x->kind == PCI_BAR_IO) == (y->kind == PCI_BAR_IO))
				CHECK(x->pci + x->size <= y->pci || y->pci + y->size <= x->pci);
		}
	}
}

static void
test_enumerate(void)
{
	char line[256];

	fake_qemu_bus();
	CHECK_EQ(pci_scan(&qb), 7);
	CHECK(find_dev(3, 1) == NULL);
	CHECK(find_dev(2, 3) != NULL);
	CHECK_EQ(pci_assign(&qb), 1);	/* the bridge */
	for (unsigned i = 0; i < qb.ndev; i++)
		check_hw_bars(&qb.dev[i]);
	check_no_overlap();

	struct pci_dev *gpu = find_dev(4, 0), *blk = find_dev(1, 0), *in = find_dev(2, 3);
	struct pci_dev *br = find_dev(5, 0), *hb = find_dev(0, 0);
	CHECK(gpu && blk && in && br && hb);
	if (!gpu || !blk || !in || !br || !hb)
		return;
	CHECK_EQ(gpu->bar[0].pci, 0x40000000);	/* largest first */
	CHECK_EQ(blk->bar[0].pci, PCI_IO_SKIP);
	CHECK_EQ(blk->bar[4].cpu, 0x400000000);
	CHECK_EQ(fk.fn[1][0].cfg[1] & 7, PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER);
	CHECK_EQ(fk.fn[4][0].cfg[1] & 7, PCI_CMD_MEM | PCI_CMD_MASTER);
	CHECK_EQ(fk.fn[0][0].cfg[1] & 7, 0);	/* no BARs: left alone */
	CHECK_EQ(fk.fn[5][0].cfg[1] & 7, 0);
	CHECK(strstr(br->err, "header type 1") != NULL);
	CHECK_EQ(blk->irq, 33);
	CHECK_EQ(find_dev(2, 0)->irq, 34);
	CHECK_EQ(in->irq, 35);
	CHECK_EQ(gpu->irq, 35);
	CHECK_EQ(fk.fn[2][3].cfg[15] & 0xff, 35);
	CHECK_EQ(hb->irq, 0);
	CHECK_EQ(fk.bad, 0);

	pci_describe(blk, line, sizeof(line));
	CHECK_STR(line, "pci 00:01.0 1af4:1001 virtio-blk class 010000 bar0=0x3001000/0x80/io "
		  "bar1=0x40900000/0x1000 bar4=0x400000000/0x4000 irq 33");
	pci_describe(br, line, sizeof(line));
	CHECK(strstr(line, " no irq disabled: header type 1") != NULL);
	CHECK_EQ(pci_describe(blk, line, 10), strlen("pci 00:01.0 1af4:1001 virtio-blk class "
		"010000 bar0=0x3001000/0x80/io bar1=0x40900000/0x1000 bar4=0x400000000/0x4000 irq 33"));
	CHECK_EQ(strlen(line), 9);
	CHECK_STR(pci_lookup_id(0x1af4, 0x1052)->driver, "virtio-input");
	CHECK(pci_lookup_id(0x1af4, 0x1003)->driver == NULL);
	CHECK(pci_lookup_id(0x8086, 0x100e) == NULL);
}

/* Probing restores BARs and the command register. */
static void
test_probe_restores(void)
{
	fake_qemu_bus();
	CHECK_EQ(pci_scan(&qb), 7);
	CHECK_EQ(pci_assign(&qb), 1);
	struct fake_fn before = fk.fn[1][0];
	struct pci_dev *d = find_dev(1, 0);
	CHECK_EQ(pci_bar_probe(&qb, d), 0);
	CHECK(memcmp(&before, &fk.fn[1][0], sizeof(before)) == 0);
	CHECK_EQ(d->bar[4].size, 0x4000);
	CHECK_EQ(d->bar[4].prefetch, 1);
	CHECK_EQ(d->bar[0].kind, PCI_BAR_IO);
}

/* No 64-bit window: 64-bit BARs go below 4 GiB; one that fits nowhere
 * leaves its device disabled and the others assigned. */
static void
test_no_fit(void)
{
	fake_qemu_bus();
	qh.win[PCI_SPACE_MEM64].size = 0;
	qh.win[PCI_SPACE_MEM32].size = 0x1000000;	/* 16 MiB */
	struct fake_fn *f = fake_fn(&fk, 6, 0, 0x1af4, 0x1042, 0x010000, 0, 1);
	fake_bar(f, 2, PCI_BAR_MEM64, 0x2000000, 0);	/* 32 MiB */
	CHECK_EQ(pci_scan(&qb), 8);
	CHECK_EQ(pci_assign(&qb), 2);
	struct pci_dev *big = find_dev(6, 0), *blk = find_dev(1, 0);
	CHECK(strstr(big->err, "bar2: 0x2000000 bytes of 64-bit memory do not fit") != NULL);
	CHECK_EQ(fk.fn[6][0].cfg[1] & 7, 0);
	CHECK_EQ(blk->bar[4].assigned, 1);
	CHECK(blk->bar[4].pci < 0x41000000 && blk->bar[4].pci >= 0x40000000);
	for (unsigned i = 0; i < qb.ndev; i++)
		if (!qb.dev[i].err[0])
			check_hw_bars(&qb.dev[i]);
	check_no_overlap();
}

static void
test_too_many(void)
{
	memset(&fk, 0, sizeof(fk));
	for (unsigned d = 0; d < 32; d++)
		for (unsigned fn = 0; fn < 8; fn++)
			fake_fn(&fk, d, fn, 0x1234, 0x5678, 0, PCI_HDR_MULTI, 0);
	CHECK_EQ(pci_scan(&qb), -ERR_NOMEM);
}

/* Split NUL-separated words into argv. */
static int
split(char *buf, int len, char **argv, int max)
{
	int n = 0;

	for (int i = 0; i < len && n < max; i += (int)strlen(buf + i) + 1)
		argv[n++] = buf + i;
	return n;
}

static void
test_args(void)
{
	char buf[512], *argv[16];
	struct pci_args a;

	fake_qemu_bus();
	pci_scan(&qb);
	pci_assign(&qb);
	struct pci_dev *blk = find_dev(1, 0), *in = find_dev(2, 3);
	int len = pci_driver_args(&qh, blk, buf, sizeof(buf));
	CHECK(len > 0);
	int argc = split(buf, len, argv, 16);
	CHECK_EQ(argc, 7);
	CHECK_STR(argv[0], "pci=00:01.0");
	CHECK_STR(argv[3], "bar0=0x3001000/0x80/io");
	CHECK_EQ(pci_args_parse(argc, argv, &a), 0);
	CHECK_EQ(a.dev, 1);
	CHECK_EQ(a.vendor, 0x1af4);
	CHECK_EQ(a.device, 0x1001);
	CHECK_EQ(a.cfg, 0x30000000 + 1 * 0x8000);
	CHECK_EQ(a.bar[0], blk->bar[0].cpu);
	CHECK_EQ(a.bar_io[0], 1);
	CHECK_EQ(a.bar[4], blk->bar[4].cpu);
	CHECK_EQ(a.bar_size[4], 0x4000);
	CHECK_EQ(a.irq, 33);
	len = pci_driver_args(&qh, in, buf, sizeof(buf));
	argc = split(buf, len, argv, 16);
	CHECK_EQ(pci_args_parse(argc, argv, &a), 0);
	CHECK_EQ(a.fn, 3);
	CHECK_EQ(a.cfg, 0x30000000 + 2 * 0x8000 + 3 * 0x1000);
	CHECK_EQ(pci_driver_args(&qh, blk, buf, 20), -ERR_TOOBIG);

	static char *const bad[][3] = {
		{ "pci=00:01.0", "bar0=0x1000/0x1000", NULL },		/* no cfg */
		{ "pci=0:1.0", "cfg=0x30008000", NULL },
		{ "pci=00:01.0", "cfg=0x30008001", NULL },
		{ "pci=00:01.0", "cfg=0x30008000", "bar0=0x1000/0x3000" },
		{ "pci=00:01.0", "cfg=0x30008000", "bar9=0x1000/0x1000" },
		{ "pci=00:01.0", "cfg=0x30008000", "bar1=0x1000/0x1000/mem" },
		{ "pci=00:01.0", "cfg=0x30008000", "irq=-1" },
		{ "pci=00:20.0", "cfg=0x30008000", NULL },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ(pci_args_parse(bad[i][2] ? 3 : 2, bad[i], &a), -ERR_INVAL);
}

int
main(void)
{
	static const struct test_case tests[] = {
		{ "fdt_qemu", test_fdt_qemu },
		{ "fdt_bad", test_fdt_bad },
		{ "fdt_flips", test_fdt_flips },
		{ "enumerate", test_enumerate },
		{ "probe_restores", test_probe_restores },
		{ "no_fit", test_no_fit },
		{ "too_many", test_too_many },
		{ "args", test_args },
	};
	return run_tests(tests, sizeof(tests) / sizeof(tests[0]));
}
