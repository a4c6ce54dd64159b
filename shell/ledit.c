/*
 * MiniSH's line editor (see <shell/ledit.h>).  The buffer always holds what
 * the terminal shows after the prompt, and the terminal's cursor is at
 * column prompt + e->cur after every key: each edit writes exactly the
 * bytes that keep those two facts true.
 */
#include <string.h>
#include <shell/ledit.h>

enum { ESC_NONE, ESC_SEEN, ESC_CSI, ESC_SS3 };

#define PARAM_MAX 9999u

static void
put(struct ledit_out *o, const char *s, size_t n)
{
	if (n > sizeof(o->buf) - o->len)
		n = sizeof(o->buf) - o->len;	/* cannot happen: sized for a whole line */
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

/* ESC [ n C (right) or D (left); nothing for n == 0. */
static void
move(struct ledit_out *o, size_t n, char dir)
{
	char seq[16];
	size_t k = 0;
	char digits[8];
	size_t nd = 0;

	if (n == 0)
		return;
	if (n == 1 && dir == 'D') {
		put(o, "\b", 1);
		return;
	}
	seq[k++] = '\x1b';
	seq[k++] = '[';
	if (n > 1) {
		for (; n && nd < sizeof(digits); n /= 10)
			digits[nd++] = (char)('0' + n % 10);
		while (nd)
			seq[k++] = digits[--nd];
	}
	seq[k++] = dir;
	put(o, seq, k);
}

/* Rewrite the line from the cursor to its end, erase what is left of a
 * longer old line, and put the terminal's cursor back at e->cur. */
static void
redraw_tail(struct ledit *e, struct ledit_out *o)
{
	put(o, e->line + e->cur, e->len - e->cur);
	put(o, "\x1b[K", 3);
	move(o, e->len - e->cur, 'D');
}

void
ledit_init(struct ledit *e)
{
	memset(e, 0, sizeof(*e));
}

void
ledit_start(struct ledit *e)
{
	e->len = e->cur = 0;
	e->line[0] = 0;
	e->esc = ESC_NONE;
	e->back = 0;
}

const char *
ledit_history(const struct ledit *e, unsigned k)
{
	if (k == 0 || k > e->nhist)
		return NULL;
	return e->hist[(e->hist_next + LEDIT_HIST - k) % LEDIT_HIST];
}

void
ledit_history_add(struct ledit *e, const char *line)
{
	size_t n = strnlen(line, LEDIT_LINE_MAX);
	const char *newest = ledit_history(e, 1);

	if (n == 0 || (newest && strncmp(newest, line, LEDIT_LINE_MAX) == 0))
		return;
	memcpy(e->hist[e->hist_next], line, n);
	e->hist[e->hist_next][n] = 0;
	e->hist_next = (e->hist_next + 1) % LEDIT_HIST;
	if (e->nhist < LEDIT_HIST)
		e->nhist++;
}

/* Show `s` (n bytes) as the whole line, cursor at its end. */
static void
replace_line(struct ledit *e, const char *s, size_t n, struct ledit_out *o)
{
	move(o, e->cur, 'D');
	memmove(e->line, s, n);
	e->line[n] = 0;
	e->len = e->cur = n;
	put(o, e->line, n);
	put(o, "\x1b[K", 3);
}

/* Walk the history: dir = +1 older, -1 newer. */
static void
history_step(struct ledit *e, int dir, struct ledit_out *o)
{
	unsigned want = e->back + (unsigned)(dir > 0 ? 1 : -1);

	if (dir < 0 && e->back == 0)
		return;
	if (dir > 0 && want > e->nhist)
		return;
	if (e->back == 0) {
		memcpy(e->saved, e->line, e->len + 1);
		e->saved_len = e->len;
	}
	e->back = want;
	if (want == 0)
		replace_line(e, e->saved, e->saved_len, o);
	else {
		const char *h = ledit_history(e, want);
		replace_line(e, h, strlen(h), o);
	}
}

static void
insert(struct ledit *e, char c, struct ledit_out *o)
{
	if (e->len == LEDIT_LINE_MAX)
		return;
	memmove(e->line + e->cur + 1, e->line + e->cur, e->len - e->cur + 1);
	e->line[e->cur] = c;
	e->len++;
	put(o, &c, 1);
	e->cur++;
	if (e->cur < e->len) {
		put(o, e->line + e->cur, e->len - e->cur);
		move(o, e->len - e->cur, 'D');
	}
}

static void
delete_at_cursor(struct ledit *e, struct ledit_out *o)
{
	if (e->cur == e->len)
		return;
	memmove(e->line + e->cur, e->line + e->cur + 1, e->len - e->cur);
	e->len--;
	redraw_tail(e, o);
}

static void
backspace(struct ledit *e, struct ledit_out *o)
{
	if (e->cur == 0)
		return;
	e->cur--;
	put(o, "\b", 1);
	delete_at_cursor(e, o);
}

static void
left(struct ledit *e, struct ledit_out *o)
{
	if (e->cur > 0) {
		e->cur--;
		move(o, 1, 'D');
	}
}

static void
right(struct ledit *e, struct ledit_out *o)
{
	if (e->cur < e->len) {
		e->cur++;
		move(o, 1, 'C');
	}
}

static void
home(struct ledit *e, struct ledit_out *o)
{
	move(o, e->cur, 'D');
	e->cur = 0;
}

static void
end(struct ledit *e, struct ledit_out *o)
{
	move(o, e->len - e->cur, 'C');
	e->cur = e->len;
}

static void
cut_to_end(struct ledit *e, struct ledit_out *o)
{
	e->len = e->cur;
	e->line[e->len] = 0;
	put(o, "\x1b[K", 3);
}

/* The final byte of ESC [ ... or ESC O ... */
static void
sequence(struct ledit *e, unsigned char c, struct ledit_out *o)
{
	switch (c) {
	case 'A':
		history_step(e, 1, o);
		break;
	case 'B':
		history_step(e, -1, o);
		break;
	case 'C':
		right(e, o);
		break;
	case 'D':
		left(e, o);
		break;
	case 'H':
		home(e, o);
		break;
	case 'F':
		end(e, o);
		break;
	case '~':
		if (e->param == 1 || e->param == 7)
			home(e, o);
		else if (e->param == 4 || e->param == 8)
			end(e, o);
		else if (e->param == 3)
			delete_at_cursor(e, o);
		break;
	default:
		break;
	}
}

/* Inside an escape sequence: 1 if c was taken by it. */
static int
escape(struct ledit *e, unsigned char c, struct ledit_out *o)
{
	switch (e->esc) {
	case ESC_SEEN:
		e->param = 0;
		e->esc = c == '[' ? ESC_CSI : c == 'O' ? ESC_SS3 : ESC_NONE;
		return 1;
	case ESC_SS3:
		e->esc = ESC_NONE;
		sequence(e, c, o);
		return 1;
	case ESC_CSI:
		if (c >= '0' && c <= '9') {
			e->param = e->param * 10 + (c - '0');
			if (e->param > PARAM_MAX)
				e->param = PARAM_MAX;
			return 1;
		}
		if (c == ';' || (c >= 0x20 && c <= 0x3f))
			return 1;	/* more parameters: ignored */
		e->esc = ESC_NONE;
		if (c >= 0x40 && c <= 0x7e)
			sequence(e, c, o);
		return 1;	/* a control byte inside a sequence ends it */
	default:
		return 0;
	}
}

enum ledit_result
ledit_key(struct ledit *e, unsigned char c, struct ledit_out *o)
{
	int after_cr = e->after_cr;

	e->after_cr = c == '\r';
	if (c == 0x1b) {
		e->esc = ESC_SEEN;
		return LEDIT_MORE;
	}
	if (escape(e, c, o))
		return LEDIT_MORE;
	switch (c) {
	case '\n':
		if (after_cr)
			return LEDIT_MORE;
		/* fall through */
	case '\r':
		put(o, "\n", 1);
		e->back = 0;
		return LEDIT_LINE;
	case 0x03:	/* ^C */
		put(o, "^C\n", 3);
		ledit_start(e);
		return LEDIT_INTR;
	case 0x04:	/* ^D */
		if (e->len == 0)
			return LEDIT_EOF;
		delete_at_cursor(e, o);
		break;
	case 0x7f:
	case 0x08:
		backspace(e, o);
		break;
	case 0x01:
		home(e, o);
		break;
	case 0x05:
		end(e, o);
		break;
	case 0x02:
		left(e, o);
		break;
	case 0x06:
		right(e, o);
		break;
	case 0x10:
		history_step(e, 1, o);
		break;
	case 0x0e:
		history_step(e, -1, o);
		break;
	case 0x0b:
		cut_to_end(e, o);
		break;
	case 0x15:	/* ^U */
		home(e, o);
		cut_to_end(e, o);
		break;
	default:
		if (c >= 0x20 && c < 0x7f)
			insert(e, (char)c, o);
		break;
	}
	return LEDIT_MORE;
}
