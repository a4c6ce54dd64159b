/*
 * Kernel heap in the KHEAP region.
 *
 * Pages: a bump pointer over the region plus a free list of pages that were
 * released; a released page keeps its physical page and mapping, so no other
 * hart can hold a stale translation for it (no TLB shoot-down is needed).
 * The heap therefore keeps its high-water mark; INFO_KHEAP_BYTES reports
 * what is in use so that tests can check for leaks.
 * Objects: power-of-two classes of 32..2048 bytes carved from pages; the
 * class of each page is kept in page_class[].
 */
#include <stdint.h>
#include <kernel/kheap.h>
#include <kernel/memlayout.h>
#include <kernel/pmm.h>
#include <kernel/printk.h>
#include <kernel/riscv.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>

#define KHEAP_PAGES (KHEAP_SIZE / PAGE_SIZE)
#define NCLASSES 7	/* 32 .. 2048 */
#define CLASS_PAGE 0xff

extern uint64_t kheap_l0[][512];

struct free_obj {
	struct free_obj *next;
};

static struct spinlock kheap_lock = SPINLOCK_INIT("kheap");
static uint64_t next_page;		/* pages ever mapped */
static struct free_obj *free_pages;
static struct free_obj *free_objs[NCLASSES];
static uint8_t page_class[KHEAP_PAGES];
static uint64_t bytes_in_use;

void
kheap_init(void)
{
	next_page = 0;
}

static uint64_t *
pte_of(uint64_t idx)
{
	return &kheap_l0[idx / 512][idx % 512];
}

/* kheap_lock held. */
static void *
page_get(void)
{
	if (free_pages) {
		struct free_obj *o = free_pages;
		free_pages = o->next;
		return o;
	}
	if (next_page == KHEAP_PAGES)
		return NULL;
	uint64_t ppn = pmm_alloc();
	if (!ppn)
		return NULL;
	*pte_of(next_page) = PTE_MAKE(ppn, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D | PTE_G);
	void *va = (void *)(KHEAP_BASE + next_page * PAGE_SIZE);
	next_page++;
	sfence_vma_va((uint64_t)va);
	return va;
}

void *
kheap_page_alloc(uint64_t *pa)
{
	spin_lock(&kheap_lock);
	void *va = page_get();
	if (va) {
		uint64_t idx = ((uint64_t)va - KHEAP_BASE) / PAGE_SIZE;
		page_class[idx] = CLASS_PAGE;
		bytes_in_use += PAGE_SIZE;
		if (pa)
			*pa = PTE_PPN(*pte_of(idx)) << PAGE_SHIFT;
	}
	spin_unlock(&kheap_lock);
	if (va)
		memset(va, 0, PAGE_SIZE);
	return va;
}

static uint64_t
page_index(const void *va)
{
	uint64_t idx = ((uint64_t)va - KHEAP_BASE) / PAGE_SIZE;

	if ((uint64_t)va < KHEAP_BASE || idx >= next_page)
		panic("kheap: %p is not a heap address", va);
	return idx;
}

void
kheap_page_free(void *va)
{
	uint64_t idx = page_index(va);

	if (((uint64_t)va & (PAGE_SIZE - 1)) || page_class[idx] != CLASS_PAGE)
		panic("kheap_page_free: %p is not a heap page", va);
	spin_lock(&kheap_lock);
	page_class[idx] = 0;
	bytes_in_use -= PAGE_SIZE;
	struct free_obj *o = va;
	o->next = free_pages;
	free_pages = o;
	spin_unlock(&kheap_lock);
}

static int
class_of(size_t size)
{
	int c = 0;

	while ((32ul << c) < size)
		c++;
	return c;
}

void *
kmalloc(size_t size)
{
	if (size > 2048)
		return size <= PAGE_SIZE ? kheap_page_alloc(NULL) : NULL;
	int c = class_of(size);
	size_t osize = 32ul << c;

	spin_lock(&kheap_lock);
	if (!free_objs[c]) {
		uint8_t *page = page_get();
		if (!page) {
			spin_unlock(&kheap_lock);
			return NULL;
		}
		page_class[((uint64_t)page - KHEAP_BASE) / PAGE_SIZE] = (uint8_t)(c + 1);
		for (size_t off = 0; off < PAGE_SIZE; off += osize) {
			struct free_obj *o = (struct free_obj *)(page + off);
			o->next = free_objs[c];
			free_objs[c] = o;
		}
	}
	struct free_obj *o = free_objs[c];
	free_objs[c] = o->next;
	bytes_in_use += osize;
	spin_unlock(&kheap_lock);
	memset(o, 0, osize);
	return o;
}

void
kfree(void *p)
{
	if (!p)
		return;
	uint64_t idx = page_index(p);
	if (page_class[idx] == CLASS_PAGE) {
		kheap_page_free(p);
		return;
	}
	if (page_class[idx] == 0 || page_class[idx] > NCLASSES)
		panic("kfree: %p in a page that holds no objects", p);
	int c = page_class[idx] - 1;
	spin_lock(&kheap_lock);
	struct free_obj *o = p;
	o->next = free_objs[c];
	free_objs[c] = o;
	bytes_in_use -= 32ul << c;
	spin_unlock(&kheap_lock);
}

uint64_t
kheap_pages(void)
{
	return next_page;
}

uint64_t
kheap_bytes_in_use(void)
{
	return bytes_in_use;
}
