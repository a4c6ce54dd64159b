/*
 * vsrv: what every virtio driver server (virtio-blk, -net, -gpu, -input)
 * does around its device library: read the PCI server's arguments, name the
 * function in its log lines, take the IPC area and the first free service
 * name, and choose how long each round of its main loop may sleep.
 *
 * How to use
 *
 *   static struct vsrv s = { .drv = "virtio-blk", .prefix = "blk" };
 *   static const struct vsrv_times times = { POLL_NS, DUX_FOREVER, SAFETY_NS };
 *
 *   if (vsrv_args(&s, argc, argv) < 0)               "virtio-blk: bad arguments ..."
 *           return 1;
 *   if ((rc = vblk_attach(&dev, &s.args, VA)) < 0)
 *           return vsrv_fail(&s, dev.err, rc);       "virtio-blk 00:01.0: <err>: <error>"
 *   if (vsrv_register(&s, dux_init(RING)) < 0)       s.name = "blk0", "blk1", ...
 *           return 1;
 *   for (;;) {
 *           uint32_t seen = dev.irqs.nirq;
 *           ... complete, serve, dux_flush() ...
 *           dux_wait(vsrv_wait_ns(dev.irqs.on, (dev.irqs.nirq != seen ? VSRV_AGAIN : 0) |
 *                                 (waiting ? VSRV_BUSY : 0), &times));
 *   }
 */
#ifndef VIRTIO_VSRV_H
#define VIRTIO_VSRV_H

#include <stdint.h>
#include <pci/pci.h>

struct vsrv {
	const char *drv;		/* the program, first word of each log line */
	const char *prefix;		/* service names prefix0, prefix1, ... */
	struct pci_args args;		/* set by vsrv_args */
	char who[16];			/* "BB:DD.F", set by vsrv_args */
	char name[16];			/* the registered name, set by vsrv_register */
};

/* Parse the arguments the PCI server gives a driver (docs/pci.md) into
 * s->args and format s->who.  0, or -1 after logging
 * "<drv>: bad arguments (want pci=, cfg=, barN=, irq=)". */
int vsrv_args(struct vsrv *s, int argc, char **argv);

/* Log "<drv> <who>: <what>: <error text of rc>".  Returns 1, the exit
 * status of a server that gives up. */
int vsrv_fail(const struct vsrv *s, const char *what, long rc);

/* Take the first free name of prefix0, prefix1, ... into s->name, if `rc`
 * (the result of the server's own set-up: dux_init and whatever else must
 * come before the name is public) is 0.  0, or -1 after logging
 * "<drv> <who>: setup: <error>" for the first error. */
int vsrv_register(struct vsrv *s, long rc);

/* What a round of the main loop left behind, for vsrv_wait_ns. */
#define VSRV_AGAIN	1u	/* an interrupt came, or re-armed notifications found work */
#define VSRV_TXQ	2u	/* replies still in the transmit ring (dux_tx_pending) */
#define VSRV_BUSY	4u	/* requests wait for the device or for data */

struct vsrv_times {
	uint64_t poll_ns;	/* no interrupts and requests waiting; replies in the ring */
	uint64_t idle_ns;	/* no interrupts, nothing waiting (DUX_FOREVER: sleep) */
	uint64_t safety_ns;	/* interrupts on, requests waiting: re-check period */
};

/* The dux_wait timeout after a round: 0 with VSRV_AGAIN; else poll_ns with
 * VSRV_TXQ; else without interrupts poll_ns (VSRV_BUSY) or idle_ns; with
 * interrupts safety_ns (VSRV_BUSY) or DUX_FOREVER.  Pure. */
uint64_t vsrv_wait_ns(int irq_on, unsigned flags, const struct vsrv_times *t);

#endif
