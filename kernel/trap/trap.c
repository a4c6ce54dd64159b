/*
 * Trap dispatch.  Traps from user mode arrive in trap_user() on the hart's
 * kernel stack with the task's registers saved in its trapframe; every path
 * leaves through sched_return()/schedule(), never by returning.
 */
#include <stdint.h>
#include <tessera/errors.h>
#include <kernel/hart.h>
#include <kernel/ipc.h>
#include <kernel/printk.h>
#include <kernel/riscv.h>
#include <kernel/syscall.h>
#include <kernel/task.h>

void trap_user(struct hart *h) __attribute__((noreturn));
void trap_kernel(struct trapframe *f);

static const char *
exc_name(uint64_t code, int *err)
{
	*err = ERR_PGFAULT;
	switch (code) {
	case EXC_INSN_MISALIGNED:
		*err = ERR_MISALIGN;
		return "misaligned instruction fetch";
	case EXC_INSN_ACCESS:
		return "instruction access fault";
	case EXC_ILLEGAL:
		*err = ERR_ILLINSN;
		return "illegal instruction";
	case EXC_BREAKPOINT:
		*err = ERR_ILLINSN;
		return "breakpoint";
	case EXC_LOAD_MISALIGNED:
		*err = ERR_MISALIGN;
		return "misaligned load";
	case EXC_LOAD_ACCESS:
		return "load access fault";
	case EXC_STORE_MISALIGNED:
		*err = ERR_MISALIGN;
		return "misaligned store";
	case EXC_STORE_ACCESS:
		return "store access fault";
	case EXC_INSN_PAGE:
		return "instruction page fault";
	case EXC_LOAD_PAGE:
		return "load page fault";
	case EXC_STORE_PAGE:
		return "store page fault";
	default:
		*err = ERR_ILLINSN;
		return "unexpected exception";
	}
}

void
task_fault(struct task *t, int err, const char *what, uint64_t addr)
{
	printk("task %s (tid %ld) killed: %s (addr %p, pc %p)\n", t->name, t->tid, what,
	       (void *)addr, (void *)t->frame.sepc);
	task_exit(t, -err);
}

void
trap_user(struct hart *h)
{
	uint64_t cause = csr_read(scause);
	struct task *t = h->cur;

	if (cause & SCAUSE_INTR) {
		switch (cause & ~SCAUSE_INTR) {
		case IRQ_S_TIMER:
			sched_tick();
		case IRQ_S_SOFT:
			sched_ipi();
		case IRQ_S_EXT:
			plic_handle();
			sched_ipi();
		default:
			sched_return();
		}
	}
	if (cause == EXC_ECALL_U) {
		t->frame.sepc += 4;
		syscall_dispatch(t);
		sched_return();
	}
	int err;
	const char *what = exc_name(cause, &err);
	task_fault(t, err, what, csr_read(stval));
}

/* The kernel itself trapped: it runs with interrupts off, so this is a bug. */
void
trap_kernel(struct trapframe *f)
{
	(void)f;
	int err;
	uint64_t cause = csr_read(scause);
	panic("kernel trap: %s (scause %lx)",
	      (cause & SCAUSE_INTR) ? "interrupt" : exc_name(cause, &err), cause);
}
