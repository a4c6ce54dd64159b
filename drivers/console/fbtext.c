/*
 * Terminal cells to pixels (see console/fbtext.h).
 */
#include <string.h>

#include <console/fbtext.h>

void
fbtext_cell(const struct fbtext *v, const struct term *t, unsigned x, unsigned y,
    int inverse)
{
	const struct psf *f = v->font;
	const uint8_t *g = psf_glyph(f, term_at(t, x, y));
	uint32_t fg = inverse ? v->bg : v->fg, bg = inverse ? v->fg : v->bg;
	uint32_t *row = v->px + (size_t)y * f->height * v->stride + (size_t)x * f->width;

	uint32_t diff = fg ^ bg;

	/* Branch-free: a set bit selects fg through an all-ones mask. */
	for (unsigned gy = 0; gy < f->height; gy++, row += v->stride, g += f->row_bytes) {
		for (unsigned bx = 0; bx < f->row_bytes; bx++) {
			uint32_t bits = g[bx];
			uint32_t *p = row + bx * 8;
			unsigned n = f->width - bx * 8 < 8 ? f->width - bx * 8 : 8;
			for (unsigned i = 0; i < n; i++)
				p[i] = bg ^ (diff & -((bits >> (7 - i)) & 1u));
		}
	}
}

/* Grow rectangle a (cells) to hold cell (x, y). */
static void
grow(unsigned *x0, unsigned *y0, unsigned *x1, unsigned *y1, unsigned x, unsigned y)
{
	if (*x0 == *x1) {
		*x0 = x, *y0 = y, *x1 = x + 1, *y1 = y + 1;
		return;
	}
	if (x < *x0)
		*x0 = x;
	if (y < *y0)
		*y0 = y;
	if (x + 1 > *x1)
		*x1 = x + 1;
	if (y + 1 > *y1)
		*y1 = y + 1;
}

int
fbtext_render(const struct fbtext *v, const struct term *t,
    const struct term_damage *d, struct fbtext_rect *r)
{
	const struct psf *f = v->font;
	unsigned x0 = d->x0, y0 = d->y0, x1 = d->x1, y1 = d->y1;
	unsigned cx = t->cx < t->cols ? t->cx : t->cols - 1, cy = t->cy;

	if (d->scroll && d->scroll < t->rows) {
		size_t line = (size_t)f->height * v->stride;
		memmove(v->px, v->px + d->scroll * line,
		    (t->rows - d->scroll) * line * sizeof(uint32_t));
	}
	for (unsigned y = y0; y < y1; y++)
		for (unsigned x = x0; x < x1; x++)
			fbtext_cell(v, t, x, y, 0);
	if (v->cursor && (d->old_cx != cx || d->old_cy != cy)) {
		fbtext_cell(v, t, d->old_cx, d->old_cy, 0);
		grow(&x0, &y0, &x1, &y1, d->old_cx, d->old_cy);
	}
	if (v->cursor) {
		fbtext_cell(v, t, cx, cy, 1);
		if (x0 != x1 || d->old_cx != cx || d->old_cy != cy)
			grow(&x0, &y0, &x1, &y1, cx, cy);
	}
	if (d->scroll)
		x0 = 0, y0 = 0, x1 = t->cols, y1 = t->rows;
	if (x0 == x1)
		return 0;
	r->x = x0 * f->width;
	r->y = y0 * f->height;
	r->w = (x1 - x0) * f->width;
	r->h = (y1 - y0) * f->height;
	return 1;
}
