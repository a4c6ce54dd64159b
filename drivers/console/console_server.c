/*
 * console: the text console server (docs/console.md).  Output goes to the
 * GPU (text drawn with a PSF font into the framebuffer of a framebuffer
 * service such as gpu0) or to the UART (the uart0 service); input comes
 * from keyboards (inputN services, text mode) and/or the UART.  It
 * registers `console` (or name=) and serves the console protocol:
 *   OP_WRITE  text in the data (COPY/MOVE/SHARE, 1..CONSOLE_WRITE_MAX bytes) ->
 *             status = bytes written, once they are on the screen
 *   OP_READ   len = most bytes wanted (>= 1, capped at CONSOLE_READ_MAX) ->
 *             COPY data of the typed bytes, at least one; held until a key
 *             comes
 *   OP_INFO   -> COPY data struct console_info (kind, columns, rows)
 * other opcodes -ERR_NOTSUP (proto_console.h has the details).  Input is raw: no echo, no line editing (the
 * shell does both); the terminal understands the VT100 subset of
 * console/term.h.
 *
 * Usage: console [out=gpu|uart] [fb=gpu0] [in=NAME,NAME...] [name=console]
 *   out=gpu:  fb defaults to gpu0, in to every keyboard of input0..input3
 *   out=uart: output to uart0, in defaults to uart0
 * Services it needs are waited for up to CON_WAIT_NS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <console/fbtext.h>
#include <console/psf.h>
#include <console/term.h>
#include <dux/dux.h>
#include <tessera/abi.h>
#include <tessera/proto_console.h>
#include <tessera/proto_fb.h>
#include <tessera/proto_input.h>

#define RING		64u
#define RANGE_SIZE	(32ul << 20)	/* a receive range: 4096x2048 pixels */
#define CON_WAIT_NS	(5ull * 1000000000)	/* for services at start */
#define CALL_NS		(2ull * 1000000000)	/* one request to a device server */
#define MAX_INPUTS	4u
#define PENDING_MAX	16u
#define INQ		4096u		/* typed bytes waiting for a READ */
#define SRC_READ	256u		/* bytes asked of an input source */
#define SOURCE_POLL_NS	(100ull * 1000000)	/* look-ups of a lost input source */
#define FG		0x00e0e0e0u
#define BG		0x00101828u

extern const uint8_t console_font[];
extern const uint8_t console_font_end[];

/* Output. */
static enum { OUT_GPU, OUT_UART } out_kind;
static ts_addr out_tid;			/* gpu0 or uart0 */
static struct psf font;
static struct term term;
static struct fbtext view;
static struct fb_info fbi;
static uint32_t *pixels;		/* MAPped framebuffer or our own copy */
static int mapped;
static struct ts_packet map_rep;	/* the OP_MAP reply: its pages are pixels */
static const char *fb_name;		/* the framebuffer service (fb=) */
static int fb_lost, reattaching;	/* no framebuffer came back; in gpu_reattach */

/* Input: sources, typed bytes, held READs. */
struct source {
	ts_addr tid;
	uint64_t id;			/* outstanding READ, 0 = none */
	uint64_t offset;		/* READ mode (text for keyboards) */
	ts_addr dead;			/* the server that failed it last */
	char name[16];
};
static struct source src[MAX_INPUTS];
static unsigned nsrc;
static uint8_t inq[INQ];
static unsigned inq_head, inq_tail;	/* free-running */
static struct ts_packet *pending[PENDING_MAX];
static unsigned pend_head, pend_count;
static uint8_t read_buf[CONSOLE_READ_MAX];	/* a READ reply's data until flushed */
static struct ts_packet *intr_req;	/* held OP_READ CONSOLE_READ_INTR, or NULL */
static ts_addr intr_owner;		/* the task that sent the last one */
static ts_addr intr_victim;		/* the task a ^C ended, until INTR_END */
static struct console_info info_buf;

static const char *
arg(int argc, char **argv, const char *key, const char *dflt)
{
	size_t n = strlen(key);

	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], key, n) && argv[i][n] == '=')
			return argv[i] + n + 1;
	return dflt;
}

/* The tid of service `name`, waiting up to `ns` for it to appear. */
static long
wait_service(const char *name, uint64_t ns)
{
	uint64_t end = (uint64_t)sys_time() + ns;
	long tid;

	while ((tid = dux_lookup(name)) < 0 && (uint64_t)sys_time() < end)
		sys_sleep(10 * 1000000ull);
	return tid;
}

static int
call(ts_addr to, uint16_t op, uint64_t offset, const void *data, size_t len,
     struct ts_packet *rep)
{
	struct ts_packet req = { .opcode = op, .offset = offset };

	if (data) {
		req.flags = PKT_DATA_COPY;
		req.data = (uint64_t)(uintptr_t)data;
		req.len = len;
	}
	return dux_call(to, &req, rep, CALL_NS);
}

static void gpu_reattach(void);

/* Send pixel rectangle r to the display and flush it. */
static void
gpu_push(const struct fbtext_rect *r)
{
	struct ts_packet rep;

	if (!mapped) {
		static uint32_t band[IPC_COPY_MAX / 4];
		unsigned rows = IPC_COPY_MAX / (r->w * 4u);
		for (unsigned y = r->y; y < r->y + r->h; y += rows) {
			unsigned h = r->y + r->h - y < rows ? r->y + r->h - y : rows;
			for (unsigned i = 0; i < h; i++)
				memcpy(band + (size_t)i * r->w,
				    pixels + (size_t)(y + i) * fbi.width + r->x, r->w * 4u);
			call(out_tid, OP_WRITE, FB_RECT(r->x, y, r->w, h), band,
			    (size_t)r->w * h * 4u, &rep);
			dux_data_free(&rep);
		}
	}
	int rc = call(out_tid, OP_FLUSH, FB_RECT(r->x, r->y, r->w, r->h), NULL, 0, &rep);
	dux_data_free(&rep);
	if ((rc == -ERR_CLOSED || rc == -ERR_SRCH) && !reattaching) {
		reattaching = 1;
		gpu_reattach();
		reattaching = 0;
	}
}

/* Draw what changed since the last sync. */
static void
gpu_sync(void)
{
	struct term_damage d;
	struct fbtext_rect r;

	if (fb_lost)
		return;
	term_take_damage(&term, &d);
	if (fbtext_render(&view, &term, &d, &r))
		gpu_push(&r);
}

/* Map the whole framebuffer of server `fb` (OP_MAP): 0 and *px, or -ERR_*.
 * The reply stays in map_rep (its pages are the mapping). */
static int
fb_map(ts_addr fb, const struct fb_info *fi, void **px)
{
	struct ts_packet *rep = &map_rep;
	int rc = call(fb, OP_MAP, 0, NULL, 0, rep);

	if (rc < 0)
		return rc;
	if ((rep->flags & PKT_DATA_MASK) != PKT_DATA_SHARE || rep->len < fi->size) {
		dux_data_free(rep);
		return -ERR_IO;
	}
	*px = (void *)(uintptr_t)rep->data;
	return 0;
}

/* Whether input server `tid` is a keyboard. */
static int
input_is_keyboard(ts_addr tid)
{
	struct ts_packet rep;
	struct input_info ii;
	int rc = call(tid, OP_INFO, 0, NULL, 0, &rep);

	if (rc < 0 || rep.len < sizeof(ii)) {
		dux_data_free(&rep);
		return 0;
	}
	memcpy(&ii, (const void *)(uintptr_t)rep.data, sizeof(ii));
	dux_data_free(&rep);
	return ii.kind == INPUT_KIND_KEYBOARD;
}

/* Attach to framebuffer service `fb`: its INFO, checked, and its pixels
 * mapped (OP_MAP) or a copy of our own.  0, or -1 after a log line. */
static int
fb_attach(const char *fb)
{
	struct ts_packet rep;
	long tid = wait_service(fb, CON_WAIT_NS);
	int rc;

	if (tid < 0) {
		printf("console: no framebuffer service %s\n", fb);
		return -1;
	}
	out_tid = (ts_addr)tid;
	rc = call(out_tid, OP_INFO, 0, NULL, 0, &rep);
	if (rc < 0 || rep.len < sizeof(fbi)) {
		printf("console: %s INFO: %s\n", fb, ts_strerror(rc < 0 ? rc : -ERR_IO));
		return -1;
	}
	memcpy(&fbi, (const void *)(uintptr_t)rep.data, sizeof(fbi));
	dux_data_free(&rep);
	if (fbi.format != FB_FORMAT_XRGB8888 || fbi.width < font.width ||
	    fbi.height < font.height || fbi.width > 8192 || fbi.height > 8192 ||
	    fbi.stride < fbi.width * FB_BPP) {
		printf("console: %s: unusable framebuffer %ux%u format %u\n", fb, fbi.width,
		       fbi.height, fbi.format);
		return -1;
	}
	mapped = fb_map(out_tid, &fbi, (void **)&pixels) == 0;
	if (!mapped) {
		pixels = calloc((size_t)fbi.width * fbi.height, 4);
		if (!pixels)
			return -1;
		fbi.stride = fbi.width * 4;
	}
	view = (struct fbtext){ .font = &font, .px = pixels, .stride = fbi.stride / 4,
		.fg = FG, .bg = BG, .cursor = 1 };
	return 0;
}

/* Draw every cell of the terminal again and send the whole screen. */
static void
redraw_all(void)
{
	struct fbtext_rect all = { 0, 0, fbi.width, fbi.height };

	for (size_t i = 0; i < (size_t)fbi.stride / 4 * fbi.height; i++)
		pixels[i] = BG;
	term_take_damage(&term, &(struct term_damage){ 0 });
	fbtext_render(&view, &term, &(struct term_damage){ .x1 = term.cols, .y1 = term.rows },
		      &all);
	all = (struct fbtext_rect){ 0, 0, fbi.width, fbi.height };
	gpu_push(&all);
}

/* The framebuffer server ended (the PCI server restarts the GPU driver):
 * drop the old pixels, attach to the new server (same size) and draw the
 * terminal again.  On failure the screen stays as it is (fb_lost). */
static void
gpu_reattach(void)
{
	uint32_t w = fbi.width, h = fbi.height;

	if (mapped)
		dux_data_free(&map_rep);
	else
		free(pixels);
	pixels = NULL;
	mapped = 0;
	printf("console: %s ended; attaching again\n", fb_name);
	if (fb_attach(fb_name) < 0 || fbi.width != w || fbi.height != h) {
		printf("console: %s: no framebuffer of %ux%u back; output is dropped\n", fb_name,
		       w, h);
		fb_lost = 1;
		return;
	}
	redraw_all();
	printf("console: %s back (tid %lu)\n", fb_name, (unsigned long)out_tid);
}

/* Attach to the framebuffer and start the terminal on it. */
static int
gpu_setup(const char *fb)
{
	fb_name = fb;
	if (fb_attach(fb) < 0)
		return -1;
	unsigned cols = fbi.width / font.width, rows = fbi.height / font.height;
	uint8_t *cells = malloc((size_t)cols * rows);
	if (!cells)
		return -1;
	term_init(&term, cols, rows, cells);
	redraw_all();
	printf("console: %s %ux%u, %ux%u cells of %ux%u, %s\n", fb, fbi.width, fbi.height,
	       cols, rows, font.width, font.height, mapped ? "mapped" : "copied");
	return 0;
}

/* Write [line, line+k) to the UART service.  A UART server that ended
 * (init restarts it) is looked up again, waiting up to CON_WAIT_NS, and the
 * write sent once more.  0, or -ERR_IO (never the UART's -ERR_CLOSED: the
 * console itself is still there). */
static int
uart_write(const char *line, size_t k)
{
	struct ts_packet rep;
	int rc = call(out_tid, OP_WRITE, 0, line, k, &rep);

	if (rc == -ERR_CLOSED || rc == -ERR_SRCH) {
		long tid = wait_service(CONSOLE_UART_SERVICE, CON_WAIT_NS);
		if (tid >= 0 && (ts_addr)tid != out_tid) {
			out_tid = (ts_addr)tid;
			rc = call(out_tid, OP_WRITE, 0, line, k, &rep);
		}
	}
	return rc < 0 ? -ERR_IO : 0;
}

/* Output n bytes; 0 or -ERR_*. */
static int
out_write(const void *buf, size_t n)
{
	int rc;

	if (out_kind == OUT_GPU) {
		term_write(&term, buf, n);
		return 0;
	}
	/* ONLCR: "\n" becomes "\r\n" on the line. */
	static char line[CONSOLE_WRITE_MAX];
	const char *s = buf;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k + 2 > sizeof(line)) {
			if ((rc = uart_write(line, k)) < 0)
				return rc;
			k = 0;
		}
		if (s[i] == '\n')
			line[k++] = '\r';
		line[k++] = s[i];
	}
	return uart_write(line, k);
}

static void
add_source(const char *name, uint64_t offset)
{
	if (nsrc == MAX_INPUTS)
		return;
	long tid = wait_service(name, CON_WAIT_NS);
	if (tid < 0) {
		printf("console: no input service %s\n", name);
		return;
	}
	struct source *s = &src[nsrc++];
	s->tid = (ts_addr)tid;
	s->offset = offset;
	snprintf(s->name, sizeof(s->name), "%s", name);
}

/* Keep one READ outstanding at every input source.  A source whose server
 * ended is looked up again by name (init or the PCI server restarts it);
 * returns how many are still missing. */
static unsigned
ask_sources(void)
{
	unsigned missing = 0;

	for (unsigned i = 0; i < nsrc; i++) {
		if (!src[i].tid) {
			long tid = dux_lookup(src[i].name);
			if (tid < 0 || (ts_addr)tid == src[i].dead) {
				missing++;
				continue;
			}
			src[i].tid = (ts_addr)tid;
			printf("console: input %s back (tid %ld)\n", src[i].name, tid);
		}
		if (src[i].id)
			continue;
		struct ts_packet *p = dux_alloc();
		if (!p)
			return missing;
		p->opcode = OP_READ;
		p->offset = src[i].offset;
		p->len = SRC_READ;
		src[i].id = dux_request(src[i].tid, p);
	}
	return missing;
}

/* Answer the held ^C request with `status` (1: ^C came, 0: no longer
 * wanted). */
static void
intr_answer(int status)
{
	dux_reply(intr_req, status, NULL, 0);
	dux_done(intr_req);
	intr_req = NULL;
}

/* Held READs of task `dead` are answered -ERR_CLOSED and dropped: their
 * replies would take typed bytes to a task that ends. */
static void
drop_reads(ts_addr dead)
{
	unsigned kept = 0;

	for (unsigned i = 0; i < pend_count; i++) {
		struct ts_packet *r = pending[(pend_head + i) % PENDING_MAX];
		if (dead && r->addr == dead) {
			dux_reply(r, -ERR_CLOSED, NULL, 0);
			dux_done(r);
			continue;
		}
		pending[(pend_head + kept++) % PENDING_MAX] = r;
	}
	pend_count = kept;
}

/* OP_READ CONSOLE_READ_INTR_END: the held ^C request is answered 0, held
 * READs of task `dead` are dropped, READs are taken again from the task a
 * ^C ended. */
static void
intr_end(ts_addr dead)
{
	if (intr_req)
		intr_answer(0);
	drop_reads(dead);
	intr_victim = 0;
}

/* ^C with a held INTR request: the shell ends the task named in it (its
 * foreground program); until INTR_END, that task's READs get nothing of
 * what is typed next. */
static void
intr_fire(void)
{
	intr_victim = (ts_addr)intr_req->handle;
	intr_answer(1);
	if (intr_victim)
		drop_reads(intr_victim);
}

/* A reply from an input source: its bytes join the queue (the oldest
 * typed bytes are kept when it is full). */
static void
source_reply(const struct ts_packet *p)
{
	for (unsigned i = 0; i < nsrc; i++) {
		if (src[i].id != p->id)
			continue;
		src[i].id = 0;
		if (p->status < 0) {
			printf("console: input %s: %s, waiting for it to come back\n",
			       src[i].name, ts_strerror(p->status));
			src[i].dead = src[i].tid;
			src[i].tid = 0;
			return;
		}
		const uint8_t *b = (const uint8_t *)(uintptr_t)p->data;
		size_t n = (p->flags & PKT_DATA_MASK) ? p->len : 0;
		for (size_t k = 0; k < n && inq_tail - inq_head < INQ; k++) {
			if (b[k] == CONSOLE_INTR_BYTE && intr_req) {
				intr_fire();	/* the shell ends its program */
				continue;
			}
			inq[inq_tail++ % INQ] = b[k];
		}
		return;
	}
}

/* Held READs get typed bytes, oldest first. */
static void
answer_reads(void)
{
	while (pend_count && inq_head != inq_tail) {
		struct ts_packet *req = pending[pend_head];
		size_t n = 0, want = req->len;
		unsigned head = inq_head;
		/* One reply in flight at a time: read_buf stays valid until the
		 * flush below. */
		while (n < want && inq_head != inq_tail)
			read_buf[n++] = inq[inq_head++ % INQ];
		if (dux_reply_data(req, (int)n, read_buf, n) < 0) {
			inq_head = head;	/* no slot: the bytes stay queued */
			return;
		}
		dux_done(req);
		pend_head = (pend_head + 1) % PENDING_MAX;
		pend_count--;
		dux_flush();
	}
}

static int
do_write(const struct ts_packet *req)
{
	if ((req->flags & PKT_DATA_MASK) == PKT_DATA_NONE || !req->len)
		return -ERR_INVAL;
	if (req->len > CONSOLE_WRITE_MAX)
		return -ERR_TOOBIG;
	int rc = out_write((const void *)(uintptr_t)req->data, (size_t)req->len);
	return rc < 0 ? rc : (int)req->len;
}

static void
reply_info(const struct ts_packet *req)
{
	info_buf = (struct console_info){ .kind = CONSOLE_KIND_UART };
	if (out_kind == OUT_GPU)
		info_buf = (struct console_info){ .kind = CONSOLE_KIND_GPU,
			.cols = term.cols, .rows = term.rows };
	if (dux_reply_data(req, 0, &info_buf, sizeof(info_buf)) == 0)
		dux_flush();	/* info_buf is free again at once */
}

/* Requests whose replies wait for the screen update. */
static struct ts_packet *done_writes[RING];
static int done_status[RING];
static unsigned ndone;

static void
serve(struct ts_packet *p)
{
	if (p->flags & PKT_REPLY) {
		if (!(p->flags & PKT_KERNEL) || p->opcode == OP_READ)
			source_reply(p);
		dux_data_free(p);
		dux_done(p);
		return;
	}
	if (p->flags & PKT_KERNEL) {		/* TERMINATE and the like */
		dux_done(p);
		return;
	}
	switch (p->opcode) {
	case OP_WRITE:
		if (ndone < RING) {
			done_status[ndone] = do_write(p);
			dux_data_free(p);
			done_writes[ndone++] = p;
			return;
		}
		dux_reply(p, -ERR_AGAIN, NULL, 0);
		break;
	case OP_READ:
		if (!p->len && p->offset == CONSOLE_READ_INTR && !(p->flags & PKT_DATA_MASK)) {
			if (intr_req)
				intr_answer(0);
			intr_req = p;
			intr_owner = p->addr;
			return;
		}
		if (!p->len && p->offset == CONSOLE_READ_INTR_END) {
			if (p->addr == intr_owner)	/* only the task that asked */
				intr_end((ts_addr)p->handle);
			dux_reply(p, 0, NULL, 0);
			break;
		}
		if (!p->len || (p->flags & PKT_DATA_MASK)) {
			dux_reply(p, -ERR_INVAL, NULL, 0);
			break;
		}
		if (intr_victim && p->addr == intr_victim) {
			dux_reply(p, -ERR_CLOSED, NULL, 0);	/* being ended by ^C */
			break;
		}
		if (p->len > CONSOLE_READ_MAX)
			p->len = CONSOLE_READ_MAX;
		if (pend_count < PENDING_MAX) {
			pending[(pend_head + pend_count++) % PENDING_MAX] = p;
			return;
		}
		dux_reply(p, -ERR_AGAIN, NULL, 0);
		break;
	case OP_INFO:
		reply_info(p);
		break;
	default:
		dux_reply(p, -ERR_NOTSUP, NULL, 0);
	}
	dux_data_free(p);
	dux_done(p);
}

static void
run(void)
{
	struct ts_packet *p;

	for (;;) {
		dux_wait(ask_sources() ? SOURCE_POLL_NS : DUX_FOREVER);
		while ((p = dux_recv()))
			serve(p);
		if (out_kind == OUT_GPU)
			gpu_sync();
		for (unsigned i = 0; i < ndone; i++) {
			dux_reply(done_writes[i], done_status[i], NULL, 0);
			dux_done(done_writes[i]);
		}
		ndone = 0;
		answer_reads();
	}
}

/* Input sources from in=a,b,... or the defaults of the output kind. */
static void
setup_inputs(const char *in)
{
	char list[64], *save = NULL;

	if (!in) {
		if (out_kind == OUT_UART) {
			add_source(CONSOLE_UART_SERVICE, 0);
			return;
		}
		for (unsigned i = 0; i < MAX_INPUTS; i++) {
			char name[16];
			snprintf(name, sizeof(name), "input%u", i);
			long tid = dux_lookup(name);
			if (tid >= 0 && input_is_keyboard((ts_addr)tid))
				add_source(name, INPUT_READ_TEXT);
		}
		return;
	}
	snprintf(list, sizeof(list), "%s", in);
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
		add_source(t, strncmp(t, "input", 5) ? 0 : INPUT_READ_TEXT);
}

int
main(int argc, char **argv)
{
	const char *out = arg(argc, argv, "out", "gpu");
	const char *name = arg(argc, argv, "name", "console");
	int rc;

	if (psf_open(&font, console_font, (size_t)(console_font_end - console_font)) < 0) {
		printf("console: built-in font: %s\n", font.err);
		return 1;
	}
	/* Ranges big enough for the whole framebuffer in one OP_MAP reply. */
	if ((rc = dux_init_ranges(RING, RANGE_SIZE)) < 0) {
		printf("console: dux_init: %s\n", ts_strerror(rc));
		return 1;
	}
	if (!strcmp(out, "gpu")) {
		out_kind = OUT_GPU;
		if (gpu_setup(arg(argc, argv, "fb", "gpu0")) < 0)
			return 1;
	} else if (!strcmp(out, "uart")) {
		out_kind = OUT_UART;
		long tid = wait_service(CONSOLE_UART_SERVICE, CON_WAIT_NS);
		if (tid < 0) {
			printf("console: no %s service\n", CONSOLE_UART_SERVICE);
			return 1;
		}
		out_tid = (ts_addr)tid;
	} else {
		printf("console: out=%s: want gpu or uart\n", out);
		return 1;
	}
	setup_inputs(arg(argc, argv, "in", NULL));
	if ((rc = dux_register(name)) < 0) {
		printf("console: register %s: %s\n", name, ts_strerror(rc));
		return 1;
	}
	printf("console: %s ready, output %s, %u input source%s\n", name, out, nsrc,
	       nsrc == 1 ? "" : "s");
	run();
	return 0;
}
