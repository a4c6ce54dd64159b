/* Kernel console output and panic. */
#ifndef KERNEL_PRINTK_H
#define KERNEL_PRINTK_H

#include <stdarg.h>
#include <stddef.h>

/* printf subset: %d %u %x %lx %ld %lu %p %s %c %%, width and '0' pad. */
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int snprintk(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintk(char *buf, size_t n, const char *fmt, va_list ap);
void console_init_uart(unsigned long va);
void console_write(const char *s, size_t n);

/* Print the cause, hart, sepc/stval and a stack trace, then stop QEMU with a
 * failure status.  `msg` is unique per call site. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#define KASSERT(c) do { if (!(c)) panic("assert %s at %s:%d", #c, __FILE__, __LINE__); } while (0)

#endif
