/*
 * MiniSH's line editor: a state machine over input bytes.  Pure C (no I/O):
 * the shell feeds it the bytes the console delivers (raw: no echo) and
 * writes out what it says to write; host tests and the fuzzer drive it
 * directly.
 *
 * Keys: printable ASCII (0x20..0x7e) is inserted at the cursor; '\r' or
 * '\n' ends the line ('\n' right after '\r' is swallowed); 0x7f or 0x08
 * deletes left; ESC [ D / ESC [ C (or ^B / ^F) move left/right; ESC [ A /
 * ESC [ B (or ^P / ^N) walk the history; ESC [ H / ESC [ F, ESC [ 1 ~ /
 * ESC [ 4 ~, ESC [ 7 ~ / ESC [ 8 ~, ESC O H / ESC O F (or ^A / ^E) go home
 * and end; ESC [ 3 ~ (or ^D on a non-empty line) deletes under the cursor;
 * ^K cuts to the end, ^U cuts the whole line; ^C drops the line; ^D on an
 * empty line is the end of input.  Other bytes and unknown sequences are
 * ignored.
 *
 * Output uses only what a VT100-ish terminal and drivers/console/term.h
 * understand: the characters, '\b', ESC [ n C / ESC [ n D and ESC [ K.
 * Cursor moves are relative, so the prompt may be anything; the line is
 * assumed to fit on one terminal row.
 *
 * How to use:
 *
 *   ledit_init(&e);                 once (history empty)
 *   print the prompt; ledit_start(&e);
 *   for each input byte c:
 *       o.len = 0; r = ledit_key(&e, c, &o); write o.buf[0..o.len)
 *       r == LEDIT_LINE: e.line (NUL-terminated, e.len bytes) is the line;
 *                        ledit_history_add(&e, e.line) if wanted
 *       r == LEDIT_INTR: the line was dropped (^C); LEDIT_EOF: ^D
 */
#ifndef SHELL_LEDIT_H
#define SHELL_LEDIT_H

#include <stddef.h>

#define LEDIT_LINE_MAX	1023u	/* bytes of one line */
#define LEDIT_HIST	32u	/* lines of history */
#define LEDIT_OUT_MAX	(LEDIT_LINE_MAX + 64u)	/* output of one key, at most */

enum ledit_result {
	LEDIT_MORE,		/* keep feeding */
	LEDIT_LINE,		/* a finished line in e->line */
	LEDIT_INTR,		/* ^C: the line was dropped */
	LEDIT_EOF,		/* ^D on an empty line */
};

struct ledit_out {
	char buf[LEDIT_OUT_MAX];
	size_t len;
};

struct ledit {
	char line[LEDIT_LINE_MAX + 1];
	size_t len, cur;		/* bytes, cursor position (<= len) */

	unsigned esc;			/* escape parser state */
	unsigned param;			/* numeric parameter of ESC [ n ~ */
	int after_cr;			/* last byte was '\r' */

	char hist[LEDIT_HIST][LEDIT_LINE_MAX + 1];
	unsigned nhist;			/* lines stored (<= LEDIT_HIST) */
	unsigned hist_next;		/* slot the next line goes to */
	unsigned back;			/* 0: editing the new line; k: k-th newest */
	char saved[LEDIT_LINE_MAX + 1];	/* the new line while browsing */
	size_t saved_len;
};

void ledit_init(struct ledit *e);
/* Begin a new, empty line (history browsing starts from the newest). */
void ledit_start(struct ledit *e);
/* Feed one byte; append what to write to o (o->len is not reset). */
enum ledit_result ledit_key(struct ledit *e, unsigned char c, struct ledit_out *o);
/* Remember `line` (not if empty or equal to the newest entry). */
void ledit_history_add(struct ledit *e, const char *line);
/* The k-th newest history line (k >= 1), or NULL. */
const char *ledit_history(const struct ledit *e, unsigned k);

#endif
