/*
 * The lwIP netif over the virtio-net library: netproxy drives its NIC
 * directly (the PCI server holds the function for it, as for bench_blk).
 * Received frames go into lwIP in batches; lwIP's output copies each pbuf
 * chain into one transmit buffer.  Address 10.77.0.K/16 (K = our node);
 * the MAC is the device's (the launcher gives node K 52:54:00:77:00:KK).
 */
#include <stdio.h>
#include <string.h>

#include <dux/dux.h>
#include "np_lwip.h"
#include <net/virtio_net.h>
#include <tessera/errors.h>
#include <tessera/user.h>

#include "netproxy.h"

#define DEV_VA		0x2200000000ul	/* vnet_attach's mappings (VNET_VA_SPAN) */
#define BATCH		64u		/* frames per poll */
#define TX_TRIES	20000u		/* waits for a transmit buffer (2 s) */
#define TX_WAIT_NS	100000ull	/* one wait: the device drains meanwhile */
#define PCI_WAIT_NS	(10ull * 1000000000)

static struct vnet dev;
static struct netif nif;
static uint8_t frame[VNET_FRAME_MAX];

uint32_t
sys_now(void)
{
	return (uint32_t)(np_now() / NP_MS);
}

/* lwIP output: one frame per pbuf chain.  With every transmit buffer in
 * flight, sleep briefly and retry rather than drop (a burst of a large
 * window would be lost) or spin (spinning took 90% of the CPU and slowed
 * the device's own draining on a busy host). */
static err_t
link_output(struct netif *n, struct pbuf *p)
{
	(void)n;
	if (p->tot_len > VNET_FRAME_MAX)
		return ERR_ARG;
	pbuf_copy_partial(p, frame, p->tot_len, 0);
	size_t len = p->tot_len < 60 ? 60 : p->tot_len;	/* Ethernet minimum */
	if (p->tot_len < 60)
		memset(frame + p->tot_len, 0, 60 - p->tot_len);
	for (unsigned i = 0; i < TX_TRIES; i++) {
		int rc = vnet_send(&dev, frame, len);
		if (rc == 0)
			return ERR_OK;
		if (rc != -ERR_AGAIN)
			return ERR_IF;
		sys_sleep(TX_WAIT_NS);
	}
	return ERR_MEM;
}

static err_t
link_init(struct netif *n)
{
	n->name[0] = 'v';
	n->name[1] = 'n';
	n->mtu = 1500;
	n->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(n->hwaddr, dev.mac, ETH_HWADDR_LEN);
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
		   NETIF_FLAG_LINK_UP;
	n->output = etharp_output;
	n->linkoutput = link_output;
	return ERR_OK;
}

/* The NIC's driver arguments from the PCI server (OP_OPEN of a held
 * function, docs/pci.md), then attach.  0 or -ERR_*. */
static int
attach(void)
{
	long pci = -ERR_NOENT;
	for (uint64_t end = np_now() + PCI_WAIT_NS; pci < 0 && np_now() < end;)
		if ((pci = dux_lookup("pci")) < 0)
			sys_sleep(10 * NP_MS);
	if (pci < 0) {
		printf("netproxy: no PCI server\n");
		return (int)pci;
	}
	struct ts_packet req = { .opcode = OP_OPEN }, rep;
	dux_set_name(&req, np_conf.nic, strlen(np_conf.nic));
	int r = dux_call((ts_addr)pci, &req, &rep, PCI_WAIT_NS);
	if (r < 0 || !rep.len) {
		printf("netproxy: PCI server does not hold nic=%s for us (%s): start it as "
		       "'pci hold=%s'\n", np_conf.nic, ts_strerror(r < 0 ? r : -ERR_NOENT),
		       np_conf.nic);
		dux_data_free(&rep);
		return r < 0 ? r : -ERR_NOENT;
	}
	static char words[512];
	char *argv[16];
	int argc = 0;
	size_t n = rep.len < sizeof(words) - 1 ? rep.len : sizeof(words) - 1;
	memcpy(words, (const void *)(uintptr_t)rep.data, n);
	words[n] = 0;
	dux_data_free(&rep);
	for (size_t i = 0; i < n && argc < 16; i += strlen(words + i) + 1)
		argv[argc++] = words + i;
	struct pci_args a;
	if ((r = pci_args_parse(argc, argv, &a)) < 0) {
		printf("netproxy: bad driver arguments for %s\n", np_conf.nic);
		return r;
	}
	if ((r = vnet_attach(&dev, &a, DEV_VA)) < 0) {
		printf("netproxy: %s\n", dev.err);
		return r;
	}
	return 0;
}

int
np_link_start(void)
{
	int r = attach();
	if (r < 0)
		return r;
	int irq = vnet_irq_start(&dev);
	const uint8_t *m = dev.mac;
	if (m[0] != 0x52 || m[1] != 0x54 || m[2] != 0 || m[3] != 0x77 || m[4] != 0 ||
	    m[5] != np_conf.self)
		printf("netproxy: warning: NIC MAC is not 52:54:00:77:00:%02x\n", np_conf.self);
	lwip_init();
	ip4_addr_t ip, mask, gw;
	IP4_ADDR(&ip, 10, 77, 0, np_conf.self);
	IP4_ADDR(&mask, 255, 255, 0, 0);
	IP4_ADDR(&gw, 0, 0, 0, 0);
	if (!netif_add(&nif, &ip, &mask, &gw, NULL, link_init, ethernet_input)) {
		printf("netproxy: netif_add failed\n");
		return -ERR_IO;
	}
	netif_set_default(&nif);
	netif_set_up(&nif);
	printf("netproxy: node %u of %u: 10.77.0.%u/16 on %s, mac "
	       "%02x:%02x:%02x:%02x:%02x:%02x, %s\n", np_conf.self, np_conf.nodes, np_conf.self,
	       np_conf.nic, m[0], m[1], m[2], m[3], m[4], m[5],
	       irq == 0 ? "interrupts" : "polling");
	return 0;
}

int
np_link_poll(void)
{
	static uint8_t buf[VNET_FRAME_MAX];
	int n, got = 0;

	vnet_reap_tx(&dev);
	while (got < (int)BATCH && (n = vnet_recv(&dev, buf, sizeof(buf))) > 0) {
		struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_POOL);
		got++;
		if (!p)
			continue;	/* out of pool buffers: dropped, TCP resends */
		pbuf_take(p, buf, (u16_t)n);
		if (nif.input(p, &nif) != ERR_OK)
			pbuf_free(p);
	}
	if (got)
		np_entropy_add(np_now() ^ (uint64_t)got << 56);
	if (dev.broken && dev.err) {
		printf("netproxy: NIC: %s\n", dev.err);
		dev.err = NULL;
	}
	return got;
}

int
np_link_rearm(void)
{
	return dev.irqs.on ? vnet_rearm(&dev) : 1;
}

uint32_t
np_link_irqs(void)
{
	return dev.irqs.nirq;
}
