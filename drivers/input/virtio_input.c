/*
 * virtio-input library: attach, configuration, events (virtio 1.2, 5.8).
 * See <input/virtio_input.h> for the how-to and docs/input.md for the
 * design.
 *
 * Buffers: one DMA block holds the event ring, then one 8-byte buffer per
 * descriptor.  A buffer's index + 1 is its vq cookie, so every completion
 * maps back to driver memory only; each buffer is one device-writable
 * descriptor (5.8.6.1: the driver fills eventq with empty buffers).
 */
#include <string.h>

#include <dux/dux.h>
#include <input/virtio_input.h>
#include <linux/input-event-codes.h>
#include <tessera/abi.h>
#include <tessera/errors.h>
#include <tessera/le.h>
#include <tessera/syscall.h>
#include <virtio/vpci_fn.h>

#define PAGE		4096ul
#define PAGE_UP(x)	(((x) + PAGE - 1) & ~(PAGE - 1))
#define CFG_SELECT	offsetof(struct virtio_input_config, select)
#define CFG_SUBSEL	offsetof(struct virtio_input_config, subsel)
#define CFG_SIZE	offsetof(struct virtio_input_config, size)
#define CFG_U		offsetof(struct virtio_input_config, u)

_Static_assert(CFG_U == 8, "virtio_input_config layout (5.8.4)");

/* Select (select, subsel) and read what the device puts in u (5.8.4:
 * write select and subsel, then size says how many bytes of u are valid).
 * Returns that size (0 = nothing there) or -ERR_*; a size over 128 is the
 * device's error (-ERR_IO). */
static int
config_query(struct vinput *d, uint8_t select, uint8_t subsel, uint8_t *u)
{
	struct virtio_transport *t = &d->pci.transport;
	uint8_t size;
	int rc;

	if ((rc = t->ops->write_config(t, CFG_SELECT, &select, 1)) < 0 ||
	    (rc = t->ops->write_config(t, CFG_SUBSEL, &subsel, 1)) < 0 ||
	    (rc = t->ops->read_config(t, CFG_SIZE, &size, 1)) < 0) {
		d->err = "vinput_attach: device config unreadable";
		return rc;
	}
	if (size > VINPUT_CFG_DATA) {
		d->err = "vinput_attach: device config size over 128 bytes";
		return -ERR_IO;
	}
	if (size && (rc = t->ops->read_config(t, CFG_U, u, size)) < 0) {
		d->err = "vinput_attach: device config unreadable";
		return rc;
	}
	return size;
}

/* Bit `code` of a bitmap of `size` bytes. */
static int
bit(const uint8_t *map, int size, unsigned code)
{
	return code / 8 < (unsigned)size && (map[code / 8] >> (code % 8) & 1);
}

/* Name, event types and kind from the configuration.  0 or -ERR_*. */
static int
identify(struct vinput *d)
{
	uint8_t u[VINPUT_CFG_DATA];
	int n, key_a = 0, rel_x = 0, abs_x = 0;

	if ((n = config_query(d, VIRTIO_INPUT_CFG_ID_NAME, 0, u)) < 0)
		return n;
	/* The name goes into log lines and INFO: printable ASCII only. */
	for (int i = 0; i < n && u[i]; i++)
		d->name[i] = u[i] >= 0x20 && u[i] < 0x7f ? (char)u[i] : '?';
	for (unsigned type = 1; type < 32 && type <= EV_MAX; type++) {
		if ((n = config_query(d, VIRTIO_INPUT_CFG_EV_BITS, (uint8_t)type, u)) < 0)
			return n;
		for (int i = 0; i < n; i++)
			if (u[i])
				d->ev_types |= 1u << type;
		if (type == EV_KEY)
			key_a = bit(u, n, KEY_A);
		else if (type == EV_REL)
			rel_x = bit(u, n, REL_X);
		else if (type == EV_ABS)
			abs_x = bit(u, n, ABS_X);
	}
	d->kind = key_a ? INPUT_KIND_KEYBOARD : rel_x || abs_x ? INPUT_KIND_POINTER
								: INPUT_KIND_OTHER;
	return 0;
}

/* The ring and the buffers in one DMA allocation (second half of the
 * span), handed to the device.  0 or -ERR_* with d->err. */
static int
setup_queue(struct vinput *d)
{
	struct virtio_transport *t = &d->pci.transport;
	unsigned max = t->ops->queue_max(t, VINPUT_EVENTQ), n = VINPUT_QSIZE_MAX;
	int event_idx = !!(d->features & (1ull << VIRTIO_RING_F_EVENT_IDX));
	uint64_t pa;
	int rc;

	while (n > max)
		n >>= 1;
	if (n < VINPUT_BUFS) {
		d->err = "vinput_attach: event queue missing or too small";
		return -ERR_IO;
	}
	size_t ring = PAGE_UP(vq_mem_size(n));
	uintptr_t va = d->va + VINPUT_VA_SPAN / 2;
	if ((rc = (int)sys_mem_alloc_dma(va, ring + PAGE_UP(n * VINPUT_EV_SIZE), &pa)) < 0) {
		d->err = "vinput_attach: no DMA memory for the queue";
		return rc;
	}
	if ((rc = vq_init(&d->evq, VINPUT_EVENTQ, n, (void *)va, pa, ring, d->ev_slot,
			  event_idx)) < 0 ||
	    (rc = virtio_setup_vq(t, &d->evq)) < 0) {
		d->err = "vinput_attach: queue setup refused";
		return rc;
	}
	d->ev_buf = (volatile uint8_t *)(va + ring);
	d->ev_pa = pa + ring;
	d->nbufs = n;
	return 0;
}

/* Hand event buffer i to the device (not published). */
static int
post(struct vinput *d, unsigned i)
{
	struct vq_seg in = { d->ev_pa + (uint64_t)i * VINPUT_EV_SIZE, VINPUT_EV_SIZE };
	int rc = vq_add(&d->evq, NULL, 0, &in, 1, (void *)(uintptr_t)(i + 1u));

	if (rc < 0 && rc != -ERR_IO)
		vpci_die("vinput post: event queue has no room for its own buffer");
	return rc < 0 ? rc : 0;
}

static void
kick(struct vinput *d)
{
	if (vq_publish(&d->evq))
		d->pci.transport.ops->notify(&d->pci.transport, d->evq.index);
}

int
vinput_attach(struct vinput *d, const struct pci_args *a, uintptr_t va)
{
	const uint64_t wanted = 1ull << VIRTIO_RING_F_EVENT_IDX;
	struct virtio_transport *t = &d->pci.transport;
	struct vpci_access acc;
	int rc;

	memset(d, 0, offsetof(struct vinput, irq_stack));
	d->irq = a->irq;
	d->va = va;
	if ((rc = vpci_fn_map(&d->fn, a, va, VINPUT_VA_SPAN / 2, &acc, &d->err)) < 0)
		return rc;
	if ((rc = vpci_init(&d->pci, &acc)) < 0) {
		d->err = d->pci.err;
		return rc;
	}
	if ((rc = virtio_start(t, wanted, 0, &d->features)) < 0) {
		d->err = t->err;
		return rc;
	}
	if ((rc = identify(d)) < 0 || (rc = setup_queue(d)) < 0)
		goto fail;
	for (unsigned i = 0; i < d->nbufs; i++)
		if ((rc = post(d, i)) < 0)
			goto fail;
	if ((rc = virtio_ready(t)) < 0) {
		d->err = "vinput_attach: device refused DRIVER_OK";
		goto fail;
	}
	kick(d);	/* no notification before DRIVER_OK (3.1.1) */
	return 0;
fail:
	virtio_fail(t);
	t->ops->reset(t);
	return rc;
}

int
vinput_irq_start(struct vinput *d)
{
	return vpci_irq_start(&d->irqs, &d->pci.transport, d->irq, d->irq_stack,
			      sizeof(d->irq_stack), &d->err);
}

/* The device broke the ring protocol: FAILED, reset, every buffer taken
 * back (driver memory only).  Returns -ERR_IO. */
static int
vinput_break(struct vinput *d)
{
	struct virtio_transport *t = &d->pci.transport;
	void *c;

	d->broken = 1;
	d->err = d->evq.err;
	virtio_fail(t);
	t->ops->reset(t);
	while (vq_drain(&d->evq, &c) > 0)
		;
	return -ERR_IO;
}

int
vinput_recv(struct vinput *d, struct input_event_rec *ev, unsigned max)
{
	unsigned n = 0;
	uint32_t len;
	void *c;
	int rc = 0;

	if (d->broken)
		return -ERR_IO;
	while (n < max && (rc = vq_reap(&d->evq, &c, &len)) > 0) {
		uintptr_t i = (uintptr_t)c - 1;
		if (i >= d->nbufs)
			vpci_die("vinput_recv: cookie is not an event buffer");
		/* vq_reap checked len <= 8; a short event is the device's error. */
		if (len == VINPUT_EV_SIZE) {
			const volatile uint8_t *b = d->ev_buf + i * VINPUT_EV_SIZE;
			uint8_t e[VINPUT_EV_SIZE];
			for (unsigned k = 0; k < VINPUT_EV_SIZE; k++)
				e[k] = b[k];
			ev[n].type = le16_get(e);
			ev[n].code = le16_get(e + 2);
			ev[n].value = (int32_t)le32_get(e + 4);
			n++;
			d->stats.events++;
		} else {
			d->stats.errors++;
		}
		if ((rc = post(d, (unsigned)i)) < 0)
			break;
	}
	if (rc < 0) {
		vinput_break(d);
		return n ? (int)n : -ERR_IO;
	}
	kick(d);
	return (int)n;
}

int
vinput_rearm(struct vinput *d)
{
	return !d->broken && vq_intr_enable(&d->evq);
}

const char *
vinput_kind_name(enum input_kind kind)
{
	switch (kind) {
	case INPUT_KIND_KEYBOARD:	return "keyboard";
	case INPUT_KIND_POINTER:	return "pointer";
	default:			return "other";
	}
}
