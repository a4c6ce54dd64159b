/*
 * The Sv39 memory map and kernel tunables (one place, like xv6 memlayout.h).
 *
 * User space: [0, 0x40_0000_0000) -- 256 GiB, laid out by the task itself.
 * Kernel (upper half, each a root-table index of 1 GiB):
 *   320..383              direct map of physical [0, 64 GiB) in gigapages:
 *                         how the kernel reaches RAM (kmap)
 *   256 + 4*hart + slot   per-hart temporary gigapage slots, used instead of
 *                         the direct map in TESSERA_PHYS_SLOTS builds
 *                         (tessera-slots.elf); see docs/performance.md
 *   508  KMMIO            device registers the kernel uses (2 MiB pages)
 *   509  KHEAP            kernel heap: task structs, root page tables
 *   510  KIMAGE           the kernel image, W^X in 4 KiB pages
 */
#ifndef KERNEL_MEMLAYOUT_H
#define KERNEL_MEMLAYOUT_H

#define PAGE_SIZE	4096ul
#define PAGE_SHIFT	12
#define MEGA_SIZE	(1ul << 21)
#define GIGA_SIZE	(1ul << 30)

#define KERNEL_PA	0x80200000ul
#define KERNEL_VA	0xffffffff80200000ul
#define KERNEL_OFFSET	(KERNEL_VA - KERNEL_PA)

#define ROOT_IDX(va)	(((va) >> 30) & 511)
#define KVA_ROOT(idx)	(0xffffffc000000000ul + ((unsigned long)((idx) - 256) << 30))

#define KSLOT_ROOT	256
#define KSLOTS		4		/* slots per hart */
#define KDMAP_ROOT	320
#define KDMAP_GIGS	64
#define KMMIO_ROOT	508
#define KHEAP_ROOT	509
#define KIMAGE_ROOT	510

#define KMMIO_BASE	KVA_ROOT(KMMIO_ROOT)
#define KHEAP_BASE	KVA_ROOT(KHEAP_ROOT)
#define KHEAP_SIZE	(64ul << 20)	/* 32 static level-0 tables */
#define KIMAGE_MAX	(8ul << 20)	/* kernel image, bss included */

#define MAX_HARTS	8
#define MAX_RAM		(4ul << 30)	/* bitmap covers this much RAM */
#define MAX_TASKS	4096
#define KSTACK_SIZE	16384ul

#define SCHED_QUANTUM_US 10000	/* pre-emption time slice */
#define PMM_CACHE_MAX	64	/* per-hart free-page stack */
#define PMM_CACHE_BATCH	32	/* pages moved to/from the bitmap at once */

#endif
