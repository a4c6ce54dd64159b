/*
 * Boot entry.  OpenSBI fw_dynamic jumps to KERNEL_PA in S-mode, MMU off,
 * a0 = hart id, a1 = device-tree PA.  We map the kernel's gigapage twice
 * (identity, and at KERNEL_VA's gigapage) in early_root, turn on Sv39, jump
 * to the linked (high) address, clear bss and call kmain.
 * Secondary harts enter at secondary_entry (PA) from SBI HSM hart_start with
 * a1 = their hart index and take the same early mapping.
 *
 * OpenSBI 1.1 (Debian 12) can release a started hart before it has stored
 * the start address, so a secondary hart sometimes arrives at _start (the
 * cold-boot address) with a0 = its hart id.  The first hart to reach _start
 * claims the boot; a later one goes to hart_main_late on a small per-hart-id
 * stack instead of booting the kernel a second time.
 */
#include <kernel/memlayout.h>

	.section .text.boot, "ax"
	.globl _start
_start:
	mv	s0, a0
	mv	s1, a1
	lla	t0, boot_claimed
	li	t1, 1
	amoswap.w.aq t1, t1, (t0)
	bnez	t1, late_secondary
	call	early_mmu_on
	/* Now running at the high address. Clear bss. */
	la	t0, _bss
	la	t1, _end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:	la	sp, boot_stack_top
	mv	tp, zero
	mv	a0, s0
	mv	a1, s1
	call	kmain
3:	wfi
	j	3b

late_secondary:
	li	t0, MAX_HARTS
	bgeu	s0, t0, 6f		/* a hart id we have no stack for */
	call	early_mmu_on
	la	sp, late_stacks
	addi	t0, s0, 1
	slli	t0, t0, 12
	add	sp, sp, t0
	mv	tp, zero
	mv	a0, s0
	call	hart_main_late
6:	wfi
	j	6b

	.globl secondary_entry
secondary_entry:
	mv	s0, a0
	mv	s1, a1
	call	early_mmu_on
	/* sp = kstacks + (index + 1) * KSTACK_SIZE */
	la	sp, hart_kstacks
	addi	t0, s1, 1
	li	t1, KSTACK_SIZE
	mul	t0, t0, t1
	add	sp, sp, t0
	mv	tp, zero
	mv	a0, s0
	mv	a1, s1
	call	hart_main
4:	wfi
	j	4b

/* Turn on the early mapping and return to the caller's high address.
 * Clobbers t0-t4; ra is converted from low to high. */
early_mmu_on:
	lla	t0, early_root
	lla	t2, _start
	srli	t2, t2, 30		/* gigapage number of the kernel */
	slli	t3, t2, 28		/* PPN of that gigapage << 10 */
	ori	t3, t3, 0xcf		/* V R W X A D */
	slli	t4, t2, 3
	add	t4, t0, t4
	sd	t3, 0(t4)		/* identity */
	li	t4, 510 * 8
	add	t4, t0, t4
	sd	t3, 0(t4)		/* KERNEL_VA's gigapage */
	srli	t0, t0, 12
	li	t1, 8
	slli	t1, t1, 60
	or	t0, t0, t1
	sfence.vma
	csrw	satp, t0
	sfence.vma
	/* ra += KERNEL_OFFSET: return to the high alias */
	ld	t0, .Lkoff
	add	ra, ra, t0
	ret
	.balign 8
.Lkoff:	.dword	KERNEL_OFFSET

	.section .data
	.balign 4096
	.globl early_root
early_root:
	.zero	4096
boot_claimed:
	.word	0

	.section .bss
	.balign 16
	.globl boot_stack
boot_stack:
	.zero	KSTACK_SIZE
	.globl boot_stack_top
boot_stack_top:
	.balign 16
late_stacks:
	.zero	4096 * MAX_HARTS
