/* Kernel panic: print the cause, the hart, the trap CSRs and a frame-pointer
 * stack trace, then stop QEMU with a failure status. */
#include <stdint.h>
#include <kernel/hart.h>
#include <kernel/memlayout.h>
#include <kernel/platform.h>
#include <kernel/printk.h>
#include <kernel/riscv.h>

extern char _text[], _etext[], _bss[], _end[];

static volatile int panicking;

static int
kaddr_ok(uint64_t p)
{
	return p >= (uint64_t)_bss && p < (uint64_t)_end && (p & 7) == 0;
}

static void
backtrace(uint64_t fp)
{
	printk("stack trace (addr2line -e tessera.elf):\n");
	for (int depth = 0; depth < 32 && kaddr_ok(fp - 16); depth++) {
		uint64_t ra = ((uint64_t *)fp)[-1];
		uint64_t next = ((uint64_t *)fp)[-2];
		if (ra < (uint64_t)_text || ra >= (uint64_t)_etext)
			break;
		printk("  #%d %p\n", depth, (void *)ra);
		if (next <= fp)
			break;
		fp = next;
	}
}

void
panic(const char *fmt, ...)
{
	char buf[200];
	va_list ap;
	struct hart *h = this_hart();

	va_start(ap, fmt);
	vsnprintk(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST))
		for (;;)
			wfi();
	console_panic();	/* the console owner will not run again */
	printk("\nkernel panic on hart %lu: %s\n", h ? h->hartid : 0ul, buf);
	printk("  sepc=%p stval=%p scause=%p\n", (void *)csr_read(sepc),
	       (void *)csr_read(stval), (void *)csr_read(scause));
	backtrace((uint64_t)__builtin_frame_address(0));
	platform_poweroff(99);
}
