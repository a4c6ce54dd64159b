/*
 * Physical page allocator: a bitmap of free pages (1 = free) for all RAM,
 * in front of it a per-hart stack of recently freed page numbers that every
 * hart uses without a lock.  Pages are private unless shared: shared pages
 * are counted in a small table (mm/refcnt.c) and private pages pay nothing.
 */
#ifndef KERNEL_PMM_H
#define KERNEL_PMM_H

#include <stddef.h>
#include <stdint.h>

struct platform;

void pmm_init(const struct platform *p, uint64_t kernel_end_pa,
	      uint64_t dtb_pa, uint64_t dtb_size);
/* Returns a page number (not zeroed) or 0 when memory is exhausted. */
uint64_t pmm_alloc(void);
/* Same, but bypassing the hart's cache (for the benchmark). */
uint64_t pmm_alloc_uncached(void);
void pmm_free(uint64_t ppn);
void pmm_free_uncached(uint64_t ppn);
/* `n` physically contiguous pages; first page number or 0. */
uint64_t pmm_alloc_contig(size_t n);
uint64_t pmm_free_pages(void);
uint64_t pmm_total_pages(void);
int pmm_is_ram(uint64_t pa, uint64_t size);
/* Zero physical page `ppn` through a kernel slot. */
void pmm_zero(uint64_t ppn);

/* Reference counts of shared pages (mm/refcnt.c). */
int page_share(uint64_t ppn);	/* +1; a private page becomes shared (2) */
int page_unshare(uint64_t ppn);	/* -1; returns references left */

#endif
