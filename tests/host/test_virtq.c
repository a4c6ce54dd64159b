/*
 * Host tests of drivers/virtio/virtq.c against a fake device.
 *
 * The fake device sees only "physical" addresses: ring memory and buffers
 * live in one malloc'd block of fake RAM whose physical base (FAKE_PA) is
 * unrelated to its virtual address, so any place where the driver used a
 * virtual address as a physical one (or the reverse) fails a check.  The
 * device side (fake_virtq.c) is written from the spec (2.7), not from virtq.c: it walks
 * descriptor chains through `next`, checks the flags, writes the used ring
 * and, when told to, misbehaves.  After each test the queue is drained and
 * every descriptor must be free again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tessera/errors.h>
#include <virtio/virtq.h>

#include "check.h"
#include "fake_virtq.h"

#define FAKE_PA   0x80003000ull
#define RAM_SIZE  (1u << 20)
#define RING_OFF  0
#define BUF_OFF   (512u << 10)
#define MAX_Q     256

static uint8_t *ram;

/* ---- test set-up ---- */

static struct vq q;
static struct vq_slot slots[MAX_Q];
static struct fdev dev;

static void
setup(unsigned size, int event_idx)
{
	memset(ram, 0xa5, RAM_SIZE);
	CHECK_EQ(vq_init(&q, 0, size, ram + RING_OFF, FAKE_PA + RING_OFF,
	    BUF_OFF, slots, event_idx), 0);
	CHECK_EQ(fv_attach(&dev, q.size, q.desc_pa, q.avail_pa, q.used_pa), 0);
}

/* A buffer of fake RAM for request i. */
static struct vq_seg
buf(unsigned i, uint32_t len)
{
	struct vq_seg s = { fv_pa(ram + BUF_OFF + (size_t)i * 1024), len };

	return s;
}

/* Drain everything, then every descriptor must be free again. */
static void
teardown(void)
{
	void *cookie;
	unsigned n = 0;

	while (vq_drain(&q, &cookie) > 0)
		n++;
	CHECK(n <= q.size);
	CHECK_EQ(vq_nfree(&q), q.size);
	CHECK_EQ(q.ninflight, 0);
	CHECK_EQ(dev.bad, 0);
}

/* One request of nout readable + nin writable buffers, all through the
 * device and back; checks what both sides saw. */
static void
round_trip(unsigned nout, unsigned nin, uintptr_t tag)
{
	struct vq_seg out[MAX_Q], in[MAX_Q];
	struct chain c;
	unsigned i, before = vq_nfree(&q);
	uint32_t wcap = 0, len = 0;
	void *cookie = NULL;
	int head;

	for (i = 0; i < nout; i++)
		out[i] = buf(i, 16 + i);
	for (i = 0; i < nin; i++) {
		in[i] = buf(nout + i, 32 + i);
		wcap += in[i].len;
	}
	head = vq_add(&q, out, nout, in, nin, (void *)tag);
	CHECK(head >= 0 && head < (int)q.size);
	CHECK_EQ(vq_nfree(&q), before - nout - nin);
	CHECK_EQ(fv_avail_pending(&dev), 0); /* not published yet */
	vq_publish(&q);
	CHECK_EQ(fv_pop(&dev, &c), 1);
	CHECK_EQ(c.head, head);
	CHECK_EQ(c.n, nout + nin);
	CHECK_EQ(c.nread, nout);
	CHECK_EQ(c.nwrite, nin);
	for (i = 0; i < nout; i++) {
		CHECK_EQ(c.pa[i], out[i].pa);
		CHECK_EQ(c.len[i], out[i].len);
	}
	for (i = 0; i < nin; i++) {
		CHECK_EQ(c.pa[nout + i], in[i].pa);
		CHECK_EQ(c.len[nout + i], in[i].len);
	}
	fv_fill(&c, wcap, (uint8_t)tag);
	fv_push(&dev, c.head, wcap);
	CHECK_EQ(vq_reap(&q, &cookie, &len), 1);
	CHECK_EQ((uintptr_t)cookie, tag);
	CHECK_EQ(len, wcap);
	CHECK_EQ(vq_reap(&q, &cookie, &len), 0);
	CHECK_EQ(vq_nfree(&q), before);
	if (nin > 0) {
		uint8_t *p = ram + BUF_OFF + (size_t)nout * 1024;
		CHECK_EQ(p[0], (uint8_t)tag);
	}
}

/* Run `n` single-descriptor requests through, to move the 16-bit ring
 * indices to a chosen point. */
static void
advance(unsigned n)
{
	struct vq_seg s = buf(0, 8);
	struct chain c;
	uint32_t len;
	void *cookie;
	unsigned i;

	for (i = 0; i < n; i++) {
		if (vq_add(&q, &s, 1, NULL, 0, NULL) < 0 ||
		    (vq_publish(&q), fv_pop(&dev, &c)) != 1) {
			CHECK(0);
			return;
		}
		fv_push(&dev, c.head, 0);
		if (vq_reap(&q, &cookie, &len) != 1) {
			CHECK(0);
			return;
		}
	}
}

/* ---- tests ---- */

static void
test_layout(void)
{
	CHECK_EQ(vq_mem_size(0), 0);
	CHECK_EQ(vq_mem_size(3), 0);
	CHECK_EQ(vq_mem_size(VQ_MAX_SIZE * 2), 0);
	/* 256: desc 4096, avail 6+512 (+2 used_event) -> used at 4672 */
	CHECK_EQ(vq_mem_size(256), 4672 + 6 + 8 * 256);
	CHECK_EQ(vq_mem_size(1), 64 + 6 + 8);
	CHECK(vq_mem_size(VQ_MAX_SIZE) > 0);

	CHECK_EQ(vq_init(&q, 0, 6, ram, FAKE_PA, BUF_OFF, slots, 0), -ERR_INVAL);
	CHECK_EQ(vq_init(&q, 0, 8, ram + 8, FAKE_PA, BUF_OFF, slots, 0), -ERR_INVAL);
	CHECK_EQ(vq_init(&q, 0, 8, ram, FAKE_PA + 4, BUF_OFF, slots, 0), -ERR_INVAL);
	CHECK_EQ(vq_init(&q, 0, 8, ram, FAKE_PA, vq_mem_size(8) - 1, slots, 0),
	    -ERR_INVAL);
	CHECK_EQ(vq_init(&q, 0, 8, ram, FAKE_PA, BUF_OFF, NULL, 0), -ERR_INVAL);

	setup(256, 0);
	CHECK_EQ(q.desc_pa, FAKE_PA);
	CHECK_EQ(q.avail_pa, FAKE_PA + 4096);
	CHECK_EQ(q.used_pa, FAKE_PA + 4672);
	CHECK(q.desc == (void *)ram);
	CHECK(q.used == (void *)(ram + 4672));
	CHECK_EQ(q.used_pa % 4, 0);
	CHECK_EQ(vq_nfree(&q), 256);
	/* Ring memory zeroed, buffers untouched. */
	CHECK_EQ(ram[vq_mem_size(256) - 1], 0);
	CHECK_EQ(ram[vq_mem_size(256)], 0xa5);
	teardown();
}

static void
test_chains(void)
{
	unsigned n, k;

	setup(16, 0);
	for (n = 1; n <= 16; n++)
		for (k = 0; k <= n; k++)
			round_trip(k, n - k, n * 100 + k);
	teardown();
}

static void
test_many_in_flight_out_of_order(void)
{
	struct vq_seg s[3];
	struct chain c[8];
	void *cookie;
	uint32_t len;
	unsigned i;
	int heads[8];

	setup(32, 0);
	for (i = 0; i < 8; i++) {
		s[0] = buf(3 * i, 16);
		s[1] = buf(3 * i + 1, 512);
		s[2] = buf(3 * i + 2, 1);
		heads[i] = vq_add(&q, s, 1, s + 1, 2, (void *)(uintptr_t)(i + 1));
		CHECK(heads[i] >= 0);
	}
	CHECK_EQ(vq_nfree(&q), 32 - 24);
	CHECK_EQ(vq_publish(&q), 1);
	for (i = 0; i < 8; i++) {
		CHECK_EQ(fv_pop(&dev, &c[i]), 1);
		CHECK_EQ(c[i].head, heads[i]);
		CHECK_EQ(c[i].wbytes, 513);
	}
	/* Complete in reverse order, with short lengths. */
	for (i = 8; i-- > 0;)
		fv_push(&dev, c[i].head, i);
	for (i = 8; i-- > 0;) {
		CHECK_EQ(vq_reap(&q, &cookie, &len), 1);
		CHECK_EQ((uintptr_t)cookie, i + 1);
		CHECK_EQ(len, i);
	}
	CHECK_EQ(vq_nfree(&q), 32);
	/* The reordered free list still gives out every descriptor. */
	round_trip(16, 16, 99);
	teardown();
}

static void
test_full_queue(void)
{
	struct vq_seg s[9], zero = buf(0, 0), wrap = { ~0ull - 4, 16 };
	struct vq_seg big[2] = { buf(0, 0x80000000u), buf(1, 0x80000000u) };
	struct chain c;
	void *cookie;
	uint32_t len;
	unsigned i;

	setup(8, 0);
	for (i = 0; i < 9; i++)
		s[i] = buf(i, 64);
	CHECK_EQ(vq_add(&q, s, 9, NULL, 0, NULL), -ERR_TOOBIG);
	CHECK_EQ(vq_add(&q, NULL, 0, NULL, 0, NULL), -ERR_INVAL);
	CHECK_EQ(vq_add(&q, &zero, 1, NULL, 0, NULL), -ERR_INVAL);
	CHECK_EQ(vq_add(&q, &wrap, 1, NULL, 0, NULL), -ERR_INVAL);
	CHECK_EQ(vq_add(&q, NULL, 0, big, 2, NULL), -ERR_INVAL);
	CHECK_EQ(vq_nfree(&q), 8);
	CHECK_EQ(vq_add(&q, s, 5, NULL, 0, (void *)1), 0);
	CHECK_EQ(vq_add(&q, s, 3, NULL, 0, (void *)2), 5);
	CHECK_EQ(vq_nfree(&q), 0);
	CHECK_EQ(vq_add(&q, s, 1, NULL, 0, NULL), -ERR_AGAIN);
	CHECK_EQ(vq_nfree(&q), 0);
	CHECK_EQ(q.ninflight, 2);
	vq_publish(&q);
	CHECK_EQ(fv_pop(&dev, &c), 1);
	fv_push(&dev, c.head, 0);
	CHECK_EQ(vq_reap(&q, &cookie, &len), 1);
	CHECK_EQ((uintptr_t)cookie, 1);
	CHECK_EQ(vq_nfree(&q), 5);
	CHECK_EQ(vq_add(&q, s, 6, NULL, 0, NULL), -ERR_AGAIN);
	CHECK(vq_add(&q, s, 5, NULL, 0, (void *)3) >= 0);
	CHECK_EQ(vq_nfree(&q), 0);
	teardown();
}

static void
test_wrap_16bit(void)
{
	unsigned i;

	setup(4, 0);
	advance(65530);
	CHECK_EQ(q.avail_idx, 65530);
	CHECK_EQ(q.last_used, 65530);
	CHECK_EQ(dev.used_idx, 65530);
	/* Chains of 1..4 while avail and used indices cross 65535 -> 0. */
	for (i = 0; i < 12; i++)
		round_trip(i % 4 == 0 ? 0 : 1, i % 4 + (i % 4 == 0 ? 1 : 0),
		    1000 + i);
	CHECK_EQ(q.avail_idx, (uint16_t)(65530 + 12));
	CHECK_EQ(q.avail->idx, (uint16_t)(65530 + 12));
	CHECK_EQ(q.used->idx, (uint16_t)(65530 + 12));
	/* A full queue of 4 across the wrap, completed out of order. */
	{
		struct vq_seg s = buf(0, 64);
		struct chain c[4];
		void *cookie;
		uint32_t len;

		advance((uint16_t)(65534 - q.avail_idx));
		for (i = 0; i < 4; i++)
			CHECK(vq_add(&q, NULL, 0, &s, 1, (void *)(uintptr_t)(i + 1)) >= 0);
		CHECK_EQ(vq_add(&q, NULL, 0, &s, 1, NULL), -ERR_AGAIN);
		vq_publish(&q);
		CHECK_EQ(q.avail->idx, 2);
		for (i = 0; i < 4; i++)
			CHECK_EQ(fv_pop(&dev, &c[i]), 1);
		fv_push(&dev, c[2].head, 3);
		fv_push(&dev, c[0].head, 1);
		fv_push(&dev, c[3].head, 4);
		fv_push(&dev, c[1].head, 2);
		CHECK_EQ(q.used->idx, 2);
		for (i = 0; i < 4; i++) {
			static const unsigned order[4] = { 3, 1, 4, 2 };
			CHECK_EQ(vq_reap(&q, &cookie, &len), 1);
			CHECK_EQ((uintptr_t)cookie, order[i]);
			CHECK_EQ(len, order[i]);
		}
		CHECK_EQ(vq_reap(&q, &cookie, &len), 0);
	}
	teardown();
}

/* Without VIRTIO_RING_F_EVENT_IDX: the device's NO_NOTIFY flag decides;
 * our NO_INTERRUPT flag follows vq_intr_*. */
static void
test_notify_flags(void)
{
	struct vq_seg s = buf(0, 8);
	struct chain c;

	setup(8, 0);
	CHECK_EQ(vq_publish(&q), 0); /* nothing new */
	vq_add(&q, &s, 1, NULL, 0, NULL);
	CHECK_EQ(vq_publish(&q), 1);
	CHECK_EQ(vq_publish(&q), 0); /* nothing new since */
	dev.used->flags = VRING_USED_F_NO_NOTIFY;
	vq_add(&q, &s, 1, NULL, 0, NULL);
	CHECK_EQ(vq_publish(&q), 0);
	dev.used->flags = 0;
	vq_add(&q, &s, 1, NULL, 0, NULL);
	CHECK_EQ(vq_publish(&q), 1);

	vq_intr_disable(&q);
	CHECK_EQ(dev.avail->flags, VRING_AVAIL_F_NO_INTERRUPT);
	CHECK_EQ(vq_intr_enable(&q), 0);
	CHECK_EQ(dev.avail->flags, 0);
	CHECK_EQ(fv_pop(&dev, &c), 1);
	vq_intr_disable(&q);
	fv_push(&dev, c.head, 0);
	CHECK_EQ(vq_intr_enable(&q), 1); /* work arrived while disabled */
	teardown();
}

/* With VIRTIO_RING_F_EVENT_IDX (2.7.10): notify iff avail_event is in
 * [old, new); used_event tracks what we reaped. */
static void
test_event_idx(void)
{
	struct vq_seg s = buf(0, 8);
	uint16_t *avail_event;
	struct chain c;
	void *cookie;
	uint32_t len;

	setup(8, 1);
	avail_event = (uint16_t *)&dev.used->ring[8];
	*avail_event = 0;
	vq_add(&q, &s, 1, NULL, 0, NULL);
	CHECK_EQ(vq_publish(&q), 1);            /* old 0, new 1, event 0 */
	vq_add(&q, &s, 1, NULL, 0, NULL);
	vq_add(&q, &s, 1, NULL, 0, NULL);
	CHECK_EQ(vq_publish(&q), 0);            /* old 1, new 3, event 0 */
	*avail_event = 3;
	vq_add(&q, &s, 1, NULL, 0, NULL);
	CHECK_EQ(vq_publish(&q), 1);            /* old 3, new 4, event 3 */
	*avail_event = 5;
	vq_add(&q, &s, 1, NULL, 0, NULL);
	CHECK_EQ(vq_publish(&q), 0);            /* old 4, new 5, event 5 */
	vq_add(&q, &s, 1, NULL, 0, NULL);
	CHECK_EQ(vq_publish(&q), 1);            /* old 5, new 6, event 5 */
	/* The flag is ignored with event index. */
	dev.used->flags = VRING_USED_F_NO_NOTIFY;
	*avail_event = 6;
	vq_add(&q, &s, 1, NULL, 0, NULL);
	CHECK_EQ(vq_publish(&q), 1);
	dev.used->flags = 0;

	/* used_event follows the reaped index; not written while disabled. */
	CHECK_EQ(dev.avail->ring[8], 0);
	CHECK_EQ(fv_pop(&dev, &c), 1);
	fv_push(&dev, c.head, 0);
	CHECK_EQ(vq_reap(&q, &cookie, &len), 1);
	CHECK_EQ(dev.avail->ring[8], 1);
	vq_intr_disable(&q);
	CHECK_EQ(dev.avail->flags, 0); /* event index: flag not used */
	CHECK_EQ(fv_pop(&dev, &c), 1);
	fv_push(&dev, c.head, 0);
	CHECK_EQ(vq_reap(&q, &cookie, &len), 1);
	CHECK_EQ(dev.avail->ring[8], 1);
	CHECK_EQ(vq_intr_enable(&q), 0);
	CHECK_EQ(dev.avail->ring[8], 2);
	teardown();

	/* Across the 16-bit wrap: old 65534, new 2. */
	setup(8, 1);
	avail_event = (uint16_t *)&dev.used->ring[8];
	advance(65534);
	*avail_event = 65535;
	vq_add(&q, &s, 1, NULL, 0, NULL);
	vq_add(&q, &s, 1, NULL, 0, NULL);
	vq_add(&q, &s, 1, NULL, 0, NULL);
	vq_add(&q, &s, 1, NULL, 0, NULL);
	CHECK_EQ(vq_publish(&q), 1);
	*avail_event = 2;
	vq_add(&q, &s, 1, NULL, 0, NULL);
	CHECK_EQ(vq_publish(&q), 1);            /* old 2, new 3, event 2 */
	*avail_event = 65534;
	vq_add(&q, &s, 1, NULL, 0, NULL);
	CHECK_EQ(vq_publish(&q), 0);            /* event long passed */
	teardown();
}

/* Fill the queue with two chains in flight, published and popped. */
static void
two_in_flight(struct chain *c)
{
	struct vq_seg out = buf(0, 16), in[2] = { buf(1, 100), buf(2, 28) };

	CHECK(vq_add(&q, &out, 1, in, 2, (void *)1) >= 0);
	CHECK(vq_add(&q, &out, 1, in, 1, (void *)2) >= 0);
	vq_publish(&q);
	CHECK_EQ(fv_pop(&dev, &c[0]), 1);
	CHECK_EQ(fv_pop(&dev, &c[1]), 1);
}

/* After a device error: nothing freed, everything refused, and the
 * in-flight chains come back once by vq_drain. */
static void
check_broken(unsigned nfree_before)
{
	struct vq_seg s = buf(0, 8);
	void *cookie, *got[2] = { 0, 0 };
	uint32_t len = 0xdead;
	unsigned n = 0;

	CHECK_EQ(vq_nfree(&q), nfree_before);
	CHECK_EQ(len, 0xdead);
	CHECK_EQ(vq_reap(&q, &cookie, &len), -ERR_IO);
	CHECK_EQ(vq_add(&q, &s, 1, NULL, 0, NULL), -ERR_IO);
	CHECK_EQ(vq_nfree(&q), nfree_before);
	CHECK(q.err != NULL);
	while (vq_drain(&q, &cookie) > 0) {
		if (n < 2)
			got[n] = cookie;
		n++;
	}
	CHECK_EQ(n, q.ninflight + 2); /* q.ninflight is 0 now */
	CHECK((got[0] == (void *)1 && got[1] == (void *)2) ||
	    (got[0] == (void *)2 && got[1] == (void *)1));
	CHECK_EQ(vq_nfree(&q), q.size);
	/* A fresh start over the same memory works. */
	setup(q.size, 0);
	round_trip(2, 3, 7);
}

static void
test_bad_used_idx(void)
{
	struct chain c[2];
	void *cookie;
	uint32_t len = 0xdead;

	/* Index jumps by more than the queue size. */
	setup(8, 0);
	two_in_flight(c);
	fv_push(&dev, c[0].head, 0);
	__atomic_store_n(&dev.used->idx, (uint16_t)(8 + 1), __ATOMIC_RELEASE);
	CHECK_EQ(vq_reap(&q, &cookie, &len), -ERR_IO);
	CHECK_EQ(len, 0xdead);
	check_broken(8 - 5);
	teardown();

	/* By less than the size, but more than the chains in flight. */
	setup(8, 0);
	two_in_flight(c);
	fv_push(&dev, c[0].head, 0);
	fv_push(&dev, c[1].head, 0);
	fv_push(&dev, c[1].head, 0);
	CHECK_EQ(vq_reap(&q, &cookie, &len), -ERR_IO);
	check_broken(8 - 5);
	teardown();

	/* Backwards (a huge jump modulo 2^16). */
	setup(8, 0);
	two_in_flight(c);
	__atomic_store_n(&dev.used->idx, (uint16_t)0xffff, __ATOMIC_RELEASE);
	CHECK_EQ(vq_reap(&q, &cookie, &len), -ERR_IO);
	check_broken(8 - 5);
	teardown();
}

static void
test_bad_id(void)
{
	static const uint32_t ids[] = { 8, 9, 0xffff, 0x10000, 0xffffffffu };
	struct chain c[2];
	void *cookie;
	uint32_t len;
	unsigned i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		setup(8, 0);
		two_in_flight(c);
		fv_push(&dev, ids[i], 0);
		CHECK_EQ(vq_reap(&q, &cookie, &len), -ERR_IO);
		check_broken(8 - 5);
		teardown();
	}
}

static void
test_not_in_flight(void)
{
	struct chain c[2];
	void *cookie;
	uint32_t len;

	/* Double completion. */
	setup(8, 0);
	two_in_flight(c);
	fv_push(&dev, c[0].head, 10);
	fv_push(&dev, c[0].head, 10);
	CHECK_EQ(vq_reap(&q, &cookie, &len), 1);
	CHECK_EQ((uintptr_t)cookie, 1);
	CHECK_EQ(vq_nfree(&q), 8 - 2);
	CHECK_EQ(vq_reap(&q, &cookie, &len), -ERR_IO);
	CHECK_EQ(vq_nfree(&q), 8 - 2);
	/* only chain 2 is left to drain */
	CHECK_EQ(vq_drain(&q, &cookie), 1);
	CHECK_EQ((uintptr_t)cookie, 2);
	CHECK_EQ(vq_drain(&q, &cookie), 0);
	teardown();

	/* A descriptor inside a chain, not its head. */
	setup(8, 0);
	two_in_flight(c);
	fv_push(&dev, c[0].head + 1u, 0);
	CHECK_EQ(vq_reap(&q, &cookie, &len), -ERR_IO);
	check_broken(8 - 5);
	teardown();

	/* A free descriptor. */
	setup(8, 0);
	two_in_flight(c);
	fv_push(&dev, 7, 0);
	CHECK_EQ(vq_reap(&q, &cookie, &len), -ERR_IO);
	check_broken(8 - 5);
	teardown();
}

static void
test_len_too_big(void)
{
	struct vq_seg s = buf(0, 8);
	struct chain c[2];
	void *cookie;
	uint32_t len;

	setup(8, 0);
	two_in_flight(c);
	fv_push(&dev, c[1].head, 100); /* exactly the writable bytes */
	fv_push(&dev, c[0].head, 129); /* one more than 100 + 28 */
	CHECK_EQ(vq_reap(&q, &cookie, &len), 1);
	CHECK_EQ((uintptr_t)cookie, 2);
	CHECK_EQ(len, 100);
	CHECK_EQ(vq_reap(&q, &cookie, &len), -ERR_IO);
	CHECK_EQ(vq_nfree(&q), 8 - 3);
	teardown();

	/* A read-only chain: any length is too big. */
	setup(8, 0);
	CHECK(vq_add(&q, &s, 1, NULL, 0, NULL) >= 0);
	vq_publish(&q);
	CHECK_EQ(fv_pop(&dev, &c[0]), 1);
	fv_push(&dev, c[0].head, 1);
	CHECK_EQ(vq_reap(&q, &cookie, &len), -ERR_IO);
	CHECK_EQ(vq_nfree(&q), 7);
	teardown();

	setup(8, 0);
	two_in_flight(c);
	fv_push(&dev, c[0].head, 0xffffffffu);
	CHECK_EQ(vq_reap(&q, &cookie, &len), -ERR_IO);
	check_broken(8 - 5);
	teardown();
}

/* The device scribbles over the descriptor table and the avail ring: the
 * driver's free list must not follow it. */
static void
test_device_scribbles_descs(void)
{
	struct chain c[2];
	void *cookie;
	uint32_t len;
	unsigned i;

	setup(8, 0);
	two_in_flight(c);
	for (i = 0; i < 8; i++) {
		dev.desc[i].next = 0xffff;
		dev.desc[i].flags = 0xffff;
		dev.avail->ring[i] = 0xffff;
	}
	fv_push(&dev, c[0].head, 0);
	fv_push(&dev, c[1].head, 0);
	CHECK_EQ(vq_reap(&q, &cookie, &len), 1);
	CHECK_EQ(vq_reap(&q, &cookie, &len), 1);
	CHECK_EQ(vq_nfree(&q), 8);
	/* Every descriptor can still be handed out once. */
	dev.last_avail = q.avail_idx;
	round_trip(4, 4, 5);
	teardown();
}

static void
test_random_against_model(void)
{
	struct vq_seg s[8];
	struct chain c;
	uintptr_t popped[64];
	unsigned npopped = 0, inflight = 0, used_desc = 0, i, n, k;
	uint64_t done = 0, next_tag = 1;
	void *cookie;
	uint32_t len;
	int head, step;

	check_rng = 0x1234567;
	setup(64, 1);
	for (step = 0; step < 200000; step++) {
		switch (rnd_below(4)) {
		case 0: /* add */
			n = 1 + (unsigned)rnd_below(8);
			k = (unsigned)rnd_below(n + 1);
			for (i = 0; i < n; i++)
				s[i] = buf(i, 1 + (uint32_t)rnd_below(1000));
			head = vq_add(&q, s, k, s + k, n - k,
			    (void *)(uintptr_t)next_tag);
			if (head == -ERR_AGAIN) {
				CHECK(n > vq_nfree(&q));
				break;
			}
			CHECK(head >= 0);
			next_tag++;
			inflight++;
			used_desc += n;
			break;
		case 1:
			vq_publish(&q);
			break;
		case 2: /* device completes a popped chain, any order */
			if (npopped < 64 && fv_pop(&dev, &c) == 1) {
				popped[npopped++] = c.head |
				    (uintptr_t)c.wbytes << 16 |
				    (uintptr_t)c.n << 48;
			}
			if (npopped > 0 && rnd_below(2)) {
				i = (unsigned)rnd_below(npopped);
				fv_push(&dev, (uint32_t)(popped[i] & 0xffff),
				    (uint32_t)rnd_below(((popped[i] >> 16) &
				    0xffffffff) + 1));
				popped[i] = popped[--npopped];
			}
			break;
		default:
			while (vq_reap(&q, &cookie, &len) == 1) {
				CHECK(cookie != NULL);
				done++;
				inflight--;
			}
			break;
		}
		CHECK_EQ(q.ninflight, inflight);
		if (check_failed)
			break;
	}
	(void)used_desc;
	CHECK(done > 10000);
	CHECK_EQ(q.broken, 0);
	teardown();
}

int
main(void)
{
	static const struct test_case tests[] = {
		{ "layout", test_layout },
		{ "chains_1_to_16", test_chains },
		{ "many_in_flight_out_of_order", test_many_in_flight_out_of_order },
		{ "full_queue", test_full_queue },
		{ "wrap_16bit", test_wrap_16bit },
		{ "notify_flags", test_notify_flags },
		{ "event_idx", test_event_idx },
		{ "bad_used_idx", test_bad_used_idx },
		{ "bad_id", test_bad_id },
		{ "not_in_flight", test_not_in_flight },
		{ "len_too_big", test_len_too_big },
		{ "device_scribbles_descs", test_device_scribbles_descs },
		{ "random_against_model", test_random_against_model },
	};
	int rc;

	ram = malloc(RAM_SIZE);
	fv_ram_set(ram, FAKE_PA, RAM_SIZE);
	if (ram == NULL)
		return 2;
	rc = run_tests(tests, sizeof(tests) / sizeof(tests[0]));
	free(ram);
	return rc;
}
