/*
 * A tiny flattened-device-tree writer for tests: builds blobs with exact
 * layouts so a test can break one field at a known offset.
 *
 * How to use:
 *   struct fb b; fb_init(&b);
 *   fb_begin(&b, ""); fb_prop_u32(&b, "#address-cells", 2); ...
 *   fb_end(&b); blob = fb_finish(&b, &size);   (malloc'd, exact size)
 * fb_finish appends FDT_END unless b.no_end is set.  After it, b.off_struct
 * and b.off_strings hold where the blocks went; fb_begin/fb_prop return
 * the token's offset inside the structure block.
 */
#ifndef TESSERA_TEST_FDT_BUILD_H
#define TESSERA_TEST_FDT_BUILD_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FB_STRUCT_MAX 65536
#define FB_STRINGS_MAX 4096
#define FB_RSV_MAX 32

struct fb {
	uint8_t st[FB_STRUCT_MAX];
	size_t nst;
	char str[FB_STRINGS_MAX];
	size_t nstr;
	uint64_t rsv[FB_RSV_MAX][2];
	unsigned nrsv;
	int no_end;		/* leave out FDT_END */
	int no_rsv_end;		/* leave out the rsvmap terminator */
	uint32_t version;
	size_t off_struct, off_strings, off_rsvmap;
};

static inline void
fb_init(struct fb *b)
{
	memset(b, 0, sizeof(*b));
	b->version = 17;
}

static inline void
fb_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void
fb_put64(uint8_t *p, uint64_t v)
{
	fb_put32(p, (uint32_t)(v >> 32));
	fb_put32(p + 4, (uint32_t)v);
}

static inline void
fb_tok(struct fb *b, uint32_t v)
{
	if (b->nst + 4 > FB_STRUCT_MAX)
		abort();
	fb_put32(b->st + b->nst, v);
	b->nst += 4;
}

static inline void
fb_bytes(struct fb *b, const void *d, size_t n)
{
	if (b->nst + n + 3 > FB_STRUCT_MAX)
		abort();
	memcpy(b->st + b->nst, d, n);
	b->nst += n;
	while (b->nst % 4)
		b->st[b->nst++] = 0;
}

static inline size_t
fb_begin(struct fb *b, const char *name)
{
	size_t off = b->nst;

	fb_tok(b, 1);
	fb_bytes(b, name, strlen(name) + 1);
	return off;
}

static inline void
fb_end(struct fb *b)
{
	fb_tok(b, 2);
}

static inline uint32_t
fb_string(struct fb *b, const char *s)
{
	size_t i = 0, n = strlen(s) + 1;

	while (i < b->nstr) {
		if (strcmp(b->str + i, s) == 0)
			return (uint32_t)i;
		i += strlen(b->str + i) + 1;
	}
	if (b->nstr + n > FB_STRINGS_MAX)
		abort();
	memcpy(b->str + b->nstr, s, n);
	b->nstr += n;
	return (uint32_t)i;
}

static inline size_t
fb_prop(struct fb *b, const char *name, const void *d, size_t n)
{
	size_t off = b->nst;

	fb_tok(b, 3);
	fb_tok(b, (uint32_t)n);
	fb_tok(b, fb_string(b, name));
	fb_bytes(b, d, n);
	return off;
}

static inline size_t
fb_prop_u32(struct fb *b, const char *name, uint32_t v)
{
	uint8_t d[4];

	fb_put32(d, v);
	return fb_prop(b, name, d, 4);
}

static inline size_t
fb_prop_u64(struct fb *b, const char *name, uint64_t v)
{
	uint8_t d[8];

	fb_put64(d, v);
	return fb_prop(b, name, d, 8);
}

/* "reg" with 2 address and 2 size cells. */
static inline size_t
fb_prop_reg(struct fb *b, uint64_t base, uint64_t size)
{
	uint8_t d[16];

	fb_put64(d, base);
	fb_put64(d + 8, size);
	return fb_prop(b, "reg", d, 16);
}

static inline size_t
fb_prop_str(struct fb *b, const char *name, const char *s)
{
	return fb_prop(b, name, s, strlen(s) + 1);
}

static inline void
fb_rsv(struct fb *b, uint64_t base, uint64_t size)
{
	if (b->nrsv == FB_RSV_MAX)
		abort();
	b->rsv[b->nrsv][0] = base;
	b->rsv[b->nrsv][1] = size;
	b->nrsv++;
}

/* The finished blob, malloc'd with exactly *size bytes. */
static inline uint8_t *
fb_finish(struct fb *b, size_t *size)
{
	size_t nrsv = b->nrsv + (b->no_rsv_end ? 0 : 1), i, n;
	uint8_t *p;

	if (!b->no_end)
		fb_tok(b, 9);
	b->off_rsvmap = 40;
	b->off_struct = b->off_rsvmap + nrsv * 16;
	b->off_strings = b->off_struct + b->nst;
	n = b->off_strings + b->nstr;
	p = calloc(1, n);
	if (p == NULL)
		abort();
	fb_put32(p, 0xd00dfeed);
	fb_put32(p + 4, (uint32_t)n);
	fb_put32(p + 8, (uint32_t)b->off_struct);
	fb_put32(p + 12, (uint32_t)b->off_strings);
	fb_put32(p + 16, (uint32_t)b->off_rsvmap);
	fb_put32(p + 20, b->version);
	fb_put32(p + 24, 16);
	fb_put32(p + 32, (uint32_t)b->nstr);
	fb_put32(p + 36, (uint32_t)b->nst);
	for (i = 0; i < b->nrsv; i++) {
		fb_put64(p + 40 + i * 16, b->rsv[i][0]);
		fb_put64(p + 48 + i * 16, b->rsv[i][1]);
	}
	memcpy(p + b->off_struct, b->st, b->nst);
	memcpy(p + b->off_strings, b->str, b->nstr);
	*size = n;
	return p;
}

#endif
