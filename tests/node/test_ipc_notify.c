/*
 * Notifications: the handler runs at once, with (source, value), both while
 * the target spins in user code and while it sleeps in io_wait (which then
 * returns early); unrelated unprivileged tasks may not notify each other.
 */
#include <stdio.h>
#include "test_ipc.h"

#define VALUE 0x5eed1234ul

static volatile uint64_t got_source, got_value;
static volatile int got_count;
static uint8_t nstack[8192] __attribute__((aligned(16)));

static void
on_notify(uint64_t source, uint64_t value)
{
	got_source = source;
	got_value = value;
	got_count++;
}

/* Tell the parent (argv[1]) that the handler is set: one READ request, the
 * parent never answers it. */
static int
target_setup(int argc, char **argv, long *parent)
{
	TT_CHECK(argc > 1);
	*parent = strtol(argv[1], NULL, 10);
	TT_EQ(dux_init(8), 0);
	TT_EQ(dux_notify_handler(on_notify, nstack, sizeof(nstack)), 0);
	struct ts_packet *p = dux_alloc();
	TT_CHECK(p);
	p->opcode = OP_READ;
	dux_request((ts_addr)*parent, p);
	return 0;
}

static int
check_got(long parent)
{
	TT_EQ(got_count, 1);
	TT_EQ(got_source, parent);
	TT_EQ(got_value, VALUE);
	return 0;
}

static int
spin_target(int argc, char **argv)
{
	long parent;
	TT_EQ(target_setup(argc, argv, &parent), 0);
	TT_CHECK(dux_flush() >= 0);
	uint64_t until = ts_now() + 10 * SEC;
	while (!got_count && ts_now() < until)
		;
	return check_got(parent);
}

static int
sleep_target(int argc, char **argv)
{
	long parent;
	TT_EQ(target_setup(argc, argv, &parent), 0);
	uint64_t t0 = ts_now();
	long r = dux_wait(20 * SEC);	/* flushes the ready request, sleeps */
	uint64_t dt = ts_now() - t0;
	printf("sleep_target: io_wait returned %ld after %lu ms\n", r, (unsigned long)(dt / MS));
	TT_EQ(r, 0);
	TT_CHECK(dt < 10 * SEC);
	return check_got(parent);
}

static int
notify_target(const char *helper)
{
	TT_EQ(dux_init(8), 0);
	char arg[24];
	snprintf(arg, sizeof(arg), "%ld", sys_task_self());
	long x = ttest_spawn_self(helper, arg, 0);
	TT_CHECK(x > 0);
	struct ts_packet *p = tipc_recv(5 * SEC);
	TT_CHECK(p);
	TT_EQ(p->addr, x);
	dux_done(p);
	TT_EQ(sys_notify(x, VALUE), 0);
	int st = -1;
	TT_EQ(sys_task_wait(x, &st), 0);
	TT_EQ(st, 0);
	return 0;
}

static int
notify_spin(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return notify_target("_spin");
}

static int
notify_sleep(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return notify_target("_sleep");
}

static int
idle_target(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	dux_init(8);
	dux_notify_handler(on_notify, nstack, sizeof(nstack));
	for (;;)
		sys_sleep(1000 * MS);
	return 0;
}

/* argv[1] = tid of a task in another group, not ours. */
static int
stranger(int argc, char **argv)
{
	TT_CHECK(argc > 1);
	long other = strtol(argv[1], NULL, 10);
	TT_EQ(sys_notify(other, 1), -ERR_PERM);
	TT_EQ(sys_notify(999999, 1), -ERR_SRCH);
	return 0;
}

/* Unprivileged tasks in different groups, neither parent of the other. */
static int
notify_perm(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	long ga = sys_group_create(), gb = sys_group_create();
	TT_CHECK(ga > 0 && gb > 0);
	const char *av1[] = { "_idle", NULL };
	long b = ts_spawn("test_ipc_notify", av1, gb, 0);
	TT_CHECK(b > 0);
	char arg[24];
	snprintf(arg, sizeof(arg), "%ld", b);
	const char *av2[] = { "_stranger", arg, NULL };
	TT_EQ(ts_run("test_ipc_notify", av2, ga, 0), 0);
	tipc_kill(b);
	return 0;
}

static const struct ttest tests[] = {
	{ "_spin", spin_target },
	{ "_sleep", sleep_target },
	{ "_idle", idle_target },
	{ "_stranger", stranger },
	{ "notify_spin", notify_spin },
	{ "notify_sleep", notify_sleep },
	{ "notify_perm", notify_perm },
};

TT_MAIN(tests)
