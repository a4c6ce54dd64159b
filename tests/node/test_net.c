/*
 * virtio-net server test (QEMU with two virtio-net devices joined back to
 * back through datagram unix sockets, MACs 52:54:00:00:00:01 and :02; see
 * tests/node/CMakeLists.txt).  The test starts `pci`, which spawns one
 * `virtio-net` per NIC, waits for net0 and net1, checks their MACs (INFO),
 * sends a frame of every size 60..1514 from net0 and receives each on net1
 * byte-exact and in order (WINDOW frames in flight), a few the other way,
 * then checks both sides' counters and the errors for bad frames.
 */
#include <string.h>

#include <dux/dux.h>
#include <net/virtio_net.h>
#include "ttest.h"

#define WAIT_NS		(20ull * 1000000000)
#define SZ_MIN	60u
#define SZ_MAX	VNET_FRAME_MAX
#define WINDOW		8u		/* frames sent before they are read */
#define ETHERTYPE	0x88b5u		/* IEEE 802 local experimental */

struct nic {
	long tid;
	uint8_t mac[VNET_MAC_LEN];
	struct vnet_stats st;
};

static struct nic nic[2];
static uint8_t frame[SZ_MAX + 1];

/* Byte i of the payload of frame `seq` of `size` bytes. */
static uint8_t
pat(unsigned size, unsigned seq, unsigned i)
{
	return (uint8_t)(i * 7 + size * 13 + seq * 29 + 0x5a);
}

/* Frame `seq` of `size` bytes from a to b: Ethernet header, size, seq,
 * then the pattern. */
static void
make(uint8_t *f, const struct nic *a, const struct nic *b, unsigned size, unsigned seq)
{
	memcpy(f, b->mac, VNET_MAC_LEN);
	memcpy(f + 6, a->mac, VNET_MAC_LEN);
	f[12] = ETHERTYPE >> 8;
	f[13] = ETHERTYPE & 0xff;
	f[14] = (uint8_t)(size >> 8);
	f[15] = (uint8_t)size;
	memcpy(f + 16, &seq, sizeof(seq));
	for (unsigned i = 20; i < size; i++)
		f[i] = pat(size, seq, i);
}

/* net<i> once it has registered; <0 on timeout. */
static long
wait_nic(const char *name)
{
	uint64_t end = ts_now() + WAIT_NS;
	long tid;

	while ((tid = dux_lookup(name)) < 0 && ts_now() < end)
		sys_sleep(10 * 1000000);
	return tid;
}

/* INFO: MAC and counters into n. */
static int
info(struct nic *n)
{
	struct ts_packet req = { .opcode = OP_INFO }, rep;

	TT_EQ(dux_call((ts_addr)n->tid, &req, &rep, WAIT_NS), 0);
	TT_EQ(rep.name_len, VNET_MAC_LEN);
	TT_EQ(rep.len, sizeof(n->st));
	memcpy(n->mac, rep.name, VNET_MAC_LEN);
	memcpy(&n->st, (const void *)(uintptr_t)rep.data, sizeof(n->st));
	dux_data_free(&rep);
	return 0;
}

/* OP_WRITE of `len` bytes at f (no data when f is NULL): the status. */
static int
send_frame(const struct nic *n, const void *f, unsigned len)
{
	struct ts_packet req = { .opcode = OP_WRITE }, rep;

	if (f) {
		req.flags = PKT_DATA_COPY;
		req.data = (uint64_t)(uintptr_t)f;
		req.len = len;
	}
	return dux_call((ts_addr)n->tid, &req, &rep, WAIT_NS);
}

/* OP_READ on b: frame `seq` of `size` bytes from a, byte for byte. */
static int
expect(const struct nic *a, const struct nic *b, unsigned size, unsigned seq)
{
	struct ts_packet req = { .opcode = OP_READ }, rep;

	make(frame, a, b, size, seq);
	TT_EQ(dux_call((ts_addr)b->tid, &req, &rep, WAIT_NS), size);
	TT_EQ(rep.len, size);
	const uint8_t *got = (const uint8_t *)(uintptr_t)rep.data;
	for (unsigned i = 0; i < size; i++) {
		if (got[i] != frame[i]) {
			printf("frame %u (%u bytes): byte %u is 0x%02x, want 0x%02x\n", seq, size,
			       i, got[i], frame[i]);
			dux_data_free(&rep);
			return 1;
		}
	}
	dux_data_free(&rep);
	return 0;
}

/* Frames of sizes[0..n) from a to b, WINDOW at a time; seq from *seq. */
static int
exchange(const struct nic *a, const struct nic *b, const unsigned *sizes, unsigned n,
	 unsigned *seq, uint64_t *bytes)
{
	for (unsigned i = 0; i < n; i += WINDOW) {
		unsigned k = n - i < WINDOW ? n - i : WINDOW;
		for (unsigned j = 0; j < k; j++) {
			make(frame, a, b, sizes[i + j], *seq + j);
			TT_EQ(send_frame(a, frame, sizes[i + j]), sizes[i + j]);
		}
		for (unsigned j = 0; j < k; j++) {
			if (expect(a, b, sizes[i + j], *seq + j))
				return 1;
			*bytes += sizes[i + j];
		}
		*seq += k;
	}
	return 0;
}

static int
check_errors(const struct nic *a)
{
	struct ts_packet req = { .opcode = OP_FLUSH }, rep;

	memset(frame, 0xee, sizeof(frame));
	TT_EQ(send_frame(a, frame, VNET_FRAME_MIN - 1), -ERR_INVAL);
	TT_EQ(send_frame(a, frame, VNET_FRAME_MAX + 1), -ERR_INVAL);
	TT_EQ(send_frame(a, NULL, 0), -ERR_INVAL);
	TT_EQ(dux_call((ts_addr)a->tid, &req, &rep, WAIT_NS), -ERR_NOTSUP);
	printf("net: errors: 13 and 1515 bytes, no data -> invalid argument\n");
	return 0;
}

static int
check_counters(struct nic *a, struct nic *b, unsigned nfwd, uint64_t fwd, unsigned nback,
	       uint64_t back)
{
	if (info(a) || info(b))
		return 1;
	TT_EQ(a->st.tx_packets, nfwd);
	TT_EQ(a->st.tx_bytes, fwd);
	TT_EQ(b->st.rx_packets, nfwd);
	TT_EQ(b->st.rx_bytes, fwd);
	TT_EQ(b->st.tx_packets, nback);
	TT_EQ(b->st.tx_bytes, back);
	TT_EQ(a->st.rx_packets, nback);
	TT_EQ(a->st.rx_bytes, back);
	for (int i = 0; i < 2; i++) {
		const struct vnet_stats *s = &nic[i].st;
		TT_EQ(s->tx_drops + s->tx_errors + s->rx_drops + s->rx_errors, 0);
	}
	printf("net: counters: %u frames / %llu bytes one way, %u / %llu back\n", nfwd,
	       (unsigned long long)fwd, nback, (unsigned long long)back);
	return 0;
}

static int
net(int argc, char **argv)
{
	static unsigned sizes[SZ_MAX - SZ_MIN + 1];
	static const unsigned back_sizes[] = { 60, 61, 64, 1000, 1513, 1514 };
	const unsigned nback = sizeof(back_sizes) / sizeof(back_sizes[0]);
	unsigned nfwd = SZ_MAX - SZ_MIN + 1, seq = 0;
	uint64_t fwd = 0, back = 0;

	(void)argc;
	(void)argv;
	TT_EQ(dux_init(64), 0);
	TT_CHECK(ts_spawn("pci", NULL, 0, SPAWN_PRIV) > 0);
	nic[0].tid = wait_nic("net0");
	nic[1].tid = wait_nic("net1");
	TT_CHECK(nic[0].tid > 0 && nic[1].tid > 0 && nic[0].tid != nic[1].tid);
	if (info(&nic[0]) || info(&nic[1]))
		return 1;
	static const uint8_t oui[5] = { 0x52, 0x54, 0x00, 0x00, 0x00 };
	TT_EQ(memcmp(nic[0].mac, oui, 5) | memcmp(nic[1].mac, oui, 5), 0);
	TT_EQ(nic[0].mac[5] + nic[1].mac[5], 3);	/* :01 and :02 */
	printf("net: net0 %02x, net1 %02x\n", nic[0].mac[5], nic[1].mac[5]);
	if (check_errors(&nic[0]))
		return 1;
	for (unsigned i = 0; i < nfwd; i++)
		sizes[i] = SZ_MIN + i;
	if (exchange(&nic[0], &nic[1], sizes, nfwd, &seq, &fwd))
		return 1;
	printf("net: %u frames of %u..%u bytes net0 -> net1 byte-exact, in order\n", nfwd,
	       SZ_MIN, SZ_MAX);
	if (exchange(&nic[1], &nic[0], back_sizes, nback, &seq, &back))
		return 1;
	return check_counters(&nic[0], &nic[1], nfwd, fwd, nback, back);
}

static const struct ttest tests[] = {
	{ "net", net },
};

TT_MAIN(tests)
