/*
 * The modern virtio-pci transport (virtio 1.2, section 4.1) over an
 * abstract PCI function: config-space accessors plus a BAR map.
 *
 * How to use (the PCI server has assigned the BARs and mapped them):
 *
 *   struct vpci_access acc = { ctx, 256, rd8, rd16, rd32, wr8, wr16, wr32,
 *                              bar_size, bar_map, NULL, NULL };
 *   rc = vpci_init(&dev, &acc);        capabilities found and checked,
 *                                      memory space and bus mastering on
 *   t = &dev.transport;                then virtio_start(t, ...) and the
 *                                      rest of <virtio/transport.h>
 *
 * Spec layouts (struct virtio_pci_cap, struct virtio_pci_common_cfg) come
 * from <linux/virtio_pci.h>, PCI registers from <linux/pci_regs.h>; this
 * header holds only the driver's state.
 */
#ifndef VIRTIO_VIRTIO_PCI_H
#define VIRTIO_VIRTIO_PCI_H

#include <stdint.h>

#include <linux/virtio_pci.h>
#include <virtio/transport.h>

/* Queues per device whose notify address we keep (blk 1, net 3, gpu 2,
 * input 2). */
#define VPCI_MAX_QUEUES 8
/* Polls of device_status after writing 0 before reset gives up. */
#define VPCI_RESET_SPINS 1000000u
/* Reads of a device-config field before config_generation must settle. */
#define VPCI_CONFIG_TRIES 16

/* How the transport reaches one PCI function. */
struct vpci_access {
	void *ctx;
	uint32_t cfg_size; /* bytes of config space: 256 or 4096 */
	uint8_t (*cfg_read8)(void *ctx, uint32_t off);
	uint16_t (*cfg_read16)(void *ctx, uint32_t off);
	uint32_t (*cfg_read32)(void *ctx, uint32_t off);
	void (*cfg_write8)(void *ctx, uint32_t off, uint8_t v);
	void (*cfg_write16)(void *ctx, uint32_t off, uint16_t v);
	void (*cfg_write32)(void *ctx, uint32_t off, uint32_t v);
	/* Size in bytes of BAR `bar` (0..5); 0 if it is not implemented. */
	uint64_t (*bar_size)(void *ctx, unsigned bar);
	/* Where byte `off` (< bar_size) of BAR `bar` is mapped; NULL if not. */
	volatile void *(*bar_map)(void *ctx, unsigned bar, uint64_t off);
	/* Optional: if set, every register access goes through these instead
	 * of a plain volatile load or store (a fake device in host tests). */
	uint32_t (*reg_read)(void *ctx, const volatile void *reg,
	    unsigned width);
	void (*reg_write)(void *ctx, volatile void *reg, unsigned width,
	    uint32_t v);
};

struct vpci {
	struct virtio_transport transport; /* ops = the virtio-pci ops */
	struct vpci_access acc;
	uint16_t device_id;  /* PCI device id (0x1000-0x107f) */
	uint16_t nqueues;    /* common cfg num_queues */
	volatile struct virtio_pci_common_cfg *common;
	volatile uint8_t *isr;
	volatile uint8_t *notify; /* notify region: notify_len bytes */
	uint64_t notify_len;
	uint32_t notify_mult;     /* notify_off_multiplier */
	volatile uint8_t *device; /* device config: device_len bytes, or NULL */
	uint32_t device_len;
	/* notify register of each queue set up (NULL = none) */
	volatile uint16_t *qnotify[VPCI_MAX_QUEUES];
	const char *err;          /* why vpci_init failed, for the log */
};

/* Find and check the virtio capabilities of the function behind `acc`
 * (vendor 0x1af4, device 0x1000-0x107f; common, notify and ISR structures
 * required, device config optional; every one inside config space and
 * inside its BAR; the list bounded and loop-free; capabilities with a
 * reserved BAR number are ignored, as 4.1.4 says) and turn on memory
 * space and bus mastering.  Does not touch the device's status.
 * Returns 0, or -ERR_NOENT (not a virtio device) or -ERR_IO (malformed or
 * missing capability), with *d untouched but d->err set. */
int vpci_init(struct vpci *d, const struct vpci_access *acc);

/* The virtio device type (VIRTIO_ID_* of <linux/virtio_ids.h>) of a
 * virtio PCI device id: modern 0x1040 + type, transitional by table. */
unsigned vpci_device_type(uint16_t pci_device_id, uint16_t subsystem_id);

#endif
