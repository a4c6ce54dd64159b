/* Tasks, groups and the scheduler. */
#ifndef KERNEL_TASK_H
#define KERNEL_TASK_H

#include <stdint.h>
#include <kernel/spinlock.h>
#include <kernel/vm.h>
#include <tessera/abi.h>

/* Saved user registers: x[0..31] by register number, then sepc.  Offsets are
 * used by arch/trap.S. */
struct trapframe {
	uint64_t x[32];
	uint64_t sepc;
};

enum task_state {
	TASK_FREE,
	TASK_RUNNABLE,		/* on a run queue */
	TASK_RUNNING,		/* hart->cur somewhere */
	TASK_SLEEPING,		/* on the sleep list */
	TASK_WAITING,		/* task_wait for a child */
	TASK_ZOMBIE,		/* exited, status kept for the parent */
};

struct group {
	long id;
	unsigned ntasks;	/* live tasks in the group (refcount) */
	unsigned nrunnable;	/* runnable or running */
	uint64_t vruntime;	/* time used by the group's tasks */
	uint64_t min_vruntime;	/* vruntime floor for its tasks (monotonic) */
	long owner;		/* creator's tid; 0 once it has ended */
	int closed;		/* refuses requests from outside */
	struct group *next;
};

struct task {
	struct trapframe frame;		/* first: trap.S saves into it */

	/* Set at spawn, then read-only. */
	long tid;
	char name[32];
	long parent;			/* tid of the parent, 0 if none */
	int priv;			/* may use privileged calls */
	long host;			/* sandbox host's tid, 0 if not sandboxed */
	struct vmspace vs;

	struct {			/* device grants (dev_grant), sched_lock */
		uint32_t kind;
		uint64_t base, size;
	} grants[GRANTS_MAX];
	unsigned ngrants;
	int stopped;			/* SPAWN_STOPPED, until task_start */
	uint64_t *pins;			/* pages pinned for DMA (mem_pin); owner only */
	unsigned npins;

	/* Guarded by ipc_lock. */
	struct ipc_state *ipc;		/* NULL until ipc_setup */
	volatile int notify_pending;	/* hint, read without the lock */

	/* Guarded by sched_lock. */
	enum task_state state;
	struct group *group;
	unsigned hart;			/* run queue it is on / last ran on */
	int pinned;			/* hart index it must run on, or -1 */
	struct task *rq_next, *rq_prev;
	struct task *sl_next;		/* sleep list */
	uint64_t wake_at;		/* sleep deadline (time CSR ticks) */
	uint64_t vruntime;		/* time used, for fairness in the group */
	uint64_t cpu_ticks;		/* total time used */
	long wait_for;			/* TASK_WAITING: child tid, or -1 any */
	uint64_t wait_status_uva;	/* where to store the child's status */
	int killed;			/* exit at next kernel entry */
	int iowait;			/* sleeping in io_wait: packets wake it */
	uint64_t handoffs;		/* direct hand-offs it made (sched_handoff) */
	int exit_status;
	unsigned nchildren;
};

extern struct spinlock sched_lock;

void task_init(void);
/* Create a task running program `name` from the boot image.  Returns the
 * tid or a negative error.  Caller need not hold sched_lock. */
long task_spawn(const char *name, const char *args, size_t args_len,
		struct task *parent, struct group *g, int priv, long host, int stopped);
/* The same from the ELF image [uva, uva+size) in `parent`'s memory (see
 * task_spawn_image in syscalls.def): -ERR_TOOBIG above TS_IMAGE_MAX,
 * -ERR_BADEXEC for a bad image, -ERR_FAULT if the range is not readable. */
long task_spawn_image(const char *name, uint64_t uva, uint64_t size, const char *args,
		      size_t args_len, struct task *parent, struct group *g, int priv,
		      long host, int stopped);
/* Describe up to `max` tasks from slot *pos on (advanced past the slots
 * looked at, MAX_TASKS at the end); returns the records filled.  Takes
 * sched_lock. */
unsigned task_list(struct task *caller, unsigned *pos, struct ts_task_info *out,
		   unsigned max);
struct task *task_lookup(long tid);	/* sched_lock held */
struct task *task_live(long tid);	/* takes sched_lock; NULL if ended */
void task_exit(struct task *t, int status) __attribute__((noreturn));	/* own task */
long task_kill(struct task *caller, long tid);
long task_wait(struct task *caller, long tid, uint64_t status_uva);
unsigned task_count(void);

struct group *group_create(struct task *creator);
struct group *group_lookup(long id);
long group_join(struct task *caller, long tid, long gid);
long task_pin(struct task *caller, long tid, long hart);
long task_start(struct task *caller, long tid);
long task_grant(struct task *caller, long tid, unsigned kind, uint64_t base, uint64_t size);
/* May `t` use device resource [base, base+size) of `kind`?  Privileged
 * tasks may use any; others only what they were granted. */
int task_may(struct task *t, unsigned kind, uint64_t base, uint64_t size);
struct group *group_root(void);
uint64_t group_min_active_vruntime(void);
void group_owner_exit(long tid);

/* Scheduler (task/sched.c). */
void sched_enqueue(struct task *t);		/* sched_lock held */
void sched_dequeue(struct task *t);		/* sched_lock held */
void sched_tick(void) __attribute__((noreturn));	/* timer interrupt */
void sched_sleep(struct task *t, uint64_t until) __attribute__((noreturn));
/* Same, releasing `also` (held by the caller, taken before sched_lock) once
 * the task is marked asleep, so that no wake-up is lost. */
void sched_sleep_release(struct task *t, uint64_t until, struct spinlock *also)
	__attribute__((noreturn));
/* The same, and wake `to` (with a0 = to_a0) if it still sleeps in io_wait:
 * when it last ran on this hart (and may run here) it gets the hart at once,
 * in the rest of t's slice, with no run-queue insert, pick or timer work
 * (the IPC fast path); else it is woken as usual. */
void sched_handoff(struct task *t, uint64_t until, struct spinlock *also, struct task *to,
		   uint64_t to_a0) __attribute__((noreturn));
void sched_wakeup(struct task *t);		/* sched_lock held */
void schedule(void) __attribute__((noreturn));	/* pick next and run it */
void sched_return(void) __attribute__((noreturn));	/* resume hart->cur or schedule */
void sched_yield(void) __attribute__((noreturn));
void sched_account(struct task *t);		/* charge the running slice */
void sched_ipi(void) __attribute__((noreturn));

void user_return(struct trapframe *f) __attribute__((noreturn));

uint64_t time_ns(void);
uint64_t ns_to_ticks(uint64_t ns);
extern uint64_t timebase_hz;

#endif
