/*
 * virtio-input library (virtio 1.2, section 5.8): attach to one
 * virtio-input PCI function, learn what it is from its configuration
 * (ID_NAME, EV_BITS) and take the events it writes into buffers posted on
 * the event queue.  All the device logic lives here;
 * drivers/input/input_server.c is a thin server over it.
 *
 * How to use:
 *
 *   struct vinput *d = &static_vinput;        keep it static
 *   rc = vinput_attach(d, &pci_args, va);      map config page + BARs at va..,
 *                                              negotiate, name and kind read,
 *                                              event buffers posted, DRIVER_OK
 *   rc = vinput_irq_start(d);                  reserve the INTx line (optional;
 *                                              else poll)
 *   while ((n = vinput_recv(d, ev, 32)) > 0)   n events, oldest first
 *           use(ev, n);
 *   if (vinput_rearm(d)) ...                   events arrived meanwhile: recv
 *                                              again before sleeping
 *
 * Only the event queue (queue 0) is used.  The status queue (queue 1,
 * driver -> device: keyboard LEDs) is never set up, so caps lock has no
 * LED.  Every event buffer is 8 bytes (struct virtio_input_event); a used
 * element of any other length is counted in stats.errors and the buffer is
 * posted again.  A device that breaks the ring protocol (vq_reap -ERR_IO)
 * is set FAILED and reset; every later call returns -ERR_IO.  One thread
 * drives a vinput; the interrupt handler only acknowledges the ISR.
 */
#ifndef INPUT_VIRTIO_INPUT_H
#define INPUT_VIRTIO_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include <linux/virtio_input.h>
#include <pci/pci.h>
#include <tessera/proto_input.h>
#include <virtio/virtio_pci.h>
#include <virtio/vpci_fn.h>
#include <virtio/virtq.h>

#define VINPUT_EVENTQ	  0u		/* eventq (5.8.2) */
#define VINPUT_QSIZE_MAX  128u		/* descriptors, at most */
#define VINPUT_BUFS	  64u		/* event buffers posted, at least */
#define VINPUT_EV_SIZE	  sizeof(struct virtio_input_event)
#define VINPUT_CFG_DATA	  128u		/* bytes of the config union u */
#define VINPUT_VA_SPAN	  (16ul << 20)	/* virtual space vinput_attach uses */
#define VINPUT_IRQ_STACK  4096u

_Static_assert(VINPUT_EV_SIZE == 8, "virtio-input event is 8 bytes (5.8.6)");

struct vinput_stats {
	uint64_t events;	/* good events taken from the device */
	uint64_t errors;	/* used buffers of a length other than 8 */
};

struct vinput {
	struct vpci pci;
	struct vq evq;
	struct vq_slot ev_slot[VINPUT_QSIZE_MAX];

	/* DMA: one buffer of 8 bytes per descriptor of the queue. */
	volatile uint8_t *ev_buf;
	uint64_t ev_pa;
	unsigned nbufs;

	/* What the device is (fixed after vinput_attach). */
	uint64_t features;
	char name[VINPUT_CFG_DATA + 1];	/* ID_NAME, printable ASCII, NUL-ended */
	uint32_t ev_types;		/* bit t: EV_BITS of type t not empty */
	enum input_kind kind;
	uint8_t broken;		/* ring protocol broken: device reset, -ERR_IO */
	struct vinput_stats stats;

	/* Interrupt: written by the notification handler. */
	uint32_t irq;			/* PLIC interrupt, 0 = poll */
	struct vpci_irq irqs;

	/* Mappings made by vinput_attach. */
	uintptr_t va;		/* our window: device half, then DMA half */
	struct vpci_fn fn;
	const char *err;	/* why the last call failed, for the log */
	uint8_t irq_stack[VINPUT_IRQ_STACK] __attribute__((aligned(16)));
};

/* Map the function's config page and memory BARs at [va, va +
 * VINPUT_VA_SPAN) (page aligned, unused), bring the device up (VERSION_1
 * required, EVENT_IDX when offered), read its name and event bits (5.8.4:
 * select/subsel), set up the event queue in DMA memory, post a buffer per
 * descriptor and set DRIVER_OK.  Needs privilege or device grants.
 * Returns 0 or -ERR_* with d->err set; on failure after negotiation the
 * device is FAILED and reset. */
int vinput_attach(struct vinput *d, const struct pci_args *a, uintptr_t va);

/* Reserve d->irq and install the dux notification handler (one device per
 * task uses interrupts).  0, or -ERR_NOENT (no IRQ: poll) / -ERR_* from the
 * kernel; the device works by polling either way. */
int vinput_irq_start(struct vinput *d);

/* Take up to max events (oldest first) into ev[], converted from little
 * endian, and post their buffers again.  Returns how many (0 = none
 * waiting), or -ERR_IO when the device broke the protocol before any event
 * was taken in this call (the events taken before a breakage are returned;
 * the next call says -ERR_IO). */
int vinput_recv(struct vinput *d, struct input_event_rec *ev, unsigned max);

/* Ask for an interrupt again before sleeping: 1 if events are already
 * waiting (call vinput_recv first), else 0. */
int vinput_rearm(struct vinput *d);

/* "keyboard", "pointer" or "other". */
const char *vinput_kind_name(enum input_kind kind);

#endif
