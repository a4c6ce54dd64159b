/*
 * Block reads under icount, through the virtio-blk server (IPC) and by
 * driving a second disk with the linked driver library (direct), side by
 * side in one run.  This program (init) starts the PCI server, which starts
 * `virtio-blk` for disk 00:01.0 and holds 00:02.0 for us (hold=), then times
 * reads of 4 KiB and 64 KiB one at a time (sequential, and at random
 * aligned offsets over the 8 MiB disk) and 16 in flight.  IPC reads go
 * into a buffer shared writable with the server (the device writes the
 * client's pages directly); direct reads go into our DMA buffer.  Keys
 * (instructions per request):
 *   blk_read_4k_ipc_insns, blk_read_64k_ipc_insns, blk_read_64k_qd16_ipc_insns
 *   blk_read_4k_direct_insns, blk_read_64k_direct_insns
 *   blk_read_{4k,64k}_rand_{ipc,direct}_insns
 *   blk_read_{4k,64k}_reg_ipc_insns: through the server into a buffer
 *     registered once (OP_OPEN, docs/blk.md): the requests carry no data
 * Time the hart spends idle (waiting for the device; under icount its clock
 * then jumps ahead) is subtracted: the figures are instructions executed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <blk/virtio_blk.h>
#include <dux/dux.h>
#include <tessera/user.h>

#define BENCH_NAME	"bench_blk"
#include "bench.h"

#define BUF_VA	0x2000000000ul
#define DMA_VA	0x2100000000ul	/* direct path: our DMA buffer */
#define DEV_VA	0x2200000000ul	/* direct path: vblk_attach's mappings */
#define KIB	1024ul
#define SEC	1000000000ull
#define DISK	(8ul << 20)	/* ci/bench's disks */

/* Offset of read i of `len` bytes: sequential, or a random aligned place
 * on the disk (a fixed LCG, so every run reads the same places). */
static uint64_t
place(int i, uint64_t len, int rnd)
{
	if (!rnd)
		return (uint64_t)(i % 64) * len;
	uint64_t x = (uint64_t)i * 6364136223846793005ull + 1442695040888963407ull;
	return (x >> 33) % (DISK / len) * len;
}

static uint64_t session;	/* registered buffer, 0 = SHARE per request */

/* READ `len` bytes at `off` into the shared buffer `slot` (64 KiB each):
 * SHARE data, or on the session an offset in the registered buffer
 * (uuid[0..7], little endian) and no data. */
static struct ts_packet *
read_req(long disk, unsigned slot, uint64_t off, uint64_t len)
{
	struct ts_packet *p = dux_alloc();
	if (!p)
		bench_die("no free slot", -ERR_AGAIN);
	p->opcode = OP_READ;
	p->offset = off;
	p->len = len;
	if (session) {
		uint64_t boff = slot * 64 * KIB;
		p->handle = session;
		for (unsigned i = 0; i < 8; i++)
			p->uuid[i] = (uint8_t)(boff >> (8 * i));
	} else {
		p->flags = PKT_DATA_SHARE;
		p->data = BUF_VA + slot * 64 * KIB;
	}
	dux_request((ts_addr)disk, p);
	return p;
}

/* Register the whole 1 MiB buffer with the server for the session reads. */
static void
register_buffer(long disk)
{
	struct ts_packet req = { .opcode = OP_OPEN, .flags = PKT_DATA_SHARE, .data = BUF_VA,
				 .len = 16 * 64 * KIB }, rep;
	int r = dux_call((ts_addr)disk, &req, &rep, 5 * SEC);
	if (r != 0 || !rep.handle)
		bench_die("blk OPEN (register)", r);
	session = rep.handle;
}

/* Wait for `n` replies; every one must be a full read. */
static void
replies(unsigned n, uint64_t len)
{
	while (n) {
		/* 0 (timeout) is no error: under icount the idle hart's clock
		 * jumps to the deadline while the device works in host time;
		 * a device that never answers ends at ci/bench's timeout. */
		long w = dux_wait(5 * SEC);
		if (w < 0)
			bench_die("read: dux_wait", w);
		struct ts_packet *q;
		while (n && (q = dux_recv())) {
			if (!(q->flags & PKT_REPLY) || q->status != (int)len)
				bench_die("read", q->status);
			dux_done(q);
			n--;
		}
	}
}

static uint64_t
depth1(long disk, uint64_t len, int n, int rnd)
{
	for (int i = 0; i < 10; i++) {
		read_req(disk, 0, 0, len);
		replies(1, len);
	}
	uint64_t t0 = bench_busy_now();
	for (int i = 0; i < n; i++) {
		read_req(disk, 0, place(i, len, rnd), len);
		replies(1, len);
	}
	return bench_busy_now() - t0;
}

static uint64_t
depth16(long disk, int rounds)
{
	uint64_t t0 = bench_busy_now();
	for (int r = 0; r < rounds; r++) {
		for (unsigned s = 0; s < 16; s++)
			read_req(disk, s, (uint64_t)((r * 16 + s) % 64) * 64 * KIB, 64 * KIB);
		replies(16, 64 * KIB);
	}
	return bench_busy_now() - t0;
}

static struct vblk vdev;

/* The held disk's driver arguments from the PCI server, then attach. */
static void
attach_direct(long pci)
{
	struct pci_args a;
	int r = pci_held_args(pci, "00:02.0", &a, 5 * SEC);
	if (r < 0)
		bench_die("pci OPEN 00:02.0 (held driver arguments)", r);
	if ((r = vblk_attach(&vdev, &a, DEV_VA)) < 0)
		bench_die(vdev.err, r);
	if ((r = vblk_irq_start(&vdev)) < 0)
		bench_die("vblk irq", r);
}

/* Direct reads of `len` bytes into the DMA buffer, one at a time. */
static uint64_t
direct(uint64_t dma_pa, uint64_t len, int n, int rnd)
{
	uint64_t t0 = 0;
	for (int i = -10; i < n; i++) {	/* 10 warm-up reads */
		if (i == 0)
			t0 = bench_busy_now();
		struct vq_seg seg = { dma_pa, (uint32_t)len };
		int r = vblk_submit(&vdev, VIRTIO_BLK_T_IN, (i < 0 ? 0 : place(i, len, rnd)) / 512,
				    &seg, 1, &vdev);
		if (r < 0)
			bench_die("vblk_submit", r);
		vblk_kick(&vdev);
		void *cookie;
		int st;
		while ((r = vblk_complete(&vdev, &cookie, &st)) == 0)
			dux_wait(5 * SEC);	/* the interrupt wakes us */
		if (r < 0 || st < 0)
			bench_die("direct read", r < 0 ? r : st);
	}
	return bench_busy_now() - t0;
}

int
main(void)
{
	long r = dux_init(64);
	if (r < 0)
		bench_die("dux_init", r);
	if ((r = sys_mem_alloc(BUF_VA, 16 * 64 * KIB, MEM_R | MEM_W)) < 0)
		bench_die("buffer", r);
	const char *pav[] = { "hold=00:02.0", NULL };
	long pci = ts_spawn("pci", pav, 0, SPAWN_PRIV);
	if (pci < 0)
		bench_die("spawn pci", pci);
	long disk = -ERR_NOENT;
	for (uint64_t end = ts_now() + 30 * SEC; disk < 0 && ts_now() < end;)
		if ((disk = dux_lookup("blk0")) < 0)
			sys_sleep(10000000);
	if (disk < 0)
		bench_die("no blk0", disk);
	bench_report("blk_read_4k_ipc_insns", depth1(disk, 4 * KIB, 200, 0), 200);
	bench_report("blk_read_64k_ipc_insns", depth1(disk, 64 * KIB, 100, 0), 100);
	bench_report("blk_read_4k_rand_ipc_insns", depth1(disk, 4 * KIB, 200, 1), 200);
	bench_report("blk_read_64k_rand_ipc_insns", depth1(disk, 64 * KIB, 100, 1), 100);
	bench_report("blk_read_64k_qd16_ipc_insns", depth16(disk, 10), 160);
	register_buffer(disk);
	bench_report("blk_read_4k_reg_ipc_insns", depth1(disk, 4 * KIB, 200, 0), 200);
	bench_report("blk_read_64k_reg_ipc_insns", depth1(disk, 64 * KIB, 100, 0), 100);
	bench_report("blk_read_4k_rand_reg_ipc_insns", depth1(disk, 4 * KIB, 200, 1), 200);
	bench_report("blk_read_64k_rand_reg_ipc_insns", depth1(disk, 64 * KIB, 100, 1), 100);
	bench_report("blk_read_64k_qd16_reg_ipc_insns", depth16(disk, 10), 160);
	uint64_t dma_pa;
	if ((r = sys_mem_alloc_dma(DMA_VA, 64 * KIB, &dma_pa)) < 0)
		bench_die("dma buffer", r);
	attach_direct(pci);
	bench_report("blk_read_4k_direct_insns", direct(dma_pa, 4 * KIB, 200, 0), 200);
	bench_report("blk_read_64k_direct_insns", direct(dma_pa, 64 * KIB, 100, 0), 100);
	bench_report("blk_read_4k_rand_direct_insns", direct(dma_pa, 4 * KIB, 200, 1), 200);
	bench_report("blk_read_64k_rand_direct_insns", direct(dma_pa, 64 * KIB, 100, 1), 100);
	fflush(stdout);
	sys_poweroff(0);
	return 0;
}
