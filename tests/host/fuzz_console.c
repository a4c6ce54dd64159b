/*
 * libFuzzer: hostile PSF fonts and terminal byte streams.  Byte 0 picks
 * the mode: even = the rest is a font (parsed, every glyph of 0..255
 * looked up and drawn); odd = the rest is terminal output (drawn with a
 * tiny built-in font into a small screen).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <console/fbtext.h>
#include <console/psf.h>
#include <console/term.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { COLS = 7, ROWS = 5 };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t cells[COLS * ROWS];
	static uint32_t px[COLS * 32 * ROWS * 64];
	struct psf f;
	struct term t;
	struct term_damage d;
	struct fbtext_rect r;

	if (size < 1)
		return 0;
	if (!(data[0] & 1)) {
		if (psf_open(&f, data + 1, size - 1) == 0) {
			struct fbtext v = { .font = &f, .px = px, .stride = COLS * f.width,
				.fg = 1, .cursor = 1 };
			term_init(&t, COLS, ROWS, cells);
			for (unsigned c = 0; c < 256; c++)
				cells[c % (COLS * ROWS)] = (uint8_t)c;
			term_take_damage(&t, &d);
			fbtext_render(&v, &t, &d, &r);
		}
		return 0;
	}
	static const uint8_t tiny[4 + 256] = { 0x36, 0x04, 0x00, 0x01 };
	if (psf_open(&f, tiny, sizeof(tiny)) != 0)
		__builtin_trap();
	struct fbtext v = { .font = &f, .px = px, .stride = COLS * 8, .fg = 1, .cursor = 1 };
	term_init(&t, COLS, ROWS, cells);
	for (size_t i = 1; i < size; i += 16) {
		term_write(&t, data + i, size - i < 16 ? size - i : 16);
		if (t.cx > COLS || t.cy >= ROWS)
			__builtin_trap();
		term_take_damage(&t, &d);
		if (d.x1 > COLS || d.y1 > ROWS || d.old_cx >= COLS || d.old_cy >= ROWS)
			__builtin_trap();
		if (fbtext_render(&v, &t, &d, &r) &&
		    (r.x + r.w > COLS * 8 || r.y + r.h > ROWS))
			__builtin_trap();
	}
	return 0;
}
