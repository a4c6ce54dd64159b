/*
 * init's part in a cluster (docs/cluster.md): with the boot arguments
 * node=K nodes=N (cluster/launch --nodes N), start `netproxy node=K nodes=N
 * key=HEX` with the cluster key from the boot file boot.key.  The key stays
 * off the kernel command line; a node without a key, or without netproxy in
 * its boot image, logs why and runs on alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tessera/user.h>

#include "bootfile.h"
#include "init_net.h"

#define KEY_FILE	"boot.key"
#define KEY_MAX		128	/* hex digits */

void
init_netproxy(const char *node, const char *nodes)
{
	char *key;
	long n = bootfile_load(KEY_FILE, KEY_MAX + 1, &key);

	if (n < 0) {
		printf("init: node %s of %s: no cluster key (%s: %s); netproxy not started\n",
		       node, nodes, KEY_FILE, ts_strerror((int)n));
		return;
	}
	key[strcspn(key, "\r\n")] = 0;
	char a_node[16], a_nodes[16], a_key[8 + KEY_MAX];
	snprintf(a_node, sizeof(a_node), "node=%s", node);
	snprintf(a_nodes, sizeof(a_nodes), "nodes=%s", nodes);
	snprintf(a_key, sizeof(a_key), "key=%s", key);
	memset(key, 0, (size_t)n);
	free(key);
	const char *argv[] = { a_node, a_nodes, a_key, NULL };
	long tid = ts_spawn("netproxy", argv, 0, 0);
	memset(a_key, 0, sizeof(a_key));
	if (tid < 0)
		printf("init: node %s of %s: netproxy: %s\n", node, nodes, ts_strerror((int)tid));
	else
		printf("init: node %s of %s: netproxy started\n", node, nodes);
}
