/*
 * In-OS test framework (one task per test, like xv6 usertests / sel4test).
 *
 * A test program defines a table of {name, function} and calls ttest_main.
 * Run with no test name, it is the runner: it spawns itself once per test
 * (argv[1] = test name, then its own extra arguments), waits, prints "ok
 * NAME" or "FAIL NAME ...", then "N passed, M failed" and powers the node
 * off with status 0 only if everything passed.  A test returns 0 on success.
 * Names starting with '_' are helpers that tests spawn; the runner skips them.
 */
#ifndef TTEST_H
#define TTEST_H

#include <stddef.h>
#include <stdio.h>
#include <tessera/user.h>

struct ttest {
	const char *name;
	int (*fn)(int argc, char **argv);	/* argv[0] = test name */
};

#define TT_CHECK(cond)                                                           \
	do {                                                                     \
		if (!(cond)) {                                                   \
			printf("check failed %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			return 1;                                                \
		}                                                                \
	} while (0)

#define TT_EQ(a, b)                                                              \
	do {                                                                     \
		long long a_ = (long long)(a), b_ = (long long)(b);              \
		if (a_ != b_) {                                                  \
			printf("check failed %s:%d: %s == %s (%lld != %lld)\n",  \
			       __FILE__, __LINE__, #a, #b, a_, b_);              \
			return 1;                                                \
		}                                                                \
	} while (0)

int ttest_main(int argc, char **argv, const struct ttest *tests, size_t n);
/* Helpers tests put in their tables (e.g. { "_busy", ttest_busy_forever }):
 * spin or sleep until killed. */
int ttest_busy_forever(int argc, char **argv);
int ttest_sleep_forever(int argc, char **argv);
/* Spawn this same program running test `name` (with extra args); returns tid. */
long ttest_spawn_self(const char *name, const char *arg, long gid);

#define TT_MAIN(table)                                                           \
	int main(int argc, char **argv)                                          \
	{                                                                        \
		return ttest_main(argc, argv, table, sizeof(table) / sizeof(table[0])); \
	}

#endif
