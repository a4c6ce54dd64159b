/* Mapping a virtio PCI function for its driver: see <virtio/vpci_fn.h>. */
#include <string.h>
#include <tessera/errors.h>
#include <tessera/syscall.h>
#include <dux/dux.h>
#include <virtio/vpci_fn.h>

#define PAGE 4096ul
#define PAGE_UP(x) (((x) + PAGE - 1) & ~(PAGE - 1))

static uint8_t
cfg_rd8(void *ctx, uint32_t off)
{
	return *(volatile uint8_t *)(((struct vpci_fn *)ctx)->cfg + off);
}

static uint16_t
cfg_rd16(void *ctx, uint32_t off)
{
	return *(volatile uint16_t *)(((struct vpci_fn *)ctx)->cfg + off);
}

static uint32_t
cfg_rd32(void *ctx, uint32_t off)
{
	return *(volatile uint32_t *)(((struct vpci_fn *)ctx)->cfg + off);
}

static void
cfg_wr8(void *ctx, uint32_t off, uint8_t v)
{
	*(volatile uint8_t *)(((struct vpci_fn *)ctx)->cfg + off) = v;
}

static void
cfg_wr16(void *ctx, uint32_t off, uint16_t v)
{
	*(volatile uint16_t *)(((struct vpci_fn *)ctx)->cfg + off) = v;
}

static void
cfg_wr32(void *ctx, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(((struct vpci_fn *)ctx)->cfg + off) = v;
}

static uint64_t
bar_size(void *ctx, unsigned bar)
{
	struct vpci_fn *f = ctx;

	return bar < PCI_NBARS && f->bar_va[bar] ? f->args.bar_size[bar] : 0;
}

static volatile void *
bar_map(void *ctx, unsigned bar, uint64_t off)
{
	struct vpci_fn *f = ctx;

	if (bar >= PCI_NBARS || !f->bar_va[bar] || off >= f->args.bar_size[bar])
		return NULL;
	return f->bar_va[bar] + off;
}

/* Map `size` bytes of device memory at physical `pa` at the next free
 * address of the window; the pointer to pa, or NULL. */
static volatile uint8_t *
map_device(struct vpci_fn *f, uint64_t pa, uint64_t size)
{
	uint64_t base = pa & ~(PAGE - 1);
	uint64_t len = PAGE_UP(pa + size) - base;

	if (f->va_next + len > f->va_end || sys_mem_map_device(f->va_next, base, len) < 0)
		return NULL;
	volatile uint8_t *p = (volatile uint8_t *)(f->va_next + (pa - base));
	f->va_next += len + PAGE;	/* an unmapped page between mappings */
	return p;
}

int
vpci_fn_map(struct vpci_fn *f, const struct pci_args *a, uintptr_t va, uintptr_t span,
	    struct vpci_access *acc, const char **err)
{
	memset(f, 0, sizeof(*f));
	f->args = *a;
	f->va_next = va;
	f->va_end = va + span;
	if (!(f->cfg = map_device(f, a->cfg, PCI_ECAM_FN))) {
		*err = "vpci_fn_map: cannot map the config page";
		return -ERR_PERM;
	}
	for (unsigned i = 0; i < PCI_NBARS; i++) {
		if (!a->bar[i] || a->bar_io[i] || !a->bar_size[i])
			continue;
		if (!(f->bar_va[i] = map_device(f, a->bar[i], a->bar_size[i]))) {
			*err = "vpci_fn_map: cannot map a BAR";
			return -ERR_PERM;
		}
	}
	*acc = (struct vpci_access){ f, PCI_ECAM_FN, cfg_rd8, cfg_rd16, cfg_rd32, cfg_wr8,
				     cfg_wr16, cfg_wr32, bar_size, bar_map, NULL, NULL };
	return 0;
}

/* The function whose interrupt this task handles (handlers take no context). */
static struct vpci_irq *irq_owner;

static void
on_irq(uint64_t source, uint64_t value)
{
	struct vpci_irq *q = irq_owner;

	(void)value;
	if (!q || source != IRQ_SOURCE(q->irq))
		return;
	if (q->t->ops->isr_ack(q->t)) {
		q->nirq++;
		sys_irq_complete(q->irq);
	} else {
		q->nirq_other++;
		sys_irq_defer(q->irq);
	}
}

int
vpci_irq_start(struct vpci_irq *q, struct virtio_transport *t, uint32_t irq, void *stack,
	       size_t size, const char **err)
{
	int rc;

	q->t = t;
	q->irq = irq;
	if (!irq)
		return -ERR_NOENT;
	if (irq_owner && irq_owner != q)
		return -ERR_BUSY;
	irq_owner = q;
	if ((rc = dux_notify_handler(on_irq, stack, size)) < 0 ||
	    (rc = (int)sys_irq_reserve(irq)) < 0) {
		*err = "vpci_irq_start: cannot reserve the interrupt";
		irq_owner = NULL;
		return rc;
	}
	q->on = 1;
	return 0;
}

void
vpci_die(const char *msg)
{
	sys_log(msg, strlen(msg));
	sys_exit(-ERR_IO);
	__builtin_unreachable();
}
