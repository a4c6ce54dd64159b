/*
 * netproxy: the node's network proxy (docs/netproxy.md).  Today it forms
 * the cluster: it drives the node's NIC directly under lwIP, keeps one
 * authenticated TCP connection to every other node, notices dead peers,
 * and registers the names other nodes export.  Forwarding requests
 * through those names is the next step; until then they answer
 * -ERR_NOTSUP.
 *
 * Usage: netproxy node=K nodes=N key=HEX [nic=BB:DD.F|netN] [export=a,b,/c]
 *   K in 1..N, N in 2..16; key: 32..128 hex digits (16..64 bytes);
 *   nic: the PCI function the PCI server holds for us (direct), or the
 *   virtio-net server to go through (IPC); default: 00:01.0 if held,
 *   else net0 (link.c);
 *   export: the names to announce (default: see disc.c).
 * Needs privilege (device memory, DMA, the interrupt).
 *
 * The loop never polls when idle: it sleeps in io_wait until the earliest
 * of lwIP's next timeout, our own timers, an IPC request and the NIC's
 * interrupt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dux/dux.h>
#include "np_lwip.h"
#include <tessera/errors.h>
#include <tessera/user.h>

#include "netproxy.h"

#define RING		64u
#define SCAN_MS		1000u	/* exports re-read */

struct np_conf np_conf;

uint64_t
np_now(void)
{
	return ts_now();
}

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A decimal number in [lo, hi] from s, or -1. */
static long
number(const char *s, long lo, long hi)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s && !*end && v >= lo && v <= hi ? v : -1;
}

/* nic=: a PCI function "BB:DD.F" or a virtio-net server "netN". */
static int
nic_ok(const char *s)
{
	size_t n = strlen(s);

	if (!strncmp(s, "net", 3))
		return n > 3 && n < sizeof(np_conf.nic) && number(s + 3, 0, 9999) >= 0;
	return n == 7 && s[2] == ':' && s[5] == '.';
}

/* Decode the arguments into np_conf; 0, or -1 after an error line. */
static int
parse_args(int argc, char **argv)
{
	const char *key = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		long v;
		if (!strncmp(a, "node=", 5) && (v = number(a + 5, 1, NP_NODES_MAX)) > 0)
			np_conf.self = (unsigned)v;
		else if (!strncmp(a, "nodes=", 6) && (v = number(a + 6, 2, NP_NODES_MAX)) > 0)
			np_conf.nodes = (unsigned)v;
		else if (!strncmp(a, "key=", 4))
			key = a + 4;
		else if (!strncmp(a, "nic=", 4) && nic_ok(a + 4))
			strcpy(np_conf.nic, a + 4);
		else if (!strncmp(a, "export=", 7) && strlen(a + 7) < NP_EXPORT_MAX) {
			strcpy(np_conf.exports, a + 7);
			np_conf.export_set = 1;
		} else {
			printf("netproxy: bad argument '%s'\n", a);
			return -1;
		}
	}
	if (!np_conf.self || !np_conf.nodes || np_conf.self > np_conf.nodes) {
		printf("netproxy: need node=K nodes=N with 1 <= K <= N, 2 <= N <= %u\n",
		       NP_NODES_MAX);
		return -1;
	}
	size_t kl = key ? strlen(key) : 0;
	if (kl % 2 || kl < 2 * NP_KEY_MIN || kl > 2 * NP_KEY_MAX) {
		printf("netproxy: need key=HEX of %u..%u hex digits\n", 2 * NP_KEY_MIN,
		       2 * NP_KEY_MAX);
		return -1;
	}
	for (size_t i = 0; i < kl; i += 2) {
		int h = hexval(key[i]), l = hexval(key[i + 1]);
		if (h < 0 || l < 0) {
			printf("netproxy: key= is not hexadecimal\n");
			return -1;
		}
		np_conf.key[i / 2] = (uint8_t)(h << 4 | l);
	}
	np_conf.keylen = kl / 2;
	return 0;
}

/* The control protocol (<tessera/proto_netproxy.h>). */
static void
serve(struct ts_packet *req)
{
	static struct np_peer_info info[NP_NODES_MAX];

	if (req->flags & (PKT_REPLY | PKT_KERNEL)) {
		dux_data_free(req);
		dux_done(req);
		return;
	}
	dux_data_free(req);
	int is = req->name_len == 5;
	if (req->opcode == OP_INFO && is && !memcmp(req->name, "peers", 5)) {
		np_peers_info(info);
		dux_reply_data(req, (int)np_conf.nodes - 1, info,
			       (np_conf.nodes - 1) * sizeof(info[0]));
	} else if (req->opcode == OP_ECHO && req->name_len == 4 && !memcmp(req->name, "echo", 4)) {
		if (req->offset > NP_NODES_MAX) {
			dux_reply(req, -ERR_NOENT, NULL, 0);
		} else {
			int r = np_peer_echo((unsigned)req->offset, req->handle, req);
			if (r == 0)
				return;	/* held until the ECHO_REPLY */
			dux_reply(req, r, NULL, 0);
		}
	} else {
		dux_reply(req, -ERR_NOTSUP, NULL, 0);
	}
	dux_done(req);
}

int
main(int argc, char **argv)
{
	if (parse_args(argc, argv) < 0)
		return 2;
	if (dux_init(RING) < 0 || dux_register(NETPROXY_SERVICE) < 0) {
		printf("netproxy: cannot register %s\n", NETPROXY_SERVICE);
		return 1;
	}
	np_entropy_add((uint64_t)np_conf.self << 48 ^ np_now());
	if (np_link_start() < 0)
		return 1;
	np_peers_start();
	uint64_t next_scan = 0;
	for (;;) {
		uint32_t seen = np_link_irqs();
		int got = np_link_poll();
		sys_check_timeouts();
		uint64_t now = np_now();
		if (now >= next_scan) {
			np_disc_scan();
			next_scan = now + SCAN_MS * NP_MS;
		}
		uint64_t next = np_peers_tick(now);
		struct ts_packet *req;
		while ((req = dux_recv())) {
			if (np_link_reply(req))
				got++;
			else
				serve(req);
		}
		if (got || np_link_irqs() != seen || np_link_rearm()) {
			dux_wait(0);
			np_link_flushed();
			continue;
		}
		u32_t lw = sys_timeouts_sleeptime();
		uint64_t at = next < next_scan ? next : next_scan;
		if (lw != SYS_TIMEOUTS_SLEEPTIME_INFINITE && now + lw * NP_MS < at)
			at = now + lw * NP_MS;
		now = np_now();
		dux_wait(at > now ? at - now : 0);
		np_link_flushed();
	}
}
