/*
 * A hardware interrupt in user space: this privileged task maps the ns16550
 * UART, enables its receive interrupt (IER bit 0, "received data
 * available"), reserves PLIC source 10 (the UART on QEMU virt) and counts
 * the bytes its handler reads.  The harness types the text given as
 * argv[1] on QEMU's serial input (tessera_node_test STDIN_TEXT).
 */
#include <stdio.h>
#include <stdlib.h>
#include "test_ipc.h"

#define UART_PA  0x10000000ul
#define UART_VA  0x2000000000ul
#define UART_IRQ 10u
#define RBR 0	/* receive buffer */
#define IER 1	/* interrupt enable */
#define LSR 5	/* line status; bit 0 = data ready */

static volatile uint8_t *uart = (volatile uint8_t *)UART_VA;
static char rxbuf[128];
static volatile unsigned nrx, nirq, nother, sharer_ready;
static volatile long sharer;
static uint8_t nstack[8192] __attribute__((aligned(16)));

static void
on_irq(uint64_t source, uint64_t value)
{
	(void)value;
	/* The sharer's "ready" may come before spawn has returned its tid. */
	if (source != IRQ_SOURCE(UART_IRQ) && !sharer_ready) {
		sharer_ready = 1;
		return;
	}
	if (source != IRQ_SOURCE(UART_IRQ)) {
		nother++;
		return;
	}
	nirq++;
	while (uart[LSR] & 1) {
		char c = (char)uart[RBR];
		if (nrx < sizeof(rxbuf) - 1)
			rxbuf[nrx++] = c;
	}
	sys_irq_complete(UART_IRQ);
}

/* The line's other sharer (shared PCI INTx style): it reserved first, so it
 * sees every interrupt first and defers it to the next sharer. */
static volatile unsigned sh_irqs, sh_done;

static void
on_shared(uint64_t source, uint64_t value)
{
	(void)value;
	if (source == IRQ_SOURCE(UART_IRQ)) {
		sh_irqs++;
		sys_irq_defer(UART_IRQ);
	} else {
		sh_done = 1;	/* the test is over */
	}
}

static int
shared(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	long parent = atol(argv[1]);
	if (dux_init(8) < 0 || dux_notify_handler(on_shared, nstack, sizeof(nstack)) < 0 ||
	    sys_irq_reserve(UART_IRQ) < 0)
		return -1;
	sys_notify(parent, 1);
	while (!sh_done)
		dux_wait(100 * MS);
	return (int)sh_irqs;
}

static int
uart_irq(int argc, char **argv)
{
	TT_CHECK(argc > 1);
	const char *want = argv[1];
	size_t n = strlen(want);
	char me[24];
	snprintf(me, sizeof(me), "%ld", sys_task_self());
	TT_EQ(dux_init(8), 0);
	TT_EQ(sys_mem_map_device(UART_VA, UART_PA, TS_PAGE_SIZE), 0);
	TT_EQ(sys_irq_reserve(UART_IRQ), -ERR_INVAL);	/* no handler yet */
	TT_EQ(dux_notify_handler(on_irq, nstack, sizeof(nstack)), 0);
	sharer = ttest_spawn_self("_shared", me, 0);
	TT_CHECK(sharer > 0);
	while (!sharer_ready)
		dux_wait(10 * MS);
	TT_EQ(sys_irq_reserve(UART_IRQ), 0);
	TT_EQ(sys_irq_reserve(UART_IRQ), -ERR_EXIST);
	TT_EQ(sys_irq_complete(UART_IRQ), -ERR_PERM);	/* not delivered to us */
	uart[IER] = 0x01;
	printf("uart_irq: waiting for %u bytes on the serial line\n", (unsigned)n);
	uint64_t until = ts_now() + 30 * SEC;
	while (nrx < n && ts_now() < until)
		dux_wait(100 * MS);
	uart[IER] = 0;
	rxbuf[nrx] = 0;
	printf("uart_irq: %u interrupts, %u bytes: \"%s\"\n", nirq, nrx, rxbuf);
	TT_EQ(sys_notify(sharer, 2), 0);
	int sh = -1;
	TT_EQ(sys_task_wait(sharer, &sh), 0);
	printf("uart_irq: the sharer saw and deferred %d interrupts\n", sh);
	/* Deferral works: the sharer saw interrupts first and passed them on.
	 * One still pending in the PLIC when the sharer has ended reaches us
	 * directly, so ours may be one more. */
	TT_CHECK(sh >= 1 && sh <= (int)nirq);
	TT_EQ(nother, 0);
	TT_CHECK(nirq >= 1);
	TT_EQ(nrx, n);
	TT_CHECK(strcmp(rxbuf, want) == 0);
	return 0;
}

/* Unprivileged: the IRQ and the device are refused. */
static int
irq_unpriv(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	const char *av[] = { "_unpriv", NULL };
	TT_EQ(ts_run("test_ipc_irq", av, 0, 0), 0);
	return 0;
}

static int
unpriv(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TT_EQ(dux_init(8), 0);
	TT_EQ(dux_notify_handler(on_irq, nstack, sizeof(nstack)), 0);
	TT_EQ(sys_irq_reserve(UART_IRQ), -ERR_PERM);
	TT_EQ(sys_mem_map_device(UART_VA, UART_PA, TS_PAGE_SIZE), -ERR_PERM);
	return 0;
}

static const struct ttest tests[] = {
	{ "_shared", shared },
	{ "_unpriv", unpriv },
	{ "irq_unpriv", irq_unpriv },
	{ "uart_irq", uart_irq },
};

TT_MAIN(tests)
