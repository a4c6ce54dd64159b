/*
 * PCI enumeration and resource assignment over a config-space ops table:
 * scan the root bus, size the BARs, hand out addresses from the host
 * bridge's windows, route INTx through the interrupt-map, enable decoding;
 * the vendor/device -> driver table; a driver's arguments.  See <pci/pci.h>.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>
#include <tessera/errors.h>

/*
 * Which program serves which device.  First match wins.  virtio ids:
 * virtio 1.2 §4.1.2 (modern 0x1040 + device type; transitional 0x1000-0x103f,
 * where 0x1000 is net and 0x1001 block).  A transitional device also offers
 * the modern capabilities, so the modern drivers serve it.
 */
static const struct pci_driver_id pci_ids[] = {
	{ 0x1af4, 0x1041, 0x1041, "virtio-net", "virtio-net" },
	{ 0x1af4, 0x1042, 0x1042, "virtio-blk", "virtio-blk" },
	{ 0x1af4, 0x1050, 0x1050, "virtio-gpu", "virtio-gpu" },
	{ 0x1af4, 0x1052, 0x1052, "virtio-input", "virtio-input" },
	{ 0x1af4, 0x1000, 0x1000, "virtio-net", "virtio-net" },
	{ 0x1af4, 0x1001, 0x1001, "virtio-blk", "virtio-blk" },
	{ 0x1af4, 0x1000, 0x103f, "virtio-legacy", NULL },
	{ 0x1af4, 0x1040, 0x107f, "virtio", NULL },
	{ 0x1b36, 0x0008, 0x0008, "host-bridge", NULL },
};

const struct pci_driver_id *
pci_lookup_id(uint16_t vendor, uint16_t device)
{
	for (size_t i = 0; i < sizeof(pci_ids) / sizeof(pci_ids[0]); i++)
		if (pci_ids[i].vendor == vendor && device >= pci_ids[i].dev_lo &&
		    device <= pci_ids[i].dev_hi)
			return &pci_ids[i];
	return NULL;
}

static uint32_t
rd(const struct pci_bus *b, const struct pci_dev *d, unsigned off)
{
	return b->ops->read32(b->ops->ctx, d->bus, d->dev, d->fn, off);
}

static void
wr(const struct pci_bus *b, const struct pci_dev *d, unsigned off, uint32_t v)
{
	b->ops->write32(b->ops->ctx, d->bus, d->dev, d->fn, off, v);
}

/* Record function (bus, dev, fn) if it answers; returns 1 if it did, 0 if
 * absent, -ERR_NOMEM when the table is full. */
static int
scan_fn(struct pci_bus *b, unsigned bus, unsigned dev, unsigned fn)
{
	struct pci_dev probe = { .bus = (uint8_t)bus, .dev = (uint8_t)dev, .fn = (uint8_t)fn };
	uint32_t id = rd(b, &probe, PCI_VENDOR);

	if ((id & 0xffff) == 0xffff || (id & 0xffff) == 0)
		return 0;
	if (b->ndev == PCI_MAX_DEVS)
		return -ERR_NOMEM;
	struct pci_dev *d = &b->dev[b->ndev++];
	*d = probe;
	d->vendor = (uint16_t)id;
	d->device = (uint16_t)(id >> 16);
	d->class_rev = rd(b, d, PCI_CLASS_REV);
	d->hdr = (uint8_t)(rd(b, d, PCI_HEADER) >> 16);
	d->pin = (uint8_t)(rd(b, d, PCI_INTR) >> 8);
	d->id = pci_lookup_id(d->vendor, d->device);
	return 1;
}

int
pci_scan(struct pci_bus *b)
{
	unsigned bus = b->host->bus_start;

	b->ndev = 0;
	for (unsigned dev = 0; dev < 32; dev++) {
		for (unsigned fn = 0; fn < 8; fn++) {
			int r = scan_fn(b, bus, dev, fn);
			if (r < 0)
				return r;
			if (fn == 0 && (r == 0 || !(b->dev[b->ndev - 1].hdr & PCI_HDR_MULTI)))
				break;
		}
	}
	return (int)b->ndev;
}

/* Write all-ones to BAR register `off`, read the mask back, restore. */
static uint32_t
bar_mask(const struct pci_bus *b, const struct pci_dev *d, unsigned off, uint32_t *orig)
{
	*orig = rd(b, d, off);
	wr(b, d, off, 0xffffffffu);
	uint32_t v = rd(b, d, off);
	wr(b, d, off, *orig);
	return v;
}

int
pci_bar_probe(struct pci_bus *b, struct pci_dev *d)
{
	uint32_t cmd = rd(b, d, PCI_COMMAND) & 0xffff, orig, orig_hi;
	int r = 0;

	memset(d->bar, 0, sizeof(d->bar));
	if (PCI_HDR_TYPE(d->hdr) != 0)
		return 0;
	wr(b, d, PCI_COMMAND, cmd & ~(PCI_CMD_IO | PCI_CMD_MEM));
	for (unsigned i = 0; i < PCI_NBARS; i++) {
		struct pci_bar *bar = &d->bar[i];
		unsigned off = PCI_BAR0 + 4 * i;
		uint32_t v = bar_mask(b, d, off, &orig);
		uint64_t mask;

		if (v == 0)
			continue;
		if (v & 1) {
			bar->kind = PCI_BAR_IO;
			mask = v & ~3u;
			bar->pci = orig & ~3u;
		} else if (((v >> 1) & 3) == 2) {
			if (i == PCI_NBARS - 1) {
				r = -ERR_INVAL;	/* 64-bit BAR without an upper half */
				break;
			}
			uint32_t hi = bar_mask(b, d, off + 4, &orig_hi);
			bar->kind = PCI_BAR_MEM64;
			mask = (uint64_t)hi << 32 | (v & ~0xfu);
			bar->pci = (uint64_t)orig_hi << 32 | (orig & ~0xfu);
			i++;
		} else {
			bar->kind = PCI_BAR_MEM32;
			mask = v & ~0xfu;
			bar->pci = orig & ~0xfu;
		}
		bar->prefetch = (uint8_t)(bar->kind != PCI_BAR_IO && (v & 8));
		bar->size = mask & (~mask + 1);	/* lowest writable address bit */
		if (bar->size == 0)
			bar->kind = PCI_BAR_NONE;
	}
	wr(b, d, PCI_COMMAND, cmd);
	return r;
}

/* The window a BAR is placed in: the 64-bit window for 64-bit BARs when
 * there is one, else the 32-bit one; NULL if the host has none. */
static struct pci_window *
window_for(struct pci_host *h, const struct pci_bar *bar)
{
	struct pci_window *w = NULL;

	if (bar->kind == PCI_BAR_IO)
		w = &h->win[PCI_SPACE_IO];
	else if (bar->kind == PCI_BAR_MEM64 && h->win[PCI_SPACE_MEM64].size)
		w = &h->win[PCI_SPACE_MEM64];
	else
		w = &h->win[PCI_SPACE_MEM32];
	return w->size ? w : NULL;
}

static const char *
kind_name(unsigned kind)
{
	return kind == PCI_BAR_IO ? "I/O" : kind == PCI_BAR_MEM64 ? "64-bit memory" :
		"32-bit memory";
}

#define PCI_PAGE 4096u

/* Place one BAR in its window, naturally aligned; a memory BAR gets whole
 * pages (at least 4 KiB) so that a driver can be granted exactly its own
 * BARs.  Sets d->err on failure. */
static void
place_bar(struct pci_host *h, struct pci_dev *d, unsigned i)
{
	struct pci_bar *bar = &d->bar[i];
	struct pci_window *w = window_for(h, bar);

	if (!w) {
		snprintf(d->err, sizeof(d->err), "bar%u: no window for %s", i,
			 kind_name(bar->kind));
		return;
	}
	uint64_t span = bar->kind != PCI_BAR_IO && bar->size < PCI_PAGE ? PCI_PAGE : bar->size;
	uint64_t at = (w->next + span - 1) & ~(span - 1);
	if (at < w->next || at + span < at || at + span > w->pci + w->size) {
		snprintf(d->err, sizeof(d->err), "bar%u: 0x%llx bytes of %s do not fit", i,
			 (unsigned long long)bar->size, kind_name(bar->kind));
		return;
	}
	w->next = at + span;
	bar->pci = at;
	bar->cpu = w->cpu + (at - w->pci);
	bar->assigned = 1;
}

/* Every BAR of every healthy device, placed largest first: sizes are powers
 * of two, so each lands aligned right after the one before. */
static void
place_all(struct pci_bus *b)
{
	uint64_t placed_below = UINT64_MAX;

	for (unsigned s = PCI_SPACE_IO; s <= PCI_SPACE_MEM64; s++) {
		struct pci_window *w = &b->host->win[s];
		w->next = w->pci;
		if (s == PCI_SPACE_IO && w->next < PCI_IO_SKIP)
			w->next = PCI_IO_SKIP;
	}
	for (;;) {
		struct pci_dev *best = NULL;
		unsigned bi = 0;
		for (unsigned k = 0; k < b->ndev; k++) {
			struct pci_dev *d = &b->dev[k];
			for (unsigned i = 0; i < PCI_NBARS && !d->err[0]; i++) {
				struct pci_bar *bar = &d->bar[i];
				if (bar->kind == PCI_BAR_NONE || bar->assigned ||
				    bar->size > placed_below)
					continue;
				if (!best || bar->size > best->bar[bi].size) {
					best = d;
					bi = i;
				}
			}
		}
		if (!best)
			return;
		placed_below = best->bar[bi].size;
		place_bar(b->host, best, bi);
		if (!best->bar[bi].assigned)
			best->bar[bi].assigned = 2;	/* tried: do not pick again */
	}
}

uint32_t
pci_route_irq(const struct pci_host *h, unsigned bus, unsigned dev, unsigned fn,
	      unsigned pin)
{
	uint32_t key[4] = { bus << 16 | dev << 11 | fn << 8, 0, 0, pin };

	if (pin < 1 || pin > 4)
		return 0;
	for (unsigned i = 0; i < h->nimap; i++) {
		unsigned k;
		for (k = 0; k < 4; k++)
			if ((key[k] & h->imap_mask[k]) != (h->imap[i].child[k] & h->imap_mask[k]))
				break;
		if (k == 4)
			return h->imap[i].irq;
	}
	return 0;
}

/* Program the assigned BARs and the interrupt line, then turn on decoding
 * and bus mastering; re-read the command register to check. */
static void
enable_dev(struct pci_bus *b, struct pci_dev *d)
{
	uint32_t want = 0;

	for (unsigned i = 0; i < PCI_NBARS; i++) {
		struct pci_bar *bar = &d->bar[i];
		unsigned off = PCI_BAR0 + 4 * i;
		if (bar->kind == PCI_BAR_NONE)
			continue;
		wr(b, d, off, (uint32_t)bar->pci);
		if (bar->kind == PCI_BAR_MEM64)
			wr(b, d, off + 4, (uint32_t)(bar->pci >> 32));
		want |= bar->kind == PCI_BAR_IO ? PCI_CMD_IO : PCI_CMD_MEM | PCI_CMD_MASTER;
	}
	d->irq = pci_route_irq(b->host, d->bus, d->dev, d->fn, d->pin);
	if (d->pin) {
		uint32_t intr = rd(b, d, PCI_INTR);
		wr(b, d, PCI_INTR, (intr & ~0xffu) | (d->irq & 0xff));
	}
	if (!want)
		return;
	if (want & PCI_CMD_IO)
		want |= PCI_CMD_MASTER;
	uint32_t cmd = rd(b, d, PCI_COMMAND) & 0xffff;
	wr(b, d, PCI_COMMAND, cmd | want);
	d->command = (uint16_t)rd(b, d, PCI_COMMAND);
	if ((d->command & want) != want)
		snprintf(d->err, sizeof(d->err), "command register reads 0x%x, wanted bits 0x%x",
			 d->command, want);
}

int
pci_assign(struct pci_bus *b)
{
	int disabled = 0;

	for (unsigned k = 0; k < b->ndev; k++) {
		struct pci_dev *d = &b->dev[k];
		d->err[0] = 0;
		if (PCI_HDR_TYPE(d->hdr) != 0)
			snprintf(d->err, sizeof(d->err), "header type %u: buses behind bridges are "
				 "not scanned", PCI_HDR_TYPE(d->hdr));
		else if (pci_bar_probe(b, d) < 0)
			snprintf(d->err, sizeof(d->err), "bar5 is a 64-bit BAR");
	}
	place_all(b);
	for (unsigned k = 0; k < b->ndev; k++) {
		struct pci_dev *d = &b->dev[k];
		if (!d->err[0])
			enable_dev(b, d);
		if (!d->err[0])
			continue;
		disabled++;
		uint32_t cmd = rd(b, d, PCI_COMMAND) & 0xffff;
		wr(b, d, PCI_COMMAND, cmd & ~(PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER));
		d->command = (uint16_t)rd(b, d, PCI_COMMAND);
	}
	return disabled;
}

/* Append printf output at *len of buf (size n), clipped but counted. */
static void __attribute__((format(printf, 4, 5)))
put(char *buf, size_t n, size_t *len, const char *fmt, ...)
{
	size_t at = *len < n ? *len : n;
	va_list ap;

	va_start(ap, fmt);
	int r = vsnprintf(buf + at, n - at, fmt, ap);
	va_end(ap);
	if (r > 0)
		*len += (size_t)r;
}

int
pci_describe(const struct pci_dev *d, char *buf, size_t n)
{
	size_t len = 0;

	if (n == 0)
		return 0;
	buf[0] = 0;
	put(buf, n, &len, "pci %02x:%02x.%x %04x:%04x %s class %06lx", d->bus, d->dev, d->fn,
	    d->vendor, d->device, d->id ? d->id->what : "unknown",
	    (unsigned long)(d->class_rev >> 8));
	for (unsigned i = 0; i < PCI_NBARS; i++) {
		const struct pci_bar *bar = &d->bar[i];
		if (bar->kind != PCI_BAR_NONE && bar->assigned == 1)
			put(buf, n, &len, " bar%u=0x%llx/0x%llx%s", i,
			    (unsigned long long)bar->cpu, (unsigned long long)bar->size,
			    bar->kind == PCI_BAR_IO ? "/io" : "");
	}
	if (d->irq)
		put(buf, n, &len, " irq %lu", (unsigned long)d->irq);
	else
		put(buf, n, &len, " no irq");
	if (d->err[0])
		put(buf, n, &len, " disabled: %s", d->err);
	return (int)len;
}

/* Append one NUL-terminated word; -ERR_TOOBIG when it does not fit. */
static int __attribute__((format(printf, 4, 5)))
word(char *buf, size_t n, size_t *len, const char *fmt, ...)
{
	va_list ap;

	if (*len >= n)
		return -ERR_TOOBIG;
	va_start(ap, fmt);
	int r = vsnprintf(buf + *len, n - *len, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r + 1 > n - *len)
		return -ERR_TOOBIG;
	*len += (size_t)r + 1;
	return 0;
}

int
pci_driver_args(const struct pci_host *h, const struct pci_dev *d, char *buf, size_t n)
{
	size_t len = 0;
	uint64_t cfg = h->ecam_base + (uint64_t)(d->bus - h->bus_start) * PCI_ECAM_BUS +
		       (uint64_t)(d->dev * 8u + d->fn) * PCI_ECAM_FN;

	if (word(buf, n, &len, "pci=%02x:%02x.%x", d->bus, d->dev, d->fn) < 0 ||
	    word(buf, n, &len, "id=%04x:%04x", d->vendor, d->device) < 0 ||
	    word(buf, n, &len, "cfg=0x%llx", (unsigned long long)cfg) < 0)
		return -ERR_TOOBIG;
	for (unsigned i = 0; i < PCI_NBARS; i++) {
		const struct pci_bar *bar = &d->bar[i];
		if (bar->kind == PCI_BAR_NONE || bar->assigned != 1)
			continue;
		if (word(buf, n, &len, "bar%u=0x%llx/0x%llx%s", i, (unsigned long long)bar->cpu,
			 (unsigned long long)bar->size, bar->kind == PCI_BAR_IO ? "/io" : "") < 0)
			return -ERR_TOOBIG;
	}
	if (word(buf, n, &len, "irq=%lu", (unsigned long)d->irq) < 0)
		return -ERR_TOOBIG;
	return (int)len;
}

/* Hex or decimal number filling [s, end) exactly (strtoull rules). */
static int
number(const char *s, char end, uint64_t *out)
{
	char *e;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -ERR_INVAL;
	*out = strtoull(s, &e, 0);
	return *e == end ? 0 : -ERR_INVAL;
}

/* "barN=0xADDR/0xSIZE[/io]" */
static int
parse_bar(const char *w, struct pci_args *a)
{
	unsigned i = (unsigned)(w[3] - '0');
	uint64_t cpu, size;

	if (i >= PCI_NBARS || w[4] != '=' || number(w + 5, '/', &cpu) < 0)
		return -ERR_INVAL;
	const char *s = strchr(w + 5, '/') + 1;
	const char *io = strchr(s, '/');
	if (number(s, io ? '/' : 0, &size) < 0 || size == 0 || (size & (size - 1)) ||
	    (io && strcmp(io, "/io") != 0))
		return -ERR_INVAL;
	a->bar[i] = cpu;
	a->bar_size[i] = size;
	a->bar_io[i] = io != NULL;
	return 0;
}

/* "pci=BB:DD.F" */
static int
parse_bdf(const char *s, struct pci_args *a)
{
	uint64_t bus, dev, fn;
	char *e;

	bus = strtoull(s, &e, 16);
	if (e != s + 2 || *e != ':')
		return -ERR_INVAL;
	dev = strtoull(e + 1, &e, 16);
	if (e != s + 5 || *e != '.')
		return -ERR_INVAL;
	fn = strtoull(e + 1, &e, 16);
	if (e != s + 7 || *e || bus > 255 || dev > 31 || fn > 7)
		return -ERR_INVAL;
	a->bus = (unsigned)bus;
	a->dev = (unsigned)dev;
	a->fn = (unsigned)fn;
	return 0;
}

static int
parse_word(const char *w, struct pci_args *a, int *seen)
{
	uint64_t v, v2;

	if (strncmp(w, "pci=", 4) == 0) {
		*seen |= 1;
		return parse_bdf(w + 4, a);
	}
	if (strncmp(w, "cfg=", 4) == 0) {
		*seen |= 2;
		if (number(w + 4, 0, &v) < 0 || v % PCI_ECAM_FN)
			return -ERR_INVAL;
		a->cfg = v;
		return 0;
	}
	if (strncmp(w, "id=", 3) == 0) {
		char *e;
		v = strtoull(w + 3, &e, 16);
		if (e != w + 7 || *e != ':')
			return -ERR_INVAL;
		v2 = strtoull(e + 1, &e, 16);
		if (e != w + 12 || *e)
			return -ERR_INVAL;
		a->vendor = (uint16_t)v;
		a->device = (uint16_t)v2;
		return 0;
	}
	if (strncmp(w, "irq=", 4) == 0) {
		if (number(w + 4, 0, &v) < 0 || v > 1023)
			return -ERR_INVAL;
		a->irq = (uint32_t)v;
		return 0;
	}
	if (strncmp(w, "bar", 3) == 0 && w[3] && w[4] == '=')
		return parse_bar(w, a);
	return 0;
}

int
pci_args_parse(int argc, char *const *argv, struct pci_args *a)
{
	int seen = 0;

	memset(a, 0, sizeof(*a));
	for (int i = 0; i < argc; i++)
		if (argv[i] && parse_word(argv[i], a, &seen) < 0)
			return -ERR_INVAL;
	return seen == 3 ? 0 : -ERR_INVAL;
}
