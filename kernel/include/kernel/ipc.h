/*
 * Kernel side of IPC (kernel/ipc/): areas, routing, sessions, the service
 * registry, notifications and user-space interrupts.
 *
 * Locking: ipc_lock guards every task's IPC state, the registry, sessions
 * and watches; it is taken before sched_lock and before a vmspace lock.
 */
#ifndef KERNEL_IPC_H
#define KERNEL_IPC_H

#include <stdint.h>
#include <kernel/ipc_check.h>
#include <kernel/spinlock.h>

struct task;

/* A packet the kernel owes a task (TERMINATE, error), kept until the task
 * has a free receive slot.  Allocated when the obligation is created (a
 * session opened, a watch set), so delivering it can never fail. */
struct kmsg {
	struct kmsg *next;
	ts_addr addr;
	uint64_t id, handle;
	int32_t status;
	uint16_t opcode, flags;
};

struct ipc_inflight {
	long server;		/* 0 = free entry */
	uint64_t id;
	uint16_t opcode;
	uint8_t dead;		/* server died: complete with -ERR_CLOSED */
};

struct ipc_session {
	struct ipc_session *next;	/* in the client's list */
	long server;
	uint64_t handle;
	struct kmsg *term;		/* the server's TERMINATE, preallocated */
};

struct ipc_watch {
	struct ipc_watch *next;		/* global list */
	long watcher, target;
	struct kmsg *term;
};

#define NOTIFY_QUEUE 16

struct ipc_state {
	struct ipc_state *next;		/* ipc_all */
	struct task *owner;
	struct ipc_view v;
	uint64_t area_pa, area_va, area_size;
	struct ipc_inflight *inflight;	/* v.n entries: requests awaiting replies */
	unsigned ninflight, ndead;
	struct ipc_session *sessions;	/* sessions this task opened */
	struct kmsg *pending, **pending_tail;
	/* Notifications. */
	uint64_t notify_entry, notify_stack;
	int in_handler;
	uint64_t nq_src[NOTIFY_QUEUE], nq_val[NOTIFY_QUEUE];
	unsigned nq_head, nq_tail;
	uint64_t saved[33];		/* trap frame interrupted by the handler */
};

extern struct spinlock ipc_lock;
extern struct ipc_state *ipc_all;

/* The task ends: sessions and watches send TERMINATE, requests in flight to
 * it complete with -ERR_CLOSED, its names go, its area is freed.  Called by
 * task_exit before the address space is destroyed; takes ipc_lock. */
void ipc_task_exit(struct task *t);
/* Deliver pending notifications: called on the way back to user mode. */
void notify_check(struct task *t);
void plic_init(void);
void plic_hart_init(void);
void plic_handle(void);
/* Nonzero when a mounted volume (a service named "/...") is registered;
 * takes ipc_lock. */
int svc_any_mount(void);

#endif
