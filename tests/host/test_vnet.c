/*
 * Host tests of drivers/net/virtio_net.c: attach, send, and the receive and
 * transmit completion paths against a fake virtio-net device (vdev.c,
 * fake_virtq.c) whose used lengths may lie: a frame shorter than an
 * Ethernet header, one longer than 1514 bytes, a length below the
 * virtio-net header, one over the buffer, a length on a transmit buffer
 * the device may not write.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <net/virtio_net.h>
#include <tessera/errors.h>

#include "check.h"
#include "vdev.h"

static struct vnet d;
static const struct pci_args args;
static const uint8_t mac[VNET_MAC_LEN] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };

static void
attach(void)
{
	vdev_init(1ull << VIRTIO_NET_F_MAC, 2, VNET_QSIZE_MAX);
	memcpy(vdev.config + offsetof(struct virtio_net_config, mac), mac, sizeof(mac));
	CHECK_EQ(vnet_attach(&d, &args, vdev_window(VNET_VA_SPAN)), 0);
}

/* Device: fill the next receive buffer with a virtio-net header and a
 * frame of `n` bytes of pattern `seed`, post used length `used` (~0u:
 * header + n).  Returns 0, or -1 if no buffer was available. */
static int
deliver(uint32_t n, uint32_t used, uint8_t seed)
{
	struct chain c;

	if (!fv_pop(&vdev.q[VNET_RXQ], &c))
		return -1;
	CHECK(c.nread == 0 && c.nwrite == 1 && c.len[0] == VNET_BUF);
	uint8_t *p = fv_va(c.pa[0], VNET_BUF);
	memset(p, 0, VNET_HDR);
	for (uint32_t k = 0; k < n && VNET_HDR + k < VNET_BUF; k++)
		p[VNET_HDR + k] = (uint8_t)(seed + k);
	fv_push(&vdev.q[VNET_RXQ], c.head, used == ~0u ? (uint32_t)VNET_HDR + n : used);
	return 0;
}

static void
test_attach(void)
{
	attach();
	CHECK(memcmp(d.mac, mac, sizeof(mac)) == 0);
	CHECK_EQ(vdev.qset[VNET_RXQ] && vdev.qset[VNET_TXQ], 1);
	/* Every receive buffer posted and the device told once. */
	CHECK_EQ(fv_avail_pending(&vdev.q[VNET_RXQ]), VNET_BUFS);
	CHECK_EQ(vdev.nnotify[VNET_RXQ], 1);
	CHECK_EQ(d.ntx_free, VNET_BUFS);
	CHECK(vdev.status & VIRTIO_CONFIG_S_DRIVER_OK);
}

/* Frames of 14, 60 and 1514 bytes arrive byte-exact; buffers return. */
static void
test_recv_ok(void)
{
	static uint8_t buf[VNET_FRAME_MAX];
	static const uint32_t sizes[] = { VNET_FRAME_MIN, 60, VNET_FRAME_MAX };

	attach();
	for (unsigned i = 0; i < 3; i++) {
		CHECK_EQ(deliver(sizes[i], ~0u, (uint8_t)i), 0);
		CHECK_EQ(vnet_recv(&d, buf, sizeof(buf)), sizes[i]);
		CHECK_EQ(buf[0], i);
		CHECK_EQ(buf[sizes[i] - 1], (uint8_t)(i + sizes[i] - 1));
	}
	CHECK_EQ(vnet_recv(&d, buf, sizeof(buf)), 0);
	CHECK_EQ(d.stats.rx_packets, 3);
	CHECK_EQ(d.stats.rx_bytes, VNET_FRAME_MIN + 60 + VNET_FRAME_MAX);
	CHECK_EQ(d.stats.rx_errors, 0);
	/* Each buffer went back to the device. */
	CHECK_EQ(fv_avail_pending(&vdev.q[VNET_RXQ]), VNET_BUFS - 3 + 3);
	CHECK_EQ(vnet_recv(&d, buf, VNET_FRAME_MAX - 1), -ERR_INVAL);
	CHECK_EQ(vdev.q[VNET_RXQ].bad, 0);
}

/* Used lengths that lie within the buffer: the frame is skipped, counted
 * in rx_errors, its buffer posted again, and the next good frame comes. */
static void
test_recv_bad_len(void)
{
	static uint8_t buf[VNET_FRAME_MAX];
	static const uint32_t lies[] = {
		0, 5, VNET_HDR, VNET_HDR + VNET_FRAME_MIN - 1, VNET_HDR + VNET_FRAME_MAX + 1,
		VNET_BUF,
	};
	const unsigned n = sizeof(lies) / sizeof(lies[0]);

	attach();
	for (unsigned i = 0; i < n; i++)
		CHECK_EQ(deliver(60, lies[i], 7), 0);
	CHECK_EQ(deliver(60, ~0u, 9), 0);
	CHECK_EQ(vnet_recv(&d, buf, sizeof(buf)), 60);
	CHECK_EQ(buf[0], 9);
	CHECK_EQ(d.stats.rx_errors, n);
	CHECK_EQ(d.stats.rx_packets, 1);
	CHECK_EQ(vnet_recv(&d, buf, sizeof(buf)), 0);
	CHECK_EQ(fv_avail_pending(&vdev.q[VNET_RXQ]), VNET_BUFS - (n + 1) + (n + 1));
	CHECK_EQ(d.broken, 0);
}

/* A used length over the buffer breaks the protocol: FAILED, reset,
 * -ERR_IO from then on, both queues' buffers taken back. */
static void
test_recv_over(void)
{
	static uint8_t buf[VNET_FRAME_MAX];
	uint8_t frame[60] = { 0 };

	attach();
	CHECK_EQ(vnet_send(&d, frame, sizeof(frame)), 0);
	unsigned resets = vdev.nreset;
	CHECK_EQ(deliver(60, VNET_BUF + 1, 1), 0);
	CHECK_EQ(vnet_recv(&d, buf, sizeof(buf)), -ERR_IO);
	CHECK_EQ(d.broken, 1);
	CHECK_EQ(vdev.nreset, resets + 1);
	CHECK_EQ(d.ntx_free, VNET_BUFS);
	CHECK_EQ(vq_nfree(&d.rxq), d.rxq.size);
	CHECK_EQ(vnet_recv(&d, buf, sizeof(buf)), -ERR_IO);
	CHECK_EQ(vnet_send(&d, frame, sizeof(frame)), -ERR_IO);
	CHECK_EQ(d.stats.tx_errors, 1);
}

/* A frame goes out behind a zeroed header, one readable descriptor; the
 * buffer comes back when the device used it. */
static void
test_send(void)
{
	uint8_t frame[VNET_FRAME_MAX], got[VNET_HDR + VNET_FRAME_MAX];
	struct chain c;

	attach();
	for (unsigned k = 0; k < sizeof(frame); k++)
		frame[k] = (uint8_t)(k * 7);
	CHECK_EQ(vnet_send(&d, frame, 13), -ERR_INVAL);
	CHECK_EQ(vnet_send(&d, frame, VNET_FRAME_MAX + 1), -ERR_INVAL);
	CHECK_EQ(vnet_send(&d, frame, VNET_FRAME_MAX), 0);
	CHECK_EQ(d.ntx_free, VNET_BUFS - 1);
	CHECK(fv_pop(&vdev.q[VNET_TXQ], &c));
	CHECK(c.n == 1 && c.nread == 1 && c.rbytes == VNET_HDR + VNET_FRAME_MAX);
	CHECK_EQ(fv_read(&c, got, sizeof(got)), sizeof(got));
	static const uint8_t zero[VNET_HDR];
	CHECK(memcmp(got, zero, VNET_HDR) == 0);
	CHECK(memcmp(got + VNET_HDR, frame, VNET_FRAME_MAX) == 0);
	fv_push(&vdev.q[VNET_TXQ], c.head, 0);
	CHECK_EQ(vnet_reap_tx(&d), 0);
	CHECK_EQ(d.ntx_free, VNET_BUFS);
	CHECK_EQ(d.stats.tx_packets, 1);
	CHECK_EQ(d.stats.tx_bytes, VNET_FRAME_MAX);
	/* Every buffer in flight: the next frame is refused and counted. */
	for (unsigned i = 0; i < VNET_BUFS; i++)
		CHECK_EQ(vnet_send(&d, frame, 60), 0);
	CHECK_EQ(vnet_send(&d, frame, 60), -ERR_AGAIN);
	CHECK_EQ(d.stats.tx_drops, 1);
	CHECK_EQ(vdev.q[VNET_TXQ].bad, 0);
}

/* A transmit buffer is device-readable only: a used length above 0 is a
 * lie that breaks the protocol. */
static void
test_send_used_lie(void)
{
	uint8_t frame[60] = { 1 };
	struct chain c;

	attach();
	CHECK_EQ(vnet_send(&d, frame, sizeof(frame)), 0);
	CHECK(fv_pop(&vdev.q[VNET_TXQ], &c));
	fv_push(&vdev.q[VNET_TXQ], c.head, 1);
	CHECK_EQ(vnet_reap_tx(&d), -ERR_IO);
	CHECK_EQ(d.broken, 1);
	CHECK_EQ(d.ntx_free, VNET_BUFS);
}

int
main(void)
{
	static const struct test_case tests[] = {
		{ "attach", test_attach },
		{ "recv_ok", test_recv_ok },
		{ "recv_bad_len", test_recv_bad_len },
		{ "recv_over", test_recv_over },
		{ "send", test_send },
		{ "send_used_lie", test_send_used_lie },
	};

	return run_tests(tests, sizeof(tests) / sizeof(tests[0]));
}
