/*
 * ns16550 register access (the 16550 data sheet; QEMU hw/char/serial.c
 * behaves the same): FIFOs, receive into a bounded buffer, polled transmit.
 */
#include <string.h>
#include <uart/uart.h>

#define RX_MASK		(CONSOLE_RX_BUFFER - 1)
#define RX_BURST	256u		/* bytes per uart_rx: a stuck DR bit cannot hang us */
#define TX_SPIN		10000000u	/* LSR polls before a transmit gives up */

_Static_assert((CONSOLE_RX_BUFFER & RX_MASK) == 0, "receive buffer: a power of two");

/* The handler (producer) may run between any two instructions of the main
 * loop (consumer): keep the compiler from moving buffer accesses across the
 * index updates. */
#define barrier() __asm__ volatile("" ::: "memory")

static void
rx_put(struct uart *u, uint8_t c)
{
	if (u->rx_head - u->rx_tail >= CONSOLE_RX_BUFFER) {
		u->stats.rx_overruns++;
		return;
	}
	u->rx[u->rx_head & RX_MASK] = c;
	barrier();
	u->rx_head++;
	u->stats.rx_bytes++;
}

void
uart_init(struct uart *u, volatile uint8_t *regs)
{
	memset(u, 0, sizeof(*u));
	u->regs = regs;
	regs[UART_IER] = 0;
	regs[UART_LCR] = 0x03;		/* 8 data bits, no parity, 1 stop bit */
	/* IIR bits 7:6 tell whether the FIFOs are on (firmware usually turns
	 * them on).  Writing FCR never clears them here: received bytes stay.
	 * Turning them on clears them, so a byte already waiting is kept
	 * first. */
	if ((regs[UART_IIR] & 0xc0) != 0xc0 && (regs[UART_LSR] & UART_LSR_DR))
		rx_put(u, regs[UART_RBR]);
	regs[UART_FCR] = UART_FCR_ON;	/* receive trigger: 1 byte */
	regs[UART_MCR] = UART_MCR_ON;
	regs[UART_IER] = UART_IER_RX;
}

unsigned
uart_rx(struct uart *u)
{
	unsigned n = 0;

	for (; n < RX_BURST; n++) {
		uint8_t lsr = u->regs[UART_LSR];
		if (lsr & UART_LSR_OE)
			u->stats.rx_overruns++;
		if (!(lsr & UART_LSR_DR))
			break;
		rx_put(u, u->regs[UART_RBR]);
	}
	if (n)
		u->nirq++;
	return n;
}

unsigned
uart_rx_avail(const struct uart *u)
{
	return u->rx_head - u->rx_tail;
}

size_t
uart_rx_take(struct uart *u, void *buf, size_t max)
{
	uint32_t tail = u->rx_tail, avail = u->rx_head - tail;
	size_t n = avail < max ? avail : max;
	uint8_t *out = buf;

	barrier();
	for (size_t i = 0; i < n; i++)
		out[i] = u->rx[(tail + i) & RX_MASK];
	barrier();
	u->rx_tail = tail + (uint32_t)n;
	return n;
}

/* Wait until the transmit FIFO is empty; 0 if it never empties. */
static int
tx_ready(struct uart *u)
{
	for (unsigned i = 0; i < TX_SPIN; i++)
		if (u->regs[UART_LSR] & UART_LSR_THRE)
			return 1;
	return 0;
}

size_t
uart_tx(struct uart *u, const void *buf, size_t n, int crlf)
{
	const uint8_t *p = buf;
	size_t done = 0;
	int room = 0, cr_sent = 0;

	while (done < n) {
		if (room == 0) {
			if (!tx_ready(u)) {
				u->tx_stalls += n - done;
				break;
			}
			room = UART_FIFO;
		}
		if (crlf && p[done] == '\n' && !cr_sent) {
			u->regs[UART_THR] = '\r';
			cr_sent = 1;
		} else {
			u->regs[UART_THR] = p[done++];
			cr_sent = 0;
		}
		room--;
	}
	return done;
}
