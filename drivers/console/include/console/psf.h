/*
 * PSF console fonts (PC Screen Font, versions 1 and 2, as shipped by
 * Debian's console-setup-linux in /usr/share/consolefonts).  Pure C: the
 * console server uses it in the guest, tests/host/test_console.c on the host.
 *
 * How to use:
 *
 *   struct psf f;
 *   if (psf_open(&f, bytes, len) < 0) ... f.err says why
 *   const uint8_t *g = psf_glyph(&f, 'A');    never NULL: unknown -> '?' or 0
 *   row y of the glyph: g + y * f.row_bytes, bit 7 of byte 0 = leftmost pixel
 *
 * psf_open checks every length against `len` (a truncated or hostile file is
 * refused with -ERR_INVAL, never read past), and builds the map from
 * characters 0..255 to glyphs from the font's Unicode table when it has one
 * (Latin-1 code points), else glyph i draws character i.
 */
#ifndef CONSOLE_PSF_H
#define CONSOLE_PSF_H

#include <stddef.h>
#include <stdint.h>

#define PSF_MAX_WIDTH	32u
#define PSF_MAX_HEIGHT	64u

struct psf {
	const uint8_t *glyphs;	/* nglyphs * glyph_bytes */
	uint32_t nglyphs;
	uint32_t glyph_bytes;
	uint32_t width, height;	/* pixels */
	uint32_t row_bytes;	/* (width + 7) / 8 */
	uint16_t map[256];	/* character -> glyph index */
	const char *err;	/* why psf_open failed */
};

/* Parse a PSF1 or PSF2 font held in [data, data + len) (which must stay
 * valid while the font is used).  0, or -ERR_INVAL with f->err set. */
int psf_open(struct psf *f, const void *data, size_t len);

/* The bitmap of character c. */
const uint8_t *psf_glyph(const struct psf *f, uint8_t c);

#endif
