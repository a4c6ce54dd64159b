/* Memory tests: the alloc/free/protect contract, device and DMA mappings,
 * and a stress run on every hart that must leave the free-page count where
 * it started. */
#include <stdlib.h>
#include <string.h>
#include "ttest.h"

#define BASE 0x2000000000ul
#define PG 4096ul

static int
contract(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	long free0 = sys_info(INFO_FREE_PAGES, 0);
	TT_EQ(sys_mem_alloc(BASE + 1, PG, MEM_R | MEM_W), -ERR_INVAL);
	TT_EQ(sys_mem_alloc(BASE, 100, MEM_R | MEM_W), -ERR_INVAL);
	TT_EQ(sys_mem_alloc(BASE, 0, MEM_R | MEM_W), -ERR_INVAL);
	TT_EQ(sys_mem_alloc(BASE, PG, MEM_W | MEM_X), -ERR_INVAL);
	TT_EQ(sys_mem_alloc(BASE, PG, 0), -ERR_INVAL);
	TT_EQ(sys_mem_alloc(BASE, PG, 0x80), -ERR_INVAL);
	TT_EQ(sys_mem_alloc(TS_USER_TOP, PG, MEM_R), -ERR_FAULT);
	TT_EQ(sys_mem_alloc(TS_USER_TOP - PG, 2 * PG, MEM_R), -ERR_FAULT);
	TT_EQ(sys_mem_alloc(0xfffffffffffff000ul, PG, MEM_R), -ERR_FAULT);
	TT_EQ(sys_mem_alloc(BASE, 1ul << 40, MEM_R), -ERR_FAULT);

	TT_EQ(sys_mem_alloc(BASE, 4 * PG, MEM_R | MEM_W), 0);
	TT_EQ(sys_info(INFO_FREE_PAGES, 0) <= free0 - 4, 1);
	volatile uint64_t *p = (volatile uint64_t *)BASE;
	for (unsigned i = 0; i < 4 * PG / 8; i++)
		TT_EQ(p[i], 0);		/* zeroed */
	for (unsigned i = 0; i < 4 * PG / 8; i++)
		p[i] = i * 7;
	TT_EQ(sys_mem_alloc(BASE + 3 * PG, 2 * PG, MEM_R | MEM_W), -ERR_EXIST);
	TT_EQ(sys_mem_free(BASE + 3 * PG, 2 * PG), -ERR_NOENT);	/* partly mapped */
	TT_EQ(sys_mem_protect(BASE, 4 * PG, MEM_R), 0);
	TT_EQ(p[5], 35);
	TT_EQ(sys_mem_protect(BASE, 4 * PG, MEM_R | MEM_W | MEM_X), -ERR_INVAL);
	TT_EQ(sys_mem_protect(BASE + 4 * PG, PG, MEM_R), -ERR_NOENT);
	TT_EQ(sys_mem_protect(BASE, 4 * PG, MEM_R | MEM_W), 0);
	p[6] = 1;
	TT_EQ(sys_mem_free(BASE, 4 * PG), 0);
	TT_EQ(sys_mem_free(BASE, 4 * PG), -ERR_NOENT);
	/* Freed pages come back (tables stay until exit: allocate again). */
	TT_EQ(sys_mem_alloc(BASE, 4 * PG, MEM_R), 0);
	TT_EQ(sys_mem_free(BASE, 4 * PG), 0);
	return 0;
}

static int
write_readonly(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sys_mem_alloc(BASE, PG, MEM_R | MEM_W);
	sys_mem_protect(BASE, PG, MEM_R);
	*(volatile int *)BASE = 1;
	return 0;
}

static int
use_after_free(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sys_mem_alloc(BASE, PG, MEM_R | MEM_W);
	*(volatile int *)BASE = 1;
	sys_mem_free(BASE, PG);
	return *(volatile int *)BASE;
}

static int
protect_faults(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	const char *av1[] = { "_write_ro", NULL }, *av2[] = { "_use_after_free", NULL };
	TT_EQ(ts_run("test_mem", av1, 0, 0), -ERR_PGFAULT);
	TT_EQ(ts_run("test_mem", av2, 0, 0), -ERR_PGFAULT);
	return 0;
}

static int
device_dma(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	uint64_t pa = 0;
	/* Create the page tables for BASE first: they stay until exit. */
	TT_EQ(sys_mem_alloc(BASE, PG, MEM_R), 0);
	TT_EQ(sys_mem_free(BASE, PG), 0);
	long free0 = sys_info(INFO_FREE_PAGES, 0);
	TT_EQ(sys_mem_alloc_dma(BASE, 16 * PG, &pa), 0);
	TT_CHECK(pa >= 0x80000000ul && (pa & (PG - 1)) == 0);
	TT_EQ(sys_info(INFO_FREE_PAGES, 0), free0 - 16);
	memset((void *)BASE, 0xab, 16 * PG);
	TT_EQ(sys_mem_alloc_dma(BASE, PG, &pa), -ERR_EXIST);
	TT_EQ(sys_mem_free(BASE, 16 * PG), 0);
	TT_EQ(sys_info(INFO_FREE_PAGES, 0), free0);
	/* RAM is not device memory; the UART page is. */
	TT_EQ(sys_mem_map_device(BASE, 0x80000000ul, PG), -ERR_PERM);
	TT_EQ(sys_mem_map_device(BASE, 0x10000001ul, PG), -ERR_INVAL);
	TT_EQ(sys_mem_map_device(BASE, 0x10000000ul, PG), 0);
	volatile uint8_t *uart = (volatile uint8_t *)BASE;
	TT_CHECK(uart[5] & 0x20);	/* LSR: transmitter ready */
	TT_EQ(sys_mem_free(BASE, PG), 0);
	TT_EQ(sys_info(INFO_FREE_PAGES, 0), free0);
	return 0;
}

/* Worker: allocate, fill, check, protect and free in a loop. */
static int
stress_worker(int argc, char **argv)
{
	unsigned seed = (unsigned)(argc > 1 ? atoi(argv[1]) : 1);
	uint64_t base = BASE + ((uint64_t)seed << 30);
	for (int it = 0; it < 300; it++) {
		seed = seed * 1103515245 + 12345;
		uint64_t n = 1 + (seed >> 16) % 16;
		if (sys_mem_alloc(base, n * PG, MEM_R | MEM_W) != 0)
			return 2;
		uint64_t *p = (uint64_t *)base;
		for (uint64_t i = 0; i < n * PG / 8; i += 61)
			p[i] = i ^ seed;
		for (uint64_t i = 0; i < n * PG / 8; i += 61)
			if (p[i] != (i ^ seed))
				return 3;
		if (sys_mem_protect(base, n * PG, MEM_R) != 0)
			return 4;
		if (sys_mem_free(base, n * PG) != 0)
			return 5;
	}
	return 0;
}

static int
stress_all_harts(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	long nharts = sys_info(INFO_NHARTS, 0);
	long workers = nharts * 2;
	long tids[16];
	char seeds[16][4];
	long free0 = 0, heap0 = 0;
	/* Round 0 warms up: the kernel heap keeps its high-water mark of pages
	 * (docs/architecture.md), so pages are compared from round 1 on; heap
	 * bytes in use must match in every round. */
	for (int round = 0; round < 3; round++) {
	if (round == 1) {
		free0 = sys_info(INFO_FREE_PAGES, 0);
		heap0 = sys_info(INFO_KHEAP_BYTES, 0);
	}
	for (long i = 0; i < workers; i++) {
		seeds[i][0] = (char)('1' + i);
		seeds[i][1] = 0;
		tids[i] = ttest_spawn_self("_worker", seeds[i], 0);
		TT_CHECK(tids[i] > 0);
	}
	for (long i = 0; i < workers; i++) {
		int st = -1;
		TT_EQ(sys_task_wait(tids[i], &st), 0);
		TT_EQ(st, 0);
	}
	}
	printf("%ld workers on %ld harts done; free pages %ld -> %ld\n", workers, nharts, free0,
	       sys_info(INFO_FREE_PAGES, 0));
	TT_EQ(sys_info(INFO_FREE_PAGES, 0), free0);
	TT_EQ(sys_info(INFO_KHEAP_BYTES, 0), heap0);
	return 0;
}

static const struct ttest tests[] = {
	{ "_write_ro", write_readonly },
	{ "_use_after_free", use_after_free },
	{ "_worker", stress_worker },
	{ "contract", contract },
	{ "protect_faults", protect_faults },
	{ "device_dma", device_dma },
	{ "stress_all_harts", stress_all_harts },
};

TT_MAIN(tests)
