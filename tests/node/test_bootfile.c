/* boot_read and bootfile_load: boot files in the boot image (docs/cluster.md,
 * Boot files).  The image carries boot.testdata (10,000 bytes, byte i =
 * i * 7 + 3) from tests/node/exec_bootfile.cmake. */
#include <stdlib.h>
#include <string.h>
#include "ttest.h"
#include "../../user/bootfile.h"

#define NAME	"boot.testdata"
#define SIZE	10000

static int
expect_bytes(const uint8_t *p, size_t off, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (uint8_t)((off + i) * 7 + 3))
			return 0;
	return 1;
}

static int
sizes_and_ranges(int argc, char **argv)
{
	static uint8_t buf[SIZE + 64];
	(void)argc;
	(void)argv;
	TT_EQ(sys_boot_read(NAME, strlen(NAME), NULL, 0, 0), SIZE);
	memset(buf, 0xee, sizeof(buf));
	TT_EQ(sys_boot_read(NAME, strlen(NAME), buf, sizeof(buf), 0), SIZE);
	TT_CHECK(expect_bytes(buf, 0, SIZE));
	TT_EQ(buf[SIZE], 0xee);		/* nothing past the file */
	memset(buf, 0xee, sizeof(buf));
	TT_EQ(sys_boot_read(NAME, strlen(NAME), buf, 5000, 4093), SIZE);	/* across pages */
	TT_CHECK(expect_bytes(buf, 4093, 5000));
	TT_EQ(buf[5000], 0xee);
	memset(buf, 0xee, sizeof(buf));
	TT_EQ(sys_boot_read(NAME, strlen(NAME), buf, 100, SIZE - 10), SIZE);	/* the tail */
	TT_CHECK(expect_bytes(buf, SIZE - 10, 10));
	TT_EQ(buf[10], 0xee);
	memset(buf, 0xee, sizeof(buf));
	TT_EQ(sys_boot_read(NAME, strlen(NAME), buf, 100, SIZE), SIZE);	/* at the end */
	TT_EQ(buf[0], 0xee);
	return 0;
}

static int
bad_names(int argc, char **argv)
{
	char buf[8];
	(void)argc;
	(void)argv;
	TT_EQ(sys_boot_read("boot.none", 9, buf, sizeof(buf), 0), -ERR_NOENT);
	TT_EQ(sys_boot_read("", 0, buf, sizeof(buf), 0), -ERR_INVAL);
	TT_EQ(sys_boot_read("boot\0x", 6, buf, sizeof(buf), 0), -ERR_INVAL);
	TT_EQ(sys_boot_read(NAME, 4, buf, sizeof(buf), 0), -ERR_NOENT);	/* "boot" */
	return 0;
}

static int
load(int argc, char **argv)
{
	char *p = NULL;
	(void)argc;
	(void)argv;
	TT_EQ(bootfile_load(NAME, SIZE - 1, &p), -ERR_TOOBIG);
	TT_CHECK(p == NULL);
	TT_EQ(bootfile_load(NAME, SIZE, &p), SIZE);
	TT_CHECK(p != NULL && expect_bytes((uint8_t *)p, 0, SIZE) && p[SIZE] == 0);
	free(p);
	TT_EQ(bootfile_load("boot.none", SIZE, &p), -ERR_NOENT);
	TT_EQ(bootfile_load("a-name-longer-than-thirty-one-bytes", SIZE, &p), -ERR_INVAL);
	return 0;
}

/* Spawned without privilege: the key is a boot file, so reading is refused. */
static int
unpriv_child(int argc, char **argv)
{
	char buf[8];
	(void)argc;
	(void)argv;
	TT_EQ(sys_boot_read(NAME, strlen(NAME), buf, sizeof(buf), 0), -ERR_PERM);
	TT_EQ(sys_boot_read(NAME, strlen(NAME), NULL, 0, 0), -ERR_PERM);
	return 0;
}

static int
unpriv(int argc, char **argv)
{
	const char *av[] = { "_unpriv_child", NULL };
	int st = -1;
	(void)argc;
	(void)argv;
	long tid = ts_spawn("test_bootfile", av, 0, 0);
	TT_CHECK(tid > 0);
	TT_EQ(sys_task_wait(tid, &st), 0);
	TT_EQ(st, 0);
	return 0;
}

/* A bad buffer kills the caller (the system-call argument rule). */
static int
bad_buffer_child(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sys_boot_read(NAME, strlen(NAME), (void *)0x10, 100, 0);
	return 0;	/* not reached */
}

static int
bad_buffer(int argc, char **argv)
{
	int st = 0;
	(void)argc;
	(void)argv;
	long tid = ttest_spawn_self("_bad_buffer_child", NULL, 0);
	TT_CHECK(tid > 0);
	TT_EQ(sys_task_wait(tid, &st), 0);
	TT_EQ(st, -ERR_BADSYS);
	return 0;
}

static const struct ttest tests[] = {
	{ "sizes_and_ranges", sizes_and_ranges },
	{ "bad_names", bad_names },
	{ "load", load },
	{ "unpriv", unpriv },
	{ "_unpriv_child", unpriv_child },
	{ "bad_buffer", bad_buffer },
	{ "_bad_buffer_child", bad_buffer_child },
};

TT_MAIN(tests)
