/*
 * pci: the PCI server.  Reads the host bridge from the device tree, maps the
 * root bus's ECAM window, enumerates it, assigns BARs and INTx, prints one
 * line per function, starts the driver of each device that has one in the
 * boot image (privileged, with only that device's config page, BARs and
 * IRQ as arguments), then registers the service "pci" and answers:
 *   OP_INFO  status = functions found, COPY data = one summary line
 *   OP_LIST  status = functions found, COPY data = the device lines
 *   OP_OPEN  name = "BB:DD.F" of a held function, or "net" for the NIC
 *            held by hold=net: COPY data = its driver arguments
 *            (NUL-separated words for pci_args_parse)
 * Anything else gets -ERR_NOTSUP.  Needs privilege (mem_map_device).
 *
 * It supervises the drivers it started (docs/pci.md): each is WATCHed
 * before it starts; one that crashes (non-zero status) is logged and
 * started again, with the same grants, after ts_restart_delay's doubling
 * delay; one that ends with status 0 is left alone.
 *
 * Usage: pci [hold=BB:DD.F|net ...]  held functions get no driver: the
 *                                    caller drives them itself (benchmarks,
 *                                    tests, netproxy); hold=net holds the
 *                                    first virtio-net function, whatever
 *                                    its slot (a cluster node's NIC)
 */
#include <stdio.h>
#include <string.h>

#include <dux/dux.h>
#include <pci/pci.h>
#include <tessera/abi.h>
#include <tessera/user.h>

#define PCI_ECAM_VA	0x2000000000ul	/* where this task maps ECAM */
#define FDT_BUF		(64u << 10)
#define LINE_MAX	256u
#define LIST_MAX	(PCI_MAX_DEVS * LINE_MAX)
#define RING		16u
#define MS		1000000ull
#define STABLE_NS	(10000 * MS)	/* a run this long resets the restart delay */

static uint8_t fdt_buf[FDT_BUF];
static struct pci_host host;
static struct pci_bus bus;
static char list_text[LIST_MAX];	/* OP_LIST reply data, never changes */
static size_t list_len;
static char info_text[LINE_MAX];	/* OP_INFO reply data */
static size_t info_len;
#define HOLD_MAX 4
static char held[HOLD_MAX][16];		/* "BB:DD.F" given as hold= ("net" until resolved) */
static char held_net[16];		/* hold=net: the NIC's "BB:DD.F"; "" none */
static unsigned nheld;
static char hold_args[512];		/* OP_OPEN reply data */

/* The driver of bus.dev[i]: its task and restart state. */
static struct driver {
	long tid;			/* running; 0: none */
	struct ts_restart rs;
	uint64_t due;			/* restart at; 0: none due */
} drivers[PCI_MAX_DEVS];

static uint32_t
ecam_read(void *ctx, unsigned b, unsigned d, unsigned f, unsigned off)
{
	(void)ctx;
	uintptr_t a = PCI_ECAM_VA + ((uintptr_t)(b - host.bus_start) << 20) +
		      ((uintptr_t)d << 15) + ((uintptr_t)f << 12) + off;
	return *(volatile uint32_t *)a;
}

static void
ecam_write(void *ctx, unsigned b, unsigned d, unsigned f, unsigned off, uint32_t v)
{
	(void)ctx;
	uintptr_t a = PCI_ECAM_VA + ((uintptr_t)(b - host.bus_start) << 20) +
		      ((uintptr_t)d << 15) + ((uintptr_t)f << 12) + off;
	*(volatile uint32_t *)a = v;
}

static const struct pci_cfg_ops ecam_ops = { ecam_read, ecam_write, NULL };

/* Device tree -> host; map the root bus.  0 or -1 after an error line. */
static int
setup(void)
{
	struct fdt f;
	long size = sys_fdt_read(fdt_buf, sizeof(fdt_buf));
	int r;

	if (size < 0 || size > (long)sizeof(fdt_buf)) {
		printf("pci: device tree: %ld bytes, buffer holds %u\n", size, FDT_BUF);
		return -1;
	}
	if ((r = fdt_init(&f, fdt_buf, (size_t)size)) < 0) {
		printf("pci: device tree: %s\n", ts_strerror(r));
		return -1;
	}
	if (pci_host_from_fdt(&f, &host) < 0) {
		printf("pci: device tree: %s\n", host.err);
		return -1;
	}
	/* Only the root bus is scanned (no bridges on QEMU virt): map 1 MiB. */
	if ((r = sys_mem_map_device(PCI_ECAM_VA, host.ecam_base, PCI_ECAM_BUS)) < 0) {
		printf("pci: map ECAM 0x%llx: %s\n", (unsigned long long)host.ecam_base,
		       ts_strerror(r));
		return -1;
	}
	bus.host = &host;
	bus.ops = &ecam_ops;
	return 0;
}

/* Grant driver `tid` exactly its device: the function's 4 KiB of config
 * space, its memory BARs (whole pages, see place_bar) and its interrupt.
 * I/O BARs are not granted: their ports share pages between devices. */
static long
grant_device(long tid, const struct pci_dev *d)
{
	uint64_t cfg = host.ecam_base + (uint64_t)(d->bus - host.bus_start) * PCI_ECAM_BUS +
		       (uint64_t)(d->dev * 8u + d->fn) * PCI_ECAM_FN;
	long r = sys_dev_grant(tid, GRANT_MMIO, cfg, PCI_ECAM_FN);

	for (unsigned i = 0; r >= 0 && i < PCI_NBARS; i++) {
		const struct pci_bar *bar = &d->bar[i];
		if (bar->kind == PCI_BAR_NONE || bar->kind == PCI_BAR_IO || bar->assigned != 1)
			continue;
		uint64_t size = (bar->size + 4095) & ~4095ull;
		r = sys_dev_grant(tid, GRANT_MMIO, bar->cpu & ~4095ull, size);
	}
	if (r >= 0 && d->irq)
		r = sys_dev_grant(tid, GRANT_IRQ, d->irq, 1);
	return r;
}

static int
is_held(const struct pci_dev *d)
{
	char at[16];

	snprintf(at, sizeof(at), "%02x:%02x.%x", d->bus, d->dev, d->fn);
	for (unsigned i = 0; i < nheld; i++)
		if (strcmp(held[i], at) == 0)
			return 1;
	return 0;
}

/* hold=net: the first function whose driver would be virtio-net becomes
 * the held one (its "BB:DD.F" replaces "net" in held[]); logged, as is
 * the lack of one. */
static void
resolve_held_net(void)
{
	for (unsigned i = 0; i < nheld; i++) {
		if (strcmp(held[i], "net"))
			continue;
		for (unsigned j = 0; j < bus.ndev && !held_net[0]; j++) {
			const struct pci_dev *d = &bus.dev[j];
			if (d->id && d->id->driver && !strcmp(d->id->driver, "virtio-net"))
				snprintf(held_net, sizeof(held_net), "%02x:%02x.%x", d->bus,
					 d->dev, d->fn);
		}
		if (held_net[0])
			printf("pci: hold=net: the NIC is %s\n", held_net);
		else
			printf("pci: hold=net: no virtio-net function\n");
		strcpy(held[i], held_net);
	}
}

/* Start the driver of d if the boot image has it; describe the outcome. */
static void
start_driver(const struct pci_dev *d, char *line, size_t n)
{
	char args[512];
	size_t len = strlen(line);

	if (is_held(d)) {
		snprintf(line + len, n - len, " -> held for the caller");
		return;
	}
	if (!d->id || !d->id->driver) {
		snprintf(line + len, n - len, " -> no driver");
		return;
	}
	if (d->err[0]) {
		snprintf(line + len, n - len, " -> driver %s (not started: device disabled)",
			 d->id->driver);
		return;
	}
	int alen = pci_driver_args(&host, d, args, sizeof(args));
	long tid = alen < 0 ? alen :
		   sys_task_spawn(d->id->driver, strlen(d->id->driver), args, (size_t)alen, 0,
				  SPAWN_STOPPED);
	if (tid > 0) {
		long r = grant_device(tid, d);
		if (r < 0) {
			sys_task_kill(tid);
			sys_task_wait(tid, NULL);
			tid = r;
		} else {
			dux_watch((ts_addr)tid);	/* its end comes back as TERMINATE */
			dux_flush();
			sys_task_start(tid);
			drivers[d - bus.dev].tid = tid;
			drivers[d - bus.dev].rs.started = ts_now();
		}
	}
	if (tid == -ERR_NOENT)
		snprintf(line + len, n - len, " -> driver %s (not in boot image)", d->id->driver);
	else if (tid < 0)
		snprintf(line + len, n - len, " -> driver %s (failed: %s)", d->id->driver,
			 ts_strerror(tid));
	else
		snprintf(line + len, n - len, " -> driver %s (started, tid %ld)", d->id->driver,
			 tid);
}

/* Enumerate, assign, start drivers; fill list_text and info_text. */
static int
enumerate(void)
{
	int n = pci_scan(&bus);

	if (n < 0) {
		printf("pci: scan: %s\n", ts_strerror(n));
		return -1;
	}
	int disabled = pci_assign(&bus);
	resolve_held_net();
	for (unsigned i = 0; i < bus.ndev; i++) {
		char line[LINE_MAX];
		pci_describe(&bus.dev[i], line, sizeof(line));
		start_driver(&bus.dev[i], line, sizeof(line));
		printf("%s\n", line);
		size_t l = strlen(line);
		if (list_len + l + 1 < sizeof(list_text)) {
			memcpy(list_text + list_len, line, l);
			list_text[list_len + l] = '\n';
			list_len += l + 1;
		}
	}
	int r = snprintf(info_text, sizeof(info_text),
			 "pci: %u functions on bus %02x, %d disabled, ECAM 0x%llx\n", bus.ndev,
			 host.bus_start, disabled, (unsigned long long)host.ecam_base);
	info_len = r > 0 ? (size_t)r : 0;
	printf("%s", info_text);
	return 0;
}

/* Driver task `tid` ended (a TERMINATE, or a refused WATCH): reap it and
 * plan its restart if it crashed. */
static void
driver_ended(long tid)
{
	int st = 0;

	for (unsigned i = 0; i < bus.ndev; i++) {
		struct driver *dv = &drivers[i];
		if (dv->tid != tid || sys_task_wait(tid, &st) < 0)
			continue;
		dv->tid = 0;
		const char *name = bus.dev[i].id->driver;
		if (st == 0) {
			printf("pci: driver %s of %02x:%02x.%x ended (status 0)\n", name,
			       bus.dev[i].bus, bus.dev[i].dev, bus.dev[i].fn);
			return;
		}
		uint64_t delay = ts_restart_delay(&dv->rs, STABLE_NS);
		if (!delay) {
			printf("pci: driver %s crashed %d times in a row: given up\n", name,
			       TS_RESTART_TRIES);
			return;
		}
		printf("pci: driver %s (tid %ld) died (status %d: %s); restart in %llu ms\n", name,
		       tid, st, ts_strerror(st < 0 ? st : -ERR_IO), (unsigned long long)(delay / MS));
		dv->due = ts_now() + delay;
		return;
	}
}

/* Start the drivers whose restart is due; the ns until the next one is
 * due, or DUX_FOREVER. */
static uint64_t
restart_due(void)
{
	uint64_t now = ts_now(), wait = DUX_FOREVER;

	for (unsigned i = 0; i < bus.ndev; i++) {
		struct driver *dv = &drivers[i];
		if (dv->due && dv->due <= now) {
			char line[LINE_MAX];
			dv->due = 0;
			snprintf(line, sizeof(line), "pci: restart %02x:%02x.%x", bus.dev[i].bus,
				 bus.dev[i].dev, bus.dev[i].fn);
			start_driver(&bus.dev[i], line, sizeof(line));
			printf("%s\n", line);
			if (!dv->tid)	/* it did not start: try again later */
				dv->due = now + ts_restart_delay(&dv->rs, STABLE_NS);
		}
		uint64_t w = dv->due > now ? dv->due - now : 1;
		if (dv->due && w < wait)
			wait = w;
	}
	return wait;
}

static void
serve(struct ts_packet *req)
{
	ts_addr dead = dux_watch_ended(req);
	if (dead)
		driver_ended((long)dead);
	if (req->flags & (PKT_KERNEL | PKT_REPLY)) {
		dux_done(req);
		return;
	}
	const struct pci_dev *hd = NULL;
	for (unsigned i = 0; req->opcode == OP_OPEN && i < bus.ndev; i++) {
		char at[16];
		const struct pci_dev *d = &bus.dev[i];
		snprintf(at, sizeof(at), "%02x:%02x.%x", d->bus, d->dev, d->fn);
		int by_at = req->name_len == strlen(at) && memcmp(req->name, at, req->name_len) == 0;
		int by_net = req->name_len == 3 && memcmp(req->name, "net", 3) == 0 &&
			     held_net[0] && strcmp(at, held_net) == 0;
		if ((by_at || by_net) && is_held(d))
			hd = d;
	}
	int alen = hd ? pci_driver_args(&host, hd, hold_args, sizeof(hold_args)) : -ERR_NOENT;
	unsigned op = req->opcode;
	int st = op == OP_OPEN ? (alen < 0 ? alen : 0) :
		 op == OP_LIST || op == OP_INFO ? (int)bus.ndev : -ERR_NOTSUP;
	/* Decoded: the reply may now take req's own slot (dux_reply_alloc). */
	dux_data_free(req);
	struct ts_packet *r = dux_reply_alloc(req, st);
	if (r && op == OP_OPEN && alen > 0) {
		r->flags |= PKT_DATA_COPY;
		r->data = (uint64_t)(uintptr_t)hold_args;
		r->len = (uint64_t)alen;
	} else if (r && (op == OP_LIST || op == OP_INFO)) {
		r->flags |= PKT_DATA_COPY;
		r->data = (uint64_t)(uintptr_t)(op == OP_LIST ? list_text : info_text);
		r->len = op == OP_LIST ? list_len : info_len;
	}
	if (r)
		dux_send(r);
	dux_done(req);
}

int
main(int argc, char **argv)
{
	int r;

	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "hold=", 5) == 0 && nheld < HOLD_MAX &&
		    strlen(argv[i] + 5) < sizeof(held[0]))
			strcpy(held[nheld++], argv[i] + 5);
		else
			printf("pci: ignoring argument \"%s\"\n", argv[i]);
	}
	if ((r = dux_init(RING)) < 0) {
		printf("pci: dux_init: %s\n", ts_strerror(r));
		return 1;
	}
	if (setup() < 0 || enumerate() < 0)
		return 1;
	if ((r = dux_register("pci")) < 0) {
		printf("pci: service: %s\n", ts_strerror(r));
		return 1;
	}
	for (;;) {
		long n = dux_wait(restart_due());
		if (n < 0) {
			printf("pci: io_wait: %s\n", ts_strerror(n));
			return 1;
		}
		struct ts_packet *req;
		while ((req = dux_recv()))
			serve(req);
	}
}
