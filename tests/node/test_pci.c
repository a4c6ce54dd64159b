/*
 * PCI server test (QEMU with 2 virtio-blk, 2 virtio-net, virtio-gpu and
 * virtio-keyboard; see tests/node/CMakeLists.txt).  The test starts the
 * `pci` server, asks it for the device list, then reads config space itself
 * and checks what the server did: every BAR inside a device-tree window,
 * naturally aligned, not overlapping another, decoding and bus mastering on,
 * each device's IRQ from the interrupt-map written to its line register, and
 * the right driver named for each device.
 */
#include <stdlib.h>
#include <string.h>

#include <dux/dux.h>
#include <kernel/fdt.h>
#include <pci/pci.h>
#include "ttest.h"

#define TEST_ECAM_VA	0x2100000000ul
#define WAIT_NS		(20ull * 1000000000)
#define TEXT_MAX	(PCI_MAX_DEVS * 256)

static uint8_t blob[64 << 10];
static long blob_size;
static struct pci_host host;
static struct pci_bus bus;
static char text[TEXT_MAX];

static uint32_t
cfg_read(void *ctx, unsigned b, unsigned d, unsigned f, unsigned off)
{
	(void)ctx;
	return *(volatile uint32_t *)(TEST_ECAM_VA + ((uintptr_t)(b - host.bus_start) << 20) +
				      ((uintptr_t)d << 15) + ((uintptr_t)f << 12) + off);
}

static void
cfg_write(void *ctx, unsigned b, unsigned d, unsigned f, unsigned off, uint32_t v)
{
	(void)ctx;
	*(volatile uint32_t *)(TEST_ECAM_VA + ((uintptr_t)(b - host.bus_start) << 20) +
			       ((uintptr_t)d << 15) + ((uintptr_t)f << 12) + off) = v;
}

static const struct pci_cfg_ops ops = { cfg_read, cfg_write, NULL };

static int
load_tree(struct fdt *f)
{
	blob_size = sys_fdt_read(blob, sizeof(blob));
	TT_CHECK(blob_size > 0 && blob_size <= (long)sizeof(blob));
	TT_EQ(fdt_init(f, blob, (size_t)blob_size), 0);
	return 0;
}

/* Start the server and wait until it has registered "pci". */
static long
start_server(void)
{
	long tid = ts_spawn("pci", NULL, 0, SPAWN_PRIV);
	if (tid < 0)
		return tid;
	uint64_t end = ts_now() + WAIT_NS;
	while (ts_now() < end) {
		if (dux_lookup("pci") == tid)
			return tid;
		sys_sleep(10 * 1000000);
	}
	return -ERR_TIMEOUT;
}

/* Ask the server (opcode op); the reply's text goes to `text`. */
static int
ask(long server, unsigned op)
{
	struct ts_packet req = { .opcode = (uint16_t)op }, rep;
	int st = dux_call((ts_addr)server, &req, &rep, WAIT_NS);

	text[0] = 0;
	if (st >= 0 && rep.len && rep.len < sizeof(text)) {
		memcpy(text, (const void *)(uintptr_t)rep.data, rep.len);
		text[rep.len] = 0;
	}
	dux_data_free(&rep);
	return st;
}

static unsigned
count(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static const struct pci_window *
window_of(const struct pci_bar *bar)
{
	if (bar->kind == PCI_BAR_IO)
		return &host.win[PCI_SPACE_IO];
	const struct pci_window *w64 = &host.win[PCI_SPACE_MEM64];
	if (bar->kind == PCI_BAR_MEM64 && w64->size && bar->pci >= w64->pci &&
	    bar->pci - w64->pci < w64->size)
		return w64;
	return &host.win[PCI_SPACE_MEM32];
}

/* BARs of one device: in a window, aligned, reported by the server. */
static int
check_bars(const struct pci_dev *d, const char *line)
{
	for (unsigned i = 0; i < PCI_NBARS; i++) {
		const struct pci_bar *bar = &d->bar[i];
		if (bar->kind == PCI_BAR_NONE)
			continue;
		const struct pci_window *w = window_of(bar);
		TT_CHECK(w->size != 0);
		TT_CHECK(bar->pci >= w->pci && bar->pci + bar->size <= w->pci + w->size);
		TT_EQ(bar->pci % bar->size, 0);
		char want[64];
		snprintf(want, sizeof(want), " bar%u=0x%llx/0x%llx", i,
			 (unsigned long long)(w->cpu + bar->pci - w->pci),
			 (unsigned long long)bar->size);
		if (!strstr(line, want)) {
			printf("missing \"%s\" in: %s\n", want, line);
			return 1;
		}
	}
	return 0;
}

/* No two BARs of the bus share an address (I/O and memory apart). */
static int
check_overlap(void)
{
	for (unsigned a = 0; a < bus.ndev * PCI_NBARS; a++) {
		const struct pci_bar *x = &bus.dev[a / PCI_NBARS].bar[a % PCI_NBARS];
		for (unsigned b = a + 1; b < bus.ndev * PCI_NBARS && x->kind; b++) {
			const struct pci_bar *y = &bus.dev[b / PCI_NBARS].bar[b % PCI_NBARS];
			if (!y->kind || (x->kind == PCI_BAR_IO) != (y->kind == PCI_BAR_IO))
				continue;
			TT_CHECK(x->pci + x->size <= y->pci || y->pci + y->size <= x->pci);
		}
	}
	return 0;
}

/* Command register, interrupt line, and the server's line for d. */
static int
check_dev(const struct pci_dev *d)
{
	char key[32], *line, *eol;
	snprintf(key, sizeof(key), "pci %02x:%02x.%x %04x:%04x", d->bus, d->dev, d->fn,
		 d->vendor, d->device);
	line = strstr(text, key);
	TT_CHECK(line != NULL);
	eol = strchr(line, '\n');
	TT_CHECK(eol != NULL);
	*eol = 0;
	int bad = check_bars(d, line);
	unsigned need = 0;
	for (unsigned i = 0; i < PCI_NBARS; i++)
		if (d->bar[i].kind)
			need |= (d->bar[i].kind == PCI_BAR_IO ? PCI_CMD_IO : PCI_CMD_MEM) |
				PCI_CMD_MASTER;
	uint32_t cmd = cfg_read(NULL, d->bus, d->dev, d->fn, PCI_COMMAND) & 0xffff;
	if ((cmd & need) != need) {
		printf("%s: command 0x%x, want bits 0x%x\n", key, cmd, need);
		bad = 1;
	}
	if (d->pin) {
		uint32_t irq = pci_route_irq(&host, d->bus, d->dev, d->fn, d->pin);
		uint32_t line_reg = cfg_read(NULL, d->bus, d->dev, d->fn, PCI_INTR) & 0xff;
		char want[24];
		snprintf(want, sizeof(want), " irq %u", (unsigned)irq);
		/* QEMU virt (hw/riscv/virt.c): IRQ 32 + (slot + pin - 1) % 4. */
		if (irq == 0 || line_reg != irq || irq != 32 + (d->dev + d->pin - 1u) % 4 ||
		    !strstr(line, want)) {
			printf("%s: irq %u, line register %u, pin %u\n", key, irq, line_reg, d->pin);
			bad = 1;
		}
	}
	*eol = '\n';
	return bad;
}

static int
enumerate(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct fdt f;
	TT_EQ(dux_init(16), 0);
	long server = start_server();
	TT_CHECK(server > 0);
	int n = ask(server, OP_INFO);
	TT_CHECK(strstr(text, "functions on bus 00") != NULL);
	n = ask(server, OP_LIST);
	TT_CHECK(n > 0);
	printf("server lists %d functions\n", n);

	TT_EQ(load_tree(&f), 0);
	TT_EQ(pci_host_from_fdt(&f, &host), 0);
	TT_EQ(sys_mem_map_device(TEST_ECAM_VA, host.ecam_base, PCI_ECAM_BUS), 0);
	bus.host = &host;
	bus.ops = &ops;
	TT_EQ(pci_scan(&bus), n);
	unsigned blk = 0, net = 0, gpu = 0, input = 0, bad = 0;
	for (unsigned i = 0; i < bus.ndev; i++) {
		struct pci_dev *d = &bus.dev[i];
		uint32_t cmd = cfg_read(NULL, d->bus, d->dev, d->fn, PCI_COMMAND) & 0xffff;
		TT_EQ(pci_bar_probe(&bus, d), 0);
		TT_EQ(cfg_read(NULL, d->bus, d->dev, d->fn, PCI_COMMAND) & 0xffff, cmd);
		if (d->vendor == 0x1af4) {
			blk += d->device == 0x1001 || d->device == 0x1042;
			net += d->device == 0x1000 || d->device == 0x1041;
			gpu += d->device == 0x1050;
			input += d->device == 0x1052;
			TT_CHECK(d->pin != 0);
			TT_CHECK(d->bar[0].kind || d->bar[1].kind || d->bar[4].kind);
		}
		bad += (unsigned)check_dev(d);
	}
	TT_EQ(bad, 0);
	TT_EQ(check_overlap(), 0);
	TT_EQ(blk, 2);
	TT_EQ(net, 2);
	TT_EQ(gpu, 1);
	TT_EQ(input, 1);
	TT_EQ(count(text, "-> driver virtio-blk "), 2);
	TT_EQ(count(text, "-> driver virtio-net "), 2);
	TT_EQ(count(text, "-> driver virtio-gpu "), 1);
	TT_EQ(count(text, "-> driver virtio-input "), 1);
	TT_EQ(count(text, "disabled:"), 0);
	struct ts_packet req = { .opcode = OP_READ }, rep;
	TT_EQ(dux_call((ts_addr)server, &req, &rep, WAIT_NS), -ERR_NOTSUP);
	int st = 0;
	TT_EQ(sys_task_kill(server), 0);
	TT_EQ(sys_task_wait(server, &st), 0);
	return 0;
}

/* Without privilege the server cannot map ECAM: it says so and exits 1. */
static int
unprivileged(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TT_EQ(ts_run("pci", NULL, 0, 0), 1);
	return 0;
}

/* A tree without the PCI node, and one with a broken "ranges": clear
 * errors, no crash. */
static int
bad_tree(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct fdt f;
	uint32_t len;
	TT_EQ(load_tree(&f), 0);
	int node = fdt_path(&f, "/soc/pci");
	TT_CHECK(node >= 0);

	char *compat = (char *)fdt_prop(&f, node, "compatible", &len);
	TT_CHECK(compat && len > 4);
	compat[0] = 'X';
	TT_EQ(pci_host_from_fdt(&f, &host), -ERR_NOENT);
	printf("bad_tree: no PCI node: %s\n", host.err);
	compat[0] = 'p';
	TT_EQ(pci_host_from_fdt(&f, &host), 0);

	uint8_t *ranges = (uint8_t *)fdt_prop(&f, node, "ranges", &len);
	TT_CHECK(ranges && len >= 28);
	uint8_t save[8];
	memcpy(save, ranges + 20, 8);
	memset(ranges + 20, 0, 8);	/* size of the first entry = 0 */
	TT_EQ(pci_host_from_fdt(&f, &host), -ERR_INVAL);
	printf("bad_tree: corrupt ranges: %s\n", host.err);
	TT_CHECK(strstr(host.err, "ranges") != NULL);
	memset(ranges + 20, 0xff, 8);	/* cpu + size wraps */
	TT_EQ(pci_host_from_fdt(&f, &host), -ERR_INVAL);
	memcpy(ranges + 20, save, 8);
	TT_EQ(pci_host_from_fdt(&f, &host), 0);
	return 0;
}

static const struct ttest tests[] = {
	{ "bad_tree", bad_tree },
	{ "unprivileged", unprivileged },
	{ "enumerate", enumerate },
};

TT_MAIN(tests)
