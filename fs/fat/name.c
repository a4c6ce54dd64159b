/*
 * Names: UTF-8 <-> UTF-16 for long names, 8.3 short names, the LFN
 * checksum and the "~N" alias of the Microsoft spec (section 7.4).
 * Case folding is ASCII only: "Ä" and "ä" are different names.
 */
#include "fat_int.h"

uint8_t
lfn_checksum(const uint8_t *name11)
{
	uint8_t sum = 0;
	int i;

	for (i = 0; i < 11; i++)
		sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + name11[i]);
	return sum;
}

static int
up(int c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

/* Characters allowed in a short name besides A-Z and 0-9. */
static int
short_char(int c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != 0 && strchr("$%'-_@~`!(){}^#&", c) != NULL;
}

/*
 * Decode a UTF-8 name into UTF-16 units (out holds FAT_NAME_MAX).
 * Returns the unit count, -ERR_INVAL for malformed UTF-8 or
 * -FAT_ERR_NAMELEN if it is too long.
 */
int
name_to_ucs2(const char *name, size_t len, uint16_t *out)
{
	const uint8_t *s = (const uint8_t *)name;
	size_t i = 0;
	uint32_t cp;
	int n = 0, extra, k;

	while (i < len) {
		cp = s[i++];
		if (cp < 0x80) {
			extra = 0;
		} else if ((cp & 0xe0) == 0xc0) {
			cp &= 0x1f;
			extra = 1;
		} else if ((cp & 0xf0) == 0xe0) {
			cp &= 0x0f;
			extra = 2;
		} else if ((cp & 0xf8) == 0xf0) {
			cp &= 0x07;
			extra = 3;
		} else {
			return -ERR_INVAL;
		}
		for (k = 0; k < extra; k++) {
			if (i >= len || (s[i] & 0xc0) != 0x80)
				return -ERR_INVAL;
			cp = cp << 6 | (s[i++] & 0x3f);
		}
		if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
		    (extra == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return -ERR_INVAL;
		if (cp >= 0x10000) {
			if (n + 2 > FAT_NAME_MAX)
				return -FAT_ERR_NAMELEN;
			cp -= 0x10000;
			out[n++] = (uint16_t)(0xd800 | cp >> 10);
			out[n++] = (uint16_t)(0xdc00 | (cp & 0x3ff));
		} else {
			if (n + 1 > FAT_NAME_MAX)
				return -FAT_ERR_NAMELEN;
			out[n++] = (uint16_t)cp;
		}
	}
	return n;
}

/* Encode n UTF-16 units as UTF-8 (unpaired surrogates become '?'). */
void
ucs2_to_utf8(const uint16_t *in, int n, char *out, size_t outsz)
{
	size_t o = 0;
	uint32_t cp;
	int i;

	for (i = 0; i < n && o + 5 <= outsz; i++) {
		cp = in[i];
		if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < n &&
		    in[i + 1] >= 0xdc00 && in[i + 1] <= 0xdfff) {
			cp = 0x10000 + ((cp - 0xd800) << 10) +
			     (in[i + 1] - 0xdc00u);
			i++;
		} else if (cp >= 0xd800 && cp <= 0xdfff) {
			cp = '?';
		}
		if (cp < 0x80) {
			out[o++] = (char)cp;
		} else if (cp < 0x800) {
			out[o++] = (char)(0xc0 | cp >> 6);
			out[o++] = (char)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			out[o++] = (char)(0xe0 | cp >> 12);
			out[o++] = (char)(0x80 | (cp >> 6 & 0x3f));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		} else {
			out[o++] = (char)(0xf0 | cp >> 18);
			out[o++] = (char)(0x80 | (cp >> 12 & 0x3f));
			out[o++] = (char)(0x80 | (cp >> 6 & 0x3f));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	out[o] = '\0';
}

/* Is this a name a new entry may have?  Not ".", "..", no control or
 * reserved characters, no trailing dot or space. */
int
name_valid(const char *name, size_t len)
{
	size_t i;
	uint8_t c;

	if (len == 0 || (len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	if (name[len - 1] == '.' || name[len - 1] == ' ')
		return 0;
	for (i = 0; i < len; i++) {
		c = (uint8_t)name[i];
		if (c < 0x20 || c == 0x7f || strchr("\"*/:<>?\\|", c) != NULL)
			return 0;
	}
	return 1;
}

/* Case of the letters in s[0..n): 0 none, 1 upper, 2 lower, 3 mixed. */
static int
letter_case(const char *s, size_t n)
{
	int k = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] >= 'A' && s[i] <= 'Z')
			k |= 1;
		else if (s[i] >= 'a' && s[i] <= 'z')
			k |= 2;
	}
	return k;
}

/*
 * Is name an 8.3 name that needs no long entry?  If so fill name11 (upper
 * case, space padded) and ntcase (lower-case flags of byte 12) and return 1.
 */
int
name_is_short(const char *name, size_t len, uint8_t *name11, uint8_t *ntcase)
{
	size_t i, dot = len, blen, elen;
	int bc, ec;

	for (i = 0; i < len; i++) {
		if (name[i] == '.') {
			if (dot != len)
				return 0;
			dot = i;
		} else if (!short_char((uint8_t)name[i])) {
			return 0;
		}
	}
	blen = dot;
	elen = dot == len ? 0 : len - dot - 1;
	if (blen < 1 || blen > 8 || elen > 3 || (dot != len && elen == 0))
		return 0;
	bc = letter_case(name, blen);
	ec = letter_case(name + dot + 1, elen);
	if (bc == 3 || ec == 3)
		return 0;
	memset(name11, ' ', 11);
	for (i = 0; i < blen; i++)
		name11[i] = (uint8_t)up(name[i]);
	for (i = 0; i < elen; i++)
		name11[8 + i] = (uint8_t)up(name[dot + 1 + i]);
	*ntcase = (uint8_t)((bc == 2 ? 0x08 : 0) | (ec == 2 ? 0x10 : 0));
	return 1;
}

/* The basis short name of a long name (spec 7.4 steps 1-6, no tail). */
void
name_basis(const uint16_t *u, int n, uint8_t *name11)
{
	int i, last_dot = -1, b = 0, e = 0;
	uint16_t c;

	memset(name11, ' ', 11);
	for (i = 0; i < n; i++)
		if (u[i] == '.')
			last_dot = i;
	for (i = 0; i < n && (last_dot < 0 || i < last_dot) && b < 8; i++) {
		c = u[i];
		if (c == ' ' || c == '.')
			continue;
		name11[b++] = (uint8_t)(c < 0x80 && short_char(c) ? up(c) : '_');
	}
	for (i = last_dot + 1; last_dot >= 0 && i < n && e < 3; i++) {
		c = u[i];
		if (c == ' ')
			continue;
		name11[8 + e++] = (uint8_t)(c < 0x80 && short_char(c) ?
					    up(c) : '_');
	}
	if (b == 0)
		name11[0] = '_';
}

/* Put the numeric tail "~num" into the base of name11. */
void
name_alias_tail(uint8_t *name11, uint32_t num)
{
	char tail[12];
	int t = 0, b = 8, i;
	uint32_t x = num;

	do {
		tail[t++] = (char)('0' + x % 10);
		x /= 10;
	} while (x != 0);
	tail[t++] = '~';
	while (b > 0 && name11[b - 1] == ' ')
		b--;
	if (b > 8 - t)
		b = 8 - t;
	for (i = 0; i < t; i++)
		name11[b + i] = (uint8_t)tail[t - 1 - i];
	for (i = b + t; i < 8; i++)
		name11[i] = ' ';
}

/*
 * The short name of a directory entry as text ("NAME.EXT"); with
 * apply_case the NT lower-case flags are honoured.  Bytes outside ASCII
 * become '?'.  out holds 13 bytes.
 */
void
short_to_str(const uint8_t *de, char *out, int apply_case)
{
	int i, o = 0, b = 8, e = 11;
	uint8_t c, nt = apply_case ? de[DE_NTCASE] : 0;

	while (b > 0 && de[b - 1] == ' ')
		b--;
	while (e > 8 && de[e - 1] == ' ')
		e--;
	for (i = 0; i < b; i++) {
		c = de[i];
		if (i == 0 && c == 0x05)
			c = 0xe5;
		if ((nt & 0x08) && c >= 'A' && c <= 'Z')
			c = (uint8_t)(c - 'A' + 'a');
		out[o++] = c < 0x80 && c >= 0x20 ? (char)c : '?';
	}
	if (e > 8) {
		out[o++] = '.';
		for (i = 8; i < e; i++) {
			c = de[i];
			if ((nt & 0x10) && c >= 'A' && c <= 'Z')
				c = (uint8_t)(c - 'A' + 'a');
			out[o++] = c < 0x80 && c >= 0x20 ? (char)c : '?';
		}
	}
	out[o] = '\0';
}

/* Does a[0..alen) equal the NUL-terminated b, ignoring ASCII case? */
int
name_eq(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen; i++)
		if (b[i] == '\0' || up((uint8_t)a[i]) != up((uint8_t)b[i]))
			return 0;
	return b[alen] == '\0';
}
