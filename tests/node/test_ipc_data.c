/*
 * IPC data modes: MOVE takes the pages from the sender (its read faults),
 * SHARE maps the same pages in both (each sees the other's writes, the last
 * unmap frees them), SHARE_RO lets the receiver only read.
 *
 * The helper server _dserver answers:
 *   WRITE with data: checks every byte against pattern() (bytes 0..15 are
 *     markers), writes 'B' at byte 1 when the mapping is writable (SHARE),
 *     keeps the mapping; status 0, or -ERR_IO on a wrong byte.
 *   READ: status = byte `offset` of the kept mapping.
 *   FLUSH: writes 'S' at byte 4 of the kept mapping (faults when read-only).
 *   CLOSE: unmaps the kept mapping (dux_data_free); status 0.
 */
#include <stdio.h>
#include "test_ipc.h"

#define BUF_VA 0x2000000000ul

static uint8_t
pattern(uint64_t j)
{
	return (uint8_t)(j * 7u + 3u + (j >> 12));
}

static void
fill(uint8_t *p, uint64_t len)
{
	for (uint64_t j = 0; j < len; j++)
		p[j] = pattern(j);
}

static int
dserver(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (dux_init(16) < 0)
		return 1;
	struct ts_packet kept = { 0 };
	for (;;) {
		struct ts_packet *p = tipc_recv(30 * SEC);
		if (!p)
			return 2;
		if (p->flags & (PKT_KERNEL | PKT_REPLY)) {
			printf("dserver: kernel packet op %u status %d\n", p->opcode, p->status);
			dux_done(p);
			continue;
		}
		int st = 0;
		volatile uint8_t *d = (volatile uint8_t *)(uintptr_t)kept.data;
		switch (p->opcode) {
		case OP_WRITE:
			d = (volatile uint8_t *)(uintptr_t)p->data;
			for (uint64_t j = 16; j < p->len && st == 0; j++)
				if (d[j] != pattern(j))
					st = -ERR_IO;
			if ((p->flags & PKT_DATA_MASK) == PKT_DATA_SHARE && !(p->flags & PKT_SHARE_RO))
				d[1] = 'B';
			kept = *p;
			break;
		case OP_READ:
			st = kept.len > p->offset ? d[p->offset] : -ERR_RANGE;
			break;
		case OP_FLUSH:
			d[4] = 'S';
			break;
		case OP_CLOSE:
			st = dux_data_free(&kept);
			kept.len = 0;
			break;
		default:
			st = -ERR_NOTSUP;
		}
		dux_reply(p, st, NULL, 0);
		dux_done(p);
	}
}

/* The helper server, answering (0 on failure). */
static long
spawn_server(void)
{
	long s = ttest_spawn_self("_dserver", NULL, 0);
	return s > 0 && tipc_wait_ready(s) == 0 ? s : 0;
}

static int
call(long server, unsigned op, uint64_t offset, uint16_t flags, void *data, uint64_t len)
{
	struct ts_packet req = tipc_req(op, NULL), rep;
	req.offset = offset;
	req.flags = flags;
	req.data = (uint64_t)(uintptr_t)data;
	req.len = len;
	int r = dux_call((ts_addr)server, &req, &rep, 5 * SEC);
	return r;
}

/* argv[1] = "server:mode": move 4 pages to the server; mode "fault" then
 * reads them (must fault), mode "remap" maps fresh pages at the same place
 * (must succeed: the range is free) and checks they are zero. */
static int
mover(int argc, char **argv)
{
	TT_CHECK(argc > 1);
	char *s;
	long server = strtol(argv[1], &s, 10);
	TT_EQ(dux_init(8), 0);
	const uint64_t len = 4 * TS_PAGE_SIZE;
	TT_EQ(sys_mem_alloc(BUF_VA, len, MEM_R | MEM_W), 0);
	fill((uint8_t *)BUF_VA, len);
	int r = call(server, OP_WRITE, 0, PKT_DATA_MOVE, (void *)BUF_VA, len);
	if (r != 0) {
		printf("mover: status %d (%s)\n", r, ts_strerror(r));
		return 7;
	}
	if (strcmp(s, ":remap") == 0) {
		TT_EQ(sys_mem_alloc(BUF_VA, len, MEM_R | MEM_W), 0);
		TT_EQ(*(volatile uint8_t *)(BUF_VA + 100), 0);
		return 0;
	}
	return *(volatile uint8_t *)(BUF_VA + 100);	/* must fault */
}

/* MOVE: the server got every byte; the sender's pages are gone. */
static int
move(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TT_EQ(dux_init(8), 0);
	long server = spawn_server();
	TT_CHECK(server > 0);
	char arg[40];
	int st = -1;
	snprintf(arg, sizeof(arg), "%ld:fault", server);
	long c = ttest_spawn_self("_mover", arg, 0);
	TT_CHECK(c > 0);
	TT_EQ(sys_task_wait(c, &st), 0);
	TT_EQ(st, -ERR_PGFAULT);
	snprintf(arg, sizeof(arg), "%ld:remap", server);
	c = ttest_spawn_self("_mover", arg, 0);
	TT_CHECK(c > 0);
	TT_EQ(sys_task_wait(c, &st), 0);
	TT_EQ(st, 0);
	tipc_kill(server);
	return 0;
}

/* One SHARE round trip: both sides see each other's writes; after the
 * server unmaps and we free, the pages are back in the allocator. */
static int
share_round(long server)
{
	const uint64_t len = 2 * TS_PAGE_SIZE;
	volatile uint8_t *b = (volatile uint8_t *)BUF_VA;
	TT_EQ(sys_mem_alloc(BUF_VA, len, MEM_R | MEM_W), 0);
	fill((uint8_t *)BUF_VA, len);
	b[0] = 'A';
	TT_EQ(call(server, OP_WRITE, 0, PKT_DATA_SHARE, (void *)BUF_VA, len), 0);
	TT_EQ(b[1], 'B');				/* the server's write */
	b[2] = 'C';
	b[TS_PAGE_SIZE + 5] = 'D';
	TT_EQ(call(server, OP_READ, 0, 0, NULL, 0), 'A');
	TT_EQ(call(server, OP_READ, 2, 0, NULL, 0), 'C');	/* ours, seen there */
	TT_EQ(call(server, OP_READ, TS_PAGE_SIZE + 5, 0, NULL, 0), 'D');
	TT_EQ(call(server, OP_FLUSH, 0, 0, NULL, 0), 0);
	TT_EQ(b[4], 'S');
	TT_EQ(call(server, OP_CLOSE, 0, 0, NULL, 0), 0);
	TT_EQ(b[1], 'B');				/* still ours after its unmap */
	b[3] = 'E';
	TT_EQ(sys_mem_free(BUF_VA, len), 0);
	return 0;
}

static int
share(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TT_EQ(dux_init(8), 0);
	long server = spawn_server();
	TT_CHECK(server > 0);
	TT_EQ(share_round(server), 0);	/* warm-up: page tables on both sides */
	long pages0 = sys_info(INFO_FREE_PAGES, 0);
	TT_EQ(share_round(server), 0);
	long pages1 = sys_info(INFO_FREE_PAGES, 0);
	printf("share: free pages %ld -> %ld\n", pages0, pages1);
	TT_EQ(pages1, pages0);
	tipc_kill(server);
	return 0;
}

/* SHARE_RO: the receiver reads (our later writes too) but its write
 * faults; our request in flight then completes with -ERR_CLOSED. */
static int
share_ro(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TT_EQ(dux_init(8), 0);
	long server = spawn_server();
	TT_CHECK(server > 0);
	const uint64_t len = TS_PAGE_SIZE;
	volatile uint8_t *b = (volatile uint8_t *)BUF_VA;
	TT_EQ(sys_mem_alloc(BUF_VA, len, MEM_R | MEM_W), 0);
	fill((uint8_t *)BUF_VA, len);
	TT_EQ(call(server, OP_WRITE, 0, PKT_DATA_SHARE | PKT_SHARE_RO, (void *)BUF_VA, len), 0);
	TT_EQ(b[1], pattern(1));		/* no write from the server */
	b[2] = 'R';
	TT_EQ(call(server, OP_READ, 2, 0, NULL, 0), 'R');
	struct ts_packet req = tipc_req(OP_FLUSH, NULL), rep;
	TT_EQ(dux_call((ts_addr)server, &req, &rep, 5 * SEC), -ERR_CLOSED);
	TT_EQ(rep.flags & (PKT_REPLY | PKT_KERNEL), PKT_REPLY | PKT_KERNEL);
	TT_EQ(rep.addr, server);
	int st = 0;
	TT_EQ(sys_task_wait(server, &st), 0);
	TT_EQ(st, -ERR_PGFAULT);
	b[3] = 'W';				/* ours stays writable */
	TT_EQ(b[3], 'W');
	TT_EQ(sys_mem_free(BUF_VA, len), 0);
	return 0;
}

static const struct ttest tests[] = {
	{ "_dserver", dserver },
	{ "_mover", mover },
	{ "move", move },
	{ "share", share },
	{ "share_ro", share_ro },
};

TT_MAIN(tests)
