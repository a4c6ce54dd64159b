/* Scheduler tests: pre-emption, fairness per group then per task, yield,
 * sleep, and killing tasks in every state. */
#include <stdlib.h>
#include "ttest.h"

#define MS 1000000ull

/* A task that never yields does not stop others (run with 1 hart). */
static int
preempt(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	long spinner = ttest_spawn_self("_busy", NULL, 0);
	TT_CHECK(spinner > 0);
	uint64_t t0 = ts_now();
	for (int i = 0; i < 5; i++) {
		/* Busy too: we only get back here if the kernel pre-empts. */
		uint64_t until = ts_now() + 20 * MS;
		while (ts_now() < until)
			;
	}
	TT_CHECK(ts_now() - t0 >= 100 * MS);
	long cpu = sys_info(INFO_TASK_CPU_NS, spinner);
	printf("spinner ran %ld ms while we ran\n", cpu / (long)MS);
	TT_CHECK(cpu > 20 * (long)MS);
	TT_EQ(sys_task_kill(spinner), 0);
	int st = 0;
	TT_EQ(sys_task_wait(spinner, &st), 0);
	TT_EQ(st, -ERR_KILLED);
	return 0;
}

/* Group A with 1 busy task vs group B with 4: each group gets 50% +- 10%,
 * and B's tasks share B's half evenly. */
static int
fairness(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	long ga = sys_group_create(), gb = sys_group_create();
	TT_CHECK(ga > 1 && gb > 1 && ga != gb);
	long tids[5];
	tids[0] = ttest_spawn_self("_busy", NULL, ga);
	for (int i = 1; i < 5; i++)
		tids[i] = ttest_spawn_self("_busy", NULL, gb);
	for (int i = 0; i < 5; i++)
		TT_CHECK(tids[i] > 0);
	sys_sleep(2000 * MS);
	long cpu[5], total = 0, b = 0;
	for (int i = 0; i < 5; i++) {
		cpu[i] = sys_info(INFO_TASK_CPU_NS, tids[i]);
		TT_CHECK(cpu[i] >= 0);
		total += cpu[i];
		if (i)
			b += cpu[i];
	}
	for (int i = 0; i < 5; i++) {
		sys_task_kill(tids[i]);
		sys_task_wait(tids[i], NULL);
	}
	long pct_a = cpu[0] * 100 / total;
	printf("group A %ld%%, group B %ld%% (B tasks: %ld %ld %ld %ld ms)\n", pct_a,
	       b * 100 / total, cpu[1] / (long)MS, cpu[2] / (long)MS, cpu[3] / (long)MS,
	       cpu[4] / (long)MS);
	TT_CHECK(pct_a >= 40 && pct_a <= 60);
	for (int i = 1; i < 5; i++) {
		long share = cpu[i] * 100 / b;
		TT_CHECK(share >= 15 && share <= 35);
	}
	return 0;
}

/* Joining groups: only self or children; unknown ids refused. */
static int
groups(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	long g = sys_group_create();
	TT_CHECK(g > 0);
	TT_EQ(sys_group_join(sys_task_self(), 999999), -ERR_NOENT);
	TT_EQ(sys_group_join(123456789, g), -ERR_SRCH);
	TT_EQ(sys_group_join(sys_task_self(), g), 0);
	long c = ttest_spawn_self("_sleep", NULL, 0);
	TT_CHECK(c > 0);
	TT_EQ(sys_group_join(c, g), 0);
	TT_EQ(sys_task_kill(c), 0);
	int st;
	TT_EQ(sys_task_wait(c, &st), 0);
	TT_EQ(st, -ERR_KILLED);
	TT_EQ(sys_task_spawn("x", 1, "", 0, 987654, 0), -ERR_NOENT);
	return 0;
}

static int
yield_sleep(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (int i = 0; i < 100; i++)
		TT_EQ(sys_yield(), 0);
	uint64_t a = ts_now();
	TT_EQ(sys_sleep(30 * MS), 0);
	uint64_t d = ts_now() - a;
	TT_CHECK(d >= 30 * MS);
	TT_CHECK(d < 1000 * MS);
	/* Sleepers wake in deadline order. */
	long s = ttest_spawn_self("_sleep", NULL, 0);
	TT_CHECK(s > 0);
	TT_EQ(sys_sleep(10 * MS), 0);
	TT_EQ(sys_task_kill(s), 0);
	int st;
	TT_EQ(sys_task_wait(s, &st), 0);
	TT_EQ(st, -ERR_KILLED);
	return 0;
}

/* Exit with the hart we end up on after some work. */
static int
where(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	uint64_t until = ts_now() + 50 * MS;
	while (ts_now() < until)
		;
	return (int)sys_info(INFO_HART_ID, 0);
}

/* task_pin keeps a task on one hart; bad harts and tasks are refused. */
static int
pin(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	long nharts = sys_info(INFO_NHARTS, 0);
	TT_EQ(sys_task_pin(sys_task_self(), nharts), -ERR_RANGE);
	TT_EQ(sys_task_pin(sys_task_self(), -2), -ERR_RANGE);
	TT_EQ(sys_task_pin(123456789, 0), -ERR_SRCH);
	for (long h = nharts - 1; h >= 0; h--) {
		TT_EQ(sys_task_pin(sys_task_self(), h), 0);
		TT_EQ(sys_info(INFO_HART_ID, 0), h);	/* moved at once */
		long c = ttest_spawn_self("_where", NULL, 0);
		TT_CHECK(c > 0);
		TT_EQ(sys_task_pin(c, nharts - 1 - h), 0);
		int st = -1;
		TT_EQ(sys_task_wait(c, &st), 0);
		TT_EQ(st, nharts - 1 - h);
	}
	TT_EQ(sys_task_pin(sys_task_self(), -1), 0);
	return 0;
}

static const struct ttest tests[] = {
	{ "_where", where },
	{ "pin", pin },
	{ "_busy", ttest_busy_forever },
	{ "_sleep", ttest_sleep_forever },
	{ "preempt", preempt },
	{ "fairness", fairness },
	{ "groups", groups },
	{ "yield_sleep", yield_sleep },
};

TT_MAIN(tests)
