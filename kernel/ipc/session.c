/*
 * Connection lifetime: sessions (a successful OPEN reply until CLOSE),
 * watches, and what happens when a task ends: every server it had a session
 * with and every watcher gets TERMINATE, every request in flight to it
 * completes with -ERR_CLOSED.  Each TERMINATE is allocated when the session
 * or watch is made, so a death never needs memory.
 */
#include <stdint.h>
#include <tessera/errors.h>
#include <kernel/ipc.h>
#include <kernel/ipc_route.h>
#include <kernel/kheap.h>
#include <kernel/memlayout.h>
#include <kernel/pmm.h>
#include <kernel/task.h>

#define MAX_SESSIONS 256	/* per client */
#define MAX_WATCHES 256		/* per watcher */

static struct ipc_watch *watches;

static struct kmsg *
term_msg(long dead, uint64_t handle)
{
	struct kmsg *m = kmalloc(sizeof(*m));

	if (m) {
		m->addr = (ts_addr)dead;
		m->handle = handle;
		m->opcode = OP_TERMINATE;
		m->flags = PKT_KERNEL;
	}
	return m;
}

struct ipc_session *
ipc_session_new(long server, uint64_t handle, struct task *client)
{
	unsigned n = 0;

	for (struct ipc_session *s = client->ipc->sessions; s; s = s->next)
		n++;
	if (n >= MAX_SESSIONS)
		return NULL;
	struct ipc_session *s = kmalloc(sizeof(*s));
	struct kmsg *m = term_msg(client->tid, handle);
	if (!s || !m) {
		kfree(s);
		kfree(m);
		return NULL;
	}
	s->server = server;
	s->handle = handle;
	s->term = m;
	return s;
}

void
ipc_session_free(struct ipc_session *s)
{
	if (s) {
		kfree(s->term);
		kfree(s);
	}
}

void
ipc_session_attach(struct task *client, struct ipc_session *s)
{
	s->next = client->ipc->sessions;
	client->ipc->sessions = s;
}

void
ipc_session_close(struct task *client, long server, uint64_t handle)
{
	for (struct ipc_session **pp = &client->ipc->sessions; *pp; pp = &(*pp)->next) {
		struct ipc_session *s = *pp;
		if (s->server == server && s->handle == handle) {
			*pp = s->next;
			ipc_session_free(s);
			return;
		}
	}
}

int
ipc_watch_add(struct task *t, long target)
{
	unsigned n = 0;

	if (target == t->tid || !task_live(target))
		return target == t->tid ? -ERR_INVAL : -ERR_SRCH;
	for (struct ipc_watch *w = watches; w; w = w->next)
		if (w->watcher == t->tid)
			n++;
	if (n >= MAX_WATCHES)
		return -ERR_NOMEM;
	struct ipc_watch *w = kmalloc(sizeof(*w));
	struct kmsg *m = term_msg(target, (uint64_t)target);
	if (!w || !m) {
		kfree(w);
		kfree(m);
		return -ERR_NOMEM;
	}
	w->watcher = t->tid;
	w->target = target;
	w->term = m;
	w->next = watches;
	watches = w;
	return 0;
}

int
ipc_watch_remove(struct task *t, long target)
{
	for (struct ipc_watch **pp = &watches; *pp; pp = &(*pp)->next) {
		struct ipc_watch *w = *pp;
		if (w->watcher == t->tid && w->target == target) {
			*pp = w->next;
			kfree(w->term);
			kfree(w);
			return 0;
		}
	}
	return -ERR_NOENT;
}

/* ipc_lock held: TERMINATE to the servers of `t`'s sessions. */
static void
end_sessions(struct task *t, struct ipc_state *s)
{
	while (s->sessions) {
		struct ipc_session *x = s->sessions;
		s->sessions = x->next;
		ipc_kmsg_send(ipc_task(x->server), x->term);
		kfree(x);
	}
	/* Sessions others opened with `t` as the server are gone too. */
	for (struct ipc_state *c = ipc_all; c; c = c->next) {
		struct ipc_session **pp = &c->sessions;
		while (*pp) {
			if ((*pp)->server == t->tid) {
				struct ipc_session *x = *pp;
				*pp = x->next;
				ipc_session_free(x);
			} else {
				pp = &(*pp)->next;
			}
		}
	}
}

/* ipc_lock held: requests in flight to `t` complete with -ERR_CLOSED. */
static void
fail_inflight(struct task *t)
{
	for (struct ipc_state *c = ipc_all; c; c = c->next) {
		int any = 0;
		for (unsigned i = 0; i < c->ninflight; i++) {
			struct ipc_inflight *r = &c->inflight[i];
			if (r->server == t->tid && !r->dead) {
				r->dead = 1;
				c->ndead++;
				any = 1;
			}
		}
		if (any && c->owner != t)
			ipc_flush_pending(c->owner);
	}
}

static void
end_watches(struct task *t)
{
	struct ipc_watch **pp = &watches;

	while (*pp) {
		struct ipc_watch *w = *pp;
		if (w->target == t->tid || w->watcher == t->tid) {
			*pp = w->next;
			if (w->target == t->tid)
				ipc_kmsg_send(ipc_task(w->watcher), w->term);
			else
				kfree(w->term);
			kfree(w);
		} else {
			pp = &w->next;
		}
	}
}

void
ipc_task_exit(struct task *t)
{
	spin_lock(&ipc_lock);
	struct ipc_state *s = t->ipc;
	svc_task_exit(t->tid);
	irq_task_exit(t);
	end_watches(t);
	if (!s) {
		spin_unlock(&ipc_lock);
		return;
	}
	for (struct ipc_state **pp = &ipc_all; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	t->ipc = NULL;
	end_sessions(t, s);
	fail_inflight(t);
	while (s->pending) {
		struct kmsg *m = s->pending;
		s->pending = m->next;
		kfree(m);
	}
	spin_unlock(&ipc_lock);
	for (uint64_t off = 0; off < s->area_size; off += PAGE_SIZE)
		pmm_free((s->area_pa + off) >> PAGE_SHIFT);
	kfree(s->inflight);
	kfree(s);
}
