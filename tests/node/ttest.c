/* The in-OS test runner: see ttest.h. */
#include <string.h>
#include "ttest.h"

#define MAX_TT_ARGS 8

static const char *self;

long
ttest_spawn_self(const char *name, const char *arg, long gid)
{
	const char *av[3] = { name, arg, NULL };

	return ts_spawn(self, av, gid, SPAWN_PRIV);
}

int
ttest_main(int argc, char **argv, const struct ttest *tests, size_t n)
{
	self = argv[0];
	if (argc >= 2) {
		for (size_t i = 0; i < n; i++)
			if (strcmp(argv[1], tests[i].name) == 0)
				return tests[i].fn(argc - 1, argv + 1);
	}
	/* Runner: extra arguments pass through to every test. */
	const char *av[MAX_TT_ARGS + 2];
	int passed = 0, failed = 0;
	for (size_t i = 0; i < n; i++) {
		if (tests[i].name[0] == '_')	/* helper run by other tests */
			continue;
		int k = 0;
		av[k++] = tests[i].name;
		for (int a = 1; a < argc && k <= MAX_TT_ARGS; a++)
			av[k++] = argv[a];
		av[k] = NULL;
		long st = ts_run(self, av, 0, SPAWN_PRIV);
		if (st == 0) {
			printf("ok %s\n", tests[i].name);
			passed++;
		} else {
			printf("FAIL %s (status %ld: %s)\n", tests[i].name, st,
			       st < 0 ? ts_strerror(st) : "check failed");
			failed++;
		}
	}
	printf("%s: %d passed, %d failed\n", self, passed, failed);
	sys_poweroff(failed ? 1 : 0);
	return failed ? 1 : 0;
}

int
ttest_busy_forever(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (volatile unsigned long i = 0;; i++)
		;
	return 0;
}

int
ttest_sleep_forever(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (;;)
		sys_sleep(1000000000ull);
	return 0;
}
