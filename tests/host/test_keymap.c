/*
 * Host tests of drivers/input/keymap.c, the US key map: event sequences in,
 * exact bytes out.  Output goes into a heap buffer of exactly
 * KEYMAP_OUT_MAX bytes so that AddressSanitizer sees any write past it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <input/keymap.h>
#include <linux/input-event-codes.h>
#include <tessera/errors.h>

#include "check.h"

#define DOWN	1
#define UP	0
#define REPEAT	2

static struct keymap km;
static char text[1024];
static size_t ntext;

/* Feed one event; append what it produced to text[] and return its count
 * (or the error). */
static int
feed(uint16_t type, uint16_t code, int32_t value)
{
	char *out = malloc(KEYMAP_OUT_MAX);
	int n;

	if (!out)
		abort();
	memset(out, 0x55, KEYMAP_OUT_MAX);
	n = keymap_feed(&km, type, code, value, out, KEYMAP_OUT_MAX);
	if (n > 0 && ntext + (size_t)n < sizeof(text)) {
		memcpy(text + ntext, out, (size_t)n);
		ntext += (size_t)n;
		text[ntext] = 0;
	}
	free(out);
	return n;
}

static int
key(uint16_t code, int32_t value)
{
	return feed(EV_KEY, code, value);
}

/* Press and release `code` with a SYN after each, as virtio-input sends. */
static void
tap(uint16_t code)
{
	CHECK_EQ(key(code, DOWN) >= 0, 1);
	CHECK_EQ(feed(EV_SYN, SYN_REPORT, 0), 0);
	CHECK_EQ(key(code, UP), 0);
	CHECK_EQ(feed(EV_SYN, SYN_REPORT, 0), 0);
}

static void
reset(void)
{
	keymap_init(&km);
	ntext = 0;
	text[0] = 0;
}

/* Exactly these bytes were produced since reset(). */
#define CHECK_TEXT(want)                                                     \
	do {                                                                 \
		CHECK_EQ(ntext, sizeof(want) - 1);                           \
		CHECK(memcmp(text, want, sizeof(want) - 1) == 0);            \
		reset();                                                     \
	} while (0)

static void
test_letters_shift(void)
{
	reset();
	tap(KEY_A);
	key(KEY_LEFTSHIFT, DOWN);
	tap(KEY_A);
	tap(KEY_Z);
	key(KEY_LEFTSHIFT, UP);
	tap(KEY_B);
	key(KEY_RIGHTSHIFT, DOWN);
	tap(KEY_Q);
	key(KEY_LEFTSHIFT, DOWN);	/* both held, one let go: still shifted */
	key(KEY_RIGHTSHIFT, UP);
	tap(KEY_M);
	key(KEY_LEFTSHIFT, UP);
	tap(KEY_M);
	CHECK_TEXT("aAZbQMm");
}

static void
test_digits_punctuation(void)
{
	static const uint16_t row[] = { KEY_GRAVE, KEY_1, KEY_2, KEY_3, KEY_4, KEY_5, KEY_6,
					KEY_7, KEY_8, KEY_9, KEY_0, KEY_MINUS, KEY_EQUAL,
					KEY_LEFTBRACE, KEY_RIGHTBRACE, KEY_BACKSLASH,
					KEY_SEMICOLON, KEY_APOSTROPHE, KEY_COMMA, KEY_DOT,
					KEY_SLASH, KEY_SPACE };
	unsigned i;

	reset();
	for (i = 0; i < sizeof(row) / sizeof(row[0]); i++)
		tap(row[i]);
	CHECK_TEXT("`1234567890-=[]\\;',./ ");
	key(KEY_RIGHTSHIFT, DOWN);
	for (i = 0; i < sizeof(row) / sizeof(row[0]); i++)
		tap(row[i]);
	key(KEY_RIGHTSHIFT, UP);
	CHECK_TEXT("~!@#$%^&*()_+{}|:\"<>? ");
}

static void
test_specials(void)
{
	reset();
	tap(KEY_ENTER);
	tap(KEY_TAB);
	tap(KEY_ESC);
	tap(KEY_BACKSPACE);
	tap(KEY_KPENTER);
	key(KEY_LEFTSHIFT, DOWN);
	tap(KEY_ENTER);
	tap(KEY_BACKSPACE);
	key(KEY_LEFTSHIFT, UP);
	tap(KEY_KP7);
	tap(KEY_KPASTERISK);
	tap(KEY_KPSLASH);
	CHECK_TEXT("\n\t\x1b\x7f\n\n\x7f" "7*/");
}

static void
test_caps_lock(void)
{
	reset();
	tap(KEY_CAPSLOCK);		/* on */
	tap(KEY_A);
	tap(KEY_1);			/* digits ignore caps lock */
	tap(KEY_SEMICOLON);
	key(KEY_LEFTSHIFT, DOWN);	/* shift + caps = lower case */
	tap(KEY_A);
	tap(KEY_1);
	key(KEY_LEFTSHIFT, UP);
	key(KEY_CAPSLOCK, DOWN);	/* off: the press toggles ... */
	key(KEY_CAPSLOCK, REPEAT);	/* ... repeat and release do not */
	key(KEY_CAPSLOCK, REPEAT);
	key(KEY_CAPSLOCK, UP);
	tap(KEY_A);
	tap(KEY_CAPSLOCK);		/* on again */
	tap(KEY_X);
	CHECK_TEXT("A1;a!aX");
}

static void
test_ctrl(void)
{
	reset();
	key(KEY_LEFTCTRL, DOWN);
	tap(KEY_C);
	tap(KEY_A);
	tap(KEY_Z);
	tap(KEY_D);
	tap(KEY_LEFTBRACE);
	tap(KEY_BACKSLASH);
	tap(KEY_RIGHTBRACE);
	tap(KEY_1);			/* no control character: plain */
	key(KEY_LEFTSHIFT, DOWN);	/* ctrl-shift-c is still ctrl-c */
	tap(KEY_C);
	key(KEY_LEFTSHIFT, UP);
	key(KEY_LEFTCTRL, UP);
	tap(KEY_C);
	key(KEY_RIGHTCTRL, DOWN);
	tap(KEY_U);
	key(KEY_RIGHTCTRL, UP);
	tap(KEY_CAPSLOCK);
	key(KEY_LEFTCTRL, DOWN);	/* caps lock does not change ctrl-w */
	tap(KEY_W);
	key(KEY_LEFTCTRL, UP);
	CHECK_TEXT("\x03\x01\x1a\x04\x1b\x1c\x1d" "1\x03" "c\x15\x17");
}

static void
test_repeat(void)
{
	reset();
	CHECK_EQ(key(KEY_K, DOWN), 1);
	CHECK_EQ(key(KEY_K, REPEAT), 1);
	CHECK_EQ(key(KEY_K, REPEAT), 1);
	CHECK_EQ(key(KEY_K, UP), 0);
	key(KEY_LEFTSHIFT, DOWN);
	key(KEY_LEFTSHIFT, REPEAT);	/* shift auto-repeats: still held */
	CHECK_EQ(key(KEY_K, DOWN), 1);
	CHECK_EQ(key(KEY_K, REPEAT), 1);
	key(KEY_LEFTSHIFT, UP);
	CHECK_EQ(key(KEY_K, REPEAT), 1);	/* shift let go mid-repeat */
	key(KEY_K, UP);
	CHECK_EQ(key(KEY_LEFT, DOWN), 3);
	CHECK_EQ(key(KEY_LEFT, REPEAT), 3);
	key(KEY_LEFT, UP);
	CHECK_TEXT("kkkKKk\x1b[D\x1b[D");
}

static void
test_editing_keys(void)
{
	reset();
	CHECK_EQ(key(KEY_UP, DOWN), 3);
	CHECK_EQ(key(KEY_UP, UP), 0);
	tap(KEY_DOWN);
	tap(KEY_RIGHT);
	tap(KEY_LEFT);
	tap(KEY_HOME);
	tap(KEY_END);
	CHECK_EQ(key(KEY_DELETE, DOWN), 4);
	key(KEY_DELETE, UP);
	tap(KEY_INSERT);
	tap(KEY_PAGEUP);
	tap(KEY_PAGEDOWN);
	key(KEY_LEFTSHIFT, DOWN);	/* modifiers do not change them */
	tap(KEY_UP);
	key(KEY_LEFTSHIFT, UP);
	key(KEY_LEFTCTRL, DOWN);
	tap(KEY_HOME);
	key(KEY_LEFTCTRL, UP);
	CHECK_TEXT("\x1b[A\x1b[B\x1b[C\x1b[D\x1b[H\x1b[F\x1b[3~\x1b[2~\x1b[5~\x1b[6~"
		   "\x1b[A\x1b[H");
}

static void
test_nothing(void)
{
	static const uint16_t unmapped[] = { 0, KEY_F1, KEY_F12, KEY_LEFTALT, KEY_RIGHTALT,
					     KEY_LEFTMETA, KEY_NUMLOCK, KEY_102ND,
					     KEY_SYSRQ, BTN_LEFT, BTN_TOUCH, KEY_MAX, 0x7fff,
					     0xffff };
	unsigned i;

	reset();
	for (i = 0; i < sizeof(unmapped) / sizeof(unmapped[0]); i++) {
		CHECK_EQ(key(unmapped[i], DOWN), 0);
		CHECK_EQ(key(unmapped[i], REPEAT), 0);
		CHECK_EQ(key(unmapped[i], UP), 0);
	}
	/* Not EV_KEY: even with a letter's code. */
	CHECK_EQ(feed(EV_SYN, KEY_A, 1), 0);
	CHECK_EQ(feed(EV_REL, KEY_A, 1), 0);
	CHECK_EQ(feed(EV_ABS, KEY_A, 1), 0);
	CHECK_EQ(feed(EV_MSC, MSC_SCAN, 30), 0);
	CHECK_EQ(feed(EV_LED, LED_CAPSL, 1), 0);
	CHECK_EQ(feed(0xffff, KEY_A, 1), 0);
	/* Values other than 0, 1, 2: no output and no state change. */
	CHECK_EQ(key(KEY_A, 3), 0);
	CHECK_EQ(key(KEY_A, -1), 0);
	CHECK_EQ(key(KEY_A, INT32_MIN), 0);
	CHECK_EQ(key(KEY_LEFTSHIFT, 3), 0);
	CHECK_EQ(key(KEY_CAPSLOCK, -1), 0);
	CHECK_EQ(key(KEY_LEFTCTRL, 0x7fffffff), 0);
	tap(KEY_A);
	/* Alt is ignored: alt-x is x. */
	key(KEY_LEFTALT, DOWN);
	tap(KEY_X);
	key(KEY_LEFTALT, UP);
	CHECK_TEXT("ax");
}

static void
test_small_buffer(void)
{
	char out[KEYMAP_OUT_MAX];

	reset();
	for (size_t cap = 0; cap < KEYMAP_OUT_MAX; cap++) {
		CHECK_EQ(keymap_feed(&km, EV_KEY, KEY_CAPSLOCK, 1, out, cap), -ERR_INVAL);
		CHECK_EQ(keymap_feed(&km, EV_KEY, KEY_LEFTSHIFT, 1, out, cap), -ERR_INVAL);
		CHECK_EQ(keymap_feed(&km, EV_KEY, KEY_A, 1, out, cap), -ERR_INVAL);
	}
	tap(KEY_A);	/* neither caps lock nor shift took effect */
	CHECK_TEXT("a");
}

/* The US layout written out independently of keymap.c: each row of keys
 * as codes, plain and shifted characters. */
struct row {
	const char *plain, *shifted;
	uint16_t codes[14];
};

static const struct row rows[] = {
	{ "`1234567890-=", "~!@#$%^&*()_+",
	  { KEY_GRAVE, KEY_1, KEY_2, KEY_3, KEY_4, KEY_5, KEY_6, KEY_7, KEY_8, KEY_9,
	    KEY_0, KEY_MINUS, KEY_EQUAL } },
	{ "qwertyuiop[]\\", "QWERTYUIOP{}|",
	  { KEY_Q, KEY_W, KEY_E, KEY_R, KEY_T, KEY_Y, KEY_U, KEY_I, KEY_O, KEY_P,
	    KEY_LEFTBRACE, KEY_RIGHTBRACE, KEY_BACKSLASH } },
	{ "asdfghjkl;'", "ASDFGHJKL:\"",
	  { KEY_A, KEY_S, KEY_D, KEY_F, KEY_G, KEY_H, KEY_J, KEY_K, KEY_L, KEY_SEMICOLON,
	    KEY_APOSTROPHE } },
	{ "zxcvbnm,./", "ZXCVBNM<>?",
	  { KEY_Z, KEY_X, KEY_C, KEY_V, KEY_B, KEY_N, KEY_M, KEY_COMMA, KEY_DOT, KEY_SLASH } },
	{ " \n", " \n", { KEY_SPACE, KEY_ENTER } },
};

/* Type ASCII text as a US keyboard would (shift around shifted keys). */
static void
type(const char *s)
{
	for (; *s; s++) {
		int found = 0;
		for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]) && !found; r++) {
			const char *p = strchr(rows[r].plain, *s), *q = strchr(rows[r].shifted, *s);
			if (p) {
				tap(rows[r].codes[p - rows[r].plain]);
				found = 1;
			} else if (q) {
				key(KEY_LEFTSHIFT, DOWN);
				feed(EV_SYN, SYN_REPORT, 0);
				tap(rows[r].codes[q - rows[r].shifted]);
				key(KEY_LEFTSHIFT, UP);
				feed(EV_SYN, SYN_REPORT, 0);
				found = 1;
			}
		}
		CHECK(found);
	}
}

static void
test_typed_text(void)
{
	char all[96];
	int n = 0;

	reset();
	type("Hello, World! 123\n");
	CHECK_TEXT("Hello, World! 123\n");
	for (int c = 0x20; c < 0x7f; c++)
		all[n++] = (char)c;
	all[n] = 0;
	type(all);
	CHECK_EQ(ntext, 95);
	CHECK(memcmp(text, all, 95) == 0);
}

/* Random events (any type, code, value): 0..KEYMAP_OUT_MAX bytes, none
 * past what is returned, and afterwards releasing the modifiers gives
 * plain letters again (case only from caps lock). */
static void
test_random(void)
{
	static const uint16_t types[] = { EV_SYN, EV_KEY, EV_REL, EV_ABS, EV_MSC, EV_LED };
	char out[KEYMAP_OUT_MAX + 4];
	unsigned bad = 0;

	reset();
	for (int i = 0; i < 200000; i++) {
		uint16_t type = rnd_below(8) ? EV_KEY : types[rnd_below(6)];
		uint16_t code = (uint16_t)(rnd_below(4) ? rnd_below(128) : rnd64());
		int32_t value = (int32_t)(rnd_below(8) ? rnd_below(3) : rnd64());
		memset(out, 0x55, sizeof(out));
		int n = keymap_feed(&km, type, code, value, out, KEYMAP_OUT_MAX);
		if (n < 0 || n > (int)KEYMAP_OUT_MAX || out[KEYMAP_OUT_MAX] != 0x55 ||
		    (n < (int)KEYMAP_OUT_MAX && out[n] != 0x55) ||
		    ((value == 0 || type != EV_KEY) && n != 0))
			bad++;
	}
	CHECK_EQ(bad, 0);
	int caps = km.caps;
	key(KEY_LEFTSHIFT, UP);
	key(KEY_RIGHTSHIFT, UP);
	key(KEY_LEFTCTRL, UP);
	key(KEY_RIGHTCTRL, UP);
	ntext = 0;
	tap(KEY_G);
	CHECK_EQ(ntext, 1);
	CHECK_EQ(text[0], caps ? 'G' : 'g');
}

static const struct test_case tests[] = {
	{ "letters_shift", test_letters_shift },
	{ "digits_punctuation", test_digits_punctuation },
	{ "specials", test_specials },
	{ "caps_lock", test_caps_lock },
	{ "ctrl", test_ctrl },
	{ "repeat", test_repeat },
	{ "editing_keys", test_editing_keys },
	{ "nothing", test_nothing },
	{ "small_buffer", test_small_buffer },
	{ "typed_text", test_typed_text },
	{ "random", test_random },
};

int
main(void)
{
	return run_tests(tests, sizeof(tests) / sizeof(tests[0]));
}
