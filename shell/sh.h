/*
 * MiniSH internals shared by sh.c (modes, command execution, programs) and
 * builtins.c (the built-in commands).  docs/shell.md.
 */
#ifndef SHELL_SH_H
#define SHELL_SH_H

#include <stdint.h>
#include <stdio.h>
#include <tessera/abi.h>

/* Exit statuses (as in POSIX shells). */
#define SH_ST_USAGE	2	/* syntax error, bad usage of a built-in */
#define SH_ST_NOEXEC	126	/* found but not runnable */
#define SH_ST_NOTFOUND	127	/* no such program */
#define SH_ST_INTR	130	/* line dropped, or program ended, with ^C */

#define SH_PATH_MAX	4096	/* bytes of a path the shell builds, NUL included */

struct sh_state {
	int status;		/* $? */
	int exiting;		/* `exit` ran: stop after this command */
	int interactive;	/* on the console: ^C ends the foreground program */
};
extern struct sh_state sh;

/* A built-in: argv[0] is its name; output goes to `out` (stdout or the
 * redirect's file), errors to stderr.  Returns the exit status. */
struct builtin {
	const char *name;
	int (*fn)(int argc, char **argv, FILE *out);
	const char *usage;
};

const struct builtin *builtin_find(const char *name);
extern const struct builtin sh_builtins[];

/* "sh: <what>: <strerror(err)>" (err = errno value) on stderr; returns 1. */
int sh_fail(const char *what, int err);
/* "sh: <printf message>" on stderr; returns `status`. */
int sh_say(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Run argv as a built-in or a program (argv[0] with a '/' is an ELF file,
 * else a boot-image program); output of built-ins to `out`.  When cpu_ns
 * is given it receives the CPU time of the program. */
int sh_run_argv(int argc, char **argv, FILE *out, uint64_t *cpu_ns);

/* Flush every mounted volume (OP_FLUSH); 0 or 1 after reporting errors. */
int sh_sync(void);
/* Make sure the IPC area exists (after stdio chose its stream). */
int sh_ipc(void);

#endif
