/* SBI calls (SBI spec v1.0). */
#include <kernel/sbi.h>

#define SBI_EXT_LEGACY_PUTCHAR	0x01
#define SBI_EXT_TIME		0x54494d45
#define SBI_EXT_IPI		0x735049
#define SBI_EXT_HSM		0x48534d
#define SBI_EXT_SRST		0x53525354

static struct sbiret
sbi_call(long ext, long fid, long a0, long a1, long a2)
{
	register long x0 __asm__("a0") = a0;
	register long x1 __asm__("a1") = a1;
	register long x2 __asm__("a2") = a2;
	register long x6 __asm__("a6") = fid;
	register long x7 __asm__("a7") = ext;
	__asm__ volatile("ecall" : "+r"(x0), "+r"(x1) : "r"(x2), "r"(x6), "r"(x7) : "memory");
	return (struct sbiret){ x0, x1 };
}

void
sbi_set_timer(uint64_t when)
{
	sbi_call(SBI_EXT_TIME, 0, (long)when, 0, 0);
}

void
sbi_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base)
{
	sbi_call(SBI_EXT_IPI, 0, (long)hart_mask, (long)hart_mask_base, 0);
}

long
sbi_hart_start(unsigned long hartid, unsigned long start_pa, unsigned long opaque)
{
	return sbi_call(SBI_EXT_HSM, 0, (long)hartid, (long)start_pa, (long)opaque).error;
}

void
sbi_putchar(int c)
{
	sbi_call(SBI_EXT_LEGACY_PUTCHAR, 0, c, 0, 0);
}

void
sbi_shutdown(void)
{
	sbi_call(SBI_EXT_SRST, 0, 0, 0, 0);
}
