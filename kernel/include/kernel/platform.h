/* What the device tree told us, and machine-level actions. */
#ifndef KERNEL_PLATFORM_H
#define KERNEL_PLATFORM_H

#include <kernel/fdt.h>

extern struct platform plat;

/* Stop the machine; QEMU exits with `status` through the sifive_test
 * finisher (0 = pass).  Falls back to SBI shutdown. */
void platform_poweroff(int status) __attribute__((noreturn));
/* Real time at boot, ns since 1970-01-01 UTC, from the goldfish RTC when the
 * device tree has one; 0 if unknown (INFO_EPOCH_NS). */
extern uint64_t platform_epoch_ns;

/* Boot arguments: "init=<program> [-- args]". */
const char *bootarg_init(void);
const char *bootarg_args(size_t *len);

#endif
