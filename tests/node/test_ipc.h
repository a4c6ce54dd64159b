/* Helpers shared by the IPC node tests (test_ipc*.c). */
#ifndef TEST_IPC_H
#define TEST_IPC_H

#include <stdlib.h>
#include <string.h>
#include <dux/dux.h>
#include "ttest.h"

#define MS 1000000ull
#define SEC 1000000000ull

/* The next received packet within timeout_ns, or NULL. */
static inline struct ts_packet *
tipc_recv(uint64_t timeout_ns)
{
	uint64_t deadline = ts_now() + timeout_ns;

	for (;;) {
		struct ts_packet *p = dux_recv();
		if (p)
			return p;
		uint64_t now = ts_now();
		if (now >= deadline)
			return NULL;
		if (dux_wait(deadline - now) < 0)
			return NULL;
	}
}

/* Spawn the echo server (user/echo.c) in group gid; returns its tid. */
static inline long
tipc_spawn_echo(long gid)
{
	return ts_spawn("echo", NULL, gid, 0);
}

/* A freshly spawned server refuses packets (-ERR_SRCH) until it has set up
 * its IPC area: probe it with ECHO until anything else comes back (5 s at
 * most).  Returns 0 when it answers. */
static inline int
tipc_wait_ready(long server)
{
	uint64_t until = ts_now() + 5 * SEC;
	struct ts_packet req, rep;

	memset(&req, 0, sizeof(req));
	req.opcode = OP_ECHO;
	for (;;) {
		int r = dux_call((ts_addr)server, &req, &rep, 5 * SEC);
		if (r != -ERR_SRCH || !(rep.flags & PKT_KERNEL))
			return r == -ERR_TIMEOUT ? r : 0;
		if (ts_now() > until)
			return r;
		sys_sleep(MS);
	}
}

static inline void
tipc_kill(long tid)
{
	sys_task_kill(tid);
	sys_task_wait(tid, NULL);
}

/* A request on the stack: opcode, name. */
static inline struct ts_packet
tipc_req(unsigned opcode, const char *name)
{
	struct ts_packet p;

	memset(&p, 0, sizeof(p));
	p.opcode = (uint16_t)opcode;
	if (name)
		dux_set_name(&p, name, strlen(name));
	return p;
}

static inline int
tipc_name_is(const struct ts_packet *p, const char *s)
{
	size_t n = strlen(s);
	return p->name_len == n && memcmp(p->name, s, n) == 0;
}

#endif
