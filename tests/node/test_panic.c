/* Kernel panic path: `test_panic panic|fault|write_text` makes the
 * kernel panic; the harness checks the report and QEMU's exit status (99).
 * With no argument it checks that unprivileged tasks cannot do it. */
#include <string.h>
#include "ttest.h"

static int
do_panic(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sys_debug(DEBUG_PANIC, 42);
	return 1;
}

static int
do_fault(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sys_debug(DEBUG_KERNEL_FAULT, 0);
	return 1;
}

static int
do_write_text(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sys_debug(DEBUG_WRITE_TEXT, 0);
	return 1;
}

static int
unpriv(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TT_EQ(sys_debug(DEBUG_PANIC, 0), -ERR_PERM);
	return 0;
}

static int
refused(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	const char *av[] = { "_unpriv", NULL };
	TT_EQ(ts_run("test_panic", av, 0, 0), 0);
	TT_EQ(sys_debug(DEBUG_COUNT, 0), -ERR_INVAL);
	return 0;
}

static const struct ttest tests[] = {
	{ "_unpriv", unpriv },
	{ "refused", refused },
	{ "panic", do_panic },
	{ "fault", do_fault },
	{ "write_text", do_write_text },
};

int
main(int argc, char **argv)
{
	/* Only the runner mode with no argument runs "refused" alone. */
	if (argc == 1) {
		const struct ttest one[] = { { "_unpriv", unpriv }, { "refused", refused } };
		return ttest_main(argc, argv, one, 2);
	}
	return ttest_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
}
