/*
 * Host tests of drivers/blk/virtio_blk.c: attach, submit and above all the
 * completion path against a fake virtio-blk device (vdev.c, fake_virtq.c)
 * that answers with status bytes and used lengths chosen by the test,
 * including lies: a used length below the status byte, one over the
 * writable bytes, an unwritten status byte.  After each test every tag and
 * descriptor must be free again.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <blk/virtio_blk.h>
#include <tessera/errors.h>

#include "check.h"
#include "vdev.h"

#define CAPACITY 2048u	/* sectors: 1 MiB */
#define QMAX     64u

static struct vblk d;
static const struct pci_args args;

/* A fresh device (read-write, flush, seg_max 4) and the driver on it. */
static void
attach(void)
{
	struct virtio_blk_config cfg = { .capacity = CAPACITY, .seg_max = 4, .blk_size = 512 };

	vdev_init((1ull << VIRTIO_BLK_F_FLUSH) | (1ull << VIRTIO_BLK_F_SEG_MAX) |
		  (1ull << VIRTIO_BLK_F_BLK_SIZE), 1, QMAX);
	memcpy(vdev.config, &cfg, sizeof(cfg));
	CHECK_EQ(vblk_attach(&d, &args, vdev_window(VBLK_VA_SPAN)), 0);
}

/* Every tag and descriptor is back, the device saw no driver error. */
static void
all_free(void)
{
	CHECK_EQ(vblk_inflight(&d), 0);
	CHECK_EQ(vq_nfree(&d.q), d.q.size);
	CHECK_EQ(vdev.q[0].bad, 0);
}

/* Submit one read of `len` bytes at `sector` into vdev_buf(off), publish. */
static int
read_req(uint64_t sector, uint32_t off, uint32_t len, void *cookie)
{
	struct vq_seg s = { vdev_buf_pa(off), len };
	int rc = vblk_submit(&d, VIRTIO_BLK_T_IN, sector, &s, 1, cookie);

	vblk_kick(&d);
	return rc;
}

/* Device: take the next request, check its header, fill the data with
 * `seed`, write status byte `st` and post used length `used` (~0u: the
 * honest one).  Returns the chain's head, or -1 if none. */
static long
answer(uint8_t st, uint32_t used, uint8_t seed)
{
	struct chain c;
	struct virtio_blk_outhdr h;

	if (!fv_pop(&vdev.q[0], &c))
		return -1;
	CHECK(c.nread == 1 && c.len[0] == sizeof(h) && c.nwrite >= 1);
	CHECK_EQ(fv_read(&c, &h, sizeof(h)), sizeof(h));
	CHECK_EQ(c.len[c.n - 1], 1);	/* the status byte is last */
	fv_fill(&c, c.wbytes - 1, seed);
	*(uint8_t *)fv_va(c.pa[c.n - 1], 1) = st;
	fv_push(&vdev.q[0], c.head, used == ~0u ? c.wbytes : used);
	return c.head;
}

/* Complete one request: returns its status, checks the cookie. */
static int
complete_one(void *want_cookie)
{
	void *cookie = NULL;
	int status = 1;

	CHECK_EQ(vblk_complete(&d, &cookie, &status), 1);
	CHECK(cookie == want_cookie);
	return status;
}

static void
test_attach(void)
{
	attach();
	CHECK_EQ(d.capacity, CAPACITY);
	CHECK_EQ(d.blk_size, 512);
	CHECK_EQ(d.seg_max, 4);
	CHECK_EQ(d.flush, 1);
	CHECK_EQ(d.ro, 0);
	CHECK_EQ(vdev.qset[0], 1);
	CHECK_EQ(d.q.size, QMAX);
	CHECK(vdev.status & VIRTIO_CONFIG_S_DRIVER_OK);
	CHECK_EQ(vblk_size(&d), CAPACITY * 512ull);
	all_free();
}

/* A read: header (type IN, sector), data written, status OK. */
static void
test_read_ok(void)
{
	struct chain c;
	struct virtio_blk_outhdr h;
	int cookie;

	attach();
	CHECK_EQ(read_req(8, 0, 1024, &cookie), 0);
	CHECK_EQ(vdev.nnotify[0], 1);
	CHECK(fv_pop(&vdev.q[0], &c));
	CHECK_EQ(fv_read(&c, &h, sizeof(h)), sizeof(h));
	CHECK_EQ(h.type, VIRTIO_BLK_T_IN);
	CHECK_EQ(h.sector, 8);
	CHECK_EQ(c.n, 3);
	CHECK_EQ(c.pa[1], vdev_buf_pa(0));
	CHECK_EQ(c.len[1], 1024);
	fv_fill(&c, 1024, 0x40);
	*(uint8_t *)fv_va(c.pa[2], 1) = VIRTIO_BLK_S_OK;
	fv_push(&vdev.q[0], c.head, 1025);
	CHECK_EQ(complete_one(&cookie), 0);
	CHECK_EQ(((uint8_t *)vdev_buf(0))[1023], (uint8_t)(0x40 + 1023));
	void *ck;
	int st;
	CHECK_EQ(vblk_complete(&d, &ck, &st), 0);
	all_free();
}

/* The status byte decides: IOERR -> -ERR_IO, UNSUPP -> -ERR_NOTSUP,
 * anything else (incl. the 0xff the driver left) -> -ERR_IO. */
static void
test_status_bytes(void)
{
	static const struct { uint8_t st; int want; } cases[] = {
		{ VIRTIO_BLK_S_OK, 0 },
		{ VIRTIO_BLK_S_IOERR, -ERR_IO },
		{ VIRTIO_BLK_S_UNSUPP, -ERR_NOTSUP },
		{ 3, -ERR_IO },
		{ 0xff, -ERR_IO },
	};
	int cookie;

	attach();
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_EQ(read_req(0, 0, 512, &cookie), 0);
		CHECK(answer(cases[i].st, ~0u, 1) >= 0);
		CHECK_EQ(complete_one(&cookie), cases[i].want);
	}
	all_free();
}

/* A used length that does not even cover the status byte: the byte may be
 * stale, the request failed (-ERR_IO), even with an OK status byte. */
static void
test_used_len_short(void)
{
	int cookie;

	attach();
	CHECK_EQ(read_req(0, 0, 512, &cookie), 0);
	CHECK(answer(VIRTIO_BLK_S_OK, 0, 1) >= 0);
	CHECK_EQ(complete_one(&cookie), -ERR_IO);
	/* One byte (the status) is enough for the protocol. */
	CHECK_EQ(read_req(0, 0, 512, &cookie), 0);
	CHECK(answer(VIRTIO_BLK_S_OK, 1, 1) >= 0);
	CHECK_EQ(complete_one(&cookie), 0);
	CHECK_EQ(d.broken, 0);
	all_free();
}

/* A used length over the writable bytes breaks the ring protocol: the
 * device is set FAILED and reset, every request in flight comes back with
 * -ERR_IO, later submits fail. */
static void
test_used_len_over(void)
{
	int ck[3];
	void *cookie;
	int status, seen = 0;

	attach();
	for (int i = 0; i < 3; i++)
		CHECK_EQ(read_req((uint64_t)i, (uint32_t)i * 512, 512, &ck[i]), 0);
	unsigned resets = vdev.nreset;
	CHECK(answer(VIRTIO_BLK_S_OK, 512 + 2, 1) >= 0);
	while (vblk_complete(&d, &cookie, &status) == 1) {
		CHECK_EQ(status, -ERR_IO);
		for (int i = 0; i < 3; i++)
			if (cookie == &ck[i])
				seen |= 1 << i;
	}
	CHECK_EQ(seen, 7);
	CHECK_EQ(d.broken, 1);
	CHECK_EQ(vdev.nreset, resets + 1);
	CHECK(vdev.status == 0);	/* FAILED was set, then reset */
	CHECK_EQ(read_req(0, 0, 512, &ck[0]), -ERR_IO);
	CHECK_EQ(vblk_inflight(&d), 0);
}

/* Completions in any order map back to their cookies; tags are reused. */
static void
test_out_of_order(void)
{
	int ck[8];
	struct chain c[8];

	attach();
	for (int i = 0; i < 8; i++)
		CHECK_EQ(read_req((uint64_t)i, (uint32_t)i * 512, 512, &ck[i]), 0);
	CHECK_EQ(vblk_inflight(&d), 8);
	for (int i = 0; i < 8; i++)
		CHECK(fv_pop(&vdev.q[0], &c[i]));
	for (int i = 7; i >= 0; i--) {
		*(uint8_t *)fv_va(c[i].pa[c[i].n - 1], 1) =
			i % 3 ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
		fv_push(&vdev.q[0], c[i].head, 513);
	}
	for (int i = 7; i >= 0; i--)
		CHECK_EQ(complete_one(&ck[i]), i % 3 ? 0 : -ERR_IO);
	all_free();
}

/* Requests refused before anything changes. */
static void
test_refused(void)
{
	struct vq_seg s = { vdev_buf_pa(0), 512 }, odd = { vdev_buf_pa(0), 100 };
	struct vq_seg five[5] = { s, s, s, s, s };
	int cookie;

	attach();
	CHECK_EQ(vblk_submit(&d, VIRTIO_BLK_T_IN, CAPACITY, &s, 1, &cookie), -ERR_RANGE);
	CHECK_EQ(vblk_submit(&d, VIRTIO_BLK_T_IN, 0, &odd, 1, &cookie), -ERR_INVAL);
	CHECK_EQ(vblk_submit(&d, VIRTIO_BLK_T_IN, 0, five, 5, &cookie), -ERR_INVAL);
	CHECK_EQ(vblk_submit(&d, VIRTIO_BLK_T_FLUSH, 0, &s, 1, &cookie), -ERR_INVAL);
	CHECK_EQ(vblk_submit(&d, 99, 0, &s, 1, &cookie), -ERR_INVAL);
	vblk_kick(&d);
	CHECK_EQ(fv_avail_pending(&vdev.q[0]), 0);
	all_free();
}

int
main(void)
{
	static const struct test_case tests[] = {
		{ "attach", test_attach },
		{ "read_ok", test_read_ok },
		{ "status_bytes", test_status_bytes },
		{ "used_len_short", test_used_len_short },
		{ "used_len_over", test_used_len_over },
		{ "out_of_order", test_out_of_order },
		{ "refused", test_refused },
	};

	return run_tests(tests, sizeof(tests) / sizeof(tests[0]));
}
