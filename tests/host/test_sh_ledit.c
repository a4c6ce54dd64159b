/*
 * MiniSH's line editor (shell/ledit.c): exact output bytes for each kind
 * of edit, and the screen they make, drawn by the console's own terminal
 * model (drivers/console/term.c): after every key the row shows the prompt
 * and the line, with the cursor where the editor thinks it is.
 */
#include <console/term.h>
#include <shell/ledit.h>
#include "check.h"

#define COLS 1100u
#define ROWS 3u
#define PROMPT "$ "

static struct ledit e;
static struct term t;
static uint8_t cells[COLS * ROWS];
static char outbytes[1 << 16];
static size_t nout;

static void
start(void)
{
	term_init(&t, COLS, ROWS, cells);
	term_write(&t, PROMPT, 2);
	ledit_start(&e);
	nout = 0;
	outbytes[0] = 0;
}

/* Feed `keys` (n bytes); the result of the last key. */
static enum ledit_result
feedn(const char *keys, size_t n)
{
	static struct ledit_out o;
	enum ledit_result r = LEDIT_MORE;

	for (size_t i = 0; i < n; i++) {
		o.len = 0;
		r = ledit_key(&e, (unsigned char)keys[i], &o);
		CHECK(o.len <= LEDIT_OUT_MAX);
		term_write(&t, o.buf, o.len);
		if (nout + o.len < sizeof(outbytes)) {
			memcpy(outbytes + nout, o.buf, o.len);
			nout += o.len;
			outbytes[nout] = 0;
		}
	}
	return r;
}

static enum ledit_result
feed(const char *keys)
{
	return feedn(keys, strlen(keys));
}

/* Row y of the screen without trailing blanks. */
static const char *
row(unsigned y)
{
	static char s[COLS + 1];
	unsigned n = 0;

	for (unsigned x = 0; x < COLS; x++)
		s[x] = (char)term_at(&t, x, y);
	for (unsigned x = 0; x < COLS; x++)
		if (s[x] != ' ')
			n = x + 1;
	s[n] = 0;
	return s;
}

/* The screen shows PROMPT + the line and the cursor is at e.cur. */
static int
screen_ok(void)
{
	char want[COLS + 1];
	snprintf(want, sizeof(want), PROMPT "%s", e.line);
	size_t n = strlen(want);
	while (n && want[n - 1] == ' ')
		want[--n] = 0;
	return t.cy == 0 && strcmp(row(0), want) == 0 && t.cx == 2 + e.cur &&
	       e.len == strlen(e.line);
}

static void
test_typing(void)
{
	ledit_init(&e);
	start();
	CHECK_EQ(feed("ab"), LEDIT_MORE);
	CHECK_STR(outbytes, "ab");
	CHECK_STR(e.line, "ab");
	nout = 0;
	feed("\x1b[DX");
	CHECK_STR(outbytes, "\bXb\b");
	CHECK_STR(e.line, "aXb");
	CHECK_EQ(e.cur, 2);
	CHECK(screen_ok());
	nout = 0;
	feed("\x7f");		/* backspace in the middle */
	CHECK_STR(outbytes, "\bb\x1b[K\b");
	CHECK_STR(e.line, "ab");
	CHECK(screen_ok());
	nout = 0;
	feed("\x1b[C\x08");	/* right, then ^H at the end */
	CHECK_STR(outbytes, "\x1b[C\b\x1b[K");
	CHECK_STR(e.line, "a");
	CHECK(screen_ok());
}

/* The shell test's sequence: echo hellx<BS>o worl<L><L>X<R><R>d > /tmp/f */
static void
test_brief_line(void)
{
	ledit_init(&e);
	start();
	CHECK_EQ(feed("echo hellx\x7fo worl\x1b[D\x1b[DX\x1b[C\x1b[Cd > /tmp/f"), LEDIT_MORE);
	CHECK_STR(e.line, "echo hello woXrld > /tmp/f");
	CHECK(screen_ok());
	CHECK_STR(row(0), "$ echo hello woXrld > /tmp/f");
	CHECK_EQ(feed("\r"), LEDIT_LINE);
	CHECK_STR(e.line, "echo hello woXrld > /tmp/f");
	CHECK_EQ(t.cy, 1);
	CHECK_EQ(t.cx, 0);
}

static void
test_home_end_delete(void)
{
	ledit_init(&e);
	start();
	feed("abcdef");
	nout = 0;
	feed("\x1b[H");
	CHECK_STR(outbytes, "\x1b[6D");
	CHECK_EQ(e.cur, 0);
	feed("\x1b[3~");	/* delete under the cursor */
	CHECK_STR(e.line, "bcdef");
	CHECK(screen_ok());
	feed("\x1b[F");
	CHECK_EQ(e.cur, 5);
	feed("\x01\x1b[C\x1b[C");	/* ^A, right, right */
	CHECK_EQ(e.cur, 2);
	feed("\x0b");		/* ^K */
	CHECK_STR(e.line, "bc");
	CHECK(screen_ok());
	feed("\x1b[1~Z\x1b[4~Y\x1b[7~W\x1b[8~V\x1bOHU\x1bOFT");
	CHECK_STR(e.line, "UWZbcYVT");
	CHECK(screen_ok());
	feed("\x05\x02\x02\x04");	/* ^E, ^B, ^B, ^D on a non-empty line */
	CHECK_STR(e.line, "UWZbcYT");
	CHECK(screen_ok());
	feed("\x06\x06\x06");		/* ^F past the end stays */
	CHECK_EQ(e.cur, e.len);
	feed("\x15");			/* ^U */
	CHECK_STR(e.line, "");
	CHECK(screen_ok());
	CHECK_STR(row(0), "$");
	/* Moves at the edges produce nothing. */
	nout = 0;
	feed("\x1b[D\x7f\x1b[H\x1b[3~\x1b[C\x1b[F");
	CHECK_EQ(nout, 0);
}

static void
test_history(void)
{
	ledit_init(&e);
	CHECK(ledit_history(&e, 1) == NULL);
	ledit_history_add(&e, "echo one");
	ledit_history_add(&e, "echo three");
	ledit_history_add(&e, "echo three");	/* not twice in a row */
	ledit_history_add(&e, "");
	CHECK_EQ(e.nhist, 2);
	start();
	feed("partial");
	feed("\x1b[A");
	CHECK_STR(e.line, "echo three");
	CHECK(screen_ok());
	feed("\x1b[A");
	CHECK_STR(e.line, "echo one");
	CHECK(screen_ok());
	CHECK_STR(row(0), "$ echo one");	/* the longer line was erased */
	nout = 0;
	feed("\x1b[A");				/* no older line */
	CHECK_STR(e.line, "echo one");
	CHECK_EQ(nout, 0);
	feed("\x1b[B");
	CHECK_STR(e.line, "echo three");
	feed("\x1b[B");
	CHECK_STR(e.line, "partial");		/* what was being typed */
	CHECK(screen_ok());
	nout = 0;
	feed("\x1b[B");
	CHECK_EQ(nout, 0);
	feed("\x10\x10");			/* ^P ^P */
	CHECK_STR(e.line, "echo one");
	feed("\x1b[D\x1b[D\x7f");		/* edit a recalled line */
	CHECK_STR(e.line, "echo ne");
	CHECK(screen_ok());
	CHECK_EQ(feed("\n"), LEDIT_LINE);
	CHECK_STR(e.line, "echo ne");
	ledit_history_add(&e, e.line);
	CHECK_STR(ledit_history(&e, 1), "echo ne");
	CHECK_STR(ledit_history(&e, 3), "echo one");
	/* Only LEDIT_HIST lines are kept, the oldest go. */
	char line[32];
	for (int i = 0; i < 40; i++) {
		snprintf(line, sizeof(line), "cmd %d", i);
		ledit_history_add(&e, line);
	}
	CHECK_EQ(e.nhist, LEDIT_HIST);
	CHECK_STR(ledit_history(&e, 1), "cmd 39");
	CHECK_STR(ledit_history(&e, LEDIT_HIST), "cmd 8");
	CHECK(ledit_history(&e, LEDIT_HIST + 1) == NULL);
	start();
	for (unsigned i = 0; i < LEDIT_HIST + 5; i++)
		feed("\x1b[A");
	CHECK_STR(e.line, "cmd 8");
	CHECK(screen_ok());
}

static void
test_enter_intr_eof(void)
{
	ledit_init(&e);
	start();
	feed("ls");
	CHECK_EQ(feed("\r"), LEDIT_LINE);
	CHECK_STR(e.line, "ls");
	CHECK_STR(outbytes, "ls\n");
	ledit_start(&e);
	CHECK_EQ(feed("\n"), LEDIT_MORE);	/* the LF of a CR LF */
	CHECK_EQ(feed("\n"), LEDIT_LINE);	/* a lone LF is a line */
	CHECK_STR(e.line, "");
	start();
	feed("abc");
	CHECK_EQ(feed("\x03"), LEDIT_INTR);
	CHECK_STR(outbytes, "abc^C\n");
	CHECK_STR(e.line, "");
	CHECK_EQ(e.len, 0);
	start();
	CHECK_EQ(feed("\x04"), LEDIT_EOF);
	/* Unknown sequences and control bytes are swallowed whole. */
	start();
	feed("a\x1b[5~\x1b[1;5Cb\x1b[99999999Zc\x1bxd\x07\x09\x80\xff" "e");
	CHECK_STR(e.line, "abcde");
	CHECK(screen_ok());
	/* A control byte inside a sequence ends it. */
	start();
	feed("a\x1b[1\x7f" "b");
	CHECK_STR(e.line, "ab");
}

static void
test_full_line(void)
{
	static char keys[LEDIT_LINE_MAX + 100];
	ledit_init(&e);
	start();
	memset(keys, 'k', sizeof(keys));
	feedn(keys, sizeof(keys));
	CHECK_EQ(e.len, LEDIT_LINE_MAX);
	CHECK(screen_ok());
	feed("\x1b[H");
	nout = 0;
	feed("z");		/* full: nothing happens */
	CHECK_EQ(nout, 0);
	feed("\x1b[3~z");
	CHECK_EQ(e.line[0], 'z');
	CHECK_EQ(e.len, LEDIT_LINE_MAX);
	CHECK(screen_ok());
	ledit_history_add(&e, e.line);
	start();
	feed("\x1b[A");
	CHECK_EQ(e.len, LEDIT_LINE_MAX);
	CHECK(screen_ok());
}

/* Random keys from an alphabet of edits: the screen always matches. */
static void
test_random(void)
{
	static const char *const keys[] = {
		"a", "b", " ", "x", "\x7f", "\x08", "\x1b[D", "\x1b[C", "\x1b[A", "\x1b[B",
		"\x1b[H", "\x1b[F", "\x1b[3~", "\x01", "\x05", "\x0b", "\x15", "\x04",
		"\x1b", "\x1b[", "\r", "\n", "\x03",
	};
	unsigned lines = 0, bad = 0;

	ledit_init(&e);
	start();
	for (int i = 0; i < 200000; i++) {
		const char *k = keys[rnd_below(sizeof(keys) / sizeof(keys[0]))];
		enum ledit_result r = feed(k);
		nout = 0;
		if (r == LEDIT_LINE) {
			ledit_history_add(&e, e.line);
			lines++;
			start();
		} else if (r != LEDIT_MORE) {
			start();
		} else if (e.esc == 0 && !screen_ok()) {
			bad++;
		}
		if (e.cur > e.len || e.len > LEDIT_LINE_MAX || e.line[e.len] != 0)
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK(lines > 1000);
	printf("random: %u lines\n", lines);
}

int
main(void)
{
	static const struct test_case tests[] = {
		{ "typing", test_typing },
		{ "brief_line", test_brief_line },
		{ "home_end_delete", test_home_end_delete },
		{ "history", test_history },
		{ "enter_intr_eof", test_enter_intr_eof },
		{ "full_line", test_full_line },
		{ "random", test_random },
	};
	return run_tests(tests, sizeof(tests) / sizeof(tests[0]));
}
