/*
 * Pure checks of a task's IPC area: the rings, the range ring and the
 * packets (contract in <kernel/ipc_check.h>, layout in <tessera/ipc.h>).
 *
 * Everything in the area can change under us: the task writes it from
 * another hart at any time.  So each task-owned field is read exactly once
 * (an acquire load, pairing with the task's release store of the counter
 * after it filled the entry) into a local, validated, and only the local is
 * used.  The kernel's own counters live in struct ipc_view and are published
 * with release stores, so the task sees a slot's contents before the counter
 * that hands it over.  No libc: this file is built for the kernel and for
 * the host tests.
 */
#include <stddef.h>
#include <stdint.h>

#include <kernel/ipc_check.h>
#include <tessera/abi.h>
#include <tessera/errors.h>
#include <tessera/ipc.h>

#ifdef TESSERA_HOST
#include <string.h>
#else
#include <kernel/string.h>
#endif

#define ADDR_NODE_MASK	0xffff000000000000ull

static uint32_t
load32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void
store32(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Lay out the view; the caller checked n (a power of two, 1..512) and zeroed
 * the area.  Publishes nslots, zero counters and rx[i] = i. */
void
ipc_view_init(struct ipc_view *v, void *area, uint32_t n)
{
	uint8_t *a = area;
	uint32_t i;

	v->hdr = area;
	v->tx = (uint16_t *)(a + IPC_TX_OFF(n));
	v->rx = (uint16_t *)(a + IPC_RX_OFF(n));
	v->ranges = (struct ts_range *)(a + IPC_RANGES_OFF(n));
	v->slots = (struct ts_packet *)(a + IPC_SLOTS_OFF(n));
	v->n = n;
	v->tx_tail = 0;
	v->rx_head = 0;
	v->range_tail = 0;
	for (i = 0; i < n; i++)
		__atomic_store_n(&v->rx[i], (uint16_t)i, __ATOMIC_RELAXED);
	store32(&v->hdr->tx_head, 0);
	store32(&v->hdr->tx_tail, 0);
	store32(&v->hdr->rx_head, 0);
	store32(&v->hdr->rx_tail, 0);
	store32(&v->hdr->range_head, 0);
	store32(&v->hdr->range_tail, 0);
	store32(&v->hdr->nslots, n);
}

/* Packets the task has posted on tx and the kernel has not consumed. */
int
ipc_tx_pending(const struct ipc_view *v)
{
	uint32_t waiting = load32(&v->hdr->tx_head) - v->tx_tail;

	if (waiting > v->n)
		return -ERR_INVAL;
	return (int)waiting;
}

/* The slot named at tx_tail; call only when ipc_tx_pending() > 0. */
int
ipc_tx_peek(const struct ipc_view *v, uint32_t *slot)
{
	uint32_t s = __atomic_load_n(&v->tx[v->tx_tail & (v->n - 1)],
				     __ATOMIC_RELAXED);

	if (s >= 2 * v->n)
		return -ERR_RANGE;
	*slot = s;
	return 0;
}

/* Hand the slot at tx_tail back to the task. */
void
ipc_tx_advance(struct ipc_view *v)
{
	v->tx_tail++;
	store32(&v->hdr->tx_tail, v->tx_tail);
}

/* Delivered packets the task has not taken: rx_head - rx_tail. */
int
ipc_rx_waiting(const struct ipc_view *v)
{
	uint32_t used = v->rx_head - load32(&v->hdr->rx_tail);

	if (used > v->n)
		return -ERR_INVAL;
	return (int)used;
}

/* Posted slots the kernel may fill: rx_tail + n - rx_head. */
int
ipc_rx_room(const struct ipc_view *v)
{
	int used = ipc_rx_waiting(v);

	if (used < 0)
		return used;
	return (int)v->n - used;
}

/* The free slot posted at rx_head; call only when ipc_rx_room() > 0. */
int
ipc_rx_slot(const struct ipc_view *v, uint32_t *slot)
{
	uint32_t s = __atomic_load_n(&v->rx[v->rx_head & (v->n - 1)],
				     __ATOMIC_RELAXED);

	if (s >= 2 * v->n)
		return -ERR_RANGE;
	*slot = s;
	return 0;
}

/* Publish the slot at rx_head, filled by the caller, to the task. */
void
ipc_rx_push(struct ipc_view *v)
{
	v->rx_head++;
	store32(&v->hdr->rx_head, v->rx_head);
}

/* The free address range at range_tail, read once and checked. */
int
ipc_range_peek(const struct ipc_view *v, struct ts_range *r)
{
	uint32_t waiting = load32(&v->hdr->range_head) - v->range_tail;
	const struct ts_range *e;
	uint64_t va, size;

	if (waiting == 0)
		return -ERR_NOENT;
	if (waiting > IPC_RANGES)
		return -ERR_INVAL;
	e = &v->ranges[v->range_tail & (IPC_RANGES - 1)];
	va = __atomic_load_n(&e->va, __ATOMIC_RELAXED);
	size = __atomic_load_n(&e->size, __ATOMIC_RELAXED);
	if (va % TS_PAGE_SIZE != 0 || size % TS_PAGE_SIZE != 0 || size == 0)
		return -ERR_INVAL;
	if (va + size < va || va + size > TS_USER_TOP)
		return -ERR_INVAL;
	r->va = va;
	r->size = size;
	return 0;
}

/* Consume the range at range_tail. */
void
ipc_range_advance(struct ipc_view *v)
{
	v->range_tail++;
	store32(&v->hdr->range_tail, v->range_tail);
}

/* One copy of the slot; every check runs on the copy, never on the slot. */
void
ipc_packet_fetch(const struct ipc_view *v, uint32_t slot, struct ts_packet *out)
{
	const struct ts_packet *in = &v->slots[slot];
	size_t hdr = offsetof(struct ts_packet, name);

	/* The header, then only the name bytes it claims (read once). */
	memcpy(out, in, hdr);
	size_t nl = out->name_len < sizeof(out->name) ? out->name_len : sizeof(out->name);
	if (nl)
		memcpy(out->name, in->name, nl);
}

/* The 40 reserved bytes at offset 88 (8-byte aligned), as five words. */
static int
reserved2_zero(const struct ts_packet *p)
{
	uint64_t w[5];

	_Static_assert(sizeof(p->reserved2) == sizeof(w), "reserved2 is five words");
	__builtin_memcpy(w, p->reserved2, sizeof(w));	/* five loads, no call */
	return (w[0] | w[1] | w[2] | w[3] | w[4]) == 0;
}

/* The data rules: NONE carries nothing, COPY at most IPC_COPY_MAX bytes,
 * MOVE/SHARE whole pages, and any bytes lie inside user space. */
static int
check_data(const struct ts_packet *p, const char **why)
{
	uint16_t mode = p->flags & PKT_DATA_MASK;

	if ((p->flags & PKT_SHARE_RO) && mode != PKT_DATA_SHARE) {
		*why = "PKT_SHARE_RO without PKT_DATA_SHARE";
		return -ERR_INVAL;
	}
	switch (mode) {
	case PKT_DATA_NONE:
		return 0;	/* len is then a plain number, e.g. how much to READ */
	case PKT_DATA_COPY:
		if (p->len > IPC_COPY_MAX) {
			*why = "copy larger than IPC_COPY_MAX";
			return -ERR_TOOBIG;
		}
		break;
	default:
		if (p->data % TS_PAGE_SIZE != 0 || p->len % TS_PAGE_SIZE != 0) {
			*why = "move/share range not page aligned";
			return -ERR_INVAL;
		}
		if (p->len == 0) {
			*why = "move/share of no data";
			return -ERR_INVAL;
		}
		if (p->len > IPC_MOVE_MAX) {
			*why = "move/share larger than IPC_MOVE_MAX";
			return -ERR_TOOBIG;
		}
		break;
	}
	if (p->len == 0)
		return 0;
	if (p->data + p->len < p->data) {
		*why = "data range wraps around";
		return -ERR_FAULT;
	}
	if (p->data + p->len > TS_USER_TOP) {
		*why = "data range outside user space";
		return -ERR_FAULT;
	}
	return 0;
}

/* Check a packet copied out of a task's slot (rules in ipc_check.h).
 * *why is set only on failure. */
int
ipc_packet_check(const struct ts_packet *p, const char **why)
{
	if (p->opcode == OP_NONE || p->opcode >= OP_COUNT) {
		*why = "unknown opcode";
		return -ERR_INVAL;
	}
	if (p->flags & ~PKT_FLAGS_ALL) {
		*why = "unknown flag";
		return -ERR_INVAL;
	}
	if (p->flags & PKT_KERNEL) {
		*why = "PKT_KERNEL set by a task";
		return -ERR_INVAL;
	}
	if (p->reserved0 != 0 || p->reserved1 != 0 ||
	    !reserved2_zero(p)) {
		*why = "reserved field not zero";
		return -ERR_INVAL;
	}
	if (p->addr & ADDR_NODE_MASK) {
		*why = "node bits in address";
		return -ERR_INVAL;
	}
	if (p->name_len > IPC_NAME_MAX) {
		*why = "name too long";
		return -ERR_INVAL;
	}
	/* The lean case: a data-less packet (most requests and replies) has
	 * no data rule to check. */
	if ((p->flags & (PKT_DATA_MASK | PKT_SHARE_RO)) == PKT_DATA_NONE)
		return 0;
	return check_data(p, why);
}
