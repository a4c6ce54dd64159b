/* Kernel console output and panic. */
#ifndef KERNEL_PRINTK_H
#define KERNEL_PRINTK_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* printf subset: %d %u %x %lx %ld %lu %p %s %c %%, width and '0' pad. */
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int snprintk(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintk(char *buf, size_t n, const char *fmt, va_list ap);

/*
 * The console (printk.c) and its handover to a user-space UART driver
 * (klog.c, docs/uart.md).
 *
 * Until a task claims the console, console_write writes the ns16550 itself.
 * Once a task owns it, console_write appends to the kernel log ring and a
 * notification to the owner is marked due; klog_kick sends it from a place
 * that holds no lock (system call entry, task exit), because console_write
 * runs under any lock.  console_lock is a leaf: nothing else is taken while
 * it is held.  When the owner ends, or the kernel panics, the unread ring is
 * written out and the kernel writes the UART directly again.
 */
struct task;

/* The UART mapped at kernel address va, physical address pa (its page is
 * what console_claim asks a grant for). */
void console_init_uart(unsigned long va, unsigned long pa);
void console_write(const char *s, size_t n);
/* Panic: wait briefly for console_lock, write out the unread ring, and from
 * now on write only this hart's output, straight to the UART, unlocked. */
void console_panic(void);
/* Power-off: write out the ring the console owner (the UART driver) has
 * not read yet, straight to the UART, so the last lines are not lost. */
void console_final(void);

/* Internals shared by printk.c and klog.c. */
struct spinlock;
extern struct spinlock console_lock;
extern unsigned long console_uart_pa;
void console_uart_write(const char *s, size_t n);	/* console_lock held */
int klog_append(const char *s, size_t n);		/* console_lock held; 0 = no owner */
int klog_owned(void);					/* console_lock held */
void klog_flush_locked(void);				/* console_lock held */

/* System calls and hooks (klog.c).  None may be called with a lock held. */
long klog_claim(struct task *t, int claim);
struct klog_cursor {
	uint64_t from;		/* ring position the bytes were taken from */
	uint64_t nring;		/* bytes taken from the ring */
	uint64_t lost;		/* lost-bytes count reported in the marker */
};
/* Copy up to len unread bytes into buf without consuming them; then the
 * caller copies them out and calls klog_consume.  Count, or -ERR_*. */
long klog_peek(struct task *t, char *buf, size_t len, struct klog_cursor *c);
void klog_consume(struct task *t, const struct klog_cursor *c);
/* Send a due notification: inline test, so that the two calls on every
 * system call cost a load and a branch (syscall_null 181 -> 176). */
extern int klog_kick_due;
void klog_kick_slow(void);
static inline void
klog_kick(void)
{
	if (__atomic_load_n(&klog_kick_due, __ATOMIC_RELAXED))
		klog_kick_slow();
}
void klog_task_exit(struct task *t);		/* task_exit, before anything else */
#define KLOG_SIZE	(64u << 10)		/* ring bytes */
#define KLOG_READ_MAX	4096u			/* bytes per klog_read */

/* Print the cause, hart, sepc/stval and a stack trace, then stop QEMU with a
 * failure status.  `msg` is unique per call site. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#define KASSERT(c) do { if (!(c)) panic("assert %s at %s:%d", #c, __FILE__, __LINE__); } while (0)

#endif
