/*
 * The GPU text console under icount (ci/bench gives this program a
 * virtio-gpu-pci at 1024x768: 128x48 cells).  It starts the PCI server
 * (-> virtio-gpu) and `console out=gpu`, then times writes through the
 * console protocol, each reply coming once the text is flushed:
 *   gpu_console_char_insns         per character, 80-character lines (one
 *                                  OP_WRITE per line), no scrolling
 *   gpu_console_char_scroll_insns  the same, every line scrolling the screen
 *   gpu_console_char_single_insns  one character per OP_WRITE (typing echo)
 * Instructions of client + console + GPU server + kernel (the device's
 * pixel copies run in QEMU and are not counted); idle ticks subtracted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dux/dux.h>
#include <tessera/proto_console.h>
#include <tessera/user.h>

#define BENCH_NAME	"bench_console"
#include "bench.h"

#define SEC	1000000000ull
#define LINE	80u

static long con;

static void
cwrite(const char *s, size_t n)
{
	struct ts_packet q = { .opcode = OP_WRITE, .flags = PKT_DATA_COPY,
		.data = (uint64_t)(uintptr_t)s, .len = n }, rep;
	int st = dux_call((ts_addr)con, &q, &rep, 5 * SEC);

	if (st != (int)n)
		bench_die("write", st);
}

/* n lines of LINE characters + '\n'; instructions per character. */
static uint64_t
lines(unsigned n)
{
	char buf[LINE + 1];
	uint64_t t0 = bench_busy_now();

	for (unsigned i = 0; i < n; i++) {
		for (unsigned k = 0; k < LINE; k++)
			buf[k] = (char)('!' + (i + k) % 94);
		buf[LINE] = '\n';
		cwrite(buf, sizeof(buf));
	}
	return (bench_busy_now() - t0) * 100 / ((uint64_t)n * (LINE + 1));
}

int
main(void)
{
	static const char *const cargs[] = { "out=gpu", NULL };
	uint64_t end = ts_now() + 20 * SEC;
	struct ts_packet q = { .opcode = OP_INFO }, rep;
	struct console_info ci;

	if (dux_init(16) < 0 || ts_spawn("pci", NULL, 0, SPAWN_PRIV) < 0 ||
	    ts_spawn("console", cargs, 0, 0) < 0)
		bench_die("start", -1);
	while ((con = dux_lookup("console")) < 0 && ts_now() < end)
		sys_sleep(10 * 1000000ull);
	if (con < 0)
		bench_die("no console", con);
	if (dux_call((ts_addr)con, &q, &rep, 5 * SEC) < 0 || rep.len != sizeof(ci))
		bench_die("info", -1);
	memcpy(&ci, (const void *)(uintptr_t)rep.data, sizeof(ci));
	if (dux_data_free(&rep) < 0)
		bench_die("info data", -1);
	printf("bench_console: %ux%u cells\n", ci.cols, ci.rows);

	cwrite("\x1b[2J\x1b[H", 7);
	uint64_t plain = lines(ci.rows - 1);
	lines(2);		/* now at the bottom */
	uint64_t scroll = lines(32);
	uint64_t t0 = bench_busy_now();
	for (unsigned i = 0; i < 200; i++)
		cwrite(&"abcdefghij"[i % 10], 1);
	uint64_t single = (bench_busy_now() - t0) * 100 / 200;
	printf("BENCH gpu_console_char_insns %llu\n", (unsigned long long)plain);
	printf("BENCH gpu_console_char_scroll_insns %llu\n", (unsigned long long)scroll);
	printf("BENCH gpu_console_char_single_insns %llu\n", (unsigned long long)single);
	sys_poweroff(0);
	return 0;
}
