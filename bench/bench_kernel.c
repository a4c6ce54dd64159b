/*
 * Kernel micro-benchmarks, run by ci/bench under qemu -icount shift=0 on one
 * hart: rdtime deltas x 100 = instructions.  Prints "BENCH <key> <value>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tessera/user.h>

#define N 20000

static long insns_per(uint64_t ticks, long n)
{
	return (long)(ticks * 100 / (uint64_t)n);
}

static void
report(const char *key, long value)
{
	printf("BENCH %s %ld\n", key, value);
}

static void
bench_syscall(void)
{
	for (int i = 0; i < 100; i++)
		sys_task_self();
	uint64_t t0 = ts_rdtime();
	for (int i = 0; i < N; i++)
		sys_task_self();
	report("syscall_null_insns", insns_per(ts_rdtime() - t0, N));
}

static void
bench_ctx_switch(const char *self)
{
	const char *av[] = { "_yield", NULL };
	long child = ts_spawn(self, av, 0, 0);
	if (child < 0) {
		printf("spawn failed: %ld\n", child);
		exit(1);
	}
	for (int i = 0; i < 100; i++)
		sys_yield();
	uint64_t t0 = ts_rdtime();
	for (int i = 0; i < N; i++)
		sys_yield();
	uint64_t d = ts_rdtime() - t0;
	sys_task_kill(child);
	sys_task_wait(child, NULL);
	/* Each of our yields switches to the child and back: two switches. */
	report("ctx_switch_insns", insns_per(d, 2 * N));
}

static void
bench_pages(void)
{
	sys_info(INFO_BENCH_PAGE, 0);
	long cached = 0, uncached = 0;
	for (int i = 0; i < 20; i++) {
		cached += sys_info(INFO_BENCH_PAGE, 0);
		uncached += sys_info(INFO_BENCH_PAGE, 1);
	}
	report("page_alloc_free_insns", insns_per((uint64_t)cached, 20 * 1000));
	report("page_alloc_free_uncached_insns", insns_per((uint64_t)uncached, 20 * 1000));
}

/* Map and unmap 16 zeroed pages: page-table walks and zeroing all go
 * through the kernel's window on physical memory (slots or direct map). */
static void
bench_mem(void)
{
	const uintptr_t va = 0x2000000000ul;
	sys_mem_alloc(va, 16 * 4096, MEM_R | MEM_W);
	sys_mem_free(va, 16 * 4096);
	uint64_t t0 = ts_rdtime();
	for (int i = 0; i < 500; i++) {
		sys_mem_alloc(va, 16 * 4096, MEM_R | MEM_W);
		sys_mem_free(va, 16 * 4096);
	}
	report("mem_alloc_free_16p_insns", insns_per(ts_rdtime() - t0, 500));
}

static void
bench_spawn(const char *self)
{
	const char *av[] = { "_exit", NULL };
	for (int i = 0; i < 5; i++)
		ts_run(self, av, 0, 0);
	uint64_t t0 = ts_rdtime();
	for (int i = 0; i < 100; i++)
		ts_run(self, av, 0, 0);
	report("spawn_wait_insns", insns_per(ts_rdtime() - t0, 100));
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
