/*
 * PCI library: the host bridge from the device tree, enumeration of the
 * ECAM bus, BAR sizing and assignment, INTx routing through the
 * interrupt-map, the vendor/device -> driver table, and the arguments a
 * driver receives.  Pure C over a config-space ops table, so it also runs on
 * the host over a fake config space (tests/host/test_pci.c).
 *
 * How to use (the pci server, drivers/pci/pci_server.c):
 *   struct pci_host h;
 *   pci_host_from_fdt(&f, &h)          -> error text in h.err on failure
 *   map h.ecam_base (1 MiB per bus) and fill a struct pci_cfg_ops
 *   struct pci_bus b = { .host = &h, .ops = &ops };
 *   pci_scan(&b)                       vendor/device/class/header of every
 *                                      function of the root bus
 *   pci_assign(&b)                     size BARs, assign them from the
 *                                      windows, route INTx, enable decoding
 *                                      and bus mastering
 *   pci_describe(&b.dev[i], buf, n)    one line per device
 *   pci_driver_args(&b.dev[i], ...)    the driver's spawn arguments
 *
 * A driver: pci_args_parse(argc, argv, &a) gives back its config page, BARs
 * (CPU physical addresses) and IRQ.
 *
 * Config space: PCI Local Bus 3.0 §6.1 (header), §6.2.5 (BARs); ECAM:
 * PCIe Base 4.0 §7.2.2.  Interrupt mapping: IEEE 1275 PCI binding and the
 * devicetree spec's interrupt-map (§2.4.3).
 */
#ifndef PCI_PCI_H
#define PCI_PCI_H

#include <stddef.h>
#include <stdint.h>
#include <kernel/fdt.h>

#define PCI_MAX_DEVS	 64	/* functions recorded per bus */
#define PCI_NBARS	 6
#define PCI_IMAP_MAX	 64	/* interrupt-map entries */
#define PCI_ERR_MAX	 120	/* bytes of an error message */
#define PCI_ECAM_BUS	 (1ul << 20)	/* ECAM bytes per bus */
#define PCI_ECAM_FN	 (1ul << 12)	/* ECAM bytes per function */
#define PCI_IO_SKIP	 0x1000u	/* I/O addresses below this stay unused */

/* Config-space registers (type 0 header). */
#define PCI_VENDOR	 0x00
#define PCI_COMMAND	 0x04	/* 16 bits; status above */
#define PCI_CLASS_REV	 0x08
#define PCI_HEADER	 0x0c	/* header type in bits 16-23 */
#define PCI_BAR0	 0x10
#define PCI_INTR	 0x3c	/* line bits 0-7, pin bits 8-15 */
#define PCI_CMD_IO	 0x1u
#define PCI_CMD_MEM	 0x2u
#define PCI_CMD_MASTER	 0x4u
#define PCI_HDR_MULTI	 0x80u
#define PCI_HDR_TYPE(h)	 ((h) & 0x7fu)

/* Device-tree "ranges" space codes (phys.hi bits 24-25). */
enum pci_space {
	PCI_SPACE_CFG = 0,
	PCI_SPACE_IO = 1,
	PCI_SPACE_MEM32 = 2,
	PCI_SPACE_MEM64 = 3,
};

/* One address window of the host bridge: PCI addresses [pci, pci+size)
 * appear at CPU physical [cpu, cpu+size).  size 0 = absent.  `next` is the
 * next free PCI address while assigning. */
struct pci_window {
	uint64_t pci, cpu, size;
	uint64_t next;
};

struct pci_imap {
	uint32_t child[4];	/* phys.hi, phys.mid, phys.lo, pin */
	uint32_t irq;		/* PLIC interrupt */
};

/* The host bridge as the device tree describes it. */
struct pci_host {
	uint64_t ecam_base, ecam_size;
	uint32_t bus_start, bus_end;	/* bus-range, clipped to the ECAM size */
	struct pci_window win[4];	/* indexed by enum pci_space (CFG unused) */
	uint32_t imap_mask[4];
	struct pci_imap imap[PCI_IMAP_MAX];
	unsigned nimap;
	char err[PCI_ERR_MAX];		/* why pci_host_from_fdt failed */
};

enum pci_bar_kind { PCI_BAR_NONE, PCI_BAR_IO, PCI_BAR_MEM32, PCI_BAR_MEM64 };

struct pci_bar {
	uint8_t kind;		/* enum pci_bar_kind; MEM64 takes two slots */
	uint8_t prefetch;
	uint8_t assigned;
	uint64_t size;		/* 0 = not implemented */
	uint64_t pci;		/* bus address written to the BAR */
	uint64_t cpu;		/* where the CPU reaches it */
};

struct pci_driver_id;

struct pci_dev {
	uint8_t bus, dev, fn;
	uint8_t hdr;		/* header type byte (multi-function bit included) */
	uint16_t vendor, device;
	uint32_t class_rev;	/* class << 8 | revision */
	uint8_t pin;		/* 1..4 = INTA..INTD, 0 = none */
	uint32_t irq;		/* PLIC interrupt from the interrupt-map, 0 = none */
	uint16_t command;	/* command register after pci_assign */
	struct pci_bar bar[PCI_NBARS];
	const struct pci_driver_id *id;	/* table entry, NULL = unknown */
	char err[PCI_ERR_MAX];	/* why this device was left disabled, "" if fine */
};

/* Config-space access: `off` is a 4-byte aligned register offset. */
struct pci_cfg_ops {
	uint32_t (*read32)(void *ctx, unsigned bus, unsigned dev, unsigned fn, unsigned off);
	void (*write32)(void *ctx, unsigned bus, unsigned dev, unsigned fn, unsigned off,
			uint32_t val);
	void *ctx;
};

struct pci_bus {
	struct pci_host *host;
	const struct pci_cfg_ops *ops;
	struct pci_dev dev[PCI_MAX_DEVS];
	unsigned ndev;
};

/* The vendor/device -> driver table (pci_ids.c style, in pci.c). */
struct pci_driver_id {
	uint16_t vendor, dev_lo, dev_hi;	/* device ids dev_lo..dev_hi */
	const char *what;			/* printed name */
	const char *driver;			/* program that serves it, or NULL */
};

/* Fill `h` from the first node compatible with "pci-host-ecam-generic".
 * Returns 0, -ERR_NOENT (no such node) or -ERR_INVAL (a bad property); the
 * reason is in h->err.  Reads only inside the blob; never fails silently. */
int pci_host_from_fdt(const struct fdt *f, struct pci_host *h);

/* Read vendor, device, class and header type of every function of the root
 * bus (h->bus_start) into b->dev; b->ndev is the count.  Returns the count or
 * -ERR_NOMEM when more than PCI_MAX_DEVS functions answer. */
int pci_scan(struct pci_bus *b);

/* Size the BARs of type-0 function d (I/O and memory decoding off while
 * sizing; the command register and BAR values are restored): fills
 * d->bar[].kind, size, prefetch, and pci = the address the BAR holds now.
 * Returns 0, or -ERR_INVAL for a 64-bit BAR in the last slot. */
int pci_bar_probe(struct pci_bus *b, struct pci_dev *d);

/* Size every BAR of every scanned type-0 function (decoding off while
 * sizing), assign addresses from the host's windows (largest first,
 * naturally aligned), look up the INTx route, then enable I/O and memory
 * decoding for the kinds of BARs the device has, and bus mastering.  A
 * device whose BAR fits no window keeps decoding off and gets d->err.
 * Returns the number of devices left disabled (0 = all assigned). */
int pci_assign(struct pci_bus *b);

/* The INTx interrupt of function (bus, dev, fn) on `pin` (1..4) through the
 * host's interrupt-map, or 0 when no entry matches. */
uint32_t pci_route_irq(const struct pci_host *h, unsigned bus, unsigned dev,
		       unsigned fn, unsigned pin);

/* Table entry for vendor:device, or NULL. */
const struct pci_driver_id *pci_lookup_id(uint16_t vendor, uint16_t device);

/* "pci 00:02.0 1af4:1042 virtio-blk bar0=0x...../0x4000 ... irq 34" into
 * buf (always NUL-terminated).  Returns the length it wanted. */
int pci_describe(const struct pci_dev *d, char *buf, size_t n);

/* The NUL-separated arguments of the device's driver into buf:
 *   pci=BB:DD.F id=VVVV:DDDD cfg=0x<config page> barN=0x<cpu>/0x<size>[/io]
 *   ... irq=<n>
 * Returns the length used (NULs included) or -ERR_TOOBIG. */
int pci_driver_args(const struct pci_host *h, const struct pci_dev *d, char *buf,
		    size_t n);

/* What a driver gets back from its arguments. */
struct pci_args {
	unsigned bus, dev, fn;
	uint16_t vendor, device;
	uint64_t cfg;			/* physical address of its 4 KiB config page */
	uint64_t bar[PCI_NBARS];	/* CPU physical address, 0 = none */
	uint64_t bar_size[PCI_NBARS];
	uint8_t bar_io[PCI_NBARS];	/* 1 = I/O space BAR */
	uint32_t irq;			/* 0 = none */
};

/* Parse the words of pci_driver_args (argv[i] for 0 <= i < argc; words
 * that are not ours are skipped).  0, or -ERR_INVAL when pci= or cfg= is
 * missing or a value is malformed. */
int pci_args_parse(int argc, char *const *argv, struct pci_args *a);

/* For a program the PCI server holds function `fn` ("BB:DD.F") for (`pci
 * hold=BB:DD.F`, docs/pci.md): ask the server pci_tid for its driver
 * arguments (OP_OPEN) and parse them into *a.  0, -ERR_NOENT when the
 * function is not held for the caller, -ERR_TIMEOUT, or -ERR_INVAL (bad
 * arguments).  Guest only (drivers/pci/pci_hold.c, uses dux). */
int pci_held_args(long pci_tid, const char *fn, struct pci_args *a, uint64_t timeout_ns);

#endif
