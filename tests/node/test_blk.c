/*
 * virtio-blk server test (QEMU with a 1 MiB read-write disk and a 64 KiB
 * read-only one, both filled with pattern B at configure time by
 * tests/node/blk_image.py; see tests/node/CMakeLists.txt).  The test starts
 * `pci`, which spawns one `virtio-blk` per disk, finds blk0/blk1 by size,
 * then checks INFO, reads of pattern B (COPY back, and into a SHARE
 * buffer), writes of pattern W read back (COPY and MOVE data), FLUSH, 8
 * concurrent clients with 8 requests in flight each on their own regions
 * (pattern C), the error statuses, and registered buffers (OP_OPEN with a
 * SHARE buffer, then READ/WRITE naming a buffer offset, no data per request;
 * a killed client's pinned pages come back).  After poweroff the host test
 * blk_image_check compares the image with B + W + C byte for byte.
 */
#include <stdlib.h>
#include <string.h>

#include <dux/dux.h>
#include "ttest.h"

#define WAIT_NS		(20ull * 1000000000)
#define DISK		(1u << 20)
#define RO_DISK		(64u << 10)
#define W_OFF		51200u		/* pattern W: sectors 100..123 */
#define W_LEN		12288u
#define C_OFF		(256u << 10)	/* client k: C_OFF + k * C_LEN */
#define C_LEN		(64u << 10)
#define CLIENTS		8
#define C_REQ		4096u
#define C_WINDOW	8u		/* requests in flight per client */
#define BUF_VA		0x2200000000ul	/* SHARE/MOVE buffers */
#define REG_VA		0x2300000000ul	/* registered buffer */
#define REG_LEN		(1u << 20)
#define R_OFF		(800u << 10)	/* written through a session, then B again */
#define R_LEN		(64u << 10)

static uint8_t buf[DISK];

static uint8_t
pat_b(uint64_t o)
{
	return (uint8_t)((o / 512) * 31 + (o % 512) * 7 + 1);
}

static uint8_t
pat_w(uint64_t o)
{
	return (uint8_t)((o / 512) * 13 + (o % 512) * 5 + 0x3c);
}

static uint8_t
pat_c(unsigned k, uint64_t o)
{
	return (uint8_t)(k * 41 + (o / 512) * 3 + (o % 512) * 11 + 0x99);
}

/* Where bytes [off, off+len) of p differ from pattern f (k for pat_c). */
static long
mismatch(const uint8_t *p, uint64_t off, size_t len, int f, unsigned k)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t want = f == 'B' ? pat_b(off + i) : f == 'W' ? pat_w(off + i) :
								     pat_c(k, off + i);
		if (p[i] != want) {
			printf("byte 0x%llx: 0x%02x, want 0x%02x (pattern %c)\n",
			       (unsigned long long)(off + i), p[i], want, f);
			return (long)i;
		}
	}
	return -1;
}

/* blk0 or blk1, whichever INFO says has `size` bytes; <0 if none. */
static long
find_disk(uint64_t size)
{
	uint64_t end = ts_now() + WAIT_NS;
	while (ts_now() < end) {
		for (int i = 0; i < 2; i++) {
			long tid = dux_lookup(i ? "blk1" : "blk0");
			struct ts_packet req = { .opcode = OP_INFO }, rep;
			if (tid > 0 && dux_call((ts_addr)tid, &req, &rep, WAIT_NS) > 0 &&
			    rep.offset == size)
				return tid;
		}
		sys_sleep(10 * 1000000);
	}
	return -ERR_TIMEOUT;
}

/* The length of a request without data: `len` as a plain number. */
static void
set_len(struct ts_packet *p, uint64_t len)
{
	p->len = len;
}

/* One request; with COPY data `wdata` (WRITE); a READ's data into buf. */
static int
io(long disk, unsigned op, uint64_t off, uint64_t len, const void *wdata, struct ts_packet *rep)
{
	struct ts_packet req = { .opcode = (uint16_t)op, .offset = off };
	if (wdata) {
		req.flags = PKT_DATA_COPY;
		req.data = (uint64_t)(uintptr_t)wdata;
		req.len = len;
	} else {
		set_len(&req, len);
	}
	int st = dux_call((ts_addr)disk, &req, rep, WAIT_NS);
	if (st >= 0 && rep->len && rep->len <= sizeof(buf))
		memcpy(buf, (const void *)(uintptr_t)rep->data, rep->len);
	dux_data_free(rep);
	return st;
}

static int
check_reads(long disk)
{
	static const uint32_t at[][2] = { { 0, 512 }, { 512, 4096 }, { 4096, 8192 },
					 { 132096, 65536 }, { DISK - 4096, 4096 },
					 { DISK - 512, 512 }, { 0, DISK } };
	struct ts_packet rep;

	for (unsigned i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		TT_EQ(io(disk, OP_READ, at[i][0], at[i][1], NULL, &rep), at[i][1]);
		TT_EQ(rep.len, at[i][1]);
		TT_EQ(mismatch(buf, at[i][0], at[i][1], 'B', 0), -1);
	}
	/* Into a client buffer shared writable: no data comes back. */
	uint8_t *sh = (uint8_t *)BUF_VA;
	TT_EQ(sys_mem_alloc(BUF_VA, 8192, MEM_R | MEM_W), 0);
	struct ts_packet req = { .opcode = OP_READ, .offset = 12288, .len = 8192,
				 .flags = PKT_DATA_SHARE, .data = BUF_VA };
	TT_EQ(dux_call((ts_addr)disk, &req, &rep, WAIT_NS), 8192);
	TT_EQ(rep.len, 0);
	TT_EQ(mismatch(sh, 12288, 8192, 'B', 0), -1);
	TT_EQ(sys_mem_free(BUF_VA, 8192), 0);
	printf("blk: reads of pattern B match (COPY and SHARE, up to 1 MiB)\n");
	return 0;
}

static int
check_writes(long disk)
{
	static uint8_t w[W_LEN];
	struct ts_packet rep;

	for (unsigned i = 0; i < W_LEN; i++)
		w[i] = pat_w(W_OFF + i);
	TT_EQ(io(disk, OP_WRITE, W_OFF, 8192, w, &rep), 8192);
	/* The last 4 KiB as MOVE data: the page leaves us. */
	TT_EQ(sys_mem_alloc(BUF_VA, 4096, MEM_R | MEM_W), 0);
	memcpy((void *)BUF_VA, w + 8192, 4096);
	struct ts_packet req = { .opcode = OP_WRITE, .offset = W_OFF + 8192, .len = 4096,
				 .flags = PKT_DATA_MOVE, .data = BUF_VA };
	TT_EQ(dux_call((ts_addr)disk, &req, &rep, WAIT_NS), 4096);
	TT_EQ(io(disk, OP_FLUSH, 0, 0, NULL, &rep), 0);
	TT_EQ(io(disk, OP_READ, W_OFF - 512, W_LEN + 1024, NULL, &rep), W_LEN + 1024);
	TT_EQ(mismatch(buf, W_OFF - 512, 512, 'B', 0), -1);
	TT_EQ(mismatch(buf + 512, W_OFF, W_LEN, 'W', 0), -1);
	TT_EQ(mismatch(buf + 512 + W_LEN, W_OFF + W_LEN, 512, 'B', 0), -1);
	printf("blk: writes of pattern W read back (COPY and MOVE), flush 0\n");
	return 0;
}

static int
check_errors(long disk, long ro)
{
	static uint8_t w[1024];
	struct ts_packet rep;

	TT_EQ(io(disk, OP_READ, DISK, 512, NULL, &rep), -ERR_RANGE);
	TT_EQ(io(disk, OP_READ, DISK - 512, 1024, NULL, &rep), -ERR_RANGE);
	TT_EQ(io(disk, OP_READ, UINT64_MAX - 511, 512, NULL, &rep), -ERR_RANGE);
	TT_EQ(io(disk, OP_WRITE, DISK - 512, 1024, w, &rep), -ERR_RANGE);
	TT_EQ(io(disk, OP_READ, 100, 512, NULL, &rep), -ERR_INVAL);
	TT_EQ(io(disk, OP_READ, 0, 100, NULL, &rep), -ERR_INVAL);
	TT_EQ(io(disk, OP_WRITE, 512, 1000, w, &rep), -ERR_INVAL);
	TT_EQ(io(disk, OP_WRITE, 512, 512, NULL, &rep), -ERR_INVAL);
	TT_EQ(io(disk, OP_READ, 0, 2u << 20, NULL, &rep), -ERR_TOOBIG);
	TT_EQ(io(disk, OP_READ, 0, (1u << 20) + 512, NULL, &rep), -ERR_TOOBIG);
	TT_EQ(io(disk, OP_LIST, 0, 0, NULL, &rep), -ERR_NOTSUP);
	TT_EQ(io(ro, OP_WRITE, 0, 512, w, &rep), -ERR_PERM);
	TT_EQ(io(ro, OP_READ, RO_DISK - 1024, 1024, NULL, &rep), 1024);
	TT_EQ(mismatch(buf, RO_DISK - 1024, 1024, 'B', 0), -1);
	TT_EQ(io(ro, OP_READ, RO_DISK, 512, NULL, &rep), -ERR_RANGE);
	printf("blk: errors: range, alignment, size, opcode, read-only\n");
	return 0;
}

/* A request on session `h`: `len` bytes at disk `off`, buffer offset `boff`
 * in uuid[0..7] (little endian), no data. */
static int
reg_io(long disk, unsigned op, uint64_t h, uint64_t off, uint64_t len, uint64_t boff)
{
	struct ts_packet req = { .opcode = (uint16_t)op, .handle = h, .offset = off, .len = len },
			 rep;
	for (unsigned i = 0; i < 8; i++)
		req.uuid[i] = (uint8_t)(boff >> (8 * i));
	int st = dux_call((ts_addr)disk, &req, &rep, WAIT_NS);
	if (st >= 0 && rep.len)
		return -1000;	/* a session reply carries no data */
	dux_data_free(&rep);
	return st;
}

/* OP_OPEN with [va, va + len) shared writable: the handle, or <= 0. */
static long
reg_open(long disk, uint64_t va, uint64_t len, uint16_t flags)
{
	struct ts_packet req = { .opcode = OP_OPEN, .flags = flags, .data = va, .len = len }, rep;
	int st = dux_call((ts_addr)disk, &req, &rep, WAIT_NS);
	dux_data_free(&rep);
	return st < 0 ? st : st == 0 && rep.handle ? (long)rep.handle : -1000;
}

static int
reg_close(long disk, uint64_t h)
{
	struct ts_packet req = { .opcode = OP_CLOSE, .handle = h }, rep;
	return dux_call((ts_addr)disk, &req, &rep, WAIT_NS);
}

static int
check_reg(long disk, long ro)
{
	uint8_t *b = (uint8_t *)REG_VA;
	struct ts_packet rep;

	TT_EQ(sys_mem_alloc(REG_VA, REG_LEN, MEM_R | MEM_W), 0);
	memset(b, 0xee, REG_LEN);
	long h = reg_open(disk, REG_VA, REG_LEN, PKT_DATA_SHARE);
	TT_CHECK(h > 0);
	/* Reads land in the buffer at the offset asked for, nowhere else. */
	TT_EQ(reg_io(disk, OP_READ, h, 4096, 8192, 12288), 8192);
	TT_EQ(mismatch(b + 12288, 4096, 8192, 'B', 0), -1);
	TT_EQ(b[12287], 0xee);
	TT_EQ(b[20480], 0xee);
	TT_EQ(reg_io(disk, OP_READ, h, 131072, R_LEN, REG_LEN - R_LEN), R_LEN);
	TT_EQ(mismatch(b + REG_LEN - R_LEN, 131072, R_LEN, 'B', 0), -1);
	TT_EQ(reg_io(disk, OP_READ, h, 1536, 512, 512), 512);	/* sub-page */
	TT_EQ(mismatch(b + 512, 1536, 512, 'B', 0), -1);
	/* Writes of pattern W read back by a plain READ, then B again. */
	for (unsigned i = 0; i < R_LEN; i++)
		b[i] = pat_w(R_OFF + i);
	TT_EQ(reg_io(disk, OP_WRITE, h, R_OFF, R_LEN, 0), R_LEN);
	TT_EQ(io(disk, OP_READ, R_OFF, R_LEN, NULL, &rep), R_LEN);
	TT_EQ(mismatch(buf, R_OFF, R_LEN, 'W', 0), -1);
	for (unsigned i = 0; i < R_LEN; i++)
		b[65536 + i] = pat_b(R_OFF + i);
	TT_EQ(reg_io(disk, OP_WRITE, h, R_OFF, R_LEN, 65536), R_LEN);
	memset(b + 131072, 0, R_LEN);
	TT_EQ(reg_io(disk, OP_READ, h, R_OFF, R_LEN, 131072), R_LEN);
	TT_EQ(mismatch(b + 131072, R_OFF, R_LEN, 'B', 0), -1);
	/* Errors. */
	TT_EQ(reg_io(disk, OP_READ, h + 1000, 0, 512, 0), -ERR_BADF);
	TT_EQ(reg_io(disk, OP_READ, h, 0, 8192, REG_LEN - 4096), -ERR_INVAL);
	TT_EQ(reg_io(disk, OP_READ, h, 0, 512, REG_LEN), -ERR_INVAL);
	TT_EQ(reg_io(disk, OP_READ, h, 0, 512, UINT64_MAX - 255), -ERR_INVAL);
	TT_EQ(reg_io(disk, OP_READ, h, 0, 512, 100), -ERR_INVAL);
	TT_EQ(reg_io(disk, OP_READ, h, 100, 512, 0), -ERR_INVAL);
	TT_EQ(reg_io(disk, OP_READ, h, 0, 100, 0), -ERR_INVAL);
	TT_EQ(reg_io(disk, OP_READ, h, DISK - 512, 1024, 0), -ERR_RANGE);
	TT_EQ(reg_io(disk, OP_WRITE, h, DISK, 512, 0), -ERR_RANGE);
	struct ts_packet req = { .opcode = OP_READ, .handle = (uint64_t)h, .len = 512,
				 .flags = PKT_DATA_COPY, .data = REG_VA };
	TT_EQ(dux_call((ts_addr)disk, &req, &rep, WAIT_NS), -ERR_INVAL);	/* data attached */
	struct ts_packet hi = { .opcode = OP_READ, .handle = (uint64_t)h, .len = 512 };
	hi.uuid[8] = 1;	/* the offset's upper bytes must be 0 */
	TT_EQ(dux_call((ts_addr)disk, &hi, &rep, WAIT_NS), -ERR_INVAL);
	TT_EQ(reg_open(disk, 0, 0, 0), -ERR_INVAL);
	TT_EQ(reg_open(disk, REG_VA, 4096, PKT_DATA_SHARE | PKT_SHARE_RO), -ERR_INVAL);
	TT_EQ(reg_open(disk, REG_VA, 4096, PKT_DATA_COPY), -ERR_INVAL);
	TT_EQ(reg_close(disk, (uint64_t)h), 0);
	TT_EQ(reg_io(disk, OP_READ, h, 0, 512, 0), -ERR_BADF);
	TT_EQ(reg_close(disk, (uint64_t)h), -ERR_BADF);
	/* A read-only disk: registered reads work, writes do not. */
	long hr = reg_open(ro, REG_VA, 8192, PKT_DATA_SHARE);
	TT_CHECK(hr > 0);
	TT_EQ(reg_io(ro, OP_READ, hr, RO_DISK - 4096, 4096, 4096), 4096);
	TT_EQ(mismatch(b + 4096, RO_DISK - 4096, 4096, 'B', 0), -1);
	TT_EQ(reg_io(ro, OP_WRITE, hr, 0, 512, 0), -ERR_PERM);
	TT_EQ(reg_close(ro, (uint64_t)hr), 0);
	TT_EQ(sys_mem_free(REG_VA, REG_LEN), 0);
	printf("blk: registered buffer: reads, writes, errors, close\n");
	return 0;
}

/* A client that registers 1 MiB and waits to be killed. */
static int
reg_client(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TT_EQ(dux_init(64), 0);
	long disk = find_disk(DISK);
	TT_CHECK(disk > 0);
	TT_EQ(sys_mem_alloc(REG_VA, REG_LEN, MEM_R | MEM_W), 0);
	long h = reg_open(disk, REG_VA, REG_LEN, PKT_DATA_SHARE);
	TT_CHECK(h > 0);
	TT_EQ(reg_io(disk, OP_READ, h, 0, 4096, REG_LEN - 4096), 4096);
	TT_EQ(mismatch((uint8_t *)REG_VA + REG_LEN - 4096, 0, 4096, 'B', 0), -1);
	TT_EQ(dux_register("blkreg"), 0);
	for (;;)
		sys_sleep(1000000000);
}

/* The pinned pages of a killed client's session come back. */
static int
check_reg_kill(void)
{
	long free0 = sys_info(INFO_FREE_PAGES, 0), free1 = 0, now = 0;
	long tid = ttest_spawn_self("_reg", "", 0), who = -1;

	TT_CHECK(tid > 0);
	for (uint64_t end = ts_now() + WAIT_NS; who < 0 && ts_now() < end;)
		if ((who = dux_lookup("blkreg")) < 0)
			sys_sleep(10 * 1000000);
	TT_EQ(who, tid);
	free1 = sys_info(INFO_FREE_PAGES, 0);
	TT_CHECK(free1 < free0 - (long)(REG_LEN / 4096));	/* buffer + task */
	TT_EQ(sys_task_kill(tid), 0);
	int st = 0;
	TT_EQ(sys_task_wait(tid, &st), 0);
	/* The server unpins at TERMINATE, a moment later; allow a few page
	 * table pages, not the 256 pinned ones. */
	for (uint64_t end = ts_now() + WAIT_NS; ts_now() < end; sys_sleep(10 * 1000000))
		if ((now = sys_info(INFO_FREE_PAGES, 0)) >= free0 - 8)
			break;
	printf("blk: killed client: free pages %ld before, %ld with its session, %ld after\n",
	       free0, free1, now);
	TT_CHECK(now >= free0 - 8);
	return 0;
}

/* `n` requests of C_REQ bytes over [off, off + n*C_REQ), C_WINDOW in flight;
 * WRITE sends pattern C of client k, READ checks it.  0 or 1. */
static int
batch(long disk, unsigned op, unsigned k, uint64_t off, unsigned n)
{
	static uint8_t w[C_LEN];
	uint64_t ids[C_LEN / C_REQ];
	unsigned next = 0, done = 0, inflight = 0;

	for (unsigned i = 0; i < C_LEN; i++)
		w[i] = pat_c(k, off + i);
	while (done < n) {
		while (next < n && inflight < C_WINDOW) {
			struct ts_packet *p = dux_alloc();
			TT_CHECK(p != NULL);
			p->opcode = (uint16_t)op;
			p->offset = off + (uint64_t)next * C_REQ;
			if (op == OP_WRITE) {
				p->flags = PKT_DATA_COPY;
				p->data = (uint64_t)(uintptr_t)(w + next * C_REQ);
				p->len = C_REQ;
			} else {
				set_len(p, C_REQ);
			}
			ids[next++] = dux_request((ts_addr)disk, p);
			inflight++;
		}
		TT_CHECK(dux_wait(WAIT_NS) > 0);
		struct ts_packet *r;
		while ((r = dux_recv())) {
			unsigned i = 0;
			while (i < next && ids[i] != r->id)
				i++;
			TT_CHECK(i < next && (r->flags & PKT_REPLY));
			TT_EQ(r->status, (int)C_REQ);
			if (op == OP_READ) {
				TT_EQ(r->len, C_REQ);
				TT_EQ(mismatch((const uint8_t *)(uintptr_t)r->data,
					       off + (uint64_t)i * C_REQ, C_REQ, 'C', k), -1);
			}
			ids[i] = 0;
			dux_data_free(r);
			dux_done(r);
			done++;
			inflight--;
		}
	}
	return 0;
}

/* A client: argv[1] = k.  Writes and reads back its own region. */
static int
client(int argc, char **argv)
{
	TT_CHECK(argc >= 2);
	unsigned k = (unsigned)atoi(argv[1]);
	uint64_t off = C_OFF + (uint64_t)k * C_LEN;
	struct ts_packet rep;

	TT_EQ(dux_init(64), 0);
	long disk = find_disk(DISK);
	TT_CHECK(disk > 0);
	if (batch(disk, OP_WRITE, k, off, C_LEN / C_REQ) || batch(disk, OP_READ, k, off,
								    C_LEN / C_REQ))
		return 1;
	TT_EQ(io(disk, OP_READ, off, C_LEN, NULL, &rep), C_LEN);
	TT_EQ(mismatch(buf, off, C_LEN, 'C', k), -1);
	return 0;
}

static int
check_clients(void)
{
	long tid[CLIENTS];
	char arg[4];

	for (int k = 0; k < CLIENTS; k++) {
		snprintf(arg, sizeof(arg), "%d", k);
		tid[k] = ttest_spawn_self("_client", arg, 0);
		TT_CHECK(tid[k] > 0);
	}
	for (int k = 0; k < CLIENTS; k++) {
		int st = -1;
		TT_EQ(sys_task_wait(tid[k], &st), 0);
		TT_EQ(st, 0);
	}
	printf("blk: %d clients x %u requests in flight: byte-exact\n", CLIENTS, C_WINDOW);
	return 0;
}

static int
blk(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct ts_packet rep;

	TT_EQ(dux_init(64), 0);
	TT_CHECK(ts_spawn("pci", NULL, 0, SPAWN_PRIV) > 0);
	long disk = find_disk(DISK), ro = find_disk(RO_DISK);
	TT_CHECK(disk > 0 && ro > 0 && disk != ro);
	struct ts_packet req = { .opcode = OP_INFO };
	TT_EQ(dux_call((ts_addr)disk, &req, &rep, WAIT_NS), 512);	/* block size */
	TT_EQ(rep.offset, DISK);
	TT_EQ(rep.len, 0);
	if (check_reads(disk) || check_writes(disk) || check_errors(disk, ro) ||
	    check_reg(disk, ro) || check_reg_kill() || check_clients())
		return 1;
	return 0;
}

static const struct ttest tests[] = {
	{ "blk", blk },
	{ "_client", client },
	{ "_reg", reg_client },
};

TT_MAIN(tests)
