/*
 * Drawing a terminal (console/term.h) into a 32-bit pixel buffer with a PSF
 * font (console/psf.h).  Pure C: no I/O.  The caller sends the returned
 * rectangle to the display afterwards.
 *
 *   struct fbtext v = { .font = &f, .px = buf, .stride = pixels_per_row,
 *                       .fg = 0xffffff, .bg = 0 };
 *   term_take_damage(&t, &d);
 *   if (fbtext_render(&v, &t, &d, &r)) send/flush rectangle r
 *
 * Cell (x, y) occupies pixels [x * font->width, +width) x [y * height,
 * +height).  The cursor cell is drawn with fg and bg swapped.
 */
#ifndef CONSOLE_FBTEXT_H
#define CONSOLE_FBTEXT_H

#include <stddef.h>
#include <stdint.h>

#include <console/psf.h>
#include <console/term.h>

struct fbtext {
	const struct psf *font;
	uint32_t *px;		/* top-left pixel of the text area */
	size_t stride;		/* pixels per row of px */
	uint32_t fg, bg;	/* 0x00RRGGBB */
	uint8_t cursor;		/* draw the cursor */
};

struct fbtext_rect {
	unsigned x, y, w, h;	/* pixels */
};

/* Apply damage d of terminal t to the pixels; store in *r the rectangle
 * that changed.  Returns 1 if anything changed, 0 if not. */
int fbtext_render(const struct fbtext *v, const struct term *t,
    const struct term_damage *d, struct fbtext_rect *r);

/* Draw cell (x, y) of t; inverse swaps the colours. */
void fbtext_cell(const struct fbtext *v, const struct term *t, unsigned x, unsigned y,
    int inverse);

#endif
