/*
 * virtio-gpu library, 2D only (virtio 1.2, section 5.7): attach to one
 * virtio-gpu PCI function, find the first enabled scanout, put one 2D
 * resource (B8G8R8X8, i.e. XRGB8888) backed by one block of DMA memory on
 * it, and show rectangles of that memory (TRANSFER_TO_HOST_2D +
 * RESOURCE_FLUSH).  All the device logic lives here; gpu_server.c is a thin
 * server speaking the framebuffer protocol (<tessera/proto_fb.h>) over it.
 *
 * How to use:
 *
 *   struct vgpu *d = &static_vgpu;           large: keep it static
 *   rc = vgpu_attach(d, &pci_args, va);      map config page + BARs at va..,
 *                                            negotiate, controlq up, display
 *                                            info, resource, backing,
 *                                            scanout, screen cleared and shown
 *   rc = vgpu_irq_start(d);                  reserve the INTx line (optional;
 *                                            else poll)
 *   draw into d->fb (d->stride bytes per row, 0x00RRGGBB words), then
 *   rc = vgpu_flush_submit(d, x, y, w, h, cookie);   two commands queued
 *   vgpu_kick(d);
 *   ... interrupt or poll ...
 *   while ((rc = vgpu_complete(d, &cookie, &status)) > 0) done(cookie, status);
 *
 * Commands go on the controlq (the cursorq is left disabled).  Each command
 * has a tag: a 1 KiB DMA slot holding the command (device-readable half)
 * and its response (device-writable half).  An "op" groups the commands
 * submitted together (a flush is two) and completes when the last one has;
 * its status is the first error.  Every response is copied out of DMA
 * memory once, then checked: used length at least the header (exactly the
 * response size for GET_DISPLAY_INFO), type OK_NODATA / OK_DISPLAY_INFO as
 * the command expects; an ERR_* answer or anything else makes the op
 * -ERR_IO with d->err naming the command and the answer.  A device that
 * breaks the ring protocol (vq_reap -ERR_IO) is set FAILED and reset: every
 * op in flight completes with -ERR_IO and every later call returns -ERR_IO.
 * One thread drives a vgpu; the interrupt handler only acknowledges the ISR.
 */
#ifndef GPU_VIRTIO_GPU_H
#define GPU_VIRTIO_GPU_H

#include <stddef.h>
#include <stdint.h>

#include <linux/virtio_gpu.h>
#include <virtio/transport.h>
#include <virtio/virtq.h>
#ifndef TESSERA_HOST
#include <pci/pci.h>
#include <virtio/virtio_pci.h>
#include <virtio/vpci_fn.h>
#endif

#define VGPU_CTRLQ	 0u		/* controlq (5.7.2) */
#define VGPU_QSIZE_MAX	 64u		/* descriptors of the controlq, at most */
#define VGPU_TAGS	 32u		/* commands in flight, at most */
#define VGPU_OPS	 VGPU_TAGS	/* ops in flight, at most */
#define VGPU_SLOT	 1024u		/* DMA bytes per tag: command, response */
#define VGPU_RESP_OFF	 (VGPU_SLOT / 2)
#define VGPU_CMDS_MAX	 2u		/* commands in one op */
#define VGPU_RESOURCE	 1u		/* our one resource id (0 = none) */
#define VGPU_BPP	 4u
#define VGPU_DIM_MAX	 8192u		/* width or height, at most */
#define VGPU_FB_MAX	 (32ul << 20)	/* bytes of framebuffer, at most */
#define VGPU_FALLBACK_W	 1024u		/* no scanout enabled: this mode */
#define VGPU_FALLBACK_H	 768u
#define VGPU_VA_SPAN	 (128ul << 20)	/* virtual space vgpu_attach uses */
#define VGPU_IRQ_STACK	 4096u
#define VGPU_SYNC_NS	 (5ull * 1000000000)	/* attach: one command, at most */

_Static_assert(sizeof(struct virtio_gpu_resp_display_info) <= VGPU_SLOT / 2,
	       "display info fits a response slot");
_Static_assert(VGPU_TAGS * VGPU_SLOT <= 32768, "tag slots fit their DMA block");

/* One command in flight (driver memory only). */
struct vgpu_tag {
	uint32_t cmd;		/* VIRTIO_GPU_CMD_*, for the error message */
	uint32_t resp;		/* the response type it must get */
	uint32_t resp_len;	/* the used length it must get, at least */
	uint16_t op;		/* its op */
};

/* Commands submitted together. */
struct vgpu_op {
	void *cookie;
	int status;		/* first error of its commands, or 0 */
	uint8_t pending;	/* commands not completed */
	uint8_t live;		/* submitted and not yet handed back */
};

struct vgpu {
	struct virtio_transport *t;
	struct vq q;
	struct vq_slot slot[VGPU_QSIZE_MAX];
	struct vgpu_tag tag[VGPU_TAGS];
	struct vgpu_op op[VGPU_OPS];
	uint16_t free_tag[VGPU_TAGS], free_op[VGPU_OPS];
	unsigned nfree_tag, nfree_op;

	/* DMA: VGPU_TAGS slots of VGPU_SLOT bytes. */
	uint8_t *slots;
	uint64_t slots_pa;

	/* The screen (fixed after vgpu_attach). */
	uint32_t width, height, stride;	/* stride = width * 4 */
	uint32_t scanout;		/* scanout id shown */
	uint8_t enabled;		/* 1: a scanout reported enabled; 0: fallback */
	uint8_t *fb;			/* the backing: fb_size bytes of DMA memory */
	uint64_t fb_pa;
	size_t fb_size;			/* stride * height rounded up to pages */

	uint64_t features;
	uint8_t broken;		/* ring protocol broken: device reset, -ERR_IO */
	uint64_t ncmds, nerrors;	/* commands completed; of them, refused */
	/* Last response copied out of DMA (GET_DISPLAY_INFO reads it). */
	union {
		struct virtio_gpu_ctrl_hdr hdr;
		struct virtio_gpu_resp_display_info info;
	} last;
	const char *err;	/* why the last call failed, for the log */
	char errbuf[96];

#ifndef TESSERA_HOST
	/* Interrupt: written by the notification handler. */
	uint32_t irq;			/* PLIC interrupt, 0 = poll */
	struct vpci_irq irqs;
	struct vpci pci;
	uintptr_t va;		/* our window: device, DMA slots, backing */
	struct vpci_fn fn;
	uint8_t irq_stack[VGPU_IRQ_STACK] __attribute__((aligned(16)));
#endif
};

#ifndef TESSERA_HOST
/* Map the function's config page and memory BARs at [va, va +
 * VGPU_VA_SPAN) (page aligned, unused), bring the device up (VERSION_1;
 * EVENT_IDX when offered), set up the controlq, set DRIVER_OK, read the
 * display info (first enabled scanout; none: VGPU_FALLBACK_W x _H on
 * scanout 0), create the resource, attach a zeroed DMA backing, set the
 * scanout and show the whole (black) screen.  Each step waits for its
 * answer by polling (VGPU_SYNC_NS at most).  Needs privilege or device
 * grants.  Returns 0 or -ERR_* with d->err set; on failure after
 * negotiation the device is FAILED and reset. */
int vgpu_attach(struct vgpu *d, const struct pci_args *a, uintptr_t va);

/* Reserve d->irq and install the dux notification handler.  0, or
 * -ERR_NOENT (no IRQ: poll) / -ERR_* from the kernel. */
int vgpu_irq_start(struct vgpu *d);
#endif

/* ---- command queue (vgpu_cmd.c: no system calls, host-tested) ---- */

/* Set up tags and ops over `slots` (VGPU_TAGS * VGPU_SLOT bytes of DMA
 * memory at physical slots_pa) for the queue d->q and transport d->t. */
void vgpu_cmd_init(struct vgpu *d, uint8_t *slots, uint64_t slots_pa);

/* Queue one op of n (1..VGPU_CMDS_MAX) commands: cmd[i] (len[i] bytes,
 * starting with a struct virtio_gpu_ctrl_hdr), each expecting a response of
 * type resp[i].  Checks room for all first: -ERR_AGAIN (tags, ops or
 * descriptors), -ERR_INVAL (n, a length), -ERR_IO (broken).  Returns 0;
 * the device sees them after vgpu_kick. */
int vgpu_submit(struct vgpu *d, const void *const *cmd, const uint32_t *len,
		const uint32_t *resp, unsigned n, void *cookie);

/* Show rectangle (x, y, w, h) of d->fb: TRANSFER_TO_HOST_2D + RESOURCE_FLUSH
 * as one op.  -ERR_INVAL if it is empty or not inside the screen, else as
 * vgpu_submit. */
int vgpu_flush_submit(struct vgpu *d, uint32_t x, uint32_t y, uint32_t w, uint32_t h,
		      void *cookie);

/* Publish queued commands; notify the device if it asks for it. */
void vgpu_kick(struct vgpu *d);

/* One finished op: *cookie, *status (0 or -ERR_IO, d->err says why) and
 * returns 1; 0 when none has finished.  After a ring protocol error the
 * device is FAILED and reset and every op in flight finishes with -ERR_IO,
 * one per call. */
int vgpu_complete(struct vgpu *d, void **cookie, int *status);

/* Ops in flight. */
static inline unsigned
vgpu_inflight(const struct vgpu *d)
{
	return VGPU_OPS - d->nfree_op;
}

/* Check a response copied out of DMA memory: `used` bytes written by the
 * device; type must be `want` and used >= want_len.  0, or -ERR_IO with
 * *why set. */
int vgpu_check_resp(const struct virtio_gpu_ctrl_hdr *r, uint32_t used, uint32_t want,
		    uint32_t want_len, const char **why);

/* From a GET_DISPLAY_INFO response (already checked): the first enabled
 * scanout with a usable size (1..VGPU_DIM_MAX, at most VGPU_FB_MAX bytes)
 * into *scanout, *w, *h and returns 1; 0 when none is (the caller falls
 * back). */
int vgpu_pick_mode(const struct virtio_gpu_resp_display_info *r, uint32_t *scanout,
		   uint32_t *w, uint32_t *h);

/* A broken invariant of the library (never the device's fault): log and
 * end the task.  Provided by virtio_gpu.c (host tests: their own). */
void __attribute__((noreturn)) vgpu_die(const char *msg);

/* The name of a command or response type, for messages. */
const char *vgpu_type_name(uint32_t type);

#endif
