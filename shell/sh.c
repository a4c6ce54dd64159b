/*
 * sh: MiniSH, Tessera's shell (docs/shell.md).
 *
 *   sh                 interactive: prompt, line editing, history
 *   sh -c 'CMD; CMD'   run the commands, exit with the last status
 *   sh FILE            run a script file, exit with the last status
 *
 * Input and output go through libc's standard streams: the console
 * service when the environment says TS_STDIO=console (docs/libc.md), which
 * delivers raw bytes: this shell echoes and edits (shell/ledit.c).
 * Commands are parsed one at a time (shell/parse.c) so that $? sees the
 * status of the command before.  Programs come from the boot image by name
 * (ts_spawn_env) or from an ELF file by path (sys_task_spawn_image); the
 * shell waits for them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <dux/dux.h>
#include <shell/ledit.h>
#include <shell/parse.h>
#include <tessera/proto_console.h>
#include <tessera/user.h>
#include "sh.h"

#define SCRIPT_MAX	(1u << 20)	/* bytes of a script file */
#define ENV_SEP		"\x01"		/* libc's argument/environment separator */
#define IPC_RING	16
#define INTR_END_NS	(2000ull * 1000000)	/* the console's answers to INTR_END */

extern char **environ;

struct sh_state sh;

int
sh_fail(const char *what, int err)
{
	fprintf(stderr, "sh: %s: %s\n", what, strerror(err));
	return 1;
}

int
sh_say(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("sh: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

int
sh_ipc(void)
{
	return dux_hdr() ? 0 : dux_init(IPC_RING);
}

/* Variables for the parser: $? and the environment. */
static const char *
lookup(void *ctx, const char *name, size_t n)
{
	static char buf[SH_NAME_MAX + 1];

	(void)ctx;
	if (n == 1 && name[0] == '?') {
		snprintf(buf, sizeof(buf), "%d", sh.status);
		return buf;
	}
	if (n > SH_NAME_MAX)
		return NULL;
	memcpy(buf, name, n);
	buf[n] = 0;
	return getenv(buf);
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* Append string s and its NUL to buf[*n] (room bytes); 0 or -ERR_TOOBIG. */
static int
put_str(char *buf, size_t *n, size_t room, const char *s)
{
	size_t l = strlen(s) + 1;

	if (l > room - *n)
		return -ERR_TOOBIG;
	memcpy(buf + *n, s, l);
	*n += l;
	return 0;
}

/* Read a whole regular file (at most max bytes) into a malloc'd buffer;
 * 0 or an errno value. */
static int
read_file(const char *path, size_t max, char **data, size_t *size)
{
	struct stat st;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return errno;
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		int e = S_ISDIR(st.st_mode) ? EISDIR : errno;
		close(fd);
		return e;
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return EFBIG;
	}
	size_t n = (size_t)st.st_size, got = 0;
	char *buf = malloc(n + 1);
	if (!buf) {
		close(fd);
		return ENOMEM;
	}
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r <= 0) {
			int e = r < 0 ? errno : EIO;
			free(buf);
			close(fd);
			return e;
		}
		got += (size_t)r;
	}
	close(fd);
	buf[n] = 0;
	*data = buf;
	*size = n;
	return 0;
}

/* Start the ELF file argv[0] with sys_task_spawn_image: the task is named
 * after the file's base name (its first 31 bytes).  Tid or -ERR_*; *err
 * gets an errno value for file errors. */
static long
spawn_file(char **argv, unsigned flags, int *err)
{
	static char block[TS_NAME_MAX + 1 + TS_ARGS_MAX];
	char name[TS_NAME_MAX + 1];
	char *elf;
	size_t elf_len, n = 0;

	*err = read_file(argv[0], TS_IMAGE_MAX, &elf, &elf_len);
	if (*err)
		return -ERR_IO;
	snprintf(name, sizeof(name), "%s", base_name(argv[0]));
	if (!name[0])
		snprintf(name, sizeof(name), "a.out");
	put_str(block, &n, sizeof(block), name);
	size_t room = n + TS_ARGS_MAX;
	long r = 0;
	for (int i = 1; argv[i] && r == 0; i++)
		r = !strcmp(argv[i], ENV_SEP) ? -ERR_INVAL : put_str(block, &n, room, argv[i]);
	if (r == 0 && environ && environ[0])
		r = put_str(block, &n, room, ENV_SEP);
	for (char **e = environ; e && *e && r == 0; e++)
		r = put_str(block, &n, room, *e);
	fflush(stdout);
	if (r == 0)
		r = sys_task_spawn_image(elf, elf_len, block, n, 0, flags);
	free(elf);
	return r;
}

/* Ask the console for ^C while program `tid` runs (proto_console.h); the
 * request's id, or 0 (no console). */
static uint64_t
intr_ask(ts_addr con, long tid)
{
	struct ts_packet *q = con ? dux_alloc() : NULL;

	if (!q)
		return 0;
	q->opcode = OP_READ;
	q->offset = CONSOLE_READ_INTR;
	q->handle = (uint64_t)tid;
	q->len = 0;	/* a plain console-protocol server refuses it */
	return dux_request(con, q);
}

/* The program ended: the console stops waiting for ^C (the held request is
 * answered) and drops READs the dead task left.  Waits (bounded) for both
 * replies, so none is left for a later wait. */
static void
intr_end(ts_addr con, uint64_t intr_id, long tid)
{
	struct ts_packet *q = dux_alloc(), *p;

	if (!q)
		return;
	q->opcode = OP_READ;
	q->offset = CONSOLE_READ_INTR_END;
	q->handle = (uint64_t)tid;
	q->len = 0;	/* a plain console-protocol server refuses it */
	uint64_t end_id = dux_request(con, q), until = ts_now() + INTR_END_NS;
	while ((intr_id || end_id) && ts_now() < until && dux_wait(INTR_END_NS) >= 0) {
		while ((p = dux_recv())) {
			if ((p->flags & PKT_REPLY) && p->id == intr_id)
				intr_id = 0;
			if ((p->flags & PKT_REPLY) && p->id == end_id)
				end_id = 0;
			dux_data_free(p);
			dux_done(p);
		}
	}
}

/*
 * Wait for child `tid` (spawned stopped) through a TERMINATE watch, so that
 * it is still a zombie when the shell looks at its CPU time (cpu_ns, may be
 * NULL).  The watch is flushed to the kernel before the child starts: a
 * watch on a task that already ended is refused (-ERR_SRCH) and would never
 * fire.  With `intr`, the console's ^C ends the child: its status is then
 * SH_ST_INTR.
 */
static long
wait_child(long tid, int *status, uint64_t *cpu_ns, int intr)
{
	struct ts_packet *p;
	int done = 0, killed = 0;

	if (sh_ipc() < 0 || dux_watch((ts_addr)tid) < 0 || dux_flush() < 0) {
		sys_task_start(tid);
		return sys_task_wait(tid, status);
	}
	long con = intr ? dux_lookup("console") : -1;
	uint64_t intr_id = con > 0 ? intr_ask((ts_addr)con, tid) : 0;
	sys_task_start(tid);
	while (!done) {
		if (dux_wait(DUX_FOREVER) < 0)
			break;
		while ((p = dux_recv())) {
			if (dux_watch_ended(p) == (ts_addr)tid)
				done = 1;
			else if (intr_id && (p->flags & PKT_REPLY) && p->id == intr_id) {
				intr_id = 0;
				if (p->status > 0 && sys_task_kill(tid) == 0)
					killed = 1;
			}
			dux_data_free(p);
			dux_done(p);
		}
	}
	if (con > 0)
		intr_end((ts_addr)con, intr_id, tid);
	if (cpu_ns) {
		long c = sys_info(INFO_TASK_CPU_NS, tid);
		*cpu_ns = c > 0 ? (uint64_t)c : 0;
	}
	long r = sys_task_wait(tid, status);
	if (r >= 0 && killed && *status == -ERR_KILLED) {
		fputs("^C\n", stdout);
		*status = SH_ST_INTR;
	}
	return r;
}

static int
run_program(char **argv, uint64_t *cpu_ns)
{
	int watched = cpu_ns || sh.interactive;
	unsigned flags = watched ? SPAWN_STOPPED : 0;
	int ferr = 0;
	long tid;

	if (strchr(argv[0], '/'))
		tid = spawn_file(argv, flags, &ferr);
	else
		tid = ts_spawn_env(argv[0], (const char *const *)argv + 1,
				   (const char *const *)environ, 0, flags);
	if (tid < 0) {
		if (ferr == ENOENT || (!ferr && tid == -ERR_NOENT))
			return sh_say(SH_ST_NOTFOUND, "%s: not found", argv[0]);
		if (ferr)
			return sh_fail(argv[0], ferr) ? SH_ST_NOEXEC : 0;
		if (tid == -ERR_BADEXEC)
			return sh_say(SH_ST_NOEXEC, "%s: not an executable", argv[0]);
		if (tid == -ERR_TOOBIG)
			return sh_say(SH_ST_NOEXEC, "%s: argument list too long", argv[0]);
		return sh_say(SH_ST_NOEXEC, "%s: %s", argv[0], ts_strerror((int)tid));
	}
	int status = 0;
	long r = watched ? wait_child(tid, &status, cpu_ns, sh.interactive)
			 : sys_task_wait(tid, &status);
	if (r < 0)
		return sh_say(1, "%s: wait: %s", argv[0], ts_strerror((int)r));
	if (status < 0)
		sh_say(status, "%s: ended: %s", argv[0], ts_strerror(status));
	return status;
}

int
sh_run_argv(int argc, char **argv, FILE *out, uint64_t *cpu_ns)
{
	const struct builtin *b = builtin_find(argv[0]);

	if (b)
		return b->fn(argc, argv, out);
	return run_program(argv, cpu_ns);
}

/* Does argv run a program (directly or through `time`)? */
static int
runs_program(int argc, char **argv)
{
	if (!builtin_find(argv[0]))
		return 1;
	return !strcmp(argv[0], "time") && argc > 1 && !builtin_find(argv[1]);
}

/* Run a program with its standard output on file `path` (created or
 * emptied already): TS_STDOUT=path in its environment makes its libc
 * append stdout there (docs/libc.md); stderr stays on the console. */
static int
run_redirected(int argc, char **argv, const char *path)
{
	const char *old = getenv("TS_STDOUT");
	char *saved = old ? strdup(old) : NULL;
	int st;

	if (setenv("TS_STDOUT", path, 1) < 0) {
		free(saved);
		return sh_fail(path, errno);
	}
	st = sh_run_argv(argc, argv, stdout, NULL);
	if (saved)
		setenv("TS_STDOUT", saved, 1);
	else
		unsetenv("TS_STDOUT");
	free(saved);
	return st;
}

/* One parsed command: an assignment, a built-in or a program, with its
 * output redirected. */
static int
exec_cmd(struct sh_cmd *c)
{
	FILE *out = stdout;
	int st;

	if (c->argc == 1 && sh_is_assignment(c->argv[0])) {
		char *eq = strchr(c->argv[0], '=');
		*eq = 0;
		return setenv(c->argv[0], eq + 1, 1) < 0 ? sh_fail(c->argv[0], errno) : 0;
	}
	if (c->redir) {
		out = fopen(c->redir, c->append ? "a" : "w");
		if (!out)
			return sh_fail(c->redir, errno);
	}
	if (c->redir && c->argc > 0 && runs_program(c->argc, c->argv)) {
		/* The program appends to the file itself (libc's TS_STDOUT). */
		if (fclose(out) != 0)
			return sh_fail(c->redir, errno);
		return run_redirected(c->argc, c->argv, c->redir);
	}
	st = c->argc ? sh_run_argv(c->argc, c->argv, out, NULL) : 0;
	if (out != stdout && fclose(out) != 0 && st == 0)
		st = sh_fail(c->redir, errno);
	return st;
}

/* Run every command of `text` (a line, a -c string or a script); stops at
 * `exit`.  Returns the last status. */
static int
run_text(const char *text, const char *where)
{
	static struct sh_cmd c;
	const char *err;
	size_t pos = 0;
	int r;

	if (sh_check(text, &err) < 0) {
		sh.status = sh_say(SH_ST_USAGE, "%s%ssyntax error: %s", where ? where : "",
				   where ? ": " : "", err);
		return sh.status;
	}
	while (!sh.exiting && (r = sh_parse_next(text, &pos, &c, lookup, NULL, &err)) != 0) {
		if (r < 0) {
			sh.status = sh_say(SH_ST_USAGE, "%s", err);
			break;
		}
		if (c.argc == 0 && !c.redir)
			continue;
		sh.status = exec_cmd(&c);
		fflush(stdout);
	}
	return sh.status;
}

static void
prompt(void)
{
	char cwd[SH_PATH_MAX];

	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), "?");
	printf("tessera:%s$ ", cwd);
	fflush(stdout);
}

/* The interactive loop: bytes from the console through the line editor;
 * bytes typed ahead of a running command are kept for the next line. */
static int
interactive(void)
{
	static struct ledit e;
	static struct ledit_out o;
	unsigned char in[256];

	ledit_init(&e);
	prompt();
	ledit_start(&e);
	for (int eof = 0; !sh.exiting && !eof;) {
		ssize_t n = read(0, in, sizeof(in));
		if (n < 0)
			break;
		if (n == 0) {	/* ^D at the start of a read */
			if (e.len == 0 || !isatty(0))
				break;
			in[0] = 0x04;
			n = 1;
		}
		for (ssize_t i = 0; i < n && !sh.exiting && !eof; i++) {
			o.len = 0;
			enum ledit_result r = ledit_key(&e, in[i], &o);
			fwrite(o.buf, 1, o.len, stdout);
			if (r == LEDIT_EOF) {
				eof = 1;
				break;
			}
			if (r == LEDIT_MORE)
				continue;
			fflush(stdout);
			if (r == LEDIT_INTR) {
				sh.status = SH_ST_INTR;
			} else {
				ledit_history_add(&e, e.line);
				run_text(e.line, NULL);
			}
			if (!sh.exiting) {
				prompt();
				ledit_start(&e);
			}
		}
		fflush(stdout);
	}
	if (!sh.exiting) {	/* end of input */
		fputc('\n', stdout);
		fflush(stdout);
	}
	return sh.status;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "-c")) {
		if (argc < 3)
			return sh_say(SH_ST_USAGE, "-c: missing command string");
		run_text(argv[2], NULL);
		sh_sync();	/* the node may be powered off next */
		return sh.status;
	}
	if (argc >= 2) {
		char *text;
		size_t n;
		int err = read_file(argv[1], SCRIPT_MAX, &text, &n);
		if (err)
			return sh_fail(argv[1], err) ? SH_ST_NOTFOUND : 0;
		if (strlen(text) != n) {
			free(text);
			return sh_say(SH_ST_NOEXEC, "%s: not a text file", argv[1]);
		}
		run_text(text, argv[1]);
		free(text);
		sh_sync();
		return sh.status;
	}
	sh.interactive = isatty(0);
	return interactive();
}
