/*
 * Physical page allocator.
 *
 * bits[] has one bit per page of [base, base + MAX_RAM): 1 = free.  Each hart
 * keeps a stack of up to PMM_CACHE_MAX free page numbers; pmm_alloc/pmm_free
 * use it without a lock and move PMM_CACHE_BATCH pages to or from the bitmap
 * (under pmm_lock) when it runs empty or full.
 */
#include <stdint.h>
#include <tessera/errors.h>
#include <kernel/fdt.h>
#include <kernel/hart.h>
#include <kernel/memlayout.h>
#include <kernel/pmm.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/vm.h>

#define NWORDS (MAX_RAM / PAGE_SIZE / 64)

static uint64_t bits[NWORDS];
static uint64_t base_ppn;	/* page number of bit 0 */
static uint64_t npages;		/* bits in use: pages from base to RAM end */
static uint64_t total;		/* RAM pages handed to the allocator */
static uint64_t nfree_bitmap;	/* guarded by pmm_lock */
static uint64_t hint;		/* word to start searching at */
static struct spinlock pmm_lock = SPINLOCK_INIT("pmm");

static void
set_free(uint64_t i)
{
	bits[i / 64] |= 1ul << (i % 64);
}

static void
set_used(uint64_t i)
{
	bits[i / 64] &= ~(1ul << (i % 64));
}

static int
is_free(uint64_t i)
{
	return (bits[i / 64] >> (i % 64)) & 1;
}

static void
reserve(uint64_t base, uint64_t size)
{
	if (!size)
		return;
	uint64_t first = base >> PAGE_SHIFT;
	uint64_t last = (base + size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	for (uint64_t p = first; p < last; p++) {
		if (p < base_ppn || p - base_ppn >= npages)
			continue;
		if (is_free(p - base_ppn)) {
			set_used(p - base_ppn);
			nfree_bitmap--;
			total--;
		}
	}
}

/* Boot hart, before any other hart runs: every RAM page is free except the
 * firmware, the kernel image, the device tree, the boot image and reserved
 * ranges. */
void
pmm_init(const struct platform *p, uint64_t kernel_end_pa, uint64_t dtb_pa, uint64_t dtb_size)
{
	uint64_t lo = UINT64_MAX, hi = 0;

	for (unsigned i = 0; i < p->nmem; i++) {
		if (p->mem[i].base < lo)
			lo = p->mem[i].base;
		if (p->mem[i].base + p->mem[i].size > hi)
			hi = p->mem[i].base + p->mem[i].size;
	}
	if (lo >= hi)
		panic("pmm_init: no memory");
	base_ppn = lo >> PAGE_SHIFT;
	npages = (hi - lo) >> PAGE_SHIFT;
	if (npages > NWORDS * 64) {
		printk("pmm: only the first %lu MiB of RAM are used\n", MAX_RAM >> 20);
		npages = NWORDS * 64;
	}
	for (unsigned i = 0; i < p->nmem; i++) {
		uint64_t a = (p->mem[i].base + PAGE_SIZE - 1) >> PAGE_SHIFT;
		uint64_t b = (p->mem[i].base + p->mem[i].size) >> PAGE_SHIFT;
		for (uint64_t q = a; q < b && q - base_ppn < npages; q++) {
			if (is_free(q - base_ppn))
				continue;	/* ranges overlap: count once */
			set_free(q - base_ppn);
			nfree_bitmap++;
			total++;
		}
	}
	reserve(lo, KERNEL_PA - lo < hi - lo ? KERNEL_PA - lo : 0);	/* firmware */
	reserve(KERNEL_PA, kernel_end_pa - KERNEL_PA);
	reserve(dtb_pa, dtb_size);
	reserve(p->initrd_start, p->initrd_end - p->initrd_start);
	for (unsigned i = 0; i < p->nrsv; i++)
		reserve(p->rsv[i].base, p->rsv[i].size);
}

/* pmm_lock held.  Take one free page from the bitmap or return 0. */
static uint64_t
bitmap_take(void)
{
	uint64_t nw = (npages + 63) / 64;

	for (uint64_t k = 0; k < nw; k++) {
		uint64_t w = (hint + k) % nw;
		if (!bits[w])
			continue;
		uint64_t i = w * 64 + (uint64_t)__builtin_ctzl(bits[w]);
		if (i >= npages)
			continue;
		set_used(i);
		nfree_bitmap--;
		hint = w;
		return base_ppn + i;
	}
	return 0;
}

/* pmm_lock held. */
static void
bitmap_put(uint64_t ppn)
{
	if (ppn < base_ppn || ppn - base_ppn >= npages || is_free(ppn - base_ppn))
		panic("pmm_free: bad or double free of page %lx", ppn);
	set_free(ppn - base_ppn);
	nfree_bitmap++;
}

uint64_t
pmm_alloc_uncached(void)
{
	spin_lock(&pmm_lock);
	uint64_t ppn = bitmap_take();
	spin_unlock(&pmm_lock);
	return ppn;
}

void
pmm_free_uncached(uint64_t ppn)
{
	spin_lock(&pmm_lock);
	bitmap_put(ppn);
	spin_unlock(&pmm_lock);
}

uint64_t
pmm_alloc(void)
{
	struct hart *h = this_hart();

	if (h->pmm_ncache == 0) {
		spin_lock(&pmm_lock);
		while (h->pmm_ncache < PMM_CACHE_BATCH) {
			uint64_t ppn = bitmap_take();
			if (!ppn)
				break;
			h->pmm_cache[h->pmm_ncache++] = ppn;
		}
		spin_unlock(&pmm_lock);
		if (h->pmm_ncache == 0)
			return 0;
	}
	return h->pmm_cache[--h->pmm_ncache];
}

void
pmm_free(uint64_t ppn)
{
	struct hart *h = this_hart();

	if (ppn < base_ppn || ppn - base_ppn >= npages)
		panic("pmm_free: page %lx outside RAM", ppn);
	if (h->pmm_ncache == PMM_CACHE_MAX) {
		spin_lock(&pmm_lock);
		while (h->pmm_ncache > PMM_CACHE_MAX - PMM_CACHE_BATCH)
			bitmap_put(h->pmm_cache[--h->pmm_ncache]);
		spin_unlock(&pmm_lock);
	}
	h->pmm_cache[h->pmm_ncache++] = ppn;
}

uint64_t
pmm_alloc_contig(size_t n)
{
	if (n == 0 || n > npages)
		return 0;
	spin_lock(&pmm_lock);
	uint64_t run = 0;
	for (uint64_t i = 0; i < npages; i++) {
		run = is_free(i) ? run + 1 : 0;
		if (run == n) {
			uint64_t first = i + 1 - n;
			for (uint64_t j = first; j <= i; j++)
				set_used(j);
			nfree_bitmap -= n;
			spin_unlock(&pmm_lock);
			return base_ppn + first;
		}
	}
	spin_unlock(&pmm_lock);
	return 0;
}

uint64_t
pmm_free_pages(void)
{
	uint64_t n = nfree_bitmap;

	for (unsigned i = 0; i < MAX_HARTS; i++)
		n += harts[i].pmm_ncache;
	return n;
}

uint64_t
pmm_total_pages(void)
{
	return total;
}

int
pmm_is_ram(uint64_t pa, uint64_t size)
{
	uint64_t lo = base_ppn << PAGE_SHIFT, hi = (base_ppn + npages) << PAGE_SHIFT;

	return pa < hi && pa + size > lo;
}

void
pmm_zero(uint64_t ppn)
{
	memset(kmap(KMAP_DATA, ppn << PAGE_SHIFT), 0, PAGE_SIZE);
}
