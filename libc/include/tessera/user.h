/* Helpers for Tessera user programs, on top of picolibc. */
#ifndef TESSERA_USER_H
#define TESSERA_USER_H

#include <stddef.h>
#include <stdint.h>
#include <tessera/syscall.h>

/* Start `prog` with the given argv-style arguments (NULL-terminated list,
 * not including the program name) in group `gid` (0 = caller's).  The
 * child inherits the caller's environment (environ).  The one-byte string
 * "\x01" separates arguments from the environment and is refused as an
 * argument (-ERR_INVAL); arguments and environment together fit in
 * TS_ARGS_MAX bytes (-ERR_TOOBIG).  docs/libc.md. */
long ts_spawn(const char *prog, const char *const *argv, long gid, unsigned flags);
/* The same with the environment `envp` (KEY=VALUE strings, NULL-terminated;
 * NULL = none). */
long ts_spawn_env(const char *prog, const char *const *argv, const char *const *envp,
		  long gid, unsigned flags);
/* Spawn and wait; returns the exit status or a negative error. */
long ts_run(const char *prog, const char *const *argv, long gid, unsigned flags);
/* Snapshots from the kernel (libc/snapshot.c), malloc'd (free them): *n
 * records; NULL when out of memory. */
struct ts_task_info *ts_tasks(long *n);
struct ts_svc_info *ts_services(long *n);
/* The orderly way down (libc/sync.c). */
#define TS_SYNC_NS	(10ull * 1000000000)	/* one volume's time to flush */
/* OP_FLUSH to every mounted volume (services named "/..."), each call
 * bounded by `ns`; report(mount, err) for each that failed (report may be
 * NULL).  0, or the first error. */
int ts_sync_mounts(uint64_t ns, void (*report)(const char *mount, int err));
/* Flush every volume (TS_SYNC_NS each; failures are printed), then power
 * the node off with `status`.  Returns only if the power-off is refused
 * (the caller is not privileged): that error. */
long ts_shutdown(int status);
/* Restart policy of a supervisor (libc/restart.c): the delay before the
 * restart of a task that crashed doubles from TS_RESTART_MIN_NS to
 * TS_RESTART_MAX_NS; a run of `stable` ns resets it. */
#define TS_RESTART_MIN_NS	(100ull * 1000000)
#define TS_RESTART_MAX_NS	(5000ull * 1000000)
#define TS_RESTART_TRIES	8	/* crashes in a row before giving up */
struct ts_restart {
	unsigned crashes;	/* in a row */
	uint64_t started;	/* ts_now() at the last start (the caller sets it) */
	uint64_t delay;		/* the last delay */
};
/* The task of r crashed: ns to wait before its restart, or 0 to give up
 * (TS_RESTART_TRIES crashes in a row). */
uint64_t ts_restart_delay(struct ts_restart *r, uint64_t stable);
/* Monotonic time in nanoseconds. */
static inline uint64_t ts_now(void) { return (uint64_t)sys_time(); }
/* Read the time CSR (10 MHz on QEMU virt; ×100 = instructions under icount). */
static inline uint64_t
ts_rdtime(void)
{
	uint64_t t;
	__asm__ volatile("rdtime %0" : "=r"(t));
	return t;
}

#endif
