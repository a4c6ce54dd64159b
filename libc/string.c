/*
 * memcpy, memmove and memset for user programs.  Debian's picolibc for
 * rv64imac is built for size and moves one byte per loop (4 instructions a
 * byte); these move 8-byte words, 4 at a time, when the pointers allow it.
 * Linked before picolibc, so they replace its versions.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

void *
memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if ((((uintptr_t)d ^ (uintptr_t)s) & 7) == 0) {
		while (n && ((uintptr_t)d & 7)) {
			*d++ = *s++;
			n--;
		}
		uint64_t *d8 = (uint64_t *)d;
		const uint64_t *s8 = (const uint64_t *)s;
		for (; n >= 32; n -= 32, d8 += 4, s8 += 4) {
			uint64_t a = s8[0], b = s8[1], c = s8[2], e = s8[3];
			d8[0] = a;
			d8[1] = b;
			d8[2] = c;
			d8[3] = e;
		}
		for (; n >= 8; n -= 8)
			*d8++ = *s8++;
		d = (uint8_t *)d8;
		s = (const uint8_t *)s8;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *
memmove(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *
memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;
	uint64_t w = (uint8_t)c * 0x0101010101010101ull;

	while (n && ((uintptr_t)d & 7)) {
		*d++ = (uint8_t)c;
		n--;
	}
	uint64_t *d8 = (uint64_t *)d;
	for (; n >= 32; n -= 32, d8 += 4) {
		d8[0] = w;
		d8[1] = w;
		d8[2] = w;
		d8[3] = w;
	}
	for (; n >= 8; n -= 8)
		*d8++ = w;
	d = (uint8_t *)d8;
	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}
