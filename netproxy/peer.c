/*
 * netproxy peers: one TCP connection per pair of nodes, dialled by the
 * lower node, authenticated by the handshake (hs.c), then carrying frames
 * (frame.c): HEARTBEAT, ANNOUNCE, ECHO/ECHO_REPLY (docs/netproxy.md).
 *
 * A `conn` is one TCP connection (lwIP pcb, frame reader, handshake).  An
 * accepted connection belongs to no peer until its handshake is done; then
 * it replaces whatever connection that peer had.  Nothing a connection
 * sends before the handshake is done reaches anything but the handshake.
 *
 * Liveness: every byte received, and every byte of ours the peer
 * acknowledges, counts as life; heartbeats go every NP_HB_MS when the
 * link is otherwise quiet, so a busy link is never declared dead and a
 * silent one is after NP_DEAD_MS.
 *
 * Frames are written whole: a frame is queued only when the send buffer
 * takes all of it, and nothing is queued while an ECHO's filler is still
 * being streamed.  ANNOUNCE and ECHO_REPLY wait (flags) until it fits;
 * a HEARTBEAT that does not fit is skipped (data is flowing then).
 */
#include <stdio.h>
#include <string.h>

#include <dux/dux.h>
#include "np_lwip.h"
#include <tessera/errors.h>
#include <tessera/le.h>

#include "netproxy.h"

#define CONNS		(NP_NODES_MAX + 8u)
#define FILL_CHUNK	16384u

struct conn {
	struct tcp_pcb *pcb;		/* NULL: slot free (or pcb gone) */
	struct peer *peer;		/* set once the handshake is done (or dialled) */
	struct np_hs hs;
	struct npf_reader rd;
	uint64_t t0;			/* connect / accept time */
	uint64_t hs_sent;		/* our last handshake frame went out */
	uint8_t role, up, aborted;
};

struct peer {
	struct np_peer_info info;
	struct conn *c;			/* current connection, or NULL */
	uint64_t last_rx;		/* life seen (ns) */
	uint64_t last_hb;		/* our last heartbeat */
	uint64_t hb_t, hb_at;		/* peer's last heartbeat time, when it came */
	uint64_t retry_at;		/* dial again (lower node only), 0 = none */
	unsigned backoff;		/* ms */
	uint16_t nrtx;			/* pcb->nrtx last seen */
	uint8_t ann_due;		/* ANNOUNCE to send */
	uint8_t ereply_due;		/* ECHO_REPLY to send */
	uint64_t ereply_token, ereply_len;
	uint64_t fill_left;		/* ECHO filler bytes still to write */
	struct ts_packet *echo_req;	/* control request waiting for ECHO_REPLY */
	uint64_t echo_token, echo_t0;
};

static struct peer peers[NP_NODES_MAX + 1];	/* by node number */
static struct conn conns[CONNS];
static struct tcp_pcb *listener;
static uint8_t ann[NPF_ANN_MAX];
static size_t ann_len;
static uint64_t echo_tokens;
static const uint8_t zeros[FILL_CHUNK];

static void conn_drop(struct conn *c);

static void
log_peer(unsigned node, const char *what, const char *why)
{
	printf("netproxy: peer %u %s (%s)\n", node, what, why);
}

/* Reply to a held control request and let it go. */
static void
echo_finish(struct peer *p, int status)
{
	if (!p->echo_req)
		return;
	dux_reply(p->echo_req, status, NULL, 0);
	dux_done(p->echo_req);
	p->echo_req = NULL;
}

/* The peer's connection is gone (or refused): log, forget its names,
 * schedule the next dial. */
static void
peer_lost(struct peer *p, int refused, const char *why)
{
	unsigned node = p->info.node;

	if (p->info.state == NP_PEER_UP || refused)
		log_peer(node, refused ? "refused" : "down", why);
	np_disc_drop(node);
	p->info.names = 0;
	echo_finish(p, -ERR_CLOSED);
	p->c = NULL;
	p->fill_left = 0;
	p->ereply_due = 0;
	p->info.state = refused ? NP_PEER_REFUSED : NP_PEER_DOWN;
	if (np_conf.self < node) {
		p->retry_at = np_now() + (uint64_t)p->backoff * NP_MS;
		p->backoff = p->backoff * 2 > NP_BACKOFF_MAX ? NP_BACKOFF_MAX : p->backoff * 2;
	}
}

/* End connection c (RST to the other side); its peer, if any, is lost. */
static void
conn_fail(struct conn *c, int refused, const char *why)
{
	struct peer *p = c->peer;
	unsigned claimed = c->hs.peer;

	conn_drop(c);
	if (p && p->c == c)
		peer_lost(p, refused, why);
	else if (refused && claimed && claimed <= np_conf.nodes)
		log_peer(claimed, "refused", why);
	else if (refused)
		printf("netproxy: refused a connection (%s)\n", why);
}

static void
conn_drop(struct conn *c)
{
	if (c->pcb) {
		tcp_arg(c->pcb, NULL);
		tcp_recv(c->pcb, NULL);
		tcp_sent(c->pcb, NULL);
		tcp_err(c->pcb, NULL);
		tcp_abort(c->pcb);
		c->aborted = 1;
	}
	c->pcb = NULL;
}

static struct conn *
conn_new(struct tcp_pcb *pcb, unsigned role)
{
	for (unsigned i = 0; i < CONNS; i++) {
		struct conn *c = &conns[i];
		if (c->pcb)
			continue;
		memset(c, 0, sizeof(*c));
		c->pcb = pcb;
		c->role = (uint8_t)role;
		c->t0 = np_now();
		npf_reader_init(&c->rd);
		return c;
	}
	return NULL;
}

/* Queue one whole frame; 0, or -ERR_AGAIN (does not fit now: nothing
 * queued).  The caller calls tcp_output. */
static int
send_frame(struct conn *c, unsigned type, const void *pl, uint32_t len)
{
	uint8_t hdr[NPF_HDR];
	struct peer *p = c->up ? c->peer : NULL;

	if (!c->pcb || (p && p->fill_left) || npf_header(type, len, hdr) < 0)
		return -ERR_AGAIN;
	if (tcp_sndbuf(c->pcb) < NPF_HDR + len || tcp_sndqueuelen(c->pcb) + 4 > TCP_SND_QUEUELEN)
		return -ERR_AGAIN;
	static uint8_t f[NPF_HDR + NPF_KEEP];
	memcpy(f, hdr, NPF_HDR);
	if (len)
		memcpy(f + NPF_HDR, pl, len);
	if (tcp_write(c->pcb, f, (u16_t)(NPF_HDR + len), TCP_WRITE_FLAG_COPY) != ERR_OK)
		return -ERR_AGAIN;	/* nothing queued */
	if (p) {
		p->info.frames_out++;
		p->info.bytes_out += NPF_HDR + len;
	}
	return 0;
}

/* Stream ECHO filler while the send buffer has room. */
static void
push_fill(struct peer *p)
{
	struct conn *c = p->c;

	while (c && c->pcb && p->fill_left) {
		tcpwnd_size_t room = tcp_sndbuf(c->pcb);	/* at most 64 KiB - 1 */
		uint32_t queued = TCP_SND_BUF - c->pcb->snd_buf, cap = np_link_queue_cap();
		if (room > (queued < cap ? cap - queued : 0))
			room = queued < cap ? (tcpwnd_size_t)(cap - queued) : 0;
		uint64_t n = p->fill_left < FILL_CHUNK ? p->fill_left : FILL_CHUNK;
		if (n > room)
			n = room;
		if (!n || tcp_sndqueuelen(c->pcb) + 16 > TCP_SND_QUEUELEN ||
		    tcp_write(c->pcb, zeros, (u16_t)n, p->fill_left > n ? TCP_WRITE_FLAG_MORE : 0) !=
			    ERR_OK)
			break;
		p->fill_left -= n;
		p->info.bytes_out += n;
	}
}

/* When p's next heartbeat is due: the first multiple of NP_HB_MS on our
 * clock after the last one, so that every peer's heartbeat falls on the
 * same instants and one wakeup sends them all (an idle 16-node cluster
 * otherwise woke each node for each peer's heartbeat separately). */
static uint64_t
hb_due(const struct peer *p)
{
	const uint64_t period = NP_HB_MS * NP_MS;

	return (p->last_hb / period + 1) * period;
}

/* Send what is due on p's connection: filler, ECHO_REPLY, ANNOUNCE,
 * heartbeat. */
static void
flush_peer(struct peer *p, uint64_t now)
{
	struct conn *c = p->c;

	if (!c || !c->pcb || !c->up)
		return;
	push_fill(p);
	if (p->ereply_due) {
		uint8_t r[NPF_EREPLY_LEN];
		le64_put(r, p->ereply_token);
		le64_put(r + 8, p->ereply_len);
		if (send_frame(c, NPF_ECHO_REPLY, r, sizeof(r)) == 0)
			p->ereply_due = 0;
	}
	if (p->ann_due && send_frame(c, NPF_ANNOUNCE, ann, (uint32_t)ann_len) == 0)
		p->ann_due = 0;
	if (now >= hb_due(p)) {
		uint8_t hb[NPF_HB_LEN];
		le64_put(hb, now);
		le64_put(hb + 8, p->hb_t);
		le64_put(hb + 16, p->hb_t ? now - p->hb_at : 0);
		if (send_frame(c, NPF_HEARTBEAT, hb, sizeof(hb)) == 0 || p->fill_left)
			p->last_hb = now;
	}
	tcp_output(c->pcb);
}

/* The handshake of c is done: c becomes its peer's connection. */
static void
peer_up(struct conn *c, uint64_t rtt_ns)
{
	struct peer *p = &peers[c->hs.peer];
	uint64_t now = np_now();

	if (p->c && p->c != c) {
		struct conn *old = p->c;
		p->c = NULL;
		conn_drop(old);
		if (p->info.state == NP_PEER_UP)
			peer_lost(p, 0, "replaced by a new connection");
	}
	c->peer = p;
	c->up = 1;
	p->c = c;
	p->info.state = NP_PEER_UP;
	p->info.ups++;
	p->info.rtt_us = (uint32_t)(rtt_ns / 1000);
	p->last_rx = now;
	p->last_hb = 0;
	p->hb_t = 0;
	p->backoff = NP_BACKOFF_MIN;
	p->retry_at = 0;
	p->nrtx = 0;
	p->ann_due = 1;
	printf("netproxy: peer %u up (rtt %u us)\n", p->info.node, p->info.rtt_us);
	flush_peer(p, now);
}

/* A frame during the handshake.  The round trip at "up" is from our last
 * handshake frame to this one. */
static int
hs_frame(struct conn *c, uint64_t now)
{
	uint64_t rtt = now - c->hs_sent;
	uint8_t out[NP_HS_OUT_MAX];
	unsigned otype;
	size_t olen;
	int rc = np_hs_input(&c->hs, c->rd.type, c->rd.buf, c->rd.len, out, &otype, &olen);

	if (rc < 0) {
		conn_fail(c, 1, c->hs.why);
		return -1;
	}
	if (olen) {
		if (send_frame(c, otype, out, (uint32_t)olen) < 0) {
			conn_fail(c, 0, "handshake frame does not fit");
			return -1;
		}
		tcp_output(c->pcb);
		c->hs_sent = np_now();
	}
	if (rc == NP_HS_DONE)
		peer_up(c, rtt);
	return 0;
}

static void
heartbeat_in(struct peer *p, const uint8_t *b, uint64_t now)
{
	uint64_t echo = le64_get(b + 8), hold = le64_get(b + 16);

	p->hb_t = le64_get(b);
	p->hb_at = now;
	if (echo && echo <= now && now - echo >= hold)
		p->info.rtt_us = (uint32_t)((now - echo - hold) / 1000);
}

/* A frame from a peer that is up.  0, or -1 when the connection ended. */
static int
up_frame(struct conn *c, uint64_t now)
{
	struct peer *p = c->peer;
	const uint8_t *b = c->rd.buf;

	p->info.frames_in++;
	switch (c->rd.type) {
	case NPF_HEARTBEAT:
		heartbeat_in(p, b, now);
		return 0;
	case NPF_ANNOUNCE:
		if (np_disc_remote(p->info.node, b, c->rd.len) < 0) {
			conn_fail(c, 0, "bad ANNOUNCE");
			return -1;
		}
		p->info.names = np_disc_count(p->info.node);
		return 0;
	case NPF_ECHO:
		p->ereply_token = le64_get(b);
		p->ereply_len = c->rd.len;
		p->ereply_due = 1;
		return 0;
	case NPF_ECHO_REPLY:
		if (p->echo_req && le64_get(b) == p->echo_token) {
			uint64_t us = (now - p->echo_t0) / 1000;
			echo_finish(p, us > 0x7fffffff ? 0x7fffffff : (int)us);
		}
		return 0;
	default:
		conn_fail(c, 0, "handshake frame after the handshake");
		return -1;
	}
}

static err_t
on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *pb, err_t err)
{
	struct conn *c = arg;
	uint64_t now = np_now();

	if (!c || c->pcb != pcb) {
		if (pb)
			pbuf_free(pb);
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	if (!pb || err != ERR_OK) {
		if (pb)
			pbuf_free(pb);
		conn_fail(c, !c->up && c->hs.peer, c->up ? "connection closed" :
			  "connection closed in the handshake");
		return ERR_ABRT;
	}
	struct peer *p = c->up ? c->peer : NULL;
	if (p) {
		p->last_rx = now;
		p->info.bytes_in += pb->tot_len;
	}
	tcp_recved(pcb, pb->tot_len);
	for (struct pbuf *q = pb; q && !c->aborted; q = q->next) {
		const uint8_t *d = q->payload;
		size_t n = q->len, used;
		while (n && !c->aborted) {
			int rc = npf_feed(&c->rd, d, n, &used);
			d += used;
			n -= used;
			if (rc < 0)
				conn_fail(c, !c->up, c->rd.why);
			else if (rc == 1)
				(void)(c->up ? up_frame(c, now) : hs_frame(c, now));
		}
	}
	pbuf_free(pb);
	if (c->aborted)
		return ERR_ABRT;
	if (c->up)
		flush_peer(c->peer, now);
	return ERR_OK;
}

static err_t
on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct conn *c = arg;

	(void)len;
	if (!c || c->pcb != pcb || !c->up)
		return ERR_OK;
	c->peer->last_rx = np_now();	/* the peer acknowledged our bytes */
	flush_peer(c->peer, c->peer->last_rx);
	return ERR_OK;
}

static void
on_err(void *arg, err_t err)
{
	struct conn *c = arg;

	if (!c)
		return;
	c->pcb = NULL;	/* lwIP freed it */
	c->aborted = 1;
	struct peer *p = c->peer;
	const char *why = err == ERR_RST ? "connection reset" : err == ERR_ABRT ?
			  "connection aborted" : "connection failed";
	if (p && p->c == c)
		peer_lost(p, c->hs.state == NP_HS_WAIT_CHAL, why);
	else if (!p && c->hs.state == NP_HS_WAIT_RESP)	/* it refused our proof */
		log_peer(c->hs.peer, "refused", err == ERR_RST ? "reset in the handshake" : why);
}

static void
conn_callbacks(struct conn *c)
{
	tcp_arg(c->pcb, c);
	tcp_recv(c->pcb, on_recv);
	tcp_sent(c->pcb, on_sent);
	tcp_err(c->pcb, on_err);
	tcp_nagle_disable(c->pcb);
}

static err_t
on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	uint8_t nonce[NPF_NONCE];
	size_t olen;

	(void)arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	struct conn *c = conn_new(pcb, NP_HS_ACCEPT);
	if (!c) {
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	np_nonce(nonce);
	np_hs_start(&c->hs, NP_HS_ACCEPT, np_conf.self, 0, np_conf.nodes, np_conf.key,
		    np_conf.keylen, nonce, NULL, &olen);
	conn_callbacks(c);
	return ERR_OK;
}

static err_t
on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct conn *c = arg;
	uint8_t nonce[NPF_NONCE], out[NP_HS_OUT_MAX];
	size_t olen;

	if (!c || c->pcb != pcb || err != ERR_OK)
		return ERR_OK;
	np_nonce(nonce);
	if (np_hs_start(&c->hs, NP_HS_CONNECT, np_conf.self, c->peer->info.node, np_conf.nodes,
			np_conf.key, np_conf.keylen, nonce, out, &olen) < 0 ||
	    send_frame(c, NPF_HELLO, out, (uint32_t)olen) < 0) {
		conn_fail(c, 0, "cannot start the handshake");
		return ERR_ABRT;
	}
	c->peer->info.state = NP_PEER_HANDSHAKE;
	c->hs_sent = np_now();
	tcp_output(pcb);
	return ERR_OK;
}

/* Dial a higher-numbered peer. */
static void
dial(struct peer *p)
{
	ip4_addr_t ip;
	struct tcp_pcb *pcb = tcp_new();
	struct conn *c = pcb ? conn_new(pcb, NP_HS_CONNECT) : NULL;

	p->retry_at = 0;
	if (!c) {
		if (pcb)
			tcp_abort(pcb);
		p->retry_at = np_now() + NP_BACKOFF_MAX * NP_MS;
		return;
	}
	c->peer = p;
	p->c = c;
	p->info.state = NP_PEER_CONNECTING;
	conn_callbacks(c);
	IP4_ADDR(&ip, 10, 77, 0, p->info.node);
	if (tcp_connect(pcb, &ip, NP_PORT, on_connected) != ERR_OK) {
		conn_drop(c);
		peer_lost(p, 0, "connect refused by lwIP");
	}
}

void
np_peers_start(void)
{
	for (unsigned j = 1; j <= np_conf.nodes; j++) {
		peers[j].info.node = (uint16_t)j;
		peers[j].backoff = NP_BACKOFF_MIN;
		peers[j].info.state = j == np_conf.self ? NP_PEER_NEW : NP_PEER_CONNECTING;
		if (j > np_conf.self)
			peers[j].retry_at = np_now();
	}
	struct tcp_pcb *l = tcp_new();
	if (!l || tcp_bind(l, IP4_ADDR_ANY, NP_PORT) != ERR_OK ||
	    !(listener = tcp_listen_with_backlog(l, NP_NODES_MAX))) {
		printf("netproxy: cannot listen on port %u\n", NP_PORT);
		exit(1);
	}
	tcp_accept(listener, on_accept);
}

/*
 * Liveness below TCP: with loss, one lost segment holds back every later
 * one of its direction (in-order delivery) while both sides sit in
 * retransmission back-off, so neither data nor a new acknowledgement may
 * reach us for over NP_DEAD_MS although the peer keeps sending (a bulk
 * ECHO at 5 % loss lost its peer that way).  Any TCP segment from the
 * peer's address on our port shows it is alive; a dead peer sends none.
 */
void
np_peers_frame(const uint8_t *f, size_t n, uint64_t now)
{
	if (n < 14 + 20 + 4 || f[12] != 0x08 || f[13] != 0x00)
		return;				/* not IPv4 */
	const uint8_t *ip = f + 14;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	if ((ip[0] >> 4) != 4 || ihl < 20 || n < 14 + ihl + 4 || ip[9] != 6)
		return;				/* not TCP */
	if (ip[12] != 10 || ip[13] != 77 || ip[14] != 0)
		return;				/* not from the cluster's net */
	unsigned node = ip[15];
	const uint8_t *tcp = ip + ihl;
	unsigned sport = (unsigned)tcp[0] << 8 | tcp[1], dport = (unsigned)tcp[2] << 8 | tcp[3];
	if (node < 1 || node > np_conf.nodes || node == np_conf.self ||
	    (sport != NP_PORT && dport != NP_PORT))
		return;
	struct peer *p = &peers[node];
	if (p->info.state == NP_PEER_UP && p->c && now > p->last_rx)
		p->last_rx = now;
}

static uint64_t
earliest(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t
np_peers_tick(uint64_t now)
{
	uint64_t next = UINT64_MAX;

	for (unsigned i = 0; i < CONNS; i++) {	/* handshakes that take too long */
		struct conn *c = &conns[i];
		if (!c->pcb || c->up)
			continue;
		if (now - c->t0 >= NP_HS_MS * NP_MS)
			conn_fail(c, c->hs.state == NP_HS_WAIT_CHAL || c->hs.state == NP_HS_WAIT_RESP,
				  c->hs.state == NP_HS_IDLE ? "no answer to connect" :
				  "handshake timed out");
		else
			next = earliest(next, c->t0 + NP_HS_MS * NP_MS);
	}
	for (unsigned j = 1; j <= np_conf.nodes; j++) {
		struct peer *p = &peers[j];
		if (j == np_conf.self)
			continue;
		if (p->retry_at && !p->c) {
			if (now >= p->retry_at)
				dial(p);
			else
				next = earliest(next, p->retry_at);
		}
		if (p->info.state != NP_PEER_UP || !p->c)
			continue;
		if (now - p->last_rx >= NP_DEAD_MS * NP_MS) {
			struct conn *c = p->c;
			conn_drop(c);
			peer_lost(p, 0, "no heartbeat for 2000 ms");
			continue;
		}
		if (p->c->pcb && p->c->pcb->nrtx > p->nrtx)
			p->info.retrans += p->c->pcb->nrtx - p->nrtx;
		p->nrtx = p->c->pcb ? p->c->pcb->nrtx : 0;
		flush_peer(p, now);
		next = earliest(next, p->last_rx + NP_DEAD_MS * NP_MS);
		next = earliest(next, hb_due(p));
	}
	return next;
}

void
np_peers_info(struct np_peer_info *out)
{
	for (unsigned j = 1; j <= np_conf.nodes; j++)
		if (j != np_conf.self)
			*out++ = peers[j].info;
}

int
np_peer_echo(unsigned node, uint64_t size, struct ts_packet *req)
{
	uint8_t head[NPF_HDR + 8];

	if (node < 1 || node > np_conf.nodes || node == np_conf.self)
		return -ERR_NOENT;
	if (size < NP_ECHO_MIN || size > NP_ECHO_MAX)
		return -ERR_RANGE;
	struct peer *p = &peers[node];
	struct conn *c = p->c;
	if (p->info.state != NP_PEER_UP || !c || !c->pcb)
		return -ERR_CLOSED;
	if (p->echo_req || p->fill_left)
		return -ERR_BUSY;
	if (tcp_sndbuf(c->pcb) < NPF_HDR + 8)
		return -ERR_BUSY;
	npf_header(NPF_ECHO, (uint32_t)size, head);
	le64_put(head + NPF_HDR, echo_tokens + 1);
	if (tcp_write(c->pcb, head, sizeof(head), TCP_WRITE_FLAG_COPY |
		      (size > 8 ? TCP_WRITE_FLAG_MORE : 0)) != ERR_OK)
		return -ERR_BUSY;	/* nothing queued */
	echo_tokens++;
	p->info.frames_out++;
	p->info.bytes_out += NPF_HDR + 8;
	p->echo_token = echo_tokens;
	p->echo_t0 = np_now();
	p->echo_req = req;
	p->fill_left = size - 8;
	push_fill(p);
	tcp_output(c->pcb);
	return 0;
}

void
np_peers_announce(const uint8_t *pl, size_t len)
{
	memcpy(ann, pl, len);
	ann_len = len;
	for (unsigned j = 1; j <= np_conf.nodes; j++)
		if (j != np_conf.self) {
			peers[j].ann_due = 1;
			flush_peer(&peers[j], np_now());
		}
}
