/*
 * Connection lifetime: a client killed in the middle of a request after
 * OPEN makes the kernel send its server TERMINATE (client tid, handle); a
 * server killed with requests in flight completes every one of them with
 * -ERR_CLOSED; WATCH reports the end of any task.
 *
 * The helper server _sserver answers:
 *   OPEN: a new session (handles from 100 up), status 0, handle.
 *   CLOSE: ends session `handle` (status 0, or -ERR_NOENT).
 *   READ: never answered (held, so that the client stays mid-request).
 *   INFO: status 0, name = struct sstats.
 *   TERMINATE from the kernel: ends the session and drops held requests of
 *   that client; counts it.
 */
#include <stdio.h>
#include "test_ipc.h"

#define MAX_SESS 16

struct sstats {
	int32_t open;		/* sessions open */
	int32_t held;		/* READ requests held */
	int32_t terminates;	/* TERMINATE packets received */
	int32_t bad_terminates;	/* TERMINATE naming no session */
	uint64_t last_addr, last_handle;
};

static int
sserver(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (dux_init(32) < 0)
		return 1;
	struct { uint64_t client, handle; } sess[MAX_SESS] = { 0 };
	struct { uint64_t client, id; } held[64] = { 0 };
	struct sstats st = { 0 };
	uint64_t next_handle = 100;
	for (;;) {
		struct ts_packet *p = tipc_recv(60 * SEC);
		if (!p)
			return 2;
		if (p->flags & PKT_REPLY) {
			dux_done(p);
			continue;
		}
		int i;
		switch (p->opcode) {
		case OP_OPEN:
			for (i = 0; i < MAX_SESS && sess[i].handle; i++)
				;
			if (i == MAX_SESS) {
				dux_reply(p, -ERR_NOMEM, NULL, 0);
				break;
			}
			sess[i].client = p->addr;
			sess[i].handle = next_handle++;
			st.open++;
			struct ts_packet *r = dux_alloc();
			if (r) {
				dux_reply_init(r, p, 0);
				r->handle = sess[i].handle;
				dux_send(r);
			}
			break;
		case OP_CLOSE:
			for (i = 0; i < MAX_SESS; i++)
				if (sess[i].handle == p->handle && sess[i].client == p->addr)
					break;
			if (i < MAX_SESS) {
				sess[i].handle = 0;
				st.open--;
			}
			dux_reply(p, i < MAX_SESS ? 0 : -ERR_NOENT, NULL, 0);
			break;
		case OP_READ:
			for (i = 0; i < 64 && held[i].client; i++)
				;
			if (i < 64) {
				held[i].client = p->addr;
				held[i].id = p->id;
				st.held++;
			}
			break;
		case OP_INFO:
			dux_reply(p, 0, &st, sizeof(st));
			break;
		case OP_TERMINATE:
			if (!(p->flags & PKT_KERNEL))
				break;
			st.terminates++;
			st.last_addr = p->addr;
			st.last_handle = p->handle;
			for (i = 0; i < MAX_SESS; i++)
				if (sess[i].handle == p->handle && sess[i].client == p->addr)
					break;
			if (i < MAX_SESS) {
				sess[i].handle = 0;
				st.open--;
			} else {
				st.bad_terminates++;
			}
			for (i = 0; i < 64; i++)
				if (held[i].client == p->addr) {
					held[i].client = 0;
					st.held--;
				}
			break;
		default:
			dux_reply(p, -ERR_NOTSUP, NULL, 0);
		}
		dux_done(p);
	}
}

static int
get_stats(long server, struct sstats *st)
{
	struct ts_packet req = tipc_req(OP_INFO, NULL), rep;
	TT_EQ(dux_call((ts_addr)server, &req, &rep, 5 * SEC), 0);
	TT_EQ(rep.name_len, sizeof(*st));
	memcpy(st, rep.name, sizeof(*st));
	return 0;
}

/* Poll the server's stats until cond holds (5 s at most). */
#define WAIT_STATS(server, st, cond)                                             \
	do {                                                                     \
		uint64_t until_ = ts_now() + 5 * SEC;                            \
		for (;;) {                                                       \
			TT_EQ(get_stats(server, &(st)), 0);                      \
			if (cond)                                                \
				break;                                           \
			if (ts_now() > until_) {                                 \
				printf("stats: open %d held %d terminates %d\n", \
				       (st).open, (st).held, (st).terminates);   \
				TT_CHECK(cond);                                  \
			}                                                        \
			sys_sleep(5 * MS);                                       \
		}                                                                \
	} while (0)

/* argv[1] = server: OPEN, then a READ on the session that is never
 * answered; waits for it until killed. */
static int
sclient(int argc, char **argv)
{
	TT_CHECK(argc > 1);
	long server = strtol(argv[1], NULL, 10);
	TT_EQ(dux_init(8), 0);
	struct ts_packet req = tipc_req(OP_OPEN, "file"), rep;
	TT_EQ(dux_call((ts_addr)server, &req, &rep, 5 * SEC), 0);
	TT_EQ(rep.handle, 100);
	struct ts_packet *p = dux_alloc();
	TT_CHECK(p);
	p->opcode = OP_READ;
	p->handle = rep.handle;
	dux_request((ts_addr)server, p);
	for (;;)
		dux_wait(DUX_FOREVER);
	return 0;
}

static int
client_killed(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TT_EQ(dux_init(8), 0);
	long server = ttest_spawn_self("_sserver", NULL, 0);
	TT_CHECK(server > 0);
	TT_EQ(tipc_wait_ready(server), 0);
	char arg[24];
	snprintf(arg, sizeof(arg), "%ld", server);
	long c = ttest_spawn_self("_sclient", arg, 0);
	TT_CHECK(c > 0);
	struct sstats st;
	WAIT_STATS(server, st, st.open == 1 && st.held == 1);
	TT_EQ(sys_task_kill(c), 0);
	int status = 0;
	TT_EQ(sys_task_wait(c, &status), 0);
	TT_EQ(status, -ERR_KILLED);
	WAIT_STATS(server, st, st.terminates >= 1);
	TT_EQ(st.terminates, 1);
	TT_EQ(st.bad_terminates, 0);
	TT_EQ(st.last_addr, c);
	TT_EQ(st.last_handle, 100);
	TT_EQ(st.open, 0);
	TT_EQ(st.held, 0);
	/* A session closed by CLOSE gets no TERMINATE when its client ends. */
	struct ts_packet req = tipc_req(OP_OPEN, "f2"), rep;
	TT_EQ(dux_call((ts_addr)server, &req, &rep, 5 * SEC), 0);
	TT_EQ(rep.handle, 101);
	req = tipc_req(OP_CLOSE, NULL);
	req.handle = 101;
	TT_EQ(dux_call((ts_addr)server, &req, &rep, 5 * SEC), 0);
	TT_EQ(get_stats(server, &st), 0);
	TT_EQ(st.open, 0);
	tipc_kill(server);
	return 0;
}

/* 8 requests in flight to a server that dies: 8 completions -ERR_CLOSED
 * with their ids and addr = the server; afterwards -ERR_SRCH. */
static int
server_killed(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TT_EQ(dux_init(16), 0);
	long server = ttest_spawn_self("_sserver", NULL, 0);
	TT_CHECK(server > 0);
	TT_EQ(tipc_wait_ready(server), 0);
	uint64_t ids[8];
	for (int i = 0; i < 8; i++) {
		struct ts_packet *p = dux_alloc();
		TT_CHECK(p);
		p->opcode = OP_READ;
		char name[8] = { 'r', (char)('0' + i) };
		dux_set_name(p, name, 2);
		ids[i] = dux_request((ts_addr)server, p);
	}
	struct sstats st;
	WAIT_STATS(server, st, st.held == 8);
	TT_EQ(sys_task_kill(server), 0);
	int status = 0;
	TT_EQ(sys_task_wait(server, &status), 0);
	int got = 0, seen[8] = { 0 };
	while (got < 8) {
		struct ts_packet *p = tipc_recv(5 * SEC);
		if (!p) {
			printf("server_killed: %d of 8 completions\n", got);
			return 1;
		}
		TT_EQ(p->flags & (PKT_REPLY | PKT_KERNEL), PKT_REPLY | PKT_KERNEL);
		TT_EQ(p->status, -ERR_CLOSED);
		TT_EQ(p->addr, server);
		TT_EQ(p->opcode, OP_READ);
		int i;
		for (i = 0; i < 8 && ids[i] != p->id; i++)
			;
		TT_CHECK(i < 8 && !seen[i]);
		seen[i] = 1;
		got++;
		dux_done(p);
	}
	TT_CHECK(!tipc_recv(50 * MS));
	struct ts_packet req = tipc_req(OP_READ, NULL), rep;
	TT_EQ(dux_call((ts_addr)server, &req, &rep, 5 * SEC), -ERR_SRCH);
	TT_EQ(dux_free_slots(), 16);
	return 0;
}

/* WATCH: acknowledged by the kernel, then TERMINATE {addr = handle = tid}
 * when the task ends; UNWATCH of an unwatched task is -ERR_NOENT. */
static int
watch(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TT_EQ(dux_init(8), 0);
	long w = ttest_spawn_self("_sleeper", NULL, 0);
	TT_CHECK(w > 0);
	long id = dux_watch((ts_addr)w);
	TT_CHECK(id > 0);
	struct ts_packet *p = tipc_recv(5 * SEC);
	TT_CHECK(p);
	TT_EQ(p->id, id);
	TT_EQ(p->status, 0);
	dux_done(p);
	TT_EQ(sys_task_kill(w), 0);
	TT_EQ(sys_task_wait(w, NULL), 0);
	p = tipc_recv(5 * SEC);
	TT_CHECK(p);
	TT_EQ(p->opcode, OP_TERMINATE);
	TT_EQ(p->flags, PKT_KERNEL);
	TT_EQ(p->addr, w);
	TT_EQ(p->handle, w);
	dux_done(p);
	struct ts_packet req = tipc_req(OP_UNWATCH, NULL), rep;
	req.handle = (uint64_t)w;
	TT_EQ(dux_call(IPC_ADDR_KERNEL, &req, &rep, 5 * SEC), -ERR_NOENT);
	return 0;
}

static const struct ttest tests[] = {
	{ "_sserver", sserver },
	{ "_sclient", sclient },
	{ "_sleeper", ttest_sleep_forever },
	{ "client_killed", client_killed },
	{ "server_killed", server_killed },
	{ "watch", watch },
};

TT_MAIN(tests)
