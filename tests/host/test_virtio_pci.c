/*
 * Host tests of drivers/virtio/virtio_pci.c and virtio.c against a fake
 * virtio-pci function in memory.
 *
 * The fake has a 256-byte config space holding a capability list built by
 * each test, and BAR 4 (16 KiB) laid out as QEMU does: common config at
 * 0x0000, ISR at 0x1000, device config at 0x2000, notify at 0x3000
 * (multiplier 4).  Register accesses reach it through the accessor's
 * reg_read/reg_write hooks, so it emulates the common configuration
 * (feature selects, queue select, status with reset), records every status
 * write and notification, checks every access width, and can misbehave
 * (refuse FEATURES_OK, never finish a reset, change its config generation).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/pci_regs.h>
#include <linux/virtio_pci.h>
#include <tessera/errors.h>
#include <virtio/virtio_pci.h>
#include <virtio/virtq.h>

#include "check.h"

#define BIT(n)     ((uint64_t)1 << (n))
#define BAR        4
#define BAR_SIZE   0x4000u
#define COMMON_OFF 0x0000u
#define ISR_OFF    0x1000u
#define DEV_OFF    0x2000u
#define NOTIFY_OFF 0x3000u
#define REGION_LEN 0x1000u
#define MULT       4u

struct fq {
	uint16_t max, size, enable, noff, msix;
	uint32_t desc[2], avail[2], used[2];
};

struct fpci {
	uint8_t cfg[256];
	uint8_t *bar[6];
	uint64_t barsz[6];
	/* where the fake emulates each structure (bar BAR) */
	uint64_t common_off;
	/* emulated state */
	uint64_t dev_features, drv_features;
	uint32_t dfsel, gfsel;
	uint8_t status, gen, isr;
	uint16_t qsel, nq;
	struct fq q[4];
	/* misbehaviour */
	int refuse_features_ok, reset_never, gen_bump, gen_always;
	/* records */
	uint8_t log[32];
	unsigned nlog, nnotify, width_errors, cfg_errors;
	uint64_t notify_at;
	uint16_t notify_val;
};

static struct fpci f;

/* ---- config space ---- */

static int
cfg_in(uint32_t off, unsigned w)
{
	if (off + w > sizeof(f.cfg) || off % w != 0) {
		f.cfg_errors++;
		return 0;
	}
	return 1;
}

static uint8_t
cr8(void *ctx, uint32_t off)
{
	(void)ctx;
	return cfg_in(off, 1) ? f.cfg[off] : 0xff;
}

static uint16_t
cr16(void *ctx, uint32_t off)
{
	uint16_t v = 0xffff;

	(void)ctx;
	if (cfg_in(off, 2))
		memcpy(&v, f.cfg + off, 2);
	return v;
}

static uint32_t
cr32(void *ctx, uint32_t off)
{
	uint32_t v = 0xffffffff;

	(void)ctx;
	if (cfg_in(off, 4))
		memcpy(&v, f.cfg + off, 4);
	return v;
}

static void
cw8(void *ctx, uint32_t off, uint8_t v)
{
	(void)ctx;
	if (cfg_in(off, 1))
		f.cfg[off] = v;
}

static void
cw16(void *ctx, uint32_t off, uint16_t v)
{
	(void)ctx;
	if (cfg_in(off, 2))
		memcpy(f.cfg + off, &v, 2);
}

static void
cw32(void *ctx, uint32_t off, uint32_t v)
{
	(void)ctx;
	if (cfg_in(off, 4))
		memcpy(f.cfg + off, &v, 4);
}

static uint64_t
bar_size(void *ctx, unsigned bar)
{
	(void)ctx;
	CHECK(bar < 6);
	return bar < 6 ? f.barsz[bar] : 0;
}

static volatile void *
bar_map(void *ctx, unsigned bar, uint64_t off)
{
	(void)ctx;
	if (bar >= 6 || f.bar[bar] == NULL || off >= f.barsz[bar])
		return NULL;
	return f.bar[bar] + off;
}

/* ---- BAR registers ---- */

/* Offset of a register in BAR 4, or -1 (then the access is an error). */
static long
bar_off(const volatile void *p, unsigned width)
{
	const uint8_t *b = f.bar[BAR], *q = (const uint8_t *)(uintptr_t)p;

	if (b == NULL || q < b || q + width > b + BAR_SIZE ||
	    (uintptr_t)q % width != 0) {
		f.width_errors++;
		return -1;
	}
	return (long)(q - b);
}

#define CF(field) offsetof(struct virtio_pci_common_cfg, field)
#define CW(field) sizeof(((struct virtio_pci_common_cfg *)0)->field)

static struct fq *
selq(void)
{
	return f.qsel < f.nq ? &f.q[f.qsel] : NULL;
}

static void
dev_reset(void)
{
	unsigned i;

	if (f.reset_never)
		return;
	f.status = 0;
	f.drv_features = 0;
	for (i = 0; i < 4; i++) {
		f.q[i].enable = 0;
		f.q[i].size = f.q[i].max;
	}
}

/* An access of the field's own width (4.1.3.1). */
static int
width_ok(unsigned w, size_t want)
{
	if (w == want)
		return 1;
	f.width_errors++;
	return 0;
}

static uint32_t
common_read(unsigned off, unsigned w)
{
	struct fq *q = selq();

#define R(field, val) \
	if (off == CF(field)) \
		return width_ok(w, CW(field)) ? (uint32_t)(val) : 0;
	R(device_feature_select, f.dfsel)
	R(device_feature, f.dfsel < 2 ? (uint32_t)(f.dev_features >>
	    (32 * f.dfsel)) : 0)
	R(guest_feature_select, f.gfsel)
	R(guest_feature, f.gfsel < 2 ? (uint32_t)(f.drv_features >>
	    (32 * f.gfsel)) : 0)
	R(num_queues, f.nq)
	R(device_status, f.status)
	R(config_generation, f.gen)
	R(queue_select, f.qsel)
	R(queue_size, q ? q->size : 0)
	R(queue_msix_vector, q ? q->msix : 0)
	R(queue_enable, q ? q->enable : 0)
	R(queue_notify_off, q ? q->noff : 0)
#undef R
	f.width_errors++;
	return 0;
}

static void
status_write(uint8_t v)
{
	if (f.nlog < sizeof(f.log))
		f.log[f.nlog++] = v;
	if (v == 0) {
		dev_reset();
		return;
	}
	f.status = v;
	if ((v & VIRTIO_CONFIG_S_FEATURES_OK) && f.refuse_features_ok)
		f.status &= (uint8_t)~VIRTIO_CONFIG_S_FEATURES_OK;
}

static void
common_write(unsigned off, unsigned w, uint32_t v)
{
	struct fq *q = selq();
	uint64_t mask;

#define W(field) (off == CF(field) && (w == CW(field) || (f.width_errors++, 1)))
	if (W(device_feature_select)) {
		f.dfsel = v;
	} else if (W(guest_feature_select)) {
		f.gfsel = v;
	} else if (W(guest_feature)) {
		if (f.gfsel < 2) {
			mask = (uint64_t)0xffffffff << (32 * f.gfsel);
			f.drv_features = (f.drv_features & ~mask) |
			    ((uint64_t)v << (32 * f.gfsel));
		}
	} else if (W(device_status)) {
		status_write((uint8_t)v);
	} else if (W(queue_select)) {
		f.qsel = (uint16_t)v;
	} else if (q == NULL) {
		return;
	} else if (W(queue_size)) {
		q->size = (uint16_t)v;
	} else if (W(queue_msix_vector)) {
		q->msix = (uint16_t)v;
	} else if (W(queue_enable)) {
		q->enable = (uint16_t)v;
	} else if (W(queue_desc_lo)) {
		q->desc[0] = v;
	} else if (W(queue_desc_hi)) {
		q->desc[1] = v;
	} else if (W(queue_avail_lo)) {
		q->avail[0] = v;
	} else if (W(queue_avail_hi)) {
		q->avail[1] = v;
	} else if (W(queue_used_lo)) {
		q->used[0] = v;
	} else if (W(queue_used_hi)) {
		q->used[1] = v;
	} else {
		f.width_errors++; /* read-only or unknown */
	}
#undef W
}

static uint32_t
reg_read(void *ctx, const volatile void *p, unsigned width)
{
	long off = bar_off(p, width);
	uint32_t v = 0;

	(void)ctx;
	if (off < 0)
		return 0;
	if ((uint64_t)off >= f.common_off && (uint64_t)off < f.common_off + REGION_LEN)
		return common_read((unsigned)(off - f.common_off), width);
	if (off >= ISR_OFF && off < ISR_OFF + REGION_LEN) {
		v = f.isr;
		f.isr = 0;
		return v;
	}
	if (off >= DEV_OFF && off < DEV_OFF + REGION_LEN) {
		memcpy(&v, f.bar[BAR] + off, width);
		if (f.gen_always || (f.gen_bump > 0 && --f.gen_bump == 0)) {
			f.gen++;
			f.bar[BAR][DEV_OFF] ^= 0xff; /* the config changed */
		}
		return v;
	}
	f.width_errors++;
	return 0;
}

static void
reg_write(void *ctx, volatile void *p, unsigned width, uint32_t v)
{
	long off = bar_off(p, width);

	(void)ctx;
	if (off < 0)
		return;
	if ((uint64_t)off >= f.common_off && (uint64_t)off < f.common_off + REGION_LEN)
		common_write((unsigned)(off - f.common_off), width, v);
	else if (off >= NOTIFY_OFF && off < NOTIFY_OFF + REGION_LEN) {
		if (width != 2)
			f.width_errors++;
		f.nnotify++;
		f.notify_at = (uint64_t)off - NOTIFY_OFF;
		f.notify_val = (uint16_t)v;
	} else if (off >= DEV_OFF && off < DEV_OFF + REGION_LEN)
		memcpy(f.bar[BAR] + off, &v, width);
	else
		f.width_errors++;
}

static const struct vpci_access acc = {
	NULL, 256, cr8, cr16, cr32, cw8, cw16, cw32, bar_size, bar_map,
	reg_read, reg_write,
};

/* ---- building the fake ---- */

static void
put_cap(uint8_t at, uint8_t next, uint8_t type, uint8_t bar, uint32_t off,
    uint32_t len)
{
	struct virtio_pci_cap c;

	memset(&c, 0, sizeof(c));
	c.cap_vndr = PCI_CAP_ID_VNDR;
	c.cap_next = next;
	c.cap_len = sizeof(c);
	c.cfg_type = type;
	c.bar = bar;
	c.offset = off;
	c.length = len;
	memcpy(f.cfg + at, &c, sizeof(c));
}

static void
put_notify_cap(uint8_t at, uint8_t next, uint32_t mult)
{
	struct virtio_pci_notify_cap c;

	put_cap(at, next, VIRTIO_PCI_CAP_NOTIFY_CFG, BAR, NOTIFY_OFF, REGION_LEN);
	memcpy(&c, f.cfg + at, sizeof(c.cap));
	c.cap.cap_len = sizeof(c);
	c.notify_off_multiplier = mult;
	memcpy(f.cfg + at, &c, sizeof(c));
}

/* A QEMU-like modern virtio-net function: caps at 0x40 (MSI-X, not
 * vendor), 0x4c common, 0x5c ISR, 0x6c device, 0x7c notify, 0x90 PCI cfg. */
static void
fake_setup(void)
{
	unsigned i;

	for (i = 0; i < 6; i++)
		free(f.bar[i]);
	memset(&f, 0, sizeof(f));
	f.bar[BAR] = calloc(1, BAR_SIZE);
	f.barsz[BAR] = BAR_SIZE;
	f.common_off = COMMON_OFF;
	cw16(NULL, PCI_VENDOR_ID, 0x1af4);
	cw16(NULL, PCI_DEVICE_ID, 0x1041);
	cw16(NULL, PCI_STATUS, PCI_STATUS_CAP_LIST);
	cw16(NULL, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE);
	f.cfg[PCI_CAPABILITY_LIST] = 0x40;
	f.cfg[0x40] = PCI_CAP_ID_MSIX;
	f.cfg[0x41] = 0x4c;
	put_cap(0x4c, 0x5c, VIRTIO_PCI_CAP_COMMON_CFG, BAR, COMMON_OFF, REGION_LEN);
	put_cap(0x5c, 0x6c, VIRTIO_PCI_CAP_ISR_CFG, BAR, ISR_OFF, REGION_LEN);
	put_cap(0x6c, 0x7c, VIRTIO_PCI_CAP_DEVICE_CFG, BAR, DEV_OFF, REGION_LEN);
	put_notify_cap(0x7c, 0x90, MULT);
	put_cap(0x90, 0, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, 0);
	f.cfg[0x90 + 2] = sizeof(struct virtio_pci_cfg_cap);
	f.dev_features = BIT(VIRTIO_F_VERSION_1) | BIT(5) | BIT(16) |
	    BIT(VIRTIO_RING_F_EVENT_IDX);
	f.status = 0x0f; /* left running by a previous driver */
	f.nq = 3;
	for (i = 0; i < 3; i++) {
		f.q[i].max = f.q[i].size = 256;
		f.q[i].noff = (uint16_t)i;
	}
	f.q[2].max = f.q[2].size = 0; /* a queue the device does not have */
	for (i = 0; i < 6; i++)
		f.bar[BAR][DEV_OFF + i] = (uint8_t)(0x52 + i); /* MAC */
}

static struct vpci d;

static int
init(void)
{
	memset(&d, 0, sizeof(d));
	return vpci_init(&d, &acc);
}

/* vpci_init failed: nothing in *d but the reason. */
static void
check_refused(int rc, int want)
{
	CHECK_EQ(rc, want);
	CHECK(d.transport.ops == NULL && d.common == NULL && d.notify == NULL);
	CHECK(d.err != NULL);
	CHECK_EQ(f.cfg_errors, 0);
}

/* ... and for the expected reason. */
static void
check_refused_why(int rc, int want, const char *why)
{
	check_refused(rc, want);
	CHECK(d.err != NULL && strstr(d.err, why) != NULL);
}

/* ---- capability parsing ---- */

static void
test_caps_good(void)
{
	uint16_t cmd;

	fake_setup();
	CHECK_EQ(init(), 0);
	CHECK(d.transport.ops != NULL);
	CHECK(d.common == (void *)(f.bar[BAR] + COMMON_OFF));
	CHECK(d.isr == f.bar[BAR] + ISR_OFF);
	CHECK(d.device == f.bar[BAR] + DEV_OFF);
	CHECK(d.notify == f.bar[BAR] + NOTIFY_OFF);
	CHECK_EQ(d.device_len, REGION_LEN);
	CHECK_EQ(d.notify_len, REGION_LEN);
	CHECK_EQ(d.notify_mult, MULT);
	CHECK_EQ(d.nqueues, 3);
	CHECK_EQ(d.device_id, 0x1041);
	cmd = cr16(NULL, PCI_COMMAND);
	CHECK_EQ(cmd & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
	    PCI_COMMAND_INTX_DISABLE), PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	CHECK_EQ(f.nlog, 0); /* status untouched */
	CHECK_EQ(f.cfg_errors, 0);
	CHECK_EQ(f.width_errors, 0);

	/* No device config: allowed. */
	fake_setup();
	f.cfg[0x5c + 1] = 0x7c;
	CHECK_EQ(init(), 0);
	CHECK(d.device == NULL);
	CHECK_EQ(d.transport.ops->read_config(&d.transport, 0, &cmd, 2),
	    -ERR_INVAL);

	CHECK_EQ(vpci_device_type(0x1041, 0), 1);
	CHECK_EQ(vpci_device_type(0x1050, 0), 16);
	CHECK_EQ(vpci_device_type(0x1001, 2), 2);
}

static void
test_caps_not_virtio(void)
{
	fake_setup();
	cw16(NULL, PCI_VENDOR_ID, 0x8086);
	check_refused(init(), -ERR_NOENT);
	fake_setup();
	cw16(NULL, PCI_DEVICE_ID, 0x1080);
	check_refused(init(), -ERR_NOENT);
	fake_setup();
	cw16(NULL, PCI_DEVICE_ID, 0x0fff);
	check_refused(init(), -ERR_NOENT);
}

static void
test_caps_truncated(void)
{
	/* No capability list at all. */
	fake_setup();
	cw16(NULL, PCI_STATUS, 0);
	check_refused(init(), -ERR_IO);
	/* A virtio capability shorter than struct virtio_pci_cap. */
	fake_setup();
	f.cfg[0x4c + 2] = 12;
	check_refused(init(), -ERR_IO);
	/* A notify capability without its multiplier. */
	fake_setup();
	f.cfg[0x7c + 2] = sizeof(struct virtio_pci_cap);
	check_refused(init(), -ERR_IO);
	/* A capability running past the 256 bytes of config space. */
	fake_setup();
	f.cfg[0x90 + 1] = 0xf4;
	f.cfg[0xf4] = PCI_CAP_ID_VNDR;
	f.cfg[0xf6] = 16;
	f.cfg[0xf7] = VIRTIO_PCI_CAP_PCI_CFG;
	check_refused_why(init(), -ERR_IO, "truncated");
	/* A pointer into the standard header, and one at the very end. */
	fake_setup();
	f.cfg[PCI_CAPABILITY_LIST] = 0x20;
	check_refused(init(), -ERR_IO);
	fake_setup();
	f.cfg[0x90 + 1] = 0xff; /* masked to 0xfc: vendor id + next fit */
	f.cfg[0xfc] = PCI_CAP_ID_VNDR;
	f.cfg[0xfe] = 16;
	check_refused(init(), -ERR_IO);
	/* Common config shorter than struct virtio_pci_common_cfg. */
	fake_setup();
	put_cap(0x4c, 0x5c, VIRTIO_PCI_CAP_COMMON_CFG, BAR, COMMON_OFF,
	    sizeof(struct virtio_pci_common_cfg) - 1);
	check_refused(init(), -ERR_IO);
	/* ISR missing from the list. */
	fake_setup();
	f.cfg[0x4c + 1] = 0x6c;
	check_refused(init(), -ERR_IO);
	/* Common config missing. */
	fake_setup();
	f.cfg[0x41] = 0x5c;
	check_refused(init(), -ERR_IO);
}

static void
test_caps_loop(void)
{
	/* Back to the first capability. */
	fake_setup();
	f.cfg[0x90 + 1] = 0x40;
	check_refused_why(init(), -ERR_IO, "loops");
	/* Onto itself. */
	fake_setup();
	f.cfg[0x5c + 1] = 0x5c;
	check_refused_why(init(), -ERR_IO, "loops");
	/* Through a non-virtio capability back to a virtio one. */
	fake_setup();
	f.cfg[0x90 + 1] = 0xa0;
	f.cfg[0xa0] = PCI_CAP_ID_PM;
	f.cfg[0xa1] = 0x4c;
	check_refused_why(init(), -ERR_IO, "loops");
	/* The low two bits of a pointer are reserved: 0x5f is 0x5c. */
	fake_setup();
	f.cfg[0x6c + 1] = 0x5f;
	check_refused_why(init(), -ERR_IO, "loops");
}

static void
test_caps_bar_index(void)
{
	/* The only common config names BAR 6: ignored, so it is missing. */
	fake_setup();
	f.cfg[0x4c + 4] = 6;
	check_refused_why(init(), -ERR_IO, "missing");
	fake_setup();
	f.cfg[0x4c + 4] = 0xff;
	check_refused_why(init(), -ERR_IO, "missing");
	/* A later usable one is taken instead (4.1.4.1). */
	fake_setup();
	f.cfg[0x4c + 4] = 6;
	f.cfg[0x90 + 1] = 0xa0;
	f.common_off = 0x800;
	put_cap(0xa0, 0, VIRTIO_PCI_CAP_COMMON_CFG, BAR, 0x800, 0x800);
	CHECK_EQ(init(), 0);
	CHECK(d.common == (void *)(f.bar[BAR] + 0x800));
	CHECK_EQ(d.nqueues, 3);
	/* A duplicate after a good one is ignored, even if bad. */
	fake_setup();
	f.cfg[0x90 + 1] = 0xa0;
	put_cap(0xa0, 0, VIRTIO_PCI_CAP_COMMON_CFG, BAR, 0xffff0000u, 0x100);
	CHECK_EQ(init(), 0);
	CHECK(d.common == (void *)(f.bar[BAR] + COMMON_OFF));
}

static void
test_caps_past_bar(void)
{
	/* Common config running past the end of the BAR. */
	fake_setup();
	put_cap(0x4c, 0x5c, VIRTIO_PCI_CAP_COMMON_CFG, BAR, BAR_SIZE - 0x40,
	    REGION_LEN);
	check_refused_why(init(), -ERR_IO, "outside its BAR");
	/* offset + length wraps in 32 bits. */
	fake_setup();
	put_cap(0x6c, 0x7c, VIRTIO_PCI_CAP_DEVICE_CFG, BAR, 0xfffffff0u, 0x20);
	check_refused_why(init(), -ERR_IO, "outside its BAR");
	/* Starting right at the end. */
	fake_setup();
	put_cap(0x5c, 0x6c, VIRTIO_PCI_CAP_ISR_CFG, BAR, BAR_SIZE, 1);
	check_refused_why(init(), -ERR_IO, "outside its BAR");
	/* A BAR the function does not implement. */
	fake_setup();
	f.cfg[0x6c + 4] = 2;
	check_refused_why(init(), -ERR_IO, "outside its BAR");
	/* Notify multiplier not an even power of two. */
	fake_setup();
	put_notify_cap(0x7c, 0x90, 3);
	check_refused(init(), -ERR_IO);
	fake_setup();
	put_notify_cap(0x7c, 0x90, 1);
	check_refused(init(), -ERR_IO);
	fake_setup();
	put_notify_cap(0x7c, 0x90, 0); /* all queues share one address */
	CHECK_EQ(init(), 0);
	/* Misaligned common config. */
	fake_setup();
	put_cap(0x4c, 0x5c, VIRTIO_PCI_CAP_COMMON_CFG, BAR, 2, 0x100);
	check_refused(init(), -ERR_IO);
	/* Exactly filling the BAR is fine. */
	fake_setup();
	put_cap(0x6c, 0x7c, VIRTIO_PCI_CAP_DEVICE_CFG, BAR, DEV_OFF,
	    BAR_SIZE - DEV_OFF);
	CHECK_EQ(init(), 0);
	CHECK_EQ(d.device_len, BAR_SIZE - DEV_OFF);
}

/* ---- status protocol and features ---- */

static void
check_log(const uint8_t *want, unsigned n)
{
	unsigned i;

	CHECK_EQ(f.nlog, n);
	for (i = 0; i < n && i < f.nlog; i++)
		CHECK_EQ(f.log[i], want[i]);
}

static void
test_negotiate(void)
{
	static const uint8_t want[] = { 0, 1, 3, 11, 15 };
	struct virtio_transport *t = &d.transport;
	uint64_t got = 0;

	fake_setup();
	CHECK_EQ(init(), 0);
	CHECK_EQ(t->ops->get_features(t), f.dev_features);
	CHECK_EQ(virtio_start(t, BIT(5) | BIT(7) | BIT(VIRTIO_RING_F_EVENT_IDX),
	    BIT(5), &got), 0);
	CHECK_EQ(got, BIT(VIRTIO_F_VERSION_1) | BIT(5) |
	    BIT(VIRTIO_RING_F_EVENT_IDX));
	CHECK_EQ(f.drv_features, got);
	CHECK_EQ(f.status, 11);
	CHECK_EQ(virtio_ready(t), 0);
	CHECK_EQ(f.status, 15);
	check_log(want, 5);
	CHECK_EQ(f.width_errors, 0);
}

static void
test_refuse_features_ok(void)
{
	static const uint8_t want[] = { 0, 1, 3, 11, 0x83 };
	struct virtio_transport *t = &d.transport;
	uint64_t got = 0x1234;

	fake_setup();
	f.refuse_features_ok = 1;
	CHECK_EQ(init(), 0);
	CHECK_EQ(virtio_start(t, BIT(5), 0, &got), -ERR_NOTSUP);
	CHECK_EQ(got, 0x1234);
	CHECK(f.status & VIRTIO_CONFIG_S_FAILED);
	CHECK(t->err != NULL);
	check_log(want, 5);
}

static void
test_missing_features(void)
{
	static const uint8_t want[] = { 0, 1, 3, 0x83 };
	struct virtio_transport *t = &d.transport;
	uint64_t got = 0;

	/* A legacy-only device: VIRTIO_F_VERSION_1 is always required. */
	fake_setup();
	f.dev_features = BIT(5);
	CHECK_EQ(init(), 0);
	CHECK_EQ(virtio_start(t, BIT(5), 0, &got), -ERR_NOTSUP);
	CHECK_EQ(f.drv_features, 0);
	check_log(want, 4);
	/* A feature the driver requires. */
	fake_setup();
	CHECK_EQ(init(), 0);
	CHECK_EQ(virtio_start(t, 0, BIT(6), &got), -ERR_NOTSUP);
	check_log(want, 4);
	/* Reset that never completes. */
	fake_setup();
	f.reset_never = 1;
	CHECK_EQ(init(), 0);
	CHECK_EQ(virtio_start(t, 0, 0, &got), -ERR_TIMEOUT);
	CHECK(f.status & VIRTIO_CONFIG_S_FAILED);
}

/* ---- queues, notify, ISR, config ---- */

static void
test_queues(void)
{
	struct virtio_transport *t = &d.transport;
	static struct vq_slot slots[256];
	struct vq q;
	struct vq_seg s = { 0x90000000, 64 };
	uint64_t got, pa = 0x87654000;
	size_t len = vq_mem_size(256);
	void *ring = aligned_alloc(4096, (len + 4095) & ~(size_t)4095);

	fake_setup();
	CHECK_EQ(init(), 0);
	CHECK_EQ(virtio_start(t, BIT(VIRTIO_RING_F_EVENT_IDX), 0, &got), 0);
	CHECK_EQ(t->ops->queue_max(t, 0), 256);
	CHECK_EQ(t->ops->queue_max(t, 2), 0);
	CHECK_EQ(t->ops->queue_max(t, 3), 0);
	CHECK_EQ(vq_init(&q, 1, 128, ring, pa, len, slots, 1), 0);
	CHECK_EQ(virtio_setup_vq(t, &q), 0);
	CHECK_EQ(f.q[1].size, 128);
	CHECK_EQ(f.q[1].enable, 1);
	CHECK_EQ(f.q[1].msix, VIRTIO_MSI_NO_VECTOR);
	CHECK_EQ(f.q[1].desc[0] | (uint64_t)f.q[1].desc[1] << 32, pa);
	CHECK_EQ(f.q[1].avail[0] | (uint64_t)f.q[1].avail[1] << 32, q.avail_pa);
	CHECK_EQ(f.q[1].used[0] | (uint64_t)f.q[1].used[1] << 32, q.used_pa);
	CHECK_EQ(f.q[0].enable, 0);
	CHECK_EQ(virtio_setup_vq(t, &q), -ERR_BUSY);
	CHECK_EQ(virtio_ready(t), 0);

	/* Kick: queue 1 notifies at 1 * multiplier with its index. */
	CHECK(vq_add(&q, &s, 1, NULL, 0, NULL) >= 0);
	if (vq_publish(&q))
		t->ops->notify(t, q.index);
	CHECK_EQ(f.nnotify, 1);
	CHECK_EQ(f.notify_at, 1 * MULT);
	CHECK_EQ(f.notify_val, 1);
	t->ops->notify(t, 0); /* never set up: ignored */
	t->ops->notify(t, 200);
	CHECK_EQ(f.nnotify, 1);

	/* Refusals. */
	CHECK_EQ(t->ops->setup_queue(t, 0, 512, pa, pa + 8192, pa + 12288),
	    -ERR_INVAL);
	CHECK_EQ(t->ops->setup_queue(t, 0, 96, pa, pa + 8192, pa + 12288),
	    -ERR_INVAL);
	CHECK_EQ(t->ops->setup_queue(t, 0, 64, pa + 8, pa + 8192, pa + 12288),
	    -ERR_INVAL);
	CHECK_EQ(t->ops->setup_queue(t, 0, 64, pa, pa + 8193, pa + 12288),
	    -ERR_INVAL);
	CHECK_EQ(t->ops->setup_queue(t, 0, 64, pa, pa + 8192, pa + 12290),
	    -ERR_INVAL);
	CHECK_EQ(t->ops->setup_queue(t, 2, 64, pa, pa + 8192, pa + 12288),
	    -ERR_NOENT);
	CHECK_EQ(t->ops->setup_queue(t, 3, 64, pa, pa + 8192, pa + 12288),
	    -ERR_RANGE);
	f.q[0].noff = REGION_LEN / MULT; /* notify address past the region */
	CHECK_EQ(t->ops->setup_queue(t, 0, 64, pa, pa + 8192, pa + 12288),
	    -ERR_IO);
	CHECK_EQ(f.q[0].enable, 0);
	f.q[0].noff = REGION_LEN / MULT - 1; /* the last one that fits */
	CHECK_EQ(t->ops->setup_queue(t, 0, 64, pa, pa + 8192, pa + 12288), 0);
	t->ops->notify(t, 0);
	CHECK_EQ(f.nnotify, 2);
	CHECK_EQ(f.notify_at, REGION_LEN - MULT);
	CHECK_EQ(f.notify_val, 0);

	/* After a reset no queue has a notify address. */
	CHECK_EQ(t->ops->reset(t), 0);
	CHECK_EQ(f.q[1].enable, 0);
	t->ops->notify(t, 1);
	CHECK_EQ(f.nnotify, 2);
	CHECK_EQ(f.width_errors, 0);
	free(ring);
}

static void
test_isr(void)
{
	struct virtio_transport *t = &d.transport;

	fake_setup();
	CHECK_EQ(init(), 0);
	f.isr = 3;
	CHECK_EQ(t->ops->isr_ack(t), 3);
	CHECK_EQ(t->ops->isr_ack(t), 0);
	f.isr = VIRTIO_PCI_ISR_CONFIG;
	CHECK_EQ(t->ops->isr_ack(t), VIRTIO_PCI_ISR_CONFIG);
}

static void
test_config(void)
{
	struct virtio_transport *t = &d.transport;
	uint8_t mac[6], b[16];
	uint32_t v32;
	uint64_t v64;
	unsigned i;

	fake_setup();
	CHECK_EQ(init(), 0);
	CHECK_EQ(t->ops->read_config(t, 0, mac, 6), 0);
	for (i = 0; i < 6; i++)
		CHECK_EQ(mac[i], 0x52 + i);
	memcpy(f.bar[BAR] + DEV_OFF + 8, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	CHECK_EQ(t->ops->read_config(t, 8, &v64, 8), 0);
	CHECK_EQ(v64, 0x8877665544332211ull);
	CHECK_EQ(t->ops->read_config(t, 9, b, 7), 0); /* odd offset */
	CHECK_EQ(memcmp(b, "\x22\x33\x44\x55\x66\x77\x88", 7), 0);
	CHECK_EQ(t->ops->read_config(t, REGION_LEN - 4, &v32, 4), 0);

	/* Bounds. */
	CHECK_EQ(t->ops->read_config(t, REGION_LEN - 4, &v64, 8), -ERR_INVAL);
	CHECK_EQ(t->ops->read_config(t, REGION_LEN, b, 1), -ERR_INVAL);
	CHECK_EQ(t->ops->read_config(t, 0, b, 0), -ERR_INVAL);
	CHECK_EQ(t->ops->read_config(t, 0xffffffffu, b, 2), -ERR_INVAL);
	CHECK_EQ(t->ops->write_config(t, REGION_LEN - 1, b, 2), -ERR_INVAL);

	/* The generation changes once during the read: read again. */
	f.gen_bump = 2;
	CHECK_EQ(t->ops->read_config(t, 0, mac, 6), 0);
	CHECK_EQ(mac[0], 0x52 ^ 0xff);
	CHECK_EQ(f.gen, 1);
	/* It never settles: an error, not a torn value. */
	f.gen_always = 1;
	CHECK_EQ(t->ops->read_config(t, 0, mac, 6), -ERR_IO);
	f.gen_always = 0;

	v32 = 0xcafef00d;
	CHECK_EQ(t->ops->write_config(t, 16, &v32, 4), 0);
	CHECK_EQ(memcmp(f.bar[BAR] + DEV_OFF + 16, &v32, 4), 0);
	CHECK_EQ(t->ops->write_config(t, 21, "abc", 3), 0);
	CHECK_EQ(memcmp(f.bar[BAR] + DEV_OFF + 21, "abc", 3), 0);
	CHECK_EQ(f.width_errors, 0);
}

int
main(void)
{
	static const struct test_case tests[] = {
		{ "caps_good", test_caps_good },
		{ "caps_not_virtio", test_caps_not_virtio },
		{ "caps_truncated", test_caps_truncated },
		{ "caps_loop", test_caps_loop },
		{ "caps_bar_index", test_caps_bar_index },
		{ "caps_past_bar", test_caps_past_bar },
		{ "negotiate", test_negotiate },
		{ "refuse_features_ok", test_refuse_features_ok },
		{ "missing_features", test_missing_features },
		{ "queues", test_queues },
		{ "isr", test_isr },
		{ "config", test_config },
	};
	unsigned i;
	int rc;

	rc = run_tests(tests, sizeof(tests) / sizeof(tests[0]));
	for (i = 0; i < 6; i++)
		free(f.bar[i]);
	return rc;
}
