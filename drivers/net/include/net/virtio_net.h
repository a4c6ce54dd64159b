/*
 * virtio-net library (virtio 1.2, section 5.1): attach to one virtio-net PCI
 * function, one receive and one transmit virtqueue, Ethernet frames of
 * 14..1514 bytes, completion by interrupt (shared INTx, deferred when the
 * ISR says "not me") or by polling.  All the device logic lives here;
 * drivers/net/net_server.c is a thin server over it, and a privileged
 * program may link it and drive a NIC itself.
 *
 * How to use:
 *
 *   struct vnet *d = &static_vnet;           large: keep it static
 *   rc = vnet_attach(d, &pci_args, va);      map config page + BARs at va..,
 *                                            negotiate, MAC, queues up,
 *                                            receive buffers posted, DRIVER_OK
 *   rc = vnet_irq_start(d);                  reserve the INTx line (optional;
 *                                            else poll)
 *   rc = vnet_send(d, frame, len);           copy into a transmit buffer and
 *                                            hand it to the device
 *   while ((n = vnet_recv(d, buf, sizeof buf)) > 0)  one frame of n bytes
 *           use(buf, n);
 *   if (vnet_rearm(d)) ...                   frames arrived meanwhile: recv
 *                                            again before sleeping
 *
 * Every frame travels behind a struct virtio_net_hdr_mrg_rxbuf (12 bytes:
 * with VIRTIO_F_VERSION_1 num_buffers is always there, 5.1.6).  No offloads
 * are negotiated: the header sent is all zeroes and frames carry their own
 * checksums.  A device that breaks the ring protocol (vq_reap -ERR_IO) is
 * set FAILED and reset; every later call returns -ERR_IO.  One thread
 * drives a vnet; the interrupt handler only acknowledges the ISR and counts.
 */
#ifndef NET_VIRTIO_NET_H
#define NET_VIRTIO_NET_H

#include <stddef.h>
#include <stdint.h>

#include <linux/virtio_net.h>
#include <pci/pci.h>
#include <virtio/virtio_pci.h>
#include <virtio/vpci_fn.h>
#include <virtio/virtq.h>

#define VNET_RXQ	 0u		/* receiveq1 (5.1.2) */
#define VNET_TXQ	 1u		/* transmitq1 */
#define VNET_QSIZE_MAX	 256u		/* descriptors per queue, at most */
#define VNET_BUFS	 64u		/* receive buffers posted; transmit buffers */
#define VNET_BUF	 2048u		/* bytes per buffer: header + largest frame */
#define VNET_HDR	 sizeof(struct virtio_net_hdr_mrg_rxbuf)
#define VNET_FRAME_MIN	 14u		/* Ethernet header */
#define VNET_FRAME_MAX	 1514u		/* header + 1500-byte MTU, no FCS */
#define VNET_MAC_LEN	 6u
#define VNET_VA_SPAN	 (64ul << 20)	/* virtual space vnet_attach uses from va */
#define VNET_IRQ_STACK	 4096u

_Static_assert(VNET_HDR + VNET_FRAME_MAX <= VNET_BUF, "a frame fits one buffer");

/* Counters, as INFO reports them (docs/net.md).  tx_* count frames handed
 * to the device; rx_* frames taken from it. */
struct vnet_stats {
	uint64_t tx_packets, tx_bytes;
	uint64_t tx_drops;	/* refused: every transmit buffer busy */
	uint64_t tx_errors;	/* refused: device broken */
	uint64_t rx_packets, rx_bytes;
	uint64_t rx_drops;	/* received but nobody could take them (server) */
	uint64_t rx_errors;	/* device wrote a frame outside 14..1514 bytes */
};

struct vnet {
	struct vpci pci;
	struct vq rxq, txq;
	struct vq_slot rx_slot[VNET_QSIZE_MAX], tx_slot[VNET_QSIZE_MAX];

	/* DMA: VNET_BUFS receive buffers, then VNET_BUFS transmit buffers. */
	uint8_t *rx_buf, *tx_buf;
	uint64_t rx_pa, tx_pa;
	uint16_t tx_free[VNET_BUFS];	/* transmit buffers not in flight */
	unsigned ntx_free;

	/* What the device offers (fixed after vnet_attach). */
	uint64_t features;
	uint8_t mac[VNET_MAC_LEN];
	uint8_t broken;		/* ring protocol broken: device reset, -ERR_IO */
	struct vnet_stats stats;

	/* Interrupt: written by the notification handler. */
	uint32_t irq;			/* PLIC interrupt, 0 = poll */
	struct vpci_irq irqs;		/* handler state and counts */

	/* Mappings made by vnet_attach. */
	uintptr_t va;		/* our window: device half, then DMA half */
	struct vpci_fn fn;	/* config page and BARs mapped */
	const char *err;	/* why the last call failed, for the log */
	uint8_t irq_stack[VNET_IRQ_STACK] __attribute__((aligned(16)));
};

/* Map the function's config page and memory BARs at [va, va +
 * VNET_VA_SPAN) (page aligned, unused), bring the device up (features
 * VERSION_1 + MAC required, EVENT_IDX when offered), read the MAC, set up
 * both queues in DMA memory, post every receive buffer and set DRIVER_OK.
 * Needs privilege or device grants.  Returns 0 or -ERR_* with d->err set;
 * on failure after negotiation the device is FAILED and reset. */
int vnet_attach(struct vnet *d, const struct pci_args *a, uintptr_t va);

/* Reserve d->irq and install the dux notification handler (one vnet per
 * task uses interrupts).  0, or -ERR_NOENT (no IRQ: poll) / -ERR_* from
 * the kernel; the device works by polling either way. */
int vnet_irq_start(struct vnet *d);

/* Send one frame of `len` bytes (14..1514, else -ERR_INVAL, nothing
 * counted).  Frees finished transmit buffers first.  Returns 0 once the
 * device has it; -ERR_AGAIN (every buffer in flight: tx_drops counted),
 * -ERR_IO (device broken: tx_errors counted). */
int vnet_send(struct vnet *d, const void *frame, size_t len);

/* Take the next received frame into buf (cap >= VNET_FRAME_MAX, else
 * -ERR_INVAL) and post its buffer again.  Returns its length (14..1514),
 * 0 when none is waiting, -ERR_IO when the device broke the protocol (now
 * or earlier).  A frame of bad length is counted in rx_errors and skipped. */
int vnet_recv(struct vnet *d, void *buf, size_t cap);

/* Free finished transmit buffers.  0, or -ERR_IO (device broken). */
int vnet_reap_tx(struct vnet *d);

/* Ask for a receive interrupt again before sleeping: 1 if frames are
 * already waiting (call vnet_recv first), else 0. */
int vnet_rearm(struct vnet *d);

#endif
