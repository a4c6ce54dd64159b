/*
 * System-call fuzzing: unprivileged children make thousands of calls with
 * random numbers and arguments drawn from interesting values (0, -1, small
 * and huge sizes, mapped, unmapped and kernel addresses).  Children may be
 * killed for bad arguments; the kernel must not panic, hang or leak: after
 * every round the task count and kernel heap bytes are back, and free pages
 * plus the pages the kernel heap keeps (its high-water mark) are back.
 * ipc_call and ipc_reply_wait get slot numbers near the area's (whatever
 * bytes the slots hold) and short time-outs.
 */
#include <stdlib.h>
#include <string.h>
#include <dux/dux.h>
#include "ttest.h"

#define MS 1000000ull
#define CALLS 20000	/* per child, if it is not killed first */
#define CHILDREN 40	/* per round, 4 at a time */
#define ROUNDS 3

static uint64_t rng;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint8_t buf[8192] __attribute__((aligned(4096)));

/* An argument value that is often "almost right". */
static long
arg(void)
{
	static const uint64_t pick[] = {
		0, 1, 2, 7, 63, 64, 255, 256, 1024, 4096, 4097, 65536, 1ul << 20, 1ul << 31,
		0xffffffffffffffffull, 0x8000000000000000ull, 0x3ffffff000ull, 0x4000000000ull,
		0xffffffff80200000ull, 0x80000000ull, 0x10000000ull, 0x2000000000ull,
		0x2000001000ull, 0x3000000000ull,
	};
	switch (rnd() % 4) {
	case 0:
		return (long)pick[rnd() % (sizeof(pick) / sizeof(pick[0]))];
	case 1:
		return (long)(uintptr_t)(buf + (rnd() % 2) * 4096 + (rnd() % 3 == 0 ? rnd() % 64 : 0));
	case 2:
		return (long)(rnd() % 32);
	default:
		return (long)rnd();
	}
}

static int
fuzz_child(int argc, char **argv)
{
	rng = argc > 1 ? strtoull(argv[1], NULL, 10) : 1;
	if (rng % 2)
		dux_init(8);	/* half the children have an IPC area */
	for (int i = 0; i < CALLS; i++) {
		/* Now and then an unknown number (that kills the child). */
		long n = (long)(rnd() % 64 ? rnd() % SYS_COUNT : SYS_COUNT + rnd() % 4);
		/* Not these: ending the task early makes the run short, and
		 * long sleeps make it slow (the parent kills at the end). */
		if (n == SYS_exit || n == SYS_sleep || n == SYS_io_wait || n == SYS_task_wait ||
		    n == SYS_notify_return)
			continue;
		long a[6];
		for (int k = 0; k < 6; k++)
			a[k] = arg();
		if (n == SYS_task_spawn && rnd() % 2)
			a[0] = (long)(uintptr_t)"hello", a[1] = 5, a[3] = 0;	/* sometimes valid */
		if (n == SYS_ipc_call || n == SYS_ipc_reply_wait) {
			/* The fast path: often a slot of the area (it may hold
			 * any bytes), a short time-out so the run goes on. */
			if (rnd() % 2)
				a[0] = (long)(rnd() % 20);
			a[1] = (long)(rnd() % 2 ? 0 : rnd() % 1000000);
		}
		ts_ecall(n, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
	return 0;
}

static int
sysfuzz(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	long tasks0 = sys_info(INFO_NTASKS, 0);
	long heap0 = sys_info(INFO_KHEAP_BYTES, 0), free1 = 0;
	unsigned killed = 0, finished = 0;
	for (int round = 0; round < ROUNDS; round++) {
		for (int c = 0; c < CHILDREN; c += 4) {
			long tid[4];
			for (int k = 0; k < 4; k++) {
				char seed[24];
				snprintf(seed, sizeof(seed), "%d", 1 + round * CHILDREN + c + k);
				const char *av[] = { "_fuzz", seed, NULL };
				tid[k] = ts_spawn("test_sysfuzz", av, 0, 0);	/* unprivileged */
				TT_CHECK(tid[k] > 0);
			}
			sys_sleep(20 * MS);
			for (int k = 0; k < 4; k++) {
				int st = 0;
				sys_task_kill(tid[k]);	/* may have ended already */
				TT_EQ(sys_task_wait(tid[k], &st), 0);
				if (st == 0 || st == -ERR_KILLED)
					finished++;
				else
					killed++;
			}
		}
		/* Grandchildren the fuzzers spawned end with their parents'
		 * orphaning; give them a moment. */
		for (int w = 0; w < 100 && sys_info(INFO_NTASKS, 0) != tasks0; w++)
			sys_sleep(10 * MS);
		TT_EQ(sys_info(INFO_NTASKS, 0), tasks0);
		TT_EQ(sys_info(INFO_KHEAP_BYTES, 0), heap0);
		long pages = sys_info(INFO_FREE_PAGES, 0) + sys_info(INFO_KHEAP_PAGES, 0);
		if (round == 0)
			free1 = pages;
		else
			TT_EQ(pages, free1);
	}
	printf("sysfuzz: %d rounds x %d tasks: %u ran to the end or the time limit, %u were killed "
	       "for a bad argument\n", ROUNDS, CHILDREN, finished, killed);
	return 0;
}

static const struct ttest tests[] = {
	{ "_fuzz", fuzz_child },
	{ "sysfuzz", sysfuzz },
};

TT_MAIN(tests)
