/*
 * init's exec mode (cluster/launch --exec): the boot file boot.exec
 * holds a MiniSH script of any size up to EXEC_MAX.  init writes it to
 * EXEC_PATH on ramfs, runs `sh EXEC_PATH` once (privileged, as the
 * interactive shell) between the lines "init: exec begins" and "init: exec
 * done, status N", and powers the node off with that status (a shell killed
 * or missing: 125).  The boot file boot.deadline (decimal seconds
 * after boot) bounds the script: past it init kills the shell, logs "init:
 * exec deadline passed", runs `sync` (at most SYNC_NS) so that the file
 * systems write out what they hold, and powers off with 124.  Any failure to deliver
 * the script is logged and powers off with 125.  docs/cluster.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tessera/user.h>

#include "bootfile.h"
#include "init_exec.h"

#define EXEC_FILE	"boot.exec"
#define DEADLINE_FILE	"boot.deadline"
#define EXEC_PATH	"/tmp/exec.sh"
#define EXEC_MAX	(1u << 20)	/* sh's own limit for a script file */
#define POLL_NS		(50ull * 1000000)
#define SYNC_NS		(1000ull * 1000000)	/* the sync after a deadline */
#define ST_TIMEOUT	124	/* as timeout(1) */
#define ST_NOSCRIPT	125	/* as env(1): the script could not run */

/* Power the node off with `status`. */
static void __attribute__((noreturn))
exec_end(int status)
{
	for (;;) {
		sys_poweroff(status);
		sys_sleep(1000000000ull);
	}
}

/* Log why the script cannot run and power off with ST_NOSCRIPT. */
static void __attribute__((noreturn))
exec_fail(const char *what, long err)
{
	printf("init: exec: %s: %s\n", what, ts_strerror((int)err));
	exec_end(ST_NOSCRIPT);
}

/* The deadline in ns since boot from DEADLINE_FILE; UINT64_MAX without one. */
static uint64_t
exec_deadline(void)
{
	char *text, *end;
	long n = bootfile_load(DEADLINE_FILE, 32, &text);

	if (n == -ERR_NOENT)
		return UINT64_MAX;
	if (n < 0)
		exec_fail(DEADLINE_FILE, n);
	unsigned long s = strtoul(text, &end, 10);
	int bad = end == text || (*end && *end != '\n') || s > 1000000000ul;
	free(text);
	if (bad)
		exec_fail(DEADLINE_FILE, -ERR_INVAL);
	return (uint64_t)s * 1000000000ull;
}

/* Non-zero once task `tid` has ended (a zombie or gone). */
static int
task_ended(long tid)
{
	static struct ts_task_info *tasks;
	static long cap;
	long n = sys_task_list(tasks, (size_t)cap * sizeof(*tasks));

	if (n > cap) {
		free(tasks);
		cap = n + 16;
		if (!(tasks = malloc((size_t)cap * sizeof(*tasks))))
			exec_fail("task list", -ERR_NOMEM);
		n = sys_task_list(tasks, (size_t)cap * sizeof(*tasks));
	}
	for (long i = 0; i < n && i < cap; i++)
		if (tasks[i].tid == tid)
			return tasks[i].state == TS_TASK_ZOMBIE;
	return 1;
}

/* Run sh with `argv` (privileged) until it ends or `deadline` (ns since
 * boot) passes; returns its status, negative if it was killed or did not
 * start, or -ERR_TIMEOUT (the shell killed at the deadline). */
static int
sh_until(const char *const *argv, uint64_t deadline)
{
	int st = 0;
	long tid = ts_spawn("sh", argv, 0, SPAWN_PRIV);

	if (tid < 0)
		return (int)tid;
	while (deadline != UINT64_MAX && !task_ended(tid)) {
		if (ts_now() >= deadline) {
			sys_task_kill(tid);
			sys_task_wait(tid, NULL);
			return -ERR_TIMEOUT;
		}
		sys_sleep(POLL_NS);
	}
	long r = sys_task_wait(tid, &st);
	return r < 0 ? (int)r : st;
}

/* The script ran past its deadline: write out what the file systems hold
 * (`sync`, at most SYNC_NS) and power off with ST_TIMEOUT. */
static void __attribute__((noreturn))
exec_timeout(uint64_t deadline)
{
	static const char *const sync_argv[] = { "-c", "sync", NULL };

	printf("init: exec deadline passed (%llu s after boot): script stopped, syncing\n",
	       (unsigned long long)(deadline / 1000000000ull));
	int st = sh_until(sync_argv, ts_now() + SYNC_NS);
	if (st != 0)
		printf("init: exec: sync: %s\n", st == -ERR_TIMEOUT ? "did not end in time" :
		       st < 0 ? ts_strerror(st) : "failed");
	exec_end(ST_TIMEOUT);
}

void
init_exec(void)
{
	char *script;
	long n = bootfile_load(EXEC_FILE, EXEC_MAX, &script);

	if (n == -ERR_NOENT)
		return;
	if (n < 0)
		exec_fail(EXEC_FILE, n);
	uint64_t deadline = exec_deadline();
	FILE *f = fopen(EXEC_PATH, "w");
	if (!f)
		exec_fail(EXEC_PATH, -ERR_IO);
	size_t w = fwrite(script, 1, (size_t)n, f);
	if (fclose(f) != 0 || w != (size_t)n)
		exec_fail(EXEC_PATH, -ERR_IO);
	free(script);
	static const char *const argv[] = { EXEC_PATH, NULL };
	printf("init: exec begins\n");
	int st = sh_until(argv, deadline);
	if (st == -ERR_TIMEOUT)
		exec_timeout(deadline);
	printf("init: exec done, status %d\n", st);
	exec_end(st < 0 ? ST_NOSCRIPT : st & 0xff);
}
