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

#define BENCH_NAME "bench_ipc_smp"
#include "bench.h"

#define N_RTT 2000

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
		bench_die("dux_init", r);
	const char *av[] = { "_server", NULL };
	long s = ts_spawn("bench_ipc", av, 0, 0);
	if (s < 0)
		bench_die("spawn server", s);
	if ((r = (int)sys_task_pin(sys_task_self(), 0)) < 0 || (r = (int)sys_task_pin(s, 1)) < 0)
		bench_die("task_pin", r);
	while ((r = call(s, OP_ECHO)) == -ERR_SRCH)
		sys_yield();
	for (int i = 0; i < 100; i++)
		if ((r = call(s, OP_ECHO)) < 0)
			bench_die("echo call", r);
	long me = sys_info(INFO_HART_ID, 0);
	int there = call(s, OP_INFO);
	if (me < 0 || there < 0)
		bench_die("hart id", me < 0 ? me : there);
	uint64_t t0 = ts_rdtime();
	for (int i = 0; i < N_RTT; i++)
		if ((r = call(s, OP_ECHO)) < 0)
			bench_die("echo call", r);
	uint64_t d = ts_rdtime() - t0;
	long me2 = sys_info(INFO_HART_ID, 0);
	int there2 = call(s, OP_INFO);
	if (me2 < 0 || there2 < 0)
		bench_die("hart id", me2 < 0 ? me2 : there2);
	printf("bench_ipc_smp: client on hart %ld -> %ld, server on hart %d -> %d\n", me, me2,
	       there, there2);
	if (me == there || me2 == there2)
		bench_die("client and server shared a hart", -ERR_RANGE);
	bench_report("ipc_rtt_cross_hart_insns", d, N_RTT);
	if ((r = (int)sys_task_kill(s)) < 0 || (r = (int)sys_task_wait(s, NULL)) < 0)
		bench_die("end server", r);
	fflush(stdout);
	sys_poweroff(0);
	return 0;
}
