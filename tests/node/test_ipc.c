/*
 * IPC node tests through dux: echo with many clients (every reply matched to
 * its request by id, name and COPY data), refused packets (bad input, closed
 * groups), and a sandbox host that forwards one opcode and refuses another.
 */
#include <stdio.h>
#include "test_ipc.h"

#define SELF "test_ipc"
#define CLIENT_WINDOW 4
#define CLIENT_BUF_VA 0x2000000000ul
#define CLIENT_BUF_SIZE (17 * TS_PAGE_SIZE)	/* 64 KiB + an offset */

static const uint32_t sizes[] = { 0, 1, 7, 100, 4095, 4096, 4097, 12288, 65536 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

static uint8_t
pattern(unsigned idx, unsigned round, uint32_t j)
{
	return (uint8_t)(j * 13u + idx * 31u + round * 7u + (j >> 8));
}

struct pending {
	uint64_t id;
	unsigned round;
	int used;
};

/* Send round `round` of client `idx` from window slot w. */
static int
client_send(long server, unsigned idx, unsigned w, unsigned round, struct pending *pd)
{
	struct ts_packet *p = dux_alloc();
	if (!p)
		return -1;
	char name[48];
	int nl = snprintf(name, sizeof(name), "c%u-r%u-%ld", idx, round, sys_task_self());
	p->opcode = OP_ECHO;
	dux_set_name(p, name, (size_t)nl);
	uint32_t size = sizes[(idx + round) % NSIZES];
	if (size) {
		uint8_t *buf = (uint8_t *)(CLIENT_BUF_VA + w * CLIENT_BUF_SIZE) + round % 3 * 5;
		for (uint32_t j = 0; j < size; j++)
			buf[j] = pattern(idx, round, j);
		p->flags = PKT_DATA_COPY;
		p->data = (uint64_t)(uintptr_t)buf;
		p->len = size;
	}
	pd->id = dux_request((ts_addr)server, p);
	pd->round = round;
	pd->used = 1;
	return 0;
}

/* Check the reply to round pd->round of client idx. */
static int
client_check(const struct ts_packet *p, long server, unsigned idx, const struct pending *pd)
{
	char name[48];
	snprintf(name, sizeof(name), "c%u-r%u-%ld", idx, pd->round, sys_task_self());
	uint32_t size = sizes[(idx + pd->round) % NSIZES];
	TT_EQ(p->flags & (PKT_REPLY | PKT_KERNEL), PKT_REPLY);
	TT_EQ(p->addr, server);
	TT_EQ(p->opcode, OP_ECHO);
	TT_EQ(p->status, (int)size);
	TT_CHECK(tipc_name_is(p, name));
	if (size == 0) {
		TT_EQ(p->flags & PKT_DATA_MASK, PKT_DATA_NONE);
		return 0;
	}
	TT_EQ(p->flags & PKT_DATA_MASK, PKT_DATA_COPY);
	TT_EQ(p->len, size);
	const uint8_t *d = (const uint8_t *)(uintptr_t)p->data;
	for (uint32_t j = 0; j < size; j++)
		if (d[j] != pattern(idx, pd->round, j)) {
			printf("client %u round %u: byte %u is %u, want %u\n", idx, pd->round,
			       (unsigned)j, d[j], pattern(idx, pd->round, j));
			return 1;
		}
	TT_EQ(dux_data_free(p), 0);
	return 0;
}

/* argv[1] = "server:idx:rounds": run `rounds` echo requests, CLIENT_WINDOW
 * in flight, each with its own name and COPY data; retry -ERR_AGAIN. */
static int
echo_client(int argc, char **argv)
{
	TT_CHECK(argc > 1);
	char *s = argv[1];
	long server = strtol(s, &s, 10);
	unsigned idx = (unsigned)strtoul(s + 1, &s, 10);
	unsigned rounds = (unsigned)strtoul(s + 1, &s, 10);
	TT_EQ(dux_init(16), 0);
	TT_EQ(sys_mem_alloc(CLIENT_BUF_VA, CLIENT_WINDOW * CLIENT_BUF_SIZE, MEM_R | MEM_W), 0);
	struct pending pd[CLIENT_WINDOW] = { 0 };
	unsigned next = 0, done = 0, retries = 0;
	for (unsigned w = 0; w < CLIENT_WINDOW && next < rounds; w++)
		TT_EQ(client_send(server, idx, w, next++, &pd[w]), 0);
	while (done < rounds) {
		struct ts_packet *p = tipc_recv(20 * SEC);
		if (!p) {
			printf("client %u: no reply after round %u\n", idx, done);
			return 1;
		}
		unsigned w;
		for (w = 0; w < CLIENT_WINDOW; w++)
			if (pd[w].used && pd[w].id == p->id)
				break;
		if (w == CLIENT_WINDOW) {
			printf("client %u: unexpected packet id %lu op %u status %d\n", idx,
			       (unsigned long)p->id, p->opcode, p->status);
			return 1;
		}
		if ((p->flags & PKT_KERNEL) && p->status == -ERR_AGAIN) {
			dux_done(p);
			retries++;
			sys_yield();
			TT_EQ(client_send(server, idx, w, pd[w].round, &pd[w]), 0);
			continue;
		}
		int bad = client_check(p, server, idx, &pd[w]);
		dux_done(p);
		if (bad) {
			printf("client %u: bad reply to round %u (id %lu)\n", idx, pd[w].round,
			       (unsigned long)pd[w].id);
			return 1;
		}
		done++;
		pd[w].used = 0;
		if (next < rounds)
			TT_EQ(client_send(server, idx, w, next++, &pd[w]), 0);
	}
	TT_EQ(dux_free_slots(), 16);
	if (retries)
		printf("client %u: %u retries after -ERR_AGAIN\n", idx, retries);
	return 0;
}

static int
echo_n(unsigned nclients, unsigned rounds)
{
	TT_EQ(dux_init(8), 0);
	long heap0 = sys_info(INFO_KHEAP_BYTES, 0);
	long tasks0 = sys_info(INFO_NTASKS, 0);
	long server = tipc_spawn_echo(0);
	TT_CHECK(server > 0);
	TT_EQ(tipc_wait_ready(server), 0);
	long tids[64];
	for (unsigned i = 0; i < nclients; i++) {
		char arg[64];
		snprintf(arg, sizeof(arg), "%ld:%u:%u", server, i, rounds);
		tids[i] = ttest_spawn_self("_client", arg, 0);
		TT_CHECK(tids[i] > 0);
	}
	int failed = 0;
	for (unsigned i = 0; i < nclients; i++) {
		int st = -1;
		TT_EQ(sys_task_wait(tids[i], &st), 0);
		if (st != 0) {
			printf("echo client %u: status %d\n", i, st);
			failed++;
		}
	}
	tipc_kill(server);
	TT_EQ(failed, 0);
	printf("echo: %u clients x %u requests matched on %ld harts\n", nclients, rounds,
	       sys_info(INFO_NHARTS, 0));
	TT_EQ(sys_info(INFO_NTASKS, 0), tasks0);
	TT_EQ(sys_info(INFO_KHEAP_BYTES, 0), heap0);
	return 0;
}

static int
echo1(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return echo_n(1, 300);
}

static int
echo8(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return echo_n(8, 60);
}

static int
echo64(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return echo_n(64, 12);
}

/* One-off dux_call with the name and no data; returns the status. */
static int
call_echo(long server, const char *name, struct ts_packet *rep)
{
	struct ts_packet req = tipc_req(OP_ECHO, name);
	return dux_call((ts_addr)server, &req, rep, 5 * SEC);
}

static int
exit0(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* Send *p as is (no dux_request), wait for its error completion and check
 * it: status in {want, want2}, addr = dest, same id and opcode. */
static int
expect_refused(const struct ts_packet *tmpl, int want, int want2, const char *what)
{
	struct ts_packet *p = dux_alloc();
	TT_CHECK(p);
	memcpy(p, tmpl, sizeof(*p));
	dux_send(p);
	struct ts_packet *c = tipc_recv(5 * SEC);
	if (!c) {
		printf("bad_input %s: no completion\n", what);
		return 1;
	}
	int st = c->status;
	int ok = (c->flags & (PKT_REPLY | PKT_KERNEL)) == (PKT_REPLY | PKT_KERNEL) &&
		 c->id == tmpl->id && c->opcode == tmpl->opcode && c->addr == tmpl->addr &&
		 (st == want || st == want2);
	if (!ok)
		printf("bad_input %s: completion flags %#x id %lu addr %lu status %d (%s), want %d\n",
		       what, c->flags, (unsigned long)c->id, (unsigned long)c->addr, st,
		       ts_strerror(st), want);
	dux_done(c);
	return ok ? 0 : 1;
}

static int
bad_round(long server, long stale)
{
	struct ts_ipc_hdr *h = dux_hdr();
	unsigned n = dux_nslots();
	uint16_t *tx = (uint16_t *)((uint8_t *)h + IPC_TX_OFF(n));
	struct ts_range *ranges = (struct ts_range *)((uint8_t *)h + IPC_RANGES_OFF(n));
	struct ts_packet t;
	int bad = 0;

#define BAD(setup, want, want2, what)                                   \
	do {                                                            \
		t = tipc_req(OP_ECHO, "bad");                           \
		t.addr = (ts_addr)server;                               \
		t.id = 9000 + __LINE__;                                 \
		setup;                                                  \
		bad |= expect_refused(&t, want, want2, what);           \
	} while (0)

	BAD(t.opcode = 999, -ERR_INVAL, -ERR_INVAL, "unknown opcode");
	BAD(t.flags = PKT_KERNEL, -ERR_INVAL, -ERR_INVAL, "PKT_KERNEL from a task");
	BAD(t.name_len = 300, -ERR_INVAL, -ERR_TOOBIG, "name_len 300");
	BAD((t.flags = PKT_DATA_COPY, t.data = 0x2500000000ul, t.len = 100), -ERR_FAULT,
	    -ERR_FAULT, "unmapped COPY data");
	BAD((t.flags = PKT_DATA_COPY, t.data = 0xffffffff80200000ul, t.len = 64), -ERR_FAULT,
	    -ERR_INVAL, "kernel COPY data");
	BAD((t.flags = PKT_DATA_MOVE, t.data = 0x2500000000ul, t.len = 4096), -ERR_FAULT,
	    -ERR_FAULT, "unmapped MOVE data");
	BAD((t.flags = PKT_DATA_SHARE, t.data = 0x2500000010ul, t.len = 4096), -ERR_INVAL,
	    -ERR_INVAL, "unaligned SHARE data");
	BAD((t.flags = PKT_DATA_COPY, t.data = 0x2500000000ul, t.len = IPC_COPY_MAX + 1),
	    -ERR_TOOBIG, -ERR_INVAL, "COPY over 1 MiB");
	BAD(t.reserved1 = 1, -ERR_INVAL, -ERR_INVAL, "reserved field set");
	BAD(t.addr = IPC_ADDR_KERNEL, -ERR_NOTSUP, -ERR_NOTSUP, "ECHO to the kernel");
	BAD((t.addr = IPC_ADDR_KERNEL, t.opcode = OP_READ), -ERR_NOTSUP, -ERR_NOTSUP,
	    "READ to the kernel");
	BAD(t.addr = (ts_addr)stale, -ERR_SRCH, -ERR_SRCH, "dead destination");
	BAD(t.addr = (ts_addr)999999, -ERR_SRCH, -ERR_SRCH, "unknown destination");
	BAD(t.addr = (1ull << 48) | (ts_addr)server, -ERR_INVAL, -ERR_SRCH, "node bits");
	BAD((t.opcode = OP_WATCH, t.addr = IPC_ADDR_KERNEL, t.handle = (uint64_t)stale),
	    -ERR_SRCH, -ERR_SRCH, "WATCH a dead task");
	BAD((t.flags = PKT_REPLY), -ERR_INVAL, -ERR_INVAL, "reply to no request");
#undef BAD
	if (bad)
		return 1;

	/* A slot index out of range in tx: consumed with an error completion. */
	uint32_t head = h->tx_head;
	tx[head % n] = (uint16_t)(2 * n + 3);
	__atomic_store_n(&h->tx_head, head + 1, __ATOMIC_RELEASE);
	struct ts_packet *c = tipc_recv(5 * SEC);
	TT_CHECK(c);
	TT_EQ(c->flags & (PKT_REPLY | PKT_KERNEL), PKT_REPLY | PKT_KERNEL);
	TT_EQ(c->status, -ERR_RANGE);
	dux_done(c);
	TT_EQ(h->tx_tail, h->tx_head);

	/* tx_head more than N ahead: io_wait and ipc_flush refuse; restored,
	 * all is well. */
	head = h->tx_head;
	h->tx_head = head + n + 1;
	TT_EQ(sys_ipc_flush(), -ERR_INVAL);
	TT_EQ(sys_io_wait(0), -ERR_INVAL);
	h->tx_head = head;
	TT_EQ(sys_ipc_flush(), 0);

	/* rx_tail ahead of rx_head. */
	uint32_t tail = h->rx_tail;
	h->rx_tail = tail + 3;
	TT_EQ(sys_io_wait(0), -ERR_INVAL);
	h->rx_tail = tail;
	TT_EQ(sys_io_wait(0), 0);

	/* An unaligned receive range: data sent to ourselves is refused, and
	 * the range is not consumed; a good range in its place works. */
	uint32_t rh = h->range_head, rt = h->range_tail;
	TT_CHECK(rh - rt < IPC_RANGES);
	struct ts_range saved[IPC_RANGES];
	for (uint32_t i = 0; i < rh - rt; i++)
		saved[i] = ranges[(rt + i) % IPC_RANGES];
	ranges[rt % IPC_RANGES] = (struct ts_range){ 0x2600000010ul, 4096 };
	static char small[64] = "to myself";
	t = tipc_req(OP_WRITE, "self");
	t.addr = (ts_addr)sys_task_self();
	t.id = 9999;
	t.flags = PKT_DATA_COPY;
	t.data = (uint64_t)(uintptr_t)small;
	t.len = sizeof(small);
	if (expect_refused(&t, -ERR_INVAL, -ERR_INVAL, "unaligned range"))
		return 1;
	TT_EQ(h->range_tail, rt);
	ranges[rt % IPC_RANGES] = saved[0];

	/* Still works. */
	struct ts_packet rep;
	TT_EQ(call_echo(server, "after", &rep), 0);
	TT_CHECK(tipc_name_is(&rep, "after"));
	return 0;
}

/* Bad packets and corrupt rings give error completions or errors, never a
 * crash; afterwards pages and slots are back where they were. */
static int
bad_input(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TT_EQ(dux_init(8), 0);
	long server = tipc_spawn_echo(0);
	TT_CHECK(server > 0);
	TT_EQ(tipc_wait_ready(server), 0);
	long stale = ttest_spawn_self("_exit0", NULL, 0);
	TT_CHECK(stale > 0);
	TT_EQ(sys_task_wait(stale, NULL), 0);
	struct ts_packet rep;
	TT_EQ(call_echo(server, "warm-up", &rep), 0);
	unsigned slots0 = dux_free_slots();
	TT_EQ(slots0, 8);
	long pages0 = 0;
	for (int round = 0; round < 2; round++) {
		if (round == 1)
			pages0 = sys_info(INFO_FREE_PAGES, 0);
		TT_EQ(bad_round(server, stale), 0);
		TT_EQ(dux_free_slots(), slots0);
	}
	long pages1 = sys_info(INFO_FREE_PAGES, 0);
	printf("bad_input: free pages %ld -> %ld, free slots %u\n", pages0, pages1,
	       dux_free_slots());
	TT_EQ(pages1, pages0);
	tipc_kill(server);
	return 0;
}

static int
insider(int argc, char **argv)
{
	TT_CHECK(argc > 1);
	long server = strtol(argv[1], NULL, 10);
	TT_EQ(dux_init(8), 0);
	struct ts_packet rep;
	TT_EQ(call_echo(server, "insider", &rep), 0);
	TT_EQ(rep.flags & PKT_KERNEL, 0);
	TT_CHECK(tipc_name_is(&rep, "insider"));
	return 0;
}

/* A closed group refuses requests from outside (-ERR_PERM completion with
 * addr = the server) and still serves insiders; reopened, it serves all. */
static int
closed_group(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TT_EQ(dux_init(8), 0);
	long g = sys_group_create();
	TT_CHECK(g > 0);
	long server = tipc_spawn_echo(g);
	TT_CHECK(server > 0);
	TT_EQ(tipc_wait_ready(server), 0);
	struct ts_packet rep;
	TT_EQ(call_echo(server, "open", &rep), 0);
	TT_EQ(sys_group_close(g, 1), 0);
	TT_EQ(call_echo(server, "outsider", &rep), -ERR_PERM);
	TT_EQ(rep.flags & (PKT_REPLY | PKT_KERNEL), PKT_REPLY | PKT_KERNEL);
	TT_EQ(rep.addr, server);
	TT_EQ(rep.opcode, OP_ECHO);
	char arg[24];
	snprintf(arg, sizeof(arg), "%ld", server);
	long in = ttest_spawn_self("_insider", arg, g);
	TT_CHECK(in > 0);
	int st = -1;
	TT_EQ(sys_task_wait(in, &st), 0);
	TT_EQ(st, 0);
	TT_EQ(sys_group_close(g, 0), 0);
	TT_EQ(call_echo(server, "reopened", &rep), 0);
	TT_CHECK(tipc_name_is(&rep, "reopened"));
	tipc_kill(server);
	return 0;
}

/* Sandboxed task: an ECHO (forwarded by the host) comes back from the echo
 * server; a WRITE is refused by the host with -ERR_PERM. */
static int
sandboxed(int argc, char **argv)
{
	TT_CHECK(argc > 1);
	long server = strtol(argv[1], NULL, 10);
	TT_EQ(dux_init(8), 0);
	struct ts_packet rep;
	int r = call_echo(server, "from the sandbox", &rep);
	if (r != 0 || !tipc_name_is(&rep, "from the sandbox") || rep.addr != (ts_addr)server) {
		printf("sandboxed: echo status %d addr %lu\n", r, (unsigned long)rep.addr);
		return 2;
	}
	struct ts_packet req = tipc_req(OP_WRITE, "forbidden");
	r = dux_call((ts_addr)server, &req, &rep, 5 * SEC);
	if (r != -ERR_PERM) {
		printf("sandboxed: write status %d (%s), want -ERR_PERM\n", r, ts_strerror(r));
		return 3;
	}
	return 0;
}

static int
sandbox(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TT_EQ(dux_init(8), 0);
	long server = tipc_spawn_echo(0);
	TT_CHECK(server > 0);
	TT_EQ(tipc_wait_ready(server), 0);
	char arg[24];
	snprintf(arg, sizeof(arg), "%ld", server);
	const char *av[] = { "_sandboxed", arg, NULL };
	long s = ts_spawn(SELF, av, 0, SPAWN_SANDBOX);
	TT_CHECK(s > 0);
	int forwarded = 0, refused = 0;
	while (forwarded + refused < 2) {
		struct ts_packet *p = tipc_recv(10 * SEC);
		TT_CHECK(p);
		if (p->flags & PKT_KERNEL) {
			printf("sandbox host: kernel packet op %u status %d (%s)\n", p->opcode,
			       p->status, ts_strerror(p->status));
			return 1;
		}
		TT_EQ(p->addr, s);
		TT_EQ(p->origin, server);
		if (p->opcode == OP_ECHO) {
			struct ts_packet *f = dux_alloc();
			TT_CHECK(f);
			memcpy(f, p, offsetof(struct ts_packet, name) + p->name_len);
			f->addr = (ts_addr)server;
			f->origin = (ts_addr)s;
			f->flags |= PKT_FORWARD;
			dux_send(f);
			forwarded++;
		} else {
			TT_EQ(p->opcode, OP_WRITE);
			TT_EQ(dux_reply(p, -ERR_PERM, NULL, 0), 0);
			refused++;
		}
		dux_done(p);
		dux_flush();
	}
	int st = -1;
	TT_EQ(sys_task_wait(s, &st), 0);
	/* The host saw neither the echo reply nor a completion. */
	struct ts_packet *extra = tipc_recv(100 * MS);
	if (extra)
		printf("sandbox host: extra packet op %u flags %#x status %d\n", extra->opcode,
		       extra->flags, extra->status);
	TT_CHECK(!extra);
	TT_EQ(st, 0);
	tipc_kill(server);
	return 0;
}

/* Helper: two rounds of argv[1] ECHO requests to argv[2], each sent at
 * once, then their replies collected (status 7, each id once) within 10 s;
 * 0 if all came. */
static int
burst_client(int argc, char **argv)
{
	TT_EQ(argc, 3);
	unsigned n = (unsigned)atoi(argv[1]);
	long to = atol(argv[2]);
	uint64_t ids[16];
	TT_CHECK(n <= 16);
	TT_EQ(dux_init(32), 0);
	for (int round = 0; round < 2; round++) {
		for (unsigned i = 0; i < n; i++) {
			struct ts_packet *p = dux_alloc();
			TT_CHECK(p);
			p->opcode = OP_ECHO;
			ids[i] = dux_request((ts_addr)to, p);
		}
		TT_CHECK(dux_flush() >= 0);
		for (unsigned got = 0; got < n; got++) {
			struct ts_packet *p = tipc_recv(10 * SEC);
			TT_CHECK(p);
			TT_CHECK(p->flags & PKT_REPLY);
			TT_EQ(p->status, 7);
			unsigned i;
			for (i = 0; i < n && ids[i] != p->id; i++)
				;
			TT_CHECK(i < n);
			ids[i] = 0;
			dux_done(p);
		}
	}
	return 0;
}

/*
 * Every request gets its reply even when the server holds a received
 * packet in every slot it owns (issue 9 part 5): dux_reply_alloc then
 * sends the reply in the request's own slot.  A server with 4 slots holds
 * the client's first 4 requests (dux_alloc has nothing left), replies to
 * each, then serves the next 4 as usual; the client counts 8 replies.
 */
static int
reply_full(int argc, char **argv)
{
	(void)argc, (void)argv;
	TT_EQ(dux_init(4), 0);
	char to[24];
	snprintf(to, sizeof(to), "%ld", sys_task_self());
	const char *av[] = { "_burst", "4", to, NULL };
	long c = ts_spawn(SELF, av, 0, 0);
	TT_CHECK(c > 0);
	struct ts_packet *held[4];
	unsigned nh = 0, served = 0;
	while (nh < 4) {
		struct ts_packet *p = tipc_recv(10 * SEC);
		TT_CHECK(p);
		TT_EQ(p->opcode, OP_ECHO);
		held[nh++] = p;
	}
	TT_CHECK(dux_alloc() == NULL);	/* every owned slot holds a request */
	for (unsigned i = 0; i < nh; i++) {
		struct ts_packet *r = dux_reply_alloc(held[i], 7);
		/* The first goes in its own slot; sending it frees that one for
		 * the next reply. */
		TT_CHECK(r && (i > 0 || r == held[i]));
		dux_send(r);
		dux_done(held[i]);	/* skipped: the slot is the reply's */
		served++;
	}
	TT_CHECK(dux_flush() >= 0);
	while (served < 8) {
		struct ts_packet *p = tipc_recv(10 * SEC);
		TT_CHECK(p);
		struct ts_packet *r = dux_reply_alloc(p, 7);
		TT_CHECK(r && r != p);	/* slots are free again */
		dux_send(r);
		dux_done(p);
		TT_CHECK(dux_flush() >= 0);
		served++;
	}
	int st = -1;
	TT_EQ(sys_task_wait(c, &st), 0);
	TT_EQ(st, 0);
	/* All 4 owned slots came back, each once: 4 distinct allocations. */
	struct ts_packet *a[4];
	for (unsigned i = 0; i < 4; i++) {
		TT_CHECK((a[i] = dux_alloc()) != NULL);
		for (unsigned j = 0; j < i; j++)
			TT_CHECK(a[j] != a[i]);
	}
	TT_CHECK(dux_alloc() == NULL);
	return 0;
}

/* dux_data_free frees only received data: a packet that names the task's
 * own memory (one it built, or garbage left in an unset reply) gets
 * -ERR_INVAL and the memory stays; after a failed dux_call the reply
 * names nothing. */
static int
data_free_foreign(int argc, char **argv)
{
	static uint8_t mine[2 * TS_PAGE_SIZE] __attribute__((aligned(4096)));
	uint8_t local[64];
	struct ts_packet p = { .flags = PKT_DATA_COPY, .len = sizeof(local) };

	(void)argc, (void)argv;
	TT_EQ(dux_init(8), 0);
	memset(local, 0x5a, sizeof(local));
	p.data = (uint64_t)(uintptr_t)local;
	TT_EQ(dux_data_free(&p), -ERR_INVAL);
	p.data = (uint64_t)(uintptr_t)mine;
	p.len = sizeof(mine);
	TT_EQ(dux_data_free(&p), -ERR_INVAL);
	mine[0] = 1;	/* still mapped: a freed page would fault here */
	local[0] = 2;
	TT_EQ(mine[0] + local[0], 3);
	/* A call to nobody: no reply, and the reply names no data. */
	struct ts_packet req = { .opcode = OP_ECHO }, rep;
	memset(&rep, 0xff, sizeof(rep));
	TT_CHECK(dux_call((ts_addr)0x7fffffff, &req, &rep, 100 * MS) < 0);
	TT_EQ(rep.flags & PKT_DATA_MASK, 0);
	TT_EQ(dux_data_free(&rep), 0);
	return 0;
}

static const struct ttest tests[] = {
	{ "_burst", burst_client },
	{ "_client", echo_client },
	{ "_exit0", exit0 },
	{ "_insider", insider },
	{ "_sandboxed", sandboxed },
	{ "echo1", echo1 },
	{ "echo8", echo8 },
	{ "echo64", echo64 },
	{ "bad_input", bad_input },
	{ "closed_group", closed_group },
	{ "sandbox", sandbox },
	{ "reply_full", reply_full },
	{ "data_free_foreign", data_free_foreign },
};

TT_MAIN(tests)
