/*
 * virtio-net: the raw-frame server of one virtio-net PCI function, a thin
 * layer over the virtio_net library.  Spawned by the PCI server with the
 * function's config page, BARs and IRQ (docs/pci.md), it registers the
 * first free name of net0, net1, ... and serves (docs/net.md):
 *   OP_WRITE  send the frame in the request's data (14..1514 bytes, else
 *             -ERR_INVAL) -> status = its length; -ERR_AGAIN when every
 *             transmit buffer is busy
 *   OP_READ   -> the next received frame as COPY data, status = its length;
 *             the request stays pending until a frame arrives
 *   OP_INFO   -> name = the MAC (6 bytes), COPY data = struct vnet_stats
 * other opcodes -ERR_NOTSUP.  Received frames wait in a FIFO of
 * FIFO_FRAMES; when it is full, new ones are dropped (rx_drops).
 *
 * Usage: virtio-net pci=BB:DD.F id=VVVV:DDDD cfg=0x.. barN=0x../0x.. irq=N
 */
#include <stdio.h>
#include <string.h>

#include <dux/dux.h>
#include <net/virtio_net.h>
#include <tessera/abi.h>
#include <virtio/vsrv.h>

#define NET_VA		0x2000000000ul	/* device mappings (VNET_VA_SPAN) */
#define RING		128u		/* dux ring entries */
#define PENDING_MAX	32u		/* READ requests held waiting for frames */
#define FIFO_FRAMES	64u		/* received frames waiting for a READ */
#define POLL_NS		(200ull * 1000)		/* no interrupt: poll period */
#define IDLE_POLL_NS	(10ull * 1000000)	/* no interrupt, nobody reading */
#define SAFETY_NS	(100ull * 1000000)	/* interrupt mode: re-check period */

/* Frames from the device.  [rel, head): replied, the reply maybe not yet
 * consumed by the kernel (COPY data is read at the flush); [head, tail):
 * waiting for a READ.  Free-running counters. */
struct frame {
	uint32_t len;
	uint8_t data[VNET_FRAME_MAX];
};

static struct vsrv srv = { .drv = "virtio-net", .prefix = "net" };
static const struct vsrv_times times = { POLL_NS, IDLE_POLL_NS, SAFETY_NS };
static struct vnet dev;
static struct frame fifo[FIFO_FRAMES];
static unsigned fifo_rel, fifo_head, fifo_tail;
static struct ts_packet *pending[PENDING_MAX];
static unsigned pend_head, pend_count;
static struct vnet_stats info_stats;	/* INFO's COPY data until the flush */

/* Done with a request: its data pages and its slot. */
static void
drop(struct ts_packet *req)
{
	dux_data_free(req);
	dux_done(req);
}

static void
reply_info(const struct ts_packet *req)
{
	struct ts_packet *r = dux_reply_alloc((struct ts_packet *)(uintptr_t)req, 0);

	if (!r)
		return;	/* req is not a held slot: cannot happen */
	dux_set_name(r, dev.mac, VNET_MAC_LEN);
	info_stats = dev.stats;
	r->flags |= PKT_DATA_COPY;
	r->data = (uint64_t)(uintptr_t)&info_stats;
	r->len = sizeof(info_stats);
	dux_send(r);
}

/* OP_WRITE: decode, then send.  The reply's status. */
static int
do_write(const struct ts_packet *req)
{
	if ((req->flags & PKT_DATA_MASK) == PKT_DATA_NONE || req->len < VNET_FRAME_MIN ||
	    req->len > VNET_FRAME_MAX)
		return -ERR_INVAL;
	int rc = vnet_send(&dev, (const void *)(uintptr_t)req->data, (size_t)req->len);
	return rc < 0 ? rc : (int)req->len;
}

/* Answer one request now, or hold a READ.  A slot for the reply is always
 * free: RING > PENDING_MAX + FIFO. */
static void
serve(struct ts_packet *req)
{
	if (req->flags & (PKT_REPLY | PKT_KERNEL)) {
		drop(req);	/* error completions of our replies, TERMINATE */
		return;
	}
	switch (req->opcode) {
	case OP_WRITE:
		dux_reply(req, do_write(req), NULL, 0);
		break;
	case OP_READ:
		if (pend_count < PENDING_MAX) {
			dux_data_free(req);
			pending[(pend_head + pend_count++) % PENDING_MAX] = req;
			return;
		}
		dux_reply(req, -ERR_BUSY, NULL, 0);
		break;
	case OP_INFO:
		reply_info(req);
		break;
	default:
		dux_reply(req, -ERR_NOTSUP, NULL, 0);
	}
	drop(req);
}

/* Frames from the device into the FIFO; the overflow is dropped. */
static void
take_frames(void)
{
	static struct frame spill;
	int n;

	for (;;) {
		int full = fifo_tail - fifo_rel >= FIFO_FRAMES;
		struct frame *f = full ? &spill : &fifo[fifo_tail % FIFO_FRAMES];
		if ((n = vnet_recv(&dev, f->data, sizeof(f->data))) <= 0)
			break;
		if (full) {
			dev.stats.rx_drops++;
			continue;
		}
		f->len = (uint32_t)n;
		fifo_tail++;
	}
	if (n < 0 && dev.broken && dev.err) {
		printf("virtio-net: %s\n", dev.err);
		dev.err = NULL;
	}
}

/* Pending READs get frames, oldest first. */
static void
answer_reads(void)
{
	while (pend_count && fifo_head != fifo_tail) {
		struct ts_packet *req = pending[pend_head];
		struct frame *f = &fifo[fifo_head % FIFO_FRAMES];
		if (dux_reply_data(req, (int)f->len, f->data, f->len) < 0)
			return;
		dux_done(req);
		pend_head = (pend_head + 1) % PENDING_MAX;
		pend_count--;
		fifo_head++;
	}
}

static void
run(void)
{
	struct ts_packet *req;

	for (;;) {
		uint32_t seen = dev.irqs.nirq;
		vnet_reap_tx(&dev);
		take_frames();
		while ((req = dux_recv()))
			serve(req);
		answer_reads();
		dux_flush();
		unsigned txq = dux_tx_pending();
		if (!txq)
			fifo_rel = fifo_head;	/* every reply's data was read */
		unsigned st = (dev.irqs.nirq != seen || vnet_rearm(&dev) ? VSRV_AGAIN : 0) |
			      (txq ? VSRV_TXQ : 0) | (pend_count ? VSRV_BUSY : 0);
		dux_wait(vsrv_wait_ns(dev.irqs.on, st, &times));
	}
}

int
main(int argc, char **argv)
{
	int rc;

	if (vsrv_args(&srv, argc, argv) < 0)
		return 1;
	if ((rc = vnet_attach(&dev, &srv.args, NET_VA)) < 0)
		return vsrv_fail(&srv, dev.err, rc);
	if (vsrv_register(&srv, dux_init(RING)) < 0)
		return 1;
	rc = vnet_irq_start(&dev);
	const uint8_t *m = dev.mac;
	printf("virtio-net %s: %s: mac %02x:%02x:%02x:%02x:%02x:%02x, queues %u/%u, %s\n", srv.who,
	       srv.name, m[0], m[1], m[2], m[3], m[4], m[5], dev.rxq.size, dev.txq.size,
	       rc == 0 ? "interrupts" : "polling");
	run();
	return 0;
}
