/*
 * netproxy: the node's network proxy (docs/netproxy.md).  Modules:
 *   netproxy.c  arguments, the NIC from the PCI server, the main loop, the
 *               control protocol (<tessera/proto_netproxy.h>)
 *   link.c      the lwIP netif over the virtio-net library (direct path)
 *   peer.c      one TCP connection per pair of nodes: handshake, frames,
 *               heartbeats, reconnection, ECHO
 *   disc.c      discovery: what we export, remote names net/<node>/<svc>
 *   nonce.c     nonces and lwIP's random numbers (SHA-256 mixer)
 *   frame.c, hs.c  pure frame codec and handshake (host-tested, fuzzed)
 * One thread: lwIP's raw API (NO_SYS=1) is called from the main loop only.
 */
#ifndef NP_NETPROXY_H
#define NP_NETPROXY_H

#include <stddef.h>
#include <stdint.h>

#include <tessera/ipc.h>
#include <tessera/proto_netproxy.h>

#include "frame.h"
#include "hs.h"

#define NP_PORT		7700u		/* TCP port every netproxy listens on */
#define NP_MS		1000000ull	/* ns */
#define NP_HB_MS	250u		/* heartbeat period */
#define NP_DEAD_MS	2000u		/* silence that makes a peer dead */
#define NP_HS_MS	3000u		/* handshake (and dial) deadline */
#define NP_BACKOFF_MIN	100u		/* reconnection backoff, ms, doubling */
#define NP_BACKOFF_MAX	2000u
#define NP_NAMES_MAX	16u		/* names one peer may announce */
#define NP_NAME_MAX	63u		/* a registered name (kernel limit) */
#define NP_EXPORT_MAX	512u

struct np_conf {
	unsigned self, nodes;		/* our node number, the cluster size */
	uint8_t key[NP_KEY_MAX];
	size_t keylen;
	char nic[8];			/* "BB:DD.F" held by the PCI server, "netN", "" */
	char exports[NP_EXPORT_MAX];	/* export= list (comma separated), "" = default */
	int export_set;
};

extern struct np_conf np_conf;

/* Monotonic time in ns. */
uint64_t np_now(void);

/* link.c: bring the NIC and the lwIP netif up (10.77.0.K/16).  0 or -ERR_*
 * with a log line. */
int np_link_start(void);
/* Take the frames waiting on the NIC into lwIP; returns how many. */
int np_link_poll(void);
/* Before sleeping: 1 if the NIC may have frames (poll again), else 0. */
int np_link_rearm(void);
/* Interrupts seen by the NIC handler (changes when one arrives). */
uint32_t np_link_irqs(void);
/* ipc path: a reply from the netN server (frame or write status) is
 * consumed (1); anything else is left to the caller (0). */
int np_link_reply(struct ts_packet *q);
/* Call after each dux_wait/dux_flush: reclaims the ipc transmit buffers. */
void np_link_flushed(void);
/* Bytes of bulk data a connection may have queued and unacknowledged: the
 * whole send buffer direct; less through IPC, where the server drops
 * frames it cannot take (-ERR_AGAIN) instead of making us wait. */
uint32_t np_link_queue_cap(void);

/* peer.c */
void np_peers_start(void);			/* listen, state of every peer */
uint64_t np_peers_tick(uint64_t now);		/* timers; returns next deadline */
void np_peers_info(struct np_peer_info *out);	/* nodes - 1 records */
/* A received Ethernet frame (before lwIP): a TCP segment from a peer's
 * address to or from NP_PORT counts as that peer's life. */
void np_peers_frame(const uint8_t *f, size_t n, uint64_t now);
/* ECHO of `size` bytes to `node` for request req (held until the reply). */
int np_peer_echo(unsigned node, uint64_t size, struct ts_packet *req);
/* Send ANNOUNCE with payload p[len] to every peer that is up (and to each
 * one that comes up later). */
void np_peers_announce(const uint8_t *p, size_t len);

/* disc.c */
/* Rescan our exports; on a change, announce them (np_peers_announce). */
void np_disc_scan(void);
/* ANNOUNCE from `node`: validate p[len], then register the names it gives
 * and drop those it no longer gives.  0 or -ERR_INVAL (nothing changed). */
int np_disc_remote(unsigned node, const uint8_t *p, size_t len);
/* The peer is gone: unregister its names.  Returns how many. */
unsigned np_disc_drop(unsigned node);
unsigned np_disc_count(unsigned node);

/* nonce.c */
void np_nonce(uint8_t *out);		/* NPF_NONCE fresh bytes */
void np_entropy_add(uint64_t v);	/* mix an unpredictable value in */
unsigned np_rand32(void);		/* LWIP_RAND (port/arch/cc.h) */

#endif
