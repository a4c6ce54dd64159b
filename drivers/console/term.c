/*
 * Terminal model (see console/term.h).
 */
#include <string.h>

#include <console/term.h>

enum { ST_GROUND, ST_ESC, ST_ESC_INTER, ST_CSI, ST_DROP };

static void
damage(struct term *t, unsigned x0, unsigned y0, unsigned x1, unsigned y1)
{
	if (x0 >= x1 || y0 >= y1)
		return;
	if (t->x0 == t->x1) {
		t->x0 = x0, t->y0 = y0, t->x1 = x1, t->y1 = y1;
		return;
	}
	if (x0 < t->x0)
		t->x0 = x0;
	if (y0 < t->y0)
		t->y0 = y0;
	if (x1 > t->x1)
		t->x1 = x1;
	if (y1 > t->y1)
		t->y1 = y1;
}

/* Blank cells [x0, x1) of row y. */
static void
blank(struct term *t, unsigned y, unsigned x0, unsigned x1)
{
	if (x0 >= x1)
		return;
	memset(t->cells + (size_t)y * t->cols + x0, ' ', x1 - x0);
	damage(t, x0, y, x1, y + 1);
}

static void
scroll_up(struct term *t)
{
	memmove(t->cells, t->cells + t->cols, (size_t)(t->rows - 1) * t->cols);
	memset(t->cells + (size_t)(t->rows - 1) * t->cols, ' ', t->cols);
	if (t->scroll < t->rows)
		t->scroll++;
	/* Damage moves up with the picture; the new bottom line is damaged. */
	if (t->x0 != t->x1) {
		t->y0 = t->y0 ? t->y0 - 1 : 0;
		t->y1 = t->y1 ? t->y1 - 1 : 0;
		if (t->y0 == t->y1)
			t->x0 = t->x1 = t->y0 = t->y1 = 0;
	}
	if (t->drawn_cy)
		t->drawn_cy--;
	damage(t, 0, t->rows - 1, t->cols, t->rows);
}

static void
newline(struct term *t)
{
	t->cx = 0;
	if (t->cy + 1 < t->rows)
		t->cy++;
	else
		scroll_up(t);
}

static void
put(struct term *t, uint8_t c)
{
	if (t->cx >= t->cols)
		newline(t);
	t->cells[(size_t)t->cy * t->cols + t->cx] = c;
	damage(t, t->cx, t->cy, t->cx + 1, t->cy + 1);
	t->cx++;
}

static unsigned
par(const struct term *t, unsigned i, unsigned dflt)
{
	return i < t->npar && t->par[i] ? t->par[i] : dflt;
}

static unsigned
clamp_sub(unsigned a, unsigned b)
{
	return a > b ? a - b : 0;
}

static void
csi(struct term *t, uint8_t f)
{
	unsigned n = par(t, 0, 1), cx = t->cx < t->cols ? t->cx : t->cols - 1;

	switch (f) {
	case 'A':
		t->cy = clamp_sub(t->cy, n);
		break;
	case 'B':
		t->cy = t->cy + n < t->rows ? t->cy + n : t->rows - 1;
		break;
	case 'C':
		t->cx = cx + n < t->cols ? cx + n : t->cols - 1;
		break;
	case 'D':
		t->cx = clamp_sub(cx, n);
		break;
	case 'H':
	case 'f':
		t->cy = par(t, 0, 1) <= t->rows ? par(t, 0, 1) - 1 : t->rows - 1;
		t->cx = par(t, 1, 1) <= t->cols ? par(t, 1, 1) - 1 : t->cols - 1;
		break;
	case 'J':
		if (par(t, 0, 0) == 2) {
			for (unsigned y = 0; y < t->rows; y++)
				blank(t, y, 0, t->cols);
		} else if (par(t, 0, 0) == 0) {
			blank(t, t->cy, cx, t->cols);
			for (unsigned y = t->cy + 1; y < t->rows; y++)
				blank(t, y, 0, t->cols);
		}
		break;
	case 'K':
		if (par(t, 0, 0) == 0)
			blank(t, t->cy, cx, t->cols);
		else if (par(t, 0, 0) == 1)
			blank(t, t->cy, 0, cx + 1);
		else if (par(t, 0, 0) == 2)
			blank(t, t->cy, 0, t->cols);
		break;
	default:		/* 'm' (colours) and the rest: ignored */
		break;
	}
}

static void
control(struct term *t, uint8_t c)
{
	switch (c) {
	case '\n':
		newline(t);
		break;
	case '\r':
		t->cx = 0;
		break;
	case '\b':
		if (t->cx >= t->cols)
			t->cx = t->cols - 1;
		if (t->cx)
			t->cx--;
		break;
	case '\t':
		do
			put(t, ' ');
		while (t->cx % 8 && t->cx < t->cols);
		break;
	case 0x1b:
		t->state = ST_ESC;
		break;
	default:
		break;
	}
}

static void
byte(struct term *t, uint8_t c)
{
	switch (t->state) {
	case ST_ESC:
		if (c == '[') {
			t->state = ST_CSI;
			t->npar = 0;
			memset(t->par, 0, sizeof(t->par));
		} else if (c >= 0x20 && c <= 0x2f) {
			t->state = ST_ESC_INTER;	/* e.g. ESC ( B: charset */
		} else {
			t->state = ST_GROUND;	/* two-byte sequences: ignored */
		}
		return;
	case ST_ESC_INTER:
		if (c < 0x20 || c > 0x2f)
			t->state = ST_GROUND;	/* the final byte ends it */
		return;
	case ST_CSI:
	case ST_DROP:
		if (c >= '0' && c <= '9') {
			if (t->state == ST_DROP)
				return;
			if (!t->npar)
				t->npar = 1;
			unsigned *p = &t->par[t->npar - 1];
			*p = *p * 10 + (c - '0');
			if (*p > TERM_PARAM_MAX)
				t->state = ST_DROP;
		} else if (c == ';') {
			if (t->state == ST_DROP)
				return;
			if (!t->npar)
				t->npar = 1;
			if (t->npar == TERM_MAX_PARAMS)
				t->state = ST_DROP;
			else
				t->npar++;
		} else if (c >= 0x40 && c <= 0x7e) {
			if (t->state == ST_CSI)
				csi(t, c);
			t->state = ST_GROUND;
		} else if (c < 0x20 || c > 0x3f) {
			t->state = ST_GROUND;	/* not a CSI byte: give up */
		}
		return;
	default:
		break;
	}
	if (c < 0x20 || c == 0x7f)
		control(t, c);
	else if (c < 0x80 || c >= 0xa0)
		put(t, c);
}

void
term_init(struct term *t, unsigned cols, unsigned rows, uint8_t *cells)
{
	memset(t, 0, sizeof(*t));
	t->cols = cols;
	t->rows = rows;
	t->cells = cells;
	memset(cells, ' ', (size_t)cols * rows);
	damage(t, 0, 0, cols, rows);
}

void
term_write(struct term *t, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < n; i++)
		byte(t, p[i]);
}

void
term_take_damage(struct term *t, struct term_damage *d)
{
	d->x0 = t->x0, d->y0 = t->y0, d->x1 = t->x1, d->y1 = t->y1;
	d->scroll = t->scroll;
	d->old_cx = t->drawn_cx;
	d->old_cy = t->drawn_cy;
	t->x0 = t->x1 = t->y0 = t->y1 = 0;
	t->scroll = 0;
	t->drawn_cx = t->cx < t->cols ? t->cx : t->cols - 1;
	t->drawn_cy = t->cy;
}
