/*
 * netproxy node test program (tests/node/netproxy.cmake drives two QEMU
 * nodes joined by a dgram unix-socket pair with tests/node/np_pair.py).
 * As init it starts ramfs on /tmp, registers the service "tnode", starts
 * `pci hold=00:01.0` (`pci` alone with nic=netN: netproxy then goes
 * through the virtio-net server) and `netproxy` with its own arguments,
 * then:
 *   wait:   does nothing more (the harness kills or stops the node);
 *   check:  (node 1) waits for peer 2 up, checks node 2's names
 *           (net/2/tnode, /net/2/tmp), that a request to one is
 *           -ERR_NOTSUP, runs `sh -c 'services; peers'`, measures ECHO
 *           round trips and bulk ECHOs (bulk=MIB, default 8), asks the harness to kill node 2
 *           and checks that the peer goes down and its names vanish, then
 *           to start it again and checks that it comes back with its names;
 *   refuse: (node 1) for REFUSE_S seconds peer 2 must never come up and
 *           none of its names appear.
 * Every result is one "np: ..." line; the node powers off with 0 only if
 * all held.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dux/dux.h>
#include <tessera/proto_netproxy.h>
#include <tessera/user.h>

#define SEC		1000000000ull
#define MS		1000000ull
#define UP_S		60u
#define REFUSE_S	10u
#define ECHOS		21u
#define BULKS		5u

static long np;
static unsigned bulk_mib = 8;	/* bulk=MIB argument */
static int failed;

static void
fail(const char *what, long v)
{
	printf("np: FAIL %s (%ld)\n", what, v);
	failed = 1;
}

/* Peer `node`'s record from netproxy, 0 or <0. */
static int
peer_info(unsigned node, struct np_peer_info *out)
{
	struct ts_packet req = { .opcode = OP_INFO }, rep;
	dux_set_name(&req, "peers", 5);
	int r = dux_call((ts_addr)np, &req, &rep, 5 * SEC);
	if (r < 0)
		return r;
	const struct np_peer_info *pi = (const void *)(uintptr_t)rep.data;
	int found = -ERR_NOENT;
	for (int i = 0; i < r && (size_t)(i + 1) * sizeof(*pi) <= rep.len; i++)
		if (pi[i].node == node) {
			*out = pi[i];
			found = 0;
		}
	dux_data_free(&rep);
	return found;
}

/* Wait up to `s` seconds for peer `node` to reach `state`; 0 or -1. */
static int
wait_state(unsigned node, unsigned state, unsigned s)
{
	struct np_peer_info pi;
	for (uint64_t end = ts_now() + s * SEC; ts_now() < end; sys_sleep(20 * MS))
		if (peer_info(node, &pi) == 0 && pi.state == state)
			return 0;
	return -1;
}

static long
wait_name(const char *name, unsigned s)
{
	long t = -ERR_NOENT;
	for (uint64_t end = ts_now() + s * SEC; (t = dux_lookup(name)) < 0 && ts_now() < end;)
		sys_sleep(20 * MS);
	return t;
}

static int
echo(unsigned node, uint64_t size)
{
	struct ts_packet req = { .opcode = OP_ECHO, .offset = node, .handle = size }, rep;
	dux_set_name(&req, "echo", 4);
	return dux_call((ts_addr)np, &req, &rep, 30 * SEC);
}

static int
cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void
measure(void)
{
	int t[ECHOS];
	for (unsigned i = 0; i < ECHOS; i++)
		if ((t[i] = echo(2, 64)) < 0)
			return fail("echo", t[i]);
	qsort(t, ECHOS, sizeof(t[0]), cmp_int);
	printf("np: echo 64 bytes x %u: rtt min %d median %d max %d us\n", ECHOS, t[0],
	       t[ECHOS / 2], t[ECHOS - 1]);
	int b[BULKS];
	uint64_t bulk = (uint64_t)bulk_mib << 20;
	for (unsigned i = 0; i < BULKS; i++)
		if ((b[i] = echo(2, bulk)) <= 0)
			return fail("bulk echo", b[i]);
	qsort(b, BULKS, sizeof(b[0]), cmp_int);
	printf("np: bulk %u MiB x %u: median %d us = %llu Mbit/s\n", bulk_mib, BULKS,
	       b[BULKS / 2], (unsigned long long)bulk * 8 / (unsigned long long)b[BULKS / 2]);
	int r = echo(9, 64);
	if (r != -ERR_NOENT)
		fail("echo to node 9 is not -ERR_NOENT", r);
	if ((r = echo(2, 4)) != -ERR_RANGE)
		fail("echo of 4 bytes is not -ERR_RANGE", r);
}

/* The `peers` record of node 2 across measure() (begun at t0 with a, b
 * after): the counters grew by what measure() sent and got back, give or
 * take the heartbeats and ANNOUNCEs of that time; state, rtt, names set. */
static void
check_counters(const struct np_peer_info *a, const struct np_peer_info *b, uint64_t t0)
{
	const uint64_t hdr = 12, hb = hdr + 24, rep = hdr + 16;
	uint64_t bulk = (uint64_t)bulk_mib << 20, echos = ECHOS + BULKS;
	uint64_t beats = (ts_now() - t0) / (250 * MS) + 2, extra = 4;	/* ANNOUNCEs */
	uint64_t fo = b->frames_out - a->frames_out, fi = b->frames_in - a->frames_in;
	uint64_t bo = b->bytes_out - a->bytes_out, bi = b->bytes_in - a->bytes_in;
	uint64_t bo_min = ECHOS * (hdr + 64) + BULKS * (hdr + bulk);

	printf("np: peer 2 counters over the ECHOs: frames out %llu in %llu, bytes out %llu in "
	       "%llu, rtt %u us, retrans %llu, names %u\n", (unsigned long long)fo,
	       (unsigned long long)fi, (unsigned long long)bo, (unsigned long long)bi,
	       b->rtt_us, (unsigned long long)b->retrans, b->names);
	if (b->state != NP_PEER_UP || b->node != 2)
		fail("peer 2 record: state/node", b->state);
	if (fo < echos || fo > echos + beats + extra)
		fail("peer 2 frames_out: not the ECHOs + heartbeats", (long)fo);
	if (fi < echos || fi > echos + beats + extra)
		fail("peer 2 frames_in: not the ECHO_REPLYs + heartbeats", (long)fi);
	if (bo < bo_min || bo > bo_min + (beats + extra) * (hb + 4096))
		fail("peer 2 bytes_out: not the ECHOs' bytes", (long)bo);
	if (bi < echos * rep || bi > echos * rep + (beats + extra) * (hb + 4096))
		fail("peer 2 bytes_in: not the ECHO_REPLYs' bytes", (long)bi);
	if (b->rtt_us == 0 || b->rtt_us > 1000000)
		fail("peer 2 rtt_us", (long)b->rtt_us);
	if (b->names < 2 || b->retrans < a->retrans)
		fail("peer 2 names/retrans", (long)b->names);
}

static void
check(void)
{
	if (wait_state(2, NP_PEER_UP, UP_S) < 0)
		return fail("peer 2 not up", 0);
	printf("np: peer 2 up\n");
	long t1 = wait_name("net/2/tnode", 10), t2 = wait_name("/net/2/tmp", 10);
	if (t1 < 0 || t2 < 0)
		return fail("node 2's names missing", t1 < 0 ? t1 : t2);
	if (t1 != np || t2 != np)
		return fail("remote names not served by netproxy", t1);
	if (dux_lookup("net/2/nothere") >= 0 || dux_lookup("net/2/pci") >= 0 ||
	    dux_lookup("net/2/netproxy") >= 0)
		return fail("a name node 2 does not export is registered", 0);
	printf("np: names net/2/tnode and /net/2/tmp registered by netproxy\n");
	struct ts_packet req = { .opcode = OP_READ, .len = 16 }, rep;
	int r = dux_call((ts_addr)t1, &req, &rep, 5 * SEC);
	if (r != -ERR_NOTSUP)
		return fail("READ to net/2/tnode is not -ERR_NOTSUP", r);
	printf("np: READ to net/2/tnode -> %s\n", ts_strerror(r));
	const char *argv[] = { "-c", "services; peers", NULL };
	long st = ts_run("sh", argv, 0, 0);
	if (st != 0)
		fail("sh -c 'services; peers'", st);
	struct np_peer_info pi, pa;
	if (peer_info(2, &pa) < 0)
		return fail("peer 2 record", 0);
	uint64_t tm = ts_now();
	measure();
	const char *pv[] = { "-c", "peers", NULL };
	ts_run("sh", pv, 0, 0);
	if (peer_info(2, &pi) < 0)
		return fail("peer 2 record", 0);
	check_counters(&pa, &pi, tm);
	printf("np: kill node 2 now\n");
	uint64_t t0 = ts_now();
	if (wait_state(2, NP_PEER_DOWN, 10) < 0)
		return fail("peer 2 not down", 0);
	printf("np: peer 2 down after %llu ms\n", (unsigned long long)((ts_now() - t0) / MS));
	if (dux_lookup("net/2/tnode") >= 0 || dux_lookup("/net/2/tmp") >= 0)
		return fail("node 2's names still registered", 0);
	printf("np: node 2's names gone\n");
	printf("np: restart node 2 now\n");
	t0 = ts_now();
	if (wait_state(2, NP_PEER_UP, UP_S) < 0)
		return fail("peer 2 not up again", 0);
	if (wait_name("net/2/tnode", 10) != np || wait_name("/net/2/tmp", 10) != np)
		return fail("node 2's names not back", 0);
	if (peer_info(2, &pi) < 0 || pi.ups != 2)
		return fail("peer 2 up count", (long)pi.ups);
	printf("np: peer 2 up again after %llu ms, names back\n",
	       (unsigned long long)((ts_now() - t0) / MS));
}

static void
refuse(void)
{
	struct np_peer_info pi;
	for (uint64_t end = ts_now() + REFUSE_S * SEC; ts_now() < end; sys_sleep(50 * MS)) {
		if (peer_info(2, &pi) < 0)
			return fail("peer info", 0);
		if (pi.state == NP_PEER_UP || pi.ups || pi.names)
			return fail("peer 2 with the wrong key came up", pi.state);
	}
	if (dux_lookup("net/2/tnode") >= 0 || dux_lookup("/net/2/tmp") >= 0)
		return fail("names of the refused node registered", 0);
	printf("np: peer 2 refused for %u s: state %u, %llu frames in, no names\n", REFUSE_S,
	       pi.state, (unsigned long long)pi.frames_in);
}

int
main(int argc, char **argv)
{
	const char *mode = "wait";
	const char *nargv[12];
	int n = 0;

	for (int i = 1; i < argc && n < 10; i++) {
		if (!strcmp(argv[i], "check") || !strcmp(argv[i], "refuse") || !strcmp(argv[i], "wait"))
			mode = argv[i];
		else if (!strncmp(argv[i], "bulk=", 5))
			bulk_mib = (unsigned)atoi(argv[i] + 5);
		else
			nargv[n++] = argv[i];
	}
	nargv[n] = NULL;
	if (dux_init(16) < 0 || dux_register("tnode") < 0)
		sys_poweroff(3);
	static const char *const tmp[] = { "/tmp", NULL };
	static const char *const pav[] = { "hold=00:01.0", NULL };
	int ipc = 0;	/* nic=netN: the PCI server starts virtio-net, no hold */
	for (int i = 0; i < n; i++)
		ipc |= !strncmp(nargv[i], "nic=net", 7);
	if (ts_spawn("ramfs", tmp, 0, 0) < 0 || ts_spawn("pci", ipc ? NULL : pav, 0, SPAWN_PRIV) < 0 ||
	    ts_spawn("netproxy", nargv, 0, SPAWN_PRIV) < 0)
		sys_poweroff(3);
	if ((np = wait_name(NETPROXY_SERVICE, 20)) < 0)
		sys_poweroff(3);
	if (!strcmp(mode, "wait"))
		for (;;)
			sys_sleep(3600 * SEC);
	if (!strcmp(mode, "check"))
		check();
	else
		refuse();
	printf("np: %s\n", failed ? "FAILED" : "all passed");
	sys_poweroff(failed);
	return 0;
}
