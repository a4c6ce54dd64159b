/*
 * virtio-input: the input server of one virtio-input PCI function, a thin
 * layer over the virtio_input library and the US key map.  Spawned by the
 * PCI server with the function's config page, BARs and IRQ (docs/pci.md),
 * it registers the first free name of input0, input1, ... and speaks the
 * input protocol of <tessera/proto_input.h> (docs/input.md):
 *   OP_READ  offset INPUT_READ_EVENTS: raw event records; offset
 *            INPUT_READ_TEXT: characters (keyboards); held until data comes
 *   OP_INFO  struct input_info
 * other opcodes -ERR_NOTSUP.
 *
 * Every event from the device goes into the event FIFO and, on a keyboard,
 * through the key map into the text FIFO; each FIFO drops its oldest entry
 * when full (drops, text_drops).  A reader of one stream never waits for
 * the other.  Readers with a held READ are watched, so the READs of a task
 * that dies are dropped instead of eating events later.
 *
 * Usage: virtio-input pci=BB:DD.F id=VVVV:DDDD cfg=0x.. barN=0x../0x.. irq=N
 */
#include <stdio.h>
#include <string.h>

#include <dux/dux.h>
#include <input/keymap.h>
#include <input/virtio_input.h>
#include <tessera/abi.h>
#include <tessera/le.h>
#include <tessera/proto_input.h>
#include <virtio/vsrv.h>

#define INPUT_VA	0x2000000000ul	/* device mappings (VINPUT_VA_SPAN) */
#define RING		64u		/* dux ring entries */
#define EV_FIFO		256u		/* events waiting for a raw READ */
#define TEXT_FIFO	1024u		/* characters waiting for a text READ */
#define EV_BATCH	32u		/* events taken from the device at once */
#define WATCH_MAX	INPUT_PENDING_MAX
#define POLL_NS		(1ull * 1000000)	/* no interrupt, a READ held */
#define IDLE_POLL_NS	(10ull * 1000000)	/* no interrupt, nobody reading */
#define SAFETY_NS	(100ull * 1000000)	/* interrupt mode: re-check period */
#define REC		sizeof(struct input_event_rec)

static struct vsrv srv = { .drv = "virtio-input", .prefix = "input" };
static const struct vsrv_times times = { POLL_NS, IDLE_POLL_NS, SAFETY_NS };
static struct vinput dev;
static struct keymap km;

/* FIFOs: free-running counters, [head, tail) waiting. */
static struct input_event_rec evf[EV_FIFO];
static uint32_t ev_head, ev_tail;
static char txt[TEXT_FIFO];
static uint32_t tx_head, tx_tail;
static uint64_t ev_drops, text_drops;

/* READs held until data comes, oldest first. */
static struct ts_packet *pending[INPUT_PENDING_MAX];
static unsigned npend;

/* Tasks we asked the kernel to watch (TERMINATE when they end). */
static struct {
	ts_addr tid;
	uint64_t id;	/* the WATCH request, to match its error reply */
} watches[WATCH_MAX];
static unsigned nwatch;

/* COPY data of replies: read by the kernel at the flush, so a buffer is
 * reused only once the transmit ring was empty after a flush. */
static uint8_t out[INPUT_PENDING_MAX][INPUT_READ_MAX];
static unsigned nout;
static struct input_info info_buf;

/* Done with a request: its data pages and its slot. */
static void
drop(struct ts_packet *req)
{
	dux_data_free(req);
	dux_done(req);
}

static void
reply_info(const struct ts_packet *req)
{
	memset(&info_buf, 0, sizeof(info_buf));
	info_buf.kind = dev.kind;
	info_buf.flags = (dev.irqs.on ? INPUT_INFO_IRQ : 0) | (dev.broken ? INPUT_INFO_BROKEN : 0);
	size_t n = strlen(dev.name);
	memcpy(info_buf.name, dev.name, n < INPUT_NAME_MAX - 1 ? n : INPUT_NAME_MAX - 1);
	info_buf.events = dev.stats.events;
	info_buf.drops = ev_drops;
	info_buf.text_drops = text_drops;
	info_buf.errors = dev.stats.errors;
	dux_reply_data(req, (int)sizeof(info_buf), &info_buf, sizeof(info_buf));
}

/* Drop every held READ of task `tid`. */
static void
forget_reads(ts_addr tid)
{
	unsigned k = 0;

	for (unsigned i = 0; i < npend; i++) {
		if (pending[i]->addr == tid)
			dux_done(pending[i]);
		else
			pending[k++] = pending[i];
	}
	npend = k;
}

static int
has_reads(ts_addr tid)
{
	for (unsigned i = 0; i < npend; i++)
		if (pending[i]->addr == tid)
			return 1;
	return 0;
}

static void
unwatch_slot(unsigned i)
{
	watches[i] = watches[--nwatch];
}

/* Make sure the kernel tells us when `tid` ends.  Best effort: when no
 * watch can be sent the READ is held anyway (a dead reader's reply then
 * just fails). */
static void
watch(ts_addr tid)
{
	unsigned i;

	for (i = 0; i < nwatch; i++)
		if (watches[i].tid == tid)
			return;
	if (nwatch == WATCH_MAX) {
		/* Fewer than WATCH_MAX readers hold READs: one watched task has
		 * none; let it go. */
		for (i = 0; i < nwatch && has_reads(watches[i].tid); i++)
			;
		struct ts_packet *p = i < nwatch ? dux_alloc() : NULL;
		if (!p)
			return;
		p->opcode = OP_UNWATCH;
		p->handle = watches[i].tid;
		dux_request(IPC_ADDR_KERNEL, p);
		unwatch_slot(i);
	}
	long id = dux_watch(tid);
	if (id > 0) {
		watches[nwatch].tid = tid;
		watches[nwatch++].id = (uint64_t)id;
	}
}

/* OP_READ: decode; 0 when it is held, else the error to reply. */
static int
hold_read(struct ts_packet *req)
{
	if ((req->flags & PKT_DATA_MASK) != PKT_DATA_NONE)
		return -ERR_INVAL;	/* a READ carries no data; len is a number */
	if (req->offset == INPUT_READ_EVENTS) {
		if (req->len < REC)
			return -ERR_INVAL;
	} else if (req->offset == INPUT_READ_TEXT) {
		if (req->len < 1)
			return -ERR_INVAL;
		if (dev.kind != INPUT_KIND_KEYBOARD)
			return -ERR_NOTSUP;
	} else {
		return -ERR_INVAL;
	}
	if (npend == INPUT_PENDING_MAX)
		return -ERR_AGAIN;
	watch(req->addr);
	pending[npend++] = req;
	return 0;
}

/* Packets from the kernel: TERMINATE of a watched reader, the answer to a
 * WATCH, error completions of our replies. */
static void
kernel_packet(struct ts_packet *p)
{
	unsigned i;

	if (p->opcode == OP_TERMINATE && !(p->flags & PKT_REPLY) && (p->flags & PKT_KERNEL)) {
		forget_reads(p->addr);
		for (i = 0; i < nwatch; i++)
			if (watches[i].tid == p->addr)
				unwatch_slot(i);
	} else if (p->opcode == OP_WATCH && (p->flags & PKT_REPLY) && p->status < 0) {
		for (i = 0; i < nwatch; i++)	/* the reader is gone already */
			if (watches[i].id == p->id) {
				forget_reads(watches[i].tid);
				unwatch_slot(i);
				break;
			}
	}
	drop(p);
}

/* Answer one request now, or hold a READ.  A slot for the reply is always
 * free: RING > INPUT_PENDING_MAX. */
static void
serve(struct ts_packet *req)
{
	int rc;

	if (req->flags & (PKT_REPLY | PKT_KERNEL)) {
		kernel_packet(req);
		return;
	}
	switch (req->opcode) {
	case OP_READ:
		if ((rc = hold_read(req)) == 0)
			return;
		dux_reply(req, rc, NULL, 0);
		break;
	case OP_INFO:
		reply_info(req);
		break;
	default:
		dux_reply(req, -ERR_NOTSUP, NULL, 0);
	}
	drop(req);
}

static void
push_event(const struct input_event_rec *e)
{
	char c[KEYMAP_OUT_MAX];

	if (ev_tail - ev_head == EV_FIFO) {
		ev_head++;
		ev_drops++;
	}
	evf[ev_tail++ % EV_FIFO] = *e;
	if (dev.kind != INPUT_KIND_KEYBOARD)
		return;
	int n = keymap_feed(&km, e->type, e->code, e->value, c, sizeof(c));
	for (int i = 0; i < n; i++) {
		if (tx_tail - tx_head == TEXT_FIFO) {
			tx_head++;
			text_drops++;
		}
		txt[tx_tail++ % TEXT_FIFO] = c[i];
	}
}

/* Events from the device into the FIFOs. */
static void
take_events(void)
{
	struct input_event_rec ev[EV_BATCH];
	int n;

	while ((n = vinput_recv(&dev, ev, EV_BATCH)) > 0)
		for (int i = 0; i < n; i++)
			push_event(&ev[i]);
	if (n < 0 && dev.err) {
		printf("virtio-input: %s\n", dev.err);
		dev.err = NULL;
	}
}

/* Fill buf (cap bytes) for READ req from its FIFO: bytes, 0 if empty. */
static size_t
fill(const struct ts_packet *req, uint8_t *buf)
{
	size_t cap = req->len < INPUT_READ_MAX ? (size_t)req->len : INPUT_READ_MAX, n = 0;

	if (req->offset == INPUT_READ_TEXT) {
		for (; n < cap && tx_head != tx_tail; n++)
			buf[n] = (uint8_t)txt[tx_head++ % TEXT_FIFO];
		return n;
	}
	for (; n + REC <= cap && ev_head != ev_tail; n += REC) {
		const struct input_event_rec *e = &evf[ev_head++ % EV_FIFO];
		le16_put(buf + n, e->type);
		le16_put(buf + n + 2, e->code);
		le32_put(buf + n + 4, (uint32_t)e->value);
	}
	return n;
}

/* Held READs whose stream has data get it, oldest first. */
static void
answer_reads(void)
{
	unsigned k = 0, i;

	for (i = 0; i < npend; i++) {
		struct ts_packet *req = pending[i];
		int ready = req->offset == INPUT_READ_TEXT ? tx_head != tx_tail
							   : ev_head != ev_tail;
		uint32_t ev_was = ev_head, tx_was = tx_head;
		if (ready && nout < INPUT_PENDING_MAX) {
			size_t n = fill(req, out[nout]);
			if (dux_reply_data(req, (int)n, out[nout], n) == 0) {
				nout++;
				dux_done(req);
				continue;
			}
			ev_head = ev_was;	/* no slot: the data stays queued */
			tx_head = tx_was;
		}
		pending[k++] = req;
	}
	npend = k;
}

static void
run(void)
{
	struct ts_packet *req;

	for (;;) {
		uint32_t seen = dev.irqs.nirq;
		take_events();
		while ((req = dux_recv()))
			serve(req);
		answer_reads();
		dux_flush();
		unsigned txq = dux_tx_pending();
		if (!txq)
			nout = 0;	/* every reply's data was read */
		unsigned st = (dev.irqs.nirq != seen || vinput_rearm(&dev) ? VSRV_AGAIN : 0) |
			      (txq ? VSRV_TXQ : 0) | (npend ? VSRV_BUSY : 0);
		dux_wait(vsrv_wait_ns(dev.irqs.on, st, &times));
	}
}

int
main(int argc, char **argv)
{
	int rc;

	if (vsrv_args(&srv, argc, argv) < 0)
		return 1;
	if ((rc = vinput_attach(&dev, &srv.args, INPUT_VA)) < 0)
		return vsrv_fail(&srv, dev.err, rc);
	keymap_init(&km);
	if (vsrv_register(&srv, dux_init(RING)) < 0)
		return 1;
	rc = vinput_irq_start(&dev);
	printf("virtio-input %s: %s: %s \"%s\", events 0x%x, queue %u, %s\n", srv.who, srv.name,
	       vinput_kind_name(dev.kind), dev.name, (unsigned)dev.ev_types, dev.evq.size,
	       rc == 0 ? "interrupts" : "polling");
	run();
	return 0;
}
