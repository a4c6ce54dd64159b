/*
 * netproxy discovery (docs/netproxy.md, "Discovery").  Each node announces
 * the names it exports: those of the export= argument that are registered
 * here, or by default every registered service but pci, uart*, console,
 * net* (NICs, netproxy itself, remote names) and /net/... mounts.  An
 * ANNOUNCE payload is the names, each followed by a NUL.
 *
 * A peer's names are registered here as net/<node>/<service>, and mounts
 * ('/x') as /net/<node>/x, so `services` and libc paths see them; they
 * are unregistered when the peer is lost or stops announcing them.
 * Requests to them are answered -ERR_NOTSUP (forwarding is not built).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dux/dux.h>
#include <tessera/abi.h>
#include <tessera/errors.h>
#include <tessera/syscall.h>

#include "netproxy.h"

#define LOCAL_MAX	256u	/* services listed at once (the kernel's table) */

static char reg[NP_NODES_MAX + 1][NP_NAMES_MAX][NP_NAME_MAX + 1];
static unsigned nreg[NP_NODES_MAX + 1];
static uint8_t last[NPF_ANN_MAX];
static size_t last_len = SIZE_MAX;

/* 1 if the local service `name` is exported by default. */
static int
default_export(const char *name)
{
	return strcmp(name, "pci") && strncmp(name, "uart", 4) && strcmp(name, "console") &&
	       strncmp(name, "net", 3) && strncmp(name, "/net/", 5) && strcmp(name, "/net");
}

/* 1 if `name` is in the comma-separated export list. */
static int
listed(const char *name)
{
	size_t n = strlen(name);

	for (const char *p = np_conf.exports; *p;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == n && !strncmp(p, name, n))
			return 1;
		p += l + (e ? 1 : 0);
	}
	return 0;
}

/* The remote form of a name from `node`: into out[NP_NAME_MAX + 1];
 * -ERR_NAMETOOLONG if it does not fit. */
static int
remote_name(unsigned node, const char *name, char *out)
{
	int n = name[0] == '/' ? snprintf(out, NP_NAME_MAX + 1, "/net/%u%s", node, name) :
				 snprintf(out, NP_NAME_MAX + 1, "net/%u/%s", node, name);
	return n < 0 || n > (int)NP_NAME_MAX ? -ERR_NAMETOOLONG : 0;
}

void
np_disc_scan(void)
{
	static struct ts_svc_info s[LOCAL_MAX];
	uint8_t p[NPF_ANN_MAX];
	size_t len = 0;
	long n = sys_svc_list(s, sizeof(s));
	char rn[NP_NAME_MAX + 1];

	if (n < 0)
		return;
	if (n > (long)LOCAL_MAX)
		n = LOCAL_MAX;
	for (long i = 0; i < n; i++) {
		const char *name = s[i].name;
		size_t l = strnlen(name, sizeof(s[i].name));
		if (l == 0 || l >= sizeof(s[i].name) || !strcmp(name, NETPROXY_SERVICE))
			continue;
		if (!(np_conf.export_set ? listed(name) : default_export(name)))
			continue;
		if (remote_name(np_conf.nodes, name, rn) < 0 || len + l + 1 > sizeof(p))
			continue;	/* too long to register on the other side */
		memcpy(p + len, name, l + 1);
		len += l + 1;
	}
	if (len == last_len && !memcmp(p, last, len))
		return;
	memcpy(last, p, len);
	last_len = len;
	np_peers_announce(p, len);
}

/* 1 if name (NUL-terminated) is registered for `node`. */
static int
has(unsigned node, const char *name)
{
	for (unsigned i = 0; i < nreg[node]; i++)
		if (!strcmp(reg[node][i], name))
			return 1;
	return 0;
}

int
np_disc_remote(unsigned node, const uint8_t *p, size_t len)
{
	char want[NP_NAMES_MAX][NP_NAME_MAX + 1];
	unsigned nwant = 0;

	if (node < 1 || node > NP_NODES_MAX)
		return -ERR_INVAL;
	for (size_t i = 0; i < len;) {	/* decode: names, each NUL-terminated */
		const uint8_t *z = memchr(p + i, 0, len - i);
		if (!z || z == p + i || nwant == NP_NAMES_MAX)
			return -ERR_INVAL;
		for (const uint8_t *c = p + i; c < z; c++)
			if (*c <= ' ' || *c > '~')
				return -ERR_INVAL;
		if (remote_name(node, (const char *)p + i, want[nwant]) < 0)
			return -ERR_INVAL;
		nwant++;
		i = (size_t)(z - p) + 1;
	}
	for (unsigned i = 0; i < nreg[node];) {	/* act: drop the names gone */
		int keep = 0;
		for (unsigned k = 0; k < nwant && !keep; k++)
			keep = !strcmp(reg[node][i], want[k]);
		if (keep) {
			i++;
			continue;
		}
		sys_svc_unregister(reg[node][i], strlen(reg[node][i]));
		memcpy(reg[node][i], reg[node][--nreg[node]], NP_NAME_MAX + 1);
	}
	for (unsigned k = 0; k < nwant; k++) {	/* register the new ones */
		if (has(node, want[k]))
			continue;
		long r = sys_svc_register(want[k], strlen(want[k]));
		if (r < 0) {
			printf("netproxy: cannot register %s: %s\n", want[k], ts_strerror((int)r));
			continue;
		}
		memcpy(reg[node][nreg[node]++], want[k], NP_NAME_MAX + 1);
	}
	return 0;
}

unsigned
np_disc_drop(unsigned node)
{
	unsigned n = nreg[node];

	for (unsigned i = 0; i < n; i++)
		sys_svc_unregister(reg[node][i], strlen(reg[node][i]));
	nreg[node] = 0;
	return n;
}

unsigned
np_disc_count(unsigned node)
{
	return nreg[node];
}
