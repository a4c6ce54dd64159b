/*
 * virtio-net library: attach, send, receive (virtio 1.2, 5.1).  See
 * <net/virtio_net.h> for the how-to and docs/net.md for the design.
 *
 * Buffers: one DMA block holds VNET_BUFS receive buffers then VNET_BUFS
 * transmit buffers of VNET_BUF bytes each, after both rings.  A buffer's
 * index + 1 is its vq cookie, so every completion maps back to driver
 * memory only; each receive buffer is one device-writable descriptor, each
 * transmit buffer one device-readable descriptor (header + frame, 5.1.6).
 */
#include <string.h>

#include <dux/dux.h>
#include <net/virtio_net.h>
#include <tessera/abi.h>
#include <tessera/errors.h>
#include <tessera/syscall.h>
#include <virtio/vpci_fn.h>

#define PAGE		4096ul
#define PAGE_UP(x)	(((x) + PAGE - 1) & ~(PAGE - 1))

/* Queue size for queue `index`: VNET_QSIZE_MAX or the device's largest
 * power of two below it; 0 if under VNET_BUFS. */
static unsigned
queue_size(struct vnet *d, uint16_t index)
{
	struct virtio_transport *t = &d->pci.transport;
	unsigned max = t->ops->queue_max(t, index), size = VNET_QSIZE_MAX;

	while (size > max)
		size >>= 1;
	return size >= VNET_BUFS ? size : 0;
}

/* Both rings and the buffers in one DMA allocation (second half of the
 * span), both queues handed to the device.  0 or -ERR_* with d->err. */
static int
setup_queues(struct vnet *d)
{
	struct virtio_transport *t = &d->pci.transport;
	unsigned rxn = queue_size(d, VNET_RXQ), txn = queue_size(d, VNET_TXQ);
	int event_idx = !!(d->features & (1ull << VIRTIO_RING_F_EVENT_IDX));
	uint64_t pa;
	int rc;

	if (!rxn || !txn) {
		d->err = "vnet_attach: a queue is missing or too small";
		return -ERR_IO;
	}
	size_t rxr = PAGE_UP(vq_mem_size(rxn)), txr = PAGE_UP(vq_mem_size(txn));
	size_t bufs = 2ul * VNET_BUFS * VNET_BUF;
	uintptr_t va = d->va + VNET_VA_SPAN / 2;
	if ((rc = (int)sys_mem_alloc_dma(va, rxr + txr + bufs, &pa)) < 0) {
		d->err = "vnet_attach: no DMA memory for the queues";
		return rc;
	}
	if ((rc = vq_init(&d->rxq, VNET_RXQ, rxn, (void *)va, pa, rxr, d->rx_slot,
			  event_idx)) < 0 ||
	    (rc = vq_init(&d->txq, VNET_TXQ, txn, (void *)(va + rxr), pa + rxr, txr,
			  d->tx_slot, event_idx)) < 0 ||
	    (rc = virtio_setup_vq(t, &d->rxq)) < 0 || (rc = virtio_setup_vq(t, &d->txq)) < 0) {
		d->err = "vnet_attach: queue setup refused";
		return rc;
	}
	d->rx_buf = (uint8_t *)(va + rxr + txr);
	d->rx_pa = pa + rxr + txr;
	d->tx_buf = d->rx_buf + VNET_BUFS * VNET_BUF;
	d->tx_pa = d->rx_pa + VNET_BUFS * VNET_BUF;
	d->ntx_free = VNET_BUFS;
	for (unsigned i = 0; i < VNET_BUFS; i++)
		d->tx_free[i] = (uint16_t)(VNET_BUFS - 1 - i);
	vq_intr_disable(&d->txq);	/* transmit buffers are reaped lazily */
	return 0;
}

/* Hand receive buffer i (0..VNET_BUFS-1) to the device (not published). */
static int
post_rx(struct vnet *d, unsigned i)
{
	struct vq_seg in = { d->rx_pa + (uint64_t)i * VNET_BUF, VNET_BUF };
	int rc = vq_add(&d->rxq, NULL, 0, &in, 1, (void *)(uintptr_t)(i + 1u));

	if (rc < 0 && rc != -ERR_IO)
		vpci_die("vnet post_rx: receive queue has no room for its own buffer");
	return rc < 0 ? rc : 0;
}

static void
kick(struct vnet *d, struct vq *q)
{
	if (vq_publish(q))
		d->pci.transport.ops->notify(&d->pci.transport, q->index);
}

int
vnet_attach(struct vnet *d, const struct pci_args *a, uintptr_t va)
{
	const uint64_t wanted = 1ull << VIRTIO_RING_F_EVENT_IDX;
	const uint64_t required = 1ull << VIRTIO_NET_F_MAC;
	struct virtio_transport *t = &d->pci.transport;
	int rc;

	memset(d, 0, offsetof(struct vnet, irq_stack));
	d->irq = a->irq;
	d->va = va;
	struct vpci_access acc;
	if ((rc = vpci_fn_map(&d->fn, a, va, VNET_VA_SPAN / 2, &acc, &d->err)) < 0)
		return rc;
	if ((rc = vpci_init(&d->pci, &acc)) < 0) {
		d->err = d->pci.err;
		return rc;
	}
	if ((rc = virtio_start(t, wanted, required, &d->features)) < 0) {
		d->err = t->err;
		return rc;
	}
	if ((rc = t->ops->read_config(t, offsetof(struct virtio_net_config, mac), d->mac,
				      VNET_MAC_LEN)) < 0) {
		d->err = "vnet_attach: device config (MAC) unreadable";
		goto fail;
	}
	if ((rc = setup_queues(d)) < 0)
		goto fail;
	for (unsigned i = 0; i < VNET_BUFS; i++)
		if ((rc = post_rx(d, i)) < 0)
			goto fail;
	if ((rc = virtio_ready(t)) < 0) {
		d->err = "vnet_attach: device refused DRIVER_OK";
		goto fail;
	}
	kick(d, &d->rxq);	/* no notification before DRIVER_OK (3.1.1) */
	return 0;
fail:
	virtio_fail(t);
	t->ops->reset(t);
	return rc;
}

int
vnet_irq_start(struct vnet *d)
{
	return vpci_irq_start(&d->irqs, &d->pci.transport, d->irq, d->irq_stack,
			      sizeof(d->irq_stack), &d->err);
}

/* The device broke the ring protocol of q: FAILED, reset, and every buffer
 * taken back from both queues (driver memory only).  Returns -ERR_IO. */
static int
vnet_break(struct vnet *d, const struct vq *q)
{
	struct virtio_transport *t = &d->pci.transport;
	void *c;

	d->broken = 1;
	d->err = q->err;
	virtio_fail(t);
	t->ops->reset(t);
	while (vq_drain(&d->rxq, &c) > 0)
		;
	while (vq_drain(&d->txq, &c) > 0)
		d->tx_free[d->ntx_free++] = (uint16_t)((uintptr_t)c - 1);
	return -ERR_IO;
}

int
vnet_reap_tx(struct vnet *d)
{
	void *c;
	uint32_t len;
	int rc;

	if (d->broken)
		return -ERR_IO;
	while ((rc = vq_reap(&d->txq, &c, &len)) > 0) {
		uintptr_t i = (uintptr_t)c - 1;
		if (i >= VNET_BUFS || d->ntx_free >= VNET_BUFS)
			vpci_die("vnet_reap_tx: cookie is not a transmit buffer in flight");
		d->tx_free[d->ntx_free++] = (uint16_t)i;
	}
	return rc < 0 ? vnet_break(d, &d->txq) : 0;
}

int
vnet_send(struct vnet *d, const void *frame, size_t len)
{
	int rc;

	if (len < VNET_FRAME_MIN || len > VNET_FRAME_MAX)
		return -ERR_INVAL;
	if ((rc = vnet_reap_tx(d)) < 0) {
		d->stats.tx_errors++;
		return rc;
	}
	if (d->ntx_free == 0) {
		d->stats.tx_drops++;
		return -ERR_AGAIN;
	}
	unsigned i = d->tx_free[d->ntx_free - 1];
	uint8_t *b = d->tx_buf + (size_t)i * VNET_BUF;
	memset(b, 0, VNET_HDR);	/* no offloads: flags 0, GSO_NONE (5.1.6.2) */
	memcpy(b + VNET_HDR, frame, len);
	struct vq_seg out = { d->tx_pa + (uint64_t)i * VNET_BUF, (uint32_t)(VNET_HDR + len) };
	if ((rc = vq_add(&d->txq, &out, 1, NULL, 0, (void *)(uintptr_t)(i + 1u))) < 0) {
		if (rc != -ERR_IO)
			vpci_die("vnet_send: transmit queue has no room for a free buffer");
		d->stats.tx_errors++;
		return vnet_break(d, &d->txq);
	}
	d->ntx_free--;
	d->stats.tx_packets++;
	d->stats.tx_bytes += len;
	kick(d, &d->txq);
	return 0;
}

int
vnet_recv(struct vnet *d, void *buf, size_t cap)
{
	void *c;
	uint32_t len;
	int rc;

	if (cap < VNET_FRAME_MAX)
		return -ERR_INVAL;
	while (!d->broken) {
		if ((rc = vq_reap(&d->rxq, &c, &len)) == 0)
			return 0;
		if (rc < 0)
			return vnet_break(d, &d->rxq);
		uintptr_t i = (uintptr_t)c - 1;
		if (i >= VNET_BUFS)
			vpci_die("vnet_recv: cookie is not a receive buffer");
		/* vq_reap checked len <= VNET_BUF; the frame must be sane too. */
		uint32_t n = len >= VNET_HDR ? len - (uint32_t)VNET_HDR : 0;
		if (n >= VNET_FRAME_MIN && n <= VNET_FRAME_MAX)
			memcpy(buf, d->rx_buf + i * VNET_BUF + VNET_HDR, n);
		if ((rc = post_rx(d, (unsigned)i)) < 0)
			return vnet_break(d, &d->rxq);
		kick(d, &d->rxq);
		if (n >= VNET_FRAME_MIN && n <= VNET_FRAME_MAX) {
			d->stats.rx_packets++;
			d->stats.rx_bytes += n;
			return (int)n;
		}
		d->stats.rx_errors++;
	}
	return -ERR_IO;
}

int
vnet_rearm(struct vnet *d)
{
	return !d->broken && vq_intr_enable(&d->rxq);
}
