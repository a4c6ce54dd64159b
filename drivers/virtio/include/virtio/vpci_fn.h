/*
 * A virtio PCI function as the PCI server hands it to a driver (its
 * arguments, docs/pci.md): the config page and memory BARs mapped into a
 * window of the driver's address space, and the accessor that vpci_init
 * needs.  Every virtio-pci driver starts with it:
 *
 *   struct vpci_access acc;
 *   rc = vpci_fn_map(&fn, &args, va, span, &acc, &err);
 *   rc = vpci_init(&pci, &acc);
 */
#ifndef VIRTIO_VPCI_FN_H
#define VIRTIO_VPCI_FN_H

#include <stdint.h>
#include <pci/pci.h>
#include <virtio/virtio_pci.h>

struct vpci_fn {
	struct pci_args args;
	uintptr_t va_next, va_end;		/* the mapping window */
	volatile uint8_t *cfg;			/* its 4 KiB of config space */
	volatile uint8_t *bar_va[PCI_NBARS];	/* mapped memory BARs, NULL if none */
};

/* Map the config page and the memory BARs of `a` into [va, va + span) with
 * an unmapped page between mappings (I/O BARs are left out: they count as
 * absent), and fill *acc with `f` as its context.  0, or -ERR_PERM with
 * *err set when a mapping is refused or the window is too small. */
int vpci_fn_map(struct vpci_fn *f, const struct pci_args *a, uintptr_t va, uintptr_t span,
		struct vpci_access *acc, const char **err);

/* Interrupts of one virtio PCI function (one per task): the notification
 * handler acknowledges the device's ISR and completes the interrupt when it
 * was ours, or defers it to the next sharer of the INTx line. */
struct vpci_irq {
	struct virtio_transport *t;
	uint32_t irq;			/* PLIC interrupt */
	uint8_t on;			/* handler installed and line reserved */
	volatile uint32_t nirq;		/* interrupts that were ours */
	volatile uint32_t nirq_other;	/* passed on to the next sharer */
};

/* Install the handler on `stack` and reserve `irq` (0 = none: -ERR_NOENT).
 * 0, or -ERR_* with *err set; -ERR_BUSY if another function of this task
 * already handles interrupts. */
int vpci_irq_start(struct vpci_irq *q, struct virtio_transport *t, uint32_t irq, void *stack,
		   size_t size, const char **err);

/* A broken invariant of a driver library (never the device's fault): log
 * msg and end the task with status -ERR_IO.  Never returns. */
void __attribute__((noreturn)) vpci_die(const char *msg);

#endif
