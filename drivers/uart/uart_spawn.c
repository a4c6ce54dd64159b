/*
 * uart_spawn: start the `uart` driver for the device tree's ns16550, the way
 * the PCI server starts its drivers (docs/pci.md): spawned stopped and
 * unprivileged, granted exactly the register page(s) and the interrupt,
 * then started.  init and tests use this one call.
 */
#include <stdio.h>
#include <string.h>

#include <kernel/fdt.h>
#include <tessera/abi.h>
#include <tessera/syscall.h>
#include <uart/uart.h>

#define FDT_BUF		(64u << 10)
#define PAGE		4096ull
#define LOOKUP_NS	(2ull * 1000000)	/* service poll period */

static uint8_t fdt_buf[FDT_BUF];

/* The UART's registers and interrupt from the device tree.  0 or -ERR_*. */
static int
uart_from_fdt(uint64_t *base, uint64_t *size, uint32_t *irq)
{
	static struct platform p;
	struct fdt f;
	long n = sys_fdt_read(fdt_buf, sizeof(fdt_buf));
	int r;

	if (n < 0)
		return (int)n;
	if (n > (long)sizeof(fdt_buf))
		return -ERR_TOOBIG;
	if ((r = fdt_init(&f, fdt_buf, (size_t)n)) < 0 || (r = fdt_platform(&f, &p)) < 0)
		return r;
	if (!p.uart_base)
		return -ERR_NOENT;
	*base = p.uart_base;
	*size = p.uart_size ? p.uart_size : 8;
	*irq = p.uart_irq;
	return 0;
}

long
uart_spawn(uint64_t timeout_ns)
{
	uint64_t base = 0, size = 0;
	uint32_t irq = 0;
	char args[64];
	int r = uart_from_fdt(&base, &size, &irq);

	if (r < 0)
		return r;
	int alen = snprintf(args, sizeof(args), "base=0x%llx%cirq=%u", (unsigned long long)base,
			    0, (unsigned)irq);
	long tid = sys_task_spawn("uart", 4, args, (size_t)alen + 1, 0, SPAWN_STOPPED);
	if (tid < 0)
		return tid;
	uint64_t first = base & ~(PAGE - 1);
	uint64_t end = (base + size + PAGE - 1) & ~(PAGE - 1);
	long rc = sys_dev_grant(tid, GRANT_MMIO, first, end - first);
	if (rc >= 0 && irq)
		rc = sys_dev_grant(tid, GRANT_IRQ, irq, 1);
	if (rc >= 0)
		rc = sys_task_start(tid);
	uint64_t until = (uint64_t)sys_time() + timeout_ns;
	while (rc >= 0) {
		long who = sys_svc_lookup(CONSOLE_UART_SERVICE, strlen(CONSOLE_UART_SERVICE));
		if (who == tid)
			return tid;
		if ((uint64_t)sys_time() >= until)
			rc = -ERR_TIMEOUT;
		else
			sys_sleep(LOOKUP_NS);
	}
	sys_task_kill(tid);
	sys_task_wait(tid, NULL);
	return rc;
}
