/*
 * The input protocol: what an input server (virtio-input, service `inputN`)
 * answers.  docs/input.md has the details; every field is little endian.
 *
 *   OP_READ  offset = INPUT_READ_EVENTS, len = most bytes wanted (>= 8)
 *            -> COPY data of whole struct input_event_rec records (at least
 *               one, at most INPUT_READ_MAX bytes), status = bytes
 *            offset = INPUT_READ_TEXT, len = most bytes wanted (>= 1;
 *            keyboards only, else -ERR_NOTSUP)
 *            -> COPY data of characters through the US key map (UTF-8 is
 *               never produced: ASCII, control characters and ANSI escape
 *               sequences), status = bytes
 *            Either read stays pending until something arrives (at most
 *            INPUT_PENDING_MAX per server: more get -ERR_AGAIN).  Any other
 *            offset, or a len too small: -ERR_INVAL.
 *   OP_INFO  -> COPY data = struct input_info, status = its size
 *   anything else -> -ERR_NOTSUP
 */
#ifndef TESSERA_PROTO_INPUT_H
#define TESSERA_PROTO_INPUT_H

#include <stdint.h>

/* OP_READ's `offset`: which stream to read. */
#define INPUT_READ_EVENTS	0u	/* raw events, struct input_event_rec */
#define INPUT_READ_TEXT		1u	/* characters (keyboards only) */

#define INPUT_READ_MAX		512u	/* bytes in one READ reply, at most */
#define INPUT_PENDING_MAX	16u	/* READs a server holds waiting */
#define INPUT_NAME_MAX		64u	/* struct input_info name field */

/* One event, as Linux evdev and virtio-input (virtio 1.2, 5.8.6) define
 * them: EV_KEY code KEY_* value 0 up / 1 down / 2 repeat, EV_REL, EV_ABS,
 * EV_SYN SYN_REPORT closing each group (<linux/input-event-codes.h>). */
struct input_event_rec {
	uint16_t type;
	uint16_t code;
	int32_t value;
};
_Static_assert(sizeof(struct input_event_rec) == 8, "input event record is ABI");

enum input_kind {
	INPUT_KIND_OTHER = 0,
	INPUT_KIND_KEYBOARD = 1,	/* reports letter keys (KEY_A) */
	INPUT_KIND_POINTER = 2,		/* mouse (REL_X) or tablet (ABS_X) */
};

/* struct input_info flags */
#define INPUT_INFO_IRQ		0x1u	/* woken by interrupts, else polling */
#define INPUT_INFO_BROKEN	0x2u	/* device broke the ring protocol:
					   no more events will come */

struct input_info {
	uint32_t kind;			/* enum input_kind */
	uint32_t flags;			/* INPUT_INFO_* */
	char name[INPUT_NAME_MAX];	/* device's ID_NAME, NUL-terminated
					   (cut to 63 bytes), NUL-padded */
	uint64_t events;	/* events taken from the device */
	uint64_t drops;		/* events pushed out of the full event FIFO */
	uint64_t text_drops;	/* characters pushed out of the full text FIFO */
	uint64_t errors;	/* device buffers of a length other than 8 */
};
_Static_assert(sizeof(struct input_info) == 104, "input info is ABI");

#endif
