/*
 * User-side system call stubs, generated from syscalls.def.
 *
 * Each call sys_<name>(...) traps with ecall; results below zero are
 * -ERR_* codes from <tessera/errors.h>.
 */
#ifndef TESSERA_SYSCALL_H
#define TESSERA_SYSCALL_H

#include <stddef.h>
#include <stdint.h>
#include <tessera/abi.h>
#include <tessera/errors.h>

enum ts_sysno {
#define SYS0(n, name, r, doc) SYS_##name = (n),
#define SYS1(n, name, r, t1, a1, doc) SYS_##name = (n),
#define SYS2(n, name, r, t1, a1, t2, a2, doc) SYS_##name = (n),
#define SYS3(n, name, r, t1, a1, t2, a2, t3, a3, doc) SYS_##name = (n),
#define SYS4(n, name, r, t1, a1, t2, a2, t3, a3, t4, a4, doc) SYS_##name = (n),
#define SYS5(n, name, r, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, doc) SYS_##name = (n),
#define SYS6(n, name, r, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, t6, a6, doc) SYS_##name = (n),
#include <tessera/syscalls.def>
#include <tessera/syscalls_undef.h>
	SYS_COUNT
};

#if defined(__riscv) && !defined(TESSERA_KERNEL)
static inline long
ts_ecall(long n, long x0, long x1, long x2, long x3, long x4, long x5)
{
	register long a0 __asm__("a0") = x0;
	register long a1 __asm__("a1") = x1;
	register long a2 __asm__("a2") = x2;
	register long a3 __asm__("a3") = x3;
	register long a4 __asm__("a4") = x4;
	register long a5 __asm__("a5") = x5;
	register long a7 __asm__("a7") = n;
	__asm__ volatile("ecall"
			 : "+r"(a0)
			 : "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5), "r"(a7)
			 : "memory");
	return a0;
}

#define SYS0(n, name, r, doc) \
	static inline r sys_##name(void) { return (r)ts_ecall(n, 0, 0, 0, 0, 0, 0); }
#define SYS1(n, name, r, t1, a1, doc) \
	static inline r sys_##name(t1 a1) { return (r)ts_ecall(n, (long)a1, 0, 0, 0, 0, 0); }
#define SYS2(n, name, r, t1, a1, t2, a2, doc) \
	static inline r sys_##name(t1 a1, t2 a2) \
	{ return (r)ts_ecall(n, (long)a1, (long)a2, 0, 0, 0, 0); }
#define SYS3(n, name, r, t1, a1, t2, a2, t3, a3, doc) \
	static inline r sys_##name(t1 a1, t2 a2, t3 a3) \
	{ return (r)ts_ecall(n, (long)a1, (long)a2, (long)a3, 0, 0, 0); }
#define SYS4(n, name, r, t1, a1, t2, a2, t3, a3, t4, a4, doc) \
	static inline r sys_##name(t1 a1, t2 a2, t3 a3, t4 a4) \
	{ return (r)ts_ecall(n, (long)a1, (long)a2, (long)a3, (long)a4, 0, 0); }
#define SYS5(n, name, r, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, doc) \
	static inline r sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5) \
	{ return (r)ts_ecall(n, (long)a1, (long)a2, (long)a3, (long)a4, (long)a5, 0); }
#define SYS6(n, name, r, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, t6, a6, doc) \
	static inline r sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6) \
	{ return (r)ts_ecall(n, (long)a1, (long)a2, (long)a3, (long)a4, (long)a5, (long)a6); }
#include <tessera/syscalls.def>
#include <tessera/syscalls_undef.h>
#elif defined(TESSERA_HOST)
/* Host unit tests of user-side code: the calls are declared only; a test
 * defines those the code under test makes (tests/host/vdev.c). */
#define SYS0(n, name, r, doc) r sys_##name(void);
#define SYS1(n, name, r, t1, a1, doc) r sys_##name(t1 a1);
#define SYS2(n, name, r, t1, a1, t2, a2, doc) r sys_##name(t1 a1, t2 a2);
#define SYS3(n, name, r, t1, a1, t2, a2, t3, a3, doc) r sys_##name(t1 a1, t2 a2, t3 a3);
#define SYS4(n, name, r, t1, a1, t2, a2, t3, a3, t4, a4, doc) \
	r sys_##name(t1 a1, t2 a2, t3 a3, t4 a4);
#define SYS5(n, name, r, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, doc) \
	r sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5);
#define SYS6(n, name, r, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, t6, a6, doc) \
	r sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6);
#include <tessera/syscalls.def>
#include <tessera/syscalls_undef.h>
#endif

#endif
