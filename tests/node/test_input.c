/*
 * virtio-input server test (QEMU with -device virtio-keyboard-pci and
 * -device virtio-tablet-pci; tests/node/input.cmake).  The tests start
 * `pci`, which spawns one `virtio-input` per function, and check:
 *   devices  input0/input1: one keyboard, one pointer (INFO kind, name)
 *   errors   bad READs, other opcodes, the held-READ limit, and that a dead
 *            reader's held READs are dropped
 *   text     INPUT_READ_TEXT until a whole line: the QMP script
 *            (input_type.py) types "Hello, World! 123\n" after "input: ready"
 *   raw      the same typing as raw records, exactly (shift, keys, EV_SYN),
 *            then a READ held before "input: raw ready" gets KEY_Z down/up
 *   pointer  a READ held before "input: pointer ready" gets the tablet's
 *            ABS_X/ABS_Y and BTN_LEFT that the script sends
 */
#include <string.h>

#include <dux/dux.h>
#include <linux/input-event-codes.h>
#include <tessera/le.h>
#include <tessera/proto_input.h>
#include "ttest.h"

#define SEC		1000000000ull
#define WAIT_NS		(20 * SEC)
#define TYPE_NS		(120 * SEC)	/* the host types slowly */
#define LINE		"Hello, World! 123\n"
#define KBD_NAME	"QEMU Virtio Keyboard"
#define TABLET_NAME	"QEMU Virtio Tablet"
#define REC		sizeof(struct input_event_rec)
#define MAX_EVENTS	256u

struct dev {
	long tid;
	char name[8];
	struct input_info info;
};

/* INFO of d into d->info. */
static int
info(struct dev *d)
{
	struct ts_packet req = { .opcode = OP_INFO }, rep;

	TT_EQ(dux_call((ts_addr)d->tid, &req, &rep, WAIT_NS), sizeof(d->info));
	TT_EQ(rep.len, sizeof(d->info));
	memcpy(&d->info, (const void *)(uintptr_t)rep.data, sizeof(d->info));
	dux_data_free(&rep);
	TT_EQ(d->info.name[INPUT_NAME_MAX - 1], 0);
	return 0;
}

/* Start pci unless it runs (an earlier test started it), then find input0
 * and input1: kbd gets the keyboard, ptr the pointer. */
static int
devices(struct dev *kbd, struct dev *ptr)
{
	struct dev d[2];
	uint64_t end = ts_now() + WAIT_NS;

	TT_EQ(dux_init(64), 0);
	if (dux_lookup("pci") < 0)
		TT_CHECK(ts_spawn("pci", NULL, 0, SPAWN_PRIV) > 0);
	for (int i = 0; i < 2; i++) {
		snprintf(d[i].name, sizeof(d[i].name), "input%d", i);
		while ((d[i].tid = dux_lookup(d[i].name)) < 0 && ts_now() < end)
			sys_sleep(10 * 1000000);
		TT_CHECK(d[i].tid > 0);
		if (info(&d[i]))
			return 1;
	}
	int k = d[0].info.kind == INPUT_KIND_KEYBOARD ? 0 : 1;
	*kbd = d[k];
	*ptr = d[1 - k];
	TT_EQ(kbd->info.kind, INPUT_KIND_KEYBOARD);
	TT_EQ(ptr->info.kind, INPUT_KIND_POINTER);
	return 0;
}

/* One READ: status (bytes or -ERR_*); the data into buf (cap bytes). */
static int
rd(const struct dev *d, uint64_t offset, uint64_t len, void *buf, size_t cap, uint64_t timeout)
{
	struct ts_packet req = { .opcode = OP_READ, .offset = offset, .len = len }, rep;
	int st = dux_call((ts_addr)d->tid, &req, &rep, timeout);

	if (st >= 0) {
		if (rep.len != (uint64_t)st || rep.len > cap) {
			printf("read: status %d, %llu bytes of data\n", st,
			       (unsigned long long)rep.len);
			st = -ERR_RANGE;
		} else {
			memcpy(buf, (const void *)(uintptr_t)rep.data, (size_t)rep.len);
		}
		dux_data_free(&rep);
	}
	return st;
}

/* Raw records: n bytes of wire data into ev[] (little endian). */
static unsigned
decode(const uint8_t *b, int n, struct input_event_rec *ev)
{
	unsigned k = 0;

	for (int i = 0; i + (int)REC <= n; i += (int)REC, k++) {
		ev[k].type = le16_get(b + i);
		ev[k].code = le16_get(b + i + 2);
		ev[k].value = (int32_t)le32_get(b + i + 4);
	}
	return k;
}

static int
devices_test(int argc, char **argv)
{
	struct dev kbd, ptr;

	(void)argc;
	(void)argv;
	if (devices(&kbd, &ptr))
		return 1;
	TT_EQ(strcmp(kbd.info.name, KBD_NAME), 0);
	TT_EQ(strcmp(ptr.info.name, TABLET_NAME), 0);
	for (const struct dev *d = &kbd; d; d = d == &kbd ? &ptr : NULL) {
		TT_EQ(d->info.flags, INPUT_INFO_IRQ);
		TT_EQ(d->info.events + d->info.drops + d->info.text_drops + d->info.errors, 0);
	}
	printf("input: keyboard %s \"%s\", pointer %s \"%s\"\n", kbd.name, kbd.info.name,
	       ptr.name, ptr.info.name);
	return 0;
}

/* Helper: hold INPUT_PENDING_MAX raw READs on argv[1], see the next one
 * refused with -ERR_AGAIN and nothing else answered, then exit with the
 * READs still held (the server must drop them). */
static int
hog(int argc, char **argv)
{
	uint64_t ids[INPUT_PENDING_MAX + 1];
	long tid;

	TT_EQ(argc, 2);
	TT_EQ(dux_init(64), 0);
	TT_CHECK((tid = dux_lookup(argv[1])) > 0);
	for (unsigned i = 0; i <= INPUT_PENDING_MAX; i++) {
		struct ts_packet *p = dux_alloc();
		TT_CHECK(p);
		p->opcode = OP_READ;
		p->offset = INPUT_READ_EVENTS;
		p->len = REC;
		ids[i] = dux_request((ts_addr)tid, p);
	}
	dux_flush();
	unsigned again = 0, other = 0;
	uint64_t end = ts_now() + SEC;
	while (ts_now() < end) {
		dux_wait(50 * 1000000);
		struct ts_packet *q;
		while ((q = dux_recv())) {
			if (q->id == ids[INPUT_PENDING_MAX] && q->status == -ERR_AGAIN)
				again++;
			else
				other++;
			dux_data_free(q);
			dux_done(q);
		}
	}
	TT_EQ(again, 1);
	TT_EQ(other, 0);
	return 0;
}

static int
errors_test(int argc, char **argv)
{
	struct dev kbd, ptr;
	struct ts_packet req = { .opcode = OP_READ }, rep;
	uint8_t buf[16];

	(void)argc;
	(void)argv;
	if (devices(&kbd, &ptr))
		return 1;
	TT_EQ(rd(&kbd, 2, 64, buf, sizeof(buf), WAIT_NS), -ERR_INVAL);
	TT_EQ(rd(&kbd, ~0ull, 64, buf, sizeof(buf), WAIT_NS), -ERR_INVAL);
	TT_EQ(rd(&kbd, INPUT_READ_EVENTS, REC - 1, buf, sizeof(buf), WAIT_NS), -ERR_INVAL);
	TT_EQ(rd(&kbd, INPUT_READ_EVENTS, 0, buf, sizeof(buf), WAIT_NS), -ERR_INVAL);
	TT_EQ(rd(&kbd, INPUT_READ_TEXT, 0, buf, sizeof(buf), WAIT_NS), -ERR_INVAL);
	TT_EQ(rd(&ptr, INPUT_READ_TEXT, 64, buf, sizeof(buf), WAIT_NS), -ERR_NOTSUP);
	req.flags = PKT_DATA_COPY;	/* a READ with data */
	req.data = (uint64_t)(uintptr_t)buf;
	req.len = sizeof(buf);
	TT_EQ(dux_call((ts_addr)kbd.tid, &req, &rep, WAIT_NS), -ERR_INVAL);
	static const uint16_t ops[] = { OP_WRITE, OP_FLUSH, OP_OPEN, OP_CLOSE, OP_LIST,
					 OP_ECHO, OP_CREATE, OP_MAP };
	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		struct ts_packet r = { .opcode = ops[i] };
		TT_EQ(dux_call((ts_addr)kbd.tid, &r, &rep, WAIT_NS), -ERR_NOTSUP);
	}
	/* Twice: the second run finds room only if the first one's held
	 * READs were dropped when it died. */
	for (int i = 0; i < 2; i++) {
		const char *av[] = { "_hog", ptr.name, NULL };
		TT_EQ(ts_run("test_input", av, 0, SPAWN_PRIV), 0);
	}
	if (info(&kbd) || info(&ptr))
		return 1;
	TT_EQ(kbd.info.events + ptr.info.events + ptr.info.errors + kbd.info.errors, 0);
	printf("input: errors: bad offset/length/data -> invalid argument, text on a pointer "
	       "and other opcodes -> not supported, %u held READs + 1 -> try again, twice\n",
	       INPUT_PENDING_MAX);
	return 0;
}

static int
text_test(int argc, char **argv)
{
	struct dev kbd, ptr;
	char line[256];
	size_t n = 0;

	(void)argc;
	(void)argv;
	if (devices(&kbd, &ptr))
		return 1;
	printf("input: ready\n");
	while (n == 0 || line[n - 1] != '\n') {
		/* Small reads, so that a line takes several. */
		int st = rd(&kbd, INPUT_READ_TEXT, 5, line + n, sizeof(line) - 1 - n, TYPE_NS);
		TT_CHECK(st > 0 && st <= 5);
		n += (size_t)st;
		TT_CHECK(n < sizeof(line) - 1);
	}
	line[n - 1] = 0;
	printf("input: got \"%s\"\n", line);
	TT_EQ(strcmp(line, "Hello, World! 123"), 0);
	return 0;
}

/* The key of each character of LINE on a US keyboard (shift: -code). */
static int
us_key(char c)
{
	static const uint16_t letters[26] = {
		KEY_A, KEY_B, KEY_C, KEY_D, KEY_E, KEY_F, KEY_G, KEY_H, KEY_I, KEY_J, KEY_K,
		KEY_L, KEY_M, KEY_N, KEY_O, KEY_P, KEY_Q, KEY_R, KEY_S, KEY_T, KEY_U, KEY_V,
		KEY_W, KEY_X, KEY_Y, KEY_Z };

	if (c >= 'a' && c <= 'z')
		return letters[c - 'a'];
	if (c >= 'A' && c <= 'Z')
		return -letters[c - 'A'];
	if (c >= '1' && c <= '9')
		return KEY_1 + (c - '1');
	switch (c) {
	case '0':	return KEY_0;
	case ' ':	return KEY_SPACE;
	case ',':	return KEY_COMMA;
	case '!':	return -KEY_1;
	case '\n':	return KEY_ENTER;
	default:	return 0;
	}
}

/* What QMP input-send-event makes of typing s (tests/node/qmp.py: one
 * command for the downs, one for the ups, each closed by EV_SYN). */
static unsigned
expected(const char *s, struct input_event_rec *ev)
{
	unsigned n = 0;

	for (; *s; s++) {
		int k = us_key(*s);
		uint16_t code = (uint16_t)(k < 0 ? -k : k);
		if (k < 0)
			ev[n++] = (struct input_event_rec){ EV_KEY, KEY_LEFTSHIFT, 1 };
		ev[n++] = (struct input_event_rec){ EV_KEY, code, 1 };
		ev[n++] = (struct input_event_rec){ EV_SYN, SYN_REPORT, 0 };
		ev[n++] = (struct input_event_rec){ EV_KEY, code, 0 };
		if (k < 0)
			ev[n++] = (struct input_event_rec){ EV_KEY, KEY_LEFTSHIFT, 0 };
		ev[n++] = (struct input_event_rec){ EV_SYN, SYN_REPORT, 0 };
	}
	return n;
}

/* Raw records from d until `want` match ev[] exactly, each READ asking
 * for `len` bytes. */
static int
expect_events(const struct dev *d, const struct input_event_rec *want, unsigned nwant,
	      uint64_t len, uint64_t timeout)
{
	static struct input_event_rec got[MAX_EVENTS];
	static uint8_t buf[INPUT_READ_MAX];
	unsigned n = 0;

	while (n < nwant) {
		int st = rd(d, INPUT_READ_EVENTS, len, buf, sizeof(buf), timeout);
		TT_CHECK(st > 0 && st % (int)REC == 0 && (uint64_t)st <= len);
		TT_CHECK(n + (unsigned)st / REC <= MAX_EVENTS);
		n += decode(buf, st, got + n);
	}
	TT_EQ(n, nwant);
	for (unsigned i = 0; i < n; i++) {
		if (got[i].type != want[i].type || got[i].code != want[i].code ||
		    got[i].value != want[i].value) {
			printf("event %u: %u %u %d, want %u %u %d\n", i, got[i].type, got[i].code,
			       (int)got[i].value, want[i].type, want[i].code, (int)want[i].value);
			return 1;
		}
	}
	return 0;
}

/* Hold one raw READ of len bytes on d, then say `ready` and take its
 * answer into buf: status. */
static int
held_read(const struct dev *d, uint64_t len, const char *ready, uint8_t *buf, size_t cap)
{
	struct ts_packet *p = dux_alloc();

	if (!p)
		return -ERR_AGAIN;
	p->opcode = OP_READ;
	p->offset = INPUT_READ_EVENTS;
	p->len = len;
	uint64_t id = dux_request((ts_addr)d->tid, p);
	dux_flush();
	printf("input: %s ready\n", ready);
	uint64_t end = ts_now() + TYPE_NS;
	while (ts_now() < end) {
		dux_wait(100 * 1000000);
		struct ts_packet *q;
		while ((q = dux_recv())) {
			int st = q->status;
			if (q->id != id || (st >= 0 && (q->len != (uint64_t)st || q->len > cap)))
				st = q->id != id ? -ERR_INVAL : -ERR_RANGE;
			else if (st > 0)
				memcpy(buf, (const void *)(uintptr_t)q->data, (size_t)st);
			dux_data_free(q);
			dux_done(q);
			return st;
		}
	}
	return -ERR_TIMEOUT;
}

static int
raw_test(int argc, char **argv)
{
	static struct input_event_rec want[MAX_EVENTS];
	struct dev kbd, ptr;
	uint8_t buf[REC];

	(void)argc;
	(void)argv;
	if (devices(&kbd, &ptr))
		return 1;
	/* The typing of the text test waits in the event FIFO. */
	unsigned n = expected(LINE, want);
	if (expect_events(&kbd, want, n, 64 * REC, WAIT_NS))
		return 1;
	printf("input: raw: %u events of the typed line match\n", n);
	/* A READ held before the key is pressed; one record per READ. */
	TT_EQ(held_read(&kbd, REC, "raw", buf, sizeof(buf)), REC);
	struct input_event_rec e;
	decode(buf, REC, &e);
	TT_EQ(e.type, EV_KEY);
	TT_EQ(e.code, KEY_Z);
	TT_EQ(e.value, 1);
	static const struct input_event_rec rest[] = {
		{ EV_SYN, SYN_REPORT, 0 }, { EV_KEY, KEY_Z, 0 }, { EV_SYN, SYN_REPORT, 0 } };
	if (expect_events(&kbd, rest, 3, REC + REC - 1, WAIT_NS))
		return 1;
	if (info(&kbd))
		return 1;
	TT_EQ(kbd.info.events, n + 4);
	TT_EQ(kbd.info.drops + kbd.info.text_drops + kbd.info.errors, 0);
	printf("input: raw: KEY_Z down/up, %llu events, 0 dropped\n",
	       (unsigned long long)kbd.info.events);
	return 0;
}

static int
pointer_test(int argc, char **argv)
{
	static const struct input_event_rec want[] = {
		{ EV_ABS, ABS_Y, 2000 }, { EV_SYN, SYN_REPORT, 0 },
		{ EV_KEY, BTN_LEFT, 1 }, { EV_SYN, SYN_REPORT, 0 },
		{ EV_KEY, BTN_LEFT, 0 }, { EV_SYN, SYN_REPORT, 0 } };
	struct dev kbd, ptr;
	uint8_t buf[REC];

	(void)argc;
	(void)argv;
	if (devices(&kbd, &ptr))
		return 1;
	TT_EQ(held_read(&ptr, REC, "pointer", buf, sizeof(buf)), REC);
	struct input_event_rec e;
	decode(buf, REC, &e);
	TT_EQ(e.type, EV_ABS);
	TT_EQ(e.code, ABS_X);
	TT_EQ(e.value, 1000);
	if (expect_events(&ptr, want, sizeof(want) / sizeof(want[0]), 4 * REC, WAIT_NS))
		return 1;
	printf("input: pointer: ABS_X 1000, ABS_Y 2000, BTN_LEFT down/up\n");
	return 0;
}

static const struct ttest tests[] = {
	{ "devices", devices_test },
	{ "errors", errors_test },
	{ "text", text_test },
	{ "raw", raw_test },
	{ "pointer", pointer_test },
	{ "_hog", hog },
};

TT_MAIN(tests)
