/*
 * The small ops table between virtio device drivers and a transport
 * (virtio-pci today, virtio-mmio possible), and the transport-independent
 * device bring-up over it (virtio 1.2, 3.1.1).
 *
 * How to use (a driver, given a transport `t`, e.g. &vpci.transport):
 *
 *   rc = virtio_start(t, wanted, required, &features);  reset, ACKNOWLEDGE,
 *                                     DRIVER, negotiate, FEATURES_OK checked
 *   n = t->ops->queue_max(t, i);      then vq_init(...) per queue (virtq.h)
 *   rc = virtio_setup_vq(t, &q);      hand the rings to the device
 *   virtio_ready(t);                  DRIVER_OK: the device is live
 *   ... on error after virtio_start:  virtio_fail(t) (FAILED), then reset.
 *
 * Feature bits and status values are the spec's, <linux/virtio_config.h>.
 */
#ifndef VIRTIO_TRANSPORT_H
#define VIRTIO_TRANSPORT_H

#include <stdint.h>

#include <linux/virtio_config.h>

struct vq;
struct virtio_transport;

/* Every op may be called only by the device's single driver thread.
 * Negative returns are -ERR_* codes. */
struct virtio_transport_ops {
	uint64_t (*get_features)(struct virtio_transport *t);
	void (*set_features)(struct virtio_transport *t, uint64_t features);
	uint8_t (*get_status)(struct virtio_transport *t);
	void (*set_status)(struct virtio_transport *t, uint8_t status);
	/* Write 0 to the status and wait until the device reads back 0:
	 * 0, or -ERR_TIMEOUT. */
	int (*reset)(struct virtio_transport *t);
	/* Largest size of queue `index`; 0 if there is no such queue. */
	unsigned (*queue_max)(struct virtio_transport *t, uint16_t index);
	/* Give queue `index` its size and ring physical addresses, then
	 * enable it: 0, -ERR_RANGE/-ERR_NOENT (no such queue), -ERR_INVAL
	 * (size, alignment), -ERR_BUSY (already enabled), -ERR_IO. */
	int (*setup_queue)(struct virtio_transport *t, uint16_t index,
	    unsigned size, uint64_t desc, uint64_t avail, uint64_t used);
	/* Tell the device that queue `index` has new buffers. */
	void (*notify)(struct virtio_transport *t, uint16_t index);
	/* Device-specific configuration, `len` bytes at `off`: 0, or
	 * -ERR_INVAL (out of range), -ERR_IO (never stable). */
	int (*read_config)(struct virtio_transport *t, uint32_t off, void *buf,
	    uint32_t len);
	int (*write_config)(struct virtio_transport *t, uint32_t off,
	    const void *buf, uint32_t len);
	/* Read and acknowledge the interrupt status: bit 0 = a queue,
	 * bit 1 = configuration change (VIRTIO_PCI_ISR_CONFIG). */
	uint8_t (*isr_ack)(struct virtio_transport *t);
};

struct virtio_transport {
	const struct virtio_transport_ops *ops;
	const char *err; /* why the last bring-up step failed, for the log */
};

/* Reset the device and negotiate: the result is the device's features &
 * `wanted`, plus VIRTIO_F_VERSION_1, which is always required, as are the
 * bits of `required`.  Stores it in *features, leaves the status at
 * ACKNOWLEDGE|DRIVER|FEATURES_OK and returns 0; or sets FAILED and returns
 * -ERR_NOTSUP (a required feature missing, FEATURES_OK refused),
 * -ERR_TIMEOUT (reset never finished) or -ERR_IO (device needs reset). */
int virtio_start(struct virtio_transport *t, uint64_t wanted,
    uint64_t required, uint64_t *features);

/* Hand queue q's rings to the device (transport setup_queue). */
int virtio_setup_vq(struct virtio_transport *t, const struct vq *q);

/* Set DRIVER_OK.  Returns 0, or -ERR_IO if the device reports
 * NEEDS_RESET or FAILED. */
int virtio_ready(struct virtio_transport *t);

/* Give up on the device: set FAILED (the driver then resets it). */
void virtio_fail(struct virtio_transport *t);

#endif
