/* Constants of the user/kernel ABI that the system calls take. */
#ifndef TESSERA_ABI_H
#define TESSERA_ABI_H

#include <stdint.h>

/* mem_alloc / mem_protect protections. */
#define MEM_R 0x1u
#define MEM_W 0x2u
#define MEM_X 0x4u

/* task_spawn flags. */
#define SPAWN_PRIV 0x1u		/* child inherits the caller's privilege */
#define SPAWN_SANDBOX 0x2u	/* every packet the child sends goes to the caller */
#define SPAWN_STOPPED 0x4u	/* created, but runs only after task_start */

/* dev_grant kinds. */
#define GRANT_MMIO 1u
#define GRANT_IRQ  2u
#define GRANTS_MAX 8u

/* Notification sources other than a task id. */
#define NOTIFY_SRC_KERNEL 0ul
#define IRQ_SOURCE(irq)	 ((1ul << 63) | (irq))
#define NOTIFY_KLOG	 1ul	/* value from NOTIFY_SRC_KERNEL: the console
				   owner has kernel-log bytes to read */
#define IRQ_MAX		 127u

/* Limits a caller can rely on. */
#define TS_PAGE_SIZE	 4096ul
#define TS_USER_TOP	 0x4000000000ul	/* first address above user space */
#define TS_STACK_TOP	 0x3ffffff000ul	/* initial sp; a guard page above */
#define TS_STACK_SIZE	 0x10000ul	/* initial stack mapped by spawn */
#define TS_ARGS_MAX	 2048ul		/* bytes of spawn arguments */
#define TS_NAME_MAX	 31ul		/* program name length */
#define TS_LOG_MAX	 1024ul		/* bytes per log call */
#define TS_KLOG_READ_MIN 64ul		/* smallest klog_read buffer */

/* info keys. */
enum ts_info {
	INFO_FREE_PAGES,	/* pages free in the allocator (caches included) */
	INFO_TOTAL_PAGES,	/* pages of RAM managed by the allocator */
	INFO_NHARTS,		/* harts online */
	INFO_HART_ID,		/* hart the caller runs on */
	INFO_NTASKS,		/* live tasks (zombies included) */
	INFO_TASK_CPU_NS,	/* arg = tid: CPU time the task has used */
	INFO_TIMEBASE_HZ,	/* rate of the time CSR */
	INFO_KHEAP_BYTES,	/* kernel heap bytes in use */
	INFO_PAGE_CACHE,	/* arg = hart: pages in that hart's free-page cache */
	INFO_BENCH_PAGE,	/* arg = 0 cached, 1 uncached: run a kernel page
				   alloc+free loop of 1000 and return insn-time
				   ticks (privileged, for ci/bench) */
	INFO_KHEAP_PAGES,	/* pages the kernel heap holds (its high-water mark) */
	INFO_IDLE_TICKS,	/* arg = hart: time-CSR ticks it spent idle (wfi);
				   benchmarks subtract it: under icount an idle
				   hart's clock jumps ahead */
	INFO_EPOCH_NS,		/* real time at boot in ns since 1970-01-01 UTC
				   (QEMU virt's goldfish RTC); 0 if unknown */
	INFO_IPC_HANDOFFS,	/* arg = tid: times the task handed its hart straight
				   to the task its ipc_call/ipc_reply_wait woke */
	INFO_COUNT
};

/* debug operations. */
enum ts_debug {
	DEBUG_PANIC,		/* kernel panic with a message */
	DEBUG_KERNEL_FAULT,	/* kernel loads from an unmapped address */
	DEBUG_WRITE_TEXT,	/* kernel stores to its own text (W^X check) */
	DEBUG_COUNT
};

/* task_list records (one per task, in slot order). */
enum ts_task_state {
	TS_TASK_RUNNING = 1,	/* on a hart now */
	TS_TASK_READY,		/* runnable, waiting for a hart */
	TS_TASK_SLEEPING,	/* sys_sleep */
	TS_TASK_IPC,		/* io_wait: waiting for packets */
	TS_TASK_CHILD,		/* task_wait: waiting for a child */
	TS_TASK_STOPPED,	/* SPAWN_STOPPED, not started yet */
	TS_TASK_ZOMBIE,		/* ended; its parent has not waited yet */
};
#define TS_TASKF_PRIV	 0x1u	/* privileged */
#define TS_TASKF_SANDBOX 0x2u	/* spawned with SPAWN_SANDBOX */

struct ts_task_info {
	int64_t tid;
	int64_t parent;		/* 0: none (or it ended) */
	int64_t group;		/* scheduling group id; 0 for a zombie */
	uint32_t state;		/* enum ts_task_state */
	uint32_t hart;		/* hart index it runs on or last ran on */
	uint64_t cpu_ns;	/* CPU time used (up to its last switch) */
	uint32_t flags;		/* TS_TASKF_* */
	int32_t exit_status;	/* TS_TASK_ZOMBIE: its status, else 0 */
	char name[32];		/* program name, NUL-terminated */
};
_Static_assert(sizeof(struct ts_task_info) == 80, "ts_task_info is ABI");

/* svc_list records. */
struct ts_svc_info {
	int64_t tid;
	char name[64];		/* 1..63 bytes, NUL-terminated */
};
_Static_assert(sizeof(struct ts_svc_info) == 72, "ts_svc_info is ABI");

/* task_spawn_image: largest ELF image taken from the caller's memory, and
 * the most bytes of its header part (ELF header and program headers must
 * lie in the first TS_IMAGE_HDR_MAX bytes, as every linker puts them). */
#define TS_IMAGE_MAX	 (16ul << 20)
#define TS_IMAGE_HDR_MAX 4096ul

#endif
