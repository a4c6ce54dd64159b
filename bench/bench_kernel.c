/*
 * Kernel micro-benchmarks, run by ci/bench under qemu -icount shift=0 on one
 * hart: rdtime deltas x 100 = instructions.  Prints "BENCH <key> <value>".
 * Every call is checked: a failing one ends the run with status 1 and no
 * figure (a failed call would otherwise make the figure smaller).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tessera/user.h>

#define BENCH_NAME "bench_kernel"
#include "bench.h"

#define N 20000

static void
bench_syscall(void)
{
	const long self = sys_task_self();

	if (self <= 0)
		bench_die("task_self", self);
	for (int i = 0; i < 100; i++)
		if (sys_task_self() != self)
			bench_die("task_self changed", -ERR_INVAL);
	uint64_t t0 = ts_rdtime();
	long sum = 0;
	for (int i = 0; i < N; i++)
		sum += sys_task_self();
	uint64_t d = ts_rdtime() - t0;
	if (sum != self * N)
		bench_die("task_self changed", -ERR_INVAL);
	bench_report("syscall_null_insns", d, N);
}

static void
bench_ctx_switch(const char *self)
{
	const char *av[] = { "_yield", NULL };
	long child = ts_spawn(self, av, 0, 0), r;
	if (child < 0)
		bench_die("spawn _yield", child);
	for (int i = 0; i < 100; i++)
		if ((r = sys_yield()) < 0)
			bench_die("yield", r);
	uint64_t t0 = ts_rdtime();
	long bad = 0;
	for (int i = 0; i < N; i++)
		bad |= sys_yield();
	uint64_t d = ts_rdtime() - t0;
	if (bad < 0)
		bench_die("yield", bad);
	if ((r = sys_task_kill(child)) < 0 || (r = sys_task_wait(child, NULL)) < 0)
		bench_die("end _yield", r);
	/* Each of our yields switches to the child and back: two switches. */
	bench_report("ctx_switch_insns", d, 2 * N);
}

/* One INFO_BENCH_PAGE run (1000 page alloc/free pairs): its ticks. */
static long
page_run(int uncached)
{
	long t = sys_info(INFO_BENCH_PAGE, uncached);
	if (t <= 0)
		bench_die("info BENCH_PAGE", t < 0 ? t : -ERR_INVAL);
	return t;
}

static void
bench_pages(void)
{
	page_run(0);
	long cached = 0, uncached = 0;
	for (int i = 0; i < 20; i++) {
		cached += page_run(0);
		uncached += page_run(1);
	}
	bench_report("page_alloc_free_insns", (uint64_t)cached, 20 * 1000);
	bench_report("page_alloc_free_uncached_insns", (uint64_t)uncached, 20 * 1000);
}

/* Map 16 zeroed pages and unmap them. */
static void
mem_pair(uintptr_t va)
{
	long r;

	if ((r = sys_mem_alloc(va, 16 * 4096, MEM_R | MEM_W)) < 0)
		bench_die("mem_alloc", r);
	if ((r = sys_mem_free(va, 16 * 4096)) < 0)
		bench_die("mem_free", r);
}

/* Map and unmap 16 zeroed pages: page-table walks and zeroing all go
 * through the kernel's window on physical memory (slots or direct map). */
static void
bench_mem(void)
{
	const uintptr_t va = 0x2000000000ul;
	mem_pair(va);
	uint64_t t0 = ts_rdtime();
	for (int i = 0; i < 500; i++)
		mem_pair(va);
	bench_report("mem_alloc_free_16p_insns", ts_rdtime() - t0, 500);
}

/* Run this program as "_exit", which returns 0; anything else ends us. */
static void
run_exit(const char *self)
{
	const char *av[] = { "_exit", NULL };
	long st = ts_run(self, av, 0, 0);

	if (st != 0)
		bench_die("run _exit", st < 0 ? st : -ERR_INVAL);
}

static void
bench_spawn(const char *self)
{
	for (int i = 0; i < 5; i++)
		run_exit(self);
	uint64_t t0 = ts_rdtime();
	for (int i = 0; i < 100; i++)
		run_exit(self);
	bench_report("spawn_wait_insns", ts_rdtime() - t0, 100);
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "_yield") == 0)
		for (;;)
			sys_yield();
	if (argc > 1 && strcmp(argv[1], "_exit") == 0)
		return 0;
	bench_syscall();
	bench_ctx_switch(argv[0]);
	bench_pages();
	bench_mem();
	bench_spawn(argv[0]);
	fflush(stdout);
	sys_poweroff(0);
	return 0;
}
