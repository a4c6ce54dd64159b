/*
 * The PCI host bridge from the device tree: the node compatible with
 * "pci-host-ecam-generic" (Linux Documentation/devicetree/bindings/pci/
 * host-generic-pci.yaml), its ECAM "reg", "ranges", "bus-range",
 * "interrupt-map" and "interrupt-map-mask".  Every value is checked; a bad
 * tree gives -ERR_* and a sentence in h->err, never a read outside the blob.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <pci/pci.h>
#include <tessera/abi.h>
#include <tessera/errors.h>

#define PCI_COMPAT	"pci-host-ecam-generic"
#define DEPTH_MAX	16	/* nesting the tree walk follows */

static int
fail(struct pci_host *h, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->err, sizeof(h->err), fmt, ap);
	va_end(ap);
	return code;
}

/* Does the string list [p, p+len) hold `s`? */
static int
strlist_has(const char *p, uint32_t len, const char *s)
{
	size_t n = strlen(s);
	uint32_t i = 0;

	while (i < len) {
		uint32_t e = i;
		while (e < len && p[e])
			e++;
		if (e - i == n && memcmp(p + i, s, n) == 0)
			return 1;
		i = e + 1;
	}
	return 0;
}

/* What find_node looks for: a compatible string, or a phandle. */
struct match {
	const char *compat;
	uint32_t phandle;
};

static int
node_matches(const struct fdt *f, int node, const struct match *m)
{
	uint32_t len;
	const void *p;

	if (m->compat) {
		p = fdt_prop(f, node, "compatible", &len);
		return p && strlist_has(p, len, m->compat);
	}
	p = fdt_prop(f, node, "phandle", &len);
	if (!p)
		p = fdt_prop(f, node, "linux,phandle", &len);
	return p && len == 4 && fdt_cell(p, len, 0) == m->phandle;
}

/* Depth-first search below `node`.  Returns the first matching node and
 * its parent in *parent, -ERR_NOENT, or another negative on corruption. */
static int
find_node(const struct fdt *f, int node, int depth, const struct match *m, int *parent)
{
	int c = -1;

	if (depth > DEPTH_MAX)
		return -ERR_INVAL;
	for (;;) {
		c = fdt_child(f, node, c);
		if (c < 0)
			return c;
		if (node_matches(f, c, m)) {
			*parent = node;
			return c;
		}
		int r = find_node(f, c, depth + 1, m, parent);
		if (r != -ERR_NOENT)
			return r;
	}
}

/* A one-cell property, `def` when absent.  -ERR_INVAL if not 4 bytes. */
static int
prop_u32(const struct fdt *f, int node, const char *name, uint32_t def, uint32_t *out)
{
	uint32_t len;
	const void *p = fdt_prop(f, node, name, &len);

	*out = def;
	if (!p)
		return 0;
	if (len != 4)
		return -ERR_INVAL;
	*out = fdt_cell(p, len, 0);
	return 0;
}

/* `n` (1 or 2) cells from cell `i`, as one number. */
static uint64_t
cells(const void *p, uint32_t len, uint32_t i, uint32_t n)
{
	uint64_t v = 0;

	for (uint32_t k = 0; k < n; k++)
		v = v << 32 | fdt_cell(p, len, i + k);
	return v;
}

static int
cell_count_ok(uint32_t n)
{
	return n == 1 || n == 2;
}

static int
parse_reg(const struct fdt *f, int node, uint32_t pac, uint32_t psc, struct pci_host *h)
{
	uint32_t len;
	const void *p = fdt_prop(f, node, "reg", &len);

	if (!p || len < (pac + psc) * 4)
		return fail(h, -ERR_INVAL, "reg: missing or shorter than %u bytes", (pac + psc) * 4);
	h->ecam_base = cells(p, len, 0, pac);
	h->ecam_size = cells(p, len, pac, psc);
	if (h->ecam_size < PCI_ECAM_BUS || h->ecam_size % PCI_ECAM_BUS ||
	    h->ecam_base % PCI_ECAM_FN || h->ecam_base + h->ecam_size < h->ecam_base)
		return fail(h, -ERR_INVAL, "reg: ECAM 0x%llx/0x%llx is not whole buses",
			    (unsigned long long)h->ecam_base, (unsigned long long)h->ecam_size);
	return 0;
}

static int
parse_bus_range(const struct fdt *f, int node, struct pci_host *h)
{
	uint32_t len;
	const void *p = fdt_prop(f, node, "bus-range", &len);

	h->bus_start = 0;
	h->bus_end = 255;
	if (p) {
		if (len != 8)
			return fail(h, -ERR_INVAL, "bus-range: %u bytes, want 8", len);
		h->bus_start = fdt_cell(p, len, 0);
		h->bus_end = fdt_cell(p, len, 1);
		if (h->bus_start > h->bus_end || h->bus_end > 255)
			return fail(h, -ERR_INVAL, "bus-range: <%u %u> is not a range of buses",
				    h->bus_start, h->bus_end);
	}
	uint64_t nbus = h->ecam_size / PCI_ECAM_BUS;
	if (h->bus_end - h->bus_start + 1 > nbus)
		h->bus_end = h->bus_start + (uint32_t)nbus - 1;
	return 0;
}

static int
overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* One "ranges" entry: check it and keep the first window of its kind. */
static int
add_window(struct pci_host *h, unsigned i, uint32_t hi, uint64_t pci, uint64_t cpu,
	   uint64_t size)
{
	unsigned space = (hi >> 24) & 3;

	if (space == PCI_SPACE_CFG)
		return fail(h, -ERR_INVAL, "ranges entry %u: configuration space", i);
	if (size == 0 || pci + size < pci || cpu + size < cpu)
		return fail(h, -ERR_INVAL, "ranges entry %u: size 0x%llx is zero or wraps",
			    i, (unsigned long long)size);
	if (space != PCI_SPACE_MEM64 && pci + size > (1ull << 32))
		return fail(h, -ERR_INVAL, "ranges entry %u: 32-bit window ends above 4 GiB", i);
	if (overlaps(cpu, size, h->ecam_base, h->ecam_size))
		return fail(h, -ERR_INVAL, "ranges entry %u: overlaps the ECAM window", i);
	for (unsigned s = PCI_SPACE_IO; s <= PCI_SPACE_MEM64; s++)
		if (h->win[s].size && overlaps(cpu, size, h->win[s].cpu, h->win[s].size))
			return fail(h, -ERR_INVAL, "ranges entry %u: overlaps another window", i);
	if (h->win[space].size == 0) {
		h->win[space].pci = pci;
		h->win[space].cpu = cpu;
		h->win[space].size = size;
	}
	return 0;
}

static int
parse_ranges(const struct fdt *f, int node, uint32_t pac, struct pci_host *h)
{
	uint32_t ac, sc, len;

	if (prop_u32(f, node, "#address-cells", 3, &ac) < 0 || ac != 3 ||
	    prop_u32(f, node, "#size-cells", 2, &sc) < 0 || sc != 2)
		return fail(h, -ERR_INVAL, "#address-cells/#size-cells of the PCI node are not 3/2");
	const void *p = fdt_prop(f, node, "ranges", &len);
	uint32_t entry = (3 + pac + 2) * 4;
	if (!p)
		return fail(h, -ERR_INVAL, "ranges: missing");
	if (len == 0 || len % entry)
		return fail(h, -ERR_INVAL, "ranges: %u bytes, not a multiple of the %u-byte entry",
			    len, entry);
	for (uint32_t i = 0; i < len / entry; i++) {
		uint32_t c = i * entry / 4;
		uint32_t hi = fdt_cell(p, len, c);
		uint64_t pci = cells(p, len, c + 1, 2);
		uint64_t cpu = cells(p, len, c + 3, pac);
		uint64_t size = cells(p, len, c + 3 + pac, 2);
		int r = add_window(h, i, hi, pci, cpu, size);
		if (r < 0)
			return r;
	}
	if (!h->win[PCI_SPACE_MEM32].size && !h->win[PCI_SPACE_MEM64].size)
		return fail(h, -ERR_INVAL, "ranges: no memory window");
	return 0;
}

/* The interrupt parent named by `phandle`: its #address-cells (default 0)
 * and #interrupt-cells (required, 1..3). */
static int
irq_parent(const struct fdt *f, uint32_t phandle, uint32_t *ac, uint32_t *ic)
{
	struct match m = { .compat = NULL, .phandle = phandle };
	int parent, root = fdt_path(f, "/");
	int node = root < 0 ? root : find_node(f, root, 0, &m, &parent);

	if (node < 0)
		return node;
	if (prop_u32(f, node, "#address-cells", 0, ac) < 0 ||
	    prop_u32(f, node, "#interrupt-cells", 0, ic) < 0 || *ic < 1 || *ic > 3 || *ac > 3)
		return -ERR_INVAL;
	return 0;
}

/* One interrupt-map entry at cell `c`; returns the cells it used. */
static int
parse_imap_entry(const struct fdt *f, const void *p, uint32_t len, uint32_t c,
		 struct pci_host *h)
{
	uint32_t ncells = len / 4, ac, ic;
	unsigned i = h->nimap;

	if (c + 5 > ncells)
		return fail(h, -ERR_INVAL, "interrupt-map: entry %u truncated", i);
	uint32_t phandle = fdt_cell(p, len, c + 4);
	if (irq_parent(f, phandle, &ac, &ic) < 0)
		return fail(h, -ERR_INVAL, "interrupt-map entry %u: parent <0x%x> missing or bad",
			    i, phandle);
	if (c + 5 + ac + ic > ncells)
		return fail(h, -ERR_INVAL, "interrupt-map: entry %u truncated", i);
	if (i == PCI_IMAP_MAX)
		return fail(h, -ERR_TOOBIG, "interrupt-map: over %u entries", PCI_IMAP_MAX);
	uint32_t irq = fdt_cell(p, len, c + 5 + ac);
	if (irq == 0 || irq > IRQ_MAX)
		return fail(h, -ERR_INVAL, "interrupt-map entry %u: interrupt %u out of 1..%u",
			    i, irq, IRQ_MAX);
	for (unsigned k = 0; k < 4; k++)
		h->imap[i].child[k] = fdt_cell(p, len, c + k);
	h->imap[i].irq = irq;
	h->nimap++;
	return (int)(5 + ac + ic);
}

/* interrupt-map and its mask; absent = no INTx routing (devices get irq 0). */
static int
parse_imap(const struct fdt *f, int node, struct pci_host *h)
{
	uint32_t len, mlen, icells;
	const void *p = fdt_prop(f, node, "interrupt-map", &len);
	const void *m = fdt_prop(f, node, "interrupt-map-mask", &mlen);

	h->nimap = 0;
	if (!p)
		return 0;
	if (prop_u32(f, node, "#interrupt-cells", 1, &icells) < 0 || icells != 1)
		return fail(h, -ERR_INVAL, "#interrupt-cells of the PCI node is not 1");
	if (!m || mlen != 16)
		return fail(h, -ERR_INVAL, "interrupt-map-mask: missing or not 4 cells");
	if (len % 4)
		return fail(h, -ERR_INVAL, "interrupt-map: %u bytes, not whole cells", len);
	for (unsigned k = 0; k < 4; k++)
		h->imap_mask[k] = fdt_cell(m, mlen, k);
	for (uint32_t c = 0; c < len / 4;) {
		int used = parse_imap_entry(f, p, len, c, h);
		if (used < 0)
			return used;
		c += (uint32_t)used;
	}
	return 0;
}

int
pci_host_from_fdt(const struct fdt *f, struct pci_host *h)
{
	struct match m = { .compat = PCI_COMPAT, .phandle = 0 };
	uint32_t pac, psc;
	int parent = -1, root, node, r;

	memset(h, 0, sizeof(*h));
	root = fdt_path(f, "/");
	if (root < 0)
		return fail(h, -ERR_INVAL, "device tree has no root node");
	node = find_node(f, root, 0, &m, &parent);
	if (node == -ERR_NOENT)
		return fail(h, -ERR_NOENT, "device tree has no \"%s\" node", PCI_COMPAT);
	if (node < 0)
		return fail(h, -ERR_INVAL, "device tree is corrupt (%s)", ts_strerror(node));
	if (prop_u32(f, parent, "#address-cells", 2, &pac) < 0 || !cell_count_ok(pac) ||
	    prop_u32(f, parent, "#size-cells", 1, &psc) < 0 || !cell_count_ok(psc))
		return fail(h, -ERR_INVAL, "parent of the PCI node: #address-cells/#size-cells not 1 or 2");
	if ((r = parse_reg(f, node, pac, psc, h)) < 0 ||
	    (r = parse_bus_range(f, node, h)) < 0 ||
	    (r = parse_ranges(f, node, pac, h)) < 0 ||
	    (r = parse_imap(f, node, h)) < 0)
		return r;
	return 0;
}
