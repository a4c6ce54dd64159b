/*
 * PSF1/PSF2 font parser (see console/psf.h).  Formats: the kbd project's
 * "font-formats" notes, shipped in Debian's kbd documentation.
 */
#include <string.h>

#include <console/psf.h>
#include <tessera/errors.h>

#define PSF1_MAGIC0	0x36
#define PSF1_MAGIC1	0x04
#define PSF1_MODE512	0x01
#define PSF1_MODEHASTAB	0x02
#define PSF1_MODESEQ	0x04
#define PSF1_SEPARATOR	0xffff
#define PSF1_STARTSEQ	0xfffe

#define PSF2_MAGIC	0x864ab572u
#define PSF2_HAS_UNICODE_TABLE 0x01u
#define PSF2_SEPARATOR	0xff
#define PSF2_STARTSEQ	0xfe

static uint32_t
le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int
fail(struct psf *f, const char *why)
{
	f->err = why;
	return -ERR_INVAL;
}

/* Record that glyph g draws code point cp (only Latin-1 matters here); the
 * first glyph named for a code point wins. */
static void
map_cp(struct psf *f, uint8_t *seen, uint32_t cp, uint32_t g)
{
	if (cp < 256 && !seen[cp]) {
		seen[cp] = 1;
		f->map[cp] = (uint16_t)g;
	}
}

/* Decode one UTF-8 sequence at [p, end); returns its length (0 = bad). */
static size_t
utf8(const uint8_t *p, const uint8_t *end, uint32_t *cp)
{
	size_t n = 0;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	} else if ((p[0] & 0xe0) == 0xc0) {
		n = 2, *cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3, *cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		n = 4, *cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (p[i] & 0x3f);
	}
	return n;
}

/* PSF2 table: per glyph, UTF-8 code points, then sequences after 0xfe,
 * ended by 0xff. */
static int
table2(struct psf *f, const uint8_t *p, const uint8_t *end, uint8_t *seen)
{
	for (uint32_t g = 0; g < f->nglyphs; g++) {
		int in_seq = 0;
		for (;;) {
			if (p >= end)
				return fail(f, "unicode table truncated");
			if (*p == PSF2_SEPARATOR) {
				p++;
				break;
			}
			if (*p == PSF2_STARTSEQ) {
				in_seq = 1;
				p++;
				continue;
			}
			uint32_t cp;
			size_t n = utf8(p, end, &cp);
			if (!n)
				return fail(f, "bad UTF-8 in unicode table");
			if (!in_seq)
				map_cp(f, seen, cp, g);
			p += n;
		}
	}
	return 0;
}

/* PSF1 table: per glyph, 16-bit code points, 0xfffe starts sequences,
 * 0xffff ends the glyph's list. */
static int
table1(struct psf *f, const uint8_t *p, const uint8_t *end, uint8_t *seen)
{
	for (uint32_t g = 0; g < f->nglyphs; g++) {
		int in_seq = 0;
		for (;;) {
			if (end - p < 2)
				return fail(f, "unicode table truncated");
			uint32_t v = p[0] | (uint32_t)p[1] << 8;
			p += 2;
			if (v == PSF1_SEPARATOR)
				break;
			if (v == PSF1_STARTSEQ)
				in_seq = 1;
			else if (!in_seq)
				map_cp(f, seen, v, g);
		}
	}
	return 0;
}

int
psf_open(struct psf *f, const void *data, size_t len)
{
	const uint8_t *b = data, *end = b + len;
	uint8_t seen[256];
	uint32_t hdr, flags;
	int has_table;

	memset(f, 0, sizeof(*f));
	memset(seen, 0, sizeof(seen));
	if (len >= 4 && b[0] == PSF1_MAGIC0 && b[1] == PSF1_MAGIC1) {
		f->nglyphs = b[2] & PSF1_MODE512 ? 512 : 256;
		f->height = b[3];
		f->width = 8;
		f->glyph_bytes = f->height;
		has_table = !!(b[2] & (PSF1_MODEHASTAB | PSF1_MODESEQ));
		hdr = 4;
	} else if (len >= 32 && le32(b) == PSF2_MAGIC) {
		hdr = le32(b + 8);
		flags = le32(b + 12);
		f->nglyphs = le32(b + 16);
		f->glyph_bytes = le32(b + 20);
		f->height = le32(b + 24);
		f->width = le32(b + 28);
		has_table = !!(flags & PSF2_HAS_UNICODE_TABLE);
		if (hdr < 32 || hdr > len)
			return fail(f, "bad PSF2 header size");
	} else {
		return fail(f, "not a PSF1 or PSF2 font");
	}
	if (!f->width || f->width > PSF_MAX_WIDTH || !f->height || f->height > PSF_MAX_HEIGHT)
		return fail(f, "glyph size out of range");
	f->row_bytes = (f->width + 7) / 8;
	if (f->glyph_bytes < f->row_bytes * f->height)
		return fail(f, "glyph bytes too small for its size");
	if (!f->nglyphs || f->nglyphs > 65536)
		return fail(f, "glyph count out of range");
	if ((uint64_t)f->nglyphs * f->glyph_bytes > len - hdr)
		return fail(f, "glyphs truncated");
	f->glyphs = b + hdr;
	for (unsigned c = 0; c < 256; c++)
		f->map[c] = c < f->nglyphs ? (uint16_t)c : 0;
	if (has_table) {
		const uint8_t *t = f->glyphs + (size_t)f->nglyphs * f->glyph_bytes;
		int rc = b[0] == PSF1_MAGIC0 ? table1(f, t, end, seen) : table2(f, t, end, seen);
		if (rc < 0)
			return rc;
		/* Characters the table does not name draw as '?' if it names that. */
		for (unsigned c = 0; c < 256; c++)
			if (!seen[c] && seen['?'])
				f->map[c] = f->map['?'];
	}
	return 0;
}

const uint8_t *
psf_glyph(const struct psf *f, uint8_t c)
{
	return f->glyphs + (size_t)f->map[c] * f->glyph_bytes;
}
