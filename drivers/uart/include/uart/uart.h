/*
 * ns16550 UART library (drivers/uart, docs/uart.md): register access for a
 * driver that has mapped the device, and uart_spawn, which starts the
 * `uart` driver program for the device tree's UART.
 *
 * How to use (in the driver):
 *   uart_init(&u, regs);               FIFOs on, receive interrupt on; a byte
 *                                      already waiting is kept
 *   in the interrupt handler:          uart_rx(&u); sys_irq_complete(irq);
 *   (no interrupt: call uart_rx from the main loop)
 *   n = uart_rx_take(&u, buf, max);    received bytes, oldest first
 *   uart_tx(&u, buf, n, crlf);         write, waiting for THR empty
 *
 * uart_rx is the only producer of the receive buffer and uart_rx_take the
 * only consumer; the producer may interrupt the consumer (a notification
 * handler in the same task), never the reverse.
 */
#ifndef UART_UART_H
#define UART_UART_H

#include <stddef.h>
#include <stdint.h>
#include <tessera/proto_console.h>

/* ns16550 registers (byte offsets, reg-shift 0 as on QEMU virt). */
#define UART_RBR	0	/* receive buffer (read) */
#define UART_THR	0	/* transmit holding (write) */
#define UART_IER	1	/* interrupt enable */
#define UART_FCR	2	/* FIFO control (write) */
#define UART_IIR	2	/* interrupt identification (read) */
#define UART_LCR	3	/* line control */
#define UART_MCR	4	/* modem control */
#define UART_LSR	5	/* line status */
#define UART_IER_RX	0x01	/* received data available */
#define UART_FCR_ON	0x01	/* FIFOs on */
#define UART_MCR_ON	0x0b	/* DTR, RTS, OUT2 (interrupt line on PC-style boards) */
#define UART_LSR_DR	0x01	/* data ready */
#define UART_LSR_OE	0x02	/* overrun: a byte was lost in the UART */
#define UART_LSR_THRE	0x20	/* transmit holding register empty */
#define UART_FIFO	16	/* bytes the transmit FIFO takes at once */

struct uart {
	volatile uint8_t *regs;
	/* Receive buffer: [rx_tail, rx_head) waits for uart_rx_take. */
	uint8_t rx[CONSOLE_RX_BUFFER];
	volatile uint32_t rx_head, rx_tail;
	volatile uint32_t nirq;		/* uart_rx calls that found data */
	struct console_info stats;
	uint64_t tx_stalls;		/* THR never emptied: bytes not sent */
};

/* Take over the device at regs: 8N1 as firmware left the divisor, FIFOs on
 * (a byte already received is kept first), receive interrupt on. */
void uart_init(struct uart *u, volatile uint8_t *regs);
/* Move what the UART holds into the receive buffer (what does not fit is
 * read, dropped and counted).  Returns bytes moved. */
unsigned uart_rx(struct uart *u);
/* Received bytes waiting. */
unsigned uart_rx_avail(const struct uart *u);
/* Up to max received bytes into buf, oldest first; returns the count. */
size_t uart_rx_take(struct uart *u, void *buf, size_t max);
/* Write n bytes ('\n' becomes "\r\n" when crlf), waiting for the FIFO to
 * drain.  Returns bytes written (fewer only if the UART stalls). */
size_t uart_tx(struct uart *u, const void *buf, size_t n, int crlf);

/* Privileged callers: start the `uart` driver for the device tree's ns16550,
 * stopped, granted its register page and interrupt, then started, and wait
 * up to timeout_ns for it to serve CONSOLE_UART_SERVICE (by then it owns the
 * kernel console).  Returns the driver's tid or -ERR_* (-ERR_NOENT: no UART
 * in the device tree or no `uart` program; -ERR_TIMEOUT: it did not come up
 * and was killed). */
long uart_spawn(uint64_t timeout_ns);

#endif
