/*
 * Host tests of netproxy's frame layer (netproxy/frame.c) and membership
 * handshake (netproxy/hs.c) with HMAC-SHA256 from mbedTLS.  Frames sit in
 * buffers of exactly their size so AddressSanitizer sees any overrun.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tessera/errors.h>
#include <tessera/le.h>

#include "check.h"
#include "frame.h"
#include "hs.h"

static const uint8_t key1[32] = "0123456789abcdef0123456789abcdef";
static const uint8_t key2[32] = "0123456789abcdef0123456789abcdeF";

/* A whole frame of `type` with payload pl[len] in a malloc'd buffer. */
static uint8_t *
frame(unsigned type, const void *pl, uint32_t len, size_t *n)
{
	uint8_t *f = malloc(NPF_HDR + len + 1);
	CHECK_EQ(npf_header(type, len, f), NPF_HDR);
	if (len)
		memcpy(f + NPF_HDR, pl, len);
	*n = NPF_HDR + len;
	return f;
}

static void
test_hmac_rfc4231(void)
{
	static const uint8_t want[32] = {
		0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24,
		0x26, 0x08, 0x95, 0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27,
		0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43
	};
	const char *msg = "what do ya want for nothing?";
	uint8_t mac[32];
	CHECK_EQ(np_hmac((const uint8_t *)"Jefe", 4, (const uint8_t *)msg, strlen(msg), mac), 0);
	CHECK(!memcmp(mac, want, 32));
	uint8_t h[32];	/* SHA-256("abc") */
	CHECK_EQ(np_sha256((const uint8_t *)"abc", 3, h), 0);
	CHECK_EQ(h[0], 0xba);
	CHECK_EQ(h[31], 0xad);
}

static void
test_header(void)
{
	uint8_t h[NPF_HDR];
	CHECK_EQ(npf_header(NPF_HEARTBEAT, NPF_HB_LEN, h), NPF_HDR);
	CHECK_EQ(h[0], 'T');
	CHECK_EQ(h[1], 'N');
	CHECK_EQ(h[2], NPF_VERSION);
	CHECK_EQ(h[3], NPF_HEARTBEAT);
	CHECK_EQ(le32_get(h + 4), NPF_HB_LEN);
	memset(h, 0xee, sizeof(h));
	CHECK_EQ(npf_header(NPF_HEARTBEAT, NPF_HB_LEN + 1, h), -ERR_INVAL);
	CHECK_EQ(npf_header(0, 0, h), -ERR_INVAL);
	CHECK_EQ(npf_header(NPF_TYPE_COUNT, 0, h), -ERR_INVAL);
	CHECK_EQ(npf_header(NPF_ECHO, 7, h), -ERR_INVAL);
	CHECK_EQ(npf_header(NPF_ECHO, NPF_ECHO_MAX + 1, h), -ERR_INVAL);
	CHECK_EQ(npf_header(NPF_ANNOUNCE, NPF_ANN_MAX + 1, h), -ERR_INVAL);
	CHECK_EQ(h[0], 0xee);	/* nothing written on error */
	CHECK_EQ(npf_header(NPF_ANNOUNCE, 0, h), NPF_HDR);
}

/* Several frames fed in pieces of every size 1..40: each comes out whole. */
static void
test_reader_split(void)
{
	uint8_t hb[NPF_HB_LEN], ann[5] = "a\0/b", echo[100];
	for (unsigned i = 0; i < sizeof(hb); i++)
		hb[i] = (uint8_t)i;
	for (unsigned i = 0; i < sizeof(echo); i++)
		echo[i] = (uint8_t)(i * 3);
	size_t n1, n2, n3, n4;
	uint8_t *f1 = frame(NPF_HEARTBEAT, hb, sizeof(hb), &n1);
	uint8_t *f2 = frame(NPF_ANNOUNCE, ann, 5, &n2);
	uint8_t *f3 = frame(NPF_ANNOUNCE, NULL, 0, &n3);
	uint8_t *f4 = frame(NPF_ECHO, echo, sizeof(echo), &n4);
	size_t total = n1 + n2 + n3 + n4;
	uint8_t *s = malloc(total);
	memcpy(s, f1, n1);
	memcpy(s + n1, f2, n2);
	memcpy(s + n1 + n2, f3, n3);
	memcpy(s + n1 + n2 + n3, f4, n4);
	static struct npf_reader r;
	for (size_t piece = 1; piece <= 40; piece++) {
		npf_reader_init(&r);
		unsigned got = 0;
		for (size_t off = 0; off < total;) {
			size_t n = total - off < piece ? total - off : piece, used;
			int rc = npf_feed(&r, s + off, n, &used);
			CHECK(rc >= 0);
			CHECK(used <= n);
			if (rc < 0)
				break;
			off += used;
			if (rc != 1)
				continue;
			got++;
			if (got == 1)
				CHECK(r.type == NPF_HEARTBEAT && r.len == sizeof(hb) &&
				      !memcmp(r.buf, hb, sizeof(hb)));
			else if (got == 2)
				CHECK(r.type == NPF_ANNOUNCE && r.len == 5 && !memcmp(r.buf, ann, 5));
			else if (got == 3)
				CHECK(r.type == NPF_ANNOUNCE && r.len == 0);
			else
				CHECK(r.type == NPF_ECHO && r.len == sizeof(echo) &&
				      !memcmp(r.buf, echo, sizeof(echo)));
		}
		CHECK_EQ(got, 4);
	}
	free(s);
	free(f1);
	free(f2);
	free(f3);
	free(f4);
}

/* Refused at the byte that breaks the rules, never later. */
static void
test_reader_garbage(void)
{
	static struct npf_reader r;
	size_t n, used;
	uint8_t hb[NPF_HB_LEN] = { 0 };
	uint8_t *good = frame(NPF_HEARTBEAT, hb, sizeof(hb), &n);
	static const struct {
		unsigned at;	/* byte changed; refused after at + 1 bytes */
		uint8_t v;
	} bad[] = {
		{ 0, 'X' }, { 0, 0 }, { 1, 'W' }, { 2, 2 }, { 2, 0 }, { 3, 0 },
		{ 3, NPF_TYPE_COUNT }, { 3, 0xff }, { 4, NPF_HB_LEN + 1 }, { 7, 1 },
		{ 8, 0 }, { 11, 0 },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t *f = malloc(n);
		memcpy(f, good, n);
		if (f[bad[i].at] == bad[i].v)
			f[bad[i].at] ^= 0x80;
		else
			f[bad[i].at] = bad[i].v;
		npf_reader_init(&r);
		int rc = 0;
		size_t fed = 0;
		while (fed < n && rc == 0) {	/* one byte at a time */
			rc = npf_feed(&r, f + fed, 1, &used);
			fed += used;
		}
		CHECK_EQ(rc, -ERR_INVAL);
		CHECK_EQ(fed, bad[i].at < 8 && bad[i].at != 4 ? bad[i].at + 1 : bad[i].at < 8 ? 8 :
			 NPF_HDR);
		CHECK(r.why != NULL);
		CHECK_EQ(npf_feed(&r, good, n, &used), -ERR_INVAL);	/* stays refused */
		CHECK_EQ(used, 0);
		free(f);
	}
	free(good);
}

/* An ECHO larger than NPF_KEEP: only the first bytes kept, length right. */
static void
test_reader_big_echo(void)
{
	static struct npf_reader r;
	uint32_t len = 3 * NPF_KEEP + 5;
	uint8_t *pl = malloc(len);
	for (uint32_t i = 0; i < len; i++)
		pl[i] = (uint8_t)(i ^ (i >> 8));
	size_t n, used;
	uint8_t *f = frame(NPF_ECHO, pl, len, &n);
	npf_reader_init(&r);
	CHECK_EQ(npf_feed(&r, f, n - 1, &used), 0);
	CHECK_EQ(used, n - 1);
	CHECK_EQ(npf_feed(&r, f + n - 1, 1, &used), 1);
	CHECK_EQ(r.len, len);
	CHECK(!memcmp(r.buf, pl, NPF_KEEP));
	free(f);
	free(pl);
}

struct side {
	struct np_hs hs;
	uint8_t out[NP_HS_OUT_MAX];
	size_t olen;
	unsigned otype;
};

static void
nonce(uint8_t *n, uint8_t v)
{
	for (unsigned i = 0; i < NPF_NONCE; i++)
		n[i] = (uint8_t)(v + i * 7);
}

/* A (node 1) dials B (node 3) of 4; keys ka, kb.  Returns B's result of the
 * RESPONSE, or A's of the CHALLENGE if A refused. */
static int
handshake(const uint8_t *ka, const uint8_t *kb, struct side *a, struct side *b)
{
	uint8_t na[NPF_NONCE], nb[NPF_NONCE];
	nonce(na, 1);
	nonce(nb, 2);
	CHECK_EQ(np_hs_start(&a->hs, NP_HS_CONNECT, 1, 3, 4, ka, 32, na, a->out, &a->olen), 0);
	CHECK_EQ(a->olen, NPF_HELLO_LEN);
	CHECK_EQ(np_hs_start(&b->hs, NP_HS_ACCEPT, 3, 0, 4, kb, 32, nb, b->out, &b->olen), 0);
	CHECK_EQ(b->olen, 0);
	int rb = np_hs_input(&b->hs, NPF_HELLO, a->out, a->olen, b->out, &b->otype, &b->olen);
	CHECK_EQ(rb, NP_HS_MORE);
	CHECK_EQ(b->otype, NPF_CHALLENGE);
	CHECK_EQ(b->hs.peer, 1);
	int ra = np_hs_input(&a->hs, b->otype, b->out, b->olen, a->out, &a->otype, &a->olen);
	if (ra < 0)
		return ra;
	CHECK_EQ(ra, NP_HS_DONE);
	CHECK_EQ(a->otype, NPF_RESPONSE);
	return np_hs_input(&b->hs, a->otype, a->out, a->olen, b->out, &b->otype, &b->olen);
}

static void
test_hs_ok(void)
{
	struct side a, b;
	CHECK_EQ(handshake(key1, key1, &a, &b), NP_HS_DONE);
	CHECK_EQ(a.hs.state, NP_HS_OK);
	CHECK_EQ(b.hs.state, NP_HS_OK);
	CHECK_EQ(b.olen, 0);
	/* The key is never on the wire: no 8-byte piece of it in any payload. */
	for (size_t i = 0; i + 8 <= a.olen; i++)
		CHECK(memcmp(a.out + i, key1, 8) != 0);
	/* After the handshake every frame is refused by the handshake. */
	CHECK(np_hs_input(&b.hs, NPF_RESPONSE, a.out, a.olen, b.out, &b.otype, &b.olen) < 0);
}

static void
test_hs_wrong_key(void)
{
	struct side a, b;
	CHECK_EQ(handshake(key1, key2, &a, &b), -ERR_PERM);
	CHECK_STR(a.hs.why, "bad key");
	CHECK_EQ(a.olen, 0);	/* no RESPONSE goes out */
	CHECK_EQ(a.hs.state, NP_HS_FAILED);
	/* A correct CHALLENGE afterwards changes nothing: refused for good. */
	CHECK_EQ(np_hs_input(&a.hs, NPF_CHALLENGE, b.out, NPF_CHAL_LEN, a.out, &a.otype, &a.olen),
		 -ERR_PERM);
}

/* The acceptor's proof is right, the connector's RESPONSE is not. */
static void
test_hs_bad_response(void)
{
	for (unsigned bit = 0; bit < NPF_MAC * 8; bit += 37) {
		struct side a, b;
		uint8_t na[NPF_NONCE], nb[NPF_NONCE];
		nonce(na, 5);
		nonce(nb, 6);
		np_hs_start(&a.hs, NP_HS_CONNECT, 2, 5, 5, key1, 32, na, a.out, &a.olen);
		np_hs_start(&b.hs, NP_HS_ACCEPT, 5, 0, 5, key1, 32, nb, b.out, &b.olen);
		CHECK_EQ(np_hs_input(&b.hs, NPF_HELLO, a.out, a.olen, b.out, &b.otype, &b.olen), 0);
		CHECK_EQ(np_hs_input(&a.hs, NPF_CHALLENGE, b.out, b.olen, a.out, &a.otype, &a.olen),
			 NP_HS_DONE);
		a.out[bit / 8] ^= (uint8_t)(1u << bit % 8);
		CHECK_EQ(np_hs_input(&b.hs, NPF_RESPONSE, a.out, a.olen, b.out, &b.otype, &b.olen),
			 -ERR_PERM);
		CHECK_STR(b.hs.why, "bad key");
	}
}

/* Frames out of order, from the wrong nodes, or with a flipped byte. */
static void
test_hs_refusals(void)
{
	uint8_t na[NPF_NONCE], nb[NPF_NONCE], hello[NPF_HELLO_LEN], o[NP_HS_OUT_MAX];
	unsigned ot;
	size_t ol;
	struct np_hs a, b;
	nonce(na, 9);
	nonce(nb, 10);

	CHECK_EQ(np_hs_start(&a, NP_HS_CONNECT, 3, 3, 4, key1, 32, na, hello, &ol), -ERR_INVAL);
	CHECK_EQ(np_hs_start(&a, NP_HS_CONNECT, 3, 2, 4, key1, 32, na, hello, &ol), -ERR_INVAL);
	CHECK_EQ(np_hs_start(&a, NP_HS_CONNECT, 1, 5, 4, key1, 32, na, hello, &ol), -ERR_INVAL);
	CHECK_EQ(np_hs_start(&a, NP_HS_CONNECT, 1, 2, 1, key1, 32, na, hello, &ol), -ERR_INVAL);
	CHECK_EQ(np_hs_start(&a, NP_HS_CONNECT, 1, 2, 17, key1, 32, na, hello, &ol), -ERR_INVAL);
	CHECK_EQ(np_hs_start(&a, NP_HS_CONNECT, 1, 2, 4, key1, 15, na, hello, &ol), -ERR_INVAL);
	CHECK_EQ(np_hs_start(&a, 3, 1, 2, 4, key1, 32, na, hello, &ol), -ERR_INVAL);
	CHECK_EQ(np_hs_start(&b, NP_HS_ACCEPT, 2, 1, 4, key1, 32, nb, o, &ol), -ERR_INVAL);

	/* The acceptor wants HELLO first. */
	np_hs_start(&b, NP_HS_ACCEPT, 3, 0, 4, key1, 32, nb, o, &ol);
	uint8_t resp[NPF_RESP_LEN] = { 0 };
	CHECK_EQ(np_hs_input(&b, NPF_RESPONSE, resp, sizeof(resp), o, &ot, &ol), -ERR_INVAL);
	CHECK_EQ(ol, 0);

	np_hs_start(&a, NP_HS_CONNECT, 1, 3, 4, key1, 32, na, hello, &ol);
	static const struct {
		unsigned off;
		uint16_t v;
		const char *why;
	} bad[] = {
		{ 0, 2, "protocol version" },
		{ 2, 3, "HELLO from a node that must not dial us" },	/* itself */
		{ 2, 4, "HELLO from a node that must not dial us" },	/* higher */
		{ 2, 0, "HELLO from a node that must not dial us" },
		{ 4, 2, "HELLO for another node" },
		{ 6, 5, "cluster size differs" },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t h[NPF_HELLO_LEN];
		memcpy(h, hello, sizeof(h));
		le16_put(h + bad[i].off, bad[i].v);
		np_hs_start(&b, NP_HS_ACCEPT, 3, 0, 4, key1, 32, nb, o, &ol);
		CHECK_EQ(np_hs_input(&b, NPF_HELLO, h, sizeof(h), o, &ot, &ol), -ERR_INVAL);
		CHECK_STR(b.why, bad[i].why);
		CHECK_EQ(ol, 0);
	}
	/* Wrong length for the type. */
	np_hs_start(&b, NP_HS_ACCEPT, 3, 0, 4, key1, 32, nb, o, &ol);
	CHECK_EQ(np_hs_input(&b, NPF_HELLO, hello, sizeof(hello) - 1, o, &ot, &ol), -ERR_INVAL);

	/* The connector's own HELLO nonce reflected back in a CHALLENGE. */
	np_hs_start(&b, NP_HS_ACCEPT, 3, 0, 4, key1, 32, na, o, &ol);
	CHECK_EQ(np_hs_input(&b, NPF_HELLO, hello, sizeof(hello), o, &ot, &ol), NP_HS_MORE);
	uint8_t a_out[NP_HS_OUT_MAX];
	CHECK_EQ(np_hs_input(&a, NPF_CHALLENGE, o, ol, a_out, &ot, &ol), -ERR_PERM);
	CHECK_STR(a.why, "our own nonce sent back");

	/* A CHALLENGE naming other nodes; one with a flipped proof byte. */
	for (unsigned k = 0; k < 2; k++) {
		np_hs_start(&a, NP_HS_CONNECT, 1, 3, 4, key1, 32, na, hello, &ol);
		np_hs_start(&b, NP_HS_ACCEPT, 3, 0, 4, key1, 32, nb, o, &ol);
		np_hs_input(&b, NPF_HELLO, hello, sizeof(hello), o, &ot, &ol);
		if (k == 0)
			le16_put(o, 2);
		else
			o[NPF_CHAL_LEN - 1] ^= 1;
		CHECK(np_hs_input(&a, NPF_CHALLENGE, o, ol, a_out, &ot, &ol) < 0);
		CHECK_STR(a.why, k == 0 ? "CHALLENGE names other nodes" : "bad key");
	}
	/* A heartbeat in the middle of the handshake. */
	np_hs_start(&a, NP_HS_CONNECT, 1, 3, 4, key1, 32, na, hello, &ol);
	uint8_t hb[NPF_HB_LEN] = { 0 };
	CHECK_EQ(np_hs_input(&a, NPF_HEARTBEAT, hb, sizeof(hb), a_out, &ot, &ol), -ERR_INVAL);
	CHECK_STR(a.why, "unexpected frame in the handshake");
}

int
main(void)
{
	static const struct test_case t[] = {
		{ "hmac_rfc4231", test_hmac_rfc4231 },
		{ "header", test_header },
		{ "reader_split", test_reader_split },
		{ "reader_garbage", test_reader_garbage },
		{ "reader_big_echo", test_reader_big_echo },
		{ "hs_ok", test_hs_ok },
		{ "hs_wrong_key", test_hs_wrong_key },
		{ "hs_bad_response", test_hs_bad_response },
		{ "hs_refusals", test_hs_refusals },
	};
	return run_tests(t, sizeof(t) / sizeof(t[0]));
}
