/*
 * Address spaces and the kernel's window onto physical memory.
 *
 * kmap(slot, pa) returns a kernel pointer to physical address `pa` through
 * this hart's temporary gigapage slot `slot` (retargeted when needed, with
 * sfence.vma of that address only).  The pointer is valid until the next
 * kmap of the same slot on this hart.  Slots: KMAP_PT for page-table walks,
 * KMAP_DATA for data pages, KMAP_IPC_SRC/DST for the IPC areas of a sender and
 * a receiver.  The kernel never keeps a kmap pointer across a schedule.
 */
#ifndef KERNEL_VM_H
#define KERNEL_VM_H

#include <stddef.h>
#include <stdint.h>
#include <kernel/hart.h>
#include <kernel/memlayout.h>
#include <kernel/spinlock.h>

enum { KMAP_PT = 0, KMAP_DATA = 1, KMAP_IPC_SRC = 2, KMAP_IPC_DST = 3 };

struct vmspace {
	struct spinlock lock;	/* page tables: the owner's calls vs IPC delivery */
	uint64_t *root;		/* kernel VA (heap page) */
	uint64_t root_pa;
	uint64_t npages;	/* user pages mapped (data, not tables) */
};

void *kmap_retarget(int slot, uint64_t pa);

#ifdef TESSERA_HOST
/* Host unit tests: a pointer into a fake RAM buffer (tests/host/kstub.c). */
void *kmap(int slot, uint64_t pa);
#else
static inline void *
kmap(int slot, uint64_t pa)
{
#ifndef TESSERA_PHYS_SLOTS
	(void)slot;
	return (void *)(KVA_ROOT(KDMAP_ROOT) + pa);
#else
	struct hart *h = this_hart();

	if ((pa & ~(GIGA_SIZE - 1)) == h->slot_base[slot])
		return (void *)(h->slot_va[slot] + (pa & (GIGA_SIZE - 1)));
	return kmap_retarget(slot, pa);
#endif
}
#endif
void vm_init_kernel(void);	/* boot hart: build the kernel tables */
void vm_init_hart(void);	/* every hart: switch to its own root */
void *kmmio_map(uint64_t pa, uint64_t size);
void vm_switch(struct vmspace *vs);	/* NULL: the hart's kernel root */
void vm_leave_user(void);	/* to the kernel root unless already there */

int vm_create(struct vmspace *vs);
void vm_destroy(struct vmspace *vs);	/* frees every page and table */

/* Map/unmap/protect user pages.  Ranges are checked: page-aligned, inside
 * user space, no overflow.  Each is all-or-nothing. */
int vm_alloc(struct vmspace *vs, uint64_t va, uint64_t size, unsigned prot);
int vm_map_phys(struct vmspace *vs, uint64_t va, uint64_t pa, uint64_t size,
		unsigned prot, uint64_t pte_flags);
int vm_free(struct vmspace *vs, uint64_t va, uint64_t size);
int vm_protect(struct vmspace *vs, uint64_t va, uint64_t size, unsigned prot);

/* Copy between kernel buffers and a user range, checking every page is
 * mapped user-accessible with the needed permission.  0 or -ERR_FAULT. */
int vm_copyin(struct vmspace *vs, void *dst, uint64_t uva, size_t n);
int vm_copyout(struct vmspace *vs, uint64_t uva, const void *src, size_t n);
/* Copy physical bytes (e.g. from the boot image) into a user range that the
 * kernel mapped, ignoring user permissions. */
int vm_fill(struct vmspace *vs, uint64_t uva, uint64_t src_pa, size_t n);

int vm_check_range(uint64_t va, uint64_t size);

/*
 * Page transfers for IPC.  `from` is the running task's space.  Each checks
 * everything first and changes nothing on failure:
 * vm_xfer_check: every page of [va, va+size) is a mapped user page with
 *   `need` PTE bits, not device memory, and (if private_only) not shared.
 * vm_xfer: move (unmap from `from`), share (reference counted, both keep
 *   it) or copy (`len` bytes into fresh zeroed pages) into the unmapped range
 *   [to_va, to_va + roundup(size)) of `to` with `prot`.
 */
enum vm_xfer_mode { VM_MOVE, VM_SHARE, VM_COPY };
/* Take a reference on each mapped user page of [va, va+size) (not device
 * memory) and store its physical address; all or nothing.  The page's
 * mapping becomes a shared one, so unmapping it no longer frees it. */
int vm_pin(struct vmspace *vs, uint64_t va, uint64_t size, uint64_t *pa);
int vm_xfer_check(struct vmspace *vs, uint64_t va, uint64_t size, uint64_t need, int private_only);
int vm_xfer(enum vm_xfer_mode mode, struct vmspace *from, uint64_t va, uint64_t len,
	    struct vmspace *to, uint64_t to_va, unsigned prot);

#endif
