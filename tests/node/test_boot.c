/*
 * Boot test: every hart of the device tree is online and runs user tasks.
 * Argument: the number of harts QEMU was started with.
 */
#include <stdlib.h>
#include <string.h>
#include <kernel/fdt.h>
#include "ttest.h"

/* Spin for `ms` of time and return the set of harts this task ran on. */
static int
spin_harts(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	unsigned mask = 0;
	uint64_t end = ts_now() + 1500ull * 1000000;	/* long enough on a loaded host */

	while (ts_now() < end)
		mask |= 1u << sys_info(INFO_HART_ID, 0);
	return (int)mask;
}

static int
all_harts(int argc, char **argv)
{
	TT_CHECK(argc >= 2);
	long want = atol(argv[1]);
	TT_EQ(sys_info(INFO_NHARTS, 0), want);

	long tids[8];
	for (long i = 0; i < want; i++) {
		tids[i] = ttest_spawn_self("_spin", NULL, 0);
		TT_CHECK(tids[i] > 0);
	}
	unsigned seen = 0;
	for (long i = 0; i < want; i++) {
		int st = 0;
		TT_EQ(sys_task_wait(tids[i], &st), 0);
		TT_CHECK(st > 0);
		seen |= (unsigned)st;
	}
	printf("harts that ran user tasks: mask %#x\n", seen);
	TT_EQ(seen, (1u << want) - 1);
	return 0;
}

static int
info_sane(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TT_EQ(sys_info(INFO_TIMEBASE_HZ, 0), 10000000);
	TT_CHECK(sys_info(INFO_TOTAL_PAGES, 0) > 1000);
	TT_CHECK(sys_info(INFO_FREE_PAGES, 0) < sys_info(INFO_TOTAL_PAGES, 0));
	TT_EQ(sys_info(9999, 0), -ERR_INVAL);
	uint64_t a = ts_now();
	TT_EQ(sys_sleep(10000000), 0);
	uint64_t b = ts_now();
	TT_CHECK(b - a >= 10000000);
	return 0;
}

/* The device tree reaches user space intact and parses there. */
static int
fdt_user(int argc, char **argv)
{
	TT_CHECK(argc >= 2);
	static uint8_t blob[64 << 10];
	long size = sys_fdt_read(blob, 16);	/* too small: size only */
	TT_CHECK(size > 1024 && size <= (long)sizeof(blob));
	TT_EQ(blob[0], 0);
	TT_EQ(sys_fdt_read(blob, sizeof(blob)), size);
	struct fdt f;
	static struct platform p;
	TT_EQ(fdt_init(&f, blob, (size_t)size), 0);
	TT_EQ(fdt_platform(&f, &p), 0);
	TT_EQ(p.nharts, atol(argv[1]));
	TT_EQ(p.uart_base, 0x10000000);
	TT_EQ(p.pci_ecam_base, 0x30000000);
	TT_CHECK(strstr(p.bootargs, "init=test_boot") != NULL);
	return 0;
}

static const struct ttest tests[] = {
	{ "fdt_user", fdt_user },
	{ "_spin", spin_harts },
	{ "all_harts", all_harts },
	{ "info", info_sane },
};

TT_MAIN(tests)
