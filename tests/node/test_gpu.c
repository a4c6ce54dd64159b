/*
 * virtio-gpu server test (QEMU with -device virtio-gpu-pci,xres=W,yres=H;
 * see tests/node/gpu.cmake).  The runner starts `pci`, which spawns
 * `virtio-gpu`, then runs each test in its own task: INFO against the size
 * QEMU was given (the arguments W H), the error cases, then a known pattern
 * drawn with OP_WRITE (COPY, MOVE and SHARE data), 8x16 cells written and
 * flushed one by one as a console does, a rectangle written but never
 * flushed, and a gradient drawn through OP_MAP.  When everything passed it
 * prints "gpu: pattern drawn" and stays up: tests/node/gpu_check.py then
 * takes a screendump, checks the pixels and quits QEMU.  Keep the pattern
 * here and in gpu_check.py the same.
 */
#include <stdlib.h>
#include <string.h>

#include <dux/dux.h>
#include <tessera/proto_fb.h>
#include "ttest.h"

#define WAIT_NS		(20ull * 1000000000)
#define PAGE		4096ul
#define BUF_VA		0x2000000000ul	/* MOVE / SHARE source pages */
#define CHUNK		DUX_RANGE_SIZE	/* OP_MAP window: one receive range */

/* The pattern (gpu_check.py has the same). */
#define RED		0xff0000u	/* (10, 10, 100, 50), COPY */
#define GREEN		0x00ff00u	/* (W-100, H-100, 100, 100), COPY, corner */
#define BLUE		0x0000ffu	/* (200, 300, 64, 32), MOVE */
#define CYAN		0x00ffffu	/* (600, 200, 50, 40), SHARE */
#define WHITE		0xffffffu	/* (500, 50, 40, 40), never flushed */
#define CHECK_X		300u		/* 1-pixel checkerboard (300, 100, 64, 64) */
#define CHECK_Y		100u
#define CHECK_N		64u
#define CHECK_A		0xffff00u	/* (x + y) even */
#define CHECK_B		0xff00ffu	/* (x + y) odd */
#define CELL_X		16u		/* 10 cells of 8x16 at (16 + 8 i, 560) */
#define CELL_Y		560u
#define CELLS		10u
#define GRAD_X		400u		/* OP_MAP gradient (400, 400, 128, 64) */
#define GRAD_Y		400u
#define GRAD_W		128u
#define GRAD_H		64u

static struct fb_info fb;
static long gpu;
static uint32_t pix[100 * 100];	/* the largest COPY rectangle */

/* Cell i's colour. */
static uint32_t
cell_colour(unsigned i)
{
	return (i * 25u) << 16 | (255u - i * 25u) << 8 | 0x80u;
}

/* A gradient pixel (screen coordinates). */
static uint32_t
grad(uint32_t x, uint32_t y)
{
	return ((x - GRAD_X) * 2u) << 16 | ((y - GRAD_Y) * 4u) << 8 | 0x80u;
}

/* One request with no data; the status. */
static int
call(uint16_t op, uint64_t offset, uint64_t len, struct ts_packet *rep)
{
	struct ts_packet req = { .opcode = op, .offset = offset, .len = len }, r;

	return dux_call((ts_addr)gpu, &req, rep ? rep : &r, WAIT_NS);
}

/* OP_WRITE of `len` bytes at buf by `mode` (PKT_DATA_NONE: no data). */
static int
write_rect(uint64_t rect, const void *buf, uint64_t len, unsigned mode)
{
	struct ts_packet req = { .opcode = OP_WRITE, .offset = rect }, rep;

	if (mode != PKT_DATA_NONE) {
		req.flags = (uint16_t)mode;
		req.data = (uint64_t)(uintptr_t)buf;
		req.len = len;
	}
	return dux_call((ts_addr)gpu, &req, &rep, WAIT_NS);
}

static int
flush(uint64_t rect)
{
	return call(OP_FLUSH, rect, 0, NULL);
}

/* A w x h rectangle of one colour at (x, y) by COPY, flushed. */
static int
fill(uint32_t x, uint32_t y, uint32_t w, uint32_t h, uint32_t c)
{
	for (uint32_t i = 0; i < w * h; i++)
		pix[i] = c;
	TT_EQ(write_rect(FB_RECT(x, y, w, h), pix, w * h * 4, PKT_DATA_COPY), 0);
	TT_EQ(flush(FB_RECT(x, y, w, h)), 0);
	return 0;
}

/* The runner's lookup, for every test task. */
static int
connect(void)
{
	struct ts_packet rep;
	uint64_t end = ts_now() + WAIT_NS;

	TT_EQ(dux_init(64), 0);
	while ((gpu = dux_lookup("gpu0")) < 0 && ts_now() < end)
		sys_sleep(10 * 1000000);
	TT_CHECK(gpu > 0);
	TT_EQ(call(OP_INFO, 0, 0, &rep), sizeof(fb));
	TT_EQ(rep.len, sizeof(fb));
	memcpy(&fb, (const void *)(uintptr_t)rep.data, sizeof(fb));
	dux_data_free(&rep);
	return 0;
}

static int
t_info(int argc, char **argv)
{
	TT_CHECK(argc >= 3);
	if (connect())
		return 1;
	TT_EQ(fb.width, strtoul(argv[1], NULL, 0));
	TT_EQ(fb.height, strtoul(argv[2], NULL, 0));
	TT_EQ(fb.stride, fb.width * 4);
	TT_EQ(fb.format, FB_FORMAT_XRGB8888);
	TT_EQ(fb.size, (fb.stride * fb.height + PAGE - 1) & ~(PAGE - 1));
	TT_EQ(fb.reserved[0] | fb.reserved[1] | fb.reserved[2], 0);
	printf("gpu: info %ux%u stride %u format %u size %u\n", fb.width, fb.height, fb.stride,
	       fb.format, fb.size);
	return 0;
}

static int
t_errors(int argc, char **argv)
{
	struct ts_packet rep;
	uint32_t W, H;

	(void)argc;
	(void)argv;
	if (connect())
		return 1;
	W = fb.width;
	H = fb.height;
	memset(pix, 0xee, sizeof(pix));
	/* Rectangles not inside the screen, empty ones. */
	TT_EQ(write_rect(FB_RECT(W - 8, 0, 16, 1), pix, 64, PKT_DATA_COPY), -ERR_INVAL);
	TT_EQ(write_rect(FB_RECT(0, H - 8, 1, 16), pix, 64, PKT_DATA_COPY), -ERR_INVAL);
	TT_EQ(write_rect(FB_RECT(W, 0, 1, 1), pix, 4, PKT_DATA_COPY), -ERR_INVAL);
	TT_EQ(write_rect(FB_RECT(0, H, 1, 1), pix, 4, PKT_DATA_COPY), -ERR_INVAL);
	TT_EQ(write_rect(FB_RECT(0xffff, 0xffff, 2, 2), pix, 16, PKT_DATA_COPY), -ERR_INVAL);
	TT_EQ(write_rect(FB_RECT(0, 0, 0, 4), pix, 4, PKT_DATA_COPY), -ERR_INVAL);
	TT_EQ(write_rect(FB_RECT(0, 0, 4, 0), pix, 4, PKT_DATA_COPY), -ERR_INVAL);
	/* Length must be w * h * 4 exactly; data is required. */
	TT_EQ(write_rect(FB_RECT(0, 0, 4, 4), pix, 60, PKT_DATA_COPY), -ERR_INVAL);
	TT_EQ(write_rect(FB_RECT(0, 0, 4, 4), pix, 68, PKT_DATA_COPY), -ERR_INVAL);
	TT_EQ(write_rect(FB_RECT(0, 0, 4, 4), NULL, 0, PKT_DATA_NONE), -ERR_INVAL);
	TT_EQ(call(OP_WRITE, FB_RECT(0, 0, 4, 4), 64, NULL), -ERR_INVAL);
	/* Flushes outside the screen. */
	TT_EQ(flush(FB_RECT(0, 0, W + 1, 1)), -ERR_INVAL);
	TT_EQ(flush(FB_RECT(W, 0, 1, 1)), -ERR_INVAL);
	TT_EQ(flush(FB_RECT(1, H - 1, 1, 2)), -ERR_INVAL);
	/* MAP: offset not page aligned, past the end, data sent. */
	TT_EQ(call(OP_MAP, 100, 0, NULL), -ERR_INVAL);
	TT_EQ(call(OP_MAP, fb.size, 0, NULL), -ERR_INVAL);
	struct ts_packet req = { .opcode = OP_MAP, .flags = PKT_DATA_COPY,
				 .data = (uint64_t)(uintptr_t)pix, .len = 16 };
	TT_EQ(dux_call((ts_addr)gpu, &req, &rep, WAIT_NS), -ERR_INVAL);
	/* The whole framebuffer does not fit our next 1 MiB receive range: the
	 * kernel refuses the reply and the server answers again without data. */
	TT_CHECK(fb.size > CHUNK);
	TT_EQ(call(OP_MAP, 0, 0, &rep), -ERR_TOOBIG);
	TT_EQ(rep.flags & PKT_DATA_MASK, PKT_DATA_NONE);
	/* Unknown opcodes. */
	TT_EQ(call(OP_READ, 0, 16, NULL), -ERR_NOTSUP);
	TT_EQ(call(OP_ECHO, 0, 0, NULL), -ERR_NOTSUP);
	TT_EQ(call(OP_DELETE, 0, 0, NULL), -ERR_NOTSUP);
	/* Still serving. */
	TT_EQ(call(OP_INFO, 0, 0, &rep), sizeof(fb));
	dux_data_free(&rep);
	printf("gpu: errors: outside, empty, wrong length, no data -> invalid argument, "
	       "map too big -> %s\n", ts_strerror(-ERR_TOOBIG));
	return 0;
}

/* Console-like: each 8x16 cell written and flushed on its own; then
 * whole-screen flushes.  Times (not instructions: see bench_gpu). */
static int
t_cells(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (connect())
		return 1;
	uint64_t t0 = ts_now();
	for (unsigned i = 0; i < CELLS; i++)
		if (fill(CELL_X + 8 * i, CELL_Y, 8, 16, cell_colour(i)))
			return 1;
	uint64_t t1 = ts_now();
	for (unsigned i = 0; i < 4; i++)
		TT_EQ(flush(FB_RECT(0, 0, 0, 0)), 0);
	uint64_t t2 = ts_now();
	printf("gpu: %u cells written + flushed, %llu us each; full flush %llu us\n", CELLS,
	       (unsigned long long)((t1 - t0) / CELLS / 1000),
	       (unsigned long long)((t2 - t1) / 4 / 1000));
	return 0;
}

static int
t_write(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (connect())
		return 1;
	if (fill(10, 10, 100, 50, RED) || fill(fb.width - 100, fb.height - 100, 100, 100, GREEN))
		return 1;
	/* MOVE: the pages leave us. */
	size_t blue = 64 * 32 * 4;
	TT_EQ(sys_mem_alloc(BUF_VA, blue, MEM_R | MEM_W), 0);
	uint32_t *p = (uint32_t *)BUF_VA;
	for (unsigned i = 0; i < 64 * 32; i++)
		p[i] = BLUE;
	TT_EQ(write_rect(FB_RECT(200, 300, 64, 32), p, blue, PKT_DATA_MOVE), 0);
	TT_EQ(flush(FB_RECT(200, 300, 64, 32)), 0);
	/* SHARE read-only: we keep them. */
	size_t cyan = 50 * 40 * 4;
	TT_EQ(sys_mem_alloc(BUF_VA, (cyan + PAGE - 1) & ~(PAGE - 1), MEM_R | MEM_W), 0);
	for (unsigned i = 0; i < 50 * 40; i++)
		p[i] = CYAN;
	uint64_t r = FB_RECT(600, 200, 50, 40);
	TT_EQ(write_rect(r, p, cyan, PKT_DATA_SHARE | PKT_SHARE_RO), -ERR_INVAL); /* kernel */
	TT_EQ(write_rect(r, p, PAGE, PKT_DATA_SHARE | PKT_SHARE_RO), -ERR_INVAL); /* server */
	TT_EQ(write_rect(r, p, 2 * PAGE, PKT_DATA_SHARE | PKT_SHARE_RO), 0);
	TT_EQ(p[0], CYAN);
	TT_EQ(flush(FB_RECT(600, 200, 50, 40)), 0);
	/* Written, never flushed: must not reach the screen. */
	for (unsigned i = 0; i < 40 * 40; i++)
		pix[i] = WHITE;
	TT_EQ(write_rect(FB_RECT(500, 50, 40, 40), pix, 40 * 40 * 4, PKT_DATA_COPY), 0);
	/* The checkerboard. */
	for (uint32_t y = 0; y < CHECK_N; y++)
		for (uint32_t x = 0; x < CHECK_N; x++)
			pix[y * CHECK_N + x] = ((CHECK_X + x + CHECK_Y + y) & 1) ? CHECK_B : CHECK_A;
	r = FB_RECT(CHECK_X, CHECK_Y, CHECK_N, CHECK_N);
	TT_EQ(write_rect(r, pix, CHECK_N * CHECK_N * 4, PKT_DATA_COPY), 0);
	TT_EQ(flush(r), 0);
	printf("gpu: pattern written by COPY, MOVE and SHARE\n");
	return 0;
}

/* The framebuffer through OP_MAP, one receive range (1 MiB) at a time. */
static int
t_map(int argc, char **argv)
{
	struct ts_packet rep[8];
	uint8_t *chunk[8];
	unsigned n = 0;

	(void)argc;
	(void)argv;
	if (connect())
		return 1;
	for (uint64_t off = 0; off < fb.size; off += CHUNK, n++) {
		uint64_t want = fb.size - off < CHUNK ? fb.size - off : CHUNK;
		TT_CHECK(n < 8);
		TT_EQ(call(OP_MAP, off, CHUNK, &rep[n]), want);
		TT_EQ(rep[n].flags & PKT_DATA_MASK, PKT_DATA_SHARE);
		TT_EQ(rep[n].len, want);
		chunk[n] = (uint8_t *)(uintptr_t)rep[n].data;
	}
#define PX(x, y)                                                               \
	(*(volatile uint32_t *)(chunk[((y) * fb.stride + (x) * 4) / CHUNK] +   \
				((y) * fb.stride + (x) * 4) % CHUNK))
	/* What OP_WRITE put there, seen through the map. */
	TT_EQ(PX(10, 10), RED);
	TT_EQ(PX(109, 59), RED);
	TT_EQ(PX(fb.width - 1, fb.height - 1), GREEN);
	TT_EQ(PX(500, 50), WHITE);
	TT_EQ(PX(CHECK_X + 1, CHECK_Y), CHECK_B);
	for (uint32_t y = GRAD_Y; y < GRAD_Y + GRAD_H; y++)
		for (uint32_t x = GRAD_X; x < GRAD_X + GRAD_W; x++)
			PX(x, y) = grad(x, y);
	TT_EQ(flush(FB_RECT(GRAD_X, GRAD_Y, GRAD_W, GRAD_H)), 0);
	for (unsigned i = 0; i < n; i++)
		TT_EQ(dux_data_free(&rep[i]), 0);
	printf("gpu: gradient drawn through OP_MAP (%u windows)\n", n);
	return 0;
}

static const struct ttest tests[] = {
	{ "info", t_info },
	{ "errors", t_errors },
	{ "cells", t_cells },
	{ "write", t_write },
	{ "map", t_map },
};

/* ttest_main's runner, except that on success the node stays up for the
 * screendump instead of powering off. */
int
main(int argc, char **argv)
{
	const size_t n = sizeof(tests) / sizeof(tests[0]);
	int passed = 0, failed = 0;

	if (argc >= 2 && strspn(argv[1], "0123456789") != strlen(argv[1]))
		return ttest_main(argc, argv, tests, n);
	if (ts_spawn("pci", NULL, 0, SPAWN_PRIV) <= 0) {
		printf("gpu: cannot start pci\n");
		sys_poweroff(1);
	}
	for (size_t i = 0; i < n; i++) {
		const char *av[4] = { tests[i].name, argc > 1 ? argv[1] : "0",
				      argc > 2 ? argv[2] : "0", NULL };
		long st = ts_run(argv[0], av, 0, SPAWN_PRIV);
		printf("%s %s\n", st == 0 ? "ok" : "FAIL", tests[i].name);
		if (st == 0)
			passed++;
		else
			failed++;
	}
	printf("%s: %d passed, %d failed\n", argv[0], passed, failed);
	if (failed)
		sys_poweroff(1);
	printf("gpu: pattern drawn\n");
	for (;;)
		sys_sleep(1000000000ull);
}
