/*
 * init's exec mode (cluster/launch --exec): the boot file boot.exec
 * holds a MiniSH script of any size up to EXEC_MAX.  init writes it to
 * EXEC_PATH on ramfs and runs `sh EXEC_PATH` once (privileged, as the
 * interactive shell, and with every server still supervised: init.c)
 * between the lines "init: exec begins" and "init: exec done, status N".
 * The node then powers off with that status (a shell killed or missing:
 * 125) through ts_shutdown, which flushes every volume first.  The boot
 * file boot.deadline (decimal seconds after boot) bounds the script: past
 * it init kills the shell, logs "init: exec deadline passed", and shuts
 * down the same way with 124.  Any failure to deliver the script is
 * logged and powers off with 125.  docs/cluster.md.
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
#define ST_TIMEOUT	124	/* as timeout(1) */
#define ST_NOSCRIPT	125	/* as env(1): the script could not run */

/* Flush the volumes and power the node off with `status`. */
static void __attribute__((noreturn))
exec_end(int status)
{
	for (;;) {
		ts_shutdown(status);
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
read_deadline(void)
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

const char *
init_exec_script(uint64_t *deadline)
{
	char *script;
	long n = bootfile_load(EXEC_FILE, EXEC_MAX, &script);

	if (n == -ERR_NOENT)
		return NULL;
	if (n < 0)
		exec_fail(EXEC_FILE, n);
	*deadline = read_deadline();
	FILE *f = fopen(EXEC_PATH, "w");
	if (!f)
		exec_fail(EXEC_PATH, -ERR_IO);
	size_t w = fwrite(script, 1, (size_t)n, f);
	if (fclose(f) != 0 || w != (size_t)n)
		exec_fail(EXEC_PATH, -ERR_IO);
	free(script);
	return EXEC_PATH;
}

void
init_exec_done(int status, uint64_t deadline)
{
	if (status == -ERR_TIMEOUT) {
		printf("init: exec deadline passed (%llu s after boot): script stopped, syncing\n",
		       (unsigned long long)(deadline / 1000000000ull));
		exec_end(ST_TIMEOUT);
	}
	printf("init: exec done, status %d\n", status);
	exec_end(status < 0 ? ST_NOSCRIPT : status & 0xff);
}
