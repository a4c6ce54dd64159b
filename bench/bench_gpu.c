/*
 * The framebuffer server under icount (ci/bench gives this program a
 * virtio-gpu-pci at 1024x768).  This program (init) starts the PCI server,
 * which starts `virtio-gpu` (gpu0), then times, one request at a time:
 *   gpu_write_8x16_insns         OP_WRITE of an 8x16 rectangle (512 bytes,
 *                                COPY), no flush
 *   gpu_flush_8x16_insns         OP_FLUSH of an 8x16 rectangle
 *   gpu_char_write_flush_insns   both, as a console does per character
 *   gpu_flush_full_insns         OP_FLUSH of the whole screen
 * (instructions per request, client + server + kernel; the device's own
 * work runs in QEMU and is not counted).  Time the hart spends idle
 * (waiting for the device; under icount its clock then jumps ahead) is
 * subtracted: the figures are instructions executed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dux/dux.h>
#include <tessera/proto_fb.h>
#include <tessera/user.h>

#define BENCH_NAME	"bench_gpu"
#include "bench.h"

#define SEC	1000000000ull

static long gpu;
static struct fb_info fb;
static uint32_t cell[8 * 16];

static void
req(uint16_t op, uint64_t rect, const void *data, uint64_t len)
{
	struct ts_packet q = { .opcode = op, .offset = rect }, rep;

	if (data) {
		q.flags = PKT_DATA_COPY;
		q.data = (uint64_t)(uintptr_t)data;
		q.len = len;
	}
	int st = dux_call((ts_addr)gpu, &q, &rep, 5 * SEC);
	if (st < 0)
		bench_die(op == OP_WRITE ? "write" : "flush", st);
	dux_data_free(&rep);
}

/* n cells along the screen, each written and/or flushed. */
static uint64_t
cells(int write, int flush, unsigned n)
{
	uint32_t cols = fb.width / 8, rows = fb.height / 16;
	uint64_t t0 = bench_busy_now();

	for (unsigned i = 0; i < n; i++) {
		uint64_t r = FB_RECT(i % cols * 8, i / cols % rows * 16, 8, 16);
		if (write) {
			cell[i % 128] ^= 0x00a0c0e0u;
			req(OP_WRITE, r, cell, sizeof(cell));
		}
		if (flush)
			req(OP_FLUSH, r, NULL, 0);
	}
	return bench_busy_now() - t0;
}

int
main(void)
{
	struct ts_packet q = { .opcode = OP_INFO }, rep;
	long r = dux_init(64);

	if (r < 0)
		bench_die("dux_init", r);
	if ((r = ts_spawn("pci", NULL, 0, SPAWN_PRIV)) < 0)
		bench_die("spawn pci", r);
	gpu = -ERR_NOENT;
	for (uint64_t end = ts_now() + 30 * SEC; gpu < 0 && ts_now() < end;)
		if ((gpu = dux_lookup("gpu0")) < 0)
			sys_sleep(10000000);
	if (gpu < 0)
		bench_die("no gpu0", gpu);
	if ((r = dux_call((ts_addr)gpu, &q, &rep, 5 * SEC)) != sizeof(fb))
		bench_die("info", r);
	memcpy(&fb, (const void *)(uintptr_t)rep.data, sizeof(fb));
	dux_data_free(&rep);
	printf("bench_gpu: %ux%u\n", fb.width, fb.height);
	cells(1, 1, 20);	/* warm up: first touches of pages and slots */
	bench_report("gpu_write_8x16_insns", cells(1, 0, 200), 200);
	bench_report("gpu_flush_8x16_insns", cells(0, 1, 200), 200);
	bench_report("gpu_char_write_flush_insns", cells(1, 1, 200), 200);
	uint64_t t0 = bench_busy_now();
	for (int i = 0; i < 20; i++)
		req(OP_FLUSH, FB_RECT(0, 0, 0, 0), NULL, 0);
	bench_report("gpu_flush_full_insns", bench_busy_now() - t0, 20);
	fflush(stdout);
	sys_poweroff(0);
	return 0;
}
