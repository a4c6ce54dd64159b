/*
 * Pure checks of what a task wrote in its IPC area (kernel/ipc/check.c).
 * Builds for the host too: unit-tested and fuzzed there.
 *
 * How to use (kernel side): ipc_view_init() once per area; then, to consume
 * the transmit ring: n = ipc_tx_pending(); ipc_tx_peek() -> slot; copy the
 * packet out of the slot (the task may change it any time) with
 * ipc_packet_fetch(); ipc_packet_check() the copy; act; ipc_tx_advance().
 * To deliver: ipc_rx_room() > 0; ipc_rx_slot() -> slot; write the packet;
 * ipc_rx_push().  Every function reads each shared field once and validates
 * it; a corrupt value is an error code, never an out-of-bounds access.
 * The task-owned counters (tx_head, rx_tail, range_head) are read from the
 * shared header; the kernel-owned ones live in the view.
 */
#ifndef KERNEL_IPC_CHECK_H
#define KERNEL_IPC_CHECK_H

#include <stdint.h>
#include <tessera/ipc.h>

struct ipc_view {
	struct ts_ipc_hdr *hdr;
	uint16_t *tx, *rx;
	struct ts_range *ranges;
	struct ts_packet *slots;
	uint32_t n;		/* ring entries (kernel's own copy); 2n slots */
	/* The kernel's counters: the authoritative copies.  They are written
	 * to the header for the task to read and never read back from it. */
	uint32_t tx_tail, rx_head, range_tail;
};

/* Lay out a view over `area` (IPC_AREA_SIZE(n) bytes, zeroed by the caller)
 * for n ring entries; writes hdr->nslots = n and rx[i] = i. */
void ipc_view_init(struct ipc_view *v, void *area, uint32_t n);

/* Packets waiting in the transmit ring (0..n), or -ERR_INVAL when tx_head is
 * corrupt (more than n ahead of tx_tail). */
int ipc_tx_pending(const struct ipc_view *v);
/* Slot index at tx_tail (< 2n) into *slot, or -ERR_RANGE. */
int ipc_tx_peek(const struct ipc_view *v, uint32_t *slot);
void ipc_tx_advance(struct ipc_view *v);

/* Free slots the kernel may fill (0..n), or -ERR_INVAL when rx_tail is
 * corrupt. */
int ipc_rx_room(const struct ipc_view *v);
/* Packets delivered and not yet taken by the task (0..n), or -ERR_INVAL. */
int ipc_rx_waiting(const struct ipc_view *v);
/* Slot index posted at rx_head (< 2n) into *slot, or -ERR_RANGE. */
int ipc_rx_slot(const struct ipc_view *v, uint32_t *slot);
void ipc_rx_push(struct ipc_view *v);

/* The range at range_tail into *r: 0; -ERR_NOENT when none is posted;
 * -ERR_INVAL when the counters or the range are corrupt (unaligned, empty,
 * outside user space, wrapping). */
int ipc_range_peek(const struct ipc_view *v, struct ts_range *r);
void ipc_range_advance(struct ipc_view *v);

/* Copy slot `slot` (< 2n) into *out (one snapshot): the 128-byte header and
 * min(name_len, 256) name bytes; the rest of out->name is not written. */
void ipc_packet_fetch(const struct ipc_view *v, uint32_t slot, struct ts_packet *out);

/* Check a packet a task sent: opcode in 1..OP_COUNT-1, only known flags and
 * never PKT_KERNEL, name_len <= 255, reserved fields zero, node bits of addr
 * zero, PKT_SHARE_RO only with SHARE, data: NONE -> len is a plain number; COPY -> len <=
 * IPC_COPY_MAX; MOVE/SHARE -> data and len page-aligned, 0 < len <=
 * IPC_MOVE_MAX; any data range inside user space without wrapping.
 * Returns 0 or -ERR_INVAL/-ERR_TOOBIG/-ERR_FAULT with *why set. */
int ipc_packet_check(const struct ts_packet *p, const char **why);

#endif
