/*
 * Flattened device tree reader (Devicetree Specification v0.4, chapter 5:
 * header, memory reservation block, structure block, strings block).
 *
 * Node offsets are offsets of FDT_BEGIN_NODE tokens from the start of the
 * structure block.  fdt_init() walks the whole structure block once and
 * refuses it unless every token is well formed, nesting is balanced and at
 * most FDT_MAX_DEPTH deep, and the block ends in FDT_END.  The other
 * functions still bounds-check every token they read (tok_read), so a bad
 * offset from a caller can give a wrong answer but never a read outside the
 * blob.  Every loop over tokens advances by at least 4 bytes and stops at
 * the end of the structure block.
 *
 * Addresses are not translated through "ranges": on the machines we run on
 * (QEMU virt) every bus maps 1:1.
 *
 * No libc: this file is built into the freestanding kernel and for the host.
 */
#include <kernel/fdt.h>
#include <tessera/errors.h>

#define FDT_MAGIC	0xd00dfeedu
#define FDT_BEGIN_NODE	0x1u
#define FDT_END_NODE	0x2u
#define FDT_PROP	0x3u
#define FDT_NOP		0x4u
#define FDT_END		0x9u

#define FDT_HDR_SIZE	40u		/* version 17 header */
#define FDT_RSV_ENTRY	16u		/* two big-endian u64 */
#define FDT_MAX_BLOB	0x7ffffff0u	/* node offsets are ints */
#define FDT_MAX_DEPTH	64

/* Big-endian reads, byte by byte: the blob may be unaligned. */
static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t
rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) << 32 | rd32(p + 4);
}

/* Length of the string at s, looking at most max bytes; max if no NUL. */
static uint32_t
str_nlen(const uint8_t *s, uint32_t max)
{
	uint32_t n = 0;

	while (n < max && s[n] != 0)
		n++;
	return n;
}

/* Non-zero if the NUL-terminated strings a and b are equal. */
static int
str_eq(const char *a, const char *b)
{
	while (*a != 0 && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* Non-zero if node name `name` matches path component comp[0..clen):
 * equal, or equal up to an '@' when the component has no unit address. */
static int
name_match(const char *name, const char *comp, uint32_t clen)
{
	uint32_t i;
	int has_at = 0;

	for (i = 0; i < clen; i++) {
		if (name[i] != comp[i])
			return 0;
		if (comp[i] == '@')
			has_at = 1;
	}
	return name[clen] == 0 || (name[clen] == '@' && !has_at);
}

/* One token of the structure block, decoded and bounds-checked. */
struct tok {
	uint32_t type;
	uint32_t next;		/* offset of the following token */
	const char *name;	/* BEGIN_NODE: node name; PROP: property name */
	const uint8_t *val;	/* PROP: value */
	uint32_t len;		/* PROP: value length */
};

/* Decode the token at structure offset `off` into *t.  Returns 0, or
 * -ERR_INVAL if the token is unknown, misaligned or any part of it (name,
 * value, property name in the strings block) lies outside its block. */
static int
tok_read(const struct fdt *f, uint32_t off, struct tok *t)
{
	const uint8_t *s = f->blob + f->off_struct;
	uint32_t end = f->size_struct;
	uint32_t n, nameoff, next;

	if (off % 4 != 0 || off > end || end - off < 4)
		return -ERR_INVAL;
	t->type = rd32(s + off);
	t->name = NULL;
	t->val = NULL;
	t->len = 0;
	switch (t->type) {
	case FDT_BEGIN_NODE:
		n = str_nlen(s + off + 4, end - off - 4);
		if (n == end - off - 4)
			return -ERR_INVAL;
		t->name = (const char *)(s + off + 4);
		next = off + 4 + n + 1;
		break;
	case FDT_PROP:
		if (end - off < 12)
			return -ERR_INVAL;
		t->len = rd32(s + off + 4);
		nameoff = rd32(s + off + 8);
		if (t->len > end - off - 12 || nameoff >= f->size_strings)
			return -ERR_INVAL;
		n = str_nlen(f->blob + f->off_strings + nameoff,
			     f->size_strings - nameoff);
		if (n == f->size_strings - nameoff)
			return -ERR_INVAL;
		t->name = (const char *)(f->blob + f->off_strings + nameoff);
		t->val = s + off + 12;
		next = off + 12 + t->len;
		break;
	case FDT_END_NODE:
	case FDT_NOP:
	case FDT_END:
		next = off + 4;
		break;
	default:
		return -ERR_INVAL;
	}
	next = (next + 3) & ~3u;
	if (next > end)
		return -ERR_INVAL;
	t->next = next;
	return 0;
}

/* Decode the BEGIN_NODE token at `node` into *t: 0 or -ERR_INVAL. */
static int
node_read(const struct fdt *f, int node, struct tok *t)
{
	if (f == NULL || f->blob == NULL || node < 0)
		return -ERR_INVAL;
	if (tok_read(f, (uint32_t)node, t) < 0 || t->type != FDT_BEGIN_NODE)
		return -ERR_INVAL;
	return 0;
}

/* Walk the whole structure block: tokens valid, nodes balanced and at most
 * FDT_MAX_DEPTH deep, exactly one root, FDT_END last.  0 or -ERR_INVAL. */
static int
struct_check(const struct fdt *f)
{
	struct tok t;
	uint32_t off = 0;
	int depth = 0, roots = 0;

	for (;;) {
		if (tok_read(f, off, &t) < 0)
			return -ERR_INVAL;
		switch (t.type) {
		case FDT_BEGIN_NODE:
			if (depth == 0 && roots++ > 0)
				return -ERR_INVAL;
			if (++depth > FDT_MAX_DEPTH)
				return -ERR_INVAL;
			break;
		case FDT_END_NODE:
			if (depth-- == 0)
				return -ERR_INVAL;
			break;
		case FDT_PROP:
			if (depth == 0)
				return -ERR_INVAL;
			break;
		case FDT_END:
			return depth == 0 && roots == 1 ? 0 : -ERR_INVAL;
		}
		off = t.next;
	}
}

/* fdt_init: see <kernel/fdt.h>.  Leaves *f untouched on failure. */
int
fdt_init(struct fdt *f, const void *blob, size_t maxsize)
{
	const uint8_t *b = blob;
	struct fdt n;
	uint32_t version, last_comp;

	if (f == NULL || b == NULL || maxsize < FDT_HDR_SIZE)
		return -ERR_INVAL;
	if (rd32(b) != FDT_MAGIC)
		return -ERR_INVAL;
	n.blob = b;
	n.size = rd32(b + 4);
	n.off_struct = rd32(b + 8);
	n.off_strings = rd32(b + 12);
	n.off_rsvmap = rd32(b + 16);
	version = rd32(b + 20);
	last_comp = rd32(b + 24);
	n.size_strings = rd32(b + 32);
	n.size_struct = rd32(b + 36);
	if (version < 16 || last_comp > 17)
		return -ERR_INVAL;
	if (n.size < FDT_HDR_SIZE || n.size > maxsize || n.size > FDT_MAX_BLOB)
		return -ERR_INVAL;
	if (n.off_struct > n.size || n.off_strings > n.size ||
	    n.off_rsvmap > n.size)
		return -ERR_INVAL;
	if (version < 17)	/* no size_dt_struct field yet */
		n.size_struct = n.size - n.off_struct;
	if (n.size_struct > n.size - n.off_struct ||
	    n.size_strings > n.size - n.off_strings ||
	    n.size - n.off_rsvmap < FDT_RSV_ENTRY)
		return -ERR_INVAL;
	if (n.off_struct % 4 != 0 || struct_check(&n) < 0)
		return -ERR_INVAL;
	*f = n;
	return 0;
}

/* Offset of the root node: the first token that is not a NOP.  Returns the
 * offset or -ERR_INVAL. */
static int
root_node(const struct fdt *f)
{
	struct tok t;
	uint32_t off = 0;

	for (;;) {
		if (tok_read(f, off, &t) < 0)
			return -ERR_INVAL;
		if (t.type == FDT_BEGIN_NODE)
			return (int)off;
		if (t.type != FDT_NOP)
			return -ERR_INVAL;
		off = t.next;
	}
}

/* Offset just past the FDT_END_NODE that closes `node`, or -ERR_INVAL. */
static int
subtree_end(const struct fdt *f, int node)
{
	struct tok t;
	uint32_t off = (uint32_t)node;
	int depth = 0;

	for (;;) {
		if (tok_read(f, off, &t) < 0)
			return -ERR_INVAL;
		if (t.type == FDT_BEGIN_NODE) {
			if (++depth > FDT_MAX_DEPTH)
				return -ERR_INVAL;
		} else if (t.type == FDT_END_NODE) {
			if (--depth == 0)
				return (int)t.next;
		} else if (t.type == FDT_END) {
			return -ERR_INVAL;
		}
		off = t.next;
	}
}

/* fdt_child: see <kernel/fdt.h>.  `prev` must be a child of `parent`
 * returned by an earlier call (not checked; a wrong one gives a wrong
 * answer, never a bad read). */
int
fdt_child(const struct fdt *f, int parent, int prev)
{
	struct tok t;
	uint32_t off;
	int r;

	if (node_read(f, parent, &t) < 0 || prev < -1)
		return -ERR_INVAL;
	if (prev == -1) {
		off = t.next;
	} else {
		if (node_read(f, prev, &t) < 0)
			return -ERR_INVAL;
		r = subtree_end(f, prev);
		if (r < 0)
			return r;
		off = (uint32_t)r;
	}
	for (;;) {
		if (tok_read(f, off, &t) < 0)
			return -ERR_INVAL;
		if (t.type == FDT_BEGIN_NODE)
			return (int)off;
		if (t.type == FDT_END_NODE)
			return -ERR_NOENT;
		if (t.type == FDT_END)
			return -ERR_INVAL;
		off = t.next;
	}
}

/* fdt_path: see <kernel/fdt.h>.  Empty components ("//") are skipped;
 * -ERR_INVAL for a relative path, -ERR_NOENT if a component is missing. */
int
fdt_path(const struct fdt *f, const char *path)
{
	const char *name;
	uint32_t clen;
	int node, c;

	if (f == NULL || f->blob == NULL || path == NULL || path[0] != '/')
		return -ERR_INVAL;
	node = root_node(f);
	while (node >= 0) {
		while (*path == '/')
			path++;
		if (*path == 0)
			return node;
		for (clen = 0; path[clen] != 0 && path[clen] != '/'; clen++)
			;
		for (c = fdt_child(f, node, -1); c >= 0;
		     c = fdt_child(f, node, c)) {
			name = fdt_name(f, c);
			if (name == NULL)
				return -ERR_INVAL;
			if (name_match(name, path, clen))
				break;
		}
		node = c;
		path += clen;
	}
	return node;
}

/* fdt_name: see <kernel/fdt.h>.  The root's name is "". */
const char *
fdt_name(const struct fdt *f, int node)
{
	struct tok t;

	if (node_read(f, node, &t) < 0)
		return NULL;
	return t.name;
}

/* fdt_prop: see <kernel/fdt.h>.  An empty property gives a non-NULL
 * pointer and *len 0.  *len (if len is not NULL) is 0 when NULL is
 * returned. */
const void *
fdt_prop(const struct fdt *f, int node, const char *name, uint32_t *len)
{
	struct tok t;
	uint32_t off;

	if (len != NULL)
		*len = 0;
	if (name == NULL || node_read(f, node, &t) < 0)
		return NULL;
	for (off = t.next;; off = t.next) {
		if (tok_read(f, off, &t) < 0)
			return NULL;
		if (t.type == FDT_NOP)
			continue;
		if (t.type != FDT_PROP)
			return NULL;
		if (str_eq(t.name, name)) {
			if (len != NULL)
				*len = t.len;
			return t.val;
		}
	}
}

/* fdt_cell: see <kernel/fdt.h>. */
uint32_t
fdt_cell(const void *prop, uint32_t len, uint32_t i)
{
	if (prop == NULL || (uint64_t)i * 4 + 4 > len)
		return 0;
	return rd32((const uint8_t *)prop + (uint64_t)i * 4);
}

/*
 * fdt_platform and its helpers.
 */

/* #address-cells / #size-cells a node gives its children. */
struct cells {
	uint32_t ac, sc;
};

/* What a node on the walk's stack is, for its children's sake. */
enum { K_OTHER, K_CPUS, K_RESMEM, K_OFF };

struct frame {
	struct cells cells;
	int kind;
};

/* Devices found so far (the first enabled match of each wins). */
struct found {
	int uart, plic, test, pci, rtc;
};

/* A property holding one or two cells, by its length: 0 and *v set, or
 * -ERR_NOENT if absent, -ERR_INVAL for another length. */
static int
prop_u64(const struct fdt *f, int node, const char *name, uint64_t *v)
{
	const uint8_t *p;
	uint32_t len;

	p = fdt_prop(f, node, name, &len);
	if (p == NULL)
		return -ERR_NOENT;
	if (len == 4)
		*v = rd32(p);
	else if (len == 8)
		*v = rd64(p);
	else
		return -ERR_INVAL;
	return 0;
}

/* Non-zero if the string property `name` of `node` equals `want`. */
static int
prop_is(const struct fdt *f, int node, const char *name, const char *want)
{
	const uint8_t *p;
	uint32_t len, n;

	p = fdt_prop(f, node, name, &len);
	if (p == NULL)
		return 0;
	n = str_nlen(p, len);
	return n < len && str_eq((const char *)p, want);
}

/* Non-zero if any entry of the node's "compatible" string list is `want`. */
static int
compatible(const struct fdt *f, int node, const char *want)
{
	const uint8_t *p;
	uint32_t len, off, n;

	p = fdt_prop(f, node, "compatible", &len);
	if (p == NULL)
		return 0;
	for (off = 0; off < len; off += n + 1) {
		n = str_nlen(p + off, len - off);
		if (n == len - off)
			return 0;	/* unterminated last entry */
		if (str_eq((const char *)(p + off), want))
			return 1;
	}
	return 0;
}

/* The node's cells for its children (defaults 2 and 1, DT spec 2.3.5). */
static int
node_cells(const struct fdt *f, int node, struct cells *c)
{
	const void *p;
	uint32_t len;

	c->ac = 2;
	c->sc = 1;
	p = fdt_prop(f, node, "#address-cells", &len);
	if (p != NULL) {
		if (len != 4)
			return -ERR_INVAL;
		c->ac = fdt_cell(p, len, 0);
	}
	p = fdt_prop(f, node, "#size-cells", &len);
	if (p != NULL) {
		if (len != 4)
			return -ERR_INVAL;
		c->sc = fdt_cell(p, len, 0);
	}
	return 0;
}

/* Entry `i` of the node's "reg", read with its parent's cells.  Returns 0,
 * -ERR_NOENT past the last entry or without reg, -ERR_INVAL for cells we
 * cannot hold in 64 bits, a ragged property or a range that wraps. */
static int
reg_get(const struct fdt *f, int node, const struct cells *pc, uint32_t i,
	struct fdt_range *r)
{
	const uint8_t *p;
	uint32_t len, tuple;

	if (pc->ac < 1 || pc->ac > 2 || pc->sc > 2)
		return -ERR_INVAL;
	p = fdt_prop(f, node, "reg", &len);
	if (p == NULL)
		return -ERR_NOENT;
	tuple = (pc->ac + pc->sc) * 4;
	if (len % tuple != 0)
		return -ERR_INVAL;
	if (i >= len / tuple)
		return -ERR_NOENT;
	p += i * tuple;
	r->base = pc->ac == 2 ? rd64(p) : rd32(p);
	p += pc->ac * 4;
	r->size = pc->sc == 2 ? rd64(p) : pc->sc == 1 ? rd32(p) : 0;
	if (r->size != 0 && r->base + (r->size - 1) < r->base)
		return -ERR_INVAL;
	return 0;
}

/* Append every non-empty range of the node's reg to list[*n] (capacity
 * max).  Ranges beyond max are dropped if `may_drop` (RAM: we use less of
 * it), else -ERR_RANGE (reserved memory must never be handed out).
 * A node without reg is -ERR_INVAL when `need`. */
static int
reg_all(const struct fdt *f, int node, const struct cells *pc, int need,
	struct fdt_range *list, unsigned *n, unsigned max, int may_drop)
{
	struct fdt_range r;
	uint32_t i;
	int e;

	for (i = 0;; i++) {
		e = reg_get(f, node, pc, i, &r);
		if (e == -ERR_NOENT)
			return i == 0 && need ? -ERR_INVAL : 0;
		if (e < 0)
			return e;
		if (r.size == 0)
			continue;
		if (*n == max) {
			if (may_drop)
				return 0;
			return -ERR_RANGE;
		}
		list[(*n)++] = r;
	}
}

/* First reg range of a device: base and size, or -ERR_INVAL. */
static int
dev_reg(const struct fdt *f, int node, const struct cells *pc,
	uint64_t *base, uint64_t *size)
{
	struct fdt_range r;

	if (reg_get(f, node, pc, 0, &r) < 0)
		return -ERR_INVAL;
	*base = r.base;
	*size = r.size;
	return 0;
}

/* Copy the memory reservation block into p->rsv.  0, -ERR_INVAL if it runs
 * off the blob or wraps, -ERR_RANGE if there are too many entries. */
static int
rsvmap_read(const struct fdt *f, struct platform *p)
{
	uint32_t off = f->off_rsvmap;
	uint64_t base, size;

	for (;;) {
		if (off > f->size || f->size - off < FDT_RSV_ENTRY)
			return -ERR_INVAL;
		base = rd64(f->blob + off);
		size = rd64(f->blob + off + 8);
		if (base == 0 && size == 0)
			return 0;
		off += FDT_RSV_ENTRY;
		if (size == 0)
			continue;
		if (base + (size - 1) < base)
			return -ERR_INVAL;
		if (p->nrsv == FDT_MAX_RSV)
			return -ERR_RANGE;
		p->rsv[p->nrsv].base = base;
		p->rsv[p->nrsv].size = size;
		p->nrsv++;
	}
}

/* /chosen: bootargs and the initrd range (both ends or neither). */
static int
chosen_read(const struct fdt *f, int node, struct platform *p)
{
	const uint8_t *s;
	uint32_t len, n;
	int a, b;

	s = fdt_prop(f, node, "bootargs", &len);
	if (s != NULL) {
		n = str_nlen(s, len);
		if (n == len)
			return -ERR_INVAL;
		if (n >= FDT_BOOTARGS_MAX)
			return -ERR_TOOBIG;
		for (len = 0; len <= n; len++)
			p->bootargs[len] = (char)s[len];
	}
	a = prop_u64(f, node, "linux,initrd-start", &p->initrd_start);
	b = prop_u64(f, node, "linux,initrd-end", &p->initrd_end);
	if (a == -ERR_NOENT && b == -ERR_NOENT)
		return 0;
	if (a < 0 || b < 0 || p->initrd_end < p->initrd_start)
		return -ERR_INVAL;
	return 0;
}

/* A child of /cpus: record its hart id if it is an enabled cpu (device_type
 * "cpu", or named cpu@N as the spec now prefers).  Harts past
 * FDT_MAX_HARTS are not used. */
static int
cpu_read(const struct fdt *f, int node, const struct cells *pc,
	 struct platform *p)
{
	const char *name = fdt_name(f, node);
	struct fdt_range r;

	if (name == NULL)
		return -ERR_INVAL;
	if (!prop_is(f, node, "device_type", "cpu") &&
	    !name_match(name, "cpu", 3))
		return 0;
	if (reg_get(f, node, pc, 0, &r) < 0 || r.base > 0xffffffffu)
		return -ERR_INVAL;
	if (p->timebase_hz == 0 &&
	    prop_u64(f, node, "timebase-frequency", &p->timebase_hz) ==
		    -ERR_INVAL)
		return -ERR_INVAL;
	if (p->nharts < FDT_MAX_HARTS)
		p->hartid[p->nharts++] = (uint32_t)r.base;
	return 0;
}

/* A device anywhere in the tree: the first enabled UART, PLIC, test
 * finisher, PCI ECAM host and goldfish RTC each fill their fields. */
static int
dev_read(const struct fdt *f, int node, const struct cells *pc,
	 struct platform *p, struct found *fd)
{
	uint32_t len;
	const void *v;

	if (!fd->uart && (compatible(f, node, "ns16550a") ||
			  compatible(f, node, "ns16550"))) {
		fd->uart = 1;
		v = fdt_prop(f, node, "interrupts", &len);
		p->uart_irq = fdt_cell(v, len, 0);
		return dev_reg(f, node, pc, &p->uart_base, &p->uart_size);
	}
	if (!fd->plic && (compatible(f, node, "riscv,plic0") ||
			  compatible(f, node, "sifive,plic-1.0.0"))) {
		fd->plic = 1;
		v = fdt_prop(f, node, "riscv,ndev", &len);
		p->plic_ndev = fdt_cell(v, len, 0);
		return dev_reg(f, node, pc, &p->plic_base, &p->plic_size);
	}
	if (!fd->test && compatible(f, node, "sifive,test0")) {
		fd->test = 1;
		return dev_reg(f, node, pc, &p->test_base, &p->test_size);
	}
	if (!fd->rtc && compatible(f, node, "google,goldfish-rtc")) {
		fd->rtc = 1;
		return dev_reg(f, node, pc, &p->rtc_base, &p->rtc_size);
	}
	if (!fd->pci && compatible(f, node, "pci-host-ecam-generic")) {
		fd->pci = 1;
		return dev_reg(f, node, pc, &p->pci_ecam_base,
			       &p->pci_ecam_size);
	}
	return 0;
}

/* Look at one node at `depth` (>= 1) whose parent is `up`; set *kind for
 * its children. */
static int
node_visit(const struct fdt *f, int node, int depth, const struct frame *up,
	   int *kind, struct platform *p, struct found *fd)
{
	const char *name = fdt_name(f, node);
	const struct cells *pc = &up->cells;

	*kind = K_OTHER;
	if (name == NULL)
		return -ERR_INVAL;
	if (up->kind == K_OFF || (fdt_prop(f, node, "status", NULL) != NULL &&
				  !prop_is(f, node, "status", "okay") &&
				  !prop_is(f, node, "status", "ok"))) {
		*kind = K_OFF;
		return 0;
	}
	if (depth == 1) {
		if (name_match(name, "memory", 6) ||
		    prop_is(f, node, "device_type", "memory"))
			return reg_all(f, node, pc, 1, p->mem, &p->nmem,
				       FDT_MAX_MEM, 1);
		if (name_match(name, "cpus", 4)) {
			*kind = K_CPUS;
			if (prop_u64(f, node, "timebase-frequency",
				     &p->timebase_hz) == -ERR_INVAL)
				return -ERR_INVAL;
			return 0;
		}
		if (name_match(name, "chosen", 6))
			return chosen_read(f, node, p);
		if (name_match(name, "reserved-memory", 15)) {
			*kind = K_RESMEM;
			return 0;
		}
	}
	if (up->kind == K_CPUS)
		return cpu_read(f, node, pc, p);
	if (up->kind == K_RESMEM)	/* no reg: allocated by size, skip */
		return reg_all(f, node, pc, 0, p->rsv, &p->nrsv,
			       FDT_MAX_RSV, 0);
	return dev_read(f, node, pc, p, fd);
}

/* Zero n bytes at d. */
static void
zero(void *d, size_t n)
{
	uint8_t *b = d;

	while (n-- > 0)
		*b++ = 0;
}

/* fdt_platform: see <kernel/fdt.h>.  *p is undefined on failure.
 * -ERR_NOENT without RAM or an enabled hart, -ERR_RANGE with too many
 * reserved ranges, -ERR_TOOBIG for long bootargs, -ERR_INVAL otherwise. */
int
fdt_platform(const struct fdt *f, struct platform *p)
{
	struct frame st[FDT_MAX_DEPTH];
	struct found fd = { 0, 0, 0, 0, 0 };
	struct tok t;
	uint32_t off = 0;
	int depth = 0, cpus = 0, e;

	if (f == NULL || f->blob == NULL || p == NULL)
		return -ERR_INVAL;
	zero(p, sizeof(*p));
	e = rsvmap_read(f, p);
	if (e < 0)
		return e;
	for (;;) {
		if (tok_read(f, off, &t) < 0)
			return -ERR_INVAL;
		if (t.type == FDT_END)
			break;
		if (t.type == FDT_END_NODE && depth-- == 0)
			return -ERR_INVAL;
		if (t.type == FDT_BEGIN_NODE) {
			if (depth == FDT_MAX_DEPTH)
				return -ERR_INVAL;
			if (node_cells(f, (int)off, &st[depth].cells) < 0)
				return -ERR_INVAL;
			st[depth].kind = K_OTHER;
			if (depth > 0) {
				e = node_visit(f, (int)off, depth,
					       &st[depth - 1], &st[depth].kind,
					       p, &fd);
				if (e < 0)
					return e;
				if (st[depth].kind == K_CPUS)
					cpus = 1;
			}
			depth++;
		}
		off = t.next;
	}
	if (p->nmem == 0 || !cpus || p->nharts == 0)
		return -ERR_NOENT;
	return 0;
}
