/*
 * Split virtqueues: descriptor chains, available ring, used ring, event
 * suppression (virtio 1.2, section 2.7).  See <virtio/virtq.h>.
 *
 * Ring memory is shared with the device, which may write anything there
 * at any time.  So the free list and chain bookkeeping live in the
 * caller's vq_slot array, every device-written field (used->idx, used
 * elements, used->flags, avail_event) is read exactly once through a
 * volatile access, and each used element is validated before it frees
 * anything.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <tessera/errors.h>
#include <virtio/virtq.h>

/* Virtio structures are little endian; both our targets are too. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
    "virtq.c assumes a little-endian CPU");

/* Offsets inside the ring memory (2.7: desc 16-aligned, avail 2, used 4).
 * The used ring starts on its own 64-byte line so that driver and device
 * do not write the same cache line. */
#define USED_ALIGN 64u

static size_t
avail_off(unsigned size)
{
	return (size_t)16 * size;
}

static size_t
used_off(unsigned size)
{
	/* flags, idx, ring[size], used_event */
	size_t end = avail_off(size) + 2 * (3 + (size_t)size);

	return (end + USED_ALIGN - 1) & ~(size_t)(USED_ALIGN - 1);
}

static int
size_ok(unsigned size)
{
	return size >= 1 && size <= VQ_MAX_SIZE && (size & (size - 1)) == 0;
}

/* Accessors for ring fields: one volatile access each, so that a value the
 * device may change is loaded once and the compiler never re-reads it. */
static inline uint16_t
ld16(const void *p)
{
	return *(const volatile uint16_t *)p;
}

static inline uint32_t
ld32(const void *p)
{
	return *(const volatile uint32_t *)p;
}

static inline void
st16(void *p, uint16_t v)
{
	*(volatile uint16_t *)p = v;
}

static inline void
st32(void *p, uint32_t v)
{
	*(volatile uint32_t *)p = v;
}

static inline void
st64(void *p, uint64_t v)
{
	*(volatile uint64_t *)p = v;
}

/* Memory barriers against a cache-coherent device (virtio's "weak
 * barriers"; on RISC-V these are `fence` instructions: release = fence
 * rw,w, acquire = fence r,rw, full = fence rw,rw). */
#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)

/* used_event lives after avail->ring[size], avail_event after
 * used->ring[size] (2.7.10). */
static inline void *
used_event_p(struct vq *q)
{
	return &q->avail->ring[q->size];
}

static inline const void *
avail_event_p(const struct vq *q)
{
	return &q->used->ring[q->size];
}

size_t
vq_mem_size(unsigned size)
{
	if (!size_ok(size))
		return 0;
	/* flags, idx, ring[size], avail_event */
	return used_off(size) + 6 + (size_t)8 * size;
}

int
vq_init(struct vq *q, uint16_t index, unsigned size, void *va, uint64_t pa,
    size_t len, struct vq_slot *slots, int event_idx)
{
	unsigned i;

	if (!size_ok(size) || va == NULL || slots == NULL ||
	    ((uintptr_t)va & 15) != 0 || (pa & 15) != 0 ||
	    len < vq_mem_size(size) || pa + len < pa) {
		q->err = "vq_init: bad size, alignment or length";
		return -ERR_INVAL;
	}
	memset(q, 0, sizeof(*q));
	memset(va, 0, vq_mem_size(size));
	q->desc = va;
	q->avail = (struct vring_avail *)((char *)va + avail_off(size));
	q->used = (struct vring_used *)((char *)va + used_off(size));
	q->desc_pa = pa;
	q->avail_pa = pa + avail_off(size);
	q->used_pa = pa + used_off(size);
	q->slot = slots;
	q->index = index;
	q->size = (uint16_t)size;
	q->event_idx = event_idx != 0;
	for (i = 0; i < size; i++) {
		slots[i].cookie = NULL;
		slots[i].wcap = 0;
		slots[i].ndesc = 0;
		slots[i].next = (uint16_t)(i + 1 < size ? i + 1 : 0);
	}
	q->free_head = 0;
	q->nfree = (uint16_t)size;
	return 0;
}

/* Check one buffer list; adds its bytes to *total. */
static int
segs_ok(const struct vq_seg *s, unsigned n, uint64_t *total)
{
	unsigned i;

	if (n > 0 && s == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i].len == 0 || s[i].pa + s[i].len < s[i].pa)
			return 0;
		*total += s[i].len;
	}
	return 1;
}

/* Write one buffer list into the descriptors starting at *id, following
 * the driver's own links; leaves *id at the descriptor after the last. */
static void
fill_descs(struct vq *q, uint16_t *id, const struct vq_seg *s, unsigned n,
    uint16_t flags, unsigned *left)
{
	unsigned i;
	struct vring_desc *d;

	for (i = 0; i < n; i++) {
		d = &q->desc[*id];
		st64(&d->addr, s[i].pa);
		st32(&d->len, s[i].len);
		if (--*left > 0) {
			st16(&d->flags, flags | VRING_DESC_F_NEXT);
			st16(&d->next, q->slot[*id].next);
		} else {
			st16(&d->flags, flags);
			st16(&d->next, 0);
		}
		*id = q->slot[*id].next;
	}
}

int
vq_add(struct vq *q, const struct vq_seg *out, unsigned nout,
    const struct vq_seg *in, unsigned nin, void *cookie)
{
	uint64_t rbytes = 0, wbytes = 0;
	unsigned n = nout + nin, left, i;
	uint16_t head, id, last;

	if (q->broken) {
		q->err = "vq_add: queue broken by the device";
		return -ERR_IO;
	}
	if (n == 0 || n < nout || !segs_ok(out, nout, &rbytes) ||
	    !segs_ok(in, nin, &wbytes) || wbytes > UINT32_MAX) {
		q->err = "vq_add: bad buffer list";
		return -ERR_INVAL;
	}
	if (n > q->size) {
		q->err = "vq_add: chain longer than the queue";
		return -ERR_TOOBIG;
	}
	if (n > q->nfree) {
		q->err = "vq_add: queue full";
		return -ERR_AGAIN;
	}

	head = id = q->free_head;
	last = head;
	for (i = 1; i < n; i++)
		last = q->slot[last].next;
	left = n;
	fill_descs(q, &id, out, nout, 0, &left);
	fill_descs(q, &id, in, nin, VRING_DESC_F_WRITE, &left);

	q->free_head = q->slot[last].next;
	q->nfree = (uint16_t)(q->nfree - n);
	q->ninflight++;
	q->slot[head].cookie = cookie;
	q->slot[head].wcap = (uint32_t)wbytes;
	q->slot[head].ndesc = (uint16_t)n;

	st16(&q->avail->ring[q->avail_idx & (q->size - 1)], head);
	q->avail_idx++;
	return head;
}

int
vq_publish(struct vq *q)
{
	uint16_t old = q->kicked_idx, now = q->avail_idx;

	if (old == now)
		return 0;
	/* Descriptors and ring entries before the index (2.7.13.3.1). */
	wmb();
	st16(&q->avail->idx, now);
	q->kicked_idx = now;
	/* The index store before reading the device's suppression state
	 * (2.7.13.4: otherwise both sides may wait for each other). */
	mb();
	if (q->event_idx)
		return vring_need_event(ld16(avail_event_p(q)), now, old);
	return (ld16(&q->used->flags) & VRING_USED_F_NO_NOTIFY) == 0;
}

/* Return a chain to the free list, following the driver's links. */
static void
free_chain(struct vq *q, uint16_t head)
{
	struct vq_slot *h = &q->slot[head];
	uint16_t last = head;
	unsigned i;

	for (i = 1; i < h->ndesc; i++)
		last = q->slot[last].next;
	q->slot[last].next = q->free_head;
	q->free_head = head;
	q->nfree = (uint16_t)(q->nfree + h->ndesc);
	q->ninflight--;
	h->ndesc = 0;
	h->wcap = 0;
	h->cookie = NULL;
}

static int
broken(struct vq *q, const char *why)
{
	q->broken = 1;
	q->err = why;
	return -ERR_IO;
}

int
vq_reap(struct vq *q, void **cookie, uint32_t *len)
{
	const struct vring_used_elem *e;
	uint16_t used_idx, pending;
	uint32_t id, n;

	if (q->broken) {
		q->err = "vq_reap: queue broken by the device";
		return -ERR_IO;
	}
	used_idx = ld16(&q->used->idx);
	if (used_idx == q->last_used)
		return 0;
	/* The index before the element it covers (2.7.14). */
	rmb();
	pending = (uint16_t)(used_idx - q->last_used);
	if (pending > q->ninflight)
		return broken(q, "vq_reap: used index ran ahead of the chains in flight");
	e = &q->used->ring[q->last_used & (q->size - 1)];
	id = ld32(&e->id);
	n = ld32(&e->len);
	if (id >= q->size)
		return broken(q, "vq_reap: used id out of range");
	if (q->slot[id].ndesc == 0)
		return broken(q, "vq_reap: used id not in flight");
	if (n > q->slot[id].wcap)
		return broken(q, "vq_reap: used length over the writable buffers");

	*cookie = q->slot[id].cookie;
	*len = n;
	free_chain(q, (uint16_t)id);
	q->last_used++;
	if (q->event_idx && !(q->avail_flags & VRING_AVAIL_F_NO_INTERRUPT)) {
		/* Interrupt me when the device passes what I have reaped. */
		st16(used_event_p(q), q->last_used);
		mb();
	}
	return 1;
}

void
vq_intr_disable(struct vq *q)
{
	q->avail_flags |= VRING_AVAIL_F_NO_INTERRUPT;
	if (!q->event_idx)
		st16(&q->avail->flags, q->avail_flags);
}

int
vq_intr_enable(struct vq *q)
{
	q->avail_flags &= (uint16_t)~VRING_AVAIL_F_NO_INTERRUPT;
	if (q->event_idx)
		st16(used_event_p(q), q->last_used);
	else
		st16(&q->avail->flags, q->avail_flags);
	/* The enable before looking at the used index (2.7.14). */
	mb();
	return ld16(&q->used->idx) != q->last_used;
}

int
vq_drain(struct vq *q, void **cookie)
{
	unsigned i;

	if (q->ninflight == 0)
		return 0;
	for (i = 0; i < q->size; i++) {
		if (q->slot[i].ndesc != 0) {
			*cookie = q->slot[i].cookie;
			free_chain(q, (uint16_t)i);
			return 1;
		}
	}
	q->err = "vq_drain: in-flight count without a chain";
	return -ERR_IO;
}
