/*
 * dux: rings, requests, waits, receive ranges and notifications over the
 * IPC area (see <dux/dux.h> for the how-to and <tessera/ipc.h> for the
 * ring protocol).  One instance per task, in static storage.
 *
 * Slot bookkeeping: `free_slots` is a stack of the task-owned slots nobody
 * uses.  A slot pushed on tx comes back to it when the kernel's tx_tail has
 * passed it (reclaim); a received slot comes back at dux_done.  The task's
 * own ring counters (tx_head, rx_tail, range_head) are read from the shared
 * header, so a tool or test that writes the rings by hand stays consistent.
 */
#include <stdio.h>
#include <string.h>
#include <dux/dux.h>
#include <tessera/user.h>

#define HDR_BYTES offsetof(struct ts_packet, name)

static struct {
	struct ts_ipc_hdr *hdr;
	uint16_t *tx, *rx;
	struct ts_range *ranges;
	struct ts_packet *slots;
	uint32_t n;			/* ring entries; 2n slots */
	uint32_t tx_done;		/* tx entries before this are reclaimed */
	uint64_t next_id;
	uint32_t nfree;
	uint16_t free_slots[IPC_MAX_SLOTS];
	uint32_t park_head, park_tail;	/* parked received slots (dux_call) */
	uint16_t parked[IPC_MAX_SLOTS];
	uint8_t reused[2 * IPC_MAX_SLOTS];	/* a held packet's slot sent as its
						   reply: its dux_done is skipped */
	uint32_t nknown;		/* ranges posted through dux_add_range */
	struct ts_range known[IPC_RANGES];
} d;

void (*dux_notify_fn)(uint64_t source, uint64_t value);
void dux_notify_entry(void);	/* notify_entry.S */

static inline uint32_t
load_acq(uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void
store_rel(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static inline uint32_t
slot_index(const struct ts_packet *p)
{
	return (uint32_t)(p - d.slots);
}

/* Take back the tx slots the kernel has consumed.  Entries that do not name
 * a slot (written by hand, see test_ipc bad_input) are skipped. */
static void
reclaim(void)
{
	uint32_t tail = load_acq(&d.hdr->tx_tail);
	uint32_t head = d.hdr->tx_head;

	if (tail - d.tx_done > head - d.tx_done)	/* kernel ahead of us: odd */
		tail = head;
	for (; d.tx_done != tail; d.tx_done++) {
		uint16_t s = d.tx[d.tx_done % d.n];
		if (s < 2 * d.n && d.nfree < d.n)
			d.free_slots[d.nfree++] = s;
	}
}

int
dux_init(unsigned n)
{
	return dux_init_ranges(n, DUX_RANGE_SIZE);
}

int
dux_init_ranges(unsigned n, uint64_t range_size)
{
	if (n == 0 || n > IPC_MAX_SLOTS || (n & (n - 1)) || range_size < 4096 ||
	    range_size > IPC_MOVE_MAX || (range_size & 4095))
		return -ERR_INVAL;
	long r = sys_ipc_setup(DUX_AREA_VA, n);
	if (r < 0)
		return (int)r;
	uint8_t *a = (uint8_t *)DUX_AREA_VA;
	d.hdr = (struct ts_ipc_hdr *)a;
	d.tx = (uint16_t *)(a + IPC_TX_OFF(n));
	d.rx = (uint16_t *)(a + IPC_RX_OFF(n));
	d.ranges = (struct ts_range *)(a + IPC_RANGES_OFF(n));
	d.slots = (struct ts_packet *)(a + IPC_SLOTS_OFF(n));
	d.n = n;
	d.tx_done = d.hdr->tx_tail;
	d.next_id = 0;
	d.nfree = 0;
	for (unsigned i = 2 * n; i-- > n;)
		d.free_slots[d.nfree++] = (uint16_t)i;
	for (unsigned i = 0; i < DUX_RANGES; i++) {
		r = dux_add_range(DUX_RANGE_VA + i * range_size, range_size);
		if (r < 0)
			return (int)r;
	}
	return 0;
}

/* A free task-owned slot, as it is (NULL when none is left). */
static struct ts_packet *
take_slot(void)
{
	if (d.nfree == 0) {
		reclaim();
		if (d.nfree == 0) {
			sys_ipc_flush();
			reclaim();
			if (d.nfree == 0)
				return NULL;
		}
	}
	return &d.slots[d.free_slots[--d.nfree]];
}

struct ts_packet *
dux_alloc(void)
{
	struct ts_packet *p = take_slot();

	if (p)
		memset(p, 0, HDR_BYTES);
	return p;
}

void
dux_send(struct ts_packet *p)
{
	uint32_t head = d.hdr->tx_head;

	d.tx[head % d.n] = (uint16_t)slot_index(p);
	store_rel(&d.hdr->tx_head, head + 1);
}

long
dux_flush(void)
{
	long r = sys_ipc_flush();
	reclaim();
	return r;
}

long
dux_wait(uint64_t timeout_ns)
{
	uint32_t parked = d.park_head - d.park_tail;
	long r = sys_io_wait(parked ? 0 : timeout_ns);

	reclaim();
	return r < 0 ? r : r + parked;
}

/* Take the packet at rx_tail, swapping a free slot in.  Returns the slot
 * index, -1 when the ring is empty, -2 when no free slot is left. */
static int
rx_take(void)
{
	uint32_t tail = d.hdr->rx_tail;

	if (load_acq(&d.hdr->rx_head) == tail)
		return -1;
	if (d.nfree == 0) {
		reclaim();
		if (d.nfree == 0)
			return -2;
	}
	uint16_t s = d.rx[tail % d.n];
	d.rx[tail % d.n] = d.free_slots[--d.nfree];
	store_rel(&d.hdr->rx_tail, tail + 1);
	return s;
}

struct ts_packet *
dux_recv(void)
{
	if (d.park_head != d.park_tail)
		return &d.slots[d.parked[d.park_tail++ % IPC_MAX_SLOTS]];
	int s = rx_take();
	return s < 0 ? NULL : &d.slots[s];
}

void
dux_done(struct ts_packet *p)
{
	uint32_t s = slot_index(p);

	if (s < 2 * d.n && d.reused[s]) {
		d.reused[s] = 0;	/* it went out as a reply: reclaim frees it */
		return;
	}
	if (s < 2 * d.n && d.nfree < d.n)
		d.free_slots[d.nfree++] = (uint16_t)s;
}

struct ts_packet *
dux_reply_alloc(struct ts_packet *req, int status)
{
	struct ts_packet *r = dux_alloc();
	uint32_t s = slot_index(req);

	if (!r) {
		if (s >= 2 * d.n || d.reused[s])
			return NULL;	/* not a held slot of ours */
		/* No free slot: every one holds a received packet (parked
		 * while a dux_call waited, say).  The request's own slot
		 * carries the reply; its data goes first. */
		struct ts_packet q = *req;
		dux_data_free(req);
		memset(req, 0, HDR_BYTES);
		d.reused[s] = 1;
		dux_reply_init(req, &q, status);
		return req;
	}
	dux_reply_init(r, req, status);
	return r;
}

uint64_t
dux_request(ts_addr to, struct ts_packet *p)
{
	p->addr = to;
	p->id = ++d.next_id;
	p->flags &= (uint16_t)~PKT_REPLY;
	dux_send(p);
	return p->id;
}

static int
is_reply_to(const struct ts_packet *p, uint64_t id)
{
	return (p->flags & PKT_REPLY) && p->id == id;
}

/* Copy a packet's header and the name bytes it uses. */
static void
copy_packet(struct ts_packet *dst, const struct ts_packet *src)
{
	size_t nl = src->name_len > IPC_NAME_MAX ? IPC_NAME_MAX : src->name_len;

	memcpy(dst, src, HDR_BYTES + nl);
	dst->name_len = (uint16_t)nl;
}

/* With no free slot to swap in, look at the packet at rx_tail in place: if
 * it is the reply, copy it out and give the same slot back to the ring. */
static int
take_reply_in_place(uint64_t id, struct ts_packet *reply)
{
	uint32_t tail = d.hdr->rx_tail;
	uint16_t s = d.rx[tail % d.n];

	if (!is_reply_to(&d.slots[s], id))
		return -ERR_AGAIN;
	copy_packet(reply, &d.slots[s]);
	store_rel(&d.hdr->rx_tail, tail + 1);
	return reply->status;
}

/* dux_call without a reply: *reply all zero, so that a dux_data_free(reply)
 * that follows frees nothing; returns err. */
static int
no_reply(struct ts_packet *reply, int err)
{
	memset(reply, 0, HDR_BYTES);
	return err;
}

int
dux_call(ts_addr to, const struct ts_packet *req, struct ts_packet *reply,
	 uint64_t timeout_ns)
{
	struct ts_packet *p = take_slot();	/* copy_packet writes the header */

	if (!p)
		return -ERR_AGAIN;
	copy_packet(p, req);
	p->addr = to;
	p->id = ++d.next_id;
	p->flags &= (uint16_t)~PKT_REPLY;
	uint64_t id = p->id;
	uint64_t deadline = DUX_FOREVER;
	if (timeout_ns != DUX_FOREVER)
		deadline = ts_now() + timeout_ns;
	for (;;) {
		int s;
		while ((s = rx_take()) >= 0) {
			struct ts_packet *q = &d.slots[s];
			if (!p && is_reply_to(q, id)) {
				copy_packet(reply, q);
				dux_done(q);
				return reply->status;
			}
			d.parked[d.park_head++ % IPC_MAX_SLOTS] = (uint16_t)s;
		}
		if (s == -2 && !p) {
			int st = take_reply_in_place(id, reply);
			return st == -ERR_AGAIN ? no_reply(reply, st) : st;
		}
		uint64_t left = DUX_FOREVER;
		if (deadline != DUX_FOREVER) {
			uint64_t now = ts_now();
			if (now >= deadline && !p)
				return no_reply(reply, -ERR_TIMEOUT);
			left = now >= deadline ? 0 : deadline - now;
		}
		/* The first wait sends the request too (send-and-wait: the
		 * server gets the hart at once when it waits on ours). */
		long r = p ? sys_ipc_call(slot_index(p), left) : sys_io_wait(left);
		if (p)
			dux_done(p);	/* copied by the kernel: ours again */
		p = NULL;
		reclaim();
		if (r < 0)
			return no_reply(reply, (int)r);
	}
}

long
dux_reply_wait(struct ts_packet *r, uint64_t timeout_ns)
{
	uint32_t parked = d.park_head - d.park_tail;
	long n = sys_ipc_reply_wait(r ? slot_index(r) : IPC_SLOT_NONE, parked ? 0 : timeout_ns);

	if (r)
		dux_done(r);
	reclaim();
	return n < 0 ? n : n + parked;
}

void
dux_reply_init(struct ts_packet *r, const struct ts_packet *req, int status)
{
	r->addr = req->addr;
	r->id = req->id;
	r->opcode = req->opcode;
	r->handle = req->handle;
	r->flags = PKT_REPLY;
	r->status = status;
}

int
dux_set_name(struct ts_packet *p, const void *name, size_t len)
{
	if (len > IPC_NAME_MAX)
		return -ERR_TOOBIG;
	if (len && name != p->name)	/* a reply in its request's slot may keep the name */
		memmove(p->name, name, len);
	p->name_len = (uint16_t)len;
	return 0;
}

int
dux_reply(const struct ts_packet *req, int status, const void *name, size_t name_len)
{
	if (name_len > IPC_NAME_MAX)
		return -ERR_TOOBIG;
	struct ts_packet *r = dux_reply_alloc((struct ts_packet *)(uintptr_t)req, status);
	if (!r)
		return -ERR_AGAIN;
	dux_set_name(r, name, name_len);
	dux_send(r);
	return 0;
}

int
dux_reply_data(const struct ts_packet *req, int status, const void *data, size_t len)
{
	struct ts_packet *r = dux_reply_alloc((struct ts_packet *)(uintptr_t)req, status);

	if (!r)
		return -ERR_AGAIN;
	r->flags |= PKT_DATA_COPY;
	r->data = (uint64_t)(uintptr_t)data;
	r->len = len;
	dux_send(r);
	return 0;
}

long
dux_lookup(const char *name)
{
	return sys_svc_lookup(name, strlen(name));
}

int
dux_register(const char *name)
{
	return (int)sys_svc_register(name, strlen(name));
}

int
dux_register_first(const char *prefix, char *name, size_t n)
{
	int r = -ERR_EXIST;

	for (unsigned i = 0; r == -ERR_EXIST && i < 64; i++) {
		if ((size_t)snprintf(name, n, "%s%u", prefix, i) >= n)
			return -ERR_TOOBIG;
		r = dux_register(name);
	}
	return r;
}

int
dux_add_range(uint64_t va, uint64_t size)
{
	if ((va | size) & (TS_PAGE_SIZE - 1) || size == 0 || va + size > TS_USER_TOP ||
	    va + size < va)
		return -ERR_INVAL;
	uint32_t head = d.hdr->range_head;
	if (head - load_acq(&d.hdr->range_tail) >= IPC_RANGES)
		return -ERR_AGAIN;
	unsigned i;
	for (i = 0; i < d.nknown; i++)
		if (d.known[i].va == va)
			break;
	if (i == d.nknown && d.nknown < IPC_RANGES)
		d.known[d.nknown++] = (struct ts_range){ va, size };
	d.ranges[head % IPC_RANGES] = (struct ts_range){ va, size };
	store_rel(&d.hdr->range_head, head + 1);
	return 0;
}

int
dux_range_return(const struct ts_packet *p)
{
	if ((p->flags & PKT_DATA_MASK) == PKT_DATA_NONE || p->len == 0)
		return 0;
	for (unsigned i = 0; i < d.nknown; i++)
		if (p->data >= d.known[i].va && p->data - d.known[i].va < d.known[i].size)
			return dux_add_range(d.known[i].va, d.known[i].size);
	return 0;
}

int
dux_data_free(const struct ts_packet *p)
{
	if ((p->flags & PKT_DATA_MASK) == PKT_DATA_NONE || p->len == 0)
		return 0;
	uint64_t va = p->data & ~(TS_PAGE_SIZE - 1);
	uint64_t end = (p->data + p->len + TS_PAGE_SIZE - 1) & ~(TS_PAGE_SIZE - 1);
	/* Only received data is freed: pages inside one of our posted ranges
	 * (a packet we built ourselves, or garbage, names other memory). */
	unsigned i;
	for (i = 0; i < d.nknown; i++)
		if (va >= d.known[i].va && end > va && end - d.known[i].va <= d.known[i].size)
			break;
	if (i == d.nknown)
		return -ERR_INVAL;
	long r = sys_mem_free(va, end - va);
	if (r < 0)
		return (int)r;
	r = dux_range_return(p);
	/* Freed: a second dux_data_free of p is a no-op. */
	((struct ts_packet *)(uintptr_t)p)->flags &= (uint16_t)~PKT_DATA_MASK;
	return (int)r;
}

long
dux_watch(ts_addr task)
{
	struct ts_packet *p = dux_alloc();

	if (!p)
		return -ERR_AGAIN;
	p->opcode = OP_WATCH;
	p->handle = task;
	return (long)dux_request(IPC_ADDR_KERNEL, p);
}

ts_addr
dux_watch_ended(const struct ts_packet *p)
{
	if (!(p->flags & PKT_KERNEL))
		return 0;
	if (p->opcode == OP_TERMINATE && !(p->flags & PKT_REPLY) && p->addr == p->handle)
		return p->handle;
	if (p->opcode == OP_WATCH && (p->flags & PKT_REPLY) && p->status < 0)
		return p->handle;
	return 0;
}

int
dux_notify_handler(void (*fn)(uint64_t source, uint64_t value), void *stack, size_t size)
{
	if (!fn) {
		dux_notify_fn = NULL;
		return (int)sys_notify_set(0, 0);
	}
	if (!stack || size < 256)
		return -ERR_INVAL;
	dux_notify_fn = fn;
	uintptr_t top = ((uintptr_t)stack + size) & ~15ul;
	return (int)sys_notify_set((uintptr_t)dux_notify_entry, top);
}

unsigned
dux_free_slots(void)
{
	reclaim();
	return d.nfree;
}

unsigned
dux_tx_pending(void)
{
	return d.hdr->tx_head - load_acq(&d.hdr->tx_tail);
}

unsigned
dux_nslots(void)
{
	return d.n;
}

struct ts_ipc_hdr *
dux_hdr(void)
{
	return d.hdr;
}
