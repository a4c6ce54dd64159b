/*
 * US keyboard map: Linux key events (EV_KEY, KEY_* of
 * <linux/input-event-codes.h>) to the bytes a terminal would send.  Pure C,
 * no OS calls: the input server uses it for INPUT_READ_TEXT, host tests
 * check it byte by byte.
 *
 * How to use:
 *
 *   struct keymap km;
 *   keymap_init(&km);                      no modifier held, caps lock off
 *   for each event (type, code, value):
 *           n = keymap_feed(&km, type, code, value, out, sizeof(out));
 *           write(out, n);                 0..KEYMAP_OUT_MAX bytes
 *
 * What it produces (docs/input.md has the table):
 *   letters, digits, punctuation, space   US layout; shift (either), caps
 *                                         lock (letters only, XOR shift)
 *   enter '\n', tab '\t', escape 0x1b, backspace 0x7f (DEL, as the Linux
 *   console and xterm send)
 *   ctrl + letter -> 0x01..0x1a; ctrl + [ \ ] -> 0x1b 0x1c 0x1d
 *   up/down/right/left ESC [ A/B/C/D, home ESC [ H, end ESC [ F,
 *   insert ESC [ 2 ~, delete ESC [ 3 ~, page up/down ESC [ 5 ~ / ESC [ 6 ~
 *   keypad digits and operators as on the main keys (num lock assumed on),
 *   keypad enter '\n'
 * Key down (value 1) and auto-repeat (value 2) produce; release (0)
 * produces nothing.  Modifier keys, other event types (EV_SYN, EV_MSC...)
 * and unmapped codes produce nothing.  Alt and meta are ignored (a key
 * with alt gives its plain character).
 */
#ifndef INPUT_KEYMAP_H
#define INPUT_KEYMAP_H

#include <stddef.h>
#include <stdint.h>

#define KEYMAP_OUT_MAX	4u	/* longest output of one event: ESC [ 3 ~ */
#define KEYMAP_BACKSPACE 0x7f

/* Modifier state; zero it with keymap_init. */
struct keymap {
	uint8_t lshift, rshift;	/* held */
	uint8_t lctrl, rctrl;	/* held */
	uint8_t caps;		/* caps lock on (toggled by each press) */
};

void keymap_init(struct keymap *km);

/* Feed one event; the bytes it produces go to out[0..n) and n is returned
 * (0..KEYMAP_OUT_MAX).  cap < KEYMAP_OUT_MAX: -ERR_INVAL and nothing
 * changes.  Never reads or writes out beyond cap. */
int keymap_feed(struct keymap *km, uint16_t type, uint16_t code, int32_t value, char *out,
		size_t cap);

#endif
