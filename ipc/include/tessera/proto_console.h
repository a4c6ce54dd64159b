/*
 * The console protocol: a byte stream to and from a terminal line.  The UART
 * driver serves it as CONSOLE_UART_SERVICE ("uart0", drivers/uart); other
 * servers (a console multiplexer, a shell) speak it to the driver and may
 * serve it themselves.  docs/uart.md has the whole story.
 *
 *   OP_WRITE  data (any PKT_DATA_* kind) = 1..CONSOLE_WRITE_MAX bytes, written
 *             to the line as they are (no newline translation: send "\r\n"
 *             for a terminal's new line) -> status = bytes written.
 *             No data -> -ERR_INVAL; more than CONSOLE_WRITE_MAX -> -ERR_TOOBIG.
 *             Kernel log lines may come between two WRITEs, never inside one.
 *   OP_READ   PKT_DATA_NONE, len = most bytes wanted (>= 1; more than
 *             CONSOLE_READ_MAX is taken as CONSOLE_READ_MAX)
 *             -> COPY data = 1..len bytes received from the line, status =
 *             their count.  The request waits until input arrives; waiting
 *             readers are served in the order their requests came; at most
 *             CONSOLE_READERS_MAX wait, another READ gets -ERR_AGAIN.
 *             len = 0 -> -ERR_INVAL.
 *   OP_INFO   -> COPY data = struct console_info, status = 0.
 *   other     -> -ERR_NOTSUP.
 *
 * The console server (drivers/console) also delivers ^C to a shell, so it
 * can end its foreground program (docs/console.md):
 * Both have len = 0, so a server without them (uart0) refuses them.
 *   OP_READ offset = CONSOLE_READ_INTR, handle = the foreground task:
 *             held until a ^C (0x03) arrives on the input -> status 1; that
 *             ^C is then not given to readers, and until INTR_END the
 *             task's READs are answered -ERR_CLOSED (it is being ended).
 *             One is held at a time: a newer one answers the older with 0.
 *   OP_READ offset = CONSOLE_READ_INTR_END, handle = a task that ended
 *             (or 0): answers the held INTR request with 0, drops the held
 *             READs of that task (their replies would take typed bytes to
 *             a dead task) -> status 0.  From a task other than the one
 *             that sent the last INTR request it changes nothing.
 *
 * Input the server receives while nobody reads is kept (CONSOLE_RX_BUFFER
 * bytes); what does not fit is dropped and counted in rx_overruns.
 */
#ifndef TESSERA_PROTO_CONSOLE_H
#define TESSERA_PROTO_CONSOLE_H

#include <stdint.h>

#define CONSOLE_UART_SERVICE	"uart0"
#define CONSOLE_WRITE_MAX	4096u	/* bytes per OP_WRITE */
#define CONSOLE_READ_MAX	4096u	/* bytes per OP_READ reply */
#define CONSOLE_READERS_MAX	16u	/* OP_READs waiting at once */
#define CONSOLE_RX_BUFFER	4096u	/* received bytes kept for readers */
#define CONSOLE_READ_INTR	1u	/* OP_READ offset: wait for ^C */
#define CONSOLE_READ_INTR_END	2u	/* OP_READ offset: stop waiting, drop a task's READs */
#define CONSOLE_INTR_BYTE	0x03	/* ^C */

/* OP_INFO reply data.  A server fills what it knows and leaves the rest 0;
 * counters run since the server started. */
struct console_info {
	uint64_t rx_bytes;	/* received from the line and kept for readers */
	uint64_t tx_bytes;	/* written to the line by OP_WRITE */
	uint64_t rx_overruns;	/* received bytes lost: buffer full or UART overrun */
	uint64_t klog_bytes;	/* kernel log bytes copied to the line */
	uint32_t kind;		/* CONSOLE_KIND_*: what the text ends up on */
	uint32_t cols, rows;	/* terminal size in cells; 0 = unknown (a line) */
	uint32_t reserved;	/* zero */
};
_Static_assert(sizeof(struct console_info) == 48, "console info is ABI");

#define CONSOLE_KIND_UART	1u	/* a serial line (uart0, console out=uart) */
#define CONSOLE_KIND_GPU	2u	/* text drawn on a framebuffer (console out=gpu) */

#endif
