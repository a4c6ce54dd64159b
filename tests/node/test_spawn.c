/* Task life-cycle tests: 1,000 spawn/exit without a leak, argument passing,
 * wait/kill rules, and refused spawns. */
#include <stdlib.h>
#include <string.h>
#include "ttest.h"

static int
child_exit(int argc, char **argv)
{
	return argc > 1 ? atoi(argv[1]) : 0;
}

static int
child_args(int argc, char **argv)
{
	/* argv[-1] is the program name; we are argv[0] = "_args". */
	if (argc != 4 || strcmp(argv[1], "alpha") || strcmp(argv[2], "") ||
	    strcmp(argv[3], "gamma delta"))
		return 1;
	return strcmp(argv[-1], "test_spawn") == 0 ? 42 : 2;
}

static int
spawn_1000(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	long tasks0 = sys_info(INFO_NTASKS, 0);
	long heap0 = sys_info(INFO_KHEAP_BYTES, 0);
	long free0 = 0;
	for (int i = 0; i < 1010; i++) {
		if (i == 10)	/* after warm-up: see test_mem stress_all_harts */
			free0 = sys_info(INFO_FREE_PAGES, 0);
		char code[8];
		code[0] = (char)('0' + i % 10);
		code[1] = 0;
		long tid = ttest_spawn_self("_exit", code, 0);
		TT_CHECK(tid > 0);
		int st = -1;
		TT_EQ(sys_task_wait(tid, &st), 0);
		TT_EQ(st, i % 10);
	}
	printf("1000 tasks: free pages %ld -> %ld, heap bytes %ld -> %ld\n", free0,
	       sys_info(INFO_FREE_PAGES, 0), heap0, sys_info(INFO_KHEAP_BYTES, 0));
	TT_EQ(sys_info(INFO_FREE_PAGES, 0), free0);
	TT_EQ(sys_info(INFO_KHEAP_BYTES, 0), heap0);
	TT_EQ(sys_info(INFO_NTASKS, 0), tasks0);
	return 0;
}

static int
args(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	const char *av[] = { "_args", "alpha", "", "gamma delta", NULL };
	TT_EQ(ts_run("test_spawn", av, 0, 0), 42);
	return 0;
}

/* Wait (up to 10 s) until task tid is a zombie in the task list; return
 * the exit status recorded there, or -1 if it never became one. */
static int
zombie_status(long tid)
{
	static struct ts_task_info info[256];

	for (int tries = 0; tries < 10000; tries++) {
		long n = sys_task_list(info, sizeof(info));
		for (long i = 0; i < n && i < 256; i++)
			if (info[i].tid == tid && info[i].state == TS_TASK_ZOMBIE)
				return info[i].exit_status;
		sys_sleep(1000000);
	}
	return -1;
}

static int
wait_rules(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	int st;
	TT_EQ(sys_task_wait(123456789, &st), -ERR_SRCH);
	TT_EQ(sys_task_wait(sys_task_self(), &st), -ERR_CHILD);
	TT_EQ(sys_task_kill(123456789), -ERR_SRCH);
	/* A zombie child can be waited for after it ended: the task list
	 * shows it as one (with its status) before we wait. */
	long c = ttest_spawn_self("_exit", "7", 0);
	TT_CHECK(c > 0);
	TT_EQ(zombie_status(c), 7);
	TT_EQ(sys_task_wait(c, &st), 0);
	TT_EQ(st, 7);
	TT_EQ(sys_task_wait(c, &st), -ERR_SRCH);	/* reaped */
	/* NULL status is allowed. */
	c = ttest_spawn_self("_exit", "3", 0);
	TT_EQ(sys_task_wait(c, NULL), 0);
	return 0;
}

static int
refused(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TT_EQ(sys_task_spawn("no_such_program", 15, "", 0, 0, 0), -ERR_NOENT);
	TT_EQ(sys_task_spawn("test_spawn", 10, "", 0, 0, 0x80), -ERR_INVAL);
	TT_EQ(sys_task_spawn("", 0, "", 0, 0, 0), -ERR_INVAL);
	TT_EQ(sys_task_spawn("te\0t", 4, "", 0, 0, 0), -ERR_INVAL);
	TT_EQ(sys_task_spawn("bad_elf", 7, "", 0, 0, 0), -ERR_BADEXEC);
	TT_EQ(sys_task_spawn("not_elf", 7, "", 0, 0, 0), -ERR_BADEXEC);
	return 0;
}

static const struct ttest tests[] = {
	{ "_exit", child_exit },
	{ "_args", child_args },
	{ "spawn_1000", spawn_1000 },
	{ "args", args },
	{ "wait_rules", wait_rules },
	{ "refused", refused },
};

TT_MAIN(tests)
