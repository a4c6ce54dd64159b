/*
 * Host stand-ins for kernel services (see kstub.h).  The spinlocks keep the
 * kernel's checks (no recursion, unlock only by the owner) and a list of the
 * locks held, so that a panic caught by kstub_catch() can release them the
 * way a dead kernel would never need to.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kernel/hart.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <kernel/vm.h>

#include "kstub.h"

#define MAX_HELD 16

struct hart harts[MAX_HARTS];
unsigned nharts;
struct hart *host_hart = &harts[0];

char kstub_panic_msg[256];
unsigned kstub_npanics;
char kstub_printk_msg[256];
int kstub_kmap_slot = -1;
uint64_t kstub_kmap_pa;

static jmp_buf *panic_jmp;
static struct spinlock *held[MAX_HELD];
static unsigned nheld;
static uint8_t *ram;
static uint64_t ram_base, ram_size;

void
kstub_set_harts(unsigned n)
{
	if (n == 0 || n > MAX_HARTS) {
		fprintf(stderr, "kstub_set_harts: bad count %u\n", n);
		abort();
	}
	memset(harts, 0, sizeof(harts));
	for (unsigned i = 0; i < MAX_HARTS; i++)
		harts[i].index = i;
	nharts = n;
	host_hart = &harts[0];
}

void
kstub_ram_init(uint64_t base, uint64_t size)
{
	free(ram);
	ram = malloc(size);
	if (ram == NULL) {
		perror("kstub_ram_init");
		abort();
	}
	ram_base = base;
	ram_size = size;
}

void
kstub_ram_free(void)
{
	free(ram);
	ram = NULL;
	ram_base = ram_size = 0;
}

uint8_t *
kstub_ram(uint64_t pa)
{
	if (ram == NULL || pa < ram_base || pa - ram_base >= ram_size)
		return NULL;
	return ram + (pa - ram_base);
}

void *
kmap(int slot, uint64_t pa)
{
	uint8_t *p = kstub_ram(pa);

	kstub_kmap_slot = slot;
	kstub_kmap_pa = pa;
	if (p == NULL)
		panic("kmap: pa %lx outside the fake RAM", (unsigned long)pa);
	return p;
}

int
kstub_catch(void (*fn)(void *), void *arg)
{
	jmp_buf env;
	jmp_buf *volatile outer = panic_jmp;

	if (setjmp(env)) {
		panic_jmp = outer;
		return 1;
	}
	panic_jmp = &env;
	fn(arg);
	panic_jmp = outer;
	return 0;
}

unsigned
kstub_locks_held(void)
{
	return nheld;
}

static int
me(void)
{
	return host_hart ? (int)host_hart->index + 1 : 1;
}

void
spin_lock(struct spinlock *l)
{
	if (l->locked && l->owner == me())
		panic("spin_lock: %s already held by this hart", l->name);
	if (l->locked)
		panic("spin_lock: %s held by hart %d: would spin forever",
		      l->name, l->owner - 1);
	if (nheld == MAX_HELD)
		panic("spin_lock: more than %d locks held", MAX_HELD);
	l->locked = 1;
	l->owner = me();
	held[nheld++] = l;
}

void
spin_unlock(struct spinlock *l)
{
	unsigned i;

	if (!l->locked || l->owner != me())
		panic("spin_unlock: %s not held by this hart", l->name);
	for (i = 0; i < nheld && held[i] != l; i++)
		;
	if (i == nheld)
		panic("spin_unlock: %s not in the held list", l->name);
	held[i] = held[--nheld];
	l->owner = 0;
	l->locked = 0;
}

int
spin_held(const struct spinlock *l)
{
	return l->locked && l->owner == me();
}

void
printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(kstub_printk_msg, sizeof(kstub_printk_msg), fmt, ap);
	va_end(ap);
	fputs(kstub_printk_msg, stdout);
}

void
panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(kstub_panic_msg, sizeof(kstub_panic_msg), fmt, ap);
	va_end(ap);
	kstub_npanics++;
	while (nheld > 0) {
		struct spinlock *l = held[--nheld];
		l->owner = 0;
		l->locked = 0;
	}
	if (panic_jmp != NULL)
		longjmp(*panic_jmp, 1);
	fprintf(stderr, "panic outside kstub_catch: %s\n", kstub_panic_msg);
	abort();
}
