/*
 * The netproxy control protocol (docs/netproxy.md): how local programs ask
 * the node's netproxy (service NETPROXY_SERVICE) about its peers.  The
 * request's `name` selects the call:
 *
 *   OP_INFO, name "peers"  -> COPY data = one struct np_peer_info per node
 *                             of the cluster but ours (node order), status =
 *                             their count.
 *   OP_ECHO, name "echo", offset = peer node, handle = payload bytes
 *            (NP_ECHO_MIN..NP_ECHO_MAX)
 *                          -> one ECHO frame of that many bytes to the peer's
 *                             netproxy; the reply comes when its ECHO_REPLY
 *                             does, status = microseconds from the send to
 *                             the reply (so bytes / time is the throughput).
 *                             -ERR_NOENT: no such peer; -ERR_CLOSED: peer not
 *                             up or lost meanwhile; -ERR_BUSY: an ECHO to
 *                             that peer is in flight; -ERR_RANGE: bad size.
 *   any other request (also one sent to a remote name net/<node>/<svc>):
 *                          -> -ERR_NOTSUP (forwarding is not built yet).
 */
#ifndef TESSERA_PROTO_NETPROXY_H
#define TESSERA_PROTO_NETPROXY_H

#include <stdint.h>

#define NETPROXY_SERVICE	"netproxy"
#define NP_ECHO_MIN		8u
#define NP_ECHO_MAX		(64u << 20)

enum np_peer_state {
	NP_PEER_NEW,		/* never connected */
	NP_PEER_CONNECTING,	/* dialling, or waiting for the peer to dial */
	NP_PEER_HANDSHAKE,	/* TCP up, membership not proved yet */
	NP_PEER_UP,		/* authenticated, heartbeats flowing */
	NP_PEER_DOWN,		/* lost; reconnecting with backoff */
	NP_PEER_REFUSED,	/* failed the handshake; retried with backoff */
	NP_PEER_STATE_COUNT
};

struct np_peer_info {
	uint16_t node;
	uint8_t state;		/* enum np_peer_state */
	uint8_t pad0;
	uint32_t rtt_us;	/* last round trip (heartbeats), 0 = none yet */
	uint32_t ups;		/* times the peer came up */
	uint32_t names;		/* remote names registered for it */
	uint64_t bytes_in, bytes_out;	/* TCP payload bytes */
	uint64_t frames_in, frames_out;
	uint64_t retrans;	/* TCP retransmissions on its connection */
};
_Static_assert(sizeof(struct np_peer_info) == 56, "np_peer_info is ABI");

#endif
