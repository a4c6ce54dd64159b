/*
 * Minimal assertion helpers for the host unit tests.
 *
 * How to use: write `static void test_x(void)` functions that call CHECK /
 * CHECK_EQ, list them in a `struct test_case` table and return
 * run_tests(table, n) from main.  A failed check prints file:line and the
 * values and makes the program exit non-zero; the run continues so one
 * failure does not hide the next.
 */
#ifndef TESSERA_TEST_CHECK_H
#define TESSERA_TEST_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

static unsigned check_count, check_failed;

/* xorshift64: deterministic random numbers for the tests; reseed by
 * assigning check_rng. */
static uint64_t check_rng = 0x9e3779b97f4a7c15ull;

static inline uint64_t
rnd64(void)
{
	check_rng ^= check_rng << 13;
	check_rng ^= check_rng >> 7;
	check_rng ^= check_rng << 17;
	return check_rng;
}

/* Uniform-enough in [0, n), n > 0. */
static inline uint64_t
rnd_below(uint64_t n)
{
	return rnd64() % n;
}

#define CHECK(c)                                                            \
	do {                                                                \
		check_count++;                                              \
		if (!(c)) {                                                 \
			check_failed++;                                     \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n",        \
				__FILE__, __LINE__, #c);                    \
		}                                                           \
	} while (0)

#define CHECK_EQ(a, b)                                                      \
	do {                                                                \
		unsigned long long va_ = (unsigned long long)(a);           \
		unsigned long long vb_ = (unsigned long long)(b);           \
		check_count++;                                              \
		if (va_ != vb_) {                                           \
			check_failed++;                                     \
			fprintf(stderr, "%s:%d: %s == %s failed: "          \
				"0x%llx != 0x%llx\n", __FILE__, __LINE__,   \
				#a, #b, va_, vb_);                          \
		}                                                           \
	} while (0)

#define CHECK_STR(a, b)                                                     \
	do {                                                                \
		const char *sa_ = (a), *sb_ = (b);                          \
		check_count++;                                              \
		if (sa_ == NULL || sb_ == NULL || strcmp(sa_, sb_) != 0) {  \
			check_failed++;                                     \
			fprintf(stderr, "%s:%d: %s == \"%s\" failed: "      \
				"got \"%s\"\n", __FILE__, __LINE__, #a,     \
				sb_ ? sb_ : "(null)", sa_ ? sa_ : "(null)");\
		}                                                           \
	} while (0)

/* Run every test of the table, one line each, then a summary line.
 * Returns the process exit code: 0 if every check passed. */
static inline int
run_tests(const struct test_case *t, size_t n)
{
	size_t i, bad = 0;
	unsigned before;

	for (i = 0; i < n; i++) {
		before = check_failed;
		t[i].fn();
		printf("%s %s\n", check_failed == before ? "PASS" : "FAIL",
		       t[i].name);
		if (check_failed != before)
			bad++;
	}
	printf("%zu/%zu tests passed, %u checks, %u failed\n", n - bad, n,
	       check_count, check_failed);
	return bad == 0 ? 0 : 1;
}

/* Read a whole file into a malloc'd buffer of exactly its size (so ASan
 * sees any read past the end); exits on error. */
static inline unsigned char *
load_file(const char *path, size_t *size)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0) {
		perror(path);
		exit(2);
	}
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		perror(path);
		exit(2);
	}
	fclose(fp);
	*size = (size_t)n;
	return buf;
}

#endif
