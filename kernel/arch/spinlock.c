/* Test-and-test-and-set spinlocks with acquire/release ordering. */
#include <kernel/hart.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>

static int
me(void)
{
	struct hart *h = this_hart();
	return h ? (int)h->index + 1 : 1;
}

void
spin_lock(struct spinlock *l)
{
	int self = me();

	if (l->locked && l->owner == self)
		panic("spin_lock: %s already held by this hart", l->name);
	for (;;) {
		if (!__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
			break;
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			;
	}
	l->owner = self;
}

void
spin_unlock(struct spinlock *l)
{
	if (!l->locked || l->owner != me())
		panic("spin_unlock: %s not held by this hart", l->name);
	l->owner = 0;
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

int
spin_held(const struct spinlock *l)
{
	return l->locked && l->owner == me();
}
