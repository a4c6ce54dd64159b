/*
 * The device side of a split virtqueue (virtio 1.2, 2.7), for host tests
 * of drivers: written from the spec, not from drivers/virtio/virtq.c.
 *
 * The device sees only "physical" addresses inside one block of fake RAM
 * whose physical base is unrelated to its virtual address (fv_ram_set), so
 * a driver that confuses the two fails a check.
 *
 * How to use:
 *   fv_ram_set(ram, FAKE_PA, RAM_SIZE);
 *   fv_attach(&dev, size, desc_pa, avail_pa, used_pa)   0, or -1 if outside RAM
 *   while (fv_pop(&dev, &c)) { ... fv_fill(&c, n, seed); fv_push(&dev, c.head, n); }
 *   dev.bad != 0: the driver broke a rule the device checks.
 */
#ifndef TESSERA_FAKE_VIRTQ_H
#define TESSERA_FAKE_VIRTQ_H

#include <stdint.h>

#include <linux/virtio_ring.h>

#define FV_MAX_CHAIN 256

struct fdev {
	unsigned size;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t last_avail, used_idx;
	int bad;       /* the device found a driver error */
};

/* One chain as the device sees it. */
struct chain {
	uint16_t head;
	unsigned n, nread, nwrite;
	uint64_t pa[FV_MAX_CHAIN];
	uint32_t len[FV_MAX_CHAIN];
	uint32_t rbytes, wbytes;
};

/* The fake RAM the device can reach: [pa, pa + size) is ram[0..size). */
void fv_ram_set(uint8_t *ram, uint64_t pa, uint64_t size);
/* A physical range to a pointer, or NULL if outside RAM. */
void *fv_va(uint64_t pa, uint64_t len);
/* The physical address of a pointer into RAM. */
uint64_t fv_pa(const void *va);
/* Find the rings of a queue of `size` entries; 0, or -1 if outside RAM. */
int fv_attach(struct fdev *f, unsigned size, uint64_t desc_pa, uint64_t avail_pa,
    uint64_t used_pa);
/* Chains the driver made available and the device has not taken. */
uint16_t fv_avail_pending(const struct fdev *f);
/* Take the next available chain; 0 if none (f->bad set if it is broken). */
int fv_pop(struct fdev *f, struct chain *c);
/* Post a used element (any values: the device may lie). */
void fv_push(struct fdev *f, uint32_t id, uint32_t len);
/* Write `len` bytes of pattern `seed` into the chain's writable buffers. */
void fv_fill(const struct chain *c, uint32_t len, uint8_t seed);
/* Copy up to `len` bytes of the chain's readable buffers to out; returns
 * the number copied. */
uint32_t fv_read(const struct chain *c, void *out, uint32_t len);

#endif
