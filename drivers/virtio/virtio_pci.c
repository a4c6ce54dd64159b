/*
 * Modern virtio-pci transport (virtio 1.2, section 4.1): capability list,
 * common configuration, notifications, ISR and device configuration, as
 * the ops of <virtio/transport.h>.  See <virtio/virtio_pci.h>.
 *
 * Everything read from config space and from the capabilities is outside
 * input: offsets and lengths are checked against config space and against
 * the BAR before any pointer is formed.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <linux/pci_regs.h>
#include <linux/virtio_pci.h>
#include <tessera/errors.h>
#include <virtio/virtio_pci.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
    "virtio-pci registers are little endian");

#define VIRTIO_PCI_VENDOR  0x1af4
#define VIRTIO_PCI_ID_MIN  0x1000
#define VIRTIO_PCI_ID_MAX  0x107f
#define VIRTIO_PCI_MODERN  0x1040
#define PCI_NBARS          6
/* Standard capabilities live in the first 256 bytes, after the header. */
#define CAP_SPACE          256u
#define CAP_MAX            ((CAP_SPACE - PCI_STD_HEADER_SIZEOF) / 4)

/* MMIO ordering on RISC-V as Linux's readX/writeX: earlier memory writes
 * (the rings) before a register write; a register read before later
 * memory reads.  Elsewhere, a full fence. */
#if defined(__riscv)
#define io_before_write() __asm__ volatile("fence w,o" ::: "memory")
#define io_after_read()   __asm__ volatile("fence i,r" ::: "memory")
#else
#define io_before_write() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define io_after_read()   __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

static struct vpci *
to_vpci(struct virtio_transport *t)
{
	return (struct vpci *)((char *)t - offsetof(struct vpci, transport));
}

static uint32_t
rd(struct vpci *d, const volatile void *p, unsigned width)
{
	uint32_t v;

	if (d->acc.reg_read)
		return d->acc.reg_read(d->acc.ctx, p, width);
	switch (width) {
	case 1: v = *(const volatile uint8_t *)p; break;
	case 2: v = *(const volatile uint16_t *)p; break;
	default: v = *(const volatile uint32_t *)p; break;
	}
	io_after_read();
	return v;
}

static void
wr(struct vpci *d, volatile void *p, unsigned width, uint32_t v)
{
	if (d->acc.reg_write) {
		d->acc.reg_write(d->acc.ctx, p, width, v);
		return;
	}
	io_before_write();
	switch (width) {
	case 1: *(volatile uint8_t *)p = (uint8_t)v; break;
	case 2: *(volatile uint16_t *)p = (uint16_t)v; break;
	default: *(volatile uint32_t *)p = v; break;
	}
}

#define RD(d, field) rd(d, &(d)->common->field, sizeof((d)->common->field))
#define WR(d, field, v) \
	wr(d, &(d)->common->field, sizeof((d)->common->field), (v))

/* ---- capabilities (4.1.4) ---- */

/* What one capability of the list says, read from config space. */
struct cap {
	uint8_t type, bar, len;
	uint32_t offset, length, mult;
};

static int
cap_bad(struct vpci *d, const char *why)
{
	d->err = why;
	return -ERR_IO;
}

/* Minimum length and offset alignment of each structure type. */
static int
cap_shape_ok(const struct cap *c)
{
	switch (c->type) {
	case VIRTIO_PCI_CAP_COMMON_CFG:
		return c->length >= sizeof(struct virtio_pci_common_cfg) &&
		    c->offset % 4 == 0;
	case VIRTIO_PCI_CAP_NOTIFY_CFG:
		/* 4.1.4.4: the multiplier is 0 or an even power of two. */
		return c->len >= sizeof(struct virtio_pci_notify_cap) &&
		    c->length >= 2 && c->offset % 2 == 0 &&
		    (c->mult == 0 || (c->mult % 2 == 0 &&
		    (c->mult & (c->mult - 1)) == 0));
	case VIRTIO_PCI_CAP_ISR_CFG:
		return c->length >= 1;
	default: /* VIRTIO_PCI_CAP_DEVICE_CFG */
		return c->length >= 1 && c->offset % 4 == 0;
	}
}

/* Check a virtio structure against its BAR and record where it is mapped
 * (the first usable one of each type wins, 4.1.4.1). */
static int
take_cap(struct vpci *d, const struct cap *c)
{
	uint64_t size;
	volatile void *p;

	if (!cap_shape_ok(c))
		return cap_bad(d, "vpci_init: capability too short or misaligned");
	size = d->acc.bar_size(d->acc.ctx, c->bar);
	if (size == 0 || (uint64_t)c->offset + c->length > size)
		return cap_bad(d, "vpci_init: capability outside its BAR");
	p = d->acc.bar_map(d->acc.ctx, c->bar, c->offset);
	if (p == NULL)
		return cap_bad(d, "vpci_init: BAR not mapped");
	switch (c->type) {
	case VIRTIO_PCI_CAP_COMMON_CFG:
		d->common = (volatile struct virtio_pci_common_cfg *)p;
		break;
	case VIRTIO_PCI_CAP_NOTIFY_CFG:
		d->notify = p;
		d->notify_len = c->length;
		d->notify_mult = c->mult;
		break;
	case VIRTIO_PCI_CAP_ISR_CFG:
		d->isr = p;
		break;
	default:
		d->device = p;
		d->device_len = c->length;
		break;
	}
	return 0;
}

static int
have_cap(const struct vpci *d, uint8_t type)
{
	switch (type) {
	case VIRTIO_PCI_CAP_COMMON_CFG: return d->common != NULL;
	case VIRTIO_PCI_CAP_NOTIFY_CFG: return d->notify != NULL;
	case VIRTIO_PCI_CAP_ISR_CFG:    return d->isr != NULL;
	default:                        return d->device != NULL;
	}
}

/* One vendor capability at config offset `at`. */
static int
vendor_cap(struct vpci *d, uint32_t at)
{
	const struct vpci_access *a = &d->acc;
	struct cap c;

	c.len = a->cfg_read8(a->ctx, at + offsetof(struct virtio_pci_cap, cap_len));
	if (c.len < sizeof(struct virtio_pci_cap) || at + c.len > CAP_SPACE)
		return cap_bad(d, "vpci_init: truncated capability");
	c.type = a->cfg_read8(a->ctx, at + offsetof(struct virtio_pci_cap, cfg_type));
	c.bar = a->cfg_read8(a->ctx, at + offsetof(struct virtio_pci_cap, bar));
	c.offset = a->cfg_read32(a->ctx, at + offsetof(struct virtio_pci_cap, offset));
	c.length = a->cfg_read32(a->ctx, at + offsetof(struct virtio_pci_cap, length));
	c.mult = 0;
	if (c.type == VIRTIO_PCI_CAP_NOTIFY_CFG &&
	    c.len >= sizeof(struct virtio_pci_notify_cap))
		c.mult = a->cfg_read32(a->ctx, at +
		    offsetof(struct virtio_pci_notify_cap, notify_off_multiplier));
	/* Other types (PCI cfg access, shared memory) and reserved BAR
	 * numbers are ignored (4.1.4), as are later duplicates. */
	if (c.type < VIRTIO_PCI_CAP_COMMON_CFG ||
	    c.type > VIRTIO_PCI_CAP_DEVICE_CFG || c.bar >= PCI_NBARS ||
	    have_cap(d, c.type))
		return 0;
	return take_cap(d, &c);
}

/* Walk the capability list: bounded, each entry visited once. */
static int
walk_caps(struct vpci *d)
{
	const struct vpci_access *a = &d->acc;
	uint64_t seen = 0;
	uint32_t at, n;
	int rc;

	if (!(a->cfg_read16(a->ctx, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return cap_bad(d, "vpci_init: no capability list");
	at = a->cfg_read8(a->ctx, PCI_CAPABILITY_LIST) & ~3u;
	for (n = 0; at != 0; n++) {
		if (at < PCI_STD_HEADER_SIZEOF || at + 2 > CAP_SPACE)
			return cap_bad(d, "vpci_init: capability pointer out of range");
		if (n >= CAP_MAX || (seen >> ((at - PCI_STD_HEADER_SIZEOF) / 4)) & 1)
			return cap_bad(d, "vpci_init: capability list loops");
		seen |= (uint64_t)1 << ((at - PCI_STD_HEADER_SIZEOF) / 4);
		if (a->cfg_read8(a->ctx, at) == PCI_CAP_ID_VNDR) {
			rc = vendor_cap(d, at);
			if (rc < 0)
				return rc;
		}
		at = a->cfg_read8(a->ctx, at + PCI_CAP_LIST_NEXT) & ~3u;
	}
	if (d->common == NULL || d->notify == NULL || d->isr == NULL)
		return cap_bad(d, "vpci_init: missing virtio capability");
	return 0;
}

static const struct virtio_transport_ops vpci_ops;

int
vpci_init(struct vpci *d, const struct vpci_access *acc)
{
	struct vpci n;
	uint16_t vendor, cmd;
	int rc;

	memset(&n, 0, sizeof(n));
	n.acc = *acc;
	if (acc->cfg_size < CAP_SPACE) {
		d->err = "vpci_init: config space too small";
		return -ERR_IO;
	}
	vendor = acc->cfg_read16(acc->ctx, PCI_VENDOR_ID);
	n.device_id = acc->cfg_read16(acc->ctx, PCI_DEVICE_ID);
	if (vendor != VIRTIO_PCI_VENDOR || n.device_id < VIRTIO_PCI_ID_MIN ||
	    n.device_id > VIRTIO_PCI_ID_MAX) {
		d->err = "vpci_init: not a virtio device";
		return -ERR_NOENT;
	}
	rc = walk_caps(&n);
	if (rc < 0) {
		d->err = n.err;
		return rc;
	}
	n.transport.ops = &vpci_ops;
	n.nqueues = (uint16_t)RD(&n, num_queues);

	cmd = acc->cfg_read16(acc->ctx, PCI_COMMAND);
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	cmd &= (uint16_t)~PCI_COMMAND_INTX_DISABLE;
	acc->cfg_write16(acc->ctx, PCI_COMMAND, cmd);
	*d = n;
	return 0;
}

unsigned
vpci_device_type(uint16_t pci_device_id, uint16_t subsystem_id)
{
	if (pci_device_id >= VIRTIO_PCI_MODERN)
		return pci_device_id - VIRTIO_PCI_MODERN;
	return subsystem_id; /* transitional: 4.1.2.1 */
}

/* ---- common configuration (4.1.4.3) ---- */

static uint64_t
vpci_get_features(struct virtio_transport *t)
{
	struct vpci *d = to_vpci(t);
	uint64_t lo, hi;

	WR(d, device_feature_select, 0);
	lo = RD(d, device_feature);
	WR(d, device_feature_select, 1);
	hi = RD(d, device_feature);
	return hi << 32 | lo;
}

static void
vpci_set_features(struct virtio_transport *t, uint64_t f)
{
	struct vpci *d = to_vpci(t);

	WR(d, guest_feature_select, 0);
	WR(d, guest_feature, (uint32_t)f);
	WR(d, guest_feature_select, 1);
	WR(d, guest_feature, (uint32_t)(f >> 32));
}

static uint8_t
vpci_get_status(struct virtio_transport *t)
{
	struct vpci *d = to_vpci(t);

	return (uint8_t)RD(d, device_status);
}

static void
vpci_set_status(struct virtio_transport *t, uint8_t s)
{
	struct vpci *d = to_vpci(t);

	WR(d, device_status, s);
}

static int
vpci_reset(struct virtio_transport *t)
{
	struct vpci *d = to_vpci(t);
	unsigned i;

	WR(d, device_status, 0);
	memset((void *)d->qnotify, 0, sizeof(d->qnotify));
	/* 4.1.4.3.2: wait until the device reads back 0. */
	for (i = 0; i < VPCI_RESET_SPINS; i++)
		if (RD(d, device_status) == 0)
			return 0;
	t->err = "vpci_reset: device did not reset";
	return -ERR_TIMEOUT;
}

static unsigned
vpci_queue_max(struct virtio_transport *t, uint16_t index)
{
	struct vpci *d = to_vpci(t);

	if (index >= d->nqueues)
		return 0;
	WR(d, queue_select, index);
	return RD(d, queue_size);
}

static int
vpci_setup_queue(struct virtio_transport *t, uint16_t index, unsigned size,
    uint64_t desc, uint64_t avail, uint64_t used)
{
	struct vpci *d = to_vpci(t);
	uint64_t off;
	unsigned max;

	if (index >= d->nqueues || index >= VPCI_MAX_QUEUES)
		return -ERR_RANGE;
	WR(d, queue_select, index);
	max = RD(d, queue_size);
	if (max == 0)
		return -ERR_NOENT;
	if (size == 0 || size > max || (size & (size - 1)) != 0 ||
	    (desc & 15) != 0 || (avail & 1) != 0 || (used & 3) != 0)
		return -ERR_INVAL;
	if (RD(d, queue_enable) != 0)
		return -ERR_BUSY;
	off = (uint64_t)RD(d, queue_notify_off) * d->notify_mult;
	if (off + 2 > d->notify_len) {
		t->err = "vpci_setup_queue: notify address outside its region";
		return -ERR_IO;
	}
	WR(d, queue_size, size);
	WR(d, queue_msix_vector, VIRTIO_MSI_NO_VECTOR);
	WR(d, queue_desc_lo, (uint32_t)desc);
	WR(d, queue_desc_hi, (uint32_t)(desc >> 32));
	WR(d, queue_avail_lo, (uint32_t)avail);
	WR(d, queue_avail_hi, (uint32_t)(avail >> 32));
	WR(d, queue_used_lo, (uint32_t)used);
	WR(d, queue_used_hi, (uint32_t)(used >> 32));
	WR(d, queue_enable, 1);
	d->qnotify[index] = (volatile uint16_t *)(d->notify + off);
	return 0;
}

/* ---- notifications, ISR, device configuration ---- */

static void
vpci_notify(struct virtio_transport *t, uint16_t index)
{
	struct vpci *d = to_vpci(t);

	/* Without VIRTIO_F_NOTIFICATION_DATA the value is the queue index
	 * (4.1.5.2); a queue never set up has no address and is ignored. */
	if (index < VPCI_MAX_QUEUES && d->qnotify[index] != NULL)
		wr(d, d->qnotify[index], 2, index);
}

static uint8_t
vpci_isr_ack(struct virtio_transport *t)
{
	struct vpci *d = to_vpci(t);

	return (uint8_t)rd(d, d->isr, 1); /* reading clears it (4.1.4.5) */
}

/* Copy device config bytes with naturally aligned accesses of up to 4
 * bytes (4.1.3.1: the driver accesses each field with its own width). */
static void
config_copy(struct vpci *d, uint32_t off, uint8_t *buf, uint32_t len,
    int write)
{
	uint32_t w, v;

	while (len > 0) {
		w = (len >= 4 && off % 4 == 0) ? 4 :
		    (len >= 2 && off % 2 == 0) ? 2 : 1;
		if (write) {
			v = 0;
			memcpy(&v, buf, w);
			wr(d, d->device + off, w, v);
		} else {
			v = rd(d, d->device + off, w);
			memcpy(buf, &v, w);
		}
		off += w;
		buf += w;
		len -= w;
	}
}

static int
config_range_ok(struct vpci *d, uint32_t off, uint32_t len)
{
	return d->device != NULL && len > 0 && off <= d->device_len &&
	    len <= d->device_len - off;
}

static int
vpci_read_config(struct virtio_transport *t, uint32_t off, void *buf,
    uint32_t len)
{
	struct vpci *d = to_vpci(t);
	uint32_t gen;
	unsigned i;

	if (!config_range_ok(d, off, len))
		return -ERR_INVAL;
	/* 4.1.4.3.1: retry until config_generation is the same around the
	 * read, so a multi-access field is never torn. */
	for (i = 0; i < VPCI_CONFIG_TRIES; i++) {
		gen = RD(d, config_generation);
		config_copy(d, off, buf, len, 0);
		if (RD(d, config_generation) == gen)
			return 0;
	}
	t->err = "vpci_read_config: configuration never settled";
	return -ERR_IO;
}

static int
vpci_write_config(struct virtio_transport *t, uint32_t off, const void *buf,
    uint32_t len)
{
	struct vpci *d = to_vpci(t);

	if (!config_range_ok(d, off, len))
		return -ERR_INVAL;
	config_copy(d, off, (uint8_t *)(uintptr_t)buf, len, 1);
	return 0;
}

static const struct virtio_transport_ops vpci_ops = {
	.get_features = vpci_get_features,
	.set_features = vpci_set_features,
	.get_status = vpci_get_status,
	.set_status = vpci_set_status,
	.reset = vpci_reset,
	.queue_max = vpci_queue_max,
	.setup_queue = vpci_setup_queue,
	.notify = vpci_notify,
	.read_config = vpci_read_config,
	.write_config = vpci_write_config,
	.isr_ack = vpci_isr_ack,
};
