/*
 * The lwIP netif.  Two paths to the NIC:
 *   direct: netproxy drives it with the virtio-net library (the PCI server
 *           holds the function for it, as for bench_blk): frames go
 *           between lwIP and the device's buffers with one copy each way;
 *   ipc:    through the virtio-net server `netN` (docs/net.md): OP_WRITE
 *           with COPY data per frame, READ_AHEAD OP_READs always pending.
 * nic=BB:DD.F is direct, nic=netN is ipc; without nic=, direct on 00:01.0
 * if the PCI server holds it, else ipc through net0.  Received frames go
 * into lwIP in batches.  Address 10.77.0.K/16 (K = our node); the MAC is
 * the device's (the launcher gives node K 52:54:00:77:00:KK).
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
#define READ_AHEAD	16u		/* ipc: OP_READs kept pending */
#define TX_BUFS		32u		/* ipc: frames queued before a flush */
#define IPC_QUEUE_CAP	(12u * TCP_MSS)	/* ipc: bulk bytes in flight per peer */

static struct vnet dev;
static struct netif nif;
static uint8_t frame[VNET_FRAME_MAX];
static uint8_t mac[VNET_MAC_LEN];
static long net_tid;			/* ipc: the netN server, 0 = direct */
static uint8_t txb[TX_BUFS][VNET_FRAME_MAX];	/* ipc: COPY data until flushed */
static unsigned txb_used;

uint32_t
sys_now(void)
{
	return (uint32_t)(np_now() / NP_MS);
}

/* ipc: queue OP_WRITE of the frame in p (len bytes, padded) to netN.  A
 * transmit buffer is reused only once the kernel has read every queued
 * request (dux_tx_pending() 0 after a flush). */
static err_t
ipc_output(struct pbuf *p, size_t len)
{
	for (unsigned i = 0; txb_used == TX_BUFS; i++) {
		dux_flush();
		if (!dux_tx_pending())
			txb_used = 0;
		else if (i == TX_TRIES)
			return ERR_MEM;
		else
			sys_sleep(TX_WAIT_NS);
	}
	struct ts_packet *q = dux_alloc();
	if (!q)
		return ERR_MEM;
	uint8_t *b = txb[txb_used++];
	pbuf_copy_partial(p, b, p->tot_len, 0);
	if (p->tot_len < len)
		memset(b + p->tot_len, 0, len - p->tot_len);
	q->opcode = OP_WRITE;
	q->flags = PKT_DATA_COPY;
	q->data = (uint64_t)(uintptr_t)b;
	q->len = len;
	dux_request((ts_addr)net_tid, q);
	return ERR_OK;
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
	size_t len = p->tot_len < 60 ? 60 : p->tot_len;	/* Ethernet minimum */
	if (net_tid)
		return ipc_output(p, len);
	pbuf_copy_partial(p, frame, p->tot_len, 0);
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
	memcpy(n->hwaddr, mac, ETH_HWADDR_LEN);
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
		   NETIF_FLAG_LINK_UP;
	n->output = etharp_output;
	n->linkoutput = link_output;
	return ERR_OK;
}

/* ipc: one more OP_READ to netN. */
static void
read_ahead(void)
{
	struct ts_packet *q = dux_alloc();

	if (!q)
		return;
	q->opcode = OP_READ;
	dux_request((ts_addr)net_tid, q);
}

/* ipc: the virtio-net server `name`: its MAC by OP_INFO, reads posted. */
static int
attach_ipc(const char *name)
{
	long t = -ERR_NOENT;
	for (uint64_t end = np_now() + PCI_WAIT_NS; t < 0 && np_now() < end;)
		if ((t = dux_lookup(name)) < 0)
			sys_sleep(10 * NP_MS);
	if (t < 0) {
		printf("netproxy: no NIC: the PCI server holds none for us and %s is missing\n",
		       name);
		return (int)t;
	}
	struct ts_packet req = { .opcode = OP_INFO }, rep;
	int r = dux_call((ts_addr)t, &req, &rep, PCI_WAIT_NS);
	dux_data_free(&rep);
	if (r < 0 || rep.name_len != VNET_MAC_LEN) {
		printf("netproxy: %s: no MAC (%s)\n", name, ts_strerror(r < 0 ? r : -ERR_IO));
		return r < 0 ? r : -ERR_IO;
	}
	memcpy(mac, rep.name, VNET_MAC_LEN);
	net_tid = t;
	for (unsigned i = 0; i < READ_AHEAD; i++)
		read_ahead();
	return 0;
}

/* direct: the NIC's driver arguments from the PCI server (OP_OPEN of a
 * held function, docs/pci.md), then attach.  0, -ERR_NOENT when the PCI
 * server does not hold it (quiet if `quiet`), or -ERR_*. */
static int
attach_direct(int quiet)
{
	long pci = -ERR_NOENT;
	for (uint64_t end = np_now() + PCI_WAIT_NS; pci < 0 && np_now() < end;)
		if ((pci = dux_lookup("pci")) < 0)
			sys_sleep(10 * NP_MS);
	if (pci < 0) {
		printf("netproxy: no PCI server\n");
		return (int)pci;
	}
	struct pci_args a;
	int r = pci_held_args(pci, np_conf.nic, &a, PCI_WAIT_NS);
	if (r == -ERR_NOENT) {
		if (!quiet)
			printf("netproxy: PCI server does not hold nic=%s for us: start it as "
			       "'pci hold=%s'\n", np_conf.nic, np_conf.nic);
		return r;
	}
	if (r < 0) {
		printf("netproxy: driver arguments of %s: %s\n", np_conf.nic, ts_strerror(r));
		return r;
	}
	if ((r = vnet_attach(&dev, &a, DEV_VA)) < 0) {
		printf("netproxy: %s\n", dev.err);
		return r;
	}
	memcpy(mac, dev.mac, VNET_MAC_LEN);
	return 0;
}

/* The NIC by nic= (docs/netproxy.md): direct, ipc, or direct else ipc. */
static int
attach(void)
{
	if (!strncmp(np_conf.nic, "net", 3))
		return attach_ipc(np_conf.nic);
	if (np_conf.nic[0])
		return attach_direct(0);
	strcpy(np_conf.nic, "00:01.0");
	int r = attach_direct(1);
	if (r != -ERR_NOENT)
		return r;
	strcpy(np_conf.nic, "net0");
	return attach_ipc("net0");
}

int
np_link_start(void)
{
	int r = attach();
	if (r < 0)
		return r;
	int irq = net_tid ? -ERR_NOENT : vnet_irq_start(&dev);
	const uint8_t *m = mac;
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
	       net_tid ? "through IPC" : irq == 0 ? "direct, interrupts" : "direct, polling");
	return 0;
}

/* One received frame into lwIP. */
static void
input(const void *buf, int n)
{
	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_POOL);

	np_peers_frame(buf, (size_t)n, np_now());
	if (!p)
		return;	/* out of pool buffers: dropped, TCP resends */
	pbuf_take(p, buf, (u16_t)n);
	if (nif.input(p, &nif) != ERR_OK)
		pbuf_free(p);
}

int
np_link_reply(struct ts_packet *q)
{
	if (!net_tid || !(q->flags & PKT_REPLY) || (q->opcode != OP_READ && q->opcode != OP_WRITE))
		return 0;
	if (q->opcode == OP_READ) {
		if (q->status >= (int)VNET_FRAME_MIN && q->status <= (int)VNET_FRAME_MAX &&
		    q->len >= (uint64_t)q->status && q->data)
			input((const void *)(uintptr_t)q->data, q->status);
		if (!(q->flags & PKT_KERNEL))
			read_ahead();	/* a kernel error: the server is gone */
	}
	dux_data_free(q);
	dux_done(q);
	return 1;
}

uint32_t
np_link_queue_cap(void)
{
	return net_tid ? IPC_QUEUE_CAP : UINT32_MAX;
}

void
np_link_flushed(void)
{
	if (net_tid && !dux_tx_pending())
		txb_used = 0;
}

int
np_link_poll(void)
{
	static uint8_t buf[VNET_FRAME_MAX];
	int n, got = 0;

	if (net_tid)
		return 0;
	vnet_reap_tx(&dev);
	while (got < (int)BATCH && (n = vnet_recv(&dev, buf, sizeof(buf))) > 0) {
		got++;
		input(buf, n);
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
	return net_tid ? 0 : dev.irqs.on ? vnet_rearm(&dev) : 1;
}

uint32_t
np_link_irqs(void)
{
	return dev.irqs.nirq;
}
