/*
 * virtio-blk library (virtio 1.2, section 5.2): attach to one virtio-blk PCI
 * function, one request virtqueue, many requests in flight, completion by
 * interrupt (shared INTx, deferred when the ISR says "not me") or by
 * polling.  All the device logic lives here; drivers/blk/blk_server.c is a
 * thin server over it, and a privileged program may link it and drive a
 * disk itself.
 *
 * How to use:
 *
 *   struct vblk *d = &static_vblk;           large: keep it static
 *   rc = vblk_attach(d, &pci_args, va);      map config page + BARs at va..,
 *                                            negotiate, queue up, DRIVER_OK
 *   rc = vblk_irq_start(d);                  reserve the INTx line (optional;
 *                                            else poll)
 *   Per request (data = device physical addresses, e.g. DMA pages):
 *     if (vblk_room(d, nseg)) rc = vblk_submit(d, VIRTIO_BLK_T_IN, sector,
 *                                              segs, nseg, cookie);
 *     vblk_kick(d);                          after a batch of submits
 *   Completion (after an interrupt woke dux_wait, or when polling):
 *     while ((rc = vblk_complete(d, &cookie, &status)) > 0) finish(cookie,
 *                                                             status);
 *
 * A device that breaks the ring protocol (vq_reap -ERR_IO) is set FAILED and
 * reset; every request then in flight completes with -ERR_IO and later
 * submits fail with -ERR_IO.  One thread drives a vblk; the interrupt
 * handler only acknowledges the ISR and counts.
 */
#ifndef BLK_VIRTIO_BLK_H
#define BLK_VIRTIO_BLK_H

#include <stddef.h>
#include <stdint.h>

#include <linux/virtio_blk.h>
#include <pci/pci.h>
#include <virtio/virtio_pci.h>
#include <virtio/vpci_fn.h>
#include <virtio/virtq.h>

#define VBLK_SECTOR	 512u		/* the unit of virtio-blk sector numbers */
#define VBLK_QSIZE_MAX	 256u		/* descriptors of the request queue, at most */
#define VBLK_TAGS	 64u		/* requests in flight, at most */
#define VBLK_MAX_SEGS	 32u		/* data buffers per request, at most */
#define VBLK_VA_SPAN	 (64ul << 20)	/* virtual space vblk_attach uses from va */
#define VBLK_IRQ_STACK	 4096u

/* One request in flight: the caller's cookie (driver memory only). */
struct vblk_tag {
	void *cookie;
	uint8_t type;
};

struct vblk {
	struct vpci pci;
	struct vq q;
	struct vq_slot slot[VBLK_QSIZE_MAX];
	struct vblk_tag tag[VBLK_TAGS];
	uint16_t free_tag[VBLK_TAGS];
	unsigned nfree_tag;

	/* DMA page: request headers (16 bytes per tag), then status bytes. */
	struct virtio_blk_outhdr *hdr;
	volatile uint8_t *status;
	uint64_t hdr_pa, status_pa;

	/* What the device offers (fixed after vblk_attach). */
	uint64_t features;
	uint64_t capacity;	/* in 512-byte sectors */
	uint32_t blk_size;	/* logical block, a power of two >= 512 */
	uint32_t seg_max;	/* data buffers per request */
	uint8_t ro, flush;	/* VIRTIO_BLK_F_RO, VIRTIO_BLK_F_FLUSH */
	uint8_t broken;		/* ring protocol broken: device reset, -ERR_IO */

	/* Interrupt: written by the notification handler. */
	uint32_t irq;			/* PLIC interrupt, 0 = poll */
	struct vpci_irq irqs;		/* handler state and counts */

	/* Mappings made by vblk_attach. */
	uintptr_t va;		/* our window: device half, then DMA half */
	struct vpci_fn fn;	/* config page and BARs mapped */
	const char *err;	/* why the last call failed, for the log */
	uint8_t irq_stack[VBLK_IRQ_STACK] __attribute__((aligned(16)));
};

/* Map the function's config page and memory BARs at [va, va +
 * VBLK_VA_SPAN) (page aligned, unused), bring the device up (virtio-pci
 * transport, features VERSION_1 + RO/BLK_SIZE/FLUSH/SEG_MAX/EVENT_IDX when
 * offered), read capacity/blk_size/seg_max, set up queue 0 in DMA memory
 * and set DRIVER_OK.  Needs privilege.  Returns 0 or -ERR_* with d->err
 * set; on failure after negotiation the device is FAILED and reset. */
int vblk_attach(struct vblk *d, const struct pci_args *a, uintptr_t va);

/* Reserve d->irq and install the dux notification handler (one vblk per
 * task uses interrupts).  0, or -ERR_NOENT (no IRQ: poll) / -ERR_* from
 * the kernel; the device works by polling either way. */
int vblk_irq_start(struct vblk *d);

/* 1 if a request of nseg data buffers can be submitted now, else 0. */
int vblk_room(const struct vblk *d, unsigned nseg);

/* Queue one request: type VIRTIO_BLK_T_IN (device writes segs), _OUT
 * (device reads segs) or _FLUSH (nseg 0) at `sector`.  Validates before
 * touching anything: -ERR_INVAL (type, segment count, length not a whole
 * number of blocks, sector not block aligned, zero-length buffer),
 * -ERR_RANGE (past the end), -ERR_PERM (write to a read-only disk),
 * -ERR_NOTSUP (flush not offered), -ERR_AGAIN (no tag or descriptors:
 * complete some first), -ERR_IO (device broken).  Returns 0; the device
 * sees it after vblk_kick. */
int vblk_submit(struct vblk *d, unsigned type, uint64_t sector, const struct vq_seg *segs,
		unsigned nseg, void *cookie);

/* Publish submitted requests; notify the device if it asks for it. */
void vblk_kick(struct vblk *d);

/* One finished request: *cookie, *status (0, -ERR_IO for an I/O error or a
 * bad status byte, -ERR_NOTSUP for an unsupported request) and returns 1;
 * 0 when none is finished.  After a protocol error it resets the device and
 * hands back every request in flight with -ERR_IO. */
int vblk_complete(struct vblk *d, void **cookie, int *status);

/* Requests in flight. */
static inline unsigned
vblk_inflight(const struct vblk *d)
{
	return VBLK_TAGS - d->nfree_tag;
}

/* Disk size in bytes. */
static inline uint64_t
vblk_size(const struct vblk *d)
{
	return d->capacity * VBLK_SECTOR;
}

#endif
