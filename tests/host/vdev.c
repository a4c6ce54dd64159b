/* A fake virtio PCI function for driver host tests: see vdev.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tessera/errors.h>
#include <tessera/syscall.h>
#include <virtio/transport.h>
#include <virtio/virtio_pci.h>
#include <virtio/vpci_fn.h>

#include "vdev.h"

struct vdev vdev;
static uint8_t *ram;

void
vdev_init(uint64_t features, unsigned nqueues, unsigned qmax)
{
	if (ram == NULL && (ram = aligned_alloc(4096, VDEV_RAM)) == NULL) {
		perror("vdev_init");
		exit(2);
	}
	memset(ram, 0, VDEV_RAM);
	memset(&vdev, 0, sizeof(vdev));
	vdev.features = features | (1ull << VIRTIO_F_VERSION_1);
	vdev.nqueues = nqueues < VDEV_QUEUES ? nqueues : VDEV_QUEUES;
	vdev.qmax = qmax;
	fv_ram_set(ram, VDEV_PA, VDEV_RAM);
}

uintptr_t
vdev_window(uintptr_t span)
{
	return (uintptr_t)ram - span / 2;
}

void *
vdev_buf(uint32_t off)
{
	return ram + VDEV_DATA + off;
}

uint64_t
vdev_buf_pa(uint32_t off)
{
	return VDEV_PA + VDEV_DATA + off;
}

/* ---- the transport ---- */

static uint64_t
t_get_features(struct virtio_transport *t)
{
	(void)t;
	return vdev.features;
}

static void
t_set_features(struct virtio_transport *t, uint64_t f)
{
	(void)t;
	vdev.driver_features = f;
}

static uint8_t
t_get_status(struct virtio_transport *t)
{
	(void)t;
	return vdev.status;
}

static void
t_set_status(struct virtio_transport *t, uint8_t s)
{
	(void)t;
	vdev.status = s;
}

static int
t_reset(struct virtio_transport *t)
{
	(void)t;
	vdev.status = 0;
	vdev.nreset++;
	memset(vdev.qset, 0, sizeof(vdev.qset));
	return 0;
}

static unsigned
t_queue_max(struct virtio_transport *t, uint16_t index)
{
	(void)t;
	return index < vdev.nqueues ? vdev.qmax : 0;
}

static int
t_setup_queue(struct virtio_transport *t, uint16_t index, unsigned size, uint64_t desc,
    uint64_t avail, uint64_t used)
{
	(void)t;
	if (index >= vdev.nqueues)
		return -ERR_NOENT;
	if (size == 0 || size > vdev.qmax || (size & (size - 1)))
		return -ERR_INVAL;
	if (vdev.qset[index])
		return -ERR_BUSY;
	if (fv_attach(&vdev.q[index], size, desc, avail, used) < 0)
		return -ERR_INVAL;
	vdev.qset[index] = 1;
	return 0;
}

static void
t_notify(struct virtio_transport *t, uint16_t index)
{
	(void)t;
	if (index < VDEV_QUEUES)
		vdev.nnotify[index]++;
}

static int
t_read_config(struct virtio_transport *t, uint32_t off, void *buf, uint32_t len)
{
	(void)t;
	if (off > sizeof(vdev.config) || len > sizeof(vdev.config) - off)
		return -ERR_INVAL;
	memcpy(buf, vdev.config + off, len);
	return 0;
}

static int
t_write_config(struct virtio_transport *t, uint32_t off, const void *buf, uint32_t len)
{
	(void)t;
	if (off > sizeof(vdev.config) || len > sizeof(vdev.config) - off)
		return -ERR_INVAL;
	memcpy(vdev.config + off, buf, len);
	if (vdev.on_config_write)
		vdev.on_config_write(off, len);
	return 0;
}

static uint8_t
t_isr_ack(struct virtio_transport *t)
{
	(void)t;
	return 0;
}

static const struct virtio_transport_ops fake_ops = {
	t_get_features, t_set_features, t_get_status, t_set_status, t_reset, t_queue_max,
	t_setup_queue, t_notify, t_read_config, t_write_config, t_isr_ack,
};

/* ---- what the node would provide ---- */

int
vpci_fn_map(struct vpci_fn *f, const struct pci_args *a, uintptr_t va, uintptr_t span,
    struct vpci_access *acc, const char **err)
{
	(void)f;
	(void)a;
	(void)va;
	(void)span;
	(void)err;
	memset(acc, 0, sizeof(*acc));
	return 0;
}

int
vpci_init(struct vpci *d, const struct vpci_access *acc)
{
	memset(d, 0, sizeof(*d));
	d->acc = *acc;
	d->transport.ops = &fake_ops;
	return 0;
}

int
vpci_irq_start(struct vpci_irq *q, struct virtio_transport *t, uint32_t irq, void *stack,
    size_t stack_len, const char **err)
{
	(void)q;
	(void)t;
	(void)irq;
	(void)stack;
	(void)stack_len;
	*err = "vdev: no interrupts on the host";
	return -ERR_NOTSUP;
}

void
vpci_die(const char *msg)
{
	fprintf(stderr, "vpci_die: %s\n", msg);
	abort();
}

/* DMA memory: [va, va + len) must lie in the fake RAM below VDEV_DATA. */
long
sys_mem_alloc_dma(uintptr_t va, size_t len, uint64_t *pa)
{
	if (va < (uintptr_t)ram || va - (uintptr_t)ram > VDEV_DATA ||
	    len > VDEV_DATA - (va - (uintptr_t)ram)) {
		fprintf(stderr, "vdev: DMA request outside the fake RAM\n");
		return -ERR_NOMEM;
	}
	memset((void *)va, 0, len);
	*pa = VDEV_PA + (va - (uintptr_t)ram);
	vdev.dma_used += (unsigned)len;
	return 0;
}
