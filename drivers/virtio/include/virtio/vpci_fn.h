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

#endif
