/* User entry: the kernel starts a task with sp at its arguments,
 * a0 = pointer to "name\0arg1\0...", a1 = their length. */
	.section .text.start, "ax"
	.globl _start
_start:
	.option push
	.option norelax
	lla	gp, __global_pointer$
	.option pop
	lla	tp, __tls_base
	andi	sp, sp, -16
	mv	s0, zero
	call	__ts_start
1:	j	1b
