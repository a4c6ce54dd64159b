/*
 * Host tests of drivers/gpu/vgpu_cmd.c (the virtio-gpu command queue and
 * its response checks) against a fake controlq.
 *
 * The fake device (fake_virtq.c) sees only "physical" addresses in a block
 * of fake RAM (FAKE_PA unrelated to its virtual address).  For each chain it reads the
 * command from the device-readable descriptor, and answers in the writable
 * one with whatever the test scripts: a response type and a used length
 * (possibly wrong), or a broken used element.  After each test every tag,
 * op and descriptor must be free again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gpu/virtio_gpu.h>
#include <tessera/errors.h>

#include "check.h"
#include "fake_virtq.h"

#define FAKE_PA   0x80040000ull
#define RAM_SIZE  (256u << 10)
#define QSIZE     VGPU_QSIZE_MAX

static uint8_t *ram;
static struct vgpu d;
static unsigned nnotify, nreset;
static uint8_t status;
static struct fdev dev;	/* the device side of the controlq */

void
vgpu_die(const char *msg)
{
	fprintf(stderr, "vgpu_die: %s\n", msg);
	abort();
}

/* ---- fake transport: records notifications, status and resets ---- */

static uint8_t
t_get_status(struct virtio_transport *t)
{
	(void)t;
	return status;
}

static void
t_set_status(struct virtio_transport *t, uint8_t s)
{
	(void)t;
	status = s;
}

static int
t_reset(struct virtio_transport *t)
{
	(void)t;
	status = 0;
	nreset++;
	return 0;
}

static void
t_notify(struct virtio_transport *t, uint16_t index)
{
	(void)t;
	CHECK_EQ(index, VGPU_CTRLQ);
	nnotify++;
}

static const struct virtio_transport_ops ops = {
	.get_status = t_get_status, .set_status = t_set_status,
	.reset = t_reset, .notify = t_notify,
};
static struct virtio_transport transport = { &ops, NULL };

/* A fresh vgpu of 800x600 over fresh fake RAM: ring at 0, slots after. */
static void
setup(void)
{
	memset(ram, 0xa5, RAM_SIZE);
	memset(&d, 0, sizeof(d));
	d.t = &transport;
	status = VIRTIO_CONFIG_S_DRIVER_OK;
	nnotify = nreset = 0;
	size_t ring = (vq_mem_size(QSIZE) + 4095) & ~4095ul;
	CHECK_EQ(vq_init(&d.q, VGPU_CTRLQ, QSIZE, ram, FAKE_PA, ring, d.slot, 0), 0);
	vgpu_cmd_init(&d, ram + ring, fv_pa(ram + ring));
	d.width = 800;
	d.height = 600;
	d.stride = 800 * 4;
}

/* Everything is free again. */
static void
all_free(void)
{
	CHECK_EQ(d.nfree_tag, VGPU_TAGS);
	CHECK_EQ(d.nfree_op, VGPU_OPS);
	CHECK_EQ(vq_nfree(&d.q), QSIZE);
	CHECK_EQ(vgpu_inflight(&d), 0);
	CHECK_EQ(dev.bad, 0);
}

/* ---- the fake device (fake_virtq.c: it sees physical addresses only) ---- */

/* One chain taken from the avail ring: its command and response buffers. */
struct gchain {
	uint16_t head;
	const struct virtio_gpu_ctrl_hdr *cmd;
	uint32_t cmd_len;
	uint8_t *resp;
	uint32_t resp_cap;
};

static int
dev_take(struct gchain *c)
{
	struct chain ch;

	if (!fv_pop(&dev, &ch))
		return 0;
	CHECK(ch.n == 2 && ch.nread == 1 && ch.nwrite == 1);
	c->head = ch.head;
	c->cmd = fv_va(ch.pa[0], ch.len[0]);
	c->cmd_len = ch.len[0];
	c->resp = fv_va(ch.pa[1], ch.len[1]);
	c->resp_cap = ch.len[1];
	CHECK(c->cmd != NULL && c->resp != NULL);
	return 1;
}

/* Answer chain c with response `type` and used length `used`; id = the
 * head unless `id` >= 0 overrides it. */
static void
dev_answer(const struct gchain *c, uint32_t type, uint32_t used, long id)
{
	struct virtio_gpu_ctrl_hdr h = { .type = type };
	memcpy(c->resp, &h, sizeof(h) < c->resp_cap ? sizeof(h) : c->resp_cap);
	fv_push(&dev, id >= 0 ? (uint32_t)id : c->head, used);
}

/* The device side of the fresh queue: nothing taken or used yet. */
static void
dev_reset(void)
{
	CHECK_EQ(fv_attach(&dev, QSIZE, d.q.desc_pa, d.q.avail_pa, d.q.used_pa), 0);
}

/* ---- tests ---- */

static void
test_flush_ok(void)
{
	struct gchain c[2];
	void *cookie;
	int st;

	setup();
	dev_reset();
	CHECK_EQ(vgpu_flush_submit(&d, 16, 560, 8, 16, &d), 0);
	CHECK_EQ(dev_take(&c[0]), 0);		/* not published yet */
	vgpu_kick(&d);
	CHECK_EQ(nnotify, 1);
	CHECK_EQ(dev_take(&c[0]), 1);
	CHECK_EQ(dev_take(&c[1]), 1);
	const struct virtio_gpu_transfer_to_host_2d *tr = (const void *)c[0].cmd;
	CHECK_EQ(c[0].cmd_len, sizeof(*tr));
	CHECK_EQ(tr->hdr.type, VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D);
	CHECK_EQ(tr->r.x, 16);
	CHECK_EQ(tr->r.y, 560);
	CHECK_EQ(tr->r.width, 8);
	CHECK_EQ(tr->r.height, 16);
	CHECK_EQ(tr->offset, 560 * 3200 + 16 * 4);
	CHECK_EQ(tr->resource_id, VGPU_RESOURCE);
	const struct virtio_gpu_resource_flush *fl = (const void *)c[1].cmd;
	CHECK_EQ(fl->hdr.type, VIRTIO_GPU_CMD_RESOURCE_FLUSH);
	CHECK_EQ(fl->r.width, 8);
	CHECK_EQ(fl->resource_id, VGPU_RESOURCE);
	CHECK_EQ(c[0].resp_cap, sizeof(struct virtio_gpu_ctrl_hdr));
	/* The op finishes with its last command, not before. */
	dev_answer(&c[0], VIRTIO_GPU_RESP_OK_NODATA, 24, -1);
	CHECK_EQ(vgpu_complete(&d, &cookie, &st), 0);
	CHECK_EQ(vgpu_inflight(&d), 1);
	dev_answer(&c[1], VIRTIO_GPU_RESP_OK_NODATA, 24, -1);
	CHECK_EQ(vgpu_complete(&d, &cookie, &st), 1);
	CHECK(cookie == &d);
	CHECK_EQ(st, 0);
	CHECK_EQ(vgpu_complete(&d, &cookie, &st), 0);
	CHECK_EQ(d.ncmds, 2);
	CHECK_EQ(d.nerrors, 0);
	all_free();
}

/* One flush op whose commands get (type, used) answers; its status. */
static int
flush_answered(uint32_t t0, uint32_t u0, uint32_t t1, uint32_t u1)
{
	struct gchain c[2];
	void *cookie = NULL;
	int st = 1;

	CHECK_EQ(vgpu_flush_submit(&d, 0, 0, 800, 600, &c), 0);
	vgpu_kick(&d);
	CHECK_EQ(dev_take(&c[0]) + dev_take(&c[1]), 2);
	dev_answer(&c[0], t0, u0, -1);
	dev_answer(&c[1], t1, u1, -1);
	CHECK_EQ(vgpu_complete(&d, &cookie, &st), 1);
	CHECK(cookie == &c);
	return st;
}

static void
test_bad_responses(void)
{
	const uint32_t ok = VIRTIO_GPU_RESP_OK_NODATA;

	setup();
	dev_reset();
	/* Every error type, on either command. */
	for (uint32_t e = VIRTIO_GPU_RESP_ERR_UNSPEC;
	     e <= VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER; e++) {
		d.err = NULL;
		CHECK_EQ(flush_answered(e, 24, ok, 24), -ERR_IO);
		CHECK(d.err && strstr(d.err, "TRANSFER_TO_HOST_2D: error response"));
		CHECK(d.err && strstr(d.err, vgpu_type_name(e)));
		CHECK_EQ(flush_answered(ok, 24, e, 24), -ERR_IO);
		CHECK(d.err && strstr(d.err, "RESOURCE_FLUSH"));
	}
	CHECK_STR(d.err, "vgpu: RESOURCE_FLUSH: error response (ERR_INVALID_PARAMETER, 24 bytes)");
	/* The wrong OK type, an unknown type, 0. */
	CHECK_EQ(flush_answered(VIRTIO_GPU_RESP_OK_DISPLAY_INFO, 24, ok, 24), -ERR_IO);
	CHECK(d.err && strstr(d.err, "unexpected response type (OK_DISPLAY_INFO"));
	CHECK_EQ(flush_answered(ok, 24, 0x1300, 24), -ERR_IO);
	CHECK(d.err && strstr(d.err, "unexpected response type (an unknown type"));
	CHECK_EQ(flush_answered(0, 24, ok, 24), -ERR_IO);
	/* Used lengths shorter than the header: 0, 1, 23. */
	CHECK_EQ(flush_answered(ok, 0, ok, 24), -ERR_IO);
	CHECK_STR(d.err, "vgpu: TRANSFER_TO_HOST_2D: response shorter than its header (-, 0 bytes)");
	CHECK_EQ(flush_answered(ok, 24, ok, 1), -ERR_IO);
	CHECK_EQ(flush_answered(ok, 23, ok, 23), -ERR_IO);
	/* Both refused: the op reports one error. */
	CHECK_EQ(flush_answered(VIRTIO_GPU_RESP_ERR_UNSPEC, 24, VIRTIO_GPU_RESP_ERR_UNSPEC, 24),
		 -ERR_IO);
	/* None of that broke the device: a good flush still works. */
	CHECK_EQ(d.broken, 0);
	CHECK_EQ(nreset, 0);
	CHECK_EQ(flush_answered(ok, 24, ok, 24), 0);
	CHECK_EQ(d.ncmds, 2 * (6 * 2 + 8));
	CHECK_EQ(d.nerrors, 6 * 2 + 9);
	all_free();
}

static void
test_display_info(void)
{
	struct virtio_gpu_ctrl_hdr h = { .type = VIRTIO_GPU_CMD_GET_DISPLAY_INFO };
	const void *cmd = &h;
	uint32_t len = sizeof(h), want = VIRTIO_GPU_RESP_OK_DISPLAY_INFO;
	struct virtio_gpu_resp_display_info info;
	struct gchain c;
	void *cookie;
	int st;
	uint32_t so, w, hh;

	setup();
	dev_reset();
	/* Full response: OK; short one (header only, one byte short): -ERR_IO. */
	const uint32_t used[3] = { sizeof(info), 24, sizeof(info) - 1 };
	const int expect[3] = { 0, -ERR_IO, -ERR_IO };
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(vgpu_submit(&d, &cmd, &len, &want, 1, &c), 0);
		vgpu_kick(&d);
		CHECK_EQ(dev_take(&c), 1);
		CHECK_EQ(c.resp_cap, sizeof(info));
		memset(&info, 0, sizeof(info));
		info.hdr.type = VIRTIO_GPU_RESP_OK_DISPLAY_INFO;
		info.pmodes[2] = (struct virtio_gpu_display_one){ { 0, 0, 1280, 800 }, 1, 0 };
		memcpy(c.resp, &info, sizeof(info));
		dev_answer(&c, VIRTIO_GPU_RESP_OK_DISPLAY_INFO, used[i], -1);
		/* The device changing the response after completing is not seen. */
		CHECK_EQ(vgpu_complete(&d, &cookie, &st), 1);
		memset(c.resp, 0xff, sizeof(info));
		CHECK_EQ(st, expect[i]);
	}
	CHECK(d.err && strstr(d.err, "GET_DISPLAY_INFO: response shorter than its type"));
	/* d.last holds the copy of the last response: scanout 2. */
	CHECK_EQ(d.last.info.pmodes[2].r.width, 1280);
	CHECK_EQ(vgpu_pick_mode(&d.last.info, &so, &w, &hh), 1);
	CHECK_EQ(so, 2);
	CHECK_EQ(w, 1280);
	CHECK_EQ(hh, 800);
	/* Unusable modes are skipped; none at all: 0. */
	memset(&info, 0, sizeof(info));
	info.pmodes[0] = (struct virtio_gpu_display_one){ { 0, 0, 9000, 600 }, 1, 0 };
	info.pmodes[1] = (struct virtio_gpu_display_one){ { 0, 0, 800, 0 }, 1, 0 };
	info.pmodes[3] = (struct virtio_gpu_display_one){ { 0, 0, 8192, 8192 }, 1, 0 };
	info.pmodes[4] = (struct virtio_gpu_display_one){ { 0, 0, 640, 480 }, 0, 0 };
	CHECK_EQ(vgpu_pick_mode(&info, &so, &w, &hh), 0);
	info.pmodes[15] = (struct virtio_gpu_display_one){ { 0, 0, 640, 480 }, 1, 0 };
	CHECK_EQ(vgpu_pick_mode(&info, &so, &w, &hh), 1);
	CHECK_EQ(so, 15);
	all_free();
}

/* A device that breaks the ring: every op in flight fails once, the device
 * is FAILED and reset, later calls fail. */
static void
broken_by(int how)
{
	struct gchain c[6];
	void *cookie;
	int st, seen[3] = { 0, 0, 0 };
	uint8_t tagv[3];

	setup();
	dev_reset();
	for (int i = 0; i < 3; i++)
		CHECK_EQ(vgpu_flush_submit(&d, 0, 0, 1, 1, &tagv[i]), 0);
	vgpu_kick(&d);
	for (int i = 0; i < 6; i++)
		CHECK_EQ(dev_take(&c[i]), 1);
	dev_answer(&c[0], VIRTIO_GPU_RESP_OK_NODATA, 24, -1);
	if (how == 0)		/* used length over the writable bytes */
		dev_answer(&c[1], VIRTIO_GPU_RESP_OK_NODATA, 25, -1);
	else if (how == 1)	/* an id out of range */
		dev_answer(&c[1], VIRTIO_GPU_RESP_OK_NODATA, 24, QSIZE + 3);
	else if (how == 2)	/* a descriptor that is not a chain's head */
		dev_answer(&c[1], VIRTIO_GPU_RESP_OK_NODATA, 24, c[1].head + 1);
	else			/* the same chain twice */
		dev_answer(&c[0], VIRTIO_GPU_RESP_OK_NODATA, 24, -1);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(vgpu_complete(&d, &cookie, &st), 1);
		CHECK_EQ(st, -ERR_IO);
		for (int j = 0; j < 3; j++)
			if (cookie == &tagv[j])
				seen[j]++;
	}
	CHECK_EQ(seen[0] + seen[1] + seen[2], 3);
	CHECK(seen[0] == 1 && seen[1] == 1 && seen[2] == 1);
	CHECK_EQ(vgpu_complete(&d, &cookie, &st), 0);
	CHECK_EQ(d.broken, 1);
	CHECK(d.err != NULL);
	CHECK_EQ(nreset, 1);
	CHECK_EQ(vgpu_flush_submit(&d, 0, 0, 1, 1, &d), -ERR_IO);
	unsigned n = nnotify;
	vgpu_kick(&d);
	CHECK_EQ(nnotify, n);
	all_free();
}

static void
test_broken_ring(void)
{
	for (int how = 0; how < 4; how++)
		broken_by(how);
}

static void
test_room_and_rects(void)
{
	struct gchain c;
	void *cookie;
	int st;

	setup();
	dev_reset();
	/* Rectangles: empty, outside, wrapping. */
	CHECK_EQ(vgpu_flush_submit(&d, 0, 0, 0, 1, &d), -ERR_INVAL);
	CHECK_EQ(vgpu_flush_submit(&d, 0, 0, 1, 0, &d), -ERR_INVAL);
	CHECK_EQ(vgpu_flush_submit(&d, 800, 0, 1, 1, &d), -ERR_INVAL);
	CHECK_EQ(vgpu_flush_submit(&d, 0, 600, 1, 1, &d), -ERR_INVAL);
	CHECK_EQ(vgpu_flush_submit(&d, 1, 0, 800, 1, &d), -ERR_INVAL);
	CHECK_EQ(vgpu_flush_submit(&d, 0, 1, 1, 600, &d), -ERR_INVAL);
	CHECK_EQ(vgpu_flush_submit(&d, 10, 10, 0xffffffffu, 1, &d), -ERR_INVAL);
	CHECK_EQ(vgpu_flush_submit(&d, 799, 599, 1, 1, &d), 0);
	/* Bad submits change nothing. */
	struct virtio_gpu_ctrl_hdr h = { .type = VIRTIO_GPU_CMD_GET_DISPLAY_INFO };
	const void *cmd[3] = { &h, &h, &h };
	uint32_t len[3] = { 24, 24, 24 }, want[3] = { 0, 0, 0 }, shortlen = 23, big = 513;
	CHECK_EQ(vgpu_submit(&d, cmd, len, want, 0, &d), -ERR_INVAL);
	CHECK_EQ(vgpu_submit(&d, cmd, len, want, 3, &d), -ERR_INVAL);
	CHECK_EQ(vgpu_submit(&d, cmd, &shortlen, want, 1, &d), -ERR_INVAL);
	CHECK_EQ(vgpu_submit(&d, cmd, &big, want, 1, &d), -ERR_INVAL);
	CHECK_EQ(vgpu_inflight(&d), 1);
	/* Fill every tag: 15 more flushes, then -ERR_AGAIN. */
	for (unsigned i = 1; i < VGPU_TAGS / 2; i++)
		CHECK_EQ(vgpu_flush_submit(&d, 0, 0, 1, 1, &d), 0);
	CHECK_EQ(vgpu_flush_submit(&d, 0, 0, 1, 1, &d), -ERR_AGAIN);
	CHECK_EQ(vgpu_submit(&d, cmd, len, want, 1, &d), -ERR_AGAIN);
	CHECK_EQ(d.nfree_tag, 0);
	vgpu_kick(&d);
	unsigned done = 0;
	while (dev_take(&c))
		dev_answer(&c, VIRTIO_GPU_RESP_OK_NODATA, 24, -1);
	while (vgpu_complete(&d, &cookie, &st) == 1) {
		CHECK_EQ(st, 0);
		done++;
	}
	CHECK_EQ(done, VGPU_TAGS / 2);
	all_free();
	/* And again, across the 16-bit index wrap of the rings. */
	for (unsigned round = 0; round < 40000; round++) {
		CHECK_EQ(vgpu_flush_submit(&d, 0, 0, 1, 1, &d), 0);
		vgpu_kick(&d);
		while (dev_take(&c))
			dev_answer(&c, VIRTIO_GPU_RESP_OK_NODATA, 24, -1);
		if (vgpu_complete(&d, &cookie, &st) != 1 || st != 0) {
			CHECK(0);
			break;
		}
	}
	all_free();
}

int
main(void)
{
	static const struct test_case tests[] = {
		{ "flush_ok", test_flush_ok },
		{ "bad_responses", test_bad_responses },
		{ "display_info", test_display_info },
		{ "broken_ring", test_broken_ring },
		{ "room_and_rects", test_room_and_rects },
	};

	ram = aligned_alloc(4096, RAM_SIZE);
	fv_ram_set(ram, FAKE_PA, RAM_SIZE);
	if (!ram)
		return 2;
	int rc = run_tests(tests, sizeof(tests) / sizeof(tests[0]));
	free(ram);
	return rc;
}
