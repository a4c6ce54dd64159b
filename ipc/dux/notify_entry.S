/*
 * Notification entry: the kernel enters here on the stack given to
 * notify_set with a0 = source, a1 = value (see syscalls.def, notify_set).
 * Call the C handler, then leave through notify_return, which resumes the
 * interrupted code with all its registers; this stub never returns.
 */
	.text
	.globl	dux_notify_entry
	.type	dux_notify_entry, @function
dux_notify_entry:
	.option push
	.option norelax
	lla	gp, __global_pointer$
	.option pop
	lla	tp, __tls_base
	mv	s0, zero		/* end of the frame chain for backtraces */
	la	t0, dux_notify_fn
	ld	t0, 0(t0)
	beqz	t0, 1f
	jalr	t0
1:	li	a7, 27			/* SYS_notify_return */
	ecall
2:	j	2b
	.size	dux_notify_entry, . - dux_notify_entry
