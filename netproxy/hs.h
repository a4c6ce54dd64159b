/*
 * netproxy membership handshake (docs/netproxy.md, "Handshake"): a mutual
 * challenge-response keyed by the cluster key, HMAC-SHA256 (mbedTLS), with
 * a nonce from each side; the key never goes on the wire.
 *
 *   connector A (lower node)           acceptor B
 *   HELLO     {proto, A, B, nodes, nA}  ->
 *             <-  CHALLENGE {B, A, nB, HMAC(key, "TN1 chal" A B nA nB)}
 *   RESPONSE  {HMAC(key, "TN1 resp" A B nA nB)}  ->
 *
 * A checks B's proof before it answers; B checks A's.  The two proofs use
 * different labels, so neither can be reflected as the other.  A peer that
 * sends anything else, in another order, or a wrong proof is refused
 * (np_hs_input returns -ERR_PERM or -ERR_INVAL with hs->why).
 *
 * How to use:
 *   np_hs_start(&hs, role, self, peer, nodes, key, keylen, nonce, out, &olen)
 *     connector: out holds the HELLO payload to send (olen bytes)
 *   per received frame: rc = np_hs_input(&hs, type, payload, len, out, &otype, &olen)
 *     rc NP_HS_MORE / NP_HS_DONE; send out[0..olen) as otype when olen > 0
 *     rc < 0: refused, hs.why; hs.peer is the claimed node (0 if unknown)
 * Pure: no allocation, no I/O; built for the guest and the host tests.
 */
#ifndef NP_HS_H
#define NP_HS_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"

#define NP_PROTO	1u
#define NP_NODES_MAX	16u
#define NP_KEY_MIN	16u		/* bytes */
#define NP_KEY_MAX	64u
#define NP_HS_OUT_MAX	NPF_CHAL_LEN	/* largest handshake payload */

enum np_hs_role { NP_HS_CONNECT = 1, NP_HS_ACCEPT };
enum np_hs_state { NP_HS_IDLE, NP_HS_WAIT_HELLO, NP_HS_WAIT_CHAL, NP_HS_WAIT_RESP, NP_HS_OK,
		   NP_HS_FAILED };
enum { NP_HS_MORE = 0, NP_HS_DONE = 1 };

struct np_hs {
	uint8_t role, state;
	uint16_t self, peer, nodes;
	const uint8_t *key;
	size_t keylen;
	uint8_t nonce_a[NPF_NONCE], nonce_b[NPF_NONCE];	/* connector's, acceptor's */
	const char *why;
};

/* Begin a handshake as `role` for node `self` of `nodes` (2..NP_NODES_MAX)
 * with key[keylen] (NP_KEY_MIN..NP_KEY_MAX, kept by reference) and our
 * fresh nonce.  Connector: `peer` is the node dialled (> self); out gets
 * the HELLO payload, *olen its length.  Acceptor: peer 0 (learnt from
 * HELLO), *olen 0.  Returns 0 or -ERR_INVAL (bad numbers: nothing set). */
int np_hs_start(struct np_hs *hs, unsigned role, unsigned self, unsigned peer, unsigned nodes,
		const uint8_t *key, size_t keylen, const uint8_t *nonce, uint8_t *out,
		size_t *olen);

/* Feed one received frame.  Returns NP_HS_MORE (send out if *olen > 0 and
 * wait), NP_HS_DONE (the peer proved the key; send out if *olen > 0) or
 * -ERR_INVAL / -ERR_PERM (refused: hs->why; every later call fails). */
int np_hs_input(struct np_hs *hs, unsigned type, const uint8_t *p, size_t len, uint8_t *out,
		unsigned *otype, size_t *olen);

/* HMAC-SHA256 of msg[len] under key[keylen] into mac[32]; 0 or -ERR_IO. */
int np_hmac(const uint8_t *key, size_t keylen, const uint8_t *msg, size_t len, uint8_t *mac);

/* SHA-256 of msg[len] into out[32]; 0 or -ERR_IO. */
int np_sha256(const uint8_t *msg, size_t len, uint8_t *out);

#endif
