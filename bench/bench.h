/*
 * Helpers shared by the bench_* programs: the busy clock, the "BENCH key
 * value" line that ci/bench reads, and the give-up path.  A program that
 * uses bench_die defines BENCH_NAME (its name, for the error line) before
 * including this header.  Static inline: each program is one file.
 */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <tessera/user.h>

/* The time CSR minus the ticks hart 0 (the only one) spent idle: under
 * icount, the work done, without the time spent waiting for devices. */
static inline uint64_t
bench_busy_now(void)
{
	return ts_rdtime() - (uint64_t)sys_info(INFO_IDLE_TICKS, 0);
}

/* Print "BENCH <key> <ticks * 100 / n>" (instructions per operation). */
static inline void
bench_report(const char *key, uint64_t ticks, long n)
{
	printf("BENCH %s %ld\n", key, (long)(ticks * 100 / (uint64_t)n));
}

#ifdef BENCH_NAME
/* Print "<BENCH_NAME>: <what>: <r> (<error text>)" and exit with status 1. */
static inline void __attribute__((noreturn))
bench_die(const char *what, long r)
{
	printf(BENCH_NAME ": %s: %ld (%s)\n", what, r, ts_strerror(r));
	exit(1);
}
#endif

#endif
