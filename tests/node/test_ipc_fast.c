/*
 * The IPC fast path (issue 9 part 4): send-and-wait (sys_ipc_call, used by
 * dux_call) and reply-and-wait (sys_ipc_reply_wait, dux_reply_wait).  The
 * hand-off is proven by the kernel's counter INFO_IPC_HANDOFFS; everything
 * else checks that the calls behave exactly like the rings: ordering after
 * ring packets, -ERR_CLOSED when the server dies mid-call, time-outs, error
 * completions for refused packets, -ERR_INVAL for bad arguments.
 *
 * The helper server _fserver loops on dux_reply_wait:
 *   ECHO: status = how many requests it received before this one.
 *   WRITE: held, never answered.
 *   READ: the server exits without a reply.
 */
#include <stdio.h>
#include "test_ipc.h"

static int
fserver(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (dux_init(16) < 0)
		return 1;
	struct ts_packet *rep = NULL;
	int32_t seen = 0;
	for (;;) {
		if (dux_reply_wait(rep, DUX_FOREVER) < 0)
			return 2;
		rep = NULL;
		struct ts_packet *req;
		while ((req = dux_recv())) {
			if (req->flags & (PKT_REPLY | PKT_KERNEL)) {
				dux_done(req);
				continue;
			}
			int32_t n = seen++;
			if (req->opcode == OP_READ)
				sys_exit(0);
			if (req->opcode == OP_ECHO) {
				if (rep)
					dux_send(rep);
				if (!(rep = dux_alloc()))
					return 3;
				dux_reply_init(rep, req, n);
			}
			dux_done(req);	/* WRITE: held (never answered) */
		}
	}
	return 0;
}

/* Spawn _fserver on hart 0 (like the caller) and wait until it answers. */
static long
start_fserver(void)
{
	long s = ttest_spawn_self("_fserver", NULL, 0);
	if (s <= 0 || sys_task_pin(s, 0) < 0 || tipc_wait_ready(s) < 0)
		return -1;
	return s;
}

/* The index of a slot of our area, for the raw calls. */
static unsigned
slot_of(const struct ts_packet *p)
{
	const struct ts_packet *s0 =
		(const struct ts_packet *)(DUX_AREA_VA + IPC_SLOTS_OFF(dux_nslots()));
	return (unsigned)(p - s0);
}

static long
handoffs(long tid)
{
	return sys_info(INFO_IPC_HANDOFFS, tid);
}

/* Every dux_call round trip on one hart is two hand-offs (request to the
 * server, reply back); ring round trips make none on the client side. */
static int
handoff(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	long self = sys_task_self();
	TT_EQ(sys_task_pin(self, 0), 0);
	TT_EQ(dux_init(16), 0);
	TT_EQ(handoffs(self), 0);
	TT_EQ(handoffs(123456789), -ERR_SRCH);
	long s = start_fserver();
	TT_CHECK(s > 0);
	long c0 = handoffs(self), s0 = handoffs(s);
	struct ts_packet req = tipc_req(OP_ECHO, NULL), rep;
	int32_t first = dux_call((ts_addr)s, &req, &rep, 5 * SEC);
	TT_CHECK(first >= 0);
	for (int i = 1; i < 100; i++)
		TT_EQ(dux_call((ts_addr)s, &req, &rep, 5 * SEC), first + i);
	TT_EQ(handoffs(self) - c0, 100);
	TT_EQ(handoffs(s) - s0, 100);
	/* Through the rings: the client's io_wait hands nothing off; the
	 * server's reply-and-wait still hands the hart to the waiting client. */
	for (int i = 0; i < 20; i++) {
		struct ts_packet *p = dux_alloc();
		TT_CHECK(p);
		p->opcode = OP_ECHO;
		uint64_t id = dux_request((ts_addr)s, p);
		struct ts_packet *q = tipc_recv(5 * SEC);
		TT_CHECK(q);
		TT_EQ(q->id, id);
		TT_EQ(q->status, first + 100 + i);
		dux_done(q);
	}
	TT_EQ(handoffs(self) - c0, 100);
	TT_EQ(handoffs(s) - s0, 120);
	printf("fast: 100 calls, %ld + %ld hand-offs\n", handoffs(self) - c0, handoffs(s) - s0);
	tipc_kill(s);
	return 0;
}

/* A request already on the transmit ring is delivered before the call's. */
static int
order(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TT_EQ(dux_init(16), 0);
	long s = start_fserver();
	TT_CHECK(s > 0);
	struct ts_packet *p = dux_alloc();
	TT_CHECK(p);
	p->opcode = OP_ECHO;
	uint64_t id = dux_request((ts_addr)s, p);	/* on the ring, not flushed */
	struct ts_packet req = tipc_req(OP_ECHO, NULL), rep;
	int32_t n = dux_call((ts_addr)s, &req, &rep, 5 * SEC);
	TT_CHECK(n > 0);
	struct ts_packet *q = tipc_recv(5 * SEC);	/* parked by dux_call */
	TT_CHECK(q);
	TT_EQ(q->id, id);
	TT_EQ(q->status, n - 1);
	dux_done(q);
	tipc_kill(s);
	return 0;
}

/* The server dies while the call waits: -ERR_CLOSED from the kernel. */
static int
peer_dies(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TT_EQ(dux_init(16), 0);
	long s = start_fserver();
	TT_CHECK(s > 0);
	struct ts_packet req = tipc_req(OP_READ, NULL), rep;
	TT_EQ(dux_call((ts_addr)s, &req, &rep, 5 * SEC), -ERR_CLOSED);
	TT_EQ(rep.flags, PKT_REPLY | PKT_KERNEL);
	TT_EQ(rep.addr, s);
	TT_EQ(sys_task_wait(s, NULL), 0);
	/* Killed by someone else while a call waits on it. */
	s = start_fserver();
	TT_CHECK(s > 0);
	char arg[24];
	snprintf(arg, sizeof(arg), "%ld", s);
	long c = ttest_spawn_self("_caller", arg, 0);
	TT_CHECK(c > 0);
	TT_EQ(sys_sleep(50 * MS), 0);
	tipc_kill(s);
	int st = 0;
	TT_EQ(sys_task_wait(c, &st), 0);
	TT_EQ(st, ERR_CLOSED);
	return 0;
}

/* Calls WRITE (held) on server argv[1]; exits with -status. */
static int
caller(int argc, char **argv)
{
	if (argc < 2 || dux_init(8) < 0)
		return 100;
	struct ts_packet req = tipc_req(OP_WRITE, NULL), rep;
	return -dux_call((ts_addr)strtol(argv[1], NULL, 10), &req, &rep, 10 * SEC);
}

/* A call whose reply never comes times out; the reply-and-wait poll and a
 * zero time-out return at once. */
static int
timeout(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TT_EQ(dux_init(16), 0);
	long s = start_fserver();
	TT_CHECK(s > 0);
	struct ts_packet req = tipc_req(OP_WRITE, NULL), rep;
	uint64_t t0 = ts_now();
	TT_EQ(dux_call((ts_addr)s, &req, &rep, 20 * MS), -ERR_TIMEOUT);
	uint64_t took = ts_now() - t0;
	TT_CHECK(took >= 20 * MS);
	TT_CHECK(took < 2 * SEC);
	TT_EQ(sys_ipc_reply_wait(IPC_SLOT_NONE, 0), 0);
	struct ts_packet *p = dux_alloc();
	TT_CHECK(p);
	p->opcode = OP_WRITE;
	p->addr = (ts_addr)s;
	p->id = 77;
	TT_EQ(sys_ipc_call(slot_of(p), 0), 0);	/* sent, nothing waits yet */
	dux_done(p);
	tipc_kill(s);
	return 0;
}

/* Refused packets come back as the ring's error completions; bad arguments
 * are -ERR_INVAL and send nothing. */
static int
bad_input(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	long c = ttest_spawn_self("_noarea", NULL, 0);
	int st = -1;
	TT_CHECK(c > 0);
	TT_EQ(sys_task_wait(c, &st), 0);
	TT_EQ(st, 0);
	TT_EQ(dux_init(16), 0);
	long s = start_fserver();
	TT_CHECK(s > 0);
	unsigned n = dux_nslots();
	TT_EQ(sys_ipc_call(2 * n, 0), -ERR_INVAL);
	TT_EQ(sys_ipc_call(IPC_SLOT_NONE, 0), -ERR_INVAL);
	TT_EQ(sys_ipc_reply_wait(2 * n, 0), -ERR_INVAL);
	/* A reply to ipc_call, a request to reply-and-wait: nothing sent. */
	struct ts_packet *p = dux_alloc();
	TT_CHECK(p);
	p->opcode = OP_ECHO;
	p->addr = (ts_addr)s;
	p->id = 5;
	p->flags = PKT_REPLY;
	TT_EQ(sys_ipc_call(slot_of(p), 0), -ERR_INVAL);
	p->flags = 0;
	TT_EQ(sys_ipc_reply_wait(slot_of(p), 0), -ERR_INVAL);
	TT_EQ(sys_ipc_reply_wait(IPC_SLOT_NONE, 0), 0);	/* no completion came */
	dux_done(p);
	/* The same packets through the ring and through the calls: the same
	 * error completions. */
	struct ts_packet bad[3];
	for (int i = 0; i < 3; i++)
		bad[i] = tipc_req(OP_ECHO, NULL);
	bad[0].opcode = 0;			/* unknown opcode: -ERR_INVAL */
	bad[1].reserved0 = 1;			/* reserved bytes: -ERR_INVAL */
	bad[2].flags = PKT_DATA_MOVE;		/* unaligned move: -ERR_INVAL */
	bad[2].data = 4097;
	bad[2].len = 4096;
	for (int i = 0; i < 3; i++) {
		struct ts_packet rep;
		TT_EQ(dux_call((ts_addr)s, &bad[i], &rep, 5 * SEC), -ERR_INVAL);
		TT_EQ(rep.flags, PKT_REPLY | PKT_KERNEL);
		TT_CHECK((p = dux_alloc()));
		memcpy(p, &bad[i], offsetof(struct ts_packet, name));
		uint64_t id = dux_request((ts_addr)s, p);
		struct ts_packet *q = tipc_recv(5 * SEC);
		TT_CHECK(q);
		TT_EQ(q->id, id);
		TT_EQ(q->status, -ERR_INVAL);
		TT_EQ(q->flags, PKT_REPLY | PKT_KERNEL);
		dux_done(q);
	}
	/* No such task; a reply to no request in flight. */
	struct ts_packet req = tipc_req(OP_ECHO, NULL), rep;
	TT_EQ(dux_call((ts_addr)123456789, &req, &rep, 5 * SEC), -ERR_SRCH);
	TT_CHECK((p = dux_alloc()));
	p->opcode = OP_ECHO;
	p->addr = (ts_addr)s;
	p->id = 999;
	p->flags = PKT_REPLY;
	TT_EQ(sys_ipc_reply_wait(slot_of(p), 5 * SEC), 1);
	dux_done(p);
	struct ts_packet *q = tipc_recv(0);
	TT_CHECK(q);
	TT_EQ(q->id, 999);
	TT_EQ(q->status, -ERR_INVAL);
	dux_done(q);
	/* The server still works. */
	TT_CHECK(dux_call((ts_addr)s, &req, &rep, 5 * SEC) >= 0);
	tipc_kill(s);
	return 0;
}

/* Without an IPC area both calls are -ERR_INVAL. */
static int
noarea(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (sys_ipc_call(0, 0) != -ERR_INVAL || sys_ipc_reply_wait(IPC_SLOT_NONE, 0) != -ERR_INVAL)
		return 1;
	return 0;
}

static const struct ttest tests[] = {
	{ "_fserver", fserver },
	{ "_caller", caller },
	{ "handoff", handoff },
	{ "order", order },
	{ "peer_dies", peer_dies },
	{ "timeout", timeout },
	{ "_noarea", noarea },
	{ "bad_input", bad_input },
};

TT_MAIN(tests)
