/* System call dispatch (generated from ipc/include/tessera/syscalls.def). */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#include <stdint.h>

struct task;

/* Run the call in t->frame (a7, a0..a5) and store the result in a0.  Calls
 * that block or end the task do not return here. */
void syscall_dispatch(struct task *t);
/* Kill `t` for a bad access or argument, with one log line. */
void task_fault(struct task *t, int err, const char *what, uint64_t addr) __attribute__((noreturn));

#endif
