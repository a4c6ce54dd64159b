/* Spinlocks.  The kernel runs with interrupts off, so a lock is never taken
 * by an interrupt handler on the same hart: no irq-save variants. */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

struct spinlock {
	volatile int locked;
	int owner;		/* hart index + 1 while held, for panic checks */
	const char *name;
};

#define SPINLOCK_INIT(n) { 0, 0, (n) }

void spin_lock(struct spinlock *l);
void spin_unlock(struct spinlock *l);
int spin_held(const struct spinlock *l);

#endif
