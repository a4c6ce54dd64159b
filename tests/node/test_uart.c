/*
 * The console handover and the ns16550 driver (docs/uart.md).
 *
 * `test_uart TEXT` runs the table in order: the kernel log ring with this
 * test as the console owner (claim rules, overflow, a bad klog_read
 * buffer), then the `uart` driver (uart_spawn): log lines of several tasks,
 * input typed on the serial line (TEXT, given to QEMU as STDIN_TEXT) read
 * through OP_READ, OP_WRITE/INFO and bad requests, and last the driver
 * killed.  The harness checks the serial log (tests/node/uart.cmake).
 * `test_uart panic` starts the driver, logs and panics the kernel;
 * `test_uart panic_unread` owns the console itself, logs and panics.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dux/dux.h>
#include <tessera/proto_console.h>
#include <uart/uart.h>
#include "ttest.h"

#define MS		1000000ull
#define SEC		1000000000ull
#define UART_PAGE	0x10000000ul	/* QEMU virt */
#define OTHER_PAGE	0x10001000ul	/* a virtio-mmio slot: device memory, not the UART */
#define RING_LINES	1000
#define PAD		80
#define NLINES_TASKS	4
#define NLINES		64		/* uart.cmake expects each line */
#define WAIT		(5 * SEC)
#define KLOG_SIZE_TEST	(64u << 10)	/* the kernel's ring (docs/uart.md) */
#define KLOG_MAX_TEST	(KLOG_SIZE_TEST + 8192u)

/* Run helper `name` of this program (privileged) and return its status. */
static long
run_self(const char *name)
{
	long tid = ttest_spawn_self(name, NULL, 0);
	int st = -1;

	if (tid < 0)
		return tid;
	if (sys_task_wait(tid, &st) < 0)
		return -1002;
	return st;
}

/* Spawn this program running helper `name` with `arg`, unprivileged and
 * stopped, grant it the device page `page` (0 = none), start it and wait. */
static long
run_granted(const char *name, const char *arg, uint64_t page)
{
	char args[64];
	int n = snprintf(args, sizeof(args), "%s%c%s", name, 0, arg);
	long tid = sys_task_spawn("test_uart", 9, args, (size_t)n + 1, 0, SPAWN_STOPPED);
	int st = -1;

	if (tid < 0)
		return tid;
	if (page && sys_dev_grant(tid, GRANT_MMIO, page, TS_PAGE_SIZE) < 0)
		return -1000;
	if (sys_task_start(tid) < 0 || sys_task_wait(tid, &st) < 0)
		return -1001;
	return st;
}

/* Helper: arg "owner" claims (it holds the UART page), checks the rules and
 * ends as owner without reading; "refused" must be refused. */
static int
granted(int argc, char **argv)
{
	TT_CHECK(argc >= 2);
	if (strcmp(argv[1], "refused") == 0) {
		TT_EQ(sys_console_claim(1), -ERR_PERM);
		return 0;
	}
	TT_EQ(sys_console_claim(1), 0);
	TT_EQ(sys_console_claim(1), -ERR_EXIST);
	printf("claim_rules: granted owner's line, written out when it ends\n");
	return 0;
}

/* Helper: a privileged task while another owns the console. */
static int
claim_busy(int argc, char **argv)
{
	char buf[256];

	(void)argc;
	(void)argv;
	TT_EQ(sys_console_claim(1), -ERR_BUSY);
	TT_EQ(sys_klog_read(buf, sizeof(buf)), -ERR_PERM);
	TT_EQ(sys_console_claim(0), -ERR_PERM);
	return 0;
}

static int
claim_rules(int argc, char **argv)
{
	char buf[256];

	(void)argc;
	(void)argv;
	TT_EQ(sys_console_claim(2), -ERR_INVAL);
	TT_EQ(sys_console_claim(-1), -ERR_INVAL);
	TT_EQ(sys_klog_read(buf, sizeof(buf)), -ERR_PERM);	/* nobody owns it */
	TT_EQ(sys_console_claim(0), -ERR_PERM);
	TT_EQ(run_granted("_granted", "refused", 0), 0);	/* no grant */
	TT_EQ(run_granted("_granted", "refused", OTHER_PAGE), 0);	/* another device's */
	TT_EQ(run_granted("_granted", "owner", UART_PAGE), 0);
	/* It ended as owner: the kernel has the console again. */
	TT_EQ(sys_console_claim(1), 0);
	TT_EQ(sys_console_claim(0), 0);
	TT_EQ(sys_console_claim(0), -ERR_PERM);
	return 0;
}

/* The log line sys_log makes of ring line i of phase `ph`. */
static int
ring_line(char *buf, size_t n, int ph, int i)
{
	static char pad[PAD + 1];

	memset(pad, 'x', PAD);
	return snprintf(buf, n, "[test_uart:%ld] ring%d %05d %s\n", sys_task_self(), ph, i, pad);
}

static void
print_ring_lines(int ph)
{
	char line[160];

	for (int i = 0; i < RING_LINES; i++) {
		int n = ring_line(line, sizeof(line), ph, i);
		char *text = strchr(line, ' ') + 1;
		line[n - 1] = 0;
		printf("%s\n", text);
	}
}

static int
ring_overflow(int argc, char **argv)
{
	static char got[KLOG_MAX_TEST];
	char line[160];

	(void)argc;
	(void)argv;
	TT_EQ(sys_console_claim(1), 0);
	TT_EQ(sys_console_claim(1), -ERR_EXIST);
	TT_EQ(run_self("_claim_busy"), 0);
	TT_EQ(sys_klog_read(got, TS_KLOG_READ_MIN - 1), -ERR_INVAL);
	/* Drain what the claim left (nothing is expected), then overflow. */
	while (sys_klog_read(got, 4096) > 0)
		;
	print_ring_lines(1);
	size_t total = 0;
	long n;
	while ((n = sys_klog_read(got + total, 4096)) > 0) {
		TT_CHECK(n <= 4096);
		total += (size_t)n;
		TT_CHECK(total + 4096 <= sizeof(got));
	}
	TT_EQ(n, 0);
	int len = ring_line(line, sizeof(line), 1, 0);
	int kept = (int)(KLOG_SIZE_TEST / (unsigned)len), first = RING_LINES - kept;
	unsigned long lost = 0;
	int mlen = 0;
	TT_EQ(sscanf(got, "[klog: %lu bytes lost]\n%n", &lost, &mlen), 1);
	TT_CHECK(mlen > 0);
	TT_EQ(lost, (unsigned long)first * (unsigned long)len);
	TT_EQ(total, (size_t)mlen + (size_t)kept * (size_t)len);
	for (int i = first; i < RING_LINES; i++) {
		ring_line(line, sizeof(line), 1, i);
		TT_CHECK(memcmp(got + mlen + (size_t)(i - first) * (size_t)len, line, (size_t)len) == 0);
	}
	/* Again, and give the console back unread: the kernel writes the
	 * marker and the kept lines (uart.cmake checks them). */
	print_ring_lines(2);
	TT_EQ(sys_console_claim(0), 0);
	printf("ring_overflow: %lu bytes lost of %d lines of %d bytes, %d kept\n", lost,
	       RING_LINES, len, kept);
	return 0;
}

/* Helper: the owner passes klog_read a bad buffer and is killed. */
static int
bad_buffer(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TT_EQ(sys_console_claim(1), 0);
	printf("bad_klog_buffer: unread line of the owner\n");
	sys_klog_read((char *)16, 256);
	return 1;
}

static int
bad_klog_buffer(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TT_EQ(run_self("_bad_buffer"), -ERR_BADSYS);
	printf("bad_klog_buffer: the kernel writes again\n");
	TT_EQ(sys_console_claim(1), 0);
	TT_EQ(sys_console_claim(0), 0);
	return 0;
}

/* The driver's tid, starting it if it does not run. */
static long
driver(void)
{
	long tid = sys_svc_lookup(CONSOLE_UART_SERVICE, strlen(CONSOLE_UART_SERVICE));

	return tid > 0 ? tid : uart_spawn(WAIT);
}

static int
lines_task(int argc, char **argv)
{
	TT_CHECK(argc >= 2);
	int k = atoi(argv[1]);
	for (int i = 0; i < NLINES; i++) {
		printf("lines: task %d line %d of %d\n", k, i, NLINES);
		if (i % 16 == 15)
			sys_yield();
	}
	return 0;
}

static int
get_info(long tid, struct console_info *ci)
{
	struct ts_packet req = { .opcode = OP_INFO }, rep;

	int r = dux_call((ts_addr)tid, &req, &rep, WAIT);
	if (r == 0 && rep.len != sizeof(*ci))
		r = -1000;
	if (r == 0)
		memcpy(ci, (const void *)(uintptr_t)rep.data, sizeof(*ci));
	dux_data_free(&rep);
	return r;
}

static int
driver_lines(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	long tid = driver();
	TT_CHECK(tid > 0);
	TT_EQ(sys_console_claim(1), -ERR_BUSY);
	TT_EQ(dux_init(16), 0);
	struct console_info before = { 0 }, after = { 0 };
	TT_EQ(get_info(tid, &before), 0);
	long kids[NLINES_TASKS];
	for (int k = 0; k < NLINES_TASKS; k++) {
		char a[8];
		snprintf(a, sizeof(a), "%d", k);
		const char *av[] = { "_lines", a, NULL };
		kids[k] = ts_spawn("test_uart", av, 0, 0);
		TT_CHECK(kids[k] > 0);
	}
	for (int k = 0; k < NLINES_TASKS; k++) {
		int st = -1;
		TT_EQ(sys_task_wait(kids[k], &st), 0);
		TT_EQ(st, 0);
	}
	/* The driver copies the log asynchronously: wait for the lines. */
	uint64_t want = before.klog_bytes + NLINES_TASKS * NLINES * 40ull;
	uint64_t until = ts_now() + WAIT;
	while (get_info(tid, &after) == 0 && after.klog_bytes < want &&
	       ts_now() < until)
		sys_sleep(10 * MS);
	TT_CHECK(after.klog_bytes >= want);
	printf("driver_lines: %d tasks x %d lines through the driver, %llu log bytes\n",
	       NLINES_TASKS, NLINES, (unsigned long long)(after.klog_bytes - before.klog_bytes));
	return 0;
}

static long
request(long tid, uint16_t op, const void *data, size_t len, uint16_t kind)
{
	struct ts_packet *p = dux_alloc();

	if (!p)
		return -ERR_AGAIN;
	p->opcode = op;
	p->flags = kind;
	p->data = (uint64_t)(uintptr_t)data;
	p->len = len;
	return (long)dux_request((ts_addr)tid, p);
}

/* Next reply (not a kernel error completion of ours) within WAIT. */
static struct ts_packet *
next_reply(uint64_t timeout)
{
	uint64_t until = ts_now() + timeout;
	struct ts_packet *q;

	for (;;) {
		if ((q = dux_recv()))
			return q;
		uint64_t now = ts_now();
		if (now >= until)
			return NULL;
		dux_wait(until - now);
	}
}

/* Input typed on the serial line (argv[1]) through OP_READ, three readers
 * of 5 bytes in flight, answered in order; then the waiting list's bound. */
static int
driver_read(int argc, char **argv)
{
	TT_CHECK(argc >= 2);
	const char *want = argv[1];
	size_t wlen = strlen(want);
	char got[256];
	size_t n = 0;
	uint64_t ids[64];
	unsigned head = 0, tail = 0;
	long tid = driver();

	TT_CHECK(tid > 0);
	TT_EQ(dux_init(32), 0);
	while (tail - head < 3)
		ids[tail++ % 64] = (uint64_t)request(tid, OP_READ, NULL, 5, PKT_DATA_NONE);
	printf("driver_read: 3 reads in flight\n");	/* the harness types now */
	while (n < wlen) {
		struct ts_packet *q = next_reply(30 * SEC);
		TT_CHECK(q != NULL);
		TT_CHECK(q->flags & PKT_REPLY);
		TT_EQ(q->id, ids[head % 64]);	/* first come, first served */
		head++;
		TT_CHECK(q->status >= 1 && q->status <= 5);
		TT_EQ(q->len, (uint64_t)q->status);
		TT_CHECK(n + q->len < sizeof(got));
		memcpy(got + n, (const void *)(uintptr_t)q->data, q->len);
		n += q->len;
		dux_data_free(q);
		dux_done(q);
		ids[tail++ % 64] = (uint64_t)request(tid, OP_READ, NULL, 5, PKT_DATA_NONE);
	}
	got[n] = 0;
	printf("driver_read: %u bytes \"%s\"\n", (unsigned)n, got);
	TT_EQ(n, wlen);
	TT_CHECK(memcmp(got, want, wlen) == 0);
	/* Fill the waiting list: those wait, one more is refused. */
	unsigned waiting = tail - head;
	for (; waiting < CONSOLE_READERS_MAX; waiting++)
		request(tid, OP_READ, NULL, 1, PKT_DATA_NONE);
	uint64_t extra = (uint64_t)request(tid, OP_READ, NULL, 1, PKT_DATA_NONE);
	struct ts_packet *q = next_reply(WAIT);
	TT_CHECK(q != NULL);
	TT_EQ(q->id, extra);
	TT_EQ(q->status, -ERR_AGAIN);
	dux_done(q);
	TT_CHECK(next_reply(200 * MS) == NULL);	/* the others still wait */
	struct console_info ci;
	TT_EQ(get_info(tid, &ci), 0);
	TT_EQ(ci.kind, CONSOLE_KIND_UART);
	TT_CHECK(ci.rx_bytes >= wlen);
	TT_EQ(ci.rx_overruns, 0);
	return 0;
}

static int
driver_write(int argc, char **argv)
{
	static char big[CONSOLE_WRITE_MAX + 1];
	const char msg[] = "driver_write: bytes through OP_WRITE\r\n";
	struct ts_packet req = { .opcode = OP_WRITE, .flags = PKT_DATA_COPY }, rep;
	struct console_info before, after;

	(void)argc;
	(void)argv;
	long tid = driver();
	TT_CHECK(tid > 0);
	TT_EQ(dux_init(16), 0);
	TT_EQ(get_info(tid, &before), 0);
	req.data = (uint64_t)(uintptr_t)msg;
	req.len = sizeof(msg) - 1;
	TT_EQ(dux_call((ts_addr)tid, &req, &rep, WAIT), (int)sizeof(msg) - 1);
	req.len = sizeof(big);
	memset(big, '=', sizeof(big));
	req.data = (uint64_t)(uintptr_t)big;
	TT_EQ(dux_call((ts_addr)tid, &req, &rep, WAIT), -ERR_TOOBIG);
	req.flags = PKT_DATA_NONE;
	req.data = 0;
	req.len = 0;
	TT_EQ(dux_call((ts_addr)tid, &req, &rep, WAIT), -ERR_INVAL);
	req.len = 5;	/* a number, no data */
	TT_EQ(dux_call((ts_addr)tid, &req, &rep, WAIT), -ERR_INVAL);
	struct ts_packet rd = { .opcode = OP_READ };	/* len 0 */
	TT_EQ(dux_call((ts_addr)tid, &rd, &rep, WAIT), -ERR_INVAL);
	rd.flags = PKT_DATA_COPY;	/* READ carries no data */
	rd.data = (uint64_t)(uintptr_t)msg;
	rd.len = 4;
	TT_EQ(dux_call((ts_addr)tid, &rd, &rep, WAIT), -ERR_INVAL);
	struct ts_packet other = { .opcode = OP_FLUSH };
	TT_EQ(dux_call((ts_addr)tid, &other, &rep, WAIT), -ERR_NOTSUP);
	TT_EQ(get_info(tid, &after), 0);
	TT_EQ(after.tx_bytes - before.tx_bytes, sizeof(msg) - 1);
	return 0;
}

/* The driver is killed: the kernel writes the log itself again. */
static int
kill_owner(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	long tid = driver();
	TT_CHECK(tid > 0);
	TT_EQ(sys_console_claim(1), -ERR_BUSY);
	TT_EQ(sys_task_kill(tid), 0);
	uint64_t until = ts_now() + WAIT;
	while (sys_svc_lookup(CONSOLE_UART_SERVICE, strlen(CONSOLE_UART_SERVICE)) == tid &&
	       ts_now() < until)
		sys_sleep(MS);
	TT_EQ(sys_svc_lookup(CONSOLE_UART_SERVICE, strlen(CONSOLE_UART_SERVICE)), -ERR_NOENT);
	printf("kill_owner: the kernel writes after the driver died\n");
	TT_EQ(sys_console_claim(1), 0);
	TT_EQ(sys_console_claim(0), 0);
	return 0;
}

/* Lines still in the ring when the kernel panics come out before the
 * report.  "panic": the driver owns the console; "panic_unread": this task
 * does and never reads. */
static int
panic_order(int argc, char **argv)
{
	(void)argc;
	if (strcmp(argv[0], "panic") == 0)
		TT_CHECK(driver() > 0);
	else
		TT_EQ(sys_console_claim(1), 0);
	for (int i = 0; i < 20; i++)
		printf("panic_order: line %d\n", i);
	sys_debug(DEBUG_PANIC, 7);
	return 1;
}

static const struct ttest tests[] = {
	{ "_granted", granted },
	{ "_claim_busy", claim_busy },
	{ "_bad_buffer", bad_buffer },
	{ "_lines", lines_task },
	{ "claim_rules", claim_rules },
	{ "ring_overflow", ring_overflow },
	{ "bad_klog_buffer", bad_klog_buffer },
	{ "driver_lines", driver_lines },
	{ "driver_read", driver_read },
	{ "driver_write", driver_write },
	{ "kill_owner", kill_owner },
};

int
main(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "panic") == 0 || strcmp(argv[1], "panic_unread") == 0))
		return panic_order(argc - 1, argv + 1);
	return ttest_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
}
