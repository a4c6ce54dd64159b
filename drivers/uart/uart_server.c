/*
 * uart: the ns16550 driver and console server, a thin layer over uart_lib.
 * Started by uart_spawn (unprivileged, with grants for the UART's page and
 * interrupt), it takes the device, claims the kernel console
 * (console_claim), registers "uart0" and then, in one loop:
 *   - copies the kernel log to the line whenever the kernel says bytes wait
 *     (notification NOTIFY_KLOG; also every BACKSTOP_NS in case a
 *     notification could not be queued);
 *   - receives on the RX interrupt into a bounded buffer;
 *   - serves the console protocol (<tessera/proto_console.h>, docs/uart.md).
 * If it ends in any way, the kernel takes the console back.
 *
 * Usage: uart base=0x<physical address> [irq=N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dux/dux.h>
#include <tessera/abi.h>
#include <tessera/proto_console.h>
#include <uart/uart.h>

#define UART_VA		0x2000000000ul
#define RING		64u		/* dux ring entries: > CONSOLE_READERS_MAX + replies */
#define STAGE		(16u << 10)	/* READ/INFO reply data until the kernel copies it */
#define POLL_NS		(2ull * 1000000)	/* no interrupt: receive poll period */
#define BACKSTOP_NS	(100ull * 1000000)	/* re-check the kernel log */

static struct uart dev;
static uint32_t irq;
static int irq_on, console_owned;
static volatile int klog_due = 1;
static uint8_t note_stack[8192] __attribute__((aligned(16)));
static char klog_buf[4096];

/* Waiting READs, oldest first. */
static struct ts_packet *readers[CONSOLE_READERS_MAX];
static unsigned rd_head, rd_count;
#define WATCH_MAX 4
static ts_addr watching[WATCH_MAX];	/* readers whose end we watch */

/* Reply data lives here until the kernel has consumed the replies. */
static uint8_t stage[STAGE];
static size_t stage_used;

static void
on_note(uint64_t source, uint64_t value)
{
	if (source == NOTIFY_SRC_KERNEL && value == NOTIFY_KLOG) {
		klog_due = 1;
	} else if (irq_on && source == IRQ_SOURCE(irq)) {
		uart_rx(&dev);
		sys_irq_complete(irq);
	}
}

/* Kernel log -> line, until the ring is empty. */
static void
copy_klog(void)
{
	long n;

	klog_due = 0;
	if (!console_owned)
		return;
	while ((n = sys_klog_read(klog_buf, sizeof(klog_buf))) > 0)
		dev.stats.klog_bytes += uart_tx(&dev, klog_buf, (size_t)n, 1);
}

/* A reply with COPY data staged in `stage`; 0 or -1 when no room is left
 * until the next flush. */
static int
reply_staged(const struct ts_packet *req, int status, const void *data, size_t len)
{
	if (STAGE - stage_used < len)
		return -1;
	memcpy(stage + stage_used, data, len);	/* unused until counted below */
	if (dux_reply_data(req, status, stage + stage_used, len) < 0)
		return -1;
	stage_used += len;
	return 0;
}

/* OP_WRITE: decode, then write.  The reply's status. */
static int
do_write(const struct ts_packet *req)
{
	if ((req->flags & PKT_DATA_MASK) == PKT_DATA_NONE || req->len == 0)
		return -ERR_INVAL;
	if (req->len > CONSOLE_WRITE_MAX)
		return -ERR_TOOBIG;
	copy_klog();	/* keep the kernel's earlier lines first */
	size_t n = uart_tx(&dev, (const void *)(uintptr_t)req->data, (size_t)req->len, 0);
	dev.stats.tx_bytes += n;
	return n ? (int)n : -ERR_IO;
}

/* Watch the task of a reader once (up to WATCH_MAX of them), so that its
 * held READs can be dropped when it ends. */
static void
watch_reader(ts_addr who)
{
	int free_at = -1;

	for (int i = 0; i < WATCH_MAX; i++) {
		if (watching[i] == who)
			return;
		if (!watching[i] && free_at < 0)
			free_at = i;
	}
	if (free_at >= 0 && dux_watch(who) > 0)
		watching[free_at] = who;
}

/* Task `dead` ended (a restarted console's old task): drop its held READs,
 * whose replies would take typed bytes to nobody. */
static void
reader_ended(ts_addr dead)
{
	unsigned kept = 0;

	for (unsigned i = 0; i < rd_count; i++) {
		struct ts_packet *r = readers[(rd_head + i) % CONSOLE_READERS_MAX];
		if (r->addr == dead)
			dux_done(r);
		else
			readers[(rd_head + kept++) % CONSOLE_READERS_MAX] = r;
	}
	rd_count = kept;
	for (int i = 0; i < WATCH_MAX; i++)
		if (watching[i] == dead)
			watching[i] = 0;
}

static void
serve(struct ts_packet *req)
{
	ts_addr dead = dux_watch_ended(req);
	if (dead)
		reader_ended(dead);
	if (req->flags & (PKT_REPLY | PKT_KERNEL)) {
		dux_done(req);	/* error completions of our replies, TERMINATE */
		return;
	}
	switch (req->opcode) {
	case OP_WRITE:
		dux_reply(req, do_write(req), NULL, 0);
		break;
	case OP_READ:
		if ((req->flags & PKT_DATA_MASK) != PKT_DATA_NONE || req->len == 0) {
			dux_reply(req, -ERR_INVAL, NULL, 0);
		} else if (rd_count == CONSOLE_READERS_MAX) {
			dux_reply(req, -ERR_AGAIN, NULL, 0);
		} else {
			watch_reader(req->addr);
			readers[(rd_head + rd_count++) % CONSOLE_READERS_MAX] = req;
			return;		/* held until input comes */
		}
		break;
	case OP_INFO: {
		struct console_info info = dev.stats;
		info.kind = CONSOLE_KIND_UART;
		if (reply_staged(req, 0, &info, sizeof(info)) < 0)
			dux_reply(req, -ERR_AGAIN, NULL, 0);
		break;
	}
	default:
		dux_reply(req, -ERR_NOTSUP, NULL, 0);
	}
	dux_data_free(req);
	dux_done(req);
}

/* Waiting READs get input, first come first served. */
static void
answer_reads(void)
{
	static uint8_t tmp[CONSOLE_READ_MAX];

	while (rd_count && uart_rx_avail(&dev)) {
		struct ts_packet *req = readers[rd_head];
		size_t want = req->len < CONSOLE_READ_MAX ? (size_t)req->len : CONSOLE_READ_MAX;
		size_t avail = uart_rx_avail(&dev);
		size_t n = want < avail ? want : avail;
		if (n > STAGE - stage_used || !dux_free_slots())
			return;		/* after the flush */
		n = uart_rx_take(&dev, tmp, n);
		reply_staged(req, (int)n, tmp, n);
		dux_done(req);
		rd_head = (rd_head + 1) % CONSOLE_READERS_MAX;
		rd_count--;
	}
}

static void
run(void)
{
	struct ts_packet *req;

	for (;;) {
		if (klog_due)
			copy_klog();
		if (!irq_on)
			uart_rx(&dev);
		while ((req = dux_recv()))
			serve(req);
		answer_reads();
		dux_flush();
		unsigned txq = dux_tx_pending();
		if (!txq)
			stage_used = 0;		/* every reply's data was copied */
		uint64_t t = BACKSTOP_NS;
		if (klog_due || (rd_count && uart_rx_avail(&dev)))
			t = 0;
		else if (!irq_on || txq)
			t = POLL_NS;
		dux_wait(t);
	}
}

/* "key=0x..." or "key=N" from argv. */
static int
arg_num(int argc, char **argv, const char *key, uint64_t *v)
{
	size_t kl = strlen(key);

	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], key, kl) == 0 && argv[i][kl] == '=') {
			char *end;
			*v = strtoull(argv[i] + kl + 1, &end, 0);
			return *end == 0 && end != argv[i] + kl + 1 ? 0 : -1;
		}
	}
	return -1;
}

int
main(int argc, char **argv)
{
	uint64_t base, n = 0;
	long rc;

	if (arg_num(argc, argv, "base", &base) < 0 ||
	    (arg_num(argc, argv, "irq", &n) < 0 && n) || n > IRQ_MAX) {
		printf("uart: bad arguments (want base=0x.. irq=N)\n");
		return 1;
	}
	irq = (uint32_t)n;
	uint64_t page = base & ~(TS_PAGE_SIZE - 1);
	if ((rc = sys_mem_map_device(UART_VA, page, TS_PAGE_SIZE)) < 0) {
		printf("uart: map 0x%llx: %s\n", (unsigned long long)page, ts_strerror((int)rc));
		return 1;
	}
	if ((rc = dux_init(RING)) < 0 ||
	    (rc = dux_notify_handler(on_note, note_stack, sizeof(note_stack))) < 0) {
		printf("uart: setup: %s\n", ts_strerror((int)rc));
		return 1;
	}
	uart_init(&dev, (volatile uint8_t *)(UART_VA + (base - page)));
	irq_on = irq != 0;	/* before the reserve: an interrupt may come at once */
	if (irq_on && sys_irq_reserve(irq) < 0)
		irq_on = 0;
	rc = sys_console_claim(1);
	console_owned = rc == 0;
	/* Logged before registering: whoever waits for the service sees it
	 * come first. */
	printf("uart: ns16550 at 0x%llx, %s, %s\n", (unsigned long long)base,
	       irq_on ? "receive interrupts" : "receive polling",
	       console_owned ? "kernel console handed over" : "kernel console not claimed");
	if ((rc = dux_register(CONSOLE_UART_SERVICE)) < 0) {
		printf("uart: register %s: %s\n", CONSOLE_UART_SERVICE, ts_strerror((int)rc));
		return 1;
	}
	run();
	return 0;
}
