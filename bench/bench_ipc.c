/*
 * IPC benchmarks through dux, run by ci/bench under qemu -icount shift=0 on
 * one hart: rdtime deltas x 100 = instructions (all tasks' instructions:
 * client, server and kernel).  Prints "BENCH <key> <value>".
 *
 *   ipc_rtt_same_hart_insns       dux_call ECHO without data, per round trip
 *                                 (dux_call sends with send-and-wait; the
 *                                 server is the ring server below)
 *   ipc_rtt_same_hart_fast_insns  the same against a server looping on
 *                                 reply-and-wait: the whole fast path
 *   ipc_rtt_same_hart_ring_insns  the same through the rings only:
 *                                 dux_request, dux_wait, dux_recv
 *   ipc_batch32_per_packet_insns  32 requests, then their 32 replies, per
 *                                 request + reply
 *   ipc_64k_copy_insns            64 KiB COPY request + empty reply; the
 *                                 server unmaps the copy and posts its range
 *   ipc_64k_share_insns           the same with SHARE
 *   ipc_64k_move_insns            64 KiB MOVE request, the server MOVEs the
 *                                 pages back in its reply (a ping-pong, so
 *                                 two moves per round trip: nobody has to
 *                                 allocate fresh pages)
 *   notify_insns                  notify a task sleeping in io_wait, then
 *                                 yield to it: handler, notify_return, its
 *                                 io_wait returns and sleeps again, per
 *                                 notification
 *
 * "bench_ipc _server" is the server (also used by bench_ipc_smp),
 * "bench_ipc _fastserver" the reply-and-wait server;
 * "bench_ipc _notify <tid>" the notification target.  Every call is
 * checked: a failing one ends the run with status 1 and no figure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dux/dux.h>
#include <tessera/user.h>

#define BENCH_NAME "bench_ipc"
#include "bench.h"

#define N_RTT	2000
#define N_BATCH	100
#define N_64K	200
#define N_NOTE	2000
#define SIZE_64K (64ul << 10)
#define BUF_VA	0x2000000000ul

/* The server: ECHO -> status 0; WRITE -> status 0, COPY/SHARE data
 * unmapped, MOVE data moved back in the reply; INFO -> status = our hart. */
static int
server(void)
{
	static struct ts_packet *moved[64];
	int r = dux_init(64);
	if (r < 0)
		bench_die("server dux_init", r);
	for (;;) {
		long w = dux_wait(DUX_FOREVER);
		if (w < 0)
			bench_die("server dux_wait", w);
		unsigned nmoved = 0;
		struct ts_packet *req;
		while (nmoved < 64 && (req = dux_recv())) {
			if (req->flags & (PKT_REPLY | PKT_KERNEL)) {
				dux_done(req);
				continue;
			}
			struct ts_packet *rep = dux_alloc();
			if (!rep)
				bench_die("server: no slot", -ERR_AGAIN);
			int status = req->opcode == OP_INFO ? (int)sys_info(INFO_HART_ID, 0) : 0;
			dux_reply_init(rep, req, status);
			if ((req->flags & PKT_DATA_MASK) == PKT_DATA_MOVE) {
				rep->flags |= PKT_DATA_MOVE;
				rep->data = req->data;
				rep->len = req->len;
				moved[nmoved++] = req;
			} else {
				if ((r = dux_data_free(req)) < 0)
					bench_die("server data_free", r);
				dux_done(req);
			}
			dux_send(rep);
		}
		if (nmoved) {
			long f = dux_flush();
			if (f < 0)
				bench_die("server flush", f);
			for (unsigned i = 0; i < nmoved; i++) {
				if ((r = dux_range_return(moved[i])) < 0)
					bench_die("server range_return", r);
				dux_done(moved[i]);
			}
		}
	}
	return 0;
}

/* The reply-and-wait server: ECHO -> status 0, one request at a time (a
 * reply is sent with the wait that follows it). */
static int
fast_server(void)
{
	struct ts_packet *rep = NULL;
	int r = dux_init(64);
	if (r < 0)
		bench_die("fast server dux_init", r);
	for (;;) {
		long w = dux_reply_wait(rep, DUX_FOREVER);
		if (w < 0)
			bench_die("fast server dux_reply_wait", w);
		rep = NULL;
		struct ts_packet *req;
		while ((req = dux_recv())) {
			if (!(req->flags & (PKT_REPLY | PKT_KERNEL))) {
				if (rep)
					dux_send(rep);
				if (!(rep = dux_alloc()))
					bench_die("fast server: no slot", -ERR_AGAIN);
				dux_reply_init(rep, req, 0);
			}
			dux_done(req);
		}
	}
	return 0;
}

/* Kill task t (ours) and reap it. */
static void
end_task(long t)
{
	long r;

	if ((r = sys_task_kill(t)) < 0 || (r = sys_task_wait(t, NULL)) < 0)
		bench_die("end task", r);
}

static volatile long notes;
static uint8_t nstack[4096] __attribute__((aligned(16)));

static void
on_note(uint64_t source, uint64_t value)
{
	(void)source;
	(void)value;
	notes++;
}

/* Notification target: tell the parent we are ready, then sleep in io_wait;
 * INFO -> status = notifications handled. */
static int
notify_target(long parent)
{
	int r = dux_init(8);
	if (r < 0 || (r = dux_notify_handler(on_note, nstack, sizeof(nstack))) < 0)
		bench_die("notify target setup", r);
	struct ts_packet *p = dux_alloc();
	if (!p)
		bench_die("notify target: no slot", -ERR_AGAIN);
	p->opcode = OP_READ;
	dux_request((ts_addr)parent, p);
	for (;;) {
		long w = dux_wait(DUX_FOREVER);
		if (w < 0)
			bench_die("notify target dux_wait", w);
		struct ts_packet *q;
		while ((q = dux_recv())) {
			if (q->opcode == OP_INFO && !(q->flags & PKT_REPLY))
				dux_reply(q, (int)notes, NULL, 0);
			dux_done(q);
		}
	}
	return 0;
}

/* Spawn server `mode` (_server, _fastserver) and wait until it answers. */
static long
start_server(const char *mode)
{
	const char *av[] = { mode, NULL };
	long s = ts_spawn("bench_ipc", av, 0, 0);
	if (s < 0)
		bench_die("spawn server", s);
	struct ts_packet req = { .opcode = OP_ECHO }, rep;
	int r;
	while ((r = dux_call((ts_addr)s, &req, &rep, 5000000000ull)) == -ERR_SRCH)
		sys_yield();
	if (r < 0)
		bench_die("server ready", r);
	return s;
}

/* n dux_calls of ECHO (after 100 not timed); their ticks. */
static uint64_t
rtt(long s, int n)
{
	struct ts_packet req = { .opcode = OP_ECHO }, rep;
	uint64_t t0 = 0;
	for (int i = -100; i < n; i++) {
		if (i == 0)
			t0 = ts_rdtime();
		int r = dux_call((ts_addr)s, &req, &rep, DUX_FOREVER);
		if (r < 0)
			bench_die("echo call", r);
	}
	return ts_rdtime() - t0;
}

/* n ECHO round trips through the rings (after 100 not timed); their ticks. */
static uint64_t
rtt_ring(long s, int n)
{
	uint64_t t0 = 0;
	for (int i = -100; i < n; i++) {
		if (i == 0)
			t0 = ts_rdtime();
		struct ts_packet *p = dux_alloc();
		if (!p)
			bench_die("ring echo: no slot", -ERR_AGAIN);
		p->opcode = OP_ECHO;
		uint64_t id = dux_request((ts_addr)s, p);
		struct ts_packet *q = NULL;
		while (!q) {
			long w = dux_wait(DUX_FOREVER);
			if (w < 0)
				bench_die("ring echo dux_wait", w);
			q = dux_recv();
		}
		if (q->id != id || q->status < 0)
			bench_die("ring echo reply", q->status < 0 ? q->status : -ERR_INVAL);
		dux_done(q);
	}
	return ts_rdtime() - t0;
}

static void
bench_batch(long s)
{
	uint64_t t0 = 0;
	for (int round = -5; round < N_BATCH; round++) {
		if (round == 0)
			t0 = ts_rdtime();
		for (int i = 0; i < 32; i++) {
			struct ts_packet *p = dux_alloc();
			if (!p)
				bench_die("batch: no slot", -ERR_AGAIN);
			p->opcode = OP_ECHO;
			dux_request((ts_addr)s, p);
		}
		for (int got = 0; got < 32;) {
			long w = dux_wait(DUX_FOREVER);
			if (w < 0)
				bench_die("batch dux_wait", w);
			struct ts_packet *q;
			while ((q = dux_recv())) {
				if (q->status < 0)
					bench_die("batch reply", q->status);
				dux_done(q);
				got++;
			}
		}
	}
	bench_report("ipc_batch32_per_packet_insns", ts_rdtime() - t0, N_BATCH * 32);
}

static void
bench_64k(long s, unsigned mode, const char *key)
{
	struct ts_packet req = { .opcode = OP_WRITE, .flags = (uint16_t)mode, .len = SIZE_64K };
	struct ts_packet rep, prev = { 0 };
	uint64_t cur = BUF_VA, t0 = 0;
	long r = sys_mem_alloc(BUF_VA, SIZE_64K, MEM_R | MEM_W);
	if (r < 0)
		bench_die("mem_alloc", r);
	memset((void *)BUF_VA, 0x5a, SIZE_64K);
	for (int i = -10; i < N_64K; i++) {
		if (i == 0)
			t0 = ts_rdtime();
		req.data = cur;
		r = dux_call((ts_addr)s, &req, &rep, DUX_FOREVER);
		if (r < 0)
			bench_die(key, r);
		if (mode == PKT_DATA_MOVE) {
			/* Our pages came back at one of our ranges; the range
			 * they left (after the first round) is free again. */
			if (cur != BUF_VA && (r = dux_range_return(&prev)) < 0)
				bench_die("range_return", r);
			prev = rep;
			cur = rep.data;
		}
	}
	bench_report(key, ts_rdtime() - t0, N_64K);
	r = mode == PKT_DATA_MOVE ? dux_data_free(&prev) : sys_mem_free(BUF_VA, SIZE_64K);
	if (r < 0)
		bench_die("free 64 KiB", r);
}

static void
bench_notify(const char *self)
{
	char arg[24];
	snprintf(arg, sizeof(arg), "%ld", sys_task_self());
	const char *av[] = { "_notify", arg, NULL };
	long t = ts_spawn(self, av, 0, 0);
	if (t < 0)
		bench_die("spawn notify target", t);
	struct ts_packet *p;
	long w;
	while (!(p = dux_recv()))
		if ((w = dux_wait(DUX_FOREVER)) < 0)
			bench_die("notify ready dux_wait", w);
	dux_done(p);
	long again = 0;
	uint64_t t0 = 0;
	for (int i = -10; i < N_NOTE; i++) {
		if (i == 0)
			t0 = ts_rdtime();
		long r;
		while ((r = sys_notify(t, (uint64_t)i)) == -ERR_AGAIN) {
			again++;
			sys_yield();
		}
		if (r < 0)
			bench_die("notify", r);
		sys_yield();
	}
	uint64_t d = ts_rdtime() - t0;
	struct ts_packet req = { .opcode = OP_INFO }, rep;
	int handled = dux_call((ts_addr)t, &req, &rep, 5000000000ull);
	printf("notify: %d handled of %d sent, %ld refused -ERR_AGAIN\n", handled, N_NOTE + 10,
	       again);
	if (handled <= 0)
		bench_die("notify target count", handled < 0 ? handled : -ERR_INVAL);
	bench_report("notify_insns", d, N_NOTE);
	end_task(t);
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "_server") == 0)
		return server();
	if (argc > 1 && strcmp(argv[1], "_fastserver") == 0)
		return fast_server();
	if (argc > 2 && strcmp(argv[1], "_notify") == 0)
		return notify_target(strtol(argv[2], NULL, 10));
	int r = dux_init(64);
	if (r < 0)
		bench_die("dux_init", r);
	long fs = start_server("_fastserver");
	bench_report("ipc_rtt_same_hart_fast_insns", rtt(fs, N_RTT), N_RTT);
	end_task(fs);
	long s = start_server("_server");
	bench_report("ipc_rtt_same_hart_insns", rtt(s, N_RTT), N_RTT);
	bench_report("ipc_rtt_same_hart_ring_insns", rtt_ring(s, N_RTT), N_RTT);
	bench_batch(s);
	bench_64k(s, PKT_DATA_COPY, "ipc_64k_copy_insns");
	bench_64k(s, PKT_DATA_MOVE, "ipc_64k_move_insns");
	bench_64k(s, PKT_DATA_SHARE, "ipc_64k_share_insns");
	bench_notify(argv[0]);
	end_task(s);
	fflush(stdout);
	sys_poweroff(0);
	return 0;
}
