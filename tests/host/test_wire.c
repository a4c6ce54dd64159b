/*
 * Host tests of ipc/wire.c, the network codec of packets.  Frames sit in
 * buffers of exactly their size so AddressSanitizer catches any read or
 * write past them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tessera/abi.h>
#include <tessera/errors.h>
#include <tessera/ipc.h>
#include <tessera/wire.h>

#include "check.h"

/* A random packet that wire_encode() accepts, with its data_len.  Name
 * bytes past name_len and p->data are garbage: they are not sent. */
static uint64_t
random_packet(struct ts_packet *p)
{
	static const uint16_t modes[] = {
		PKT_DATA_NONE, PKT_DATA_COPY, PKT_DATA_MOVE, PKT_DATA_SHARE
	};
	uint64_t dlen = 0;
	unsigned i;

	memset(p, 0, sizeof(*p));
	p->addr = rnd64();
	p->id = rnd64();
	p->handle = rnd64();
	p->offset = rnd64();
	p->data = rnd64();
	p->len = rnd64();
	p->origin = rnd64();
	p->status = (int32_t)rnd64();
	p->opcode = (uint16_t)(1 + rnd_below(OP_COUNT - 1));
	p->flags = modes[rnd_below(4)] |
		   (uint16_t)(rnd64() & (PKT_REPLY | PKT_UUID | PKT_KERNEL |
				       PKT_FORWARD));
	switch (p->flags & PKT_DATA_MASK) {
	case PKT_DATA_COPY:
		dlen = rnd64() % (IPC_COPY_MAX + 1);
		break;
	case PKT_DATA_MOVE:
		dlen = (1 + rnd64() % (IPC_MOVE_MAX / 4096)) * 4096;
		break;
	case PKT_DATA_SHARE:
		dlen = (1 + rnd64() % (IPC_MOVE_MAX / 4096)) * 4096;
		if (rnd64() & 1)
			p->flags |= PKT_SHARE_RO;
		break;
	}
	p->name_len = (uint16_t)rnd_below(256);
	for (i = 0; i < sizeof(p->name); i++)
		p->name[i] = (char)rnd64();
	for (i = 0; i < sizeof(p->uuid); i++)
		p->uuid[i] = (uint8_t)rnd64();
	return dlen;
}

/* What wire_decode() must give back for *p sent with data_len (0 when the
 * packet carries no data). */
static void
expected(const struct ts_packet *p, uint64_t dlen, struct ts_packet *e)
{
	*e = *p;
	e->data = 0;
	/* Without data the packet's len travels as a plain number. */
	if ((p->flags & PKT_DATA_MASK) != PKT_DATA_NONE)
		e->len = dlen;
	memset(e->name + p->name_len, 0, sizeof(e->name) - p->name_len);
}

/* Encode into a malloc'd buffer of exactly the frame's size. */
static uint8_t *
encode(const struct ts_packet *p, uint16_t src, uint16_t dst, uint64_t dlen,
       int *n)
{
	size_t size = WIRE_HDR_LEN + p->name_len;
	uint8_t *buf = malloc(size);

	*n = wire_encode(p, src, dst, dlen, buf, size);
	return buf;
}

/* Recompute both checksums of a hand-edited frame (the name's only when
 * its bytes are there). */
static void
reseal(uint8_t *buf, size_t len)
{
	uint32_t nl = (uint32_t)(buf[WIRE_OFF_NAME_LEN] |
				 buf[WIRE_OFF_NAME_LEN + 1] << 8);
	uint32_t c;
	int i;

	if (WIRE_HDR_LEN + nl <= len) {
		c = wire_crc32(buf + WIRE_HDR_LEN, nl);
		for (i = 0; i < 4; i++)
			buf[WIRE_OFF_NAME_CRC + i] = (uint8_t)(c >> (8 * i));
	}
	c = wire_crc32(buf, WIRE_OFF_HDR_CRC);
	for (i = 0; i < 4; i++)
		buf[WIRE_OFF_HDR_CRC + i] = (uint8_t)(c >> (8 * i));
}

static int
decode(const uint8_t *buf, size_t len, struct ts_packet *p)
{
	uint16_t src, dst;
	uint64_t dlen;

	return wire_decode(buf, len, p, &src, &dst, &dlen);
}

static void
test_crc32(void)
{
	CHECK_EQ(wire_crc32((const uint8_t *)"123456789", 9), 0xcbf43926u);
	CHECK_EQ(wire_crc32((const uint8_t *)"", 0), 0);
	CHECK_EQ(wire_crc32((const uint8_t *)"a", 1), 0xe8b7be43u);
}

/* Byte positions of a known frame: the table of docs/ipc-wire.md. */
static void
test_layout(void)
{
	struct ts_packet p;
	uint8_t buf[WIRE_FRAME_MAX];
	static const uint8_t want[WIRE_OFF_NAME_CRC] = {
		'T', 'W', 1, 92, 0x34, 0x12, 0x78, 0x56,
		0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,	/* addr */
		0x11, 0, 0, 0, 0, 0, 0, 0,			/* id */
		0x22, 0, 0, 0, 0, 0, 0, 0,			/* handle */
		0x33, 0, 0, 0, 0, 0, 0, 0x80,			/* offset */
		0x44, 0, 0, 0, 0, 0, 0x01, 0,			/* origin */
		0x00, 0x30, 0, 0, 0, 0, 0, 0,			/* data_len */
		0xfe, 0xff, 0xff, 0xff,				/* status -2 */
		4, 0,						/* READ */
		0x25, 0,					/* flags */
		3, 0, 0, 0,					/* name_len */
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
	};
	uint32_t i;

	memset(&p, 0, sizeof(p));
	p.addr = 0x0102030405060708ull;
	p.id = 0x11;
	p.handle = 0x22;
	p.offset = 0x8000000000000033ull;
	p.origin = 0x0001000000000044ull;
	p.status = -2;
	p.opcode = OP_READ;
	p.flags = PKT_KERNEL | PKT_DATA_MOVE | PKT_REPLY;
	p.name_len = 3;
	memcpy(p.name, "abc", 3);
	for (i = 0; i < 16; i++)
		p.uuid[i] = (uint8_t)i;
	CHECK_EQ(wire_encode(&p, 0x1234, 0x5678, 0x3000, buf, sizeof(buf)), 95);
	CHECK(memcmp(buf, want, sizeof(want)) == 0);
	CHECK_EQ(buf[WIRE_OFF_NAME_CRC] | buf[WIRE_OFF_NAME_CRC + 1] << 8 |
		 buf[WIRE_OFF_NAME_CRC + 2] << 16 |
		 (uint32_t)buf[WIRE_OFF_NAME_CRC + 3] << 24, 0x352441c2u);
	CHECK(memcmp(buf + 92, "abc", 3) == 0);
	CHECK_EQ(wire_crc32(buf, 88),
		 buf[88] | buf[89] << 8 | buf[90] << 16 | (uint32_t)buf[91] << 24);
}

static void
test_round_trip(void)
{
	unsigned k;

	for (k = 0; k < 20000; k++) {
		struct ts_packet p, e, d;
		uint16_t src = (uint16_t)rnd64(), dst = (uint16_t)rnd64(), s2, d2;
		uint64_t dlen = random_packet(&p), dl2;
		int n, r;
		uint8_t *buf = encode(&p, src, dst, dlen, &n);

		CHECK_EQ(n, WIRE_HDR_LEN + p.name_len);
		expected(&p, dlen, &e);
		memset(&d, 0xa5, sizeof(d));
		r = wire_decode(buf, (size_t)n, &d, &s2, &d2, &dl2);
		CHECK_EQ(r, n);
		CHECK(memcmp(&d, &e, sizeof(d)) == 0);
		CHECK_EQ(s2, src);
		CHECK_EQ(d2, dst);
		CHECK_EQ(dl2, dlen);
		free(buf);
	}
}

/* Frames back to back with their data, read as a stream. */
static void
test_stream(void)
{
	enum { FRAMES = 50 };
	static uint8_t stream[FRAMES * (WIRE_FRAME_MAX + 64)];
	uint64_t dlens[FRAMES];
	struct ts_packet sent[FRAMES];
	size_t at = 0, pos = 0;
	unsigned k;

	for (k = 0; k < FRAMES; k++) {
		int n;

		random_packet(&sent[k]);
		sent[k].flags &= (uint16_t)~(PKT_DATA_MASK | PKT_SHARE_RO);
		sent[k].flags |= PKT_DATA_COPY;
		dlens[k] = rnd_below(64);
		n = wire_encode(&sent[k], 1, 2, dlens[k], stream + at,
				sizeof(stream) - at);
		CHECK(n > 0);
		at += (size_t)n;
		memset(stream + at, (int)k, dlens[k]);
		at += dlens[k];
	}
	for (k = 0; k < FRAMES; k++) {
		struct ts_packet d, e;
		size_t have = pos;
		uint16_t s, t;
		uint64_t dl;
		int n;

		/* byte by byte, as a slow stream would deliver them */
		while ((n = wire_decode(stream + pos, have - pos, &d, &s, &t,
					&dl)) == -ERR_AGAIN && have < at)
			have++;
		CHECK_EQ(n, WIRE_HDR_LEN + sent[k].name_len);
		if (n != (int)(WIRE_HDR_LEN + sent[k].name_len))
			return;
		CHECK_EQ(have - pos, (size_t)n);
		expected(&sent[k], dlens[k], &e);
		CHECK(memcmp(&d, &e, sizeof(d)) == 0);
		CHECK_EQ(dl, dlens[k]);
		pos += (size_t)n;
		CHECK(dl == 0 || stream[pos] == (uint8_t)k);
		pos += dl;
	}
	CHECK_EQ(pos, at);
}

static void
test_truncation(void)
{
	unsigned k;

	for (k = 0; k < 50; k++) {
		struct ts_packet p, d;
		uint64_t dlen = random_packet(&p);
		int n;
		uint8_t *full = encode(&p, 3, 4, dlen, &n);
		size_t len;

		CHECK(n > 0);
		for (len = 0; len < (size_t)n; len++) {
			uint8_t *cut = malloc(len ? len : 1);

			memcpy(cut, full, len);
			memset(&d, 0x5a, sizeof(d));
			CHECK_EQ(decode(cut, len, &d), -ERR_AGAIN);
			CHECK_EQ(d.id, 0x5a5a5a5a5a5a5a5aull);	/* untouched */
			free(cut);
		}
		free(full);
	}
}

/* Every single-bit flip in the header or name is caught. */
static void
test_bit_flips(void)
{
	unsigned k;

	for (k = 0; k < 20; k++) {
		struct ts_packet p, d;
		uint64_t dlen = random_packet(&p);
		int n;
		uint8_t *buf = encode(&p, 9, 10, dlen, &n);
		unsigned bit;

		CHECK(n > 0);
		for (bit = 0; bit < (unsigned)n * 8; bit++) {
			buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			memset(&d, 0x5a, sizeof(d));
			CHECK_EQ(decode(buf, (size_t)n, &d), -ERR_INVAL);
			CHECK_EQ(d.id, 0x5a5a5a5a5a5a5a5aull);
			buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		CHECK_EQ(decode(buf, (size_t)n, &d), n);
		free(buf);
	}
}

static void
base_packet(struct ts_packet *p)
{
	memset(p, 0, sizeof(*p));
	p->opcode = OP_OPEN;
	p->id = 5;
	p->name_len = 4;
	memcpy(p->name, "blk0", 4);
}

/* Hand-made frames with valid checksums and one bad field each. */
static void
test_bad_fields(void)
{
	static const struct {
		unsigned off, size;
		uint64_t value;
	} cases[] = {
		{ WIRE_OFF_MAGIC, 1, 'X' },
		{ WIRE_OFF_MAGIC + 1, 1, 'w' },
		{ WIRE_OFF_VERSION, 1, 0 },
		{ WIRE_OFF_VERSION, 1, 2 },
		{ WIRE_OFF_HDR_LEN, 1, 93 },
		{ WIRE_OFF_HDR_LEN, 1, 0 },
		{ WIRE_OFF_OPCODE, 2, 0 },
		{ WIRE_OFF_OPCODE, 2, OP_COUNT },
		{ WIRE_OFF_OPCODE, 2, 0xffff },
		{ WIRE_OFF_FLAGS, 2, 0x0080 },
		{ WIRE_OFF_FLAGS, 2, 0x8000 },
		{ WIRE_OFF_FLAGS, 2, PKT_SHARE_RO },
		{ WIRE_OFF_FLAGS, 2, PKT_SHARE_RO | PKT_DATA_MOVE },
		{ WIRE_OFF_NAME_LEN, 2, 256 },
		{ WIRE_OFF_NAME_LEN, 2, 0xffff },
		{ WIRE_OFF_RESERVED, 2, 1 },
		{ WIRE_OFF_RESERVED, 2, 0x8000 },
	};
	struct ts_packet p, d;
	uint8_t good[WIRE_HDR_LEN + 4], buf[WIRE_HDR_LEN + 4];
	unsigned i, j;

	base_packet(&p);
	CHECK_EQ(wire_encode(&p, 1, 2, 0, good, sizeof(good)), sizeof(good));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(buf, good, sizeof(buf));
		for (j = 0; j < cases[i].size; j++)
			buf[cases[i].off + j] = (uint8_t)(cases[i].value >> (8 * j));
		reseal(buf, sizeof(buf));
		memset(&d, 0x5a, sizeof(d));
		if (decode(buf, sizeof(buf), &d) != -ERR_INVAL)
			fprintf(stderr, "bad field case %u\n", i);
		CHECK_EQ(decode(buf, sizeof(buf), &d), -ERR_INVAL);
		CHECK_EQ(d.id, 0x5a5a5a5a5a5a5a5aull);
	}
	/* A wrong constant prefix is refused from its first byte on. */
	CHECK_EQ(decode((const uint8_t *)"X", 1, &d), -ERR_INVAL);
	CHECK_EQ(decode((const uint8_t *)"T", 1, &d), -ERR_AGAIN);
	CHECK_EQ(decode((const uint8_t *)"TW\2", 3, &d), -ERR_INVAL);
	CHECK_EQ(decode((const uint8_t *)"TW\1\x5d", 4, &d), -ERR_INVAL);
	CHECK_EQ(decode(good, 0, &d), -ERR_AGAIN);
	/* A header that checks, with a name not all here yet: wait. */
	CHECK_EQ(decode(good, WIRE_HDR_LEN + 3, &d), -ERR_AGAIN);
	/* PKT_KERNEL and node bits are fine on the wire. */
	p.flags = PKT_KERNEL;
	p.opcode = OP_TERMINATE;
	p.addr = 0xffffull << 48 | 12;
	p.origin = 0x0002ull << 48;
	CHECK_EQ(wire_encode(&p, 1, 2, 0, buf, sizeof(buf)), sizeof(buf));
	CHECK_EQ(decode(buf, sizeof(buf), &d), sizeof(buf));
	CHECK_EQ(d.addr, p.addr);
	CHECK_EQ(d.flags, PKT_KERNEL);
}

/* data_len against the flags, on both sides. */
static void
test_data_len(void)
{
	static const struct {
		uint16_t flags;
		uint64_t dlen;
		int ok;
	} cases[] = {
		{ PKT_DATA_NONE, 0, 1 },
		{ PKT_DATA_NONE, 1 << 20, 1 },	/* a plain number: no bytes follow */
		{ PKT_DATA_COPY, 0, 1 },
		{ PKT_DATA_COPY, IPC_COPY_MAX, 1 },
		{ PKT_DATA_COPY, IPC_COPY_MAX + 1, 0 },
		{ PKT_DATA_MOVE, 4096, 1 },
		{ PKT_DATA_MOVE, IPC_MOVE_MAX, 1 },
		{ PKT_DATA_MOVE, IPC_MOVE_MAX + 4096, 0 },
		{ PKT_DATA_MOVE, 0, 0 },
		{ PKT_DATA_MOVE, 4095, 0 },
		{ PKT_DATA_SHARE | PKT_SHARE_RO, 8192, 1 },
		{ PKT_DATA_SHARE, ~0ull << 12, 0 },
		{ PKT_DATA_COPY, ~0ull, 0 },
	};
	struct ts_packet p, d;
	uint8_t buf[WIRE_FRAME_MAX];
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint16_t s, t;
		uint64_t dl;
		int n, want = cases[i].ok ? (int)WIRE_HDR_LEN + 4 : -ERR_INVAL;

		base_packet(&p);
		p.flags = cases[i].flags;
		if ((p.flags & PKT_DATA_MASK) == PKT_DATA_NONE) {
			/* No bytes follow: the number travels as p.len. */
			p.len = cases[i].dlen;
			CHECK_EQ(wire_encode(&p, 1, 2, 1, buf, sizeof(buf)), -ERR_INVAL);
			n = wire_encode(&p, 1, 2, 0, buf, sizeof(buf));
		} else {
			n = wire_encode(&p, 1, 2, cases[i].dlen, buf, sizeof(buf));
		}
		CHECK_EQ(n, want);
		/* The same frame made by hand must get the same answer. */
		base_packet(&p);
		CHECK_EQ(wire_encode(&p, 1, 2, 0, buf, sizeof(buf)),
			 WIRE_HDR_LEN + 4);
		buf[WIRE_OFF_FLAGS] = (uint8_t)cases[i].flags;
		for (n = 0; n < 8; n++)
			buf[WIRE_OFF_DATA_LEN + n] =
				(uint8_t)(cases[i].dlen >> (8 * n));
		reseal(buf, WIRE_HDR_LEN + 4);
		CHECK_EQ(wire_decode(buf, WIRE_HDR_LEN + 4, &d, &s, &t, &dl), want);
		if (cases[i].ok) {
			int none = (cases[i].flags & PKT_DATA_MASK) == PKT_DATA_NONE;
			CHECK_EQ(dl, none ? 0 : cases[i].dlen);
			CHECK_EQ(d.len, cases[i].dlen);
		}
	}
}

static void
test_encode_refuses(void)
{
	struct ts_packet p;
	uint8_t buf[WIRE_FRAME_MAX + 1];
	size_t cap;

	base_packet(&p);
	for (cap = 0; cap < WIRE_HDR_LEN + 4; cap++) {
		memset(buf, 0xcc, sizeof(buf));
		CHECK_EQ(wire_encode(&p, 1, 2, 0, buf, cap), -ERR_TOOBIG);
		CHECK_EQ(buf[0], 0xcc);
	}
	CHECK_EQ(wire_encode(&p, 1, 2, 0, buf, WIRE_HDR_LEN + 4), WIRE_HDR_LEN + 4);
	p.name_len = 255;
	CHECK_EQ(wire_encode(&p, 1, 2, 0, buf, WIRE_FRAME_MAX), WIRE_FRAME_MAX);
	p.name_len = 256;
	CHECK_EQ(wire_encode(&p, 1, 2, 0, buf, sizeof(buf)), -ERR_INVAL);
	base_packet(&p);
	p.opcode = 0;
	CHECK_EQ(wire_encode(&p, 1, 2, 0, buf, sizeof(buf)), -ERR_INVAL);
	p.opcode = OP_COUNT;
	CHECK_EQ(wire_encode(&p, 1, 2, 0, buf, sizeof(buf)), -ERR_INVAL);
	base_packet(&p);
	p.flags = 0x0100;
	CHECK_EQ(wire_encode(&p, 1, 2, 0, buf, sizeof(buf)), -ERR_INVAL);
	base_packet(&p);
	p.reserved0 = 1;
	CHECK_EQ(wire_encode(&p, 1, 2, 0, buf, sizeof(buf)), -ERR_INVAL);
	base_packet(&p);
	p.reserved1 = 1;
	CHECK_EQ(wire_encode(&p, 1, 2, 0, buf, sizeof(buf)), -ERR_INVAL);
	base_packet(&p);
	p.reserved2[0] = 1;
	CHECK_EQ(wire_encode(&p, 1, 2, 0, buf, sizeof(buf)), -ERR_INVAL);
}

static const struct test_case tests[] = {
	{ "crc32", test_crc32 },
	{ "layout", test_layout },
	{ "round_trip", test_round_trip },
	{ "stream", test_stream },
	{ "truncation", test_truncation },
	{ "bit_flips", test_bit_flips },
	{ "bad_fields", test_bad_fields },
	{ "data_len", test_data_len },
	{ "encode_refuses", test_encode_refuses },
};

int
main(void)
{
	return run_tests(tests, sizeof(tests) / sizeof(tests[0]));
}
