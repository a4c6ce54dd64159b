/* Internal interfaces between the files of kernel/ipc/ (ipc_lock held
 * unless a function says otherwise). */
#ifndef KERNEL_IPC_ROUTE_H
#define KERNEL_IPC_ROUTE_H

#include <stdint.h>
#include <tessera/abi.h>
#include <kernel/ipc.h>

struct task;

struct ipc_view *ipc_view(struct ipc_state *s, int slot);
struct task *ipc_task(long tid);
void ipc_flush_pending(struct task *t);
void ipc_kmsg_send(struct task *t, struct kmsg *m);
void ipc_wake(struct task *t);
long ipc_flush_locked(struct task *t);

/* Syscall entry points (take ipc_lock themselves). */
long ipc_setup(struct task *t, uint64_t va, unsigned n);
long ipc_flush(struct task *t);
long ipc_io_wait(struct task *t, uint64_t timeout_ns);
/* Send-and-wait (reply = 0: the packet in send slot `slot` must be a
 * request) or reply-and-wait (reply = 1: a reply, or IPC_SLOT_NONE for
 * none): drain the transmit ring, send the slot's packet as the ring would,
 * then wait as io_wait, handing the hart to the task the send woke if it
 * sleeps in io_wait on this hart (syscalls.def ipc_call, ipc_reply_wait). */
long ipc_call(struct task *t, unsigned slot, uint64_t timeout_ns, int reply);
long ipc_notify_set(struct task *t, uint64_t entry, uint64_t stack);
long ipc_notify(struct task *t, long tid, uint64_t value);
void ipc_notify_return(struct task *t) __attribute__((noreturn));
long svc_register(struct task *t, const char *name, size_t len);
long svc_unregister(struct task *t, const char *name, size_t len);
long svc_lookup(const char *name, size_t len);
/* Up to `max` entries from table index *pos on (advanced past the entries
 * looked at; SVC_MAX ends); returns the records filled.  Takes ipc_lock. */
unsigned svc_list(unsigned *pos, struct ts_svc_info *out, unsigned max);
long irq_reserve(struct task *t, unsigned irq);
long irq_complete(struct task *t, unsigned irq);
long irq_defer(struct task *t, unsigned irq);

/* Sessions and watches (session.c). */
struct ipc_session *ipc_session_new(long server, uint64_t handle, struct task *client);
void ipc_session_free(struct ipc_session *s);
void ipc_session_attach(struct task *client, struct ipc_session *s);
void ipc_session_close(struct task *client, long server, uint64_t handle);
int ipc_watch_add(struct task *t, long target);
int ipc_watch_remove(struct task *t, long target);
/* Notifications (notify.c). */
int notify_queue(struct task *t, uint64_t src, uint64_t value);
void svc_task_exit(long tid);
void irq_task_exit(struct task *t);

#endif
