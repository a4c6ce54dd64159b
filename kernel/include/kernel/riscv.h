/* RISC-V privileged-architecture definitions used by the kernel. */
#ifndef KERNEL_RISCV_H
#define KERNEL_RISCV_H

#include <stdint.h>

#define SSTATUS_SIE	(1ul << 1)
#define SSTATUS_SPIE	(1ul << 5)
#define SSTATUS_SPP	(1ul << 8)
#define SSTATUS_FS	(3ul << 13)
#define SSTATUS_SUM	(1ul << 18)

#define SIE_SSIE	(1ul << 1)
#define SIE_STIE	(1ul << 5)
#define SIE_SEIE	(1ul << 9)
#define SIP_SSIP	(1ul << 1)
#define SIP_STIP	(1ul << 5)
#define SIP_SEIP	(1ul << 9)

#define SCAUSE_INTR	(1ul << 63)
#define IRQ_S_SOFT	1
#define IRQ_S_TIMER	5
#define IRQ_S_EXT	9

#define EXC_INSN_MISALIGNED	0
#define EXC_INSN_ACCESS		1
#define EXC_ILLEGAL		2
#define EXC_BREAKPOINT		3
#define EXC_LOAD_MISALIGNED	4
#define EXC_LOAD_ACCESS		5
#define EXC_STORE_MISALIGNED	6
#define EXC_STORE_ACCESS	7
#define EXC_ECALL_U		8
#define EXC_INSN_PAGE		12
#define EXC_LOAD_PAGE		13
#define EXC_STORE_PAGE		15

/* Sv39 page-table entries (privileged spec 4.4). */
#define PTE_V	(1ul << 0)
#define PTE_R	(1ul << 1)
#define PTE_W	(1ul << 2)
#define PTE_X	(1ul << 3)
#define PTE_U	(1ul << 4)
#define PTE_G	(1ul << 5)
#define PTE_A	(1ul << 6)
#define PTE_D	(1ul << 7)
#define PTE_SHARED (1ul << 8)	/* RSW: page is reference counted */
#define PTE_DEVICE (1ul << 9)	/* RSW: device memory, never freed */
#define PTE_PPN_SHIFT 10
#define PTE_PPN(pte)  (((pte) >> PTE_PPN_SHIFT) & ((1ul << 44) - 1))
#define PTE_MAKE(ppn, flags) (((uint64_t)(ppn) << PTE_PPN_SHIFT) | (flags))
#define SATP_SV39	(8ul << 60)

#define csr_read(csr) ({ uint64_t v_; __asm__ volatile("csrr %0, " #csr : "=r"(v_)); v_; })
#define csr_write(csr, v) __asm__ volatile("csrw " #csr ", %0" :: "r"((uint64_t)(v)) : "memory")
#define csr_set(csr, v) __asm__ volatile("csrs " #csr ", %0" :: "r"((uint64_t)(v)) : "memory")
#define csr_clear(csr, v) __asm__ volatile("csrc " #csr ", %0" :: "r"((uint64_t)(v)) : "memory")

static inline uint64_t
rdtime(void)
{
	uint64_t t;
	__asm__ volatile("rdtime %0" : "=r"(t));
	return t;
}

static inline void
sfence_vma_all(void)
{
	__asm__ volatile("sfence.vma" ::: "memory");
}

static inline void
sfence_vma_va(uint64_t va)
{
	__asm__ volatile("sfence.vma %0, zero" :: "r"(va) : "memory");
}

static inline void
wfi(void)
{
	__asm__ volatile("wfi" ::: "memory");
}

#endif
