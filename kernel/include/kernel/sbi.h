/* Calls into OpenSBI (SBI spec v1.0: TIME, IPI, HSM, legacy console). */
#ifndef KERNEL_SBI_H
#define KERNEL_SBI_H

#include <stdint.h>

struct sbiret {
	long error;
	long value;
};

void sbi_set_timer(uint64_t when);
void sbi_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base);
long sbi_hart_start(unsigned long hartid, unsigned long start_pa, unsigned long opaque);
void sbi_putchar(int c);
void sbi_shutdown(void);

#endif
