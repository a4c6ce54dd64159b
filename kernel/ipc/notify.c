/*
 * Notifications (software interrupts into user space) and hardware
 * interrupts delivered the same way.
 *
 * A notification is queued on the target (at most NOTIFY_QUEUE) and the
 * target is kicked: woken from io_wait, or sent an IPI if it runs on another
 * hart.  On its way back to user mode (notify_check) the kernel saves the
 * interrupted registers and enters the handler with a0 = source, a1 =
 * value on the notification stack; notify_return restores them.  The queue
 * and the io_wait sleep are both under ipc_lock, so a notification racing
 * io_wait is never lost.
 *
 * Interrupts: a privileged task reserves a PLIC source; several may share
 * one (PCI INTx).  The hart that claims it notifies the first sharer with
 * source IRQ_SOURCE(irq); that task completes it (PLIC complete) or defers it
 * to the next sharer; the last sharer's defer completes it.
 */
#include <stdint.h>
#include <tessera/abi.h>
#include <tessera/errors.h>
#include <kernel/hart.h>
#include <kernel/ipc.h>
#include <kernel/ipc_route.h>
#include <kernel/platform.h>
#include <kernel/printk.h>
#include <kernel/riscv.h>
#include <kernel/string.h>
#include <kernel/task.h>
#include <kernel/vm.h>

#define IRQ_SHARERS 4

static volatile uint32_t *plic;
static unsigned plic_ndev;

static struct {
	long owner[IRQ_SHARERS];	/* tids; 0 = free */
	unsigned n;
	int cur;			/* sharer handling it, -1 = idle */
} lines[IRQ_MAX + 1];

/* ipc_lock held. */
int
notify_queue(struct task *t, uint64_t src, uint64_t value)
{
	struct ipc_state *s = t->ipc;

	if (!s || !s->notify_entry)
		return -ERR_NOTSUP;
	if (s->nq_head - s->nq_tail >= NOTIFY_QUEUE)
		return -ERR_AGAIN;
	s->nq_src[s->nq_head % NOTIFY_QUEUE] = src;
	s->nq_val[s->nq_head % NOTIFY_QUEUE] = value;
	s->nq_head++;
	t->notify_pending = 1;
	spin_lock(&sched_lock);
	if (t->state == TASK_RUNNING && t->hart != this_hart()->index)
		hart_send_ipi(t->hart);
	spin_unlock(&sched_lock);
	ipc_wake(t);
	return 0;
}

long
ipc_notify_set(struct task *t, uint64_t entry, uint64_t stack)
{
	if (!t->ipc)
		return -ERR_INVAL;
	if ((entry || stack) && (!entry || !stack || entry >= TS_USER_TOP ||
				 stack > TS_USER_TOP || (stack & 15)))
		return -ERR_INVAL;
	spin_lock(&ipc_lock);
	t->ipc->notify_entry = entry;
	t->ipc->notify_stack = stack;
	spin_unlock(&ipc_lock);
	return 0;
}

long
ipc_notify(struct task *t, long tid, uint64_t value)
{
	long err;

	spin_lock(&ipc_lock);
	spin_lock(&sched_lock);
	struct task *x = task_lookup(tid);
	if (!x || x->state == TASK_ZOMBIE)
		err = -ERR_SRCH;
	else if (!(t->priv || x->group == t->group || x->parent == t->tid || t->parent == x->tid))
		err = -ERR_PERM;
	else if (!x->ipc)
		err = -ERR_NOTSUP;
	else
		err = 0;
	spin_unlock(&sched_lock);
	/* x has an IPC area and we hold ipc_lock: it cannot go away. */
	if (!err)
		err = notify_queue(x, (uint64_t)t->tid, value);
	spin_unlock(&ipc_lock);
	return err;
}

/* On the way to user mode, no lock held: enter the handler if a
 * notification waits and the task is not already in it. */
void
notify_check(struct task *t)
{
	if (!t->notify_pending)
		return;
	spin_lock(&ipc_lock);
	struct ipc_state *s = t->ipc;
	if (s && !s->in_handler && s->nq_head != s->nq_tail) {
		memcpy(s->saved, &t->frame, sizeof(s->saved));
		t->frame.x[10] = s->nq_src[s->nq_tail % NOTIFY_QUEUE];
		t->frame.x[11] = s->nq_val[s->nq_tail % NOTIFY_QUEUE];
		t->frame.x[2] = s->notify_stack;
		t->frame.sepc = s->notify_entry;
		s->nq_tail++;
		s->in_handler = 1;
	}
	t->notify_pending = s && s->nq_head != s->nq_tail;
	spin_unlock(&ipc_lock);
}

void
ipc_notify_return(struct task *t)
{
	spin_lock(&ipc_lock);
	struct ipc_state *s = t->ipc;
	if (!s || !s->in_handler) {
		spin_unlock(&ipc_lock);
		t->frame.x[10] = (uint64_t)-ERR_INVAL;
		sched_return();
	}
	memcpy(&t->frame, s->saved, sizeof(s->saved));
	s->in_handler = 0;
	t->notify_pending = s->nq_head != s->nq_tail;
	spin_unlock(&ipc_lock);
	sched_return();
}

static unsigned
s_context(unsigned long hartid)
{
	return 2 * (unsigned)hartid + 1;	/* QEMU virt: M, S per hart */
}

static void
plic_enable(unsigned irq, int on)
{
	for (unsigned h = 0; h < nharts; h++) {
		volatile uint32_t *en = plic + (0x2000 + 0x80 * s_context(harts[h].hartid)) / 4;
		if (on)
			en[irq / 32] |= 1u << (irq % 32);
		else
			en[irq / 32] &= ~(1u << (irq % 32));
	}
	plic[irq] = on ? 1 : 0;	/* priority */
}

void
plic_init(void)
{
	if (!plat.plic_base)
		return;
	plic = kmmio_map(plat.plic_base, plat.plic_size);
	plic_ndev = plat.plic_ndev;
	for (unsigned i = 0; i <= IRQ_MAX; i++)
		lines[i].cur = -1;
}

void
plic_hart_init(void)
{
	if (plic)
		plic[(0x200000 + 0x1000 * s_context(this_hart()->hartid)) / 4] = 0;
}

static volatile uint32_t *
claim_reg(void)
{
	return plic + (0x200004 + 0x1000 * s_context(this_hart()->hartid)) / 4;
}

/* ipc_lock held: give interrupt `irq` to its current sharer, or complete it
 * when none is left. */
static void
irq_deliver(unsigned irq)
{
	while (lines[irq].cur >= 0 && (unsigned)lines[irq].cur < lines[irq].n) {
		long tid = lines[irq].owner[lines[irq].cur];
		struct task *t = ipc_task(tid);
		if (t && notify_queue(t, IRQ_SOURCE(irq), irq) == 0)
			return;
		lines[irq].cur++;
	}
	lines[irq].cur = -1;
	*claim_reg() = irq;	/* complete */
}

void
plic_handle(void)
{
	if (!plic)
		return;
	uint32_t irq = *claim_reg();
	if (irq == 0)
		return;
	spin_lock(&ipc_lock);
	if (irq > IRQ_MAX || lines[irq].n == 0) {
		*claim_reg() = irq;
	} else {
		lines[irq].cur = 0;
		irq_deliver(irq);
	}
	spin_unlock(&ipc_lock);
}

long
irq_reserve(struct task *t, unsigned irq)
{
	if (!task_may(t, GRANT_IRQ, irq, 1))
		return -ERR_PERM;
	if (!plic || irq == 0 || irq > IRQ_MAX || irq >= plic_ndev + 1)
		return -ERR_INVAL;
	spin_lock(&ipc_lock);
	long err = 0;
	if (!t->ipc || !t->ipc->notify_entry)
		err = -ERR_INVAL;
	else if (lines[irq].n == IRQ_SHARERS)
		err = -ERR_BUSY;
	for (unsigned i = 0; !err && i < lines[irq].n; i++)
		if (lines[irq].owner[i] == t->tid)
			err = -ERR_EXIST;
	if (!err) {
		lines[irq].owner[lines[irq].n++] = t->tid;
		if (lines[irq].n == 1)
			plic_enable(irq, 1);
	}
	spin_unlock(&ipc_lock);
	return err;
}

static long
irq_pass(struct task *t, unsigned irq, int defer)
{
	if (irq == 0 || irq > IRQ_MAX)
		return -ERR_INVAL;
	spin_lock(&ipc_lock);
	long err = 0;
	int cur = lines[irq].cur;
	if (cur < 0 || (unsigned)cur >= lines[irq].n || lines[irq].owner[cur] != t->tid) {
		err = -ERR_PERM;
	} else if (defer) {
		lines[irq].cur++;
		irq_deliver(irq);
	} else {
		lines[irq].cur = -1;
		*claim_reg() = irq;
	}
	spin_unlock(&ipc_lock);
	return err;
}

long
irq_complete(struct task *t, unsigned irq)
{
	return irq_pass(t, irq, 0);
}

long
irq_defer(struct task *t, unsigned irq)
{
	return irq_pass(t, irq, 1);
}

/* ipc_lock held: `t` ends; its lines lose it (an interrupt it was handling
 * goes on to the next sharer). */
void
irq_task_exit(struct task *t)
{
	for (unsigned irq = 1; irq <= IRQ_MAX; irq++) {
		for (unsigned i = 0; i < lines[irq].n; i++) {
			if (lines[irq].owner[i] != t->tid)
				continue;
			int was_cur = lines[irq].cur == (int)i;
			memmove(&lines[irq].owner[i], &lines[irq].owner[i + 1],
				(lines[irq].n - i - 1) * sizeof(long));
			lines[irq].n--;
			if (lines[irq].cur > (int)i)
				lines[irq].cur--;
			if (was_cur)
				irq_deliver(irq);
			if (lines[irq].n == 0)
				plic_enable(irq, 0);
			break;
		}
	}
}
