/*
 * US keyboard map: see <input/keymap.h>.  Key codes are Linux's
 * (<linux/input-event-codes.h>), which virtio-input uses too (virtio 1.2,
 * 5.8.6: "codes ... as defined in the Linux input subsystem").
 */
#include <string.h>

#include <input/keymap.h>
#include <linux/input-event-codes.h>
#include <tessera/errors.h>

/* The character of a key without and with shift; 0 = none. */
struct keychar {
	char plain, shifted;
};

static const struct keychar keys[] = {
	[KEY_ESC] = { 0x1b, 0x1b },
	[KEY_1] = { '1', '!' },	 [KEY_2] = { '2', '@' },  [KEY_3] = { '3', '#' },
	[KEY_4] = { '4', '$' },	 [KEY_5] = { '5', '%' },  [KEY_6] = { '6', '^' },
	[KEY_7] = { '7', '&' },	 [KEY_8] = { '8', '*' },  [KEY_9] = { '9', '(' },
	[KEY_0] = { '0', ')' },	 [KEY_MINUS] = { '-', '_' }, [KEY_EQUAL] = { '=', '+' },
	[KEY_BACKSPACE] = { KEYMAP_BACKSPACE, KEYMAP_BACKSPACE },
	[KEY_TAB] = { '\t', '\t' },
	[KEY_Q] = { 'q', 'Q' },	 [KEY_W] = { 'w', 'W' },  [KEY_E] = { 'e', 'E' },
	[KEY_R] = { 'r', 'R' },	 [KEY_T] = { 't', 'T' },  [KEY_Y] = { 'y', 'Y' },
	[KEY_U] = { 'u', 'U' },	 [KEY_I] = { 'i', 'I' },  [KEY_O] = { 'o', 'O' },
	[KEY_P] = { 'p', 'P' },	 [KEY_LEFTBRACE] = { '[', '{' },
	[KEY_RIGHTBRACE] = { ']', '}' },
	[KEY_ENTER] = { '\n', '\n' },
	[KEY_A] = { 'a', 'A' },	 [KEY_S] = { 's', 'S' },  [KEY_D] = { 'd', 'D' },
	[KEY_F] = { 'f', 'F' },	 [KEY_G] = { 'g', 'G' },  [KEY_H] = { 'h', 'H' },
	[KEY_J] = { 'j', 'J' },	 [KEY_K] = { 'k', 'K' },  [KEY_L] = { 'l', 'L' },
	[KEY_SEMICOLON] = { ';', ':' }, [KEY_APOSTROPHE] = { '\'', '"' },
	[KEY_GRAVE] = { '`', '~' }, [KEY_BACKSLASH] = { '\\', '|' },
	[KEY_Z] = { 'z', 'Z' },	 [KEY_X] = { 'x', 'X' },  [KEY_C] = { 'c', 'C' },
	[KEY_V] = { 'v', 'V' },	 [KEY_B] = { 'b', 'B' },  [KEY_N] = { 'n', 'N' },
	[KEY_M] = { 'm', 'M' },	 [KEY_COMMA] = { ',', '<' }, [KEY_DOT] = { '.', '>' },
	[KEY_SLASH] = { '/', '?' },
	[KEY_SPACE] = { ' ', ' ' },
	/* Keypad: num lock is taken as on, so shift changes nothing. */
	[KEY_KPASTERISK] = { '*', '*' }, [KEY_KPMINUS] = { '-', '-' },
	[KEY_KPPLUS] = { '+', '+' }, [KEY_KPDOT] = { '.', '.' },
	[KEY_KP0] = { '0', '0' }, [KEY_KP1] = { '1', '1' }, [KEY_KP2] = { '2', '2' },
	[KEY_KP3] = { '3', '3' }, [KEY_KP4] = { '4', '4' }, [KEY_KP5] = { '5', '5' },
	[KEY_KP6] = { '6', '6' }, [KEY_KP7] = { '7', '7' }, [KEY_KP8] = { '8', '8' },
	[KEY_KP9] = { '9', '9' },
	[KEY_KPENTER] = { '\n', '\n' }, [KEY_KPSLASH] = { '/', '/' },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* The ANSI (VT220/xterm) sequence of an editing key, or NULL. */
static const char *
sequence(uint16_t code)
{
	switch (code) {
	case KEY_UP:		return "\033[A";
	case KEY_DOWN:		return "\033[B";
	case KEY_RIGHT:		return "\033[C";
	case KEY_LEFT:		return "\033[D";
	case KEY_HOME:		return "\033[H";
	case KEY_END:		return "\033[F";
	case KEY_INSERT:	return "\033[2~";
	case KEY_DELETE:	return "\033[3~";
	case KEY_PAGEUP:	return "\033[5~";
	case KEY_PAGEDOWN:	return "\033[6~";
	default:		return NULL;
	}
}

void
keymap_init(struct keymap *km)
{
	memset(km, 0, sizeof(*km));
}

/* A modifier key: track it.  1 if code is one, else 0. */
static int
modifier(struct keymap *km, uint16_t code, int32_t value)
{
	uint8_t *held;

	switch (code) {
	case KEY_LEFTSHIFT:	held = &km->lshift; break;
	case KEY_RIGHTSHIFT:	held = &km->rshift; break;
	case KEY_LEFTCTRL:	held = &km->lctrl; break;
	case KEY_RIGHTCTRL:	held = &km->rctrl; break;
	case KEY_CAPSLOCK:
		if (value == 1)	/* a press toggles; repeat and release do not */
			km->caps ^= 1;
		return 1;
	default:
		return 0;
	}
	if (value != 2)
		*held = value == 1;
	return 1;
}

/* The character of a mapped key under the current modifiers; 0 = none. */
static char
character(const struct keymap *km, uint16_t code)
{
	const struct keychar *k = &keys[code];
	int shift = km->lshift || km->rshift;
	char c = k->plain;

	if (c >= 'a' && c <= 'z') {
		if (km->lctrl || km->rctrl)
			return (char)(c & 0x1f);	/* ctrl-a = 0x01 ... ctrl-z = 0x1a */
		return shift ^ km->caps ? k->shifted : c;
	}
	if ((km->lctrl || km->rctrl) && (c == '[' || c == '\\' || c == ']'))
		return (char)(c & 0x1f);		/* 0x1b, 0x1c, 0x1d */
	return shift ? k->shifted : c;
}

int
keymap_feed(struct keymap *km, uint16_t type, uint16_t code, int32_t value, char *out,
	    size_t cap)
{
	const char *seq;
	char c;

	if (cap < KEYMAP_OUT_MAX)
		return -ERR_INVAL;
	if (type != EV_KEY || value < 0 || value > 2)
		return 0;
	if (modifier(km, code, value) || value == 0)
		return 0;
	if ((seq = sequence(code))) {
		size_t n = strlen(seq);
		memcpy(out, seq, n);
		return (int)n;
	}
	if (code >= NKEYS || !(c = character(km, code)))
		return 0;
	out[0] = c;
	return 1;
}
