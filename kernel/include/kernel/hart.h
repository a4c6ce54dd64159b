/* Per-hart state.  tp holds the current hart's struct in kernel mode. */
#ifndef KERNEL_HART_H
#define KERNEL_HART_H

#include <stdint.h>
#include <kernel/memlayout.h>

struct task;
struct trapframe;

struct hart {
	/* Fixed offsets: used by arch/trap.S. */
	uint64_t scratch;		/* 0: user t1 during trap entry */
	struct trapframe *frame;	/* 8: frame of the task running here */
	uint64_t kstack_top;		/* 16 */

	/* Owned by this hart only. */
	unsigned index;			/* 0..nharts-1 */
	unsigned long hartid;		/* SBI hart id */
	struct task *cur;		/* running task, NULL when idle */
	uint64_t *root;			/* root table in use (kernel VA) */
	uint64_t slot_pte[KSLOTS];	/* what each slot maps now */
	uint64_t slot_base[KSLOTS];	/* physical gigapage it maps */
	uint64_t slot_va[KSLOTS];	/* its kernel address */
	uint64_t pmm_cache[PMM_CACHE_MAX];
	unsigned pmm_ncache;
	uint64_t slice_start;		/* time the current task was picked */
	uint64_t timer_at;		/* deadline armed with SBI */
	uint64_t ticks_idle;		/* time spent in wfi */
	int handoff_open;		/* in ipc_call: defer the first io_wait wake-up */
	struct task *handoff;		/* ... to this task (ipc_lock held) */

	/* Guarded by sched_lock. */
	struct task *rq_head;		/* runnable tasks waiting for this hart */
	unsigned rq_len;
	int idle;			/* in the idle loop (may be in wfi) */
	int online;
};

extern struct hart harts[MAX_HARTS];
extern unsigned nharts;

#ifdef TESSERA_HOST
/* Host unit tests: the test picks the "current" hart (tests/host/kstub.c). */
extern struct hart *host_hart;

static inline struct hart *
this_hart(void)
{
	return host_hart;
}
#else
static inline struct hart *
this_hart(void)
{
	struct hart *h;
	__asm__ volatile("mv %0, tp" : "=r"(h));
	return h;
}
#endif

void smp_start_secondaries(void);
void hart_send_ipi(unsigned index);

#endif
