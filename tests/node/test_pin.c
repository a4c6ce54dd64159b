/* mem_pin / mem_unpin: physical addresses for DMA; a pinned page outlives
 * its mapping until it is unpinned; only the pinner's own pins are released. */
#include <stdio.h>
#include <dux/dux.h>
#include "ttest.h"

#define VA 0x2000000000ul
#define PG 4096ul

static int
unpriv(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	uint64_t pa[1];
	TT_EQ(sys_mem_alloc(VA, PG, MEM_R | MEM_W), 0);
	TT_EQ(sys_mem_pin(VA, PG, pa), -ERR_PERM);
	return 0;
}

static int
pin(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	uint64_t pa[4], dma = 0;
	/* Warm up: the page tables and the kernel's pin list (one heap page)
	 * are made once and stay until exit. */
	TT_EQ(sys_mem_alloc(VA, PG, MEM_R), 0);
	TT_EQ(sys_mem_pin(VA, PG, pa), 1);
	TT_EQ(sys_mem_unpin(pa, 1), 1);
	TT_EQ(sys_mem_free(VA, PG), 0);
	long free0 = sys_info(INFO_FREE_PAGES, 0);

	TT_EQ(sys_mem_pin(VA, PG, pa), -ERR_FAULT);		/* not mapped */
	TT_EQ(sys_mem_pin(VA + 1, PG, pa), -ERR_INVAL);
	TT_EQ(sys_mem_pin(VA, 257 * PG, pa), -ERR_TOOBIG);
	TT_EQ(sys_mem_alloc(VA, 4 * PG, MEM_R | MEM_W), 0);
	TT_EQ(sys_mem_pin(VA, 4 * PG, pa), 4);
	for (int i = 0; i < 4; i++) {
		TT_CHECK(pa[i] >= 0x80000000ul && (pa[i] & (PG - 1)) == 0);
		for (int j = 0; j < i; j++)
			TT_CHECK(pa[i] != pa[j]);
	}
	/* DMA pages are contiguous: their PAs are what alloc_dma said. */
	TT_EQ(sys_mem_alloc_dma(VA + 16 * PG, 2 * PG, &dma), 0);
	uint64_t dpa[2];
	TT_EQ(sys_mem_pin(VA + 16 * PG, 2 * PG, dpa), 2);
	TT_EQ(dpa[0], dma);
	TT_EQ(dpa[1], dma + PG);
	TT_EQ(sys_mem_unpin(dpa, 2), 2);
	TT_EQ(sys_mem_free(VA + 16 * PG, 2 * PG), 0);

	/* Unmapped but pinned: the pages stay allocated. */
	TT_EQ(sys_mem_free(VA, 4 * PG), 0);
	TT_EQ(sys_info(INFO_FREE_PAGES, 0), free0 - 4);
	uint64_t bogus = 0x80000000ul;
	TT_EQ(sys_mem_unpin(&bogus, 1), -ERR_NOENT);		/* not ours */
	TT_EQ(sys_mem_unpin(pa, 4), 4);
	TT_EQ(sys_info(INFO_FREE_PAGES, 0), free0);
	TT_EQ(sys_mem_unpin(pa, 1), -ERR_NOENT);		/* already released */

	/* Pins end with the task: a child pins, unmaps and exits.  The first
	 * run grows the kernel heap (it keeps its high-water mark), so pages
	 * are compared across the second run. */
	const char *av[] = { "_pin_exit", NULL };
	TT_EQ(ts_run("test_pin", av, 0, SPAWN_PRIV), 0);
	long free1 = sys_info(INFO_FREE_PAGES, 0);
	long heap1 = sys_info(INFO_KHEAP_BYTES, 0);
	TT_EQ(ts_run("test_pin", av, 0, SPAWN_PRIV), 0);
	TT_EQ(sys_info(INFO_FREE_PAGES, 0), free1);
	TT_EQ(sys_info(INFO_KHEAP_BYTES, 0), heap1);

	const char *av2[] = { "_unpriv", NULL };
	TT_EQ(ts_run("test_pin", av2, 0, 0), 0);
	return 0;
}

static int
pin_exit(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	uint64_t pa[8];
	if (sys_mem_alloc(VA, 8 * PG, MEM_R | MEM_W) || sys_mem_pin(VA, 8 * PG, pa) != 8 ||
	    sys_mem_free(VA, 8 * PG))
		return 1;
	return 0;
}

/* Data in DMA memory travels by COPY like any other (drivers reply from it). */
static int
dma_copy(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	uint64_t pa;
	TT_EQ(dux_init(8), 0);
	TT_EQ(sys_mem_alloc_dma(VA, 2 * PG, &pa), 0);
	for (unsigned i = 0; i < 2 * PG; i++)
		((volatile uint8_t *)VA)[i] = (uint8_t)(i * 7 + 3);
	struct ts_packet *p = dux_alloc();
	TT_CHECK(p != NULL);
	p->opcode = OP_WRITE;
	p->flags = PKT_DATA_COPY;
	p->data = VA + 100;
	p->len = PG + 50;
	dux_request((ts_addr)sys_task_self(), p);
	TT_EQ(dux_wait(1000000000ull), 1);
	struct ts_packet *q = dux_recv();
	TT_CHECK(q != NULL);
	printf("dma_copy: status %d flags %x len %lu\n", q->status, q->flags, (unsigned long)q->len);
	TT_EQ(q->flags & PKT_KERNEL, 0);
	TT_EQ(q->len, PG + 50);
	for (unsigned i = 0; i < PG + 50; i++)
		TT_EQ(((volatile uint8_t *)q->data)[i], (uint8_t)((i + 100) * 7 + 3));
	return 0;
}

static const struct ttest tests[] = {
	{ "dma_copy", dma_copy },
	{ "_unpriv", unpriv },
	{ "_pin_exit", pin_exit },
	{ "pin", pin },
};

TT_MAIN(tests)
