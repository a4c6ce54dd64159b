/*
 * Time.  CLOCK_MONOTONIC is the kernel's sys_time (nanoseconds since boot).
 * CLOCK_REALTIME is the real time at boot plus that: the kernel reads QEMU
 * virt's goldfish RTC once at boot (INFO_EPOCH_NS); TS_EPOCH in the
 * environment (seconds) overrides it, e.g. for reproducible tests; with
 * neither, real time starts at 1970-01-01.  docs/libc.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/time.h>
#include <tessera/syscall.h>
#include "libc.h"

#define NS 1000000000ull

/* Real time at boot, whole seconds and the nanoseconds beyond them. */
static void
epoch(int64_t *sec, long *nsec)
{
	const char *e = getenv("TS_EPOCH");
	long ns = e ? 0 : sys_info(INFO_EPOCH_NS, 0);

	*sec = e ? strtoll(e, NULL, 10) : ns > 0 ? ns / (long)NS : 0;
	*nsec = !e && ns > 0 ? ns % (long)NS : 0;
}

int
clock_gettime(clockid_t id, struct timespec *ts)
{
	uint64_t now = (uint64_t)sys_time();

	if (!ts) {
		errno = EFAULT;
		return -1;
	}
	switch (id) {
	case CLOCK_MONOTONIC:
		ts->tv_sec = (time_t)(now / NS);
		break;
	case CLOCK_REALTIME: {
		int64_t es;
		long ens;
		epoch(&es, &ens);
		uint64_t ns = now % NS + (uint64_t)ens;
		ts->tv_sec = (time_t)(now / NS + ns / NS) + (time_t)es;
		ts->tv_nsec = (long)(ns % NS);
		return 0;
	}
	default:
		errno = EINVAL;
		return -1;
	}
	ts->tv_nsec = (long)(now % NS);
	return 0;
}

int
clock_getres(clockid_t id, struct timespec *res)
{
	if (id != CLOCK_MONOTONIC && id != CLOCK_REALTIME) {
		errno = EINVAL;
		return -1;
	}
	if (res) {
		res->tv_sec = 0;
		res->tv_nsec = 100;	/* the 10 MHz time CSR */
	}
	return 0;
}

int
gettimeofday(struct timeval *tv, void *tz)
{
	struct timespec ts;

	(void)tz;
	if (tv) {
		clock_gettime(CLOCK_REALTIME, &ts);
		tv->tv_sec = ts.tv_sec;
		tv->tv_usec = (suseconds_t)(ts.tv_nsec / 1000);
	}
	return 0;
}

int
nanosleep(const struct timespec *req, struct timespec *rem)
{
	if (!req || req->tv_nsec < 0 || req->tv_nsec >= (long)NS || req->tv_sec < 0) {
		errno = EINVAL;
		return -1;
	}
	sys_sleep((uint64_t)req->tv_sec * NS + (uint64_t)req->tv_nsec);
	if (rem)
		rem->tv_sec = rem->tv_nsec = 0;
	return 0;
}

int
usleep(useconds_t us)
{
	sys_sleep((uint64_t)us * 1000);
	return 0;
}

unsigned
sleep(unsigned s)
{
	sys_sleep((uint64_t)s * NS);
	return 0;
}
