/*
 * Sv39 page tables: the kernel's own tables, per-hart gigapage slots to reach
 * physical memory, and user address spaces.
 *
 * Kernel tables are static (bss) so that they exist before any allocator:
 * the image (4 KiB pages, W^X), the heap (4 KiB pages) and device registers
 * (2 MiB pages).  Every root table shares them by pointer, so a change below
 * the root is seen by every address space.  The slots are root entries, one
 * per (hart, slot); a hart writes its slot entries into whichever root it
 * switches to (vm_switch), and retargets a slot in place (kmap).
 */
#include <stdint.h>
#include <tessera/abi.h>
#include <tessera/errors.h>
#include <kernel/hart.h>
#include <kernel/kheap.h>
#include <kernel/memlayout.h>
#include <kernel/pmm.h>
#include <kernel/printk.h>
#include <kernel/riscv.h>
#include <kernel/string.h>
#include <kernel/vm.h>

#define KIMAGE_L0S (KIMAGE_MAX / MEGA_SIZE)
#define KHEAP_L0S (KHEAP_SIZE / MEGA_SIZE)
#define PTE_KERN (PTE_V | PTE_A | PTE_D | PTE_G)

typedef uint64_t table_t[512] __attribute__((aligned(4096)));

static table_t kroot;
static table_t kimage_l1, kheap_l1, kmmio_l1;
static table_t kimage_l0[KIMAGE_L0S];
table_t kheap_l0[KHEAP_L0S];
static table_t hart_root[MAX_HARTS];
static uint64_t kmmio_next = KMMIO_BASE;

extern char _text[], _etext[], _rodata[], _erodata[], _data[], _end[];

static uint64_t
kva_to_pa(const void *va)
{
	return (uint64_t)va - KERNEL_OFFSET;
}

static uint64_t
table_pte(const void *table)
{
	return PTE_MAKE(kva_to_pa(table) >> PAGE_SHIFT, PTE_V);
}

#ifdef TESSERA_PHYS_SLOTS
/* Slow path of kmap(): point this hart's `slot` at the gigapage holding
 * `pa`, in the root in use, and flush that one address. */
void *
kmap_retarget(int slot, uint64_t pa)
{
	struct hart *h = this_hart();
	unsigned idx = KSLOT_ROOT + h->index * KSLOTS + (unsigned)slot;
	uint64_t va = KVA_ROOT(idx);
	uint64_t giga = pa & ~(GIGA_SIZE - 1);

	h->slot_pte[slot] = PTE_MAKE(giga >> PAGE_SHIFT, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
	h->slot_base[slot] = giga;
	h->slot_va[slot] = va;
	h->root[idx] = h->slot_pte[slot];
	sfence_vma_va(va);
	return (void *)(va + (pa - giga));
}
#endif

/* Boot hart, once: build kroot.  The early gigapage mapping is still on. */
void
vm_init_kernel(void)
{
	if ((uint64_t)_end - KERNEL_VA > KIMAGE_MAX)
		panic("vm_init_kernel: image larger than KIMAGE_MAX");
	kroot[KIMAGE_ROOT] = table_pte(kimage_l1);
	for (unsigned i = 0; i < KIMAGE_L0S; i++)
		kimage_l1[((KERNEL_VA >> 21) & 511) + i] = table_pte(kimage_l0[i]);
	for (uint64_t va = (uint64_t)_text; va < (uint64_t)_end; va += PAGE_SIZE) {
		uint64_t flags = PTE_KERN | PTE_R;
		if (va < (uint64_t)_etext)
			flags |= PTE_X;
		else if (va >= (uint64_t)_data)
			flags |= PTE_W;
		uint64_t off = va - KERNEL_VA;
		kimage_l0[off / MEGA_SIZE][(off / PAGE_SIZE) % 512] =
		    PTE_MAKE(kva_to_pa((void *)va) >> PAGE_SHIFT, flags);
	}
	kroot[KHEAP_ROOT] = table_pte(kheap_l1);
	for (unsigned i = 0; i < KHEAP_L0S; i++)
		kheap_l1[i] = table_pte(kheap_l0[i]);
	kroot[KMMIO_ROOT] = table_pte(kmmio_l1);
#ifndef TESSERA_PHYS_SLOTS
	for (uint64_t g = 0; g < KDMAP_GIGS; g++)
		kroot[KDMAP_ROOT + g] = PTE_MAKE(g << 18, PTE_KERN | PTE_R | PTE_W);
#endif
}

/* Each hart: switch from the early mapping to its own copy of kroot. */
void
vm_init_hart(void)
{
	struct hart *h = this_hart();

	memcpy(hart_root[h->index], kroot, sizeof(kroot));
	for (unsigned s = 0; s < KSLOTS; s++) {
		h->slot_pte[s] = 0;
		h->slot_base[s] = 1;	/* matches no gigapage */
	}
	vm_switch(NULL);
}

/* Map device registers [pa, pa+size) for the kernel, 2 MiB at a time. */
void *
kmmio_map(uint64_t pa, uint64_t size)
{
	uint64_t first = pa & ~(MEGA_SIZE - 1);
	uint64_t n = (pa + size - first + MEGA_SIZE - 1) / MEGA_SIZE;
	uint64_t va = kmmio_next;

	if (((va - KMMIO_BASE) / MEGA_SIZE) + n > 512)
		panic("kmmio_map: out of device space");
	for (uint64_t i = 0; i < n; i++)
		kmmio_l1[(va - KMMIO_BASE) / MEGA_SIZE + i] =
		    PTE_MAKE((first + i * MEGA_SIZE) >> PAGE_SHIFT, PTE_KERN | PTE_R | PTE_W);
	kmmio_next += n * MEGA_SIZE;
	sfence_vma_all();
	return (void *)(va + (pa - first));
}

void
vm_switch(struct vmspace *vs)
{
	struct hart *h = this_hart();
	uint64_t *root = vs ? vs->root : hart_root[h->index];
	uint64_t root_pa = vs ? vs->root_pa : kva_to_pa(hart_root[h->index]);

#ifdef TESSERA_PHYS_SLOTS
	for (unsigned s = 0; s < KSLOTS; s++)
		root[KSLOT_ROOT + h->index * KSLOTS + s] = h->slot_pte[s];
#endif
	h->root = root;
	csr_write(satp, SATP_SV39 | (root_pa >> PAGE_SHIFT));
	sfence_vma_all();
}

void
vm_leave_user(void)
{
	struct hart *h = this_hart();

	if (h->root != hart_root[h->index])
		vm_switch(NULL);
}

int
vm_create(struct vmspace *vs)
{
	vs->root = kheap_page_alloc(&vs->root_pa);
	if (!vs->root)
		return -ERR_NOMEM;
	memcpy(vs->root + 256, kroot + 256, 256 * sizeof(uint64_t));
	vs->npages = 0;
	vs->lock = (struct spinlock)SPINLOCK_INIT("vmspace");
	return 0;
}

int
vm_check_range(uint64_t va, uint64_t size)
{
	if ((va | size) & (PAGE_SIZE - 1) || size == 0)
		return -ERR_INVAL;
	if (va >= TS_USER_TOP || size > TS_USER_TOP - va)
		return -ERR_FAULT;
	return 0;
}

/* Level-0 PTE for `va`, through KMAP_PT (valid until the next KMAP_PT use);
 * with `alloc`, missing tables are created.  NULL if absent or out of
 * memory. */
static uint64_t *
walk(struct vmspace *vs, uint64_t va, int alloc)
{
	uint64_t *pte = &vs->root[(va >> 30) & 511];

	for (int level = 1; level >= 0; level--) {
		if (!(*pte & PTE_V)) {
			if (!alloc)
				return NULL;
			uint64_t ppn = pmm_alloc();
			if (!ppn)
				return NULL;
			pmm_zero(ppn);
			__atomic_thread_fence(__ATOMIC_RELEASE);
			*pte = PTE_MAKE(ppn, PTE_V);
		}
		uint64_t *table = kmap(KMAP_PT, PTE_PPN(*pte) << PAGE_SHIFT);
		pte = &table[(va >> (PAGE_SHIFT + 9 * level)) & 511];
	}
	return pte;
}

static int copy_user(struct vmspace *vs, uint64_t uva, void *kbuf, size_t n, int out);

static uint64_t
prot_bits(unsigned prot)
{
	uint64_t f = PTE_V | PTE_U | PTE_A | PTE_D;

	if (prot & MEM_R)
		f |= PTE_R;
	if (prot & MEM_W)
		f |= PTE_R | PTE_W;
	if (prot & MEM_X)
		f |= PTE_X;
	return f;
}

static int
prot_ok(unsigned prot)
{
	if (prot & ~(MEM_R | MEM_W | MEM_X))
		return 0;
	if (!(prot & (MEM_R | MEM_W | MEM_X)))
		return 0;
	return !((prot & MEM_W) && (prot & MEM_X));
}

static int
is_current(struct vmspace *vs)
{
	return this_hart()->root == vs->root;
}

static void
release(uint64_t pte)
{
	if (pte & PTE_DEVICE)
		return;
	if ((pte & PTE_SHARED) && page_unshare(PTE_PPN(pte)) > 0)
		return;
	pmm_free(PTE_PPN(pte));
}

/* 1 if every page of the range is mapped, 0 if none is, -1 if mixed. */
static int
range_mapped(struct vmspace *vs, uint64_t va, uint64_t size)
{
	int any = 0, all = 1;

	for (uint64_t a = va; a < va + size; a += PAGE_SIZE) {
		uint64_t *pte = walk(vs, a, 0);
		int m = pte && (*pte & PTE_V);
		any |= m;
		all &= m;
	}
	return all ? 1 : any ? -1 : 0;
}

static void
unmap_range(struct vmspace *vs, uint64_t va, uint64_t size)
{
	for (uint64_t a = va; a < va + size; a += PAGE_SIZE) {
		uint64_t *pte = walk(vs, a, 0);
		if (!pte || !(*pte & PTE_V))
			continue;
		uint64_t old = *pte;
		*pte = 0;
		vs->npages--;
		if (is_current(vs))
			sfence_vma_va(a);
		release(old);
	}
}

static int
map_phys_locked(struct vmspace *vs, uint64_t va, uint64_t pa, uint64_t size,
		unsigned prot, uint64_t pte_flags)
{
	int err = vm_check_range(va, size);

	if (err)
		return err;
	if (!prot_ok(prot))
		return -ERR_INVAL;
	if (range_mapped(vs, va, size) != 0)
		return -ERR_EXIST;
	for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
		uint64_t ppn = pa ? (pa + off) >> PAGE_SHIFT : pmm_alloc();
		uint64_t *pte = ppn ? walk(vs, va + off, 1) : NULL;
		if (!pte) {
			if (ppn && !pa)
				pmm_free(ppn);
			unmap_range(vs, va, off);
			return -ERR_NOMEM;
		}
		if (!pa)
			pmm_zero(ppn);
		*pte = PTE_MAKE(ppn, prot_bits(prot) | pte_flags);
		vs->npages++;
	}
	return 0;
}

int
vm_map_phys(struct vmspace *vs, uint64_t va, uint64_t pa, uint64_t size,
	    unsigned prot, uint64_t pte_flags)
{
	spin_lock(&vs->lock);
	int err = map_phys_locked(vs, va, pa, size, prot, pte_flags);
	spin_unlock(&vs->lock);
	return err;
}

int
vm_alloc(struct vmspace *vs, uint64_t va, uint64_t size, unsigned prot)
{
	return vm_map_phys(vs, va, 0, size, prot, 0);
}

int
vm_free(struct vmspace *vs, uint64_t va, uint64_t size)
{
	int err = vm_check_range(va, size);

	if (err)
		return err;
	spin_lock(&vs->lock);
	if (range_mapped(vs, va, size) != 1)
		err = -ERR_NOENT;
	else
		unmap_range(vs, va, size);
	spin_unlock(&vs->lock);
	return err;
}

int
vm_protect(struct vmspace *vs, uint64_t va, uint64_t size, unsigned prot)
{
	int err = vm_check_range(va, size);

	if (err)
		return err;
	if (!prot_ok(prot))
		return -ERR_INVAL;
	spin_lock(&vs->lock);
	if (range_mapped(vs, va, size) != 1) {
		spin_unlock(&vs->lock);
		return -ERR_NOENT;
	}
	for (uint64_t a = va; a < va + size; a += PAGE_SIZE) {
		uint64_t *pte = walk(vs, a, 0);
		*pte = PTE_MAKE(PTE_PPN(*pte), prot_bits(prot) | (*pte & (PTE_SHARED | PTE_DEVICE)));
		if (is_current(vs))
			sfence_vma_va(a);
	}
	spin_unlock(&vs->lock);
	return 0;
}

int
vm_xfer_check(struct vmspace *vs, uint64_t va, uint64_t size, uint64_t need, int private_only)
{
	uint64_t first = va & ~(PAGE_SIZE - 1);
	int err = 0;

	if (size == 0 || va >= TS_USER_TOP || size > TS_USER_TOP - va)
		return -ERR_FAULT;
	spin_lock(&vs->lock);
	for (uint64_t a = first; a < va + size && !err; a += PAGE_SIZE) {
		uint64_t *pte = walk(vs, a, 0);
		uint64_t want = PTE_V | PTE_U | need;
		if (!pte || (*pte & want) != want || (*pte & PTE_DEVICE))
			err = -ERR_FAULT;
		else if (private_only && (*pte & PTE_SHARED))
			err = -ERR_FAULT;
	}
	spin_unlock(&vs->lock);
	return err;
}

int
vm_pin(struct vmspace *vs, uint64_t va, uint64_t size, uint64_t *pa)
{
	int err = vm_check_range(va, size);

	if (err)
		return err;
	spin_lock(&vs->lock);
	for (uint64_t off = 0; off < size && !err; off += PAGE_SIZE) {
		uint64_t *pte = walk(vs, va + off, 0);
		if (!pte || (*pte & (PTE_V | PTE_U)) != (PTE_V | PTE_U) || (*pte & PTE_DEVICE))
			err = -ERR_FAULT;
	}
	for (uint64_t off = 0; off < size && !err; off += PAGE_SIZE) {
		uint64_t *pte = walk(vs, va + off, 0);
		if (page_share(PTE_PPN(*pte)) < 0) {
			/* Table full: undo the pins taken so far. */
			for (uint64_t back = 0; back < off; back += PAGE_SIZE)
				page_unshare(pa[back / PAGE_SIZE] >> PAGE_SHIFT);
			err = -ERR_NOMEM;
			break;
		}
		*pte |= PTE_SHARED;
		pa[off / PAGE_SIZE] = PTE_PPN(*pte) << PAGE_SHIFT;
	}
	spin_unlock(&vs->lock);
	return err;
}

/* Lock two spaces in address order (they may be the same). */
static void
lock_pair(struct vmspace *a, struct vmspace *b)
{
	if (a == b) {
		spin_lock(&a->lock);
	} else if (a < b) {
		spin_lock(&a->lock);
		spin_lock(&b->lock);
	} else {
		spin_lock(&b->lock);
		spin_lock(&a->lock);
	}
}

static void
unlock_pair(struct vmspace *a, struct vmspace *b)
{
	spin_unlock(&a->lock);
	if (a != b)
		spin_unlock(&b->lock);
}

int
vm_xfer(enum vm_xfer_mode mode, struct vmspace *from, uint64_t va, uint64_t len,
	struct vmspace *to, uint64_t to_va, unsigned prot)
{
	uint64_t size = (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	int err = vm_check_range(to_va, size);

	if (err)
		return err;
	if (!prot_ok(prot))
		return -ERR_INVAL;
	lock_pair(from, to);
	if (range_mapped(to, to_va, size) != 0) {
		err = -ERR_EXIST;
		goto out;
	}
	/* Create the receiver's tables first: past this point nothing fails. */
	for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
		if (!walk(to, to_va + off, 1)) {
			err = -ERR_NOMEM;
			goto out;
		}
	}
	if (mode == VM_COPY) {
		uint64_t n = size / PAGE_SIZE;
		uint64_t ppns[16];
		for (uint64_t base = 0; base < n; base += 16) {
			uint64_t k = n - base < 16 ? n - base : 16, got;
			for (got = 0; got < k; got++)
				if (!(ppns[got] = pmm_alloc()))
					break;
			if (got < k) {
				while (got)
					pmm_free(ppns[--got]);
				unmap_range(to, to_va, base * PAGE_SIZE);
				err = -ERR_NOMEM;
				goto out;
			}
			for (uint64_t i = 0; i < k; i++) {
				uint64_t off = (base + i) * PAGE_SIZE;
				uint64_t chunk = len - off < PAGE_SIZE ? len - off : PAGE_SIZE;
				uint8_t *dst = kmap(KMAP_DATA, ppns[i] << PAGE_SHIFT);
				memset(dst + chunk, 0, PAGE_SIZE - chunk);
				/* The source was checked readable under from->lock. */
				copy_user(from, va + off, dst, chunk, 0);
				uint64_t *pte = walk(to, to_va + off, 0);
				*pte = PTE_MAKE(ppns[i], prot_bits(prot));
				to->npages++;
			}
		}
		goto out;
	}
	for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
		uint64_t *spte = walk(from, va + off, 0);
		uint64_t old = *spte, ppn = PTE_PPN(old), flags = prot_bits(prot);
		if (mode == VM_MOVE) {
			*spte = 0;
			from->npages--;
			if (is_current(from))
				sfence_vma_va(va + off);
		} else {
			if (!(old & PTE_SHARED)) {
				*spte = old | PTE_SHARED;
				page_share(ppn);	/* count 2 */
			} else {
				page_share(ppn);
			}
			flags |= PTE_SHARED;
		}
		uint64_t *dpte = walk(to, to_va + off, 0);
		*dpte = PTE_MAKE(ppn, flags);
		to->npages++;
	}
out:
	unlock_pair(from, to);
	return err;
}

/* Physical address of user byte `uva` if its page is mapped for user access
 * with `need` (PTE_R or PTE_W), else 0. */
static uint64_t
user_pa(struct vmspace *vs, uint64_t uva, uint64_t need)
{
	if (uva >= TS_USER_TOP)
		return 0;
	uint64_t *pte = walk(vs, uva & ~(PAGE_SIZE - 1), 0);
	if (!pte || (*pte & (PTE_V | PTE_U | need)) != (PTE_V | PTE_U | need))
		return 0;
	return (PTE_PPN(*pte) << PAGE_SHIFT) | (uva & (PAGE_SIZE - 1));
}

static int
copy_user(struct vmspace *vs, uint64_t uva, void *kbuf, size_t n, int out)
{
	uint8_t *k = kbuf;

	if (uva >= TS_USER_TOP || n > TS_USER_TOP - uva)
		return -ERR_FAULT;
	while (n) {
		size_t chunk = PAGE_SIZE - (uva & (PAGE_SIZE - 1));
		if (chunk > n)
			chunk = n;
		uint64_t pa = user_pa(vs, uva, out ? PTE_W : PTE_R);
		if (!pa)
			return -ERR_FAULT;
		void *p = kmap(KMAP_DATA, pa);
		if (out)
			memcpy(p, k, chunk);
		else
			memcpy(k, p, chunk);
		k += chunk;
		uva += chunk;
		n -= chunk;
	}
	return 0;
}

int
vm_copyin(struct vmspace *vs, void *dst, uint64_t uva, size_t n)
{
	return copy_user(vs, uva, dst, n, 0);
}

int
vm_copyout(struct vmspace *vs, uint64_t uva, const void *src, size_t n)
{
	return copy_user(vs, uva, (void *)src, n, 1);
}

int
vm_fill(struct vmspace *vs, uint64_t uva, uint64_t src_pa, size_t n)
{
	while (n) {
		size_t chunk = PAGE_SIZE - (uva & (PAGE_SIZE - 1));
		if (chunk > n)
			chunk = n;
		uint64_t src_room = GIGA_SIZE - (src_pa & (GIGA_SIZE - 1));
		if (chunk > src_room)
			chunk = src_room;
		uint64_t *pte = walk(vs, uva & ~(PAGE_SIZE - 1), 0);
		if (!pte || !(*pte & PTE_V))
			return -ERR_FAULT;
		uint64_t dst_pa = (PTE_PPN(*pte) << PAGE_SHIFT) | (uva & (PAGE_SIZE - 1));
		const void *src = kmap(KMAP_PT, src_pa);
		memcpy(kmap(KMAP_DATA, dst_pa), src, chunk);
		uva += chunk;
		src_pa += chunk;
		n -= chunk;
	}
	return 0;
}

/* Free every user page and table of `vs`, then its root.  `vs` must not be
 * active on any hart. */
void
vm_destroy(struct vmspace *vs)
{
	for (unsigned i = 0; i < 256; i++) {
		uint64_t e1 = vs->root[i];
		if (!(e1 & PTE_V))
			continue;
		/* l1 stays valid: the inner loop only uses KMAP_DATA. */
		uint64_t *l1 = kmap(KMAP_PT, PTE_PPN(e1) << PAGE_SHIFT);
		for (unsigned j = 0; j < 512; j++) {
			uint64_t e0 = l1[j];
			if (!(e0 & PTE_V))
				continue;
			uint64_t *l0 = kmap(KMAP_DATA, PTE_PPN(e0) << PAGE_SHIFT);
			for (unsigned k = 0; k < 512; k++) {
				if (l0[k] & PTE_V) {
					release(l0[k]);
					vs->npages--;
				}
			}
			pmm_free(PTE_PPN(e0));
		}
		pmm_free(PTE_PPN(e1));
	}
	kheap_page_free(vs->root);
	vs->root = NULL;
}
