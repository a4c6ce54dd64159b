/*
 * netproxy membership handshake: the state machine of hs.h over
 * HMAC-SHA256 from mbedTLS (docs/netproxy.md, "Handshake").  Decode, then
 * act: every field of a frame is checked before the state changes.
 */
#include <string.h>

#include <mbedtls/md.h>
#include <tessera/errors.h>
#include <tessera/le.h>

#include "hs.h"

#define LABEL_CHAL	"TN1 chal"
#define LABEL_RESP	"TN1 resp"
#define LABEL_LEN	8u

_Static_assert(sizeof(LABEL_CHAL) - 1 == LABEL_LEN && sizeof(LABEL_RESP) - 1 == LABEL_LEN,
	       "labels of one length");

int
np_hmac(const uint8_t *key, size_t keylen, const uint8_t *msg, size_t len, uint8_t *mac)
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);

	if (!md || mbedtls_md_hmac(md, key, keylen, msg, len, mac) != 0)
		return -ERR_IO;
	return 0;
}

int
np_sha256(const uint8_t *msg, size_t len, uint8_t *out)
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);

	if (!md || mbedtls_md(md, msg, len, out) != 0)
		return -ERR_IO;
	return 0;
}

/* The proof for `label`: HMAC(key, label | A | B | nA | nB), A the
 * connector and B the acceptor (u16 little endian each). */
static int
proof(const struct np_hs *hs, const char *label, uint8_t *mac)
{
	uint8_t m[LABEL_LEN + 4 + 2 * NPF_NONCE];
	unsigned a = hs->role == NP_HS_CONNECT ? hs->self : hs->peer;
	unsigned b = hs->role == NP_HS_CONNECT ? hs->peer : hs->self;

	memcpy(m, label, LABEL_LEN);
	le16_put(m + LABEL_LEN, (uint16_t)a);
	le16_put(m + LABEL_LEN + 2, (uint16_t)b);
	memcpy(m + LABEL_LEN + 4, hs->nonce_a, NPF_NONCE);
	memcpy(m + LABEL_LEN + 4 + NPF_NONCE, hs->nonce_b, NPF_NONCE);
	return np_hmac(hs->key, hs->keylen, m, sizeof(m), mac);
}

/* Constant-time comparison of two proofs: 1 if equal. */
static int
same_mac(const uint8_t *x, const uint8_t *y)
{
	uint8_t d = 0;

	for (unsigned i = 0; i < NPF_MAC; i++)
		d |= (uint8_t)(x[i] ^ y[i]);
	return d == 0;
}

int
np_hs_start(struct np_hs *hs, unsigned role, unsigned self, unsigned peer, unsigned nodes,
	    const uint8_t *key, size_t keylen, const uint8_t *nonce, uint8_t *out, size_t *olen)
{
	if ((role != NP_HS_CONNECT && role != NP_HS_ACCEPT) || nodes < 2 ||
	    nodes > NP_NODES_MAX || self < 1 || self > nodes || keylen < NP_KEY_MIN ||
	    keylen > NP_KEY_MAX ||
	    (role == NP_HS_CONNECT ? peer <= self || peer > nodes : peer != 0))
		return -ERR_INVAL;
	memset(hs, 0, sizeof(*hs));
	hs->role = (uint8_t)role;
	hs->self = (uint16_t)self;
	hs->peer = (uint16_t)peer;
	hs->nodes = (uint16_t)nodes;
	hs->key = key;
	hs->keylen = keylen;
	*olen = 0;
	if (role == NP_HS_ACCEPT) {
		memcpy(hs->nonce_b, nonce, NPF_NONCE);
		hs->state = NP_HS_WAIT_HELLO;
		return 0;
	}
	memcpy(hs->nonce_a, nonce, NPF_NONCE);
	le16_put(out, NP_PROTO);
	le16_put(out + 2, (uint16_t)self);
	le16_put(out + 4, (uint16_t)peer);
	le16_put(out + 6, (uint16_t)nodes);
	memcpy(out + 8, nonce, NPF_NONCE);
	*olen = NPF_HELLO_LEN;
	hs->state = NP_HS_WAIT_CHAL;
	return 0;
}

static int
refuse(struct np_hs *hs, int err, const char *why)
{
	hs->state = NP_HS_FAILED;
	hs->why = why;
	return err;
}

/* Acceptor: HELLO from a lower node for us; answer with CHALLENGE. */
static int
on_hello(struct np_hs *hs, const uint8_t *p, uint8_t *out, unsigned *otype, size_t *olen)
{
	unsigned proto = le16_get(p), from = le16_get(p + 2), to = le16_get(p + 4);
	unsigned nodes = le16_get(p + 6);

	if (proto != NP_PROTO)
		return refuse(hs, -ERR_INVAL, "protocol version");
	if (from < 1 || from >= hs->self)
		return refuse(hs, -ERR_INVAL, "HELLO from a node that must not dial us");
	hs->peer = (uint16_t)from;
	if (to != hs->self)
		return refuse(hs, -ERR_INVAL, "HELLO for another node");
	if (nodes != hs->nodes)
		return refuse(hs, -ERR_INVAL, "cluster size differs");
	memcpy(hs->nonce_a, p + 8, NPF_NONCE);
	le16_put(out, hs->self);
	le16_put(out + 2, hs->peer);
	memcpy(out + 4, hs->nonce_b, NPF_NONCE);
	if (proof(hs, LABEL_CHAL, out + 4 + NPF_NONCE) < 0)
		return refuse(hs, -ERR_IO, "HMAC failed");
	*otype = NPF_CHALLENGE;
	*olen = NPF_CHAL_LEN;
	hs->state = NP_HS_WAIT_RESP;
	return NP_HS_MORE;
}

/* Connector: CHALLENGE from the node dialled; check its proof, answer. */
static int
on_challenge(struct np_hs *hs, const uint8_t *p, uint8_t *out, unsigned *otype, size_t *olen)
{
	uint8_t want[NPF_MAC];

	if (le16_get(p) != hs->peer || le16_get(p + 2) != hs->self)
		return refuse(hs, -ERR_INVAL, "CHALLENGE names other nodes");
	memcpy(hs->nonce_b, p + 4, NPF_NONCE);
	if (!memcmp(hs->nonce_a, hs->nonce_b, NPF_NONCE))
		return refuse(hs, -ERR_PERM, "our own nonce sent back");
	if (proof(hs, LABEL_CHAL, want) < 0)
		return refuse(hs, -ERR_IO, "HMAC failed");
	if (!same_mac(want, p + 4 + NPF_NONCE))
		return refuse(hs, -ERR_PERM, "bad key");
	if (proof(hs, LABEL_RESP, out) < 0)
		return refuse(hs, -ERR_IO, "HMAC failed");
	*otype = NPF_RESPONSE;
	*olen = NPF_RESP_LEN;
	hs->state = NP_HS_OK;
	return NP_HS_DONE;
}

/* Acceptor: RESPONSE; check the connector's proof. */
static int
on_response(struct np_hs *hs, const uint8_t *p)
{
	uint8_t want[NPF_MAC];

	if (proof(hs, LABEL_RESP, want) < 0)
		return refuse(hs, -ERR_IO, "HMAC failed");
	if (!same_mac(want, p))
		return refuse(hs, -ERR_PERM, "bad key");
	hs->state = NP_HS_OK;
	return NP_HS_DONE;
}

int
np_hs_input(struct np_hs *hs, unsigned type, const uint8_t *p, size_t len, uint8_t *out,
	    unsigned *otype, size_t *olen)
{
	*olen = 0;
	*otype = 0;
	if (hs->state == NP_HS_FAILED)
		return -ERR_PERM;
	if (!npf_len_ok(type, (uint32_t)len))
		return refuse(hs, -ERR_INVAL, "bad frame length");
	switch (hs->state) {
	case NP_HS_WAIT_HELLO:
		if (type == NPF_HELLO)
			return on_hello(hs, p, out, otype, olen);
		break;
	case NP_HS_WAIT_CHAL:
		if (type == NPF_CHALLENGE)
			return on_challenge(hs, p, out, otype, olen);
		break;
	case NP_HS_WAIT_RESP:
		if (type == NPF_RESPONSE)
			return on_response(hs, p);
		break;
	default:
		break;
	}
	return refuse(hs, -ERR_INVAL, "unexpected frame in the handshake");
}
