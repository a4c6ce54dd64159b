/*
 * The system calls the shell needs (syscalls.def 40-42): task_list,
 * svc_list and task_spawn_image.  Records checked field by field, short
 * buffers, bad pointers (the caller is killed), and images from memory:
 * a good one runs with its arguments and name, corrupt, truncated and
 * oversized ones are refused, and 200 spawns leave no page or heap byte
 * behind.
 */
#include <stdlib.h>
#include <string.h>
#include <dux/dux.h>
#include "ttest.h"

#define MS 1000000ull

/* The exitcode program's ELF file, linked in by tests/node/shell.cmake. */
extern const unsigned char exitcode_elf[], exitcode_elf_end[];
#define ELF_LEN ((size_t)(exitcode_elf_end - exitcode_elf))

static struct ts_task_info tinfo[256];

/* Record of task `tid` in a fresh listing, or NULL. */
static const struct ts_task_info *
find_task(long tid)
{
	long n = sys_task_list(tinfo, sizeof(tinfo));
	for (long i = 0; i < n && i < 256; i++)
		if (tinfo[i].tid == tid)
			return &tinfo[i];
	return NULL;
}

/* Wait (up to 2 s) until task `tid` is in `state`. */
static const struct ts_task_info *
wait_state(long tid, uint32_t state)
{
	for (int i = 0; i < 200; i++) {
		const struct ts_task_info *r = find_task(tid);
		if (r && r->state == state)
			return r;
		sys_sleep(10 * MS);
	}
	return NULL;
}

static int
waiter(int argc, char **argv)
{
	(void)argc, (void)argv;
	long c = ttest_spawn_self("_sleep", NULL, 0);
	return sys_task_wait(c, NULL) == 0 ? 0 : 1;
}

static int
io_waiter(int argc, char **argv)
{
	(void)argc, (void)argv;
	dux_init(4);
	dux_wait(DUX_FOREVER);
	return 0;
}

static int
task_list(int argc, char **argv)
{
	(void)argc, (void)argv;
	long self = sys_task_self();

	long n = sys_task_list(NULL, 0);
	TT_CHECK(n >= 2);	/* the runner and this test */
	TT_EQ(n, sys_info(INFO_NTASKS, 0));
	TT_EQ(sys_task_list(NULL, sizeof(tinfo[0]) - 1), n);	/* no whole record */
	/* One record fits: only it is written. */
	memset(tinfo, 0xa5, 2 * sizeof(tinfo[0]));
	TT_EQ(sys_task_list(tinfo, sizeof(tinfo[0]) + 40), n);
	TT_CHECK(tinfo[0].tid > 0);
	TT_EQ(((unsigned char *)&tinfo[1])[0], 0xa5);
	TT_EQ(((unsigned char *)&tinfo[1])[79], 0xa5);

	const struct ts_task_info *me = find_task(self);
	TT_CHECK(me != NULL);
	TT_CHECK(strcmp(me->name, "test_shell_sys") == 0);
	TT_EQ(me->state, TS_TASK_RUNNING);
	TT_EQ(me->hart, sys_info(INFO_HART_ID, 0));
	TT_EQ(me->flags, TS_TASKF_PRIV);
	TT_CHECK(me->parent > 0 && me->group == 1);
	uint64_t cpu0 = me->cpu_ns;
	uint64_t t0 = ts_now();
	while (ts_now() - t0 < 30 * MS)
		;
	me = find_task(self);
	TT_CHECK(me->cpu_ns >= cpu0 + 20 * MS);

	/* Each state a task can be in. */
	long sl = ttest_spawn_self("_sleep", NULL, 0);
	const struct ts_task_info *r = wait_state(sl, TS_TASK_SLEEPING);
	TT_CHECK(r != NULL);
	TT_EQ(r->parent, self);
	TT_CHECK(strcmp(r->name, "test_shell_sys") == 0);
	const char *av[] = { "3", NULL };
	long st = ts_spawn("exitcode", av, 0, SPAWN_STOPPED);
	TT_CHECK(st > 0);
	r = find_task(st);
	TT_CHECK(r && r->state == TS_TASK_STOPPED && strcmp(r->name, "exitcode") == 0);
	TT_EQ(r->flags, 0);
	TT_EQ(sys_task_start(st), 0);
	r = wait_state(st, TS_TASK_ZOMBIE);
	TT_CHECK(r != NULL);
	TT_EQ(r->exit_status, 3);
	TT_EQ(r->group, 0);
	int status;
	TT_EQ(sys_task_wait(st, &status), 0);
	TT_EQ(status, 3);
	TT_CHECK(find_task(st) == NULL);
	long w = ttest_spawn_self("_waiter", NULL, 0);
	TT_CHECK(wait_state(w, TS_TASK_CHILD) != NULL);
	long io = ttest_spawn_self("_io_waiter", NULL, 0);
	TT_CHECK(wait_state(io, TS_TASK_IPC) != NULL);
	long busy = ttest_spawn_self("_busy", NULL, 0);
	sys_sleep(20 * MS);
	r = find_task(busy);
	TT_CHECK(r && (r->state == TS_TASK_RUNNING || r->state == TS_TASK_READY));
	long grandchild = 0;
	n = sys_task_list(tinfo, sizeof(tinfo));
	for (long i = 0; i < n && i < 256; i++)
		if (tinfo[i].parent == w)
			grandchild = tinfo[i].tid;
	TT_CHECK(grandchild > 0);
	TT_EQ(sys_task_kill(grandchild), 0);	/* privileged: any task */
	TT_EQ(sys_task_wait(w, &status), 0);	/* its wait ended */
	TT_EQ(status, 0);
	long kids[] = { sl, io, busy };
	for (int i = 0; i < 3; i++) {
		TT_EQ(sys_task_kill(kids[i]), 0);
		TT_EQ(sys_task_wait(kids[i], NULL), 0);
	}

	/* Only the records written need to be writable: one record at the end
	 * of a page with nothing mapped after it. */
	uintptr_t page = 0x2100000000ul;
	TT_EQ(sys_mem_alloc(page, 4096, MEM_R | MEM_W), 0);
	struct ts_task_info *last = (struct ts_task_info *)(page + 4096 - sizeof(*last));
	TT_EQ(sys_task_list(last, sizeof(*last)), sys_info(INFO_NTASKS, 0));
	TT_CHECK(last->tid > 0);
	TT_EQ(sys_mem_free(page, 4096), 0);
	return 0;
}

/* Helpers that must be killed for a bad pointer. */
static int
bad_task_list(int argc, char **argv)
{
	(void)argc, (void)argv;
	sys_task_list((struct ts_task_info *)0x10, 4096);
	return 0;
}

static int
bad_task_list_kernel(int argc, char **argv)
{
	(void)argc, (void)argv;
	sys_task_list((struct ts_task_info *)0xffffffff80200000ul, 4096);
	return 0;
}

static int
bad_svc_list(int argc, char **argv)
{
	(void)argc, (void)argv;
	if (dux_init(4) < 0 || dux_register("shtest.bad") < 0)	/* one record at least */
		return 2;
	sys_svc_list((struct ts_svc_info *)0x3ffffffff0ul, 4096);
	return 0;
}

static int
bad_image_ptr(int argc, char **argv)
{
	(void)argc, (void)argv;
	sys_task_spawn_image((const void *)0x20000000ul, 8192, "x", 2, 0, 0);
	return 0;
}

static int
bad_image_tail(int argc, char **argv)
{
	(void)argc, (void)argv;
	/* Readable start, unmapped tail. */
	uintptr_t page = 0x2200000000ul;
	if (sys_mem_alloc(page, 4096, MEM_R | MEM_W) < 0)
		return 2;
	memcpy((void *)page, exitcode_elf, 4096);
	sys_task_spawn_image((const void *)page, ELF_LEN, "x", 2, 0, 0);
	return 0;
}

static int
bad_args_ptr(int argc, char **argv)
{
	(void)argc, (void)argv;
	sys_task_spawn_image(exitcode_elf, ELF_LEN, (const char *)0x10, 8, 0, 0);
	return 0;
}

static int
bad_args_len(int argc, char **argv)
{
	(void)argc, (void)argv;
	static char big[4096];
	big[0] = 'x';
	sys_task_spawn_image(exitcode_elf, ELF_LEN, big, TS_NAME_MAX + 2 + TS_ARGS_MAX, 0, 0);
	return 0;
}

static int
bad_calls(int argc, char **argv)
{
	(void)argc, (void)argv;
	static const char *const helpers[] = { "_bad_task_list", "_bad_task_list_kernel",
					       "_bad_svc_list", "_bad_image_ptr",
					       "_bad_image_tail", "_bad_args_ptr",
					       "_bad_args_len" };
	for (unsigned i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++) {
		long c = ttest_spawn_self(helpers[i], NULL, 0);
		int st = 0;
		TT_CHECK(c > 0);
		TT_EQ(sys_task_wait(c, &st), 0);
		if (st != -ERR_BADSYS)
			printf("%s ended with %d\n", helpers[i], st);
		TT_EQ(st, -ERR_BADSYS);
	}
	return 0;
}

static int
svc_list(int argc, char **argv)
{
	(void)argc, (void)argv;
	static struct ts_svc_info s[80];
	long self = sys_task_self();

	TT_EQ(dux_init(8), 0);
	long n0 = sys_svc_list(NULL, 0);
	TT_CHECK(n0 >= 0);
	TT_EQ(dux_register("shtest.alpha"), 0);
	TT_EQ(dux_register("shtest.a-name-that-is-sixty-three-bytes-long-exactly-xxxxxxxxxx"), 0);
	long n = sys_svc_list(s, sizeof(s));
	TT_EQ(n, n0 + 2);
	int seen = 0;
	for (long i = 0; i < n; i++) {
		TT_CHECK(s[i].tid > 0);
		TT_CHECK(strnlen(s[i].name, 64) >= 1 && strnlen(s[i].name, 64) <= 63);
		TT_EQ(sys_svc_lookup(s[i].name, strlen(s[i].name)), s[i].tid);
		if (!strcmp(s[i].name, "shtest.alpha") ||
		    !strcmp(s[i].name,
			    "shtest.a-name-that-is-sixty-three-bytes-long-exactly-xxxxxxxxxx")) {
			TT_EQ(s[i].tid, self);
			seen++;
		}
	}
	TT_EQ(seen, 2);
	/* A short buffer: one record written, the count of all. */
	memset(s, 0x5a, sizeof(s));
	TT_EQ(sys_svc_list(s, sizeof(s[0]) * 2 - 1), n);
	TT_CHECK(s[0].tid > 0);
	TT_EQ(((unsigned char *)&s[1])[0], 0x5a);
	TT_EQ(sys_svc_unregister("shtest.alpha", 12), 0);
	TT_EQ(sys_svc_list(s, sizeof(s)), n - 1);
	for (long i = 0; i < n - 1; i++)
		TT_CHECK(strcmp(s[i].name, "shtest.alpha") != 0);
	return 0;
}

/* "name\0arg\0arg..." */
static size_t
image_args(char *buf, const char *const *strs)
{
	size_t n = 0;
	for (; *strs; strs++) {
		size_t l = strlen(*strs) + 1;
		memcpy(buf + n, *strs, l);
		n += l;
	}
	return n;
}

/* End of the last byte that a PT_LOAD segment takes from the file. */
static size_t
load_end(void)
{
	uint64_t phoff, off, filesz, end = 0;
	uint16_t phnum;
	uint32_t type;
	memcpy(&phoff, exitcode_elf + 32, 8);
	memcpy(&phnum, exitcode_elf + 56, 2);
	for (unsigned i = 0; i < phnum; i++) {
		const unsigned char *ph = exitcode_elf + phoff + i * 56;
		memcpy(&type, ph, 4);
		memcpy(&off, ph + 8, 8);
		memcpy(&filesz, ph + 32, 8);
		if (type == 1 && filesz && off + filesz > end)
			end = off + filesz;
	}
	return (size_t)end;
}

static int
spawn_image(int argc, char **argv)
{
	(void)argc, (void)argv;
	char args[256];
	int st;
	static const char *const a1[] = { "myexit", "7", "x y", NULL };
	size_t al = image_args(args, a1);

	/* A good image, copied to fresh pages that are freed at once. */
	uintptr_t va = 0x2300000000ul;
	size_t span = (ELF_LEN + 4095) & ~4095ul;
	TT_EQ(sys_mem_alloc(va, span, MEM_R | MEM_W), 0);
	memcpy((void *)va, exitcode_elf, ELF_LEN);
	long c = sys_task_spawn_image((const void *)va, ELF_LEN, args, al, 0, SPAWN_STOPPED);
	TT_CHECK(c > 0);
	TT_EQ(sys_mem_free(va, span), 0);
	const struct ts_task_info *r = find_task(c);
	TT_CHECK(r && strcmp(r->name, "myexit") == 0 && r->state == TS_TASK_STOPPED);
	TT_EQ(r->flags, 0);	/* SPAWN_PRIV not asked for */
	TT_EQ(sys_task_start(c), 0);
	TT_EQ(sys_task_wait(c, &st), 0);
	TT_EQ(st, 7);

	/* Straight from this program's data (unaligned is fine). */
	static const char *const a2[] = { "e2", "12", NULL };
	al = image_args(args, a2);
	c = sys_task_spawn_image(exitcode_elf, ELF_LEN, args, al, 0, 0);
	TT_CHECK(c > 0);
	TT_EQ(sys_task_wait(c, &st), 0);
	TT_EQ(st, 12);

	/* Refused images and arguments. */
	static unsigned char bad[256 * 1024];
	size_t blen = ELF_LEN < sizeof(bad) ? ELF_LEN : sizeof(bad);
	TT_CHECK(ELF_LEN <= sizeof(bad));
	memcpy(bad, exitcode_elf, blen);
	bad[0] = 0x7e;			/* magic */
	TT_EQ(sys_task_spawn_image(bad, blen, args, al, 0, 0), -ERR_BADEXEC);
	memcpy(bad, exitcode_elf, blen);
	bad[18] = 62;			/* x86-64 */
	TT_EQ(sys_task_spawn_image(bad, blen, args, al, 0, 0), -ERR_BADEXEC);
	memcpy(bad, exitcode_elf, blen);
	uint64_t phoff = 5000;		/* program headers past the header part */
	memcpy(bad + 32, &phoff, 8);
	TT_EQ(sys_task_spawn_image(bad, blen, args, al, 0, 0), -ERR_BADEXEC);
	memcpy(bad, exitcode_elf, blen);
	TT_EQ(sys_task_spawn_image(bad, 200, args, al, 0, 0), -ERR_BADEXEC);	/* truncated */
	TT_EQ(sys_task_spawn_image(bad, 63, args, al, 0, 0), -ERR_BADEXEC);
	TT_EQ(sys_task_spawn_image(bad, 0, args, al, 0, 0), -ERR_BADEXEC);
	TT_EQ(sys_task_spawn_image(bad, load_end() - 1, args, al, 0, 0), -ERR_BADEXEC);
	c = sys_task_spawn_image(bad, load_end(), args, al, 0, 0);	/* no section headers */
	TT_CHECK(c > 0);
	TT_EQ(sys_task_wait(c, &st), 0);
	TT_EQ(st, 12);
	TT_EQ(sys_task_spawn_image(bad, TS_IMAGE_MAX + 1, args, al, 0, 0), -ERR_TOOBIG);
	TT_EQ(sys_task_spawn_image((const void *)0x10, ~0ul, args, al, 0, 0), -ERR_TOOBIG);
	TT_EQ(sys_task_spawn_image(bad, blen, "", 1, 0, 0), -ERR_INVAL);	/* no name */
	TT_EQ(sys_task_spawn_image(bad, blen, "abc", 3, 0, 0), -ERR_INVAL);	/* no NUL */
	TT_EQ(sys_task_spawn_image(bad, blen, args, 0, 0, 0), -ERR_INVAL);
	char longname[40];
	memset(longname, 'n', 32);
	longname[32] = 0;
	TT_EQ(sys_task_spawn_image(bad, blen, longname, 33, 0, 0), -ERR_INVAL);
	longname[31] = 0;
	c = sys_task_spawn_image(bad, blen, longname, 32, 0, 0);	/* 31 bytes: fine */
	TT_CHECK(c > 0);
	TT_EQ(sys_task_wait(c, &st), 0);
	TT_EQ(st, 0);
	TT_EQ(sys_task_spawn_image(bad, blen, args, al, 0, 0x80), -ERR_INVAL);
	TT_EQ(sys_task_spawn_image(bad, blen, args, al, 999999, 0), -ERR_NOENT);
	/* A corrupt image from memory leaves a kernel log line. */
	memcpy(bad, exitcode_elf, blen);
	bad[52] = 65;			/* e_ehsize */
	static const char *const a3[] = { "corrupt_mem", NULL };
	al = image_args(args, a3);
	TT_EQ(sys_task_spawn_image(bad, blen, args, al, 0, 0), -ERR_BADEXEC);
	return 0;
}

static int
spawn_image_leak(int argc, char **argv)
{
	(void)argc, (void)argv;
	char args[64];
	static const char *const a[] = { "leak", "5", NULL };
	size_t al = image_args(args, a);
	long tasks0 = sys_info(INFO_NTASKS, 0);
	long heap0 = 0, free0 = 0;

	for (int i = 0; i < 210; i++) {
		if (i == 10) {
			heap0 = sys_info(INFO_KHEAP_BYTES, 0);
			free0 = sys_info(INFO_FREE_PAGES, 0);
		}
		long c = sys_task_spawn_image(exitcode_elf, ELF_LEN, args, al, 0, 0);
		TT_CHECK(c > 0);
		int st;
		TT_EQ(sys_task_wait(c, &st), 0);
		TT_EQ(st, 5);
		if (i % 50 == 0)
			TT_EQ(sys_task_spawn_image(exitcode_elf, 300, args, al, 0, 0), -ERR_BADEXEC);
	}
	printf("shell_sys: 200 spawns from memory: free pages %ld -> %ld, heap bytes %ld -> %ld\n",
	       free0, sys_info(INFO_FREE_PAGES, 0), heap0, sys_info(INFO_KHEAP_BYTES, 0));
	TT_EQ(sys_info(INFO_KHEAP_BYTES, 0), heap0);
	TT_EQ(sys_info(INFO_FREE_PAGES, 0), free0);
	TT_EQ(sys_info(INFO_NTASKS, 0), tasks0);
	/* And the time it takes, for the record. */
	uint64_t t0 = ts_now();
	for (int i = 0; i < 20; i++) {
		long c = sys_task_spawn_image(exitcode_elf, ELF_LEN, args, al, 0, 0);
		TT_EQ(sys_task_wait(c, NULL), 0);
	}
	uint64_t t1 = ts_now();
	for (int i = 0; i < 20; i++) {
		const char *av[] = { "5", NULL };
		long c = ts_spawn("exitcode", av, 0, 0);
		TT_EQ(sys_task_wait(c, NULL), 0);
	}
	uint64_t t2 = ts_now();
	printf("shell_sys: spawn+wait of a %lu-byte image: %lu us from memory, %lu us from the "
	       "boot image\n", (unsigned long)ELF_LEN, (unsigned long)((t1 - t0) / 20000),
	       (unsigned long)((t2 - t1) / 20000));
	return 0;
}

static const struct ttest tests[] = {
	{ "task_list", task_list },
	{ "svc_list", svc_list },
	{ "bad_calls", bad_calls },
	{ "spawn_image", spawn_image },
	{ "spawn_image_leak", spawn_image_leak },
	{ "_sleep", ttest_sleep_forever },
	{ "_busy", ttest_busy_forever },
	{ "_waiter", waiter },
	{ "_io_waiter", io_waiter },
	{ "_bad_task_list", bad_task_list },
	{ "_bad_task_list_kernel", bad_task_list_kernel },
	{ "_bad_svc_list", bad_svc_list },
	{ "_bad_image_ptr", bad_image_ptr },
	{ "_bad_image_tail", bad_image_tail },
	{ "_bad_args_ptr", bad_args_ptr },
	{ "_bad_args_len", bad_args_len },
};

TT_MAIN(tests)
