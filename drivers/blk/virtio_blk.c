/*
 * virtio-blk library: attach, submit, complete (virtio 1.2, 5.2).  See
 * <blk/virtio_blk.h> for the how-to and docs/blk.md for the design.
 *
 * Each request is one descriptor chain (5.2.6): the 16-byte header
 * (device-readable), the data buffers (readable for OUT, writable for IN),
 * and one status byte (device-writable).  Headers and status bytes live in
 * one DMA page indexed by the request's tag; the tag is the vq cookie, so a
 * completion maps back to driver memory only.
 */
#include <string.h>

#include <blk/virtio_blk.h>
#include <dux/dux.h>
#include <tessera/abi.h>
#include <tessera/errors.h>
#include <tessera/syscall.h>
#include <virtio/vpci_fn.h>

#define PAGE		4096ul
#define PAGE_UP(x)	(((x) + PAGE - 1) & ~(PAGE - 1))
#define STATUS_OFF	(VBLK_TAGS * sizeof(struct virtio_blk_outhdr))

_Static_assert(STATUS_OFF + VBLK_TAGS <= PAGE, "headers and status bytes fit one page");

/* Capacity, block size and segment limit from device config (5.2.4). */
static int
read_config(struct vblk *d)
{
	struct virtio_transport *t = &d->pci.transport;
	uint64_t cap = 0;
	uint32_t bs = VBLK_SECTOR, segs = VBLK_MAX_SEGS;

	if (t->ops->read_config(t, offsetof(struct virtio_blk_config, capacity), &cap,
				sizeof(cap)) < 0)
		goto bad;
	if ((d->features & (1ull << VIRTIO_BLK_F_BLK_SIZE)) &&
	    t->ops->read_config(t, offsetof(struct virtio_blk_config, blk_size), &bs,
				sizeof(bs)) < 0)
		goto bad;
	if ((d->features & (1ull << VIRTIO_BLK_F_SEG_MAX)) &&
	    t->ops->read_config(t, offsetof(struct virtio_blk_config, seg_max), &segs,
				sizeof(segs)) < 0)
		goto bad;
	if (bs < VBLK_SECTOR || bs > (64u << 10) || (bs & (bs - 1))) {
		d->err = "vblk_attach: device block size is not a power of two in 512..64K";
		return -ERR_IO;
	}
	if (cap > (UINT64_MAX / VBLK_SECTOR) || segs == 0) {
		d->err = "vblk_attach: device capacity or seg_max out of range";
		return -ERR_IO;
	}
	d->capacity = cap;
	d->blk_size = bs;
	d->seg_max = segs < VBLK_MAX_SEGS ? segs : VBLK_MAX_SEGS;
	return 0;
bad:
	d->err = "vblk_attach: device config unreadable";
	return -ERR_IO;
}

/* Queue 0 and the header page in one DMA allocation. */
static int
setup_queue(struct vblk *d)
{
	struct virtio_transport *t = &d->pci.transport;
	unsigned max = t->ops->queue_max(t, 0), size = VBLK_QSIZE_MAX;
	uint64_t pa;
	int rc;

	while (size > max)
		size >>= 1;
	if (size < 4) {
		d->err = "vblk_attach: request queue missing or too small";
		return -ERR_IO;
	}
	size_t ring = PAGE_UP(vq_mem_size(size));
	uintptr_t va = d->va + VBLK_VA_SPAN / 2;
	if ((rc = (int)sys_mem_alloc_dma(va, ring + PAGE, &pa)) < 0) {
		d->err = "vblk_attach: no DMA memory for the queue";
		return rc;
	}
	if ((rc = vq_init(&d->q, 0, size, (void *)va, pa, ring, d->slot,
			  !!(d->features & (1ull << VIRTIO_RING_F_EVENT_IDX)))) < 0 ||
	    (rc = virtio_setup_vq(t, &d->q)) < 0) {
		d->err = "vblk_attach: queue setup refused";
		return rc;
	}
	d->hdr = (struct virtio_blk_outhdr *)(va + ring);
	d->status = (volatile uint8_t *)(va + ring + STATUS_OFF);
	d->hdr_pa = pa + ring;
	d->status_pa = pa + ring + STATUS_OFF;
	d->nfree_tag = VBLK_TAGS;
	for (unsigned i = 0; i < VBLK_TAGS; i++)
		d->free_tag[i] = (uint16_t)(VBLK_TAGS - 1 - i);
	return 0;
}

int
vblk_attach(struct vblk *d, const struct pci_args *a, uintptr_t va)
{
	const uint64_t wanted = (1ull << VIRTIO_BLK_F_RO) | (1ull << VIRTIO_BLK_F_BLK_SIZE) |
				(1ull << VIRTIO_BLK_F_FLUSH) | (1ull << VIRTIO_BLK_F_SEG_MAX) |
				(1ull << VIRTIO_RING_F_EVENT_IDX);
	struct virtio_transport *t = &d->pci.transport;
	int rc;

	memset(d, 0, offsetof(struct vblk, irq_stack));
	d->irq = a->irq;
	d->va = va;
	struct vpci_access acc;
	if ((rc = vpci_fn_map(&d->fn, a, va, VBLK_VA_SPAN / 2, &acc, &d->err)) < 0)
		return rc;
	if ((rc = vpci_init(&d->pci, &acc)) < 0) {
		d->err = d->pci.err;
		return rc;
	}
	if ((rc = virtio_start(t, wanted, 0, &d->features)) < 0) {
		d->err = t->err;
		return rc;
	}
	d->ro = !!(d->features & (1ull << VIRTIO_BLK_F_RO));
	d->flush = !!(d->features & (1ull << VIRTIO_BLK_F_FLUSH));
	if ((rc = read_config(d)) < 0 || (rc = setup_queue(d)) < 0)
		goto fail;
	if ((rc = virtio_ready(t)) < 0) {
		d->err = "vblk_attach: device refused DRIVER_OK";
		goto fail;
	}
	return 0;
fail:
	virtio_fail(t);
	t->ops->reset(t);
	return rc;
}

int
vblk_irq_start(struct vblk *d)
{
	return vpci_irq_start(&d->irqs, &d->pci.transport, d->irq, d->irq_stack,
			      sizeof(d->irq_stack), &d->err);
}

int
vblk_room(const struct vblk *d, unsigned nseg)
{
	return !d->broken && d->nfree_tag > 0 && vq_nfree(&d->q) >= nseg + 2;
}

/* Decode: the checks of vblk_submit, before anything changes. */
static int
check_request(const struct vblk *d, unsigned type, uint64_t sector, const struct vq_seg *segs,
	      unsigned nseg)
{
	uint64_t bytes = 0;

	if (d->broken)
		return -ERR_IO;
	if (type == VIRTIO_BLK_T_FLUSH)
		return nseg ? -ERR_INVAL : d->flush ? 0 : -ERR_NOTSUP;
	if (type != VIRTIO_BLK_T_IN && type != VIRTIO_BLK_T_OUT)
		return -ERR_INVAL;
	if (nseg == 0 || nseg > d->seg_max)
		return -ERR_INVAL;
	for (unsigned i = 0; i < nseg; i++) {
		if (segs[i].len == 0)
			return -ERR_INVAL;
		bytes += segs[i].len;
	}
	if (bytes % d->blk_size || (sector * VBLK_SECTOR) % d->blk_size)
		return -ERR_INVAL;
	if (sector > d->capacity || bytes / VBLK_SECTOR > d->capacity - sector)
		return -ERR_RANGE;
	if (type == VIRTIO_BLK_T_OUT && d->ro)
		return -ERR_PERM;
	return 0;
}

int
vblk_submit(struct vblk *d, unsigned type, uint64_t sector, const struct vq_seg *segs,
	    unsigned nseg, void *cookie)
{
	struct vq_seg out[VBLK_MAX_SEGS + 1], in[VBLK_MAX_SEGS + 1];
	unsigned nout = 0, nin = 0;
	int rc;

	if ((rc = check_request(d, type, sector, segs, nseg)) < 0)
		return rc;
	if (!vblk_room(d, nseg))
		return -ERR_AGAIN;
	uint16_t tag = d->free_tag[d->nfree_tag - 1];
	d->hdr[tag].type = type;
	d->hdr[tag].ioprio = 0;
	d->hdr[tag].sector = type == VIRTIO_BLK_T_FLUSH ? 0 : sector;
	d->status[tag] = 0xff;
	out[nout++] = (struct vq_seg){ d->hdr_pa + tag * sizeof(*d->hdr), sizeof(*d->hdr) };
	for (unsigned i = 0; i < nseg; i++) {
		if (type == VIRTIO_BLK_T_OUT)
			out[nout++] = segs[i];
		else
			in[nin++] = segs[i];
	}
	in[nin++] = (struct vq_seg){ d->status_pa + tag, 1 };
	if ((rc = vq_add(&d->q, out, nout, in, nin, (void *)(uintptr_t)(tag + 1u))) < 0) {
		d->err = d->q.err;
		return rc;
	}
	d->nfree_tag--;
	d->tag[tag].cookie = cookie;
	d->tag[tag].type = (uint8_t)type;
	return 0;
}

void
vblk_kick(struct vblk *d)
{
	if (!d->broken && vq_publish(&d->q))
		d->pci.transport.ops->notify(&d->pci.transport, d->q.index);
}

/* The device broke the ring protocol: FAILED, reset; drain follows. */
static void
vblk_break(struct vblk *d)
{
	struct virtio_transport *t = &d->pci.transport;

	d->broken = 1;
	d->err = d->q.err;
	virtio_fail(t);
	t->ops->reset(t);
}

/* Hand back tag (cookie c = tag + 1) with its status. */
static int
finish(struct vblk *d, void *c, int st, void **cookie, int *status)
{
	uintptr_t tag = (uintptr_t)c - 1;

	if (tag >= VBLK_TAGS || d->nfree_tag >= VBLK_TAGS)
		vpci_die("vblk finish: cookie is not a tag in flight");
	*cookie = d->tag[tag].cookie;
	*status = st;
	d->tag[tag].cookie = NULL;
	d->free_tag[d->nfree_tag++] = (uint16_t)tag;
	return 1;
}

int
vblk_complete(struct vblk *d, void **cookie, int *status)
{
	void *c;
	uint32_t len;
	int rc;

	if (!d->broken) {
		rc = vq_reap(&d->q, &c, &len);
		if (rc > 0) {
			uint8_t s = d->status[(uintptr_t)c - 1];
			int st = s == VIRTIO_BLK_S_OK ? 0 :
				 s == VIRTIO_BLK_S_UNSUPP ? -ERR_NOTSUP : -ERR_IO;
			return finish(d, c, len < 1 ? -ERR_IO : st, cookie, status);
		}
		if (rc == 0)
			return 0;
		vblk_break(d);
	}
	if (vq_drain(&d->q, &c) > 0)
		return finish(d, c, -ERR_IO, cookie, status);
	return 0;
}
