/*
 * libFuzzer target for ipc/wire.c.  Byte 0 picks how the rest is used:
 *   0: a raw frame for wire_decode();
 *   1: a frame whose checksums are fixed up first, so the fuzzer reaches
 *      the field checks behind them;
 *   2: the bytes of a struct ts_packet (then 8 bytes of data_len), encoded;
 *      an accepted packet must decode to itself, and one flipped bit (at a
 *      place the input picks) must be refused.
 * Every decode that succeeds is encoded again and must give back exactly
 * the bytes it consumed: the format has one encoding per packet.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tessera/errors.h>
#include <tessera/ipc.h>
#include <tessera/wire.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Decode buf[0..len) and check what comes back. */
static int
decode_checked(const uint8_t *buf, size_t len)
{
	struct ts_packet p;
	uint8_t again[WIRE_FRAME_MAX];
	uint16_t src, dst;
	uint64_t dlen;
	unsigned i;
	int r = wire_decode(buf, len, &p, &src, &dst, &dlen);

	if (r == -ERR_AGAIN || r == -ERR_INVAL)
		return r;
	int none = (p.flags & PKT_DATA_MASK) == PKT_DATA_NONE;
	if (r < (int)WIRE_HDR_LEN || (size_t)r > len ||
	    r != (int)WIRE_HDR_LEN + p.name_len || p.data != 0 ||
	    (none ? dlen != 0 : p.len != dlen) || dlen > IPC_MOVE_MAX)
		abort();
	for (i = p.name_len; i < sizeof(p.name); i++)
		if (p.name[i] != 0)
			abort();
	if (wire_encode(&p, src, dst, dlen, again, sizeof(again)) != r ||
	    memcmp(again, buf, (size_t)r) != 0)
		abort();
	return r;
}

static void
from_packet(const uint8_t *in, size_t size)
{
	struct ts_packet p, d;
	uint8_t buf[WIRE_FRAME_MAX];
	uint64_t dlen = 0, dl;
	uint16_t src, dst;
	size_t k;
	int n;

	memset(&p, 0, sizeof(p));
	memcpy(&p, in, size < sizeof(p) ? size : sizeof(p));
	if (size >= sizeof(p) + 8)
		memcpy(&dlen, in + sizeof(p), 8);
	n = wire_encode(&p, 0x0102, 0x0304, dlen, buf, sizeof(buf));
	if (n < 0) {
		if (n != -ERR_INVAL)
			abort();
		return;
	}
	if (decode_checked(buf, (size_t)n) != n ||
	    wire_decode(buf, (size_t)n, &d, &src, &dst, &dl) != n ||
	    src != 0x0102 || dst != 0x0304 || dl != dlen)
		abort();
	p.data = 0;
	if ((p.flags & PKT_DATA_MASK) != PKT_DATA_NONE)
		p.len = dlen;	/* without data, len travels as a number */
	memset(p.name + p.name_len, 0, sizeof(p.name) - p.name_len);
	if (memcmp(&p, &d, sizeof(p)) != 0)
		abort();
	k = (size_t)(p.id % ((uint64_t)n * 8));
	buf[k / 8] ^= (uint8_t)(1u << (k % 8));
	if (wire_decode(buf, (size_t)n, &d, &src, &dst, &dl) != -ERR_INVAL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf;
	size_t len, nl;

	if (size == 0)
		return 0;
	len = size - 1;
	switch (data[0] % 3) {
	case 0:
		decode_checked(data + 1, len);
		break;
	case 1:
		buf = malloc(len ? len : 1);	/* exact size: ASan */
		if (buf == NULL)
			abort();
		memcpy(buf, data + 1, len);
		if (len >= WIRE_HDR_LEN) {
			nl = (size_t)(buf[WIRE_OFF_NAME_LEN] |
				      buf[WIRE_OFF_NAME_LEN + 1] << 8);
			if (WIRE_HDR_LEN + nl <= len)
				put32(buf + WIRE_OFF_NAME_CRC,
				      wire_crc32(buf + WIRE_HDR_LEN, nl));
			put32(buf + WIRE_OFF_HDR_CRC,
			      wire_crc32(buf, WIRE_OFF_HDR_CRC));
		}
		decode_checked(buf, len);
		free(buf);
		break;
	default:
		from_packet(data + 1, len);
		break;
	}
	return 0;
}
