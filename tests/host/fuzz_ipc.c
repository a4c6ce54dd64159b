/*
 * libFuzzer target for kernel/ipc/check.c: an IPC area filled with fuzzer
 * bytes, driven by the kernel's consume/deliver loop while a "task" keeps
 * scribbling over the header, the rings and the range ring.  Every answer
 * must be a valid value or an error code, never an access outside the area
 * (the area is malloc'd at exactly IPC_AREA_SIZE(n)).
 *
 * Input: byte 0 picks n = 1 << (byte % 10); the rest is copied over the area
 * (the kernel's counters start from the header's values); the steps come
 * from a generator seeded with a hash of the whole input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <kernel/ipc_check.h>
#include <tessera/abi.h>
#include <tessera/errors.h>
#include <tessera/ipc.h>

#define STEPS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t rng;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* What ipc_packet_check() promises about a packet it accepts. */
static void
accepted_ok(const struct ts_packet *p)
{
	uint16_t mode = p->flags & PKT_DATA_MASK;
	unsigned i;

	if (p->opcode == 0 || p->opcode >= OP_COUNT ||
	    (p->flags & ~PKT_FLAGS_ALL) || (p->flags & PKT_KERNEL) ||
	    p->name_len > IPC_NAME_MAX || (p->addr >> 48) != 0 ||
	    p->reserved0 || p->reserved1)
		abort();
	for (i = 0; i < sizeof(p->reserved2); i++)
		if (p->reserved2[i])
			abort();
	if ((p->flags & PKT_SHARE_RO) && mode != PKT_DATA_SHARE)
		abort();
	if (mode == PKT_DATA_NONE && p->len != 0)
		abort();
	if (mode == PKT_DATA_COPY && p->len > IPC_COPY_MAX)
		abort();
	if ((mode == PKT_DATA_MOVE || mode == PKT_DATA_SHARE) &&
	    (p->data % 4096 || p->len % 4096 || p->len == 0 ||
	     p->len > IPC_MOVE_MAX))
		abort();
	if (p->len && (p->data + p->len < p->data ||
		       p->data + p->len > TS_USER_TOP))
		abort();
}

static void
consume(struct ipc_view *v, unsigned budget)
{
	int pend = ipc_tx_pending(v);
	struct ts_packet p;
	const char *why;
	uint32_t slot;
	int rc;

	if (pend != -ERR_INVAL && (pend < 0 || (uint32_t)pend > v->n))
		abort();
	while (pend-- > 0 && budget-- > 0) {
		slot = 0xdeadbeef;
		rc = ipc_tx_peek(v, &slot);
		if (rc == -ERR_RANGE && slot == 0xdeadbeef)
			return;		/* the kernel kills the task */
		if (rc != 0 || slot >= 2 * v->n)
			abort();
		ipc_packet_fetch(v, slot, &p);
		why = NULL;
		rc = ipc_packet_check(&p, &why);
		if (rc == 0) {
			if (why != NULL)
				abort();
			accepted_ok(&p);
		} else if ((rc != -ERR_INVAL && rc != -ERR_TOOBIG &&
			    rc != -ERR_FAULT) || why == NULL || why[0] == 0) {
			abort();
		}
		ipc_tx_advance(v);
		if (v->hdr->tx_tail != v->tx_tail)
			abort();
	}
}

static void
deliver(struct ipc_view *v, unsigned budget)
{
	int room = ipc_rx_room(v), waiting = ipc_rx_waiting(v);
	uint32_t slot;

	if (room == -ERR_INVAL) {
		if (waiting != -ERR_INVAL)
			abort();
		return;
	}
	if (room < 0 || (uint32_t)room > v->n ||
	    (uint32_t)(room + waiting) != v->n)
		abort();
	while (room-- > 0 && budget-- > 0) {
		if (ipc_rx_slot(v, &slot) != 0)
			return;
		if (slot >= 2 * v->n)
			abort();
		memset(&v->slots[slot], 0x5c, sizeof(v->slots[slot]));
		ipc_rx_push(v);
		if (v->hdr->rx_head != v->rx_head)
			abort();
	}
}

static void
ranges(struct ipc_view *v, unsigned budget)
{
	struct ts_range r;
	int rc;

	while (budget-- > 0) {
		rc = ipc_range_peek(v, &r);
		if (rc == -ERR_NOENT || rc == -ERR_INVAL)
			return;
		if (rc != 0 || r.va % 4096 || r.size % 4096 || r.size == 0 ||
		    r.va + r.size < r.va || r.va + r.size > TS_USER_TOP)
			abort();
		ipc_range_advance(v);
	}
}

/* The task writes 1, 2, 4 or 8 random bytes anywhere before the slots. */
static void
scribble(struct ipc_view *v)
{
	uint64_t x = next();
	size_t len = (size_t)1 << (x & 3), span = IPC_SLOTS_OFF(v->n);
	size_t at = (size_t)(x >> 8) % (span - len + 1);
	uint64_t val = next();

	if (x & 4) {	/* a counter near the kernel's: valid more often */
		uint32_t base[3] = { v->tx_tail, v->rx_head, v->range_tail };
		unsigned k = (unsigned)(x >> 3) % 6;
		uint32_t *c = &v->hdr->tx_head + k;

		*c = base[k / 2] + (uint32_t)(val % (2 * IPC_RANGES + 2)) - 1;
		return;
	}
	memcpy((uint8_t *)v->hdr + at, &val, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipc_view v;
	uint32_t n;
	size_t area_size, i;
	uint8_t *area;

	if (size == 0)
		return 0;
	n = 1u << (data[0] % 10);
	area_size = IPC_AREA_SIZE(n);
	area = aligned_alloc(4096, area_size);
	if (area == NULL)
		abort();
	memset(area, 0, area_size);
	ipc_view_init(&v, area, n);
	if (v.hdr->nslots != n || v.rx[n - 1] != n - 1)
		abort();
	memcpy(area, data + 1, size - 1 < area_size ? size - 1 : area_size);
	v.tx_tail = v.hdr->tx_tail;
	v.rx_head = v.hdr->rx_head;
	v.range_tail = v.hdr->range_tail;

	rng = 0xcbf29ce484222325ull;
	for (i = 0; i < size; i++)
		rng = (rng ^ data[i]) * 0x100000001b3ull;
	rng |= 1;
	for (i = 0; i < STEPS; i++) {
		unsigned budget = 1 + (unsigned)(next() % (2 * n));

		switch (next() % 4) {
		case 0: consume(&v, budget); break;
		case 1: deliver(&v, budget); break;
		case 2: ranges(&v, budget); break;
		default: scribble(&v); break;
		}
	}
	free(area);
	return 0;
}
