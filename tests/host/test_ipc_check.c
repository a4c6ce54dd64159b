/*
 * Host tests of kernel/ipc/check.c: the kernel's side of the IPC area.
 * The task's side is written here by hand, following the protocol in the
 * comment of <tessera/ipc.h>; areas are malloc'd at exactly
 * IPC_AREA_SIZE(n) so AddressSanitizer catches any access past them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kernel/ipc_check.h>
#include <tessera/abi.h>
#include <tessera/errors.h>
#include <tessera/ipc.h>

#include "check.h"

#define START_WRAP 0xfffffff0u

/* A fresh area of n ring entries and its view; counters start at `start`
 * in both the view and the header (as after 2^32 - start earlier steps). */
static void *
area_new(struct ipc_view *v, uint32_t n, uint32_t start)
{
	void *a = aligned_alloc(4096, IPC_AREA_SIZE(n));

	if (a == NULL)
		abort();
	memset(a, 0, IPC_AREA_SIZE(n));
	ipc_view_init(v, a, n);
	v->tx_tail = v->rx_head = v->range_tail = start;
	v->hdr->tx_head = v->hdr->tx_tail = start;
	v->hdr->rx_head = v->hdr->rx_tail = start;
	v->hdr->range_head = v->hdr->range_tail = start;
	return a;
}

/* ---- the task's side, as a user library would write it ---- */

/* Post slot s on tx; 0, or -1 when the ring is full. */
static int
task_send(struct ipc_view *v, uint32_t s)
{
	struct ts_ipc_hdr *h = v->hdr;
	uint32_t n = h->nslots, head = h->tx_head;

	if (head - __atomic_load_n(&h->tx_tail, __ATOMIC_ACQUIRE) >= n)
		return -1;
	v->tx[head & (n - 1)] = (uint16_t)s;
	__atomic_store_n(&h->tx_head, head + 1, __ATOMIC_RELEASE);
	return 0;
}

/* The slot of the next received packet, or -1 when none is waiting. */
static int
task_rx_peek(struct ipc_view *v)
{
	struct ts_ipc_hdr *h = v->hdr;

	if (__atomic_load_n(&h->rx_head, __ATOMIC_ACQUIRE) == h->rx_tail)
		return -1;
	return v->rx[h->rx_tail & (h->nslots - 1)];
}

/* Done with the received packet: post free slot `s` in its place. */
static void
task_rx_done(struct ipc_view *v, uint32_t s)
{
	struct ts_ipc_hdr *h = v->hdr;

	v->rx[h->rx_tail & (h->nslots - 1)] = (uint16_t)s;
	__atomic_store_n(&h->rx_tail, h->rx_tail + 1, __ATOMIC_RELEASE);
}

static int
task_range_post(struct ipc_view *v, uint64_t va, uint64_t size)
{
	struct ts_ipc_hdr *h = v->hdr;
	uint32_t head = h->range_head;

	if (head - __atomic_load_n(&h->range_tail, __ATOMIC_ACQUIRE) >= IPC_RANGES)
		return -1;
	v->ranges[head & (IPC_RANGES - 1)].va = va;
	v->ranges[head & (IPC_RANGES - 1)].size = size;
	__atomic_store_n(&h->range_head, head + 1, __ATOMIC_RELEASE);
	return 0;
}

static void
valid_packet(struct ts_packet *p)
{
	memset(p, 0, sizeof(*p));
	p->addr = 7;
	p->id = 42;
	p->opcode = OP_READ;
	p->name_len = 3;
	memcpy(p->name, "fat", 3);
}

/* ---- layout and empty / full ---- */

static void
test_init(void)
{
	static const uint32_t ns[] = { 1, 2, 8, 64, 512 };
	unsigned k;

	for (k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		uint32_t n = ns[k], i, s;
		struct ipc_view v;
		struct ts_range r;
		uint8_t *a = aligned_alloc(4096, IPC_AREA_SIZE(n));

		memset(a, 0xee, IPC_AREA_SIZE(n));
		memset(a, 0, 64);	/* the header must end up zero anyway */
		a[4] = 0x55;		/* ... including the kernel's tx_tail */
		ipc_view_init(&v, a, n);
		CHECK((uint8_t *)v.hdr == a);
		CHECK((uint8_t *)v.tx == a + 64);
		CHECK((uint8_t *)v.rx == a + 64 + 2 * n);
		CHECK((uint8_t *)v.ranges == a + IPC_RANGES_OFF(n));
		CHECK((uint8_t *)v.slots == a + IPC_SLOTS_OFF(n));
		CHECK_EQ(IPC_SLOTS_OFF(n) % 4096, 0);
		CHECK_EQ(v.n, n);
		CHECK_EQ(v.hdr->nslots, n);
		CHECK_EQ(v.hdr->tx_tail, 0);
		CHECK_EQ(v.tx_tail + v.rx_head + v.range_tail, 0);
		for (i = 0; i < n; i++)
			CHECK_EQ(v.rx[i], i);
		CHECK_EQ(ipc_tx_pending(&v), 0);
		CHECK_EQ(ipc_rx_room(&v), n);
		CHECK_EQ(ipc_rx_waiting(&v), 0);
		CHECK_EQ(ipc_range_peek(&v, &r), -ERR_NOENT);
		CHECK_EQ(ipc_rx_slot(&v, &s), 0);
		CHECK_EQ(s, 0);
		free(a);
	}
}

static void
test_tx_empty_full(void)
{
	static const uint32_t starts[] = { 0, START_WRAP, 0xfffffffcu };
	unsigned k;

	for (k = 0; k < 3; k++) {
		struct ipc_view v;
		void *a = area_new(&v, 8, starts[k]);
		uint32_t i, s;

		CHECK_EQ(ipc_tx_pending(&v), 0);
		for (i = 0; i < 8; i++) {
			CHECK_EQ(task_send(&v, 8 + i), 0);
			CHECK_EQ(ipc_tx_pending(&v), i + 1);
		}
		CHECK_EQ(task_send(&v, 0), -1);	/* full */
		for (i = 0; i < 8; i++) {
			CHECK_EQ(ipc_tx_peek(&v, &s), 0);
			CHECK_EQ(s, 8 + i);
			ipc_tx_advance(&v);
			CHECK_EQ(v.tx_tail, starts[k] + i + 1);
			CHECK_EQ(v.hdr->tx_tail, v.tx_tail);
			CHECK_EQ(ipc_tx_pending(&v), 7 - i);
		}
		CHECK_EQ(task_send(&v, 9), 0);
		CHECK_EQ(ipc_tx_pending(&v), 1);
		free(a);
	}
}

static void
test_rx_empty_full(void)
{
	static const uint32_t starts[] = { 0, START_WRAP };
	unsigned k;

	for (k = 0; k < 2; k++) {
		struct ipc_view v;
		void *a = area_new(&v, 4, starts[k]);
		uint32_t i, s;

		for (i = 0; i < 4; i++) {
			CHECK_EQ(ipc_rx_room(&v), 4 - i);
			CHECK_EQ(ipc_rx_waiting(&v), i);
			CHECK_EQ(ipc_rx_slot(&v, &s), 0);
			CHECK_EQ(s, i);
			v.slots[s].id = 100 + i;
			ipc_rx_push(&v);
			CHECK_EQ(v.hdr->rx_head, starts[k] + i + 1);
		}
		CHECK_EQ(ipc_rx_room(&v), 0);
		CHECK_EQ(ipc_rx_waiting(&v), 4);
		for (i = 0; i < 4; i++) {
			int t = task_rx_peek(&v);

			CHECK_EQ(t, i);
			CHECK_EQ(v.slots[t].id, 100 + i);
			task_rx_done(&v, (uint32_t)t);
			CHECK_EQ(ipc_rx_room(&v), i + 1);
		}
		CHECK_EQ(task_rx_peek(&v), -1);
		free(a);
	}
}

/* 1000 laps of a 4-entry ring from just below 2^32: the kernel sees the
 * exact indices the task posted, in order, at entry (counter & 3). */
static void
test_wrap_and_order(void)
{
	struct ipc_view v;
	void *a = area_new(&v, 4, START_WRAP);
	uint32_t i, s, last_rx = 0;
	uint16_t posted[4];

	check_rng = 0x1234567;
	for (i = 0; i < 4000; i++) {
		uint32_t want = rnd_below(8), pos = v.hdr->tx_head & 3;

		CHECK_EQ(task_send(&v, want), 0);
		CHECK_EQ(v.tx[pos], want);
		CHECK_EQ(ipc_tx_pending(&v), 1);
		CHECK_EQ(ipc_tx_peek(&v, &s), 0);
		CHECK_EQ(s, want);
		ipc_tx_advance(&v);
		CHECK_EQ(ipc_tx_pending(&v), 0);
	}
	CHECK_EQ(v.tx_tail, START_WRAP + 4000);
	CHECK(v.tx_tail < START_WRAP);	/* it did wrap */

	/* rx: the task reposts arbitrary free slots; the kernel fills exactly
	 * the slot named at rx_head each time. */
	for (i = 0; i < 4; i++)
		posted[i] = (uint16_t)i;
	for (i = 0; i < 4000; i++) {
		uint32_t pos = v.rx_head & 3;
		int t;

		CHECK_EQ(ipc_rx_slot(&v, &s), 0);
		CHECK_EQ(s, posted[pos]);
		v.slots[s].id = i;
		ipc_rx_push(&v);
		t = task_rx_peek(&v);
		CHECK_EQ(t, s);
		CHECK_EQ(v.slots[t].id, i);
		last_rx = rnd_below(8);
		posted[v.hdr->rx_tail & 3] = (uint16_t)last_rx;
		task_rx_done(&v, last_rx);
		CHECK_EQ(ipc_rx_room(&v), 4);
	}
	CHECK_EQ(v.rx[(START_WRAP + 3999) & 3], last_rx);
	free(a);
}

static void
test_corrupt_counters(void)
{
	static const uint32_t starts[] = { 0, START_WRAP, 0x80000000u };
	unsigned k;

	for (k = 0; k < 3; k++) {
		struct ipc_view v;
		uint32_t st = starts[k];
		void *a = area_new(&v, 8, st);

		v.hdr->tx_head = st + 8;
		CHECK_EQ(ipc_tx_pending(&v), 8);
		v.hdr->tx_head = st + 9;
		CHECK_EQ(ipc_tx_pending(&v), -ERR_INVAL);
		v.hdr->tx_head = st + 0x80000000u;
		CHECK_EQ(ipc_tx_pending(&v), -ERR_INVAL);
		v.hdr->tx_head = st - 1;	/* tail ahead of head */
		CHECK_EQ(ipc_tx_pending(&v), -ERR_INVAL);

		v.rx_head = st + 3;
		v.hdr->rx_tail = st + 3;
		CHECK_EQ(ipc_rx_room(&v), 8);
		v.hdr->rx_tail = st - 5;	/* 8 behind: full */
		CHECK_EQ(ipc_rx_room(&v), 0);
		CHECK_EQ(ipc_rx_waiting(&v), 8);
		v.hdr->rx_tail = st - 6;	/* 9 behind */
		CHECK_EQ(ipc_rx_room(&v), -ERR_INVAL);
		CHECK_EQ(ipc_rx_waiting(&v), -ERR_INVAL);
		v.hdr->rx_tail = st + 4;	/* took more than delivered */
		CHECK_EQ(ipc_rx_room(&v), -ERR_INVAL);
		CHECK_EQ(ipc_rx_waiting(&v), -ERR_INVAL);
		/* The kernel's counters never come from the header. */
		v.hdr->tx_tail = st + 1000;
		v.hdr->rx_head = st + 1000;
		v.hdr->tx_head = st + 2;
		v.hdr->rx_tail = st + 3;
		CHECK_EQ(ipc_tx_pending(&v), 2);
		CHECK_EQ(ipc_rx_room(&v), 8);
		free(a);
	}
}

static void
test_slot_range(void)
{
	static const uint32_t ns[] = { 1, 8, 512 };
	unsigned k;

	for (k = 0; k < 3; k++) {
		uint32_t n = ns[k], s = 12345;
		struct ipc_view v;
		void *a = area_new(&v, n, 0);

		v.hdr->tx_head = 1;
		v.tx[0] = (uint16_t)(2 * n - 1);
		CHECK_EQ(ipc_tx_peek(&v, &s), 0);
		CHECK_EQ(s, 2 * n - 1);
		v.tx[0] = (uint16_t)(2 * n);
		s = 12345;
		CHECK_EQ(ipc_tx_peek(&v, &s), -ERR_RANGE);
		CHECK_EQ(s, 12345);
		v.tx[0] = 0xffff;
		CHECK_EQ(ipc_tx_peek(&v, &s), -ERR_RANGE);

		v.rx[0] = (uint16_t)(2 * n - 1);
		CHECK_EQ(ipc_rx_slot(&v, &s), 0);
		CHECK_EQ(s, 2 * n - 1);
		v.rx[0] = (uint16_t)(2 * n);
		CHECK_EQ(ipc_rx_slot(&v, &s), -ERR_RANGE);
		v.rx[0] = 0xffff;
		CHECK_EQ(ipc_rx_slot(&v, &s), -ERR_RANGE);
		free(a);
	}
}

static void
test_ranges(void)
{
	static const struct {
		uint64_t va, size;
		int rc;
	} cases[] = {
		{ 0x10000, 0x1000, 0 },
		{ 0, 0x1000, 0 },
		{ TS_USER_TOP - 0x1000, 0x1000, 0 },
		{ 0x10000, 64ul << 20, 0 },
		{ 0x10001, 0x1000, -ERR_INVAL },		/* unaligned va */
		{ 0x10000, 0x1800, -ERR_INVAL },		/* unaligned size */
		{ 0x10000, 0, -ERR_INVAL },			/* empty */
		{ TS_USER_TOP - 0x1000, 0x2000, -ERR_INVAL },	/* outside */
		{ TS_USER_TOP, 0x1000, -ERR_INVAL },
		{ 0xfffffffffffff000ull, 0x2000, -ERR_INVAL },	/* wraps */
		{ 0x1000, 0xfffffffffffff000ull, -ERR_INVAL },	/* wraps to 0 */
	};
	struct ipc_view v;
	struct ts_range r;
	void *a = area_new(&v, 8, START_WRAP);
	uint32_t i;

	CHECK_EQ(ipc_range_peek(&v, &r), -ERR_NOENT);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_EQ(task_range_post(&v, cases[i].va, cases[i].size), 0);
		r.va = r.size = 77;
		CHECK_EQ(ipc_range_peek(&v, &r), cases[i].rc);
		if (cases[i].rc == 0) {
			CHECK_EQ(r.va, cases[i].va);
			CHECK_EQ(r.size, cases[i].size);
		} else {
			CHECK_EQ(r.va, 77);
		}
		CHECK_EQ(ipc_range_peek(&v, &r), cases[i].rc);	/* no consume */
		ipc_range_advance(&v);
		CHECK_EQ(v.hdr->range_tail, v.range_tail);
		CHECK_EQ(ipc_range_peek(&v, &r), -ERR_NOENT);
	}
	/* Fill the 64-entry ring across the 2^32 wrap, drain in order. */
	for (i = 0; i < IPC_RANGES; i++)
		CHECK_EQ(task_range_post(&v, (uint64_t)(i + 1) << 12, 4096), 0);
	CHECK_EQ(task_range_post(&v, 0x1000, 4096), -1);
	for (i = 0; i < IPC_RANGES; i++) {
		CHECK_EQ(ipc_range_peek(&v, &r), 0);
		CHECK_EQ(r.va, (uint64_t)(i + 1) << 12);
		ipc_range_advance(&v);
	}
	CHECK_EQ(ipc_range_peek(&v, &r), -ERR_NOENT);
	/* Corrupt range_head. */
	v.hdr->range_head = v.range_tail + IPC_RANGES;
	CHECK_EQ(ipc_range_peek(&v, &r), 0);
	v.hdr->range_head = v.range_tail + IPC_RANGES + 1;
	CHECK_EQ(ipc_range_peek(&v, &r), -ERR_INVAL);
	v.hdr->range_head = v.range_tail - 1;
	CHECK_EQ(ipc_range_peek(&v, &r), -ERR_INVAL);
	free(a);
}

/* ---- packet rules: one case per reason ---- */

static void m_op0(struct ts_packet *p) { p->opcode = OP_NONE; }
static void m_opcount(struct ts_packet *p) { p->opcode = OP_COUNT; }
static void m_opmax(struct ts_packet *p) { p->opcode = 0xffff; }
static void m_flag(struct ts_packet *p) { p->flags = 0x0080; }
static void m_flagtop(struct ts_packet *p) { p->flags = 0x8000 | PKT_REPLY; }
static void m_kernel(struct ts_packet *p) { p->flags = PKT_KERNEL; }
static void m_res0(struct ts_packet *p) { p->reserved0 = 1; }
static void m_res1(struct ts_packet *p) { p->reserved1 = 0x80000000u; }
static void m_res2(struct ts_packet *p) { p->reserved2[39] = 1; }
static void m_node(struct ts_packet *p) { p->addr = 1ull << 48 | 7; }
static void m_nodetop(struct ts_packet *p) { p->addr = 1ull << 63; }
static void m_name(struct ts_packet *p) { p->name_len = 256; }
static void m_namemax(struct ts_packet *p) { p->name_len = 0xffff; }
static void m_ro(struct ts_packet *p) { p->flags = PKT_SHARE_RO | PKT_DATA_MOVE; p->data = 0x10000; p->len = 4096; }
static void m_ronone(struct ts_packet *p) { p->flags = PKT_SHARE_RO; }
static void m_none(struct ts_packet *p) { p->len = 1 << 20; }
static void m_copy(struct ts_packet *p) { p->flags = PKT_DATA_COPY; p->data = 0x10000; p->len = IPC_COPY_MAX + 1; }
static void m_mva(struct ts_packet *p) { p->flags = PKT_DATA_MOVE; p->data = 0x10008; p->len = 4096; }
static void m_mlen(struct ts_packet *p) { p->flags = PKT_DATA_SHARE; p->data = 0x10000; p->len = 4097; }
static void m_mzero(struct ts_packet *p) { p->flags = PKT_DATA_MOVE; p->data = 0x10000; p->len = 0; }
static void m_mbig(struct ts_packet *p) { p->flags = PKT_DATA_SHARE; p->data = 0x10000; p->len = IPC_MOVE_MAX + 4096; }
static void m_wrap(struct ts_packet *p) { p->flags = PKT_DATA_COPY; p->data = ~0ull - 9; p->len = 20; }
static void m_mwrap(struct ts_packet *p) { p->flags = PKT_DATA_MOVE; p->data = 0xfffffffffffff000ull; p->len = 8192; }
static void m_out(struct ts_packet *p) { p->flags = PKT_DATA_COPY; p->data = TS_USER_TOP - 10; p->len = 11; }
static void m_outmove(struct ts_packet *p) { p->flags = PKT_DATA_MOVE | PKT_DATA_SHARE; p->data = TS_USER_TOP; p->len = 4096; }

/* Valid at the edges. */
static void v_base(struct ts_packet *p) { (void)p; }
static void v_opmax(struct ts_packet *p) { p->opcode = OP_COUNT - 1; }
static void v_flags(struct ts_packet *p) { p->flags = PKT_REPLY | PKT_UUID | PKT_FORWARD; p->status = -5; }
static void v_name(struct ts_packet *p) { p->name_len = 255; }
static void v_node_origin(struct ts_packet *p) { p->origin = 3ull << 48; p->addr = (1ull << 48) - 1; }
static void v_copymax(struct ts_packet *p) { p->flags = PKT_DATA_COPY; p->data = TS_USER_TOP - IPC_COPY_MAX; p->len = IPC_COPY_MAX; }
static void v_copy0(struct ts_packet *p) { p->flags = PKT_DATA_COPY; p->data = ~0ull; p->len = 0; }
static void v_none_data(struct ts_packet *p) { p->data = 0x1234; }
static void v_move(struct ts_packet *p) { p->flags = PKT_DATA_MOVE; p->data = TS_USER_TOP - IPC_MOVE_MAX; p->len = IPC_MOVE_MAX; }
static void v_share_ro(struct ts_packet *p) { p->flags = PKT_DATA_SHARE | PKT_SHARE_RO; p->data = 0; p->len = 4096; }

static const struct {
	void (*mut)(struct ts_packet *);
	int rc;
	const char *why;
} packet_cases[] = {
	{ m_op0, -ERR_INVAL, "unknown opcode" },
	{ m_opcount, -ERR_INVAL, "unknown opcode" },
	{ m_opmax, -ERR_INVAL, "unknown opcode" },
	{ m_flag, -ERR_INVAL, "unknown flag" },
	{ m_flagtop, -ERR_INVAL, "unknown flag" },
	{ m_kernel, -ERR_INVAL, "PKT_KERNEL set by a task" },
	{ m_res0, -ERR_INVAL, "reserved field not zero" },
	{ m_res1, -ERR_INVAL, "reserved field not zero" },
	{ m_res2, -ERR_INVAL, "reserved field not zero" },
	{ m_node, -ERR_INVAL, "node bits in address" },
	{ m_nodetop, -ERR_INVAL, "node bits in address" },
	{ m_name, -ERR_INVAL, "name too long" },
	{ m_namemax, -ERR_INVAL, "name too long" },
	{ m_ro, -ERR_INVAL, "PKT_SHARE_RO without PKT_DATA_SHARE" },
	{ m_ronone, -ERR_INVAL, "PKT_SHARE_RO without PKT_DATA_SHARE" },
	{ m_copy, -ERR_TOOBIG, "copy larger than IPC_COPY_MAX" },
	{ m_mva, -ERR_INVAL, "move/share range not page aligned" },
	{ m_mlen, -ERR_INVAL, "move/share range not page aligned" },
	{ m_mzero, -ERR_INVAL, "move/share of no data" },
	{ m_mbig, -ERR_TOOBIG, "move/share larger than IPC_MOVE_MAX" },
	{ m_wrap, -ERR_FAULT, "data range wraps around" },
	{ m_mwrap, -ERR_FAULT, "data range wraps around" },
	{ m_out, -ERR_FAULT, "data range outside user space" },
	{ m_outmove, -ERR_FAULT, "data range outside user space" },
	{ v_base, 0, NULL },
	{ v_opmax, 0, NULL },
	{ v_flags, 0, NULL },
	{ v_name, 0, NULL },
	{ v_node_origin, 0, NULL },
	{ v_copymax, 0, NULL },
	{ v_copy0, 0, NULL },
	{ v_none_data, 0, NULL },
	{ m_none, 0, NULL },		/* len without data: a plain number */
	{ v_move, 0, NULL },
	{ v_share_ro, 0, NULL },
};

static void
test_packet_rules(void)
{
	static const char sentinel[] = "untouched";
	unsigned i;

	for (i = 0; i < sizeof(packet_cases) / sizeof(packet_cases[0]); i++) {
		struct ts_packet p;
		const char *why = sentinel;
		int rc;

		valid_packet(&p);
		packet_cases[i].mut(&p);
		rc = ipc_packet_check(&p, &why);
		if (rc != packet_cases[i].rc)
			fprintf(stderr, "packet case %u\n", i);
		CHECK_EQ(rc, packet_cases[i].rc);
		if (packet_cases[i].why != NULL)
			CHECK_STR(why, packet_cases[i].why);
		else
			CHECK(why == sentinel);
	}
	/* Every flag combination a task may send, with a fitting range. */
	for (i = 0; i <= PKT_FLAGS_ALL; i++) {
		struct ts_packet p;
		const char *why = NULL;
		int want = (i & PKT_KERNEL) ||
			   ((i & PKT_SHARE_RO) &&
			    (i & PKT_DATA_MASK) != PKT_DATA_SHARE);

		valid_packet(&p);
		p.flags = (uint16_t)i;
		if (i & PKT_DATA_MASK) {
			p.data = 0x20000;
			p.len = 8192;
		}
		CHECK_EQ(ipc_packet_check(&p, &why) != 0, want);
	}
}

/* fetch copies the 128-byte header and exactly name_len bytes of the name
 * (at most 256, whatever name_len says), and nothing else. */
static void
test_fetch(void)
{
	struct ipc_view v;
	void *a = area_new(&v, 4, 0);
	uint8_t *slots = (uint8_t *)v.slots;
	struct ts_packet *out = malloc(sizeof(*out));	/* exact size: ASan */
	const size_t hdr = offsetof(struct ts_packet, name);
	static const uint16_t lens[8] = { 0, 1, 7, 128, 255, 256, 300, 0xffff };
	uint32_t s, i;

	CHECK_EQ(sizeof(struct ts_packet), 384);
	CHECK_EQ(hdr, 128);
	for (i = 0; i < 8 * 384; i++)
		slots[i] = (uint8_t)(i / 384 * 31 + i % 251);
	for (s = 0; s < 8; s++) {
		struct ts_packet *in = (struct ts_packet *)(slots + s * 384);
		in->name_len = lens[s];
		size_t nl = lens[s] < 256 ? lens[s] : 256;
		memset(out, 0xcc, sizeof(*out));
		ipc_packet_fetch(&v, s, out);
		CHECK(memcmp(out, in, hdr + nl) == 0);
		for (i = hdr + nl; i < 384; i++)
			CHECK_EQ(((uint8_t *)out)[i], 0xcc);
	}
	free(out);
	free(a);
}

/* ---- a full produce/consume cycle against a reference model ---- */

enum owner { O_TASK, O_TX, O_RX_FREE, O_RX_FULL };

#define KQ_MAX 64

struct sim {
	struct ipc_view v;
	uint32_t n;
	enum owner *own;	/* per slot */
	uint32_t *pool, npool;	/* task's free slots */
	uint32_t *txm;		/* task's mirror of tx[] */
	uint32_t task_seen;	/* tx_tail as last seen by the task */
	uint64_t sent, kern_got, recv;	/* packet ids */
	uint64_t kq[KQ_MAX];	/* kernel's queue: consumed, not delivered */
	uint32_t kq_head, kq_len;
	uint64_t range_sent, range_got;
	unsigned bad;
};

static void
sim_fill(struct ts_packet *p, uint64_t id)
{
	uint32_t i;

	valid_packet(p);
	p->opcode = OP_ECHO;
	p->id = id;
	p->offset = ~id;
	p->name_len = (uint16_t)(id % 256);
	for (i = 0; i < p->name_len; i++)
		p->name[i] = (char)(id + i);
}

static int
sim_packet_ok(const struct ts_packet *p, uint64_t id)
{
	struct ts_packet want;

	sim_fill(&want, id);
	/* Only the header and the name bytes in use travel. */
	return memcmp(p, &want, offsetof(struct ts_packet, name) + want.name_len) == 0;
}

static void
task_reclaim(struct sim *S)
{
	uint32_t tail = __atomic_load_n(&S->v.hdr->tx_tail, __ATOMIC_ACQUIRE);

	while (S->task_seen != tail) {
		uint32_t s = S->txm[S->task_seen & (S->n - 1)];

		CHECK_EQ(S->own[s], O_TASK);	/* kernel gave it back */
		S->pool[S->npool++] = s;
		S->task_seen++;
	}
}

static void
task_step_send(struct sim *S)
{
	uint32_t k, s, head = S->v.hdr->tx_head;

	task_reclaim(S);
	if (S->npool == 0 || head - S->task_seen >= S->n)
		return;
	k = rnd_below(S->npool);
	s = S->pool[k];
	S->pool[k] = S->pool[--S->npool];
	sim_fill(&S->v.slots[s], S->sent++);
	S->txm[head & (S->n - 1)] = s;
	S->own[s] = O_TX;
	CHECK_EQ(task_send(&S->v, s), 0);
}

static void
task_step_recv(struct sim *S)
{
	int t = task_rx_peek(&S->v);
	uint32_t s, repl;

	if (t < 0)
		return;
	s = (uint32_t)t;
	CHECK_EQ(S->own[s], O_RX_FULL);
	CHECK(sim_packet_ok(&S->v.slots[s], S->recv));
	S->recv++;
	repl = s;
	if (S->npool > 0 && rnd_below(2)) {
		uint32_t k = rnd_below(S->npool);

		repl = S->pool[k];
		S->pool[k] = s;
		S->own[s] = O_TASK;
	}
	S->own[repl] = O_RX_FREE;
	task_rx_done(&S->v, repl);
}

static void
task_step_range(struct sim *S)
{
	uint64_t va = (S->range_sent % 1000 + 1) << 12;

	if (task_range_post(&S->v, va, 4096) == 0)
		S->range_sent++;
}

static void
kernel_flush(struct sim *S, uint32_t budget)
{
	struct ts_packet p;
	const char *why;
	uint32_t s;
	int pend = ipc_tx_pending(&S->v);

	CHECK(pend >= 0 && (uint32_t)pend <= S->n);
	CHECK_EQ(pend, S->v.hdr->tx_head - S->v.tx_tail);
	while (pend-- > 0 && budget-- > 0 && S->kq_len < KQ_MAX) {
		CHECK_EQ(ipc_tx_peek(&S->v, &s), 0);
		CHECK_EQ(s, S->txm[S->v.tx_tail & (S->n - 1)]);
		CHECK_EQ(S->own[s], O_TX);
		ipc_packet_fetch(&S->v, s, &p);
		CHECK_EQ(ipc_packet_check(&p, &why), 0);
		CHECK_EQ(p.id, S->kern_got);
		CHECK(sim_packet_ok(&p, S->kern_got));
		S->kern_got++;
		S->kq[(S->kq_head + S->kq_len++) % KQ_MAX] = p.id;
		S->own[s] = O_TASK;
		ipc_tx_advance(&S->v);
	}
}

static void
kernel_deliver(struct sim *S, uint32_t budget)
{
	uint32_t s;
	int room = ipc_rx_room(&S->v);

	CHECK(room >= 0 && (uint32_t)room <= S->n);
	CHECK_EQ((uint32_t)room + ipc_rx_waiting(&S->v), S->n);
	while (room-- > 0 && budget-- > 0 && S->kq_len > 0) {
		CHECK_EQ(ipc_rx_slot(&S->v, &s), 0);
		CHECK_EQ(S->own[s], O_RX_FREE);
		sim_fill(&S->v.slots[s], S->kq[S->kq_head]);
		S->kq_head = (S->kq_head + 1) % KQ_MAX;
		S->kq_len--;
		S->own[s] = O_RX_FULL;
		ipc_rx_push(&S->v);
	}
}

static void
kernel_ranges(struct sim *S, uint32_t budget)
{
	struct ts_range r;

	while (budget-- > 0) {
		int rc = ipc_range_peek(&S->v, &r);

		if (rc == -ERR_NOENT)
			break;
		CHECK_EQ(rc, 0);
		CHECK_EQ(r.va, (S->range_got % 1000 + 1) << 12);
		S->range_got++;
		ipc_range_advance(&S->v);
	}
}

static void
simulate(uint32_t n, uint32_t start, unsigned steps)
{
	struct sim S;
	void *a;
	unsigned i, counts[4] = { 0 };

	memset(&S, 0, sizeof(S));
	a = area_new(&S.v, n, start);
	S.n = n;
	S.task_seen = start;
	S.own = calloc(2 * n, sizeof(*S.own));
	S.pool = calloc(2 * n, sizeof(*S.pool));
	S.txm = calloc(n, sizeof(*S.txm));
	for (i = 0; i < n; i++) {
		S.own[i] = O_RX_FREE;
		S.pool[S.npool++] = n + i;
	}
	for (i = 0; i < steps; i++) {
		uint32_t budget = 1 + rnd_below(n + 2);

		switch (rnd_below(5)) {
		case 0: task_step_send(&S); break;
		case 1: task_step_recv(&S); break;
		case 2: kernel_flush(&S, budget); break;
		case 3: kernel_deliver(&S, budget); break;
		default:
			if (rnd_below(2))
				task_step_range(&S);
			else
				kernel_ranges(&S, budget);
			break;
		}
	}
	/* Drain: everything sent arrives, once, in order. */
	for (i = 0; i < 100000 && S.recv < S.sent; i++) {
		kernel_flush(&S, n);
		kernel_deliver(&S, n);
		task_step_recv(&S);
		task_reclaim(&S);
	}
	kernel_ranges(&S, IPC_RANGES);
	CHECK_EQ(S.recv, S.sent);
	CHECK_EQ(S.kern_got, S.sent);
	CHECK_EQ(S.range_got, S.range_sent);
	CHECK(S.sent > steps / 20);	/* n = 1 sends ~10000 */
	CHECK(S.v.tx_tail - start == S.sent);
	for (i = 0; i < 2 * n; i++)
		counts[S.own[i]]++;
	CHECK_EQ(counts[O_RX_FREE], n);
	CHECK_EQ(counts[O_TASK], n);
	CHECK_EQ(S.npool, n);
	CHECK_EQ(ipc_rx_room(&S.v), n);
	CHECK_EQ(ipc_tx_pending(&S.v), 0);
	free(S.own);
	free(S.pool);
	free(S.txm);
	free(a);
}

static void
test_simulation(void)
{
	static const uint32_t ns[] = { 1, 2, 8, 64, 512 };
	static const uint32_t starts[] = { 0, START_WRAP, 0x7ffffff0u };
	unsigned i, j;

	check_rng = 0x9e3779b97f4a7c15ull;
	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		for (j = 0; j < 3; j++)
			simulate(ns[i], starts[j], 100000);
}

static const struct test_case tests[] = {
	{ "init", test_init },
	{ "tx_empty_full", test_tx_empty_full },
	{ "rx_empty_full", test_rx_empty_full },
	{ "wrap_and_order", test_wrap_and_order },
	{ "corrupt_counters", test_corrupt_counters },
	{ "slot_range", test_slot_range },
	{ "ranges", test_ranges },
	{ "packet_rules", test_packet_rules },
	{ "fetch", test_fetch },
	{ "simulation", test_simulation },
};

int
main(void)
{
	return run_tests(tests, sizeof(tests) / sizeof(tests[0]));
}
