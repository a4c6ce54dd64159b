/*
 * Trap entry and return.
 *
 * In user mode sscratch holds this hart's struct hart; in kernel mode it is
 * zero.  A user trap saves all registers into hart->frame (the running
 * task's trapframe), loads the hart's kernel stack and calls trap_user(),
 * which never returns: it leaves through user_return() or the idle loop.
 * A kernel trap (a kernel bug: the kernel runs with interrupts off) saves
 * registers on the current stack and calls trap_kernel().
 */
#define R(n) ((n) * 8)

	.section .text
	.balign 4
	.globl trap_vector
trap_vector:
	csrrw	t0, sscratch, t0
	beqz	t0, from_kernel
	sd	t1, 0(t0)		/* hart->scratch = user t1 */
	ld	t1, 8(t0)		/* t1 = hart->frame */
	sd	x1, R(1)(t1)
	sd	x2, R(2)(t1)
	sd	x3, R(3)(t1)
	sd	x4, R(4)(t1)
	sd	x7, R(7)(t1)
	sd	x8, R(8)(t1)
	sd	x9, R(9)(t1)
	sd	x10, R(10)(t1)
	sd	x11, R(11)(t1)
	sd	x12, R(12)(t1)
	sd	x13, R(13)(t1)
	sd	x14, R(14)(t1)
	sd	x15, R(15)(t1)
	sd	x16, R(16)(t1)
	sd	x17, R(17)(t1)
	sd	x18, R(18)(t1)
	sd	x19, R(19)(t1)
	sd	x20, R(20)(t1)
	sd	x21, R(21)(t1)
	sd	x22, R(22)(t1)
	sd	x23, R(23)(t1)
	sd	x24, R(24)(t1)
	sd	x25, R(25)(t1)
	sd	x26, R(26)(t1)
	sd	x27, R(27)(t1)
	sd	x28, R(28)(t1)
	sd	x29, R(29)(t1)
	sd	x30, R(30)(t1)
	sd	x31, R(31)(t1)
	ld	t2, 0(t0)
	sd	t2, R(6)(t1)		/* user t1 */
	csrr	t2, sscratch
	sd	t2, R(5)(t1)		/* user t0 */
	csrw	sscratch, zero
	csrr	t2, sepc
	sd	t2, R(32)(t1)
	mv	tp, t0
	mv	a0, t0
	ld	sp, 16(t0)
	mv	s0, zero		/* end of the frame-pointer chain */
	call	trap_user
1:	j	1b

from_kernel:
	csrrw	t0, sscratch, t0	/* restore t0; sscratch = 0 again */
	addi	sp, sp, -R(34)
	sd	x1, R(1)(sp)
	sd	x5, R(5)(sp)
	sd	x6, R(6)(sp)
	sd	x7, R(7)(sp)
	sd	x8, R(8)(sp)
	sd	x10, R(10)(sp)
	sd	x11, R(11)(sp)
	sd	x12, R(12)(sp)
	sd	x13, R(13)(sp)
	sd	x14, R(14)(sp)
	sd	x15, R(15)(sp)
	sd	x16, R(16)(sp)
	sd	x17, R(17)(sp)
	sd	x28, R(28)(sp)
	sd	x29, R(29)(sp)
	sd	x30, R(30)(sp)
	sd	x31, R(31)(sp)
	csrr	t0, sepc
	sd	t0, R(32)(sp)
	mv	a0, sp
	call	trap_kernel
	ld	t0, R(32)(sp)
	csrw	sepc, t0
	ld	x1, R(1)(sp)
	ld	x5, R(5)(sp)
	ld	x6, R(6)(sp)
	ld	x7, R(7)(sp)
	ld	x8, R(8)(sp)
	ld	x10, R(10)(sp)
	ld	x11, R(11)(sp)
	ld	x12, R(12)(sp)
	ld	x13, R(13)(sp)
	ld	x14, R(14)(sp)
	ld	x15, R(15)(sp)
	ld	x16, R(16)(sp)
	ld	x17, R(17)(sp)
	ld	x28, R(28)(sp)
	ld	x29, R(29)(sp)
	ld	x30, R(30)(sp)
	ld	x31, R(31)(sp)
	addi	sp, sp, R(34)
	sret

/* void user_return(struct trapframe *f): tp = this hart. */
	.globl user_return
user_return:
	csrw	sscratch, tp
	li	t0, 0x100		/* sstatus.SPP = 0: return to U-mode */
	csrc	sstatus, t0
	ld	t0, R(32)(a0)
	csrw	sepc, t0
	ld	x1, R(1)(a0)
	ld	x2, R(2)(a0)
	ld	x3, R(3)(a0)
	ld	x4, R(4)(a0)
	ld	x5, R(5)(a0)
	ld	x6, R(6)(a0)
	ld	x7, R(7)(a0)
	ld	x8, R(8)(a0)
	ld	x9, R(9)(a0)
	ld	x11, R(11)(a0)
	ld	x12, R(12)(a0)
	ld	x13, R(13)(a0)
	ld	x14, R(14)(a0)
	ld	x15, R(15)(a0)
	ld	x16, R(16)(a0)
	ld	x17, R(17)(a0)
	ld	x18, R(18)(a0)
	ld	x19, R(19)(a0)
	ld	x20, R(20)(a0)
	ld	x21, R(21)(a0)
	ld	x22, R(22)(a0)
	ld	x23, R(23)(a0)
	ld	x24, R(24)(a0)
	ld	x25, R(25)(a0)
	ld	x26, R(26)(a0)
	ld	x27, R(27)(a0)
	ld	x28, R(28)(a0)
	ld	x29, R(29)(a0)
	ld	x30, R(30)(a0)
	ld	x31, R(31)(a0)
	ld	x10, R(10)(a0)
	sret

/* void schedule(void): restart on a fresh kernel stack, then pick a task.
 * Nothing on the old stack is needed: every path that calls it has saved
 * what it needs in the task or hart. */
	.globl schedule
schedule:
	ld	sp, 16(tp)
	mv	s0, zero
	j	schedule_inner
