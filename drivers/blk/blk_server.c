/*
 * virtio-blk: the block server of one virtio-blk PCI function, a thin layer
 * over the virtio_blk library.  Spawned by the PCI server, unprivileged but
 * granted the function's config page, BARs and IRQ (docs/pci.md), it registers the
 * first free name of blk0, blk1, ... and serves the block protocol
 * (docs/blk.md):
 *   OP_INFO   status = block size, offset = disk size in bytes
 *   OP_READ   offset, length -> status = length and the bytes as COPY data,
 *             or written into the client's writable SHARE buffer (no data
 *             back).  The length is `len` (of that buffer, or without data
 *             the plain number the client asks for).
 *   OP_WRITE  the request's data at offset -> status = len
 *   OP_FLUSH  status 0 once earlier writes are durable
 *   OP_OPEN   a writable SHARE buffer, page aligned, 4 KiB..1 MiB: registered
 *             (its pages pinned once) -> status 0, handle = the session.
 *             offset BLK_OPEN_WRITE (<tessera/proto_blk.h>): the session
 *             also holds the device for writing (then the buffer is
 *             optional); a second holder -ERR_BUSY, and while it is held
 *             WRITEs from other tasks get -ERR_BUSY
 *   OP_CLOSE  handle -> status 0 (pages unpinned); the kernel's TERMINATE
 *             of a dead client does the same
 *   OP_READ/OP_WRITE with handle = a session: PKT_DATA_NONE, `len` bytes at
 *             disk `offset`, DMA straight into / out of the registered
 *             buffer at the byte offset blk_reg_off(uuid) (uuid[0..7] little
 *             endian, uuid[8..15] zero) -> status = len.  Unknown session
 *             -ERR_BADF; data attached, or a range outside the buffer
 *             -ERR_INVAL; the disk checks as above.
 * Offsets and lengths are whole blocks inside the disk (-ERR_INVAL,
 * -ERR_RANGE), at most 1 MiB (-ERR_TOOBIG); a read-only disk answers WRITE
 * with -ERR_PERM; other opcodes -ERR_NOTSUP.
 *
 * Data moved or shared page-aligned goes to the device as the client's own
 * pages (pinned with mem_pin: zero copy); anything else goes through DMA
 * bounce pages (docs/blk.md).
 *
 * Usage: virtio-blk pci=BB:DD.F id=VVVV:DDDD cfg=0x.. barN=0x../0x.. irq=N
 */
#include <stdio.h>
#include <string.h>

#include <blk/virtio_blk.h>
#include <dux/dux.h>
#include <tessera/abi.h>
#include <tessera/proto_blk.h>
#include <virtio/vsrv.h>

#define BLK_VA		0x2000000000ul	/* device mappings (VBLK_VA_SPAN) */
#define BOUNCE_VA	0x2100000000ul	/* bounce pages */
#define STAGE_VA	0x2200000000ul	/* ordinary pages mirroring the bounce pages */
#define RANGE_VA	0x3200000000ul	/* extra receive ranges */
#define BLK_PAGE	4096u
#define BOUNCE_BLOCK	(1u << 20)	/* one physically contiguous DMA block */
#define BOUNCE_BLOCKS	4u
#define BOUNCE_PAGES	(BOUNCE_BLOCKS * BOUNCE_BLOCK / BLK_PAGE)
#define IO_MAX		(1u << 20)	/* largest READ/WRITE */
#define RING		256u		/* dux ring entries */
#define PARK_MAX	128u		/* requests held waiting for resources */
#define ZC_PAGES_MAX	64u		/* zero copy up to 256 KiB a request */
#define EXTRA_RANGES	48u		/* receive ranges beyond dux's 16 */
#define POLL_NS		(200ull * 1000)		/* no interrupt: poll period */
#define SAFETY_NS	(100ull * 1000000)	/* interrupt mode: re-check period */
#define REG_MAX		(1u << 20)	/* largest registered buffer (mem_pin: 256 pages) */
#define REG_PAGES	(REG_MAX / BLK_PAGE)
#define SESSIONS	16u		/* registered buffers, all clients */

/* A registered buffer: the client's pages, pinned for the whole session.
 * The server does not keep them mapped (the pin keeps them allocated). */
struct session {
	uint64_t handle;		/* 0 = free */
	ts_addr client;
	unsigned npages;		/* 0: no registered buffer */
	unsigned flags;			/* BLK_OPEN_* */
	unsigned inflight;		/* device requests using the pages */
	int closed;			/* ended: unpin once inflight is 0 */
	uint64_t pa[REG_PAGES];
};

/* A request handed to the device; its bounce pages until the reply is out. */
struct job {
	ts_addr addr;
	uint64_t id, handle;
	uint16_t opcode;
	uint32_t len;
	unsigned page, npages;		/* bounce pages [page, page + npages) */
	unsigned npins;			/* zero copy: the client's pages, pinned */
	struct session *reg;		/* registered buffer of the request */
	struct ts_packet *share;	/* READ into this held request's SHARE buffer */
	struct job *next;		/* free list / sent list */
};

static struct vsrv srv = { .drv = "virtio-blk", .prefix = "blk" };
static const struct vsrv_times times = { POLL_NS, DUX_FOREVER, SAFETY_NS };
static struct vblk dev;
static struct job jobs[VBLK_TAGS];
static uint64_t pins[VBLK_TAGS][ZC_PAGES_MAX];	/* physical pages per job */
static struct job *free_jobs, *sent_jobs;
static uint64_t bounce_pa[BOUNCE_BLOCKS];
static uint64_t page_used[BOUNCE_PAGES / 64];
static struct ts_packet *parked[PARK_MAX];
static unsigned park_head, park_count;
static struct session sessions[SESSIONS];
static uint64_t next_handle = 1;

/* ---- bounce pages: first fit over a bitmap ---- */

static int
page_busy(unsigned i)
{
	return (page_used[i / 64] >> (i % 64)) & 1;
}

static void
page_mark(unsigned first, unsigned n, int used)
{
	for (unsigned i = first; i < first + n; i++) {
		if (used)
			page_used[i / 64] |= 1ull << (i % 64);
		else
			page_used[i / 64] &= ~(1ull << (i % 64));
	}
}

/* First run of n free pages, marked used; -1 if none. */
static int
pages_alloc(unsigned n)
{
	unsigned run = 0;

	for (unsigned i = 0; i < BOUNCE_PAGES; i++) {
		run = page_busy(i) ? 0 : run + 1;
		if (run == n) {
			page_mark(i + 1 - n, n, 1);
			return (int)(i + 1 - n);
		}
	}
	return -1;
}

static void *
page_va(unsigned page)
{
	return (void *)(BOUNCE_VA + (uintptr_t)page * BLK_PAGE);
}

/* Device segments for the first `len` bytes of the bounce pages from
 * `page` on: one per DMA block crossed. */
static unsigned
page_segs(unsigned page, uint32_t len, struct vq_seg *segs)
{
	const unsigned per = BOUNCE_BLOCK / BLK_PAGE;
	unsigned nseg = 0;

	while (len) {
		unsigned b = page / per, k = per - page % per;
		uint32_t bytes = k * BLK_PAGE < len ? k * BLK_PAGE : len;
		segs[nseg++] = (struct vq_seg){ bounce_pa[b] + (uint64_t)(page % per) * BLK_PAGE,
						bytes };
		page += k;
		len -= bytes;
	}
	return nseg;
}

/* ---- replies ---- */

static void
reply(const struct ts_packet *req, int status)
{
	struct ts_packet *r = dux_reply_alloc((struct ts_packet *)(uintptr_t)req, status);

	if (!r) {
		printf("virtio-blk: no slot for a reply (opcode %u)\n", req->opcode);
		return;
	}
	if (req->opcode == OP_INFO)
		r->offset = vblk_size(&dev);
	dux_send(r);
}

/* Bytes a READ or WRITE asks for: `len`, with or without data. */
static uint64_t
io_len(const struct ts_packet *req)
{
	return req->len;
}

/* The session holding the device for writing (BLK_OPEN_WRITE), or NULL. */
static struct session *
write_holder(void)
{
	for (unsigned i = 0; i < SESSIONS; i++)
		if (sessions[i].handle && !sessions[i].closed &&
		    (sessions[i].flags & BLK_OPEN_WRITE))
			return &sessions[i];
	return NULL;
}

/* Decode a READ or WRITE: 0 or the error status of its reply. */
static int
check_io(const struct ts_packet *req)
{
	uint64_t size = vblk_size(&dev), len = io_len(req);

	if (len > IO_MAX)
		return -ERR_TOOBIG;
	if (req->opcode == OP_WRITE && dev.ro)
		return -ERR_PERM;
	struct session *w = req->opcode == OP_WRITE ? write_holder() : NULL;
	if (w && w->client != req->addr)
		return -ERR_BUSY;	/* held for writing by another task */
	if (req->opcode == OP_WRITE && (req->flags & PKT_DATA_MASK) == PKT_DATA_NONE && len &&
	    !req->handle)
		return -ERR_INVAL;
	if (req->offset % dev.blk_size || len % dev.blk_size)
		return -ERR_INVAL;
	if (req->offset > size || len > size - req->offset)
		return -ERR_RANGE;
	return 0;
}

/* Done with a request we answered at once. */
static void
drop(struct ts_packet *req)
{
	dux_data_free(req);
	dux_done(req);
}

/* ---- registered buffers (sessions) ---- */

/* The buffer offset of a session READ/WRITE: uuid[0..7], little endian;
 * uuid[8..15] must be zero.  -1 if they are not. */
static int64_t
reg_off(const struct ts_packet *req)
{
	uint64_t off = 0;

	for (unsigned i = 8; i < 16; i++)
		if (req->uuid[i])
			return -1;
	for (unsigned i = 0; i < 8; i++)
		off |= (uint64_t)req->uuid[i] << (8 * i);
	return off > REG_MAX ? -1 : (int64_t)off;
}

static struct session *
session_find(ts_addr client, uint64_t handle)
{
	if (handle == 0)
		return NULL;
	for (unsigned i = 0; i < SESSIONS; i++)
		if (sessions[i].handle == handle && sessions[i].client == client &&
		    !sessions[i].closed)
			return &sessions[i];
	return NULL;
}

/* Unpin once the device no longer uses the pages. */
static void
session_release(struct session *s)
{
	if (!s->closed || s->inflight)
		return;
	if (s->npages)
		sys_mem_unpin(s->pa, s->npages);
	*s = (struct session){ 0 };
}

static void
session_end(struct session *s)
{
	s->closed = 1;
	session_release(s);
}

/* OP_OPEN: pin the client's writable SHARE buffer (if any) and take the
 * write hold (BLK_OPEN_WRITE); the reply's handle names the session.  Our
 * mapping goes at once (the pins keep the pages). */
static void
op_open(struct ts_packet *req)
{
	struct session *s = NULL;
	int buffer = (req->flags & PKT_DATA_MASK) != PKT_DATA_NONE || req->len;
	int rc = 0;

	if (req->offset & ~(uint64_t)BLK_OPEN_ALL)
		rc = -ERR_INVAL;
	else if (!buffer && !(req->offset & BLK_OPEN_WRITE))
		rc = -ERR_INVAL;	/* nothing to open */
	else if (buffer && ((req->flags & PKT_DATA_MASK) != PKT_DATA_SHARE ||
			    (req->flags & PKT_SHARE_RO) || req->len == 0 ||
			    req->len % BLK_PAGE || req->data % BLK_PAGE))
		rc = -ERR_INVAL;
	else if (req->len > REG_MAX)
		rc = -ERR_TOOBIG;
	else if ((req->offset & BLK_OPEN_WRITE) && write_holder())
		rc = -ERR_BUSY;		/* another writer holds the device */
	for (unsigned i = 0; rc == 0 && !s && i < SESSIONS; i++)
		if (!sessions[i].handle)
			s = &sessions[i];
	if (rc == 0 && !s)
		rc = -ERR_BUSY;
	unsigned n = (unsigned)(req->len / BLK_PAGE);
	long got = rc == 0 && n ? sys_mem_pin(req->data, req->len, s->pa) : 0;
	if (rc == 0 && got != (long)n) {
		if (got > 0)
			sys_mem_unpin(s->pa, (size_t)got);
		rc = got < 0 ? (int)got : -ERR_FAULT;
	}
	if (rc == 0) {
		s->handle = next_handle++;
		s->client = req->addr;
		s->npages = n;
		s->flags = (unsigned)req->offset;
	}
	struct ts_packet *r = dux_reply_alloc(req, rc);
	if (r) {
		if (rc == 0)
			r->handle = s->handle;
		dux_send(r);
	}
	drop(req);
}

/* A READ/WRITE on a session (checked by serve): DMA into / out of the
 * pinned pages.  Same return as start(). */
static int
start_reg(struct ts_packet *req, struct session *s, unsigned type)
{
	struct vq_seg segs[VBLK_MAX_SEGS];
	uint64_t boff = (uint64_t)reg_off(req);
	uint32_t len = (uint32_t)req->len;
	unsigned nseg = 0;

	while (len) {
		uint64_t pa = s->pa[boff / BLK_PAGE] + boff % BLK_PAGE;
		uint32_t chunk = BLK_PAGE - (uint32_t)(boff % BLK_PAGE);
		if (chunk > len)
			chunk = len;
		if (nseg && segs[nseg - 1].pa + segs[nseg - 1].len == pa) {
			segs[nseg - 1].len += chunk;	/* physically contiguous */
		} else if (nseg == dev.seg_max) {
			reply(req, -ERR_TOOBIG);	/* too fragmented for one request */
			drop(req);
			return 1;
		} else {
			segs[nseg++] = (struct vq_seg){ pa, chunk };
		}
		boff += chunk;
		len -= chunk;
	}
	if (!free_jobs || !vblk_room(&dev, nseg))
		return 0;
	struct job *j = free_jobs;
	*j = (struct job){ req->addr, req->id, req->handle, req->opcode, (uint32_t)req->len, 0,
			   0, 0, s, NULL, j->next };
	int rc = vblk_submit(&dev, type, req->offset / VBLK_SECTOR, segs, nseg, j);
	if (rc < 0) {
		reply(req, rc);
	} else {
		free_jobs = j->next;
		s->inflight++;
	}
	drop(req);
	return 1;
}

/* Check a session READ/WRITE beyond check_io: 0 or the error status. */
static int
check_reg(const struct ts_packet *req, struct session **out)
{
	struct session *s = session_find(req->addr, req->handle);
	int64_t boff = reg_off(req);

	if (!(*out = s))
		return -ERR_BADF;
	uint64_t size = (uint64_t)s->npages * BLK_PAGE;
	if ((req->flags & PKT_DATA_MASK) != PKT_DATA_NONE || boff < 0 ||
	    (uint64_t)boff % dev.blk_size || (uint64_t)boff > size ||
	    req->len > size - (uint64_t)boff)
		return -ERR_INVAL;
	return 0;
}

/* Zero copy: a page-aligned MOVE or SHARE buffer (WRITE from it, READ into a
 * writable SHARE) goes to the device as the client's own pages, pinned so
 * that they outlive our mapping (mem_pin).  1 = submitted or answered, 0 =
 * not eligible or no room (use bounce pages). */
static int
start_zero_copy(struct ts_packet *req, unsigned type, uint32_t len)
{
	unsigned mode = req->flags & PKT_DATA_MASK;
	struct vq_seg segs[ZC_PAGES_MAX];
	unsigned n = (len + BLK_PAGE - 1) / BLK_PAGE, nseg = 0;

	if ((mode != PKT_DATA_MOVE && mode != PKT_DATA_SHARE) || (req->data & (BLK_PAGE - 1)) ||
	    n > ZC_PAGES_MAX || (type == VIRTIO_BLK_T_IN && mode != PKT_DATA_SHARE) ||
	    (req->flags & PKT_SHARE_RO && type == VIRTIO_BLK_T_IN))
		return 0;
	struct job *j = free_jobs;
	uint64_t *pa = pins[j - jobs];
	if (sys_mem_pin(req->data, (size_t)n * BLK_PAGE, pa) != (long)n)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		uint32_t chunk = len - i * BLK_PAGE < BLK_PAGE ? len - i * BLK_PAGE : BLK_PAGE;
		if (nseg && segs[nseg - 1].pa + segs[nseg - 1].len == pa[i])
			segs[nseg - 1].len += chunk;	/* physically contiguous */
		else
			segs[nseg++] = (struct vq_seg){ pa[i], chunk };
	}
	if (nseg > dev.seg_max || !vblk_room(&dev, nseg)) {
		sys_mem_unpin(pa, n);
		return 0;
	}
	*j = (struct job){ req->addr, req->id, req->handle, req->opcode, len, 0, 0, n, NULL,
			   NULL, j->next };
	int rc = vblk_submit(&dev, type, req->offset / VBLK_SECTOR, segs, nseg, j);
	if (rc < 0) {
		sys_mem_unpin(pa, n);
		j->npins = 0;
		reply(req, rc);
		drop(req);
		return 1;
	}
	free_jobs = j->next;
	drop(req);	/* the pins keep the pages until the device is done */
	return 1;
}

/* Hand req to the device.  1 = started or answered (req consumed), 0 =
 * must wait for a tag, descriptors or bounce pages (req kept). */
static int
start(struct ts_packet *req)
{
	struct vq_seg segs[BOUNCE_BLOCKS + 1];
	unsigned type, nseg = 0, n = 0;
	uint32_t len = 0;
	int page = 0, rc;

	if (req->opcode == OP_FLUSH) {
		if (!dev.flush) {
			reply(req, 0);	/* write-through: nothing to flush */
			drop(req);
			return 1;
		}
		type = VIRTIO_BLK_T_FLUSH;
	} else {
		type = req->opcode == OP_READ ? VIRTIO_BLK_T_IN : VIRTIO_BLK_T_OUT;
		len = (uint32_t)io_len(req);
		n = (len + BLK_PAGE - 1) / BLK_PAGE;
	}
	if (!free_jobs || !vblk_room(&dev, BOUNCE_BLOCKS))
		return 0;
	if (n && start_zero_copy(req, type, len))
		return 1;
	if (n && (page = pages_alloc(n)) < 0)
		return 0;
	if (n)
		nseg = page_segs((unsigned)page, len, segs);
	if (type == VIRTIO_BLK_T_OUT)
		memcpy(page_va((unsigned)page), (const void *)(uintptr_t)req->data, len);
	struct job *j = free_jobs;
	*j = (struct job){ req->addr, req->id, req->handle, req->opcode, len,
			   (unsigned)page, n, 0, NULL, NULL, j->next };
	rc = vblk_submit(&dev, type, req->offset / VBLK_SECTOR, segs, nseg, j);
	if (rc < 0) {
		page_mark((unsigned)page, n, 0);
		reply(req, rc);
		drop(req);
		return 1;
	}
	free_jobs = j->next;
	if (type == VIRTIO_BLK_T_IN && (req->flags & PKT_DATA_MASK) == PKT_DATA_SHARE &&
	    !(req->flags & PKT_SHARE_RO)) {
		j->share = req;	/* filled in place at completion */
		return 1;
	}
	drop(req);
	return 1;
}

/* Answer what needs no device, or start it.  Same return as start(). */
static int
serve(struct ts_packet *req)
{
	struct session *s;
	int rc;

	if (req->flags & (PKT_REPLY | PKT_KERNEL)) {
		/* A dead client's TERMINATE, or an OPEN reply that never
		 * arrived (no session for the client): the session ends. */
		if ((req->flags & PKT_KERNEL) &&
		    ((req->opcode == OP_TERMINATE && !(req->flags & PKT_REPLY)) ||
		     (req->opcode == OP_OPEN && (req->flags & PKT_REPLY) && req->status < 0)) &&
		    (s = session_find(req->addr, req->handle)))
			session_end(s);
		drop(req);	/* other error completions of our replies */
		return 1;
	}
	switch (req->opcode) {
	case OP_INFO:
		rc = (int)dev.blk_size;	/* len must be 0 without data (ipc.md) */
		break;
	case OP_OPEN:
		op_open(req);
		return 1;
	case OP_CLOSE:
		rc = -ERR_BADF;
		if ((s = session_find(req->addr, req->handle))) {
			session_end(s);
			rc = 0;
		}
		break;
	case OP_READ:
	case OP_WRITE:
		s = NULL;
		rc = req->handle ? check_reg(req, &s) : 0;
		if (rc == 0)
			rc = check_io(req);
		if (rc == 0 && io_len(req) == 0)
			break;
		if (rc == 0 && s)
			return start_reg(req, s, req->opcode == OP_READ ? VIRTIO_BLK_T_IN :
									VIRTIO_BLK_T_OUT);
		if (rc == 0)
			return start(req);
		break;
	case OP_FLUSH:
		return start(req);
	default:
		rc = -ERR_NOTSUP;
	}
	reply(req, rc);
	drop(req);
	return 1;
}

/* Replies of finished requests; their pages are freed once sent. */
static void
complete_all(void)
{
	void *cookie;
	int st;

	for (;;) {
		struct ts_packet *r = dux_alloc();
		if (!r)
			break;	/* the rest at the next round */
		if (vblk_complete(&dev, &cookie, &st) <= 0) {
			dux_done(r);
			break;
		}
		struct job *j = cookie;
		struct ts_packet fake = { .addr = j->addr, .id = j->id, .handle = j->handle,
					  .opcode = j->opcode };
		dux_reply_init(r, &fake, st < 0 ? st : j->opcode == OP_FLUSH ? 0 : (int)j->len);
		if (j->reg) {
			/* Registered buffer: the data is in its pinned pages. */
			j->reg->inflight--;
			session_release(j->reg);
			j->reg = NULL;
		} else if (j->npins) {
			/* Zero copy: the data is already in (or came from) the
			 * client's pages. */
			sys_mem_unpin(pins[j - jobs], j->npins);
			j->npins = 0;
		} else if (st >= 0 && j->opcode == OP_READ && j->share) {
			memcpy((void *)(uintptr_t)j->share->data, page_va(j->page), j->len);
		} else if (st >= 0 && j->opcode == OP_READ) {
			/* The kernel does not COPY out of DMA mappings: stage. */
			void *stage = (uint8_t *)page_va(j->page) + (STAGE_VA - BOUNCE_VA);
			memcpy(stage, page_va(j->page), j->len);
			r->flags |= PKT_DATA_COPY;
			r->data = (uint64_t)(uintptr_t)stage;
			r->len = j->len;
		}
		dux_send(r);
		if (j->share) {
			drop(j->share);
			j->share = NULL;
		}
		j->next = sent_jobs;
		sent_jobs = j;
	}
}

/* After a flush that consumed every reply: free their pages and jobs. */
static void
release_sent(void)
{
	struct ts_ipc_hdr *h = dux_hdr();

	if (h->tx_tail != h->tx_head)
		return;
	while (sent_jobs) {
		struct job *j = sent_jobs;
		sent_jobs = j->next;
		page_mark(j->page, j->npages, 0);
		j->next = free_jobs;
		free_jobs = j;
	}
}

/* Take new requests, then start parked ones in arrival order. */
static void
take_requests(void)
{
	struct ts_packet *req;

	while (park_count < PARK_MAX && (req = dux_recv()))
		parked[(park_head + park_count++) % PARK_MAX] = req;
	while (park_count && serve(parked[park_head])) {
		park_head = (park_head + 1) % PARK_MAX;
		park_count--;
	}
	vblk_kick(&dev);
}

static void
run(void)
{
	for (;;) {
		uint32_t seen = dev.irqs.nirq;
		complete_all();
		dux_flush();
		release_sent();
		take_requests();
		unsigned st = (dev.irqs.nirq != seen ? VSRV_AGAIN : 0) |
			      (vblk_inflight(&dev) || sent_jobs ? VSRV_BUSY : 0);
		dux_wait(vsrv_wait_ns(dev.irqs.on, st, &times));
	}
}

/* IPC area, receive ranges, bounce memory, service name.  0 or -1. */
static int
setup(void)
{
	long rc = dux_init(RING);

	for (unsigned i = 0; rc == 0 && i < EXTRA_RANGES; i++)
		rc = dux_add_range(RANGE_VA + (uint64_t)i * DUX_RANGE_SIZE, DUX_RANGE_SIZE);
	for (unsigned b = 0; rc == 0 && b < BOUNCE_BLOCKS; b++)
		rc = sys_mem_alloc_dma(BOUNCE_VA + (uintptr_t)b * BOUNCE_BLOCK, BOUNCE_BLOCK,
				       &bounce_pa[b]);
	if (rc == 0)
		rc = sys_mem_alloc(STAGE_VA, BOUNCE_BLOCKS * BOUNCE_BLOCK, MEM_R | MEM_W);
	for (unsigned i = 0; i < VBLK_TAGS; i++) {
		jobs[i].next = free_jobs;
		free_jobs = &jobs[i];
	}
	return vsrv_register(&srv, rc);
}

int
main(int argc, char **argv)
{
	int rc;

	if (vsrv_args(&srv, argc, argv) < 0)
		return 1;
	if ((rc = vblk_attach(&dev, &srv.args, BLK_VA)) < 0)
		return vsrv_fail(&srv, dev.err, rc);
	if (setup() < 0)
		return 1;
	rc = vblk_irq_start(&dev);
	printf("virtio-blk %s: %s: %llu bytes, block %u, %s, flush %s, queue %u, %s\n", srv.who,
	       srv.name, (unsigned long long)vblk_size(&dev), dev.blk_size,
	       dev.ro ? "read-only" : "read-write", dev.flush ? "yes" : "no", dev.q.size,
	       rc == 0 ? "interrupts" : "polling");
	run();
	return 0;
}
