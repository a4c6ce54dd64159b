/*
 * virtio-gpu: the framebuffer server of one virtio-gpu PCI function, a thin
 * layer over the virtio_gpu library.  Spawned by the PCI server with the
 * function's config page, BARs and IRQ (docs/pci.md), it registers the
 * first free name of gpu0, gpu1, ... and speaks the framebuffer protocol
 * (<tessera/proto_fb.h>, docs/gpu.md): INFO, WRITE (a rectangle into the
 * framebuffer), FLUSH (a rectangle to the screen, answered once the device
 * has done it), MAP (the framebuffer pages shared with a local client);
 * other opcodes -ERR_NOTSUP.
 *
 * Usage: virtio-gpu pci=BB:DD.F id=VVVV:DDDD cfg=0x.. barN=0x../0x.. irq=N
 */
#include <stdio.h>
#include <string.h>

#include <dux/dux.h>
#include <gpu/virtio_gpu.h>
#include <tessera/abi.h>
#include <tessera/proto_fb.h>
#include <virtio/vsrv.h>

#define GPU_VA		0x2000000000ul	/* device window (VGPU_VA_SPAN) */
#define RING		128u		/* dux ring entries (> FB_FLUSH_MAX held) */
#define MAP_SENT	16u		/* MAP replies remembered (see map_refused) */
#define PAGE		4096ul
#define POLL_NS		(200ull * 1000)		/* no interrupt: poll period */
#define SAFETY_NS	(100ull * 1000000)	/* interrupt mode: re-check period */

_Static_assert(RING > FB_FLUSH_MAX + 8, "held flushes leave slots to work with");
_Static_assert(2 * FB_FLUSH_MAX <= VGPU_TAGS, "every flush allowed has its tags");

static struct vsrv srv = { .drv = "virtio-gpu", .prefix = "gpu" };
static const struct vsrv_times times = { POLL_NS, DUX_FOREVER, SAFETY_NS };
static struct vgpu dev;
static struct fb_info info;	/* constant after attach: INFO's COPY data */

/* MAP replies carry data, which the kernel may refuse (the client's next
 * receive range too small): then the error comes back to us and the client
 * still waits, so we answer again without data.  Only replies listed here
 * get a second answer, so a refused plain reply is never retried. */
static struct {
	ts_addr addr;
	uint64_t id;
} map_sent[MAP_SENT];
static unsigned map_next;

/* Done with a request: its data pages and its slot. */
static void
drop(struct ts_packet *req)
{
	dux_data_free(req);
	dux_done(req);
}

/* The rectangle in `offset`, checked against the screen: 0 or -ERR_INVAL.
 * An empty one is the whole screen if `empty_is_all`, else invalid. */
static int
rect_of(uint64_t off, int empty_is_all, uint32_t *x, uint32_t *y, uint32_t *w, uint32_t *h)
{
	*x = FB_RECT_X(off);
	*y = FB_RECT_Y(off);
	*w = FB_RECT_W(off);
	*h = FB_RECT_H(off);
	if (*w == 0 || *h == 0) {
		if (!empty_is_all)
			return -ERR_INVAL;
		*x = *y = 0;
		*w = dev.width;
		*h = dev.height;
	}
	if (*x >= dev.width || *y >= dev.height || *w > dev.width - *x || *h > dev.height - *y)
		return -ERR_INVAL;
	return 0;
}

/* OP_WRITE: rows of the request's data into the framebuffer. */
static int
do_write(const struct ts_packet *req)
{
	uint32_t x, y, w, h;

	if (rect_of(req->offset, 0, &x, &y, &w, &h) < 0)
		return -ERR_INVAL;
	/* COPY: exactly the pixels; MOVE/SHARE travel in whole pages. */
	uint64_t want = (uint64_t)w * h * FB_BPP;
	unsigned mode = req->flags & PKT_DATA_MASK;
	if (mode != PKT_DATA_COPY)
		want = (want + PAGE - 1) & ~(PAGE - 1);
	if (mode == PKT_DATA_NONE || req->len != want)
		return -ERR_INVAL;
	if (dev.broken)
		return -ERR_IO;
	const uint8_t *src = (const uint8_t *)(uintptr_t)req->data;
	uint8_t *dst = dev.fb + (size_t)y * dev.stride + (size_t)x * FB_BPP;
	size_t row = (size_t)w * FB_BPP;
	for (uint32_t r = 0; r < h; r++, src += row, dst += dev.stride)
		memcpy(dst, src, row);
	return 0;
}

/* OP_FLUSH: queue the device commands; the request is answered when they
 * finish.  0 (held) or the status to answer now. */
static int
do_flush(struct ts_packet *req)
{
	uint32_t x, y, w, h;
	int rc;

	if (rect_of(req->offset, 1, &x, &y, &w, &h) < 0)
		return -ERR_INVAL;
	if (dev.broken)
		return -ERR_IO;
	if (vgpu_inflight(&dev) >= FB_FLUSH_MAX)
		return -ERR_AGAIN;
	if ((rc = vgpu_flush_submit(&dev, x, y, w, h, req)) < 0)
		return rc;
	vgpu_kick(&dev);
	return 0;
}

/* OP_MAP: share framebuffer pages with a local client. */
static void
do_map(const struct ts_packet *req)
{
	uint64_t off = req->offset, n;
	struct ts_packet *r;

	if (req->addr >> 48) {		/* another node: pages cannot travel */
		dux_reply(req, -ERR_NOTSUP, NULL, 0);
		return;
	}
	if ((req->flags & PKT_DATA_MASK) != PKT_DATA_NONE || off % PAGE || off >= dev.fb_size) {
		dux_reply(req, -ERR_INVAL, NULL, 0);
		return;
	}
	n = dev.fb_size - off;
	if (req->len && req->len < n)
		n = (req->len + PAGE - 1) & ~(PAGE - 1);
	if (!(r = dux_alloc()))
		return;
	dux_reply_init(r, req, (int)n);
	r->flags |= PKT_DATA_SHARE;
	r->data = (uint64_t)(uintptr_t)(dev.fb + off);
	r->len = n;
	map_sent[map_next % MAP_SENT].addr = req->addr;
	map_sent[map_next % MAP_SENT].id = req->id;
	map_next++;
	dux_send(r);
}

/* An error completion of one of our replies: if it was a MAP reply with
 * data, answer the request again with that error and no data. */
static void
map_refused(const struct ts_packet *c)
{
	for (unsigned i = 0; i < MAP_SENT; i++) {
		if (map_sent[i].id == c->id && map_sent[i].addr == c->addr && c->opcode == OP_MAP) {
			map_sent[i].addr = 0;
			map_sent[i].id = 0;
			dux_reply(c, c->status < 0 ? c->status : -ERR_IO, NULL, 0);
			return;
		}
	}
}

/* Answer one request now, or hold a FLUSH until the device is done.  A slot
 * for the reply is always free: RING > FB_FLUSH_MAX. */
static void
serve(struct ts_packet *req)
{
	if (req->flags & (PKT_REPLY | PKT_KERNEL)) {
		if ((req->flags & PKT_REPLY) && (req->flags & PKT_KERNEL) && req->status < 0)
			map_refused(req);
		drop(req);	/* error completions of our replies, TERMINATE */
		return;
	}
	int rc;
	switch (req->opcode) {
	case OP_INFO:
		dux_reply_data(req, (int)sizeof(info), &info, sizeof(info));
		break;
	case OP_WRITE:
		dux_reply(req, do_write(req), NULL, 0);
		break;
	case OP_FLUSH:
		dux_data_free(req);
		if ((rc = do_flush(req)) == 0)
			return;		/* held: answered by finish_flushes */
		dux_reply(req, rc, NULL, 0);
		break;
	case OP_MAP:
		do_map(req);
		break;
	default:
		dux_reply(req, -ERR_NOTSUP, NULL, 0);
	}
	drop(req);
}

/* Answer the flushes the device has finished. */
static void
finish_flushes(void)
{
	void *cookie;
	int status;

	while (vgpu_complete(&dev, &cookie, &status) > 0) {
		struct ts_packet *req = cookie;
		if (status < 0 && dev.err) {
			printf("virtio-gpu: %s\n", dev.err);
			dev.err = NULL;
		}
		dux_reply(req, status, NULL, 0);
		dux_done(req);
	}
}

static void
run(void)
{
	struct ts_packet *req;

	for (;;) {
		uint32_t seen = dev.irqs.nirq;
		finish_flushes();
		while ((req = dux_recv()))
			serve(req);
		dux_flush();
		unsigned st = (dev.irqs.nirq != seen ? VSRV_AGAIN : 0) |
			      (vgpu_inflight(&dev) ? VSRV_BUSY : 0);
		dux_wait(vsrv_wait_ns(dev.irqs.on, st, &times));
	}
}

int
main(int argc, char **argv)
{
	int rc;

	if (vsrv_args(&srv, argc, argv) < 0)
		return 1;
	if ((rc = vgpu_attach(&dev, &srv.args, GPU_VA)) < 0)
		return vsrv_fail(&srv, dev.err, rc);
	info = (struct fb_info){ dev.width, dev.height, dev.stride, FB_FORMAT_XRGB8888,
				 (uint32_t)dev.fb_size, { 0 } };
	if (vsrv_register(&srv, dux_init(RING)) < 0)
		return 1;
	rc = vgpu_irq_start(&dev);
	printf("virtio-gpu %s: %s: %ux%u on scanout %u%s, queue %u, %s\n", srv.who, srv.name,
	       dev.width, dev.height, dev.scanout, dev.enabled ? "" : " (none enabled: fallback)",
	       dev.q.size, rc == 0 ? "interrupts" : "polling");
	run();
	return 0;
}
