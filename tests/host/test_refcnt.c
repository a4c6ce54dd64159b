/*
 * Host tests of kernel/mm/refcnt.c, compiled unchanged (spinlocks from
 * kstub.c).
 *
 * The table is not visible from outside, so every case ends by checking
 * that it is empty again: exactly REF_MAX new pages fit, the next one gets
 * -ERR_NOMEM.  To build long probe clusters, the test picks page numbers
 * (multiples of 2^30) whose home slot under refcnt.c's hash is one of a few
 * neighbouring slots around the end of the table, so that clusters wrap;
 * only the choice of keys depends on the hash, never a checked value.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kernel/pmm.h>
#include <tessera/errors.h>

#include "check.h"
#include "kstub.h"

#define REF_SLOTS	4096			/* as in refcnt.c */
#define REF_MAX		(REF_SLOTS * 3 / 4)	/* pages the table holds */
#define NCOLLIDE	96			/* keys with neighbouring home slots */
#define NPLAIN		3400			/* other keys */
#define NKEYS		(NCOLLIDE + NPLAIN)
#define EMPTY_BASE	0x7000000000ull		/* keys for check_empty() */

static uint64_t keys[NKEYS];

static unsigned
home_slot(uint64_t ppn)
{
	return (unsigned)((ppn * 0x9e3779b97f4a7c15ull) >> 52) % REF_SLOTS;
}

/* keys[0..NCOLLIDE): 16 each with home slot 4093, 4094, 4095, 0, 1, 2;
 * keys[NCOLLIDE..): odd multiples of 2^21. */
static void
make_keys(void)
{
	unsigned per[6] = { 0 }, n = 0;

	for (uint64_t k = 1; n < NCOLLIDE; k++) {
		unsigned s = (home_slot(k << 30) + 3) % REF_SLOTS;
		if (s < 6 && per[s] < NCOLLIDE / 6) {
			per[s]++;
			keys[n++] = k << 30;
		}
	}
	for (unsigned i = 0; i < NPLAIN; i++)
		keys[NCOLLIDE + i] = (2ull * i + 1) << 21;
}

/* Exactly REF_MAX new pages fit, then -ERR_NOMEM; all removed again. */
static void
check_empty(void)
{
	unsigned fit = 0;

	for (uint64_t i = 0; i < REF_MAX; i++)
		fit += page_share(EMPTY_BASE + i) == 2;
	CHECK_EQ(fit, REF_MAX);
	CHECK_EQ(page_share(EMPTY_BASE + REF_MAX), -ERR_NOMEM);
	fit = 0;
	for (uint64_t i = 0; i < REF_MAX; i++) {
		fit += page_unshare(EMPTY_BASE + i) == 1;
		fit += page_unshare(EMPTY_BASE + i) == 0;
	}
	CHECK_EQ(fit, 2 * REF_MAX);
	CHECK_EQ(kstub_locks_held(), 0);
}

/* Count of a page known to be in the table, read without changing it. */
static int
count_of(uint64_t ppn)
{
	int c = page_share(ppn) - 1;

	page_unshare(ppn);
	return c;
}

static void
test_one_page(void)
{
	CHECK_EQ(page_unshare(5), 0);
	CHECK_EQ(page_share(5), 2);
	CHECK_EQ(page_share(5), 3);
	CHECK_EQ(page_share(5), 4);
	CHECK_EQ(page_unshare(5), 3);
	CHECK_EQ(page_unshare(5), 2);
	CHECK_EQ(page_unshare(5), 1);
	CHECK_EQ(page_unshare(5), 0);
	CHECK_EQ(page_unshare(5), 0);	/* gone: private again */
	CHECK_EQ(page_share(5), 2);	/* shared afresh */
	CHECK_EQ(page_unshare(5), 1);
	CHECK_EQ(page_unshare(5), 0);
	check_empty();
}

static void
test_unknown_page(void)
{
	CHECK_EQ(page_share(0x80400), 2);
	CHECK_EQ(page_share(0x80400), 3);
	CHECK_EQ(page_unshare(0x80401), 0);
	CHECK_EQ(page_unshare(UINT64_MAX), 0);
	CHECK_EQ(count_of(0x80400), 3);
	CHECK_EQ(page_unshare(0x80400), 2);
	CHECK_EQ(page_unshare(0x80400), 1);
	CHECK_EQ(page_unshare(0x80400), 0);
	check_empty();
}

/* Fill a long wrapping cluster, then delete from its middle, its start and
 * its end: every other key keeps its own count. */
static void
test_cluster_delete(void)
{
	static const unsigned order[] = { 48, 47, 0, 95, 16, 17, 18, 63, 1, 94 };
	int cnt[NCOLLIDE];
	int ok = 1;

	for (unsigned i = 0; i < NCOLLIDE; i++) {
		cnt[i] = 2 + (int)(i % 5);
		for (int c = 1; c < cnt[i]; c++)
			ok &= page_share(keys[i]) == c + 1;
	}
	CHECK(ok);
	for (unsigned i = 0; i < NCOLLIDE; i++)
		CHECK_EQ(count_of(keys[i]), cnt[i]);
	for (unsigned d = 0; d < sizeof(order) / sizeof(order[0]); d++) {
		unsigned k = order[d];
		while (cnt[k] > 0)
			ok &= page_unshare(keys[k]) == --cnt[k];
		CHECK_EQ(page_unshare(keys[k]), 0);
		for (unsigned i = 0; i < NCOLLIDE; i++)
			if (cnt[i] > 0)
				ok &= count_of(keys[i]) == cnt[i];
		CHECK(ok);
	}
	for (unsigned i = 0; i < NCOLLIDE; i++)
		while (cnt[i] > 0)
			ok &= page_unshare(keys[i]) == --cnt[i];
	CHECK(ok);
	check_empty();
}

/* 300000 random share/unshare against a model count per key; half the
 * operations hit the colliding keys.  Phases of 20000 operations alternate
 * between mostly sharing (the table fills up) and mostly unsharing; a key
 * at count 5 is unshared instead, so that pages leave the table often. */
static void
test_random(void)
{
	static int cnt[NKEYS];
	unsigned used = 0, nomem = 0, removed = 0, removed_colliding = 0, peak = 0;
	int ok = 1;

	for (unsigned op = 0; op < 300000 && ok; op++) {
		unsigned k = rnd_below(2) ? (unsigned)rnd_below(NCOLLIDE) :
			     NCOLLIDE + (unsigned)rnd_below(NPLAIN);
		unsigned share_pct = (op / 20000) % 2 ? 35 : 75;
		int got, want;

		if (rnd_below(100) < share_pct && cnt[k] < 5) {
			got = page_share(keys[k]);
			if (cnt[k] > 0) {
				want = ++cnt[k];
			} else if (used >= REF_MAX) {
				want = -ERR_NOMEM;
				nomem++;
			} else {
				want = cnt[k] = 2;
				used++;
			}
		} else {
			got = page_unshare(keys[k]);
			if (cnt[k] > 0 && --cnt[k] == 0) {
				used--;
				removed++;
				removed_colliding += k < NCOLLIDE;
			}
			want = cnt[k];
		}
		if (used > peak)
			peak = used;
		if (got != want) {
			fprintf(stderr, "test_refcnt random: op %u key %lx: got %d want %d\n",
				op, (unsigned long)keys[k], got, want);
			ok = 0;
		}
	}
	CHECK(ok);
	CHECK_EQ(peak, REF_MAX);
	CHECK(nomem > 1000);
	CHECK(removed > 10000);
	CHECK(removed_colliding > 1000);
	for (unsigned k = 0; k < NKEYS; k++)
		while (cnt[k] > 0)
			ok &= page_unshare(keys[k]) == --cnt[k];
	CHECK(ok);
	check_empty();
}

/* Full table: a new page is refused, a page already in it is still
 * counted; one page leaving makes room for exactly one. */
static void
test_full(void)
{
	int ok = 1;

	for (unsigned i = 0; i < REF_MAX; i++)
		ok &= page_share(keys[i]) == 2;
	CHECK(ok);
	CHECK_EQ(page_share(keys[REF_MAX]), -ERR_NOMEM);
	CHECK_EQ(page_share(keys[REF_MAX]), -ERR_NOMEM);
	CHECK_EQ(page_unshare(keys[REF_MAX]), 0);
	CHECK_EQ(page_share(keys[0]), 3);
	CHECK_EQ(page_share(keys[REF_MAX - 1]), 3);
	CHECK_EQ(page_unshare(keys[5]), 1);		/* still in the table */
	CHECK_EQ(page_share(keys[REF_MAX]), -ERR_NOMEM);
	CHECK_EQ(page_unshare(keys[5]), 0);		/* left */
	CHECK_EQ(page_share(keys[REF_MAX]), 2);
	CHECK_EQ(page_share(keys[REF_MAX + 1]), -ERR_NOMEM);
	CHECK_EQ(count_of(keys[0]), 3);
	CHECK_EQ(count_of(keys[REF_MAX]), 2);
	CHECK_EQ(page_unshare(keys[0]), 2);
	CHECK_EQ(page_unshare(keys[REF_MAX - 1]), 2);
	for (unsigned i = 0; i <= REF_MAX; i++) {
		if (i == 5)
			continue;
		ok &= page_unshare(keys[i]) == 1;
		ok &= page_unshare(keys[i]) == 0;
	}
	CHECK(ok);
	check_empty();
}

int
main(void)
{
	static const struct test_case tests[] = {
		{ "one_page", test_one_page },
		{ "unknown_page", test_unknown_page },
		{ "cluster_delete", test_cluster_delete },
		{ "random", test_random },
		{ "full", test_full },
	};

	kstub_set_harts(1);
	make_keys();
	return run_tests(tests, sizeof(tests) / sizeof(tests[0]));
}
