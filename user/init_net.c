/*
 * init's part in a cluster (docs/cluster.md): with the boot arguments
 * node=K nodes=N (cluster/launch --nodes N), start `netproxy node=K nodes=N
 * key=HEX nic=BB:DD.F [export=LIST]`:
 *   - key: the cluster key from the boot file boot.key (it stays off the
 *     kernel command line);
 *   - nic: the NIC the PCI server holds for netproxy (init starts it as
 *     `pci hold=net`), asked from the server by OP_OPEN "net" and logged;
 *     netproxy drives it directly, so it is started privileged.  When the server holds none, no nic= is
 *     given and netproxy picks its own default (docs/netproxy.md);
 *   - export: the boot file boot.export when present (a comma list,
 *     cluster/launch --export K=LIST), else netproxy's default exports.
 * A node without a key, or without netproxy in its boot image, logs why
 * and runs on alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dux/dux.h>
#include <pci/pci.h>
#include <tessera/errors.h>
#include <tessera/user.h>

#include "bootfile.h"
#include "init_net.h"

#define KEY_FILE	"boot.key"
#define KEY_MAX		128	/* hex digits */
#define EXPORT_FILE	"boot.export"
#define EXPORT_MAX	511	/* bytes: netproxy takes export= under NP_EXPORT_MAX (512) */
#define PCI_WAIT_NS	(5000ull * 1000000)

/* "nic=BB:DD.F" of the NIC the PCI server holds (hold=net) into a (n
 * bytes), logged; 0, or a negative error (a stays "") after a log line. */
static int
held_nic(const char *node, char *a, size_t n)
{
	uint64_t end = ts_now() + PCI_WAIT_NS;
	long pci;
	struct pci_args pa;

	a[0] = 0;
	while ((pci = dux_lookup("pci")) < 0 && ts_now() < end)
		sys_sleep(PCI_WAIT_NS / 500);
	int r = pci < 0 ? (int)pci : pci_held_args(pci, "net", &pa, PCI_WAIT_NS);
	if (r < 0) {
		printf("init: node %s: the PCI server holds no NIC (%s); netproxy picks its own\n",
		       node, ts_strerror(r));
		return r;
	}
	snprintf(a, n, "nic=%02x:%02x.%x", pa.bus, pa.dev, pa.fn);
	printf("init: node %s: NIC %s held for netproxy (direct)\n", node, a + 4);
	return 0;
}

/* "export=LIST" from boot.export into a (n bytes); "" without the file. */
static void
exports(const char *node, char *a, size_t n)
{
	char *list;
	long len = bootfile_load(EXPORT_FILE, EXPORT_MAX, &list);

	a[0] = 0;
	if (len == -ERR_NOENT)
		return;
	if (len < 0) {
		printf("init: node %s: %s: %s; default exports\n", node, EXPORT_FILE,
		       ts_strerror((int)len));
		return;
	}
	list[strcspn(list, "\r\n")] = 0;
	snprintf(a, n, "export=%s", list);
	free(list);
	printf("init: node %s: exports %s\n", node, a + 7);
}

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
	char a_node[16], a_nodes[16], a_key[8 + KEY_MAX], a_nic[16], a_export[8 + EXPORT_MAX];
	snprintf(a_node, sizeof(a_node), "node=%s", node);
	snprintf(a_nodes, sizeof(a_nodes), "nodes=%s", nodes);
	snprintf(a_key, sizeof(a_key), "key=%s", key);
	memset(key, 0, (size_t)n);
	free(key);
	const char *argv[6] = { a_node, a_nodes, a_key };
	int argc = 3;
	unsigned flags = 0;
	if (held_nic(node, a_nic, sizeof(a_nic)) == 0) {
		argv[argc++] = a_nic;
		flags = SPAWN_PRIV;	/* device memory, DMA, the IRQ */
	}
	exports(node, a_export, sizeof(a_export));
	if (a_export[0])
		argv[argc++] = a_export;
	argv[argc] = NULL;
	long tid = ts_spawn("netproxy", argv, 0, flags);
	memset(a_key, 0, sizeof(a_key));
	if (tid < 0)
		printf("init: node %s of %s: netproxy: %s\n", node, nodes, ts_strerror((int)tid));
	else
		printf("init: node %s of %s: netproxy started\n", node, nodes);
}
