/*
 * virtio-gpu library: attach and bring-up (virtio 1.2, 5.7).  See
 * <gpu/virtio_gpu.h> for the how-to and docs/gpu.md for the design; the
 * command queue and the response checks are in vgpu_cmd.c.
 *
 * The window at va: [va, va + 32 MiB) config page and BARs, then one DMA
 * block for the controlq ring and the tag slots, then the framebuffer
 * backing in a DMA block of its own (OP_MAP shares exactly those pages, so
 * nothing else may live in them).
 */
#include <string.h>

#include <dux/dux.h>
#include <gpu/virtio_gpu.h>
#include <tessera/abi.h>
#include <tessera/errors.h>
#include <tessera/syscall.h>

#define PAGE		4096ul
#define PAGE_UP(x)	(((x) + PAGE - 1) & ~(PAGE - 1))
#define DEV_SPAN	(32ul << 20)		/* config page + BARs */
#define RING_VA_OFF	DEV_SPAN		/* ring + tag slots */
#define FB_VA_OFF	(64ul << 20)		/* backing, up to VGPU_FB_MAX */
#define POLL_NS		(50ull * 1000)		/* attach: poll period */

_Static_assert(FB_VA_OFF + VGPU_FB_MAX <= VGPU_VA_SPAN, "backing fits the window");

void
vgpu_die(const char *msg)
{
	sys_log(msg, strlen(msg));
	sys_exit(-ERR_IO);
	__builtin_unreachable();
}

/* Controlq ring and the tag slots in one DMA block.  0 or -ERR_*. */
static int
setup_queue(struct vgpu *d)
{
	struct virtio_transport *t = d->t;
	unsigned max = t->ops->queue_max(t, VGPU_CTRLQ), size = VGPU_QSIZE_MAX;
	int event_idx = !!(d->features & (1ull << VIRTIO_RING_F_EVENT_IDX));
	uint64_t pa;
	int rc;

	while (size > max)
		size >>= 1;
	if (size < 2) {
		d->err = "vgpu_attach: controlq is missing or too small";
		return -ERR_IO;
	}
	size_t ring = PAGE_UP(vq_mem_size(size));
	uintptr_t va = d->va + RING_VA_OFF;
	if ((rc = (int)sys_mem_alloc_dma(va, ring + VGPU_TAGS * VGPU_SLOT, &pa)) < 0) {
		d->err = "vgpu_attach: no DMA memory for the controlq";
		return rc;
	}
	if ((rc = vq_init(&d->q, VGPU_CTRLQ, size, (void *)va, pa, ring, d->slot, event_idx)) < 0 ||
	    (rc = virtio_setup_vq(t, &d->q)) < 0) {
		d->err = "vgpu_attach: controlq setup refused";
		return rc;
	}
	vgpu_cmd_init(d, (uint8_t *)(va + ring), pa + ring);
	return 0;
}

/* One command, waited for by polling (attach only, before interrupts).
 * The response stays in d->last.  0 or -ERR_*. */
static int
sync_cmd(struct vgpu *d, const void *cmd, uint32_t len, uint32_t resp)
{
	void *cookie;
	int status, rc;

	if ((rc = vgpu_submit(d, &cmd, &len, &resp, 1, d)) < 0) {
		d->err = d->broken ? d->err : "vgpu_attach: no room for a command";
		return rc;
	}
	vgpu_kick(d);
	uint64_t end = (uint64_t)sys_time() + VGPU_SYNC_NS;
	while ((rc = vgpu_complete(d, &cookie, &status)) == 0) {
		if ((uint64_t)sys_time() > end) {
			d->err = "vgpu_attach: the device never answered";
			return -ERR_TIMEOUT;
		}
		sys_sleep(POLL_NS);
	}
	if (cookie != d)
		vgpu_die("vgpu sync_cmd: a completion that is not ours");
	return status;
}

/* GET_DISPLAY_INFO: the screen size and scanout into d. */
static int
display_info(struct vgpu *d)
{
	struct virtio_gpu_ctrl_hdr h = { .type = VIRTIO_GPU_CMD_GET_DISPLAY_INFO };
	int rc = sync_cmd(d, &h, sizeof(h), VIRTIO_GPU_RESP_OK_DISPLAY_INFO);

	if (rc < 0)
		return rc;
	d->enabled = (uint8_t)vgpu_pick_mode(&d->last.info, &d->scanout, &d->width, &d->height);
	if (!d->enabled) {
		d->scanout = 0;
		d->width = VGPU_FALLBACK_W;
		d->height = VGPU_FALLBACK_H;
	}
	d->stride = d->width * VGPU_BPP;
	d->fb_size = PAGE_UP((size_t)d->stride * d->height);
	return 0;
}

/* Resource, backing, scanout, and the (zeroed) screen shown. */
static int
setup_screen(struct vgpu *d)
{
	struct virtio_gpu_resource_create_2d cr = {
		.hdr = { .type = VIRTIO_GPU_CMD_RESOURCE_CREATE_2D },
		.resource_id = VGPU_RESOURCE,
		.format = VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM,
		.width = d->width,
		.height = d->height,
	};
	struct {
		struct virtio_gpu_resource_attach_backing ab;
		struct virtio_gpu_mem_entry e;
	} ab = {
		.ab = { .hdr = { .type = VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING },
			.resource_id = VGPU_RESOURCE, .nr_entries = 1 },
	};
	struct virtio_gpu_set_scanout ss = {
		.hdr = { .type = VIRTIO_GPU_CMD_SET_SCANOUT },
		.r = { 0, 0, d->width, d->height },
		.scanout_id = d->scanout,
		.resource_id = VGPU_RESOURCE,
	};
	const uint32_t ok = VIRTIO_GPU_RESP_OK_NODATA;
	void *cookie;
	int rc, status;

	uintptr_t va = d->va + FB_VA_OFF;
	if ((rc = (int)sys_mem_alloc_dma(va, d->fb_size, &d->fb_pa)) < 0) {
		d->err = "vgpu_attach: no DMA memory for the framebuffer";
		return rc;
	}
	d->fb = (uint8_t *)va;
	ab.e.addr = d->fb_pa;
	ab.e.length = (uint32_t)d->fb_size;
	if ((rc = sync_cmd(d, &cr, sizeof(cr), ok)) < 0 ||
	    (rc = sync_cmd(d, &ab, sizeof(ab), ok)) < 0 ||
	    (rc = sync_cmd(d, &ss, sizeof(ss), ok)) < 0)
		return rc;
	if ((rc = vgpu_flush_submit(d, 0, 0, d->width, d->height, d)) < 0)
		return rc;
	vgpu_kick(d);
	uint64_t end = (uint64_t)sys_time() + VGPU_SYNC_NS;
	while ((rc = vgpu_complete(d, &cookie, &status)) == 0 && (uint64_t)sys_time() < end)
		sys_sleep(POLL_NS);
	if (rc == 0) {
		d->err = "vgpu_attach: the device never answered";
		return -ERR_TIMEOUT;
	}
	return status;
}

int
vgpu_attach(struct vgpu *d, const struct pci_args *a, uintptr_t va)
{
	const uint64_t wanted = 1ull << VIRTIO_RING_F_EVENT_IDX;
	int rc;

	memset(d, 0, offsetof(struct vgpu, irq_stack));
	d->t = &d->pci.transport;
	d->irq = a->irq;
	d->va = va;
	struct vpci_access acc;
	if ((rc = vpci_fn_map(&d->fn, a, va, DEV_SPAN, &acc, &d->err)) < 0)
		return rc;
	if ((rc = vpci_init(&d->pci, &acc)) < 0) {
		d->err = d->pci.err;
		return rc;
	}
	if ((rc = virtio_start(d->t, wanted, 0, &d->features)) < 0) {
		d->err = d->t->err;
		return rc;
	}
	if ((rc = setup_queue(d)) < 0)
		goto fail;
	if ((rc = virtio_ready(d->t)) < 0) {
		d->err = "vgpu_attach: device refused DRIVER_OK";
		goto fail;
	}
	if ((rc = display_info(d)) < 0 || (rc = setup_screen(d)) < 0)
		goto fail;
	return 0;
fail:
	if (!d->broken) {
		virtio_fail(d->t);
		d->t->ops->reset(d->t);
	}
	return rc;
}

int
vgpu_irq_start(struct vgpu *d)
{
	return vpci_irq_start(&d->irqs, d->t, d->irq, d->irq_stack, sizeof(d->irq_stack),
			      &d->err);
}
