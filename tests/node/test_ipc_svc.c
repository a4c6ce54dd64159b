/* The service registry: register, look up, unregister; names are unique,
 * bounded and die with their task. */
#include <stdio.h>
#include <string.h>
#include <dux/dux.h>
#include "ttest.h"

#define MS 1000000ull

static long
reg(const char *name)
{
	return sys_svc_register(name, strlen(name));
}

static long
look(const char *name)
{
	return sys_svc_lookup(name, strlen(name));
}

/* Registers "svc-child" and waits to be killed. */
static int
holder(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (reg("svc-child") < 0)
		return 1;
	for (;;)
		sys_sleep(1000 * MS);
	return 0;
}

static int
too_long(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	static char name[64];
	memset(name, 'x', sizeof(name));
	sys_svc_lookup(name, sizeof(name));	/* 64 > 63: killed */
	return 0;
}

static int
registry(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	long me = sys_task_self();
	TT_EQ(look("svc-a"), -ERR_NOENT);
	TT_EQ(reg("svc-a"), 0);
	TT_EQ(look("svc-a"), me);
	TT_EQ(reg("svc-a"), -ERR_EXIST);
	TT_EQ(look("svc-"), -ERR_NOENT);		/* whole names only */
	TT_EQ(sys_svc_register("", 0), -ERR_INVAL);
	TT_EQ(sys_svc_unregister("svc-b", 5), -ERR_NOENT);

	long c = ttest_spawn_self("_holder", NULL, 0);
	TT_CHECK(c > 0);
	while (look("svc-child") == -ERR_NOENT)
		sys_sleep(MS);
	TT_EQ(look("svc-child"), c);
	TT_EQ(sys_svc_unregister("svc-child", 9), -ERR_PERM);	/* not ours */
	TT_EQ(sys_task_kill(c), 0);
	TT_EQ(sys_task_wait(c, NULL), 0);
	TT_EQ(look("svc-child"), -ERR_NOENT);			/* died with it */

	/* The table holds 256 names: fill it, then one more fails. */
	char name[16];
	int added = 0;
	long r = 0;
	for (int i = 0; i < 300 && r == 0; i++) {
		snprintf(name, sizeof(name), "fill-%d", i);
		if ((r = reg(name)) == 0)
			added++;
	}
	TT_EQ(r, -ERR_NOMEM);
	TT_CHECK(added >= 240 && added < 256);
	for (int i = 0; i < added; i++) {
		snprintf(name, sizeof(name), "fill-%d", i);
		TT_EQ(sys_svc_unregister(name, strlen(name)), 0);
	}
	TT_EQ(sys_svc_unregister("svc-a", 5), 0);
	TT_EQ(look("svc-a"), -ERR_NOENT);

	const char *av[] = { "_too_long", NULL };
	TT_EQ(ts_run("test_ipc_svc", av, 0, 0), -ERR_BADSYS);
	return 0;
}

static const struct ttest tests[] = {
	{ "_holder", holder },
	{ "_too_long", too_long },
	{ "registry", registry },
};

TT_MAIN(tests)
