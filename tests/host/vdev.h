/*
 * A fake virtio PCI function for host tests of the driver libraries
 * (drivers/blk, net, input): what vpci_fn_map, vpci_init and
 * sys_mem_alloc_dma give a driver on a node, replaced by a transport over
 * plain memory and the spec-side virtqueues of fake_virtq.h.
 *
 * How to use:
 *   vdev_init(features, nqueues, qmax);    fresh device, fake RAM zeroed
 *   memcpy(vdev.config, &cfg, sizeof(cfg)); device-specific configuration
 *   rc = vblk_attach(&d, &args, vdev_window(VBLK_VA_SPAN));
 *   ... fv_pop(&vdev.q[0], &c) / fv_fill / fv_push(...), the driver reaps;
 *   vdev.status, vdev.nreset, vdev.nnotify[i]: what the driver did.
 *   vdev_buf(off): device-reachable memory for a test's data buffers.
 *
 * Every driver DMA allocation must lie in the window's second half, which
 * is the fake RAM; the device reaches only physical addresses in it.
 */
#ifndef TESSERA_VDEV_H
#define TESSERA_VDEV_H

#include <stdint.h>

#include "fake_virtq.h"

#define VDEV_PA		0x90000000ull	/* physical base of the fake RAM */
#define VDEV_RAM	(4u << 20)	/* bytes of fake RAM */
#define VDEV_DATA	(2u << 20)	/* offset of vdev_buf(0): after driver DMA */
#define VDEV_QUEUES	4

struct vdev {
	uint64_t features;		/* offered */
	uint64_t driver_features;	/* what the driver set */
	unsigned nqueues, qmax;
	uint8_t status;
	unsigned nreset, nnotify[VDEV_QUEUES];
	unsigned dma_used;		/* bytes of fake RAM handed out */
	uint8_t config[256];		/* device-specific configuration */
	/* Called after the driver wrote config[off..off+len) (may be NULL). */
	void (*on_config_write)(uint32_t off, uint32_t len);
	struct fdev q[VDEV_QUEUES];	/* device side of each queue set up */
	int qset[VDEV_QUEUES];
};

extern struct vdev vdev;

/* A fresh device offering `features` (VERSION_1 is added), `nqueues`
 * queues of at most `qmax` entries each; fake RAM zeroed. */
void vdev_init(uint64_t features, unsigned nqueues, unsigned qmax);
/* The va to pass to a driver's attach whose span is `span`: its second
 * half (DMA) is the fake RAM. */
uintptr_t vdev_window(uintptr_t span);
/* Fake RAM at offset VDEV_DATA + off (device-reachable) and its address. */
void *vdev_buf(uint32_t off);
uint64_t vdev_buf_pa(uint32_t off);

#endif
