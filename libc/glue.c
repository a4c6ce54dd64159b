/*
 * Tessera glue for picolibc: program start (argv and the environment from
 * the kernel's argument block), exit, sbrk over mem_alloc for malloc, and
 * spawning programs with arguments and an environment.
 *
 * Argument block (what ts_spawn_env sends and __ts_start parses): the
 * kernel puts the program name first, then the NUL-terminated strings the
 * spawner gave: argv[1..], then, when there is an environment, the one-byte
 * string "\x01" (ENV_SEP; refused as an argument) followed by KEY=VALUE
 * strings.  A block without ENV_SEP is all arguments (boot arguments of
 * init, older spawners).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <tessera/syscall.h>
#include <tessera/user.h>
#include "libc.h"

#define MAX_ARGS 64
#define HEAP_BASE 0x1000000000ul	/* 64 GiB; grows up */
#define HEAP_MAX  0x0800000000ul
#define ENV_SEP "\x01"

int main(int argc, char **argv);
void __ts_start(char *args, size_t len);
extern void __libc_init_array(void);

/* picolibc calls these back (fopen -> open, time -> gettimeofday...): keep
 * their objects in the link, which scans our library before picolibc's. */
static void *const libc_hooks[] __attribute__((used)) = {
	(void *)open, (void *)read, (void *)write, (void *)lseek, (void *)close,
	(void *)gettimeofday, (void *)fstat, (void *)isatty,
};

void
_exit(int status)
{
	libc_stdio_flush();
	sys_exit(status);
	for (;;)
		;
}

void *
sbrk(ptrdiff_t incr)
{
	static uintptr_t brk = HEAP_BASE, mapped = HEAP_BASE;
	uintptr_t old = brk;

	if (incr < 0 || (uintptr_t)incr > HEAP_MAX - (brk - HEAP_BASE))
		goto nomem;
	uintptr_t want = (brk + (uintptr_t)incr + 4095) & ~4095ul;
	if (want > mapped) {
		if (sys_mem_alloc(mapped, want - mapped, MEM_R | MEM_W) < 0)
			goto nomem;
		mapped = want;
	}
	brk += (uintptr_t)incr;
	return (void *)old;
nomem:
	errno = ENOMEM;
	return (void *)-1;
}

void
__ts_start(char *args, size_t len)
{
	char *argv[MAX_ARGS + 1];
	char *env[TS_ARGS_MAX / 2 + 1];
	int argc = 0, nenv = 0, in_env = 0;

	for (size_t i = 0; i < len;) {
		char *s = &args[i];
		while (i < len && args[i])
			i++;
		if (i == len)	/* unterminated last string: not ours */
			break;
		i++;
		if (in_env) {
			if (strchr(s, '=') && s[0] != '=')
				env[nenv++] = s;
		} else if (argc > 0 && !strcmp(s, ENV_SEP)) {
			in_env = 1;
		} else if (argc < MAX_ARGS) {
			argv[argc++] = s;
		}
	}
	argv[argc] = NULL;
	libc_env_init(env, nenv);
	libc_cwd_init();
	libc_stdio_init();
	__libc_init_array();
	exit(main(argc, argv));
}

/* Append string s to buf[*n]; 0 or -ERR_TOOBIG. */
static int
put_str(char *buf, size_t *n, const char *s)
{
	size_t l = strlen(s) + 1;

	if (l > TS_ARGS_MAX - *n)
		return -ERR_TOOBIG;
	memcpy(buf + *n, s, l);
	*n += l;
	return 0;
}

long
ts_spawn_env(const char *prog, const char *const *argv, const char *const *envp, long gid,
	     unsigned flags)
{
	char buf[TS_ARGS_MAX];
	size_t n = 0;
	int r;

	for (; argv && *argv; argv++) {
		if (!strcmp(*argv, ENV_SEP))
			return -ERR_INVAL;
		if ((r = put_str(buf, &n, *argv)) < 0)
			return r;
	}
	if (envp && *envp && (r = put_str(buf, &n, ENV_SEP)) < 0)
		return r;
	for (; envp && *envp; envp++)
		if (strchr(*envp, '=') && (r = put_str(buf, &n, *envp)) < 0)
			return r;
	libc_stdio_sync();
	return sys_task_spawn(prog, strlen(prog), buf, n, gid, flags);
}

long
ts_spawn(const char *prog, const char *const *argv, long gid, unsigned flags)
{
	return ts_spawn_env(prog, argv, (const char *const *)environ, gid, flags);
}

long
ts_run(const char *prog, const char *const *argv, long gid, unsigned flags)
{
	long tid = ts_spawn(prog, argv, gid, flags);
	int status;

	if (tid < 0)
		return tid;
	long r = sys_task_wait(tid, &status);
	return r < 0 ? r : status;
}

void
libc_env_init(char **strs, int n)
{
	static char *none[1];
	char **e;

	if (n == 0 || !(e = malloc(((size_t)n + 1) * sizeof(*e)))) {
		environ = none;
		return;
	}
	memcpy(e, strs, (size_t)n * sizeof(*e));
	e[n] = NULL;
	environ = e;
}
