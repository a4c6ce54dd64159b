/*
 * Time.  CLOCK_MONOTONIC is the kernel's sys_time (nanoseconds since boot).
 * CLOCK_REALTIME has no source yet: the kernel does not read QEMU virt's
 * goldfish RTC and user programs cannot map it unprivileged, so real time is
 * the epoch (1970-01-01) plus the time since boot, unless the environment
 * carries TS_EPOCH = the real time at boot in seconds (a privileged program
 * that reads the RTC can set it for what it starts).  docs/libc.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/time.h>
#include <tessera/syscall.h>
#include "libc.h"

#define NS 1000000000ull

static int64_t
epoch(void)
{
	const char *e = getenv("TS_EPOCH");

	return e ? strtoll(e, NULL, 10) : 0;
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
	case CLOCK_REALTIME:
		ts->tv_sec = (time_t)(now / NS) + (time_t)epoch();
		break;
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
