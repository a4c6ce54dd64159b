/*
 * Scheduler: pre-emptive, fair per group first, then per task, on all harts.
 *
 * Each hart has a run queue of the runnable tasks waiting for it.  A hart
 * picks the task whose group has used the least CPU time (group vruntime,
 * shared by all harts, so fairness between groups holds across harts), and
 * within that group the task that has used the least (task vruntime).  At
 * each timer tick the running task is pre-empted when a better task waits on
 * any hart (it is pulled over), so no task starves behind a favoured group.
 * A woken task goes to its last hart if that hart idles, else to any idle
 * hart (which is sent an IPI), else to the shortest queue; an idle hart
 * steals from the longest queue before it sleeps in wfi.  An idle hart with
 * no sleeper to wake sets no timer, so an idle node costs the host nothing.
 *
 * Every function here runs with sched_lock held unless it says otherwise.
 */
#include <stdint.h>
#include <tessera/errors.h>
#include <kernel/hart.h>
#include <kernel/ipc.h>
#include <kernel/memlayout.h>
#include <kernel/printk.h>
#include <kernel/riscv.h>
#include <kernel/sbi.h>
#include <kernel/task.h>
#include <kernel/vm.h>

uint64_t timebase_hz = 10000000;
static struct task *sleepers;		/* sorted by wake_at */

uint64_t
ns_to_ticks(uint64_t ns)
{
	if (ns > UINT64_MAX / timebase_hz)
		return UINT64_MAX / 2;
	return ns * timebase_hz / 1000000000ull;
}

uint64_t
time_ns(void)
{
	uint64_t t = rdtime();
	return t / timebase_hz * 1000000000ull + t % timebase_hz * 1000000000ull / timebase_hz;
}

static uint64_t
quantum_ticks(void)
{
	return timebase_hz / 1000000 * SCHED_QUANTUM_US;
}

static void
rq_add(struct hart *h, struct task *t)
{
	t->hart = h->index;
	t->rq_prev = NULL;
	t->rq_next = h->rq_head;
	if (h->rq_head)
		h->rq_head->rq_prev = t;
	h->rq_head = t;
	h->rq_len++;
}

static void
rq_remove(struct task *t)
{
	struct hart *h = &harts[t->hart];

	if (t->rq_prev)
		t->rq_prev->rq_next = t->rq_next;
	else
		h->rq_head = t->rq_next;
	if (t->rq_next)
		t->rq_next->rq_prev = t->rq_prev;
	t->rq_next = t->rq_prev = NULL;
	h->rq_len--;
}

/* a runs before b? */
static int
better(const struct task *a, const struct task *b)
{
	if (a->group->vruntime != b->group->vruntime)
		return a->group->vruntime < b->group->vruntime;
	return a->vruntime < b->vruntime;
}

static struct task *
rq_best(struct hart *h)
{
	struct task *best = NULL;

	for (struct task *t = h->rq_head; t; t = t->rq_next)
		if (!best || better(t, best))
			best = t;
	return best;
}

void
sched_account(struct task *t)
{
	struct hart *h = this_hart();
	uint64_t now = rdtime();
	uint64_t d = now - h->slice_start;

	h->slice_start = now;
	t->cpu_ticks += d;
	t->vruntime += d;
	t->group->vruntime += d;
}

void
hart_send_ipi(unsigned index)
{
	if (index != this_hart()->index)
		sbi_send_ipi(1ul << (harts[index].hartid % 64), harts[index].hartid / 64 * 64);
}

static struct hart *
choose_hart(struct task *t)
{
	struct hart *last = &harts[t->hart];

	if (t->pinned >= 0)
		return &harts[t->pinned];

	if (last->online && last->idle)
		return last;
	for (unsigned i = 0; i < nharts; i++)
		if (harts[i].online && harts[i].idle)
			return &harts[i];
	struct hart *best = last->online ? last : this_hart();
	for (unsigned i = 0; i < nharts; i++)
		if (harts[i].online && harts[i].rq_len + (harts[i].cur != NULL) <
					   best->rq_len + (best->cur != NULL))
			best = &harts[i];
	return best;
}

void
sched_enqueue(struct task *t)
{
	struct hart *h = choose_hart(t);

	t->state = TASK_RUNNABLE;
	rq_add(h, t);
	if (h->idle) {
		h->idle = 0;	/* one IPI is enough */
		hart_send_ipi(h->index);
	}
}

void
sched_dequeue(struct task *t)
{
	rq_remove(t);
}

static void
sleep_remove(struct task *t)
{
	for (struct task **pp = &sleepers; *pp; pp = &(*pp)->sl_next) {
		if (*pp == t) {
			*pp = t->sl_next;
			break;
		}
	}
	t->sl_next = NULL;
}

/* The bookkeeping of a wake-up, without a run queue: off the sleep list,
 * counted runnable in its group, its vruntime lifted to the group's floor. */
static void
wake_account(struct task *t)
{
	struct group *g = t->group;

	if (t->state == TASK_SLEEPING)
		sleep_remove(t);
	if (!g->nrunnable) {
		uint64_t m = group_min_active_vruntime();
		if (m != UINT64_MAX && g->vruntime < m)
			g->vruntime = m;
	}
	g->nrunnable++;
	if (t->vruntime < g->min_vruntime)
		t->vruntime = g->min_vruntime;
}

/* A blocked (sleeping, waiting or new) task becomes runnable. */
void
sched_wakeup(struct task *t)
{
	wake_account(t);
	sched_enqueue(t);
}

static void
wake_sleepers(uint64_t now)
{
	while (sleepers && sleepers->wake_at <= now) {
		struct task *t = sleepers;
		t->frame.x[10] = 0;	/* sleep: 0; io_wait: timed out, 0 packets */
		t->iowait = 0;
		sched_wakeup(t);
	}
}

static void
program_timer(struct hart *h, uint64_t now)
{
	uint64_t deadline = UINT64_MAX;

	if (h->cur)
		deadline = now + quantum_ticks();
	if (sleepers && sleepers->wake_at < deadline)
		deadline = sleepers->wake_at;
	/* An armed deadline that is still ahead and not later than needed can
	 * stay: at worst it brings one early tick, which re-arms.  This keeps
	 * the SBI call off the context-switch path. */
	if (h->timer_at > now && h->timer_at <= deadline)
		return;
	h->timer_at = deadline;
	sbi_set_timer(deadline);
}

/* Best task of `h`'s queue that may run on hart `on` (not pinned elsewhere). */
static struct task *
rq_best_for(struct hart *h, unsigned on)
{
	struct task *best = NULL;

	for (struct task *t = h->rq_head; t; t = t->rq_next)
		if ((t->pinned < 0 || (unsigned)t->pinned == on) && (!best || better(t, best)))
			best = t;
	return best;
}

/* Move one waiting task from the longest other queue to `h`. */
static struct task *
steal(struct hart *h)
{
	struct task *got = NULL;
	unsigned most = 0;

	for (unsigned i = 0; i < nharts; i++) {
		if (&harts[i] == h || harts[i].rq_len <= most)
			continue;
		struct task *t = rq_best_for(&harts[i], h->index);
		if (t) {
			got = t;
			most = harts[i].rq_len;
		}
	}
	if (got) {
		rq_remove(got);
		rq_add(h, got);
	}
	return got;
}

/* Let an idle hart steal when this hart has tasks waiting. */
static void
balance(struct hart *h)
{
	if (!h->rq_head)
		return;
	for (unsigned i = 0; i < nharts; i++) {
		if (harts[i].online && harts[i].idle) {
			harts[i].idle = 0;
			hart_send_ipi(i);
			return;
		}
	}
}

/* Make `t` the running task of `h` and enter it (sched_lock held, released
 * here): never returns.  The slice and the timer are the caller's business. */
static void __attribute__((noreturn))
enter(struct hart *h, struct task *t)
{
	t->state = TASK_RUNNING;
	t->hart = h->index;
	if (t->vruntime > t->group->min_vruntime)
		t->group->min_vruntime = t->vruntime;
	h->cur = t;
	h->idle = 0;
	spin_unlock(&sched_lock);
	if (h->root != t->vs.root)
		vm_switch(&t->vs);
	h->frame = &t->frame;
	if (t->killed)
		task_exit(t, t->exit_status);
	notify_check(t);
	user_return(&t->frame);
}

/* Run `t` (on this hart's queue, sched_lock held) in a fresh slice: never
 * returns. */
static void __attribute__((noreturn))
run(struct hart *h, struct task *t)
{
	uint64_t now = rdtime();

	rq_remove(t);
	h->cur = t;
	h->slice_start = now;
	program_timer(h, now);
	enter(h, t);
}

/* Called through sched_restart (arch/trap.S) on a fresh kernel stack. */
void schedule_inner(void) __attribute__((noreturn));
void
schedule_inner(void)
{
	struct hart *h = this_hart();

	for (;;) {
		spin_lock(&sched_lock);
		uint64_t now = rdtime();
		wake_sleepers(now);
		struct task *t = rq_best(h);
		if (!t)
			t = steal(h);
		if (t)
			run(h, t);
		h->cur = NULL;
		h->idle = 1;
		program_timer(h, now);
		spin_unlock(&sched_lock);
		vm_leave_user();
		uint64_t t0 = rdtime();
		while (!(csr_read(sip) & (SIP_SSIP | SIP_STIP | SIP_SEIP)) && h->idle)
			wfi();
		h->ticks_idle += rdtime() - t0;
		csr_clear(sip, SIP_SSIP);
		if (csr_read(sip) & SIP_SEIP)
			plic_handle();
	}
}

/* The best waiting task of any hart: tasks queued behind a task of a
 * favoured group on one hart would otherwise starve while other harts run
 * worse tasks.  Pulled to `h` if it is better than `than`. */
static struct task *
pull_best(struct hart *h, struct task *than)
{
	struct task *best = rq_best(h);

	for (unsigned i = 0; i < nharts; i++) {
		if (&harts[i] == h || !harts[i].rq_head)
			continue;
		struct task *o = rq_best_for(&harts[i], h->index);
		if (o && (!best || better(o, best)))
			best = o;
	}
	if (!best || !better(best, than))
		return NULL;
	if (best->hart != h->index) {
		rq_remove(best);
		rq_add(h, best);
	}
	return best;
}

void
sched_tick(void)
{
	struct hart *h = this_hart();
	struct task *t = h->cur;

	spin_lock(&sched_lock);
	sched_account(t);
	wake_sleepers(h->slice_start);
	struct task *best = pull_best(h, t);
	if (best) {
		t->state = TASK_RUNNABLE;
		rq_add(h, t);
		h->cur = NULL;
		balance(h);
		run(h, best);
	}
	balance(h);
	program_timer(h, h->slice_start);
	spin_unlock(&sched_lock);
	sched_return();
}

void
sched_yield(void)
{
	struct hart *h = this_hart();
	struct task *t = h->cur;

	spin_lock(&sched_lock);
	sched_account(t);
	struct task *best = rq_best(h);
	if (!best) {
		spin_unlock(&sched_lock);
		sched_return();
	}
	t->state = TASK_RUNNABLE;
	rq_add(h, t);
	h->cur = NULL;
	run(h, best);
}

void
sched_sleep(struct task *t, uint64_t until)
{
	sched_sleep_release(t, until, NULL);
}

void
sched_sleep_release(struct task *t, uint64_t until, struct spinlock *also)
{
	sched_handoff(t, until, also, NULL, 0);
}

void
sched_handoff(struct task *t, uint64_t until, struct spinlock *also, struct task *to,
	      uint64_t to_a0)
{
	struct hart *h = this_hart();

	spin_lock(&sched_lock);
	/* Wake `to` if it still sleeps in io_wait (nobody else woke it since
	 * the caller saw it, under `also`): on this hart directly when it last
	 * ran here and may run here, else through a run queue. */
	int woke = to && to->iowait && to->state == TASK_SLEEPING;
	int direct = woke && !t->killed && to->hart == h->index &&
		     (to->pinned < 0 || (unsigned)to->pinned == h->index);
	if (woke) {
		to->iowait = 0;
		to->frame.x[10] = to_a0;
		wake_account(to);
		if (!direct)
			sched_enqueue(to);
	}
	if (also)
		spin_unlock(also);
	if (t->killed) {
		/* Killed while it was running (task_kill only sent an IPI):
		 * it must not go to sleep, nobody would wake it. */
		t->iowait = 0;
		spin_unlock(&sched_lock);
		task_exit(t, t->exit_status);
	}
	sched_account(t);
	t->state = TASK_SLEEPING;
	t->wake_at = until;
	t->group->nrunnable--;
	struct task **pp = &sleepers;
	while (*pp && (*pp)->wake_at <= until)
		pp = &(*pp)->sl_next;
	t->sl_next = *pp;
	*pp = t;
	if (!direct) {
		h->cur = NULL;
		spin_unlock(&sched_lock);
		schedule();
	}
	/* The hand-off: `to` runs in the rest of t's slice; no run queue, no
	 * pick, and the armed timer stays unless t's deadline is earlier. */
	t->handoffs++;
	h->cur = to;
	if (until < h->timer_at)
		program_timer(h, h->slice_start);
	enter(h, to);
}

/* Software interrupt from another hart: a task was queued here or the
 * running task was killed. */
void
sched_ipi(void)
{
	struct hart *h = this_hart();

	csr_clear(sip, SIP_SSIP);
	spin_lock(&sched_lock);
	struct task *t = h->cur;
	struct task *best = rq_best(h);
	if (t && !t->killed && best && better(best, t)) {
		sched_account(t);
		t->state = TASK_RUNNABLE;
		rq_add(h, t);
		h->cur = NULL;
		run(h, best);
	}
	spin_unlock(&sched_lock);
	sched_return();
}

/* Back to the running task, or pick another if there is none. */
void
sched_return(void)
{
	struct hart *h = this_hart();
	struct task *t = h->cur;

	if (!t)
		schedule();
	if (t->killed)
		task_exit(t, t->exit_status);
	notify_check(t);
	user_return(&t->frame);
}
