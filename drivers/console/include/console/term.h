/*
 * A text terminal model: a grid of character cells, a cursor and the
 * VT100/ANSI subset a shell needs.  Pure C (no I/O): the console server
 * feeds it bytes and redraws what it reports as damaged; tests/host drives
 * it directly.
 *
 * Understood: printable Latin-1 bytes (0x20..0x7e, 0xa0..0xff) with
 * deferred wrap at the right margin, '\n' (new line, also to column 0, as a
 * console with ONLCR), '\r', '\b' (left, no erase), '\t' (next multiple of
 * 8), ESC [ n A/B/C/D (cursor up/down/right/left), ESC [ r ; c H or f
 * (position, 1-based), ESC [ n J (0: to end of screen, 2: all), ESC [ n K
 * (0: to end of line, 1: to cursor, 2: whole line).  Other sequences and
 * controls are consumed and ignored (ESC [ ... m colours included); a
 * sequence with too many or too long parameters is dropped, never read
 * out of bounds.
 *
 * How to use:
 *
 *   static uint8_t cells[ROWS * COLS];
 *   term_init(&t, COLS, ROWS, cells);
 *   term_write(&t, buf, n);
 *   struct term_damage d; term_take_damage(&t, &d);
 *   if (d.scroll) move the picture up by d.scroll lines (>= rows: clear it)
 *   redraw cells [d.x0, d.x1) x [d.y0, d.y1) (empty when x0 == x1)
 *   the cursor is at (t.cx, t.cy); d.old_cx/old_cy is where it was drawn
 */
#ifndef CONSOLE_TERM_H
#define CONSOLE_TERM_H

#include <stddef.h>
#include <stdint.h>

#define TERM_MAX_PARAMS	4u
#define TERM_PARAM_MAX	9999u

struct term {
	unsigned cols, rows;
	unsigned cx, cy;	/* cursor; cx == cols only while a wrap is pending */
	uint8_t *cells;		/* rows * cols bytes, row-major; ' ' = blank */

	/* Escape parser. */
	uint8_t state;
	unsigned par[TERM_MAX_PARAMS], npar;

	/* Damage since the last term_take_damage. */
	unsigned x0, y0, x1, y1;	/* bounding box of changed cells */
	unsigned scroll;		/* lines scrolled (saturates at rows) */
	unsigned drawn_cx, drawn_cy;	/* cursor when damage was last taken */
};

struct term_damage {
	unsigned x0, y0, x1, y1;	/* cells to redraw; empty if x0 == x1 */
	unsigned scroll;		/* move the picture up first */
	unsigned old_cx, old_cy;	/* cursor cell to redraw plainly */
};

/* cells must hold cols * rows bytes; cols, rows >= 1.  Clears the screen. */
void term_init(struct term *t, unsigned cols, unsigned rows, uint8_t *cells);

/* Interpret n bytes. */
void term_write(struct term *t, const void *buf, size_t n);

/* Hand out the damage and start a new record. */
void term_take_damage(struct term *t, struct term_damage *d);

/* The character at column x of row y. */
static inline uint8_t
term_at(const struct term *t, unsigned x, unsigned y)
{
	return t->cells[(size_t)y * t->cols + x];
}

#endif
