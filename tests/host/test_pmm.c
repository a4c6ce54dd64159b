/*
 * Host tests of kernel/mm/pmm.c, compiled unchanged, on fake harts and a
 * fake physical RAM (kstub.c).
 *
 * pmm.c keeps its state in static variables and pmm_init() runs once per
 * boot, so every case runs in a child process of its own that boots a fresh
 * allocator; the child hands its check counts back through a pipe.
 *
 * The test keeps its own model of the layout given to pmm_init (RAM ranges,
 * firmware, kernel, dtb, initrd, reserved ranges) and of the pages handed
 * out, and checks every page and every count against it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kernel/fdt.h>
#include <kernel/hart.h>
#include <kernel/memlayout.h>
#include <kernel/pmm.h>
#include <kernel/vm.h>

#include "check.h"
#include "kstub.h"

#define MiB	(1ul << 20)
#define GiB	(1ul << 30)
#define RAM_LO	0x80000000ul
#define PPN(pa)	((uint64_t)(pa) >> PAGE_SHIFT)

/* The layout of the current boot, as the test understands it. */
static struct platform plat;
static uint64_t kern_end, dtb_pa, dtb_size;
static uint64_t span_lo, span_hi;	/* page numbers: [lowest RAM, end) */
static uint8_t *out;			/* per page of the span: handed out */
static uint64_t nout;			/* pages handed out */

static void
boot(const struct fdt_range *mem, unsigned nmem, uint64_t kernel_end,
     uint64_t dtb, uint64_t dtbsz, uint64_t rd_start, uint64_t rd_end,
     const struct fdt_range *rsv, unsigned nrsv)
{
	memset(&plat, 0, sizeof(plat));
	span_lo = UINT64_MAX;
	span_hi = 0;
	for (unsigned i = 0; i < nmem; i++) {
		plat.mem[i] = mem[i];
		if (PPN(mem[i].base) < span_lo)
			span_lo = PPN(mem[i].base);
		if (PPN(mem[i].base + mem[i].size) > span_hi)
			span_hi = PPN(mem[i].base + mem[i].size);
	}
	if (span_hi - span_lo > MAX_RAM / PAGE_SIZE)
		span_hi = span_lo + MAX_RAM / PAGE_SIZE;
	plat.nmem = nmem;
	for (unsigned i = 0; i < nrsv; i++)
		plat.rsv[i] = rsv[i];
	plat.nrsv = nrsv;
	plat.initrd_start = rd_start;
	plat.initrd_end = rd_end;
	kern_end = kernel_end;
	dtb_pa = dtb;
	dtb_size = dtbsz;
	out = calloc(span_hi - span_lo, 1);
	nout = 0;
	kstub_set_harts(4);
	pmm_init(&plat, kernel_end, dtb, dtbsz);
}

/* The layout used by most cases: 64 MiB at 0x80000000, free runs
 * [0x80400, 0x81000) [0x81002, 0x82000) [0x82101, 0x83f00) [0x83f03, 0x84000)
 * (page numbers): 3072 + 4094 + 7679 + 253 = 15098 pages. */
#define A_TOTAL	15098

static void
boot_a(void)
{
	static const struct fdt_range mem[] = { { RAM_LO, 64 * MiB } };
	static const struct fdt_range rsv[] = {
		{ 0x81000800, 0x1000 },	/* straddles two pages */
		{ 0x820ff000, 0x2000 },	/* last initrd page + one more */
	};

	boot(mem, 1, 0x80400000, 0x83f00000, 0x3000, 0x82000000, 0x82100000,
	     rsv, 2);
}

static void
shutdown(void)
{
	free(out);
	out = NULL;
}

static int
overlaps(uint64_t ppn, uint64_t base, uint64_t size)
{
	return size != 0 && ppn >= PPN(base) &&
	       ppn < PPN(base + size + PAGE_SIZE - 1);
}

/* May pmm hand out page `ppn` under the current layout? */
static int
usable(uint64_t ppn)
{
	int ram = 0;

	if (ppn < span_lo || ppn >= span_hi)
		return 0;
	for (unsigned i = 0; i < plat.nmem; i++)
		if (ppn >= PPN(plat.mem[i].base + PAGE_SIZE - 1) &&
		    ppn < PPN(plat.mem[i].base + plat.mem[i].size))
			ram = 1;
	if (!ram || ppn < PPN(KERNEL_PA) || overlaps(ppn, KERNEL_PA, kern_end - KERNEL_PA) ||
	    overlaps(ppn, dtb_pa, dtb_size) ||
	    overlaps(ppn, plat.initrd_start, plat.initrd_end - plat.initrd_start))
		return 0;
	for (unsigned i = 0; i < plat.nrsv; i++)
		if (overlaps(ppn, plat.rsv[i].base, plat.rsv[i].size))
			return 0;
	return 1;
}

static uint64_t
model_total(void)
{
	uint64_t n = 0;

	for (uint64_t p = span_lo; p < span_hi; p++)
		n += (uint64_t)usable(p);
	return n;
}

/* Record page `ppn` as handed out: 0 if it is not usable or already out. */
static int
take(uint64_t ppn)
{
	if (!usable(ppn) || out[ppn - span_lo])
		return 0;
	out[ppn - span_lo] = 1;
	nout++;
	return 1;
}

static void
give_back(uint64_t ppn)
{
	out[ppn - span_lo] = 0;
	nout--;
}

static uint64_t
cached(void)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < MAX_HARTS; i++)
		n += harts[i].pmm_ncache;
	return n;
}

/* pmm_alloc() on the current hart until it returns 0; every page must be
 * new and usable.  Stores the pages in v (room for `max`), returns the
 * count. */
static uint64_t
drain(uint64_t *v, uint64_t max)
{
	uint64_t n = 0, ppn;
	int bad = 0;

	while ((ppn = pmm_alloc()) != 0) {
		if (!take(ppn) || n == max) {
			bad = 1;
			break;
		}
		v[n++] = ppn;
	}
	CHECK(!bad);
	CHECK_EQ(host_hart->pmm_ncache, 0);
	return n;
}

static void
release(const uint64_t *v, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		pmm_free(v[i]);
		give_back(v[i]);
	}
}

static void
test_init_counts(void)
{
	uint64_t *v = malloc(A_TOTAL * sizeof(*v));

	boot_a();
	CHECK_EQ(model_total(), A_TOTAL);
	CHECK_EQ(pmm_total_pages(), A_TOTAL);
	CHECK_EQ(pmm_free_pages(), A_TOTAL);
	CHECK_EQ(drain(v, A_TOTAL), A_TOTAL);
	CHECK_EQ(pmm_alloc(), 0);
	CHECK_EQ(pmm_alloc_uncached(), 0);
	CHECK_EQ(pmm_alloc_contig(1), 0);
	CHECK_EQ(pmm_free_pages(), 0);
	release(v, A_TOTAL);
	CHECK_EQ(pmm_free_pages(), A_TOTAL);
	CHECK_EQ(pmm_total_pages(), A_TOTAL);
	/* Everything freed can be handed out again, on another hart. */
	host_hart = &harts[1];
	uint64_t n = drain(v, A_TOTAL);
	host_hart = &harts[0];
	n += drain(v + n, A_TOTAL - n);
	CHECK_EQ(n, A_TOTAL);
	release(v, n);
	CHECK_EQ(pmm_free_pages(), A_TOTAL);
	CHECK_EQ(kstub_locks_held(), 0);
	free(v);
	shutdown();
}

static void
test_cache_refill_spill(void)
{
	uint64_t v[66];

	boot_a();
	v[0] = pmm_alloc();
	CHECK(take(v[0]));
	CHECK_EQ(harts[0].pmm_ncache, PMM_CACHE_BATCH - 1);
	CHECK_EQ(pmm_free_pages(), A_TOTAL - 1);
	for (unsigned i = 1; i < 66; i++) {
		v[i] = pmm_alloc();
		CHECK(take(v[i]));
		CHECK(harts[0].pmm_ncache < PMM_CACHE_BATCH);
		CHECK_EQ(pmm_free_pages(), A_TOTAL - nout);
	}
	/* 66 pages taken from the bitmap by hart 0, freed on hart 1: the
	 * stack fills to 64, the 65th free spills 32 first. */
	host_hart = &harts[1];
	for (unsigned i = 0; i < 66; i++) {
		pmm_free(v[i]);
		give_back(v[i]);
		CHECK_EQ(harts[1].pmm_ncache, i < PMM_CACHE_MAX ? i + 1 :
			 i + 1 - PMM_CACHE_BATCH);
		CHECK_EQ(pmm_free_pages(), A_TOTAL - nout);
	}
	CHECK_EQ(harts[1].pmm_ncache, 34);
	/* Last in, first out. */
	CHECK_EQ(pmm_alloc(), v[65]);
	CHECK_EQ(harts[1].pmm_ncache, 33);
	pmm_free(v[65]);
	/* A hart with an empty stack refills from the bitmap even while
	 * other harts hold cached pages. */
	host_hart = &harts[2];
	uint64_t p = pmm_alloc();
	CHECK(take(p));
	CHECK_EQ(harts[2].pmm_ncache, PMM_CACHE_BATCH - 1);
	pmm_free(p);
	give_back(p);
	CHECK_EQ(pmm_free_pages(), A_TOTAL);
	CHECK_EQ(harts[0].pmm_ncache, 30);	/* 66 = 32 + 32 + 2 */
	CHECK_EQ(cached(), 30 + 34 + PMM_CACHE_BATCH);
	CHECK_EQ(kstub_locks_held(), 0);
	shutdown();
}

/* Pages freed on one hart come back on the others: drain every hart. */
static void
test_cross_hart(void)
{
	uint64_t *v = malloc(A_TOTAL * sizeof(*v));
	uint64_t n = 0;

	boot_a();
	for (unsigned h = 0; h < 4; h++) {
		host_hart = &harts[h];
		for (unsigned i = 0; i < 1000; i++) {
			v[n] = pmm_alloc();
			CHECK(take(v[n]));
			n++;
		}
	}
	for (uint64_t i = 0; i < n; i++) {
		host_hart = &harts[(i * 7) % 4];
		pmm_free(v[i]);
		give_back(v[i]);
	}
	CHECK_EQ(nout, 0);
	CHECK_EQ(pmm_free_pages(), A_TOTAL);
	CHECK(cached() > 0);
	/* Hart 3 gets the bitmap, then each hart its own stack. */
	n = 0;
	for (int h = 3; h >= 0; h--) {
		host_hart = &harts[h];
		uint64_t before = harts[h].pmm_ncache;
		uint64_t got = drain(v + n, A_TOTAL - n);
		if (h < 3)
			CHECK_EQ(got, before);
		n += got;
	}
	CHECK_EQ(n, A_TOTAL);
	CHECK_EQ(pmm_free_pages(), 0);
	release(v, n);
	CHECK_EQ(pmm_free_pages(), A_TOTAL);
	free(v);
	shutdown();
}

/* 100000 random alloc/free on 4 harts, cached and uncached, with a few
 * contiguous runs, in a small RAM that runs out often.  Phases of 4096
 * operations alternate between mostly allocating and mostly freeing. */
static void
test_random(void)
{
	static const struct fdt_range mem[] = { { RAM_LO, 6 * MiB } };
	uint64_t *v, ppn, total;
	unsigned exhausted = 0;
	int ok = 1;

	boot(mem, 1, 0x80300000, 0x90000000, 0x2000, 0, 0, NULL, 0);
	total = model_total();
	CHECK_EQ(total, 768);
	CHECK_EQ(pmm_total_pages(), total);
	v = malloc(total * sizeof(*v));
	for (unsigned op = 0; op < 100000 && ok; op++) {
		unsigned r = (unsigned)rnd_below(100);
		unsigned alloc_pct = (op / 4096) % 2 ? 30 : 70;
		struct hart *h = &harts[rnd_below(4)];
		uint64_t bitmap_free = pmm_free_pages() - cached();

		host_hart = h;
		if (r < alloc_pct || nout == 0) {
			unsigned kind = (unsigned)rnd_below(10), n = 1;
			unsigned before = h->pmm_ncache;
			if (kind < 8)
				ppn = pmm_alloc();
			else if (kind < 9)
				ppn = pmm_alloc_uncached();
			else
				ppn = pmm_alloc_contig(n = 1 + (unsigned)rnd_below(8));
			if (ppn == 0) {
				exhausted++;
				if (kind < 8)
					ok = before == 0 && bitmap_free == 0;
				else if (n == 1)
					ok = bitmap_free == 0;
			}
			for (unsigned i = 0; i < n && ppn && ok; i++)
				if (take(ppn + i))
					v[nout - 1] = ppn + i;
				else
					ok = 0;
		} else {
			uint64_t i = rnd_below(nout);
			ppn = v[i];
			if (rnd_below(10) < 8)
				pmm_free(ppn);
			else
				pmm_free_uncached(ppn);
			give_back(ppn);
			v[i] = v[nout];
		}
		if (ok)
			ok = pmm_free_pages() == total - nout && h->pmm_ncache <= PMM_CACHE_MAX;
		if (!ok)
			fprintf(stderr, "test_random: op %u: page %lx, %lu out, %lu free\n",
				op, (unsigned long)ppn, (unsigned long)nout,
				(unsigned long)pmm_free_pages());
	}
	CHECK(ok);
	CHECK(exhausted > 100);
	host_hart = &harts[0];
	while (nout > 0) {
		pmm_free(v[nout - 1]);
		give_back(v[nout - 1]);
	}
	CHECK_EQ(pmm_free_pages(), total);
	uint64_t n = 0;
	for (unsigned h = 0; h < 4; h++) {
		host_hart = &harts[h];
		n += drain(v + n, total - n);
	}
	CHECK_EQ(n, total);
	CHECK_EQ(pmm_free_pages(), 0);
	release(v, n);
	CHECK_EQ(kstub_locks_held(), 0);
	free(v);
	shutdown();
}

static void
call_free_uncached(void *arg)
{
	pmm_free_uncached(*(uint64_t *)arg);
}

static void
call_free(void *arg)
{
	pmm_free(*(uint64_t *)arg);
}

static void
test_double_free(void)
{
	uint64_t p, v[64];

	boot_a();
	p = pmm_alloc_uncached();
	CHECK(take(p));
	CHECK_EQ(cached(), 0);
	pmm_free_uncached(p);
	give_back(p);
	CHECK_EQ(pmm_free_pages(), A_TOTAL);
	CHECK_EQ(kstub_catch(call_free_uncached, &p), 1);
	CHECK(strstr(kstub_panic_msg, "double free") != NULL);
	CHECK_EQ(pmm_free_pages(), A_TOTAL);
	CHECK_EQ(kstub_locks_held(), 0);
	CHECK_EQ(pmm_alloc_uncached(), p);	/* lowest free page again */
	/* Freed twice into a hart's stack: caught when both copies spill. */
	for (unsigned i = 0; i < 62; i++)
		v[i] = pmm_alloc_uncached();
	host_hart = &harts[1];
	for (unsigned i = 0; i < 62; i++)
		pmm_free(v[i]);
	pmm_free(p);
	pmm_free(p);
	CHECK_EQ(harts[1].pmm_ncache, PMM_CACHE_MAX);
	v[63] = pmm_alloc_uncached();
	kstub_npanics = 0;
	CHECK_EQ(kstub_catch(call_free, &v[63]), 1);
	CHECK_EQ(kstub_npanics, 1);
	CHECK(strstr(kstub_panic_msg, "double free") != NULL);
	CHECK_EQ(kstub_locks_held(), 0);
	shutdown();
}

static void
test_free_outside_ram(void)
{
	uint64_t bad[] = { 0, PPN(RAM_LO) - 1, PPN(RAM_LO + 64 * MiB),
			   PPN(RAM_LO + MAX_RAM), UINT64_MAX };

	boot_a();
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kstub_panic_msg[0] = 0;
		CHECK_EQ(kstub_catch(call_free, &bad[i]), 1);
		CHECK(strstr(kstub_panic_msg, "outside RAM") != NULL);
		CHECK_EQ(kstub_catch(call_free_uncached, &bad[i]), 1);
		CHECK(strstr(kstub_panic_msg, "bad or double free") != NULL);
	}
	CHECK_EQ(cached(), 0);
	CHECK_EQ(pmm_free_pages(), A_TOTAL);
	CHECK_EQ(kstub_locks_held(), 0);
	/* The last page of RAM is inside. */
	uint64_t *v = malloc(A_TOTAL * sizeof(*v));
	uint64_t last = PPN(RAM_LO + 64 * MiB) - 1;
	CHECK_EQ(drain(v, A_TOTAL), A_TOTAL);
	CHECK_EQ(kstub_catch(call_free, &last), 0);
	CHECK_EQ(pmm_free_pages(), 1);
	CHECK_EQ(pmm_alloc(), last);
	free(v);
	shutdown();
}

static void
test_contig(void)
{
	uint64_t *v = malloc(A_TOTAL * sizeof(*v)), p;

	boot_a();
	CHECK_EQ(pmm_alloc_contig(0), 0);
	CHECK_EQ(pmm_alloc_contig(PPN(64 * MiB) + 1), 0);
	CHECK_EQ(pmm_alloc_contig(A_TOTAL), 0);
	CHECK_EQ(pmm_alloc_contig(7680), 0);	/* longest run + 1 */
	CHECK_EQ(pmm_free_pages(), A_TOTAL);
	/* First fit. */
	p = pmm_alloc_contig(100);
	CHECK_EQ(p, 0x80400);
	for (unsigned i = 0; i < 100; i++)
		CHECK(take(p + i));
	CHECK_EQ(pmm_free_pages(), A_TOTAL - 100);
	CHECK_EQ(pmm_alloc_contig(7679), 0x82101);
	CHECK_EQ(pmm_alloc_contig(4094), 0x81002);
	CHECK_EQ(pmm_alloc_contig(2973), 0);
	CHECK_EQ(pmm_alloc_contig(2972), 0x80464);
	CHECK_EQ(pmm_free_pages(), 253);
	for (unsigned i = 0; i < 7679; i++)
		pmm_free(0x82101 + i);
	for (unsigned i = 0; i < 4094; i++)
		pmm_free(0x81002 + i);
	for (unsigned i = 0; i < 2972; i++)
		pmm_free(0x80464 + i);
	CHECK_EQ(pmm_free_pages(), A_TOTAL - 100);
	/* Nothing else overlaps the run still out. */
	uint64_t n = drain(v, A_TOTAL);
	CHECK_EQ(n, A_TOTAL - 100);
	CHECK_EQ(pmm_alloc_contig(1), 0);
	/* Fragmented: every other page free in the bitmap, no run of 2. */
	uint64_t nodd = 0;
	for (uint64_t i = 0; i < n; i++)
		if (v[i] % 2) {
			pmm_free_uncached(v[i]);
			give_back(v[i]);
			nodd++;
		}
	CHECK(nodd > 7000);
	CHECK_EQ(pmm_free_pages(), nodd);
	CHECK_EQ(pmm_alloc_contig(2), 0);
	CHECK_EQ(pmm_alloc_contig(64), 0);
	p = pmm_alloc_contig(1);
	CHECK(take(p));
	CHECK_EQ(p % 2, 1);
	/* Pages in a hart's stack are not seen by contig. */
	pmm_free(p + 1);
	give_back(p + 1);
	CHECK_EQ(pmm_alloc_contig(2), 0);
	pmm_free_uncached(p);
	give_back(p);
	host_hart = &harts[3];
	for (uint64_t i = 0; i < n; i++)
		if (v[i] % 2 == 0 && v[i] != p + 1) {
			pmm_free(v[i]);
			give_back(v[i]);
		}
	for (unsigned i = 0; i < 100; i++) {
		pmm_free(0x80400 + i);
		give_back(0x80400 + i);
	}
	CHECK_EQ(nout, 0);
	CHECK_EQ(pmm_free_pages(), A_TOTAL);
	free(v);
	shutdown();
}

static void
test_zero(void)
{
	uint64_t p, last = PPN(RAM_LO + 64 * MiB) - 1, zeros = 0;
	uint8_t *b;

	boot_a();
	kstub_ram_init(RAM_LO, 64 * MiB);
	b = kstub_ram(RAM_LO);
	memset(b, 0xa5, 64 * MiB);
	p = pmm_alloc();
	CHECK(take(p));
	pmm_zero(p);
	CHECK_EQ(kstub_kmap_slot, KMAP_DATA);
	CHECK_EQ(kstub_kmap_pa, p << PAGE_SHIFT);
	for (uint64_t i = 0; i < 64 * MiB; i++)
		zeros += b[i] == 0;
	CHECK_EQ(zeros, PAGE_SIZE);
	b = kstub_ram(p << PAGE_SHIFT);
	CHECK_EQ(b[0], 0);
	CHECK_EQ(b[PAGE_SIZE - 1], 0);
	CHECK_EQ(b[-1], 0xa5);
	CHECK_EQ(b[PAGE_SIZE], 0xa5);
	/* The last page of RAM: AddressSanitizer catches a byte past it. */
	pmm_zero(last);
	b = kstub_ram(last << PAGE_SHIFT);
	CHECK_EQ(b[0], 0);
	CHECK_EQ(b[PAGE_SIZE - 1], 0);
	CHECK_EQ(b[-1], 0xa5);
	kstub_ram_free();
	shutdown();
}

static void
test_is_ram(void)
{
	uint64_t hi = RAM_LO + 64 * MiB;

	boot_a();
	CHECK_EQ(pmm_is_ram(RAM_LO, PAGE_SIZE), 1);
	CHECK_EQ(pmm_is_ram(RAM_LO - PAGE_SIZE, PAGE_SIZE), 0);
	CHECK_EQ(pmm_is_ram(RAM_LO - PAGE_SIZE, PAGE_SIZE + 1), 1);
	CHECK_EQ(pmm_is_ram(0, RAM_LO), 0);
	CHECK_EQ(pmm_is_ram(0, RAM_LO + 1), 1);
	CHECK_EQ(pmm_is_ram(hi - PAGE_SIZE, PAGE_SIZE), 1);
	CHECK_EQ(pmm_is_ram(hi - 1, 1), 1);
	CHECK_EQ(pmm_is_ram(hi, PAGE_SIZE), 0);
	CHECK_EQ(pmm_is_ram(hi, 1 * GiB), 0);
	CHECK_EQ(pmm_is_ram(RAM_LO - GiB, 2 * GiB), 1);	/* covers it all */
	CHECK_EQ(pmm_is_ram(0x10000000, 0x1000), 0);	/* virt UART */
	CHECK_EQ(pmm_is_ram(0x30000000, 0x10000000), 0);	/* virt PCI ECAM */
	/* Reserved pages are still RAM. */
	CHECK_EQ(pmm_is_ram(KERNEL_PA, PAGE_SIZE), 1);
	CHECK_EQ(pmm_is_ram(0x83f00000, 0x3000), 1);
	shutdown();
}

/* Two RAM ranges, listed high first, the high one not page-aligned, with a
 * 96 MiB hole between them holding the dtb. */
static void
test_hole(void)
{
	static const struct fdt_range mem[] = {
		{ 0x88000800, 16 * MiB - 0x800 },	/* pages 0x88001..0x88fff */
		{ RAM_LO, 32 * MiB },
	};
	uint64_t total = 4095 + 8192 - 512 - 256, *v;

	boot(mem, 2, 0x80300000, 0x84000000, 0x1000, 0, 0, NULL, 0);
	CHECK_EQ(model_total(), total);
	CHECK_EQ(pmm_total_pages(), total);
	CHECK_EQ(pmm_free_pages(), total);
	v = malloc(total * sizeof(*v));
	uint64_t n = drain(v, total);
	CHECK_EQ(n, total);
	uint64_t in_hole = 0, high = 0;
	for (uint64_t i = 0; i < n; i++) {
		in_hole += v[i] >= 0x82000 && v[i] < 0x88001;
		high += v[i] >= 0x88001;
	}
	CHECK_EQ(in_hole, 0);
	CHECK_EQ(high, 4095);
	CHECK_EQ(pmm_alloc_contig(1), 0);
	for (uint64_t i = 0; i < n; i++) {
		pmm_free_uncached(v[i]);
		give_back(v[i]);
	}
	/* The longest run is the high range: it does not extend into the
	 * hole. */
	CHECK_EQ(pmm_alloc_contig(8192 - 768), 0x80300);
	CHECK_EQ(pmm_alloc_contig(4096), 0);
	CHECK_EQ(pmm_alloc_contig(4095), 0x88001);
	CHECK_EQ(pmm_free_pages(), 0);
	CHECK_EQ(pmm_is_ram(0x89000000 - PAGE_SIZE, PAGE_SIZE), 1);
	CHECK_EQ(pmm_is_ram(0x89000000, PAGE_SIZE), 0);
	free(v);
	shutdown();
}

/* Overlapping and repeated RAM ranges (a device tree may list memory twice)
 * count each page once. */
static void
test_overlap(void)
{
	static const struct fdt_range mem[] = {
		{ RAM_LO, 64 * MiB },
		{ 0x82000000, 64 * MiB },
		{ RAM_LO, 64 * MiB },
	};
	uint64_t total = PPN(96 * MiB) - 1024 - 1, *v;	/* firmware, kernel, dtb */

	boot(mem, 3, 0x80400000, 0x85000000, 0x1000, 0, 0, NULL, 0);
	CHECK_EQ(model_total(), total);
	CHECK_EQ(pmm_total_pages(), total);
	CHECK_EQ(pmm_free_pages(), total);
	v = malloc((total + 1) * sizeof(*v));
	CHECK_EQ(drain(v, total + 1), total);
	CHECK_EQ(pmm_free_pages(), 0);
	release(v, total);
	CHECK_EQ(pmm_free_pages(), total);
	free(v);
	shutdown();
}

/* RAM beyond MAX_RAM from the lowest RAM address is not used. */
static void
test_max_ram(void)
{
	static const struct fdt_range mem[] = { { RAM_LO, 8 * GiB } };
	uint64_t total = MAX_RAM / PAGE_SIZE - 1024;

	boot(mem, 1, 0x80400000, 0, 0, 0, 0, NULL, 0);
	CHECK(strstr(kstub_printk_msg, "only the first 4096 MiB") != NULL);
	CHECK_EQ(pmm_total_pages(), total);
	CHECK_EQ(pmm_free_pages(), total);
	CHECK_EQ(pmm_is_ram(RAM_LO + MAX_RAM - PAGE_SIZE, PAGE_SIZE), 1);
	CHECK_EQ(pmm_is_ram(RAM_LO + MAX_RAM, PAGE_SIZE), 0);
	CHECK_EQ(pmm_alloc_contig(total + 1), 0);
	CHECK_EQ(pmm_alloc_contig(total), 0x80400);
	CHECK_EQ(pmm_alloc(), 0);
	CHECK_EQ(pmm_free_pages(), 0);
	shutdown();
}

/* Run each case in a child process (fresh pmm.c state); the child writes
 * its check counts to a pipe.  A child that dies counts as a failure. */
static int
run_forked(const struct test_case *t, size_t n)
{
	size_t bad = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned c[2] = { 0, 1 };
		int fd[2], status = 0;
		pid_t pid;

		fflush(stdout);
		fflush(stderr);
		if (pipe(fd) != 0 || (pid = fork()) < 0) {
			perror("run_forked");
			return 2;
		}
		if (pid == 0) {
			close(fd[0]);
			check_count = check_failed = 0;
			t[i].fn();
			c[0] = check_count;
			c[1] = check_failed;
			if (write(fd[1], c, sizeof(c)) != sizeof(c))
				_exit(3);
			close(fd[1]);
			exit(0);
		}
		close(fd[1]);
		if (read(fd[0], c, sizeof(c)) != sizeof(c))
			c[0] = 0, c[1] = 1;
		close(fd[0]);
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "%s: child status 0x%x\n", t[i].name, status);
			c[1]++;
		}
		check_count += c[0];
		check_failed += c[1];
		printf("%s %s\n", c[1] == 0 ? "PASS" : "FAIL", t[i].name);
		bad += c[1] != 0;
	}
	printf("%zu/%zu tests passed, %u checks, %u failed\n", n - bad, n,
	       check_count, check_failed);
	return bad == 0 ? 0 : 1;
}

int
main(void)
{
	static const struct test_case tests[] = {
		{ "init_counts", test_init_counts },
		{ "cache_refill_spill", test_cache_refill_spill },
		{ "cross_hart", test_cross_hart },
		{ "random", test_random },
		{ "double_free", test_double_free },
		{ "free_outside_ram", test_free_outside_ram },
		{ "contig", test_contig },
		{ "zero", test_zero },
		{ "is_ram", test_is_ram },
		{ "hole", test_hole },
		{ "overlap", test_overlap },
		{ "max_ram", test_max_ram },
	};

	return run_forked(tests, sizeof(tests) / sizeof(tests[0]));
}
