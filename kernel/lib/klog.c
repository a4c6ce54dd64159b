/*
 * The kernel log ring and the console handover (docs/uart.md).
 *
 * A task holding a grant for the UART's page claims the console
 * (console_claim); from then on console_write appends here instead of
 * writing the UART, and the owner drains the ring with klog_read and writes
 * the bytes to the UART itself.  The ring never blocks a writer: when it is
 * full the oldest whole lines are dropped and counted, and the owner's next
 * read starts with one line "[klog: N bytes lost]".
 *
 * Telling the owner: console_write runs under any lock (sched_lock, a
 * vmspace lock...), so it cannot queue a notification (ipc_lock, then
 * sched_lock).  It marks one due instead (at most one outstanding until the
 * owner has drained the ring) and klog_kick sends it from places that hold
 * no lock: every system call entry and exit, and task exit.
 *
 * Giving the console back: when the owner ends (task_exit, any cause) or
 * gives it back (console_claim(0)), the unread bytes are written to the UART
 * under console_lock and the kernel writes directly again.  A panic does the
 * same from console_panic.
 *
 * Locking: everything here is guarded by console_lock, a leaf lock (the UART
 * is only ever written with it held).  klog_read copies out without it
 * (vm_copyout takes the vmspace lock): peek, copy, then consume.
 */
#include <stdint.h>
#include <tessera/abi.h>
#include <tessera/errors.h>
#include <kernel/ipc.h>
#include <kernel/ipc_route.h>
#include <kernel/memlayout.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/task.h>

/* Guarded by console_lock. */
static char ring[KLOG_SIZE];
static uint64_t head, tail;	/* bytes ever appended / consumed; head - tail <= KLOG_SIZE */
static uint64_t lost;		/* bytes dropped that no marker has reported yet */
static long owner;		/* the console owner's tid, 0 = the kernel writes the UART */
static int told;		/* the owner has been (or is being) notified of unread bytes */

/* A notification is due (set under console_lock, taken by klog_kick). */
int klog_kick_due;

static size_t
min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Make room for `need` bytes: drop the oldest ones, then the rest of the
 * line they cut, so that what stays starts with a whole line. */
static void
drop(uint64_t need)
{
	uint64_t t = tail + need;

	while (t < head && ring[(t - 1) % KLOG_SIZE] != '\n')
		t++;
	lost += t - tail;
	tail = t;
}

int
klog_owned(void)
{
	return owner != 0;
}

int
klog_append(const char *s, size_t n)
{
	if (!owner)
		return 0;
	if (n > KLOG_SIZE) {
		lost += n - KLOG_SIZE;
		s += n - KLOG_SIZE;
		n = KLOG_SIZE;
	}
	if (head - tail + n > KLOG_SIZE)
		drop(head - tail + n - KLOG_SIZE);
	size_t at = head % KLOG_SIZE, first = min_sz(n, KLOG_SIZE - at);
	memcpy(ring + at, s, first);
	memcpy(ring, s + first, n - first);
	head += n;
	if (!told) {
		told = 1;
		__atomic_store_n(&klog_kick_due, 1, __ATOMIC_RELEASE);
	}
	return 1;
}

/* The marker line for `n` lost bytes into buf (at least TS_KLOG_READ_MIN). */
static size_t
marker(char *buf, size_t len, uint64_t n)
{
	return (size_t)snprintk(buf, len, "[klog: %lu bytes lost]\n", (unsigned long)n);
}

/* Copy ring bytes [from, from+n) into buf. */
static void
ring_copy(char *buf, uint64_t from, size_t n)
{
	size_t at = from % KLOG_SIZE, first = min_sz(n, KLOG_SIZE - at);

	memcpy(buf, ring + at, first);
	memcpy(buf + first, ring, n - first);
}

void
klog_flush_locked(void)
{
	char buf[64];

	if (lost)
		console_uart_write(buf, marker(buf, sizeof(buf), lost));
	while (tail < head) {
		size_t at = tail % KLOG_SIZE, n = min_sz(head - tail, KLOG_SIZE - at);
		console_uart_write(ring + at, n);
		tail += n;
	}
	owner = 0;
	lost = 0;
	told = 0;
	__atomic_store_n(&klog_kick_due, 0, __ATOMIC_RELAXED);
}

long
klog_claim(struct task *t, int claim)
{
	if (claim != 0 && claim != 1)
		return -ERR_INVAL;
	if (!console_uart_pa)
		return -ERR_NOENT;
	if (claim && !task_may(t, GRANT_MMIO, console_uart_pa & ~(PAGE_SIZE - 1), PAGE_SIZE))
		return -ERR_PERM;
	long err = 0;
	spin_lock(&console_lock);
	if (claim && owner == t->tid) {
		err = -ERR_EXIST;
	} else if (claim && owner) {
		err = -ERR_BUSY;
	} else if (claim) {
		owner = t->tid;
		head = tail = lost = 0;
		told = 0;
	} else if (owner != t->tid) {
		err = -ERR_PERM;
	} else {
		klog_flush_locked();
	}
	spin_unlock(&console_lock);
	return err;
}

long
klog_peek(struct task *t, char *buf, size_t len, struct klog_cursor *c)
{
	if (len < TS_KLOG_READ_MIN)
		return -ERR_INVAL;
	spin_lock(&console_lock);
	if (!owner || owner != t->tid) {
		spin_unlock(&console_lock);
		return -ERR_PERM;
	}
	size_t m = lost ? marker(buf, len, lost) : 0;
	c->lost = lost;
	c->from = tail;
	c->nring = min_sz(head - tail, len - m);
	ring_copy(buf + m, tail, c->nring);
	if (m + c->nring == 0)
		told = 0;	/* drained: the next append notifies again */
	spin_unlock(&console_lock);
	return (long)(m + c->nring);
}

void
klog_consume(struct task *t, const struct klog_cursor *c)
{
	spin_lock(&console_lock);
	if (owner == t->tid) {
		/* Writers may have dropped bytes meanwhile (they moved tail
		 * past c->from and counted them lost); those the caller got
		 * are not lost. */
		uint64_t end = c->from + c->nring;
		uint64_t got_dropped = tail > c->from ? (tail < end ? tail : end) - c->from : 0;
		lost -= c->lost + got_dropped;
		if (tail < end)
			tail = end;
		if (tail == head && !lost)
			told = 0;
	}
	spin_unlock(&console_lock);
}

void
klog_kick_slow(void)
{
	if (!__atomic_exchange_n(&klog_kick_due, 0, __ATOMIC_ACQ_REL))
		return;
	spin_lock(&console_lock);
	long tid = owner;
	spin_unlock(&console_lock);
	int sent = 0;
	if (tid) {
		spin_lock(&ipc_lock);
		struct task *o = ipc_task(tid);
		sent = o && notify_queue(o, NOTIFY_SRC_KERNEL, NOTIFY_KLOG) == 0;
		spin_unlock(&ipc_lock);
	}
	if (!sent) {
		/* No handler or a full queue: the next append tries again. */
		spin_lock(&console_lock);
		if (owner == tid)
			told = 0;
		spin_unlock(&console_lock);
	}
}

void
klog_task_exit(struct task *t)
{
	/* Only t itself can move `owner` away from its tid. */
	if (__atomic_load_n(&owner, __ATOMIC_RELAXED) == t->tid) {
		spin_lock(&console_lock);
		if (owner == t->tid)
			klog_flush_locked();
		spin_unlock(&console_lock);
	}
	klog_kick();
}
