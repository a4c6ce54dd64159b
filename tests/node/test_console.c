/*
 * The console server on the GPU (tests/node/console.cmake):
 *   test_console draw   start pci (-> virtio-gpu, virtio-input) and
 *                       console out=gpu; check INFO and bad requests; write
 *                       the lines tests/node/console_check.py expects; print
 *                       "console: text drawn" and stay up for the screendump
 *   test_console type   the same console; read through it what the QMP
 *                       script types on the virtio keyboard until a newline;
 *                       print it quoted, then power off with the verdict
 */
#include <stdio.h>
#include <string.h>

#include <dux/dux.h>
#include <tessera/proto_console.h>
#include <tessera/user.h>

#define SCROLL_LINES 60
#define FINAL "FINAL: Tessera GPU console, 0123456789 !#$%&()*+,-./:;<=>?@[]^_{|}~"
#define WAIT_NS (20ull * 1000000000)

static int failed;

#define CHECK(c) do { if (!(c)) { printf("check failed line %d: %s\n", __LINE__, #c); \
	failed++; } } while (0)

static long
wait_service(const char *name)
{
	uint64_t end = (uint64_t)sys_time() + WAIT_NS;
	long tid;

	while ((tid = dux_lookup(name)) < 0 && (uint64_t)sys_time() < end)
		sys_sleep(20 * 1000000ull);
	return tid;
}

static int
con_call(ts_addr con, uint16_t op, const void *data, size_t len, uint64_t plain_len,
	 struct ts_packet *rep)
{
	struct ts_packet req = { .opcode = op, .len = plain_len };

	if (data) {
		req.flags = PKT_DATA_COPY;
		req.data = (uint64_t)(uintptr_t)data;
		req.len = len;
	}
	int rc = dux_call(con, &req, rep, WAIT_NS);
	return rc;
}

static int
con_write(ts_addr con, const char *s)
{
	struct ts_packet rep;
	return con_call(con, OP_WRITE, s, strlen(s), 0, &rep);
}

static void
check_protocol(ts_addr con)
{
	struct ts_packet rep;
	struct console_info ci;

	CHECK(con_call(con, OP_INFO, NULL, 0, 0, &rep) == 0);
	CHECK(rep.len == sizeof(ci));
	memcpy(&ci, (const void *)(uintptr_t)rep.data, sizeof(ci));
	dux_data_free(&rep);
	printf("console: info %ux%u cells, kind %u\n", ci.cols, ci.rows, ci.kind);
	CHECK(ci.kind == CONSOLE_KIND_GPU && ci.cols >= 40 && ci.rows >= 20);
	CHECK(con_call(con, OP_WRITE, NULL, 0, 5, &rep) == -ERR_INVAL);	/* no data */
	CHECK(con_call(con, OP_READ, NULL, 0, 0, &rep) == -ERR_INVAL);	/* len 0 */
	static char big[CONSOLE_WRITE_MAX + 1];
	CHECK(con_call(con, OP_WRITE, big, sizeof(big), 0, &rep) == -ERR_TOOBIG);
	CHECK(con_call(con, OP_RENAME, NULL, 0, 0, &rep) == -ERR_NOTSUP);
	/* Sequences the terminal ignores or clamps draw nothing odd. */
	CHECK(con_write(con, "\x1b[99999999;99999999H\x1b[31;1;4;5;6;7m\x1b(B\x1b[2J\x1b[H") > 0);
}

static __attribute__((noreturn)) void
draw(ts_addr con)
{
	char line[96];

	check_protocol(con);
	for (int n = 0; n < SCROLL_LINES; n++) {
		snprintf(line, sizeof(line), "row %02d: The quick brown fox jumps over the lazy dog\n", n);
		CHECK(con_write(con, line) == (int)strlen(line));
	}
	CHECK(con_write(con, FINAL) == (int)strlen(FINAL));
	printf("console: %d checks failed\n", failed);
	printf("console: text drawn\n");
	for (;;)
		sys_sleep(3600ull * 1000000000);
}

static int
type(ts_addr con)
{
	char got[128];
	size_t n = 0;
	struct ts_packet rep;

	printf("console: type now\n");
	while (n < sizeof(got) - 1) {
		int rc = con_call(con, OP_READ, NULL, 0, sizeof(got) - 1 - n, &rep);
		if (rc <= 0) {
			printf("console: READ: %s\n", rc < 0 ? ts_strerror(rc) : "empty");
			return 1;
		}
		CHECK((size_t)rc == rep.len && rep.len <= sizeof(got) - 1 - n);
		memcpy(got + n, (const void *)(uintptr_t)rep.data, rep.len);
		dux_data_free(&rep);
		n += rep.len;
		if (memchr(got, '\n', n))
			break;
	}
	got[n] = 0;
	if (n && got[n - 1] == '\n')
		got[--n] = 0;
	printf("console: got \"%s\"\n", got);
	return failed != 0;
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "draw";
	static const char *const con_args[] = { "out=gpu", NULL };
	long tid;

	if (dux_init(32) < 0 || ts_spawn("pci", NULL, 0, SPAWN_PRIV) <= 0 ||
	    ts_spawn("console", con_args, 0, 0) <= 0) {
		printf("console: cannot start pci and console\n");
		return 1;
	}
	if ((tid = wait_service("console")) < 0) {
		printf("console: no console service\n");
		return 1;
	}
	if (!strcmp(mode, "type"))
		return type((ts_addr)tid);
	draw((ts_addr)tid);
}
