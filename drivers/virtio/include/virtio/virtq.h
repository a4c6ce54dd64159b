/*
 * Split virtqueues (virtio 1.2, section 2.7), independent of the transport.
 *
 * How to use:
 *
 *   prep   Ask the transport for the queue's maximum size, pick a power of
 *          two `n` <= it, get vq_mem_size(n) bytes of DMA memory (virtual
 *          address + physical address: sys_mem_alloc_dma) and an array of n
 *          struct vq_slot in ordinary memory, then
 *            vq_init(&q, index, n, va, pa, len, slots, event_idx);
 *            virtio_setup_vq(t, &q);            (transport.h)
 *   add    For each request, describe its buffers by physical address,
 *          device-readable ones first, then device-writable ones:
 *            head = vq_add(&q, out, nout, in, nin, cookie);
 *          -ERR_AGAIN means no free descriptors: reap first.
 *   kick   After one or more adds:
 *            if (vq_publish(&q)) t->ops->notify(t, q.index);
 *   reap   On the queue's interrupt (or when polling):
 *            while ((rc = vq_reap(&q, &cookie, &len)) > 0)
 *                    complete(cookie, len);
 *          rc < 0 (-ERR_IO) means the device broke the ring protocol; the
 *          queue refuses further work until the device is reset, then
 *          vq_drain() hands back every request still in flight and vq_init()
 *          starts the queue afresh.
 *
 * The ring layouts are the spec's, from <linux/virtio_ring.h>.  Everything
 * the driver needs to trust (free list, chain lengths, cookies, writable
 * capacity) lives in struct vq_slot, outside the memory the device can
 * write; the device's used entries are read once and checked before use.
 * A queue is used by one thread at a time: callers serialise.
 */
#ifndef VIRTIO_VIRTQ_H
#define VIRTIO_VIRTQ_H

#include <stddef.h>
#include <stdint.h>

#include <linux/virtio_ring.h>

/* Largest queue size of a split virtqueue (virtio 1.2, 2.7). */
#define VQ_MAX_SIZE 32768u

/* One buffer: physical address and length (> 0) in bytes. */
struct vq_seg {
	uint64_t pa;
	uint32_t len;
};

/* Driver-private state of one descriptor (an array of `size`). */
struct vq_slot {
	void *cookie;   /* head of an in-flight chain: the caller's cookie */
	uint32_t wcap;  /* head: bytes the device may write (sum of in[]) */
	uint16_t next;  /* next descriptor of the chain or of the free list */
	uint16_t ndesc; /* head: descriptors in the chain; 0 = not in flight */
};

struct vq {
	/* Ring memory, shared with the device. */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint64_t desc_pa, avail_pa, used_pa;

	/* Driver state: never read back from ring memory. */
	struct vq_slot *slot;
	uint16_t index;      /* queue number on the device */
	uint16_t size;       /* descriptors, a power of two */
	uint16_t nfree;      /* descriptors on the free list */
	uint16_t free_head;  /* first free descriptor (valid if nfree > 0) */
	uint16_t ninflight;  /* chains added and not yet reaped */
	uint16_t avail_idx;  /* next avail index to fill (free-running) */
	uint16_t kicked_idx; /* avail index at the last vq_publish */
	uint16_t last_used;  /* next used entry to reap (free-running) */
	uint16_t avail_flags;/* shadow of avail->flags */
	uint8_t event_idx;   /* VIRTIO_RING_F_EVENT_IDX negotiated */
	uint8_t broken;      /* the device broke the protocol: -ERR_IO */
	const char *err;     /* why the last call failed, for the log */
};

/* Bytes of DMA memory a queue of `size` descriptors needs (0 if size is
 * not a power of two in 1..VQ_MAX_SIZE). */
size_t vq_mem_size(unsigned size);

/* Set up `q` over `len` bytes of zeroable DMA memory at virtual `va`,
 * physical `pa` (16-byte aligned, physically contiguous) and `size` slots.
 * `event_idx`: VIRTIO_RING_F_EVENT_IDX was negotiated.  Returns 0 or
 * -ERR_INVAL (bad size, alignment, length), changing nothing on error. */
int vq_init(struct vq *q, uint16_t index, unsigned size, void *va,
    uint64_t pa, size_t len, struct vq_slot *slots, int event_idx);

/* Queue one request: nout device-readable then nin device-writable
 * buffers, as one descriptor chain.  Returns the head descriptor id (>= 0),
 * or -ERR_INVAL (no buffers, a zero length, an address range that wraps,
 * writable bytes over 4 GiB), -ERR_TOOBIG (more buffers than the queue has
 * descriptors), -ERR_AGAIN (not enough free descriptors now), -ERR_IO
 * (queue broken).  The device sees it after vq_publish. */
int vq_add(struct vq *q, const struct vq_seg *out, unsigned nout,
    const struct vq_seg *in, unsigned nin, void *cookie);

/* Make every added chain visible to the device.  Returns 1 if the device
 * must be notified (event index or the device's NO_NOTIFY flag), else 0. */
int vq_publish(struct vq *q);

/* Take one completed chain: sets *cookie and *len (bytes the device wrote)
 * and returns 1; returns 0 if none is pending; -ERR_IO if the device wrote
 * a bad used entry (index jump, unknown id, id not in flight, length over
 * the writable capacity), which breaks the queue and frees nothing. */
int vq_reap(struct vq *q, void **cookie, uint32_t *len);

/* Ask the device not to interrupt for this queue (a hint). */
void vq_intr_disable(struct vq *q);

/* Ask for interrupts again; returns 1 if entries are already pending (reap
 * them: their interrupt may have been suppressed), else 0. */
int vq_intr_enable(struct vq *q);

/* After the device was reset: free one in-flight chain, set *cookie and
 * return 1; 0 when none is left.  Never touches ring memory. */
int vq_drain(struct vq *q, void **cookie);

/* Free descriptors (for tests and flow control). */
static inline unsigned
vq_nfree(const struct vq *q)
{
	return q->nfree;
}

#endif
