/*
 * picolibc's <time.h> declares the POSIX clocks only for platforms that
 * define _POSIX_TIMERS / _POSIX_MONOTONIC_CLOCK (RTEMS); Tessera's libc
 * provides them (libc/time.c), so ordinary programs see them here.
 */
#ifndef TESSERA_TIME_H
#define TESSERA_TIME_H

#include_next <time.h>

#ifndef CLOCK_MONOTONIC
#define CLOCK_MONOTONIC ((clockid_t)4)
#endif

#ifndef _POSIX_TIMERS
#ifdef __cplusplus
extern "C" {
#endif
int clock_gettime(clockid_t clock_id, struct timespec *tp);
int clock_getres(clockid_t clock_id, struct timespec *res);
int nanosleep(const struct timespec *rqtp, struct timespec *rmtp);
#ifdef __cplusplus
}
#endif
#endif

#endif
