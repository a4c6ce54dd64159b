/*
 * IPC areas and packet routing.
 *
 * A task's transmit ring is drained when it calls ipc_flush or io_wait.
 * For each packet: copy it out of the slot (one snapshot), check it
 * (ipc_packet_check), decide where it goes (the kernel itself, the sandbox
 * host, or a task), check everything the delivery needs (receiver slot,
 * receive range, sender pages, group rules, reply matching) and only then
 * act: move/share/copy the data, record the request in flight or the
 * session, write the packet into the receiver's slot, wake the receiver.
 * A refused packet becomes an error completion in the sender's own receive
 * ring; if even that ring is full the packet stays in the transmit ring and
 * the flush stops (the task must drain its receive ring first).
 */
#include <stddef.h>
#include <stdint.h>
#include <tessera/abi.h>
#include <tessera/errors.h>
#include <kernel/hart.h>
#include <kernel/ipc.h>
#include <kernel/ipc_route.h>
#include <kernel/kheap.h>
#include <kernel/memlayout.h>
#include <kernel/pmm.h>
#include <kernel/printk.h>
#include <kernel/riscv.h>
#include <kernel/string.h>
#include <kernel/task.h>
#include <kernel/vm.h>

#define MAX_INFLIGHT 128u

struct spinlock ipc_lock = SPINLOCK_INIT("ipc");
struct ipc_state *ipc_all;	/* every task's state, guarded by ipc_lock */

/* ipc_lock held.  Task `tid` if it is alive and has an IPC area.  Such a
 * task cannot be freed while the caller holds ipc_lock: it must pass
 * ipc_task_exit (which takes ipc_lock) before it can end. */
struct task *
ipc_task(long tid)
{
	spin_lock(&sched_lock);
	struct task *t = task_lookup(tid);
	if (t && (t->state == TASK_ZOMBIE || !t->ipc))
		t = NULL;
	spin_unlock(&sched_lock);
	return t;
}

/* Point s->v at the area through kmap slot `slot` (the view's pointers are
 * only valid until the next kmap of that slot on this hart). */
struct ipc_view *
ipc_view(struct ipc_state *s, int slot)
{
#ifndef TESSERA_PHYS_SLOTS
	(void)slot;	/* the direct map never moves: set once at setup */
	return &s->v;
#endif
	uint8_t *base = kmap(slot, s->area_pa);
	uint32_t n = s->v.n;

	s->v.hdr = (struct ts_ipc_hdr *)base;
	s->v.tx = (uint16_t *)(base + IPC_TX_OFF(n));
	s->v.rx = (uint16_t *)(base + IPC_RX_OFF(n));
	s->v.ranges = (struct ts_range *)(base + IPC_RANGES_OFF(n));
	s->v.slots = (struct ts_packet *)(base + IPC_SLOTS_OFF(n));
	return &s->v;
}

long
ipc_setup(struct task *t, uint64_t va, unsigned n)
{
	if (n == 0 || n > IPC_MAX_SLOTS || (n & (n - 1)))
		return -ERR_INVAL;
	uint64_t size = IPC_AREA_SIZE(n);
	int err = vm_check_range(va, size);
	if (err)
		return err;
	if (t->ipc)
		return -ERR_BUSY;
	uint64_t pages = size / PAGE_SIZE;
	uint64_t ppn = pmm_alloc_contig(pages);
	if (!ppn)
		return -ERR_NOMEM;
	uint64_t pa = ppn << PAGE_SHIFT;
	struct ipc_state *s = kmalloc(sizeof(*s));
	unsigned ninflight = n < MAX_INFLIGHT ? n : MAX_INFLIGHT;
	struct ipc_inflight *inf = kmalloc(ninflight * sizeof(*inf));
	if (!s || !inf || ((pa >> 30) != ((pa + size - 1) >> 30))) {
		err = -ERR_NOMEM;
		goto fail;
	}
	for (uint64_t i = 0; i < pages; i++)
		pmm_zero(ppn + i);
	/* PTE_DEVICE: the task's mem_free unmaps but never frees these pages. */
	err = vm_map_phys(&t->vs, va, pa, size, MEM_R | MEM_W, PTE_DEVICE);
	if (err)
		goto fail;
	s->area_pa = pa;
	s->area_va = va;
	s->area_size = size;
	s->inflight = inf;
	s->ninflight = ninflight;
	s->pending_tail = &s->pending;
	s->owner = t;
	ipc_view_init(&s->v, kmap(KMAP_IPC_SRC, pa), n);
	spin_lock(&ipc_lock);
	t->ipc = s;
	s->next = ipc_all;
	ipc_all = s;
	spin_unlock(&ipc_lock);
	return 0;
fail:
	kfree(inf);
	kfree(s);
	for (uint64_t i = 0; i < pages; i++)
		pmm_free(ppn + i);
	return err;
}

/* ipc_lock held: `t` sleeps in io_wait and should return now.  Inside a
 * send-and-wait (ipc_call) the first such task that last ran on this hart
 * is only remembered (hart, pinned: read without sched_lock, a hint that
 * sched_handoff checks again): the caller hands it the hart or wakes it when
 * it is done. */
static void
wake_iowait(struct task *t)
{
	struct hart *h = this_hart();

	if (h->handoff_open && t->iowait && (!h->handoff || h->handoff == t) &&
	    t->hart == h->index && (t->pinned < 0 || (unsigned)t->pinned == h->index)) {
		h->handoff = t;
		return;
	}
	spin_lock(&sched_lock);
	if (t->iowait && t->state == TASK_SLEEPING) {
		t->iowait = 0;
		int w = ipc_rx_waiting(ipc_view(t->ipc, KMAP_IPC_DST));
		t->frame.x[10] = (uint64_t)(w < 0 ? -ERR_INVAL : w);
		sched_wakeup(t);
	}
	spin_unlock(&sched_lock);
}

/* ipc_lock held.  Reserve the receive slot of `to`: 0 and *slot, or
 * -ERR_AGAIN (ring full) or -ERR_INVAL (ring corrupt). */
static int
rx_reserve(struct task *to, uint32_t *slot)
{
	struct ipc_view *v = ipc_view(to->ipc, KMAP_IPC_DST);
	int room = ipc_rx_room(v);

	if (room < 0)
		return -ERR_INVAL;
	if (room == 0)
		return -ERR_AGAIN;
	return ipc_rx_slot(v, slot) < 0 ? -ERR_INVAL : 0;
}

/* ipc_lock held: write *p into the reserved slot of `to` and publish it. */
static void
rx_commit(struct task *to, uint32_t slot, const struct ts_packet *p)
{
	struct ipc_view *v = ipc_view(to->ipc, KMAP_IPC_DST);

	/* The header and the name bytes in use (name_len was checked). */
	memcpy(&v->slots[slot], p, offsetof(struct ts_packet, name) + p->name_len);
	ipc_rx_push(v);
	wake_iowait(to);
}

/* ipc_lock held: a packet made by the kernel into `to`'s ring. */
static int
rx_put(struct task *to, const struct ts_packet *p)
{
	uint32_t slot;
	int err = rx_reserve(to, &slot);

	if (!err)
		rx_commit(to, slot, p);
	return err;
}

static void
kpacket(struct ts_packet *p, ts_addr addr, uint64_t id, uint64_t handle, int32_t status,
	uint16_t opcode, uint16_t flags)
{
	memset(p, 0, offsetof(struct ts_packet, name));
	p->addr = addr;
	p->id = id;
	p->handle = handle;
	p->status = status;
	p->opcode = opcode;
	p->flags = flags | PKT_KERNEL;
}

/* ipc_lock held: deliver what the kernel owes `t` while its ring has room. */
void
ipc_flush_pending(struct task *t)
{
	struct ipc_state *s = t->ipc;
	struct ts_packet p;

	while (s->pending) {
		struct kmsg *m = s->pending;
		kpacket(&p, m->addr, m->id, m->handle, m->status, m->opcode, m->flags);
		if (rx_put(t, &p) < 0)
			return;
		s->pending = m->next;
		if (!s->pending)
			s->pending_tail = &s->pending;
		kfree(m);
	}
	for (unsigned i = 0; s->ndead && i < s->ninflight; i++) {
		struct ipc_inflight *r = &s->inflight[i];
		if (!r->server || !r->dead)
			continue;
		kpacket(&p, (ts_addr)r->server, r->id, 0, -ERR_CLOSED, r->opcode, PKT_REPLY);
		if (rx_put(t, &p) < 0)
			return;
		r->server = 0;
		r->dead = 0;
		s->ndead--;
	}
}

/* ipc_lock held: queue kernel message `m` for `t` (taking ownership). */
void
ipc_kmsg_send(struct task *t, struct kmsg *m)
{
	if (!t || !t->ipc) {
		kfree(m);
		return;
	}
	m->next = NULL;
	*t->ipc->pending_tail = m;
	t->ipc->pending_tail = &m->next;
	ipc_flush_pending(t);
}

/* The in-flight table is probed from the id's home entry (ninflight is a
 * power of two), so a look-up by id usually touches one entry; a free entry
 * is not a stop mark, so a miss scans the table. */
static struct ipc_inflight *
inflight_find(struct ipc_state *s, long server, uint64_t id)
{
	unsigned mask = s->ninflight - 1;

	for (unsigned k = 0; k < s->ninflight; k++) {
		struct ipc_inflight *r = &s->inflight[(id + k) & mask];
		if (r->server == server && r->id == id && !r->dead)
			return r;
	}
	return NULL;
}

static struct ipc_inflight *
inflight_free_entry(struct ipc_state *s, uint64_t id)
{
	unsigned mask = s->ninflight - 1;

	for (unsigned k = 0; k < s->ninflight; k++) {
		struct ipc_inflight *r = &s->inflight[(id + k) & mask];
		if (!r->server)
			return r;
	}
	return NULL;
}

/* What a routed packet needs, decided before anything changes. */
struct route {
	struct task *to;		/* receiver */
	struct task *client;		/* whose request is in flight (or NULL) */
	struct ipc_inflight *rec;	/* reply: the record to clear */
	struct ipc_inflight *newrec;	/* request: the record to fill */
	ts_addr from;			/* what the receiver sees as sender */
	ts_addr origin;
	uint32_t slot;
	struct ts_range range;
	int use_range;
	int bookkeeping;		/* 0: a sandboxed task's packet to its host */
};

/* Decide and check the data transfer of `p` from `t` into `r->to`. */
static int
check_data(struct task *t, const struct ts_packet *p, struct route *r)
{
	unsigned mode = p->flags & PKT_DATA_MASK;

	if (mode == PKT_DATA_NONE || p->len == 0)	/* an empty copy needs no range */
		return 0;
	int e = ipc_range_peek(ipc_view(r->to->ipc, KMAP_IPC_DST), &r->range);
	if (e == -ERR_NOENT)
		return -ERR_AGAIN;
	if (e < 0)
		return -ERR_INVAL;
	if (r->range.size < ((p->len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)))
		return -ERR_TOOBIG;
	r->use_range = 1;
	if (mode == PKT_DATA_COPY)
		return p->len ? vm_xfer_check(&t->vs, p->data, p->len, PTE_R, 0) : 0;
	if (mode == PKT_DATA_MOVE)
		return vm_xfer_check(&t->vs, p->data, p->len, PTE_R, 1);
	return vm_xfer_check(&t->vs, p->data, p->len,
			     (p->flags & PKT_SHARE_RO) ? PTE_R : PTE_R | PTE_W, 0);
}

static int
do_data(struct task *t, struct ts_packet *p, struct route *r)
{
	unsigned mode = p->flags & PKT_DATA_MASK;
	unsigned prot = MEM_R | MEM_W;

	if (!r->use_range) {
		p->data = 0;
		return 0;
	}
	if (mode == PKT_DATA_SHARE && (p->flags & PKT_SHARE_RO))
		prot = MEM_R;
	int err = vm_xfer(mode == PKT_DATA_COPY ? VM_COPY :
			  mode == PKT_DATA_MOVE ? VM_MOVE : VM_SHARE,
			  &t->vs, p->data, p->len, &r->to->vs, r->range.va, prot);
	if (err)
		return err;	/* the range stays posted */
	ipc_range_advance(ipc_view(r->to->ipc, KMAP_IPC_DST));
	p->data = r->range.va;
	return 0;
}

/* ipc_lock held: packets addressed to the kernel. */
static int
kernel_op(struct task *t, const struct ts_packet *p)
{
	struct ts_packet reply;
	uint32_t slot;

	if (p->flags & (PKT_REPLY | PKT_DATA_MASK))
		return -ERR_INVAL;
	if (p->opcode != OP_WATCH && p->opcode != OP_UNWATCH)
		return -ERR_NOTSUP;
	int err = rx_reserve(t, &slot);
	if (err)
		return err;
	err = p->opcode == OP_WATCH ? ipc_watch_add(t, (long)p->handle)
				    : ipc_watch_remove(t, (long)p->handle);
	if (err)
		return err;
	kpacket(&reply, IPC_ADDR_KERNEL, p->id, p->handle, 0, p->opcode, PKT_REPLY);
	rx_commit(t, slot, &reply);
	return 0;
}

/* Decide who receives packet *p from `t` and as whom it arrives: the task
 * `addr`, or the sandbox host; a host's PKT_FORWARD arrives as sent by the
 * sandboxed task `origin`. */
static int
route_target(struct task *t, const struct ts_packet *p, struct route *r)
{
	long dest = (long)p->addr;

	r->from = (ts_addr)t->tid;
	r->client = t;
	r->bookkeeping = 1;
	if (t->host && !(p->flags & PKT_FORWARD)) {
		/* Sandboxed: everything goes to the host, as sent. */
		r->origin = p->addr;
		dest = t->host;
		r->bookkeeping = 0;
	} else if (p->flags & PKT_FORWARD) {
		struct task *o = ipc_task((long)p->origin);
		if (!o || o->host != t->tid)
			return -ERR_PERM;
		r->from = (ts_addr)o->tid;
		r->client = o;
	}
	r->to = ipc_task(dest);
	return r->to ? 0 : -ERR_SRCH;
}

/* Group rules and the in-flight records: a reply must answer a request in
 * flight; a request needs a free record under its client.  A request a
 * sandboxed task sends is recorded as one to its host until the host
 * forwards it (then the record follows it). */
static int
route_records(struct task *t, const struct ts_packet *p, struct route *r)
{
	int reply = p->flags & PKT_REPLY;

	if (r->bookkeeping && !reply && r->to->group->closed && r->to->group != r->client->group)
		return -ERR_PERM;
	if (reply) {
		if (r->bookkeeping && !(r->rec = inflight_find(r->to->ipc, (long)r->from, p->id)))
			return -ERR_INVAL;	/* no such request in flight */
		return 0;
	}
	if (p->flags & PKT_FORWARD)
		r->rec = inflight_find(r->client->ipc, t->tid, p->id);
	if (!r->rec && !(r->newrec = inflight_free_entry(r->client->ipc, p->id)))
		return -ERR_AGAIN;
	return 0;
}

/* Everything is checked: record the request or clear its record, track
 * CLOSE, and publish the packet to the receiver. */
static void
route_commit(struct ts_packet *p, struct route *r)
{
	if (p->flags & PKT_REPLY) {
		if (r->bookkeeping)
			r->rec->server = 0;
	} else {
		struct ipc_inflight *rec = r->rec ? r->rec : r->newrec;
		rec->server = r->to->tid;
		rec->id = p->id;
		rec->opcode = p->opcode;
		rec->dead = 0;
		if (r->bookkeeping && p->opcode == OP_CLOSE && p->handle)
			ipc_session_close(r->client, r->to->tid, p->handle);
	}
	p->addr = r->from;
	p->origin = r->origin;
	p->flags &= (uint16_t)~PKT_FORWARD;
	rx_commit(r->to, r->slot, p);
}

/* ipc_lock held.  Route packet *p (a checked copy) sent by `t`.  Returns 0
 * when delivered, else the error for the completion (nothing changed). */
static int
route(struct task *t, struct ts_packet *p)
{
	struct route r = { 0 };
	struct ipc_session *sess = NULL;
	int err;

	if (p->addr == IPC_ADDR_KERNEL && !t->host)
		return kernel_op(t, p);
	if ((err = route_target(t, p, &r)) < 0 || (err = route_records(t, p, &r)) < 0 ||
	    (err = rx_reserve(r.to, &r.slot)) < 0 || (err = check_data(t, p, &r)) < 0)
		return err;
	if (r.bookkeeping && (p->flags & PKT_REPLY) && p->opcode == OP_OPEN && p->status >= 0 &&
	    !(sess = ipc_session_new((long)r.from, p->handle, r.to)))
		return -ERR_NOMEM;
	/* Act: only the data transfer can still fail, and it undoes itself. */
	if ((err = do_data(t, p, &r)) < 0) {
		ipc_session_free(sess);
		return err;
	}
	if (sess)
		ipc_session_attach(r.to, sess);
	route_commit(p, &r);
	return 0;
}

/* ipc_lock held: check and route packet *p (a copy) sent by `t`; 0 when
 * delivered, else the error for its completion. */
static int
send_packet(struct task *t, struct ts_packet *p)
{
	const char *why = "";
	int err = ipc_packet_check(p, &why);

	return err ? err : route(t, p);
}

/* ipc_lock held: the error completion of packet *p into t's own ring; 0, or
 * -ERR_AGAIN when even that ring is full. */
static int
complete_error(struct task *t, const struct ts_packet *p, int err)
{
	struct ts_packet c;

	kpacket(&c, p->addr, p->id, p->handle, err, p->opcode, PKT_REPLY);
	return rx_put(t, &c);
}

/* ipc_lock held.  Drain t's transmit ring; returns packets consumed or a
 * negative error when the ring itself is corrupt. */
long
ipc_flush_locked(struct task *t)
{
	struct ipc_state *s = t->ipc;
	struct ts_packet p;
	long done = 0;

	ipc_flush_pending(t);
	int n = ipc_tx_pending(ipc_view(s, KMAP_IPC_SRC));
	if (n < 0)
		return n;
	while (n-- > 0) {
		uint32_t slot;
		struct ipc_view *v = ipc_view(s, KMAP_IPC_SRC);
		int err = ipc_tx_peek(v, &slot);
		if (err == 0) {
			ipc_packet_fetch(v, slot, &p);
			err = send_packet(t, &p);
		} else {
			memset(&p, 0, sizeof(p));
		}
		if (err < 0 && complete_error(t, &p, err) < 0)
			break;	/* no room even for the completion: retry later */
		ipc_tx_advance(ipc_view(s, KMAP_IPC_SRC));
		done++;
	}
	return done;
}

long
ipc_flush(struct task *t)
{
	if (!t->ipc)
		return -ERR_INVAL;
	spin_lock(&ipc_lock);
	long r = ipc_flush_locked(t);
	spin_unlock(&ipc_lock);
	return r;
}

/* ipc_lock held, released here.  Return the packets waiting in t's receive
 * ring, or sleep until one arrives (or timeout_ns, or a notification), handing
 * the hart to `to` if the caller's send woke it (see ipc_call). */
static long
wait_or_handoff(struct task *t, uint64_t timeout_ns, struct task *to)
{
	int waiting = ipc_rx_waiting(ipc_view(t->ipc, KMAP_IPC_SRC));

	if (waiting != 0 || timeout_ns == 0 || t->notify_pending) {
		if (to)
			wake_iowait(to);
		spin_unlock(&ipc_lock);
		return waiting < 0 ? -ERR_INVAL : waiting;
	}
	uint64_t to_a0 = 0;
	if (to) {
		int w = ipc_rx_waiting(ipc_view(to->ipc, KMAP_IPC_DST));
		to_a0 = (uint64_t)(w < 0 ? -ERR_INVAL : w);
	}
	uint64_t ticks = ns_to_ticks(timeout_ns), now = rdtime();
	uint64_t until = ticks > UINT64_MAX / 2 - now ? UINT64_MAX / 2 : now + ticks;
	t->frame.x[10] = 0;
	t->iowait = 1;
	sched_handoff(t, until, &ipc_lock, to, to_a0);
}

long
ipc_io_wait(struct task *t, uint64_t timeout_ns)
{
	if (!t->ipc)
		return -ERR_INVAL;
	spin_lock(&ipc_lock);
	long r = ipc_flush_locked(t);
	if (r < 0) {
		spin_unlock(&ipc_lock);
		return r;
	}
	return wait_or_handoff(t, timeout_ns, NULL);
}

long
ipc_call(struct task *t, unsigned slot, uint64_t timeout_ns, int reply)
{
	struct ipc_state *s = t->ipc;
	struct ts_packet p;

	if (!s)
		return -ERR_INVAL;
	int none = reply && slot == IPC_SLOT_NONE;
	if (!none && slot >= 2 * s->v.n)
		return -ERR_INVAL;	/* not a slot of the area (the ring's rule) */
	spin_lock(&ipc_lock);
	if (!none) {
		ipc_packet_fetch(ipc_view(s, KMAP_IPC_SRC), slot, &p);
		if (!(p.flags & PKT_REPLY) != !reply) {
			spin_unlock(&ipc_lock);
			return -ERR_INVAL;	/* a reply to ipc_call, a request to reply_wait */
		}
	}
	struct hart *h = this_hart();
	h->handoff_open = 1;
	h->handoff = NULL;
	long r = ipc_flush_locked(t);	/* what the ring holds goes first */
	if (r >= 0 && !none) {
		int err = send_packet(t, &p);
		if (err < 0 && complete_error(t, &p, err) < 0)
			r = -ERR_AGAIN;	/* own receive ring full: nothing sent */
	}
	h->handoff_open = 0;
	struct task *to = h->handoff;
	if (r < 0) {
		if (to)
			wake_iowait(to);
		spin_unlock(&ipc_lock);
		return r;
	}
	return wait_or_handoff(t, timeout_ns, to);
}

/* ipc_lock held: the receive-ring waiting count, for a notified waker. */
void
ipc_wake(struct task *t)
{
	if (t->ipc)
		wake_iowait(t);
}
