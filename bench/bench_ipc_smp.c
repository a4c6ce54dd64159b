/*
 * Cross-hart IPC round trip (ci/bench boots "_smp" programs on 2 harts,
 * under icount): this client and the bench_ipc server on different harts.
 * Under icount QEMU runs the harts round-robin, so the figure counts every
 * hart's instructions, idle loops included.  The client pins itself to
 * hart 0 and the server to hart 1 (task_pin); where they ran is printed and
 * checked.
 *
 *   ipc_rtt_cross_hart_insns   dux_call ECHO without data, per round trip
 */
#include <stdio.h>
#include <stdlib.h>
#include <dux/dux.h>
#include <tessera/user.h>

#define N_RTT 2000

static void
die(const char *what, long r)
{
	printf("bench_ipc_smp: %s: %ld (%s)\n", what, r, ts_strerror(r));
	exit(1);
}

static int
call(long s, unsigned op)
{
	struct ts_packet req = { .opcode = (uint16_t)op }, rep;
	return dux_call((ts_addr)s, &req, &rep, 5000000000ull);
}

int
main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	int r = dux_init(64);
	if (r < 0)
		die("dux_init", r);
	const char *av[] = { "_server", NULL };
	long s = ts_spawn("bench_ipc", av, 0, 0);
	if (s < 0)
		die("spawn server", s);
	if ((r = (int)sys_task_pin(sys_task_self(), 0)) < 0 || (r = (int)sys_task_pin(s, 1)) < 0)
		die("task_pin", r);
	while ((r = call(s, OP_ECHO)) == -ERR_SRCH)
		sys_yield();
	for (int i = 0; i < 100; i++)
		call(s, OP_ECHO);
	long me = sys_info(INFO_HART_ID, 0);
	int there = call(s, OP_INFO);
	uint64_t t0 = ts_rdtime();
	for (int i = 0; i < N_RTT; i++)
		if ((r = call(s, OP_ECHO)) < 0)
			die("echo call", r);
	uint64_t d = ts_rdtime() - t0;
	long me2 = sys_info(INFO_HART_ID, 0);
	int there2 = call(s, OP_INFO);
	printf("bench_ipc_smp: client on hart %ld -> %ld, server on hart %d -> %d\n", me, me2,
	       there, there2);
	if (me == there || me2 == there2)
		die("client and server shared a hart", -ERR_RANGE);
	printf("BENCH ipc_rtt_cross_hart_insns %ld\n", (long)(d * 100 / N_RTT));
	sys_task_kill(s);
	sys_task_wait(s, NULL);
	fflush(stdout);
	sys_poweroff(0);
	return 0;
}
