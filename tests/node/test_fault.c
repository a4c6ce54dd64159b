/*
 * Fault tests: each kind of bad behaviour kills only the offender, with its
 * own exit status; its pages go back to the allocator; we keep running.
 */
#include <string.h>
#include "ttest.h"

static int
null_load(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return *(volatile int *)0;
}

static int
kernel_load(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return *(volatile int *)0xffffffff80200000ul;
}

static int
text_store(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	*(volatile int *)(uintptr_t)&text_store = 0;
	return 0;
}

static int
illegal(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	__asm__ volatile(".word 0");
	return 0;
}

static int
fpu_insn(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	/* fmv.w.x ft0, zero: the FPU is off for user tasks. */
	__asm__ volatile(".word 0xf0000053");
	return 0;
}

static int
exec_data(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	static uint32_t code[4] = { 0x00008067 };	/* ret */
	((void (*)(void))(uintptr_t)code)();
	return 0;
}

static int
bad_syscall(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	ts_ecall(4242, 0, 0, 0, 0, 0, 0);
	return 0;
}

static int
bad_pointer(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sys_log((const char *)0xffffffff80200000ul, 16);
	return 0;
}

static int
unmapped_pointer(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	int *p = (int *)0x2000000000ul;
	sys_task_wait(1, p);
	return 0;
}

static int
bad_length(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	static char buf[4096];
	sys_log(buf, sizeof(buf));
	return 0;
}

static int
stack_overflow(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	volatile char *p = (volatile char *)&argc;
	for (;;) {
		p -= 4096;
		*p = 1;
	}
	return 0;
}

static const struct {
	const char *name;
	long status;
} cases[] = {
	{ "_null_load", -ERR_PGFAULT },
	{ "_kernel_load", -ERR_PGFAULT },
	{ "_text_store", -ERR_PGFAULT },
	{ "_illegal", -ERR_ILLINSN },
	{ "_fpu", -ERR_ILLINSN },
	{ "_exec_data", -ERR_PGFAULT },
	{ "_bad_syscall", -ERR_BADSYS },
	{ "_bad_pointer", -ERR_BADSYS },
	{ "_unmapped_pointer", -ERR_BADSYS },
	{ "_bad_length", -ERR_BADSYS },
	{ "_stack_overflow", -ERR_PGFAULT },
};

/* Run every faulting helper twice; check its status and that memory and the
 * task count come back. */
static int
faults_kill_offender(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	long ntasks = sys_info(INFO_NTASKS, 0);
	long heap = sys_info(INFO_KHEAP_BYTES, 0);
	long pages0 = 0;
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			long tid = ttest_spawn_self(cases[i].name, NULL, 0);
			TT_CHECK(tid > 0);
			int st = 0;
			TT_EQ(sys_task_wait(tid, &st), 0);
			if (st != cases[i].status)
				printf("%s: status %d, want %ld\n", cases[i].name, st, cases[i].status);
			TT_EQ(st, cases[i].status);
		}
		if (round == 0)
			pages0 = sys_info(INFO_FREE_PAGES, 0);
	}
	TT_EQ(sys_info(INFO_FREE_PAGES, 0), pages0);
	TT_EQ(sys_info(INFO_NTASKS, 0), ntasks);
	TT_EQ(sys_info(INFO_KHEAP_BYTES, 0), heap);
	return 0;
}

static int
privilege(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	/* Spawned without SPAWN_PRIV: privileged calls are refused. */
	const char *av[] = { "_unpriv", NULL };
	TT_EQ(ts_run("test_fault", av, 0, 0), 0);
	return 0;
}

static int
unpriv(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	uint64_t pa;
	TT_EQ(sys_poweroff(3), -ERR_PERM);
	TT_EQ(sys_mem_map_device(0x20000000, 0x10000000, 4096), -ERR_PERM);
	TT_EQ(sys_mem_alloc_dma(0x20000000, 4096, &pa), -ERR_PERM);
	TT_EQ(sys_info(INFO_BENCH_PAGE, 0), -ERR_PERM);
	TT_EQ(sys_task_kill(1), -ERR_SRCH);
	return 0;
}

static const struct ttest tests[] = {
	{ "_null_load", null_load },
	{ "_kernel_load", kernel_load },
	{ "_text_store", text_store },
	{ "_illegal", illegal },
	{ "_fpu", fpu_insn },
	{ "_exec_data", exec_data },
	{ "_bad_syscall", bad_syscall },
	{ "_bad_pointer", bad_pointer },
	{ "_unmapped_pointer", unmapped_pointer },
	{ "_bad_length", bad_length },
	{ "_stack_overflow", stack_overflow },
	{ "_unpriv", unpriv },
	{ "faults_kill_offender", faults_kill_offender },
	{ "privilege", privilege },
};

TT_MAIN(tests)
