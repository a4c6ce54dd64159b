/*
 * Tessera glue for picolibc: program start (argv from the kernel's argument
 * block), stdout/stderr on the kernel log (one log call per line), exit, and
 * sbrk over mem_alloc for malloc.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <tessera/syscall.h>
#include <tessera/user.h>

#define MAX_ARGS 64
#define HEAP_BASE 0x1000000000ul	/* 64 GiB; grows up */
#define HEAP_MAX  0x0800000000ul

int main(int argc, char **argv);
void __ts_start(char *args, size_t len);
extern void __libc_init_array(void);

static char line[256];
static size_t line_len;

static void
line_flush(void)
{
	if (line_len)
		sys_log(line, line_len);
	line_len = 0;
}

static int
ts_putc(char c, FILE *f)
{
	(void)f;
	if (c == '\n') {
		line_flush();
		return (unsigned char)c;
	}
	if (line_len == sizeof(line))
		line_flush();
	line[line_len++] = c;
	return (unsigned char)c;
}

static int
ts_flush(FILE *f)
{
	(void)f;
	line_flush();
	return 0;
}

static FILE ts_stdio = FDEV_SETUP_STREAM(ts_putc, NULL, ts_flush, _FDEV_SETUP_WRITE);
FILE *const stdin = &ts_stdio;
FILE *const stdout = &ts_stdio;
FILE *const stderr = &ts_stdio;

void
_exit(int status)
{
	line_flush();
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
		return (void *)-1;
	uintptr_t want = (brk + (uintptr_t)incr + 4095) & ~4095ul;
	if (want > mapped) {
		if (sys_mem_alloc(mapped, want - mapped, MEM_R | MEM_W) < 0)
			return (void *)-1;
		mapped = want;
	}
	brk += (uintptr_t)incr;
	return (void *)old;
}

void
__ts_start(char *args, size_t len)
{
	char *argv[MAX_ARGS + 1];
	int argc = 0;

	for (size_t i = 0; i < len && argc < MAX_ARGS;) {
		argv[argc++] = &args[i];
		while (i < len && args[i])
			i++;
		i++;
	}
	argv[argc] = NULL;
	__libc_init_array();
	exit(main(argc, argv));
}

long
ts_spawn(const char *prog, const char *const *argv, long gid, unsigned flags)
{
	char buf[TS_ARGS_MAX];
	size_t n = 0;

	for (; argv && *argv; argv++) {
		size_t l = strlen(*argv) + 1;
		if (l > sizeof(buf) - n)
			return -ERR_TOOBIG;
		memcpy(buf + n, *argv, l);
		n += l;
	}
	return sys_task_spawn(prog, strlen(prog), buf, n, gid, flags);
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
