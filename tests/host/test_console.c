/*
 * Host tests of the console's pure parts: PSF parsing (the real font and
 * hostile variants), the terminal model, and the text renderer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <console/fbtext.h>
#include <console/psf.h>
#include <console/term.h>
#include <tessera/errors.h>

static int failures;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: FAIL %s\n", __FILE__, __LINE__, #cond); \
		failures++; \
	} \
} while (0)

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc(*len);
	if (!b || fread(b, 1, *len, f) != *len)
		exit(1);
	fclose(f);
	return b;
}

static int
glyph_ink(const struct psf *f, uint8_t c)
{
	const uint8_t *g = psf_glyph(f, c);
	int n = 0;
	for (uint32_t i = 0; i < f->row_bytes * f->height; i++)
		n += __builtin_popcount(g[i]);
	return n;
}

static void
test_font(const uint8_t *font, size_t len, struct psf *f)
{
	CHECK(psf_open(f, font, len) == 0);
	CHECK(f->width == 8 && f->height == 16 && f->nglyphs >= 256);
	CHECK(glyph_ink(f, ' ') == 0);
	CHECK(glyph_ink(f, 'A') > 10);
	CHECK(glyph_ink(f, 'A') != glyph_ink(f, 'I'));
	/* The Unicode table maps ASCII to the glyphs that draw it. */
	CHECK(memcmp(psf_glyph(f, 'A'), psf_glyph(f, 'B'), 16) != 0);

	/* Every truncation is refused or parses within bounds (ASan watches). */
	for (size_t n = 0; n < len; n++) {
		uint8_t *cut = malloc(n ? n : 1);
		memcpy(cut, font, n);
		struct psf g;
		int rc = psf_open(&g, cut, n);
		CHECK(rc == 0 || rc == -ERR_INVAL);
		if (rc == 0)
			for (unsigned c = 0; c < 256; c++)
				(void)glyph_ink(&g, (uint8_t)c);
		free(cut);
	}
	/* A glyph height of 0 or over the maximum. */
	uint8_t *bad = malloc(len);
	memcpy(bad, font, len);
	bad[3] = 0;
	CHECK(psf_open(&(struct psf){0}, bad, len) == -ERR_INVAL);
	bad[0] = 0x72;
	CHECK(psf_open(&(struct psf){0}, bad, len) == -ERR_INVAL);
	free(bad);

	/* A PSF2 font built here: 2 glyphs of 10x3, a table naming 'x' and
	 * the UTF-8 e-acute (0xe9) for glyph 1. */
	uint8_t p2[32 + 2 * 6 + 8] = { 0x72, 0xb5, 0x4a, 0x86, 0, 0, 0, 0, 32, 0, 0, 0,
		1, 0, 0, 0, 2, 0, 0, 0, 6, 0, 0, 0, 3, 0, 0, 0, 10, 0, 0, 0 };
	memset(p2 + 32 + 6, 0xff, 6);
	uint8_t tab[] = { 'a', 0xff, 'x', 0xc3, 0xa9, 0xff };
	memcpy(p2 + 44, tab, sizeof(tab));
	struct psf g2;
	CHECK(psf_open(&g2, p2, 44 + sizeof(tab)) == 0);
	CHECK(g2.width == 10 && g2.row_bytes == 2);
	CHECK(psf_glyph(&g2, 'x')[0] == 0xff && psf_glyph(&g2, 0xe9)[0] == 0xff);
	CHECK(psf_glyph(&g2, 'a')[0] == 0);
	tab[3] = 0xc3, tab[4] = 0x41;	/* bad continuation byte */
	memcpy(p2 + 44, tab, sizeof(tab));
	CHECK(psf_open(&g2, p2, 44 + sizeof(tab)) == -ERR_INVAL);
	CHECK(psf_open(&g2, p2, 44 + 2) == -ERR_INVAL);	/* table cut short */
	p2[20] = 1;	/* glyph bytes smaller than 2 x 3 rows */
	CHECK(psf_open(&g2, p2, sizeof(p2)) == -ERR_INVAL);
}

static void
row_is(const struct term *t, unsigned y, const char *want)
{
	char got[256];
	memcpy(got, t->cells + (size_t)y * t->cols, t->cols);
	got[t->cols] = 0;
	size_t n = strlen(want);
	int ok = !memcmp(got, want, n);
	for (size_t i = n; i < t->cols; i++)
		ok &= got[i] == ' ';
	if (!ok) {
		fprintf(stderr, "row %u: got '%s' want '%s'\n", y, got, want);
		failures++;
	}
}

static void
say(struct term *t, const char *s)
{
	term_write(t, s, strlen(s));
}

static void
test_term(void)
{
	static uint8_t cells[10 * 4];
	struct term t;
	struct term_damage d;

	term_init(&t, 10, 4, cells);
	term_take_damage(&t, &d);
	CHECK(d.x0 == 0 && d.x1 == 10 && d.y0 == 0 && d.y1 == 4 && d.scroll == 0);
	say(&t, "hello\nworld");
	row_is(&t, 0, "hello");
	row_is(&t, 1, "world");
	CHECK(t.cx == 5 && t.cy == 1);
	term_take_damage(&t, &d);
	CHECK(d.x0 == 0 && d.x1 == 5 && d.y0 == 0 && d.y1 == 2);
	term_take_damage(&t, &d);
	CHECK(d.x0 == d.x1);	/* nothing new */

	/* Deferred wrap: exactly 10 characters then a newline is one line. */
	say(&t, "\r0123456789");
	CHECK(t.cx == 10 && t.cy == 1);
	say(&t, "\n");
	CHECK(t.cx == 0 && t.cy == 2);
	say(&t, "abcdefghijKL");
	row_is(&t, 2, "abcdefghij");
	row_is(&t, 3, "KL");

	/* Scrolling: the picture moves up, damage follows it. */
	term_take_damage(&t, &d);
	say(&t, "\nX");
	row_is(&t, 0, "0123456789");
	row_is(&t, 2, "KL");
	row_is(&t, 3, "X");
	term_take_damage(&t, &d);
	CHECK(d.scroll == 1 && d.y0 == 3 && d.y1 == 4 && d.old_cy == 2);
	for (int i = 0; i < 9; i++)
		say(&t, "\n");
	term_take_damage(&t, &d);
	CHECK(d.scroll == 4 && d.y0 == 0 && d.y1 == 4);	/* saturates at rows */

	/* Cursor movement and erasing. */
	term_init(&t, 10, 4, cells);
	say(&t, "abcdef\x1b[3DX\x1b[K");
	row_is(&t, 0, "abcX");
	say(&t, "\x1b[2;3HY\x1b[1;1H\x1b[2C!");
	row_is(&t, 0, "ab!X");
	row_is(&t, 1, "  Y");
	say(&t, "\x1b[1K");	/* start of line to the cursor (on X), inclusive */
	row_is(&t, 0, "");
	say(&t, "\x1b[99B\x1b[99C#");
	row_is(&t, 3, "         #");
	say(&t, "\x1b[2J");
	for (unsigned y = 0; y < 4; y++)
		row_is(&t, y, "");
	/* Backspace, tab, junk sequences, huge and many parameters. */
	term_init(&t, 10, 4, cells);
	say(&t, "ab\bc\tz\x1b[31;1mq\x1b[99999999999A\x1b[1;2;3;4;5;6Hw\x1b(Bv");
	CHECK(!memcmp(cells, "ac      zq", 10));
	row_is(&t, 1, "wv");
	say(&t, "\x1b[0Ju");	/* erase below: row 1 keeps "wv", then u */
	row_is(&t, 1, "wvu");
	row_is(&t, 2, "");
}

static void
test_render(const struct psf *f)
{
	enum { COLS = 6, ROWS = 3 };
	static uint8_t cells[COLS * ROWS];
	static uint32_t px[COLS * 8 * ROWS * 16];
	struct term t;
	struct term_damage d;
	struct fbtext v = { .font = f, .px = px, .stride = COLS * 8, .fg = 0xffffff,
		.bg = 0x000010, .cursor = 1 };
	struct fbtext_rect r;

	term_init(&t, COLS, ROWS, cells);
	say(&t, "Hi");
	term_take_damage(&t, &d);
	CHECK(fbtext_render(&v, &t, &d, &r) == 1);
	CHECK(r.x == 0 && r.y == 0 && r.w == COLS * 8 && r.h == ROWS * 16);
	/* Every pixel of 'H' and 'i' against the font. */
	for (unsigned c = 0; c < 2; c++) {
		const uint8_t *g = psf_glyph(f, "Hi"[c]);
		for (unsigned y = 0; y < 16; y++)
			for (unsigned x = 0; x < 8; x++) {
				uint32_t want = g[y] & (0x80 >> x) ? 0xffffff : 0x000010;
				CHECK(px[y * COLS * 8 + c * 8 + x] == want);
			}
	}
	/* The cursor cell (2, 0) is inverted: a blank drawn in fg. */
	CHECK(px[5 * COLS * 8 + 2 * 8 + 3] == 0xffffff);
	/* One more character: only two cells change (it and the cursor). */
	say(&t, "!");
	term_take_damage(&t, &d);
	CHECK(fbtext_render(&v, &t, &d, &r) == 1);
	CHECK(r.x == 16 && r.y == 0 && r.w == 16 && r.h == 16);
	term_take_damage(&t, &d);
	CHECK(fbtext_render(&v, &t, &d, &r) == 0);
	/* Scrolling moves pixels: row 1's glyph appears in row 0. */
	say(&t, "\nA\nB\nC");
	term_take_damage(&t, &d);
	CHECK(d.scroll == 1);
	CHECK(fbtext_render(&v, &t, &d, &r) == 1);
	CHECK(r.w == COLS * 8 && r.h == ROWS * 16);
	const uint8_t *ga = psf_glyph(f, 'A');
	for (unsigned y = 0; y < 16; y++)
		for (unsigned x = 0; x < 8; x++)
			CHECK(px[y * COLS * 8 + x] == (ga[y] & (0x80 >> x) ? 0xffffffu : 0x000010u));
}

int
main(void)
{
	size_t len;
	uint8_t *font = slurp(CONSOLE_FONT, &len);
	struct psf f;

	test_font(font, len, &f);
	test_term();
	test_render(&f);
	free(font);
	if (failures) {
		fprintf(stderr, "test_console: %d failures\n", failures);
		return 1;
	}
	printf("test_console: ok\n");
	return 0;
}
