/*
 * dux: the OS library over Tessera's IPC area.  User programs touch the IPC
 * ABI (<tessera/ipc.h>) only through these calls.  One IPC area per task;
 * dux keeps its state in static variables and is not re-entrant: a
 * notification handler must not call dux (it may set flags, count, call
 * plain system calls such as sys_irq_complete).
 *
 * How to use
 *
 *   dux_init(64);                        area at DUX_AREA_VA, 64 ring entries
 *                                        (128 slots), 16 receive ranges posted
 *   Client, one call at a time:
 *     struct ts_packet req = { .opcode = OP_ECHO }, rep;
 *     dux_set_name(&req, "hi", 2);
 *     r = dux_call(server, &req, &rep, timeout_ns);   r = rep.status or
 *                                                     -ERR_TIMEOUT
 *   Client, many in flight:
 *     p = dux_alloc(); fill p (addr is set by dux_request); id = dux_request(to, p);
 *     ... dux_wait(timeout) ...; while ((q = dux_recv())) { match q->id; dux_done(q); }
 *   Server, reply-and-wait (one request at a time, the fast path):
 *     r = NULL; for (;;) { dux_reply_wait(r, DUX_FOREVER); r = NULL;
 *       while ((req = dux_recv())) { if (r) dux_send(r); r = dux_alloc();
 *         dux_reply_init(r, req, status); ...; dux_done(req); } }
 *   Server:
 *     for (;;) { dux_wait(DUX_FOREVER);
 *       while ((req = dux_recv())) {
 *         dux_reply(req, status, name, len);      or: r = dux_alloc();
 *                                                 dux_reply_init(r, req, status);
 *                                                 ...; dux_send(r);
 *         dux_done(req); } }
 *
 * Slots: the area has 2N slots; N are always posted in the receive ring and
 * N belong to the task.  A task-owned slot is free, allocated (dux_alloc,
 * until dux_send), in the transmit ring (until the kernel consumes it at the
 * next dux_flush/dux_wait), or a received packet the task holds (dux_recv,
 * until dux_done).  dux_recv swaps a free slot into the receive ring in place
 * of the packet it returns, so a task may hold several received packets; it
 * returns NULL when no free slot is left for that swap.
 *
 * Data: PKT_DATA_COPY / MOVE / SHARE (+ PKT_SHARE_RO) in `flags`, the buffer
 * in `data`/`len` (MOVE and SHARE: page aligned).  On receipt `data` is an
 * address in one of the receiver's posted ranges; the kernel takes a whole
 * range per packet with data.  dux_data_free() unmaps those pages and posts
 * the range again.  A reply with COPY data is copied when the kernel
 * consumes it: keep the buffer until dux_flush()/dux_wait() has returned.
 *
 * Errors: calls return -ERR_* (<tessera/errors.h>).  A packet the kernel
 * refuses comes back as an error completion: flags PKT_REPLY | PKT_KERNEL,
 * the same id and opcode, status -ERR_*, addr = the original destination.
 */
#ifndef DUX_DUX_H
#define DUX_DUX_H

#include <stddef.h>
#include <stdint.h>
#include <tessera/ipc.h>
#include <tessera/syscall.h>

#define DUX_AREA_VA	  0x3000000000ul	/* the IPC area */
#define DUX_RANGE_VA	  0x3100000000ul	/* default receive ranges, upward */
#define DUX_RANGE_SIZE	  (1ul << 20)
#define DUX_RANGES	  16u			/* posted by dux_init */
#define DUX_FOREVER	  UINT64_MAX		/* timeout: wait without end */

/* Set up the IPC area with n ring entries (power of two, 1..512) and post
 * DUX_RANGES receive ranges of DUX_RANGE_SIZE.  Once per task; 0 or -ERR_*. */
int dux_init(unsigned n);
/* The same with receive ranges of range_size bytes (page multiple, up to
 * IPC_MOVE_MAX): for tasks that receive large MOVE/SHARE data, such as a
 * whole framebuffer by OP_MAP.  The ranges take DUX_RANGES * range_size
 * bytes of address space from DUX_RANGE_VA (at most 1 GiB). */
int dux_init_ranges(unsigned n, uint64_t range_size);

/* A free slot with its first 128 bytes (everything but `name`) zeroed, or
 * NULL when the task owns no free slot even after a flush. */
struct ts_packet *dux_alloc(void);
/* Queue an allocated slot on the transmit ring (delivered at the next
 * dux_flush/dux_wait); the slot is the kernel's until then. */
void dux_send(struct ts_packet *p);
/* Deliver the transmit ring now; returns packets consumed or -ERR_*. */
long dux_flush(void);
/* Flush, then sleep until a packet waits, a notification fires or
 * timeout_ns passes (0 = poll).  Returns packets waiting (parked ones
 * included), 0 on timeout, or -ERR_*. */
long dux_wait(uint64_t timeout_ns);

/* The next received packet (parked ones first) or NULL.  The caller owns it
 * until dux_done(). */
struct ts_packet *dux_recv(void);
/* Give back a received (or allocated, unsent) slot. */
void dux_done(struct ts_packet *p);

/* Set p's destination and a fresh id, send; returns the id. */
uint64_t dux_request(ts_addr to, struct ts_packet *p);
/* Send a copy of `req` (header and name) to `to` and wait up to timeout_ns
 * for its reply, copied to *reply.  The request goes with send-and-wait
 * (sys_ipc_call) after what the transmit ring holds, so a server waiting on
 * this hart runs at once.  Other packets that arrive meanwhile are
 * parked for dux_recv.  Returns reply->status, -ERR_TIMEOUT (the reply, if
 * it comes later, is then returned by dux_recv), or -ERR_AGAIN when no slot
 * is free (reply untouched).  After any other failure the header of *reply
 * is zero, so dux_data_free(reply) frees nothing. */
int dux_call(ts_addr to, const struct ts_packet *req, struct ts_packet *reply,
	     uint64_t timeout_ns);
/* A slot filled as the reply to req (dux_reply_init), for a server that
 * holds req (dux_recv'd, not yet dux_done): a free slot, or, when none is
 * left, req's own slot (its data freed first; the dux_done(req) that
 * follows is then skipped), so that every request gets its reply.  NULL
 * only when req is not a slot the task holds and no slot is free. */
struct ts_packet *dux_reply_alloc(struct ts_packet *req, int status);
/* Reply-and-wait: send reply `r` (a dux_alloc'd slot, filled; NULL for
 * none) after the transmit ring, then wait as dux_wait(timeout_ns).  The
 * client the reply wakes gets the hart at once when it waits on this hart
 * (sys_ipc_reply_wait).  r's slot is free again on return, whatever the
 * result.  Returns packets waiting (parked ones included), or -ERR_INVAL (r
 * is not a reply: nothing sent), -ERR_AGAIN (r was refused and the error
 * completion found the receive ring full: nothing sent). */
long dux_reply_wait(struct ts_packet *r, uint64_t timeout_ns);
/* Fill r as the reply to req: addr, id, opcode, handle, PKT_REPLY, status. */
void dux_reply_init(struct ts_packet *r, const struct ts_packet *req, int status);
/* Send a reply carrying `name` (may be NULL), in a slot from
 * dux_reply_alloc (so it always has one when req is a held slot).  0,
 * -ERR_AGAIN (no slot: req is not a slot the task holds), -ERR_TOOBIG (name
 * over IPC_NAME_MAX). */
int dux_reply(const struct ts_packet *req, int status, const void *name, size_t name_len);
/* Send a reply whose data is `len` bytes at `data`, COPY (len may be 0).  The
 * kernel reads the buffer when it consumes the reply: keep it unchanged until
 * a dux_flush()/dux_wait() after which dux_tx_pending() is 0.  0 or
 * -ERR_AGAIN (no slot: nothing sent). */
int dux_reply_data(const struct ts_packet *req, int status, const void *data, size_t len);
/* Copy a name into p (at most IPC_NAME_MAX bytes); 0 or -ERR_TOOBIG. */
int dux_set_name(struct ts_packet *p, const void *name, size_t len);

/* Service registry: the tid serving `name` or -ERR_NOENT; register the
 * caller as `name`. */
long dux_lookup(const char *name);
int dux_register(const char *name);
/* Register the first free name of prefix0, prefix1, ... (up to 63) and
 * leave it in name[n].  0 or -ERR_* (-ERR_EXIST when all are taken). */
int dux_register_first(const char *prefix, char *name, size_t n);

/* Post [va, va+size) (page aligned) for incoming data; dux remembers it so
 * that dux_data_free posts it again.  0, -ERR_INVAL, or -ERR_AGAIN when the
 * ranges ring is full. */
int dux_add_range(uint64_t va, uint64_t size);
/* Unmap the pages of a received packet's data and post again the range that
 * held them; then p's data flags are cleared (a second call is a no-op).
 * 0 (also when p has no data), -ERR_INVAL when p's data is not inside a
 * range dux posted (a packet the task built itself, or garbage: nothing is
 * unmapped), or -ERR_*. */
int dux_data_free(const struct ts_packet *p);
/* Post again the range that held p's data without unmapping anything: for
 * data the task has moved on (MOVE, once that send is flushed) or unmapped
 * itself.  0 (also when p has no data or the range is not dux's) or -ERR_*. */
int dux_range_return(const struct ts_packet *p);

/* Ask the kernel for a TERMINATE packet {addr = task, handle = task} when
 * `task` ends.  Returns the request id or -ERR_AGAIN. */
long dux_watch(ts_addr task);
/* The task whose end packet p reports for a watch: a TERMINATE of a watch
 * (addr = handle = the task), or a refused WATCH (status < 0: the task was
 * already gone).  Its id, or 0 when p is neither. */
ts_addr dux_watch_ended(const struct ts_packet *p);

/* Run fn(source, value) on [stack, stack+size) at each notification (IRQ
 * sources are IRQ_SOURCE(irq)); fn returns normally and dux resumes the
 * task.  fn = NULL removes the handler.  0 or -ERR_*. */
int dux_notify_handler(void (*fn)(uint64_t source, uint64_t value), void *stack,
		       size_t size);

/* Packets sent (dux_send) that the kernel has not consumed yet.  0 after a
 * flush means the COPY data of every reply sent so far has been read, so its
 * buffers may be reused. */
unsigned dux_tx_pending(void);

/* For tests and tools: free slots the task owns now (after reclaiming the
 * consumed transmit slots), the ring size N, and the area's header. */
unsigned dux_free_slots(void);
unsigned dux_nslots(void);
struct ts_ipc_hdr *dux_hdr(void);

#endif
