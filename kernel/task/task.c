/*
 * Tasks: spawn from the boot image or from an ELF image in a task's memory,
 * exit, kill, wait, listing; scheduling groups.
 *
 * Task ids: (generation << 12) | slot, so a stale id never names a new task
 * in the same slot.  A task that ends becomes a zombie until its parent
 * waits for it; a task whose parent is gone is freed at once.
 */
#include <stdint.h>
#include <tessera/abi.h>
#include <tessera/errors.h>
#include <kernel/elf.h>
#include <kernel/hart.h>
#include <kernel/initrd.h>
#include <kernel/ipc.h>
#include <kernel/kheap.h>
#include <kernel/memlayout.h>
#include <kernel/platform.h>
#include <kernel/pmm.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/task.h>

#define SLOT_BITS 12

struct spinlock sched_lock = SPINLOCK_INIT("sched");

static struct task *tasks[MAX_TASKS];	/* guarded by sched_lock */
static uint32_t gens[MAX_TASKS];
static unsigned ntasks;
static struct group root_group = { .id = 1, .ntasks = 0 };
static struct group *groups = &root_group;
static long next_gid = 2;
static long init_tid;		/* the first task: its end stops the node */

void
task_init(void)
{
	for (unsigned i = 0; i < MAX_TASKS; i++)
		gens[i] = 1;
}

struct group *
group_root(void)
{
	return &root_group;
}

/* sched_lock held. */
struct task *
task_lookup(long tid)
{
	if (tid <= 0)
		return NULL;
	unsigned slot = (unsigned)(tid & ((1 << SLOT_BITS) - 1));
	struct task *t = tasks[slot];
	return t && t->tid == tid ? t : NULL;
}

/* A task that has not ended, or NULL; takes sched_lock.  The caller keeps
 * it alive by holding ipc_lock (task_exit takes it first). */
struct task *
task_live(long tid)
{
	spin_lock(&sched_lock);
	struct task *t = task_lookup(tid);
	if (t && t->state == TASK_ZOMBIE)
		t = NULL;
	spin_unlock(&sched_lock);
	return t;
}

unsigned
task_count(void)
{
	return ntasks;
}

/* sched_lock held: drop the task from the table and free it. */
static void
reap(struct task *t)
{
	unsigned slot = (unsigned)(t->tid & ((1 << SLOT_BITS) - 1));

	tasks[slot] = NULL;
	gens[slot]++;
	ntasks--;
	kfree(t);
}

/* sched_lock held. */
static void
group_put(struct group *g)
{
	if (--g->ntasks || g->owner || g == &root_group)
		return;
	for (struct group **pp = &groups; *pp; pp = &(*pp)->next) {
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	}
	kfree(g);
}

/* Where a program's ELF image comes from: a boot-image file (physical
 * memory the kernel reads in place) or a range of a user task's memory
 * (task_spawn_image), copied in a page at a time through a bounce page. */
struct image_src {
	const struct initrd_file *f;	/* boot image, or NULL */
	struct task *from;		/* else: [uva, uva + size) of this task */
	uint64_t uva, size;
	uint8_t *hdr;			/* from != NULL: first bytes (headers) */
	size_t hdr_len;
};

/* Copy `n` bytes at offset `off` of the image to user address `va` of `vs`
 * (mapped by the loader, any protection).  0 or -ERR_*; -ERR_FAULT when the
 * source range of a user image is not readable. */
static int
image_fill(const struct image_src *src, struct vmspace *vs, uint64_t va, uint64_t off,
	   uint64_t n)
{
	if (src->f)
		return vm_fill(vs, va, src->f->pa + off, n);
	uint64_t bounce_pa;
	uint8_t *bounce = kheap_page_alloc(&bounce_pa);
	int err = 0;
	if (!bounce)
		return -ERR_NOMEM;
	while (n && !err) {
		uint64_t chunk = PAGE_SIZE - (va & (PAGE_SIZE - 1));
		if (chunk > n)
			chunk = n;
		err = vm_copyin(&src->from->vs, bounce, src->uva + off, chunk);
		if (!err)
			err = vm_fill(vs, va, bounce_pa, chunk);
		va += chunk;
		off += chunk;
		n -= chunk;
	}
	kheap_page_free(bounce);
	return err;
}

/* Build the address space of a new task from image `src`: segments from the
 * ELF image, a stack, and the arguments (name first, NUL-separated) copied to
 * the top of the stack. */
static int
load_program(struct task *t, const struct image_src *src, const char *args, size_t args_len)
{
	uint64_t va_limit = TS_USER_TOP - TS_STACK_SIZE - PAGE_SIZE;
	struct elf_info info;
	const char *why = "?";
	int err;

	if (src->f) {
		const struct initrd_file *f = src->f;
		if (f->size > GIGA_SIZE - (f->pa & (GIGA_SIZE - 1)))
			return -ERR_BADEXEC;
		err = elf_check(kmap(KMAP_DATA, f->pa), f->size, va_limit, &info, &why);
	} else {
		err = elf_check_prefix(src->hdr, src->hdr_len, src->size, va_limit, &info, &why);
	}
	if (err < 0) {
		printk("spawn %s: bad executable: %s\n", t->name, why);
		return -ERR_BADEXEC;
	}
	if ((err = vm_create(&t->vs)) < 0)
		return err;
	for (unsigned i = 0; i < info.nsegs; i++) {
		const struct elf_seg *s = &info.seg[i];
		if ((err = vm_alloc(&t->vs, s->vaddr, s->memsz, s->prot)) < 0 ||
		    (err = image_fill(src, &t->vs, s->file_va, s->file_off, s->filesz)) < 0)
			return err;
	}
	uint64_t stack = TS_STACK_TOP - TS_STACK_SIZE;
	if ((err = vm_alloc(&t->vs, stack, TS_STACK_SIZE, MEM_R | MEM_W)) < 0)
		return err;
	size_t name_len = strlen(t->name) + 1;
	uint64_t sp = (TS_STACK_TOP - name_len - args_len) & ~15ul;
	if ((err = vm_copyout(&t->vs, sp, t->name, name_len)) < 0 ||
	    (err = vm_copyout(&t->vs, sp + name_len, args, args_len)) < 0)
		return err;
	t->frame.sepc = info.entry;
	t->frame.x[2] = sp;
	t->frame.x[10] = sp;
	t->frame.x[11] = name_len + args_len;
	return 0;
}

/* Create a task named `name` from image `src`; see task_spawn. */
static long
spawn(const char *name, const struct image_src *src, const char *args, size_t args_len,
      struct task *parent, struct group *g, int priv, long host, int stopped)
{
	size_t nlen = strnlen(name, TS_NAME_MAX + 1);

	if (nlen == 0 || nlen > TS_NAME_MAX || args_len > TS_ARGS_MAX)
		return -ERR_INVAL;
	struct task *t = kmalloc(sizeof(*t));
	if (!t)
		return -ERR_NOMEM;
	memcpy(t->name, name, nlen);
	t->pinned = -1;
	t->priv = priv;
	t->host = host;
	int err = load_program(t, src, args, args_len);
	if (err < 0) {
		if (t->vs.root)
			vm_destroy(&t->vs);
		kfree(t);
		return err;
	}

	spin_lock(&sched_lock);
	unsigned slot;
	for (slot = 0; slot < MAX_TASKS && tasks[slot]; slot++)
		;
	if (slot == MAX_TASKS) {
		spin_unlock(&sched_lock);
		vm_destroy(&t->vs);
		kfree(t);
		return -ERR_NOMEM;
	}
	t->tid = ((long)gens[slot] << SLOT_BITS) | slot;
	tasks[slot] = t;
	ntasks++;
	t->parent = parent ? parent->tid : 0;
	if (parent)
		parent->nchildren++;
	t->group = g;
	g->ntasks++;
	t->hart = parent ? parent->hart : this_hart()->index;
	t->vruntime = g->min_vruntime;
	t->state = TASK_SLEEPING;	/* not runnable yet: enqueue activates */
	t->stopped = stopped;
	if (!stopped)
		sched_wakeup(t);
	long tid = t->tid;
	if (!parent)
		init_tid = tid;
	spin_unlock(&sched_lock);
	return tid;
}

long
task_spawn(const char *name, const char *args, size_t args_len,
	   struct task *parent, struct group *g, int priv, long host, int stopped)
{
	struct initrd_file f;
	struct image_src src = { .f = &f };
	size_t nlen = strnlen(name, TS_NAME_MAX + 1);

	if (nlen == 0 || nlen > TS_NAME_MAX || args_len > TS_ARGS_MAX)
		return -ERR_INVAL;
	if (initrd_find(name, &f) < 0)
		return -ERR_NOENT;
	return spawn(name, &src, args, args_len, parent, g, priv, host, stopped);
}

long
task_spawn_image(const char *name, uint64_t uva, uint64_t size, const char *args,
		 size_t args_len, struct task *parent, struct group *g, int priv, long host,
		 int stopped)
{
	struct image_src src = { .from = parent, .uva = uva, .size = size };

	if (size > TS_IMAGE_MAX)
		return -ERR_TOOBIG;
	src.hdr_len = size < TS_IMAGE_HDR_MAX ? size : TS_IMAGE_HDR_MAX;
	if (!(src.hdr = kmalloc(TS_IMAGE_HDR_MAX)))
		return -ERR_NOMEM;
	long r = vm_copyin(&parent->vs, src.hdr, uva, src.hdr_len);
	if (r == 0)
		r = spawn(name, &src, args, args_len, parent, g, priv, host, stopped);
	kfree(src.hdr);
	return r;
}

/* sched_lock held.  `child` ended: hand its status to a waiting parent, keep
 * it as a zombie for a parent that will wait, or free it. */
static void
notify_parent(struct task *child)
{
	struct task *p = task_lookup(child->parent);

	if (!p) {
		reap(child);
		return;
	}
	if (p->state == TASK_WAITING && (p->wait_for == child->tid || p->wait_for == -1)) {
		if (p->wait_status_uva) {
			int st = child->exit_status;
			vm_copyout(&p->vs, p->wait_status_uva, &st, sizeof(st));
		}
		p->frame.x[10] = 0;
		p->nchildren--;
		reap(child);
		sched_wakeup(p);
	}
}

/*
 * The first task ended (its address space is gone): the node stops, with
 * status 0 if it ended normally, else 98.  When a volume is mounted, the
 * boot image's `shutdown` program is started first as the new first task
 * (privileged, the status as its argument) to flush every volume and power
 * off; its own end powers off at once.  Without volumes, or if it cannot
 * start, the power-off is immediate.
 */
static void
init_ended(struct task *t, int status)
{
	static int shutting_down;
	int code = status == 0 ? 0 : 98;
	const char *arg = code ? "98" : "0";

	if (shutting_down || !svc_any_mount()) {
		printk("%s (%s) ended with status %d: powering off\n",
		       shutting_down ? "shutdown" : "init", t->name, status);
		/* shutdown's own status (0..255) when it ends instead of
		 * powering off itself. */
		platform_poweroff(shutting_down && status >= 0 && status < 256 ? status : code);
	}
	shutting_down = 1;
	long tid = task_spawn("shutdown", arg, strlen(arg) + 1, NULL, group_root(), 1, 0, 0);
	if (tid < 0) {
		printk("init (%s) ended with status %d: no shutdown program (%s): powering off\n",
		       t->name, status, ts_strerror(tid));
		platform_poweroff(code);
	}
	printk("init (%s) ended with status %d: shutdown (tid %ld) flushes the volumes\n",
	       t->name, status, tid);
}

void
task_exit(struct task *t, int status)
{
	struct hart *h = this_hart();

	if (h->cur != t)
		panic("task_exit: task %ld is not running here", t->tid);
	klog_task_exit(t);	/* the console owner ends: the kernel takes the UART back */
	ipc_task_exit(t);
	vm_switch(NULL);
	vm_destroy(&t->vs);
	for (unsigned i = 0; i < t->npins; i++)
		if (page_unshare(t->pins[i] >> PAGE_SHIFT) == 0)
			pmm_free(t->pins[i] >> PAGE_SHIFT);
	kfree(t->pins);
	if (t->tid == init_tid)
		init_ended(t, status);

	spin_lock(&sched_lock);
	sched_account(t);
	h->cur = NULL;
	h->frame = NULL;
	t->group->nrunnable--;
	group_put(t->group);
	t->group = NULL;
	group_owner_exit(t->tid);
	for (unsigned i = 0; i < MAX_TASKS; i++) {
		struct task *c = tasks[i];
		if (c && c->parent == t->tid) {
			c->parent = 0;
			if (c->state == TASK_ZOMBIE)
				reap(c);
		}
	}
	t->state = TASK_ZOMBIE;
	t->exit_status = status;
	notify_parent(t);
	spin_unlock(&sched_lock);
	schedule();
}

long
task_kill(struct task *caller, long tid)
{
	spin_lock(&sched_lock);
	struct task *t = task_lookup(tid);
	if (!t || t->state == TASK_ZOMBIE) {
		spin_unlock(&sched_lock);
		return -ERR_SRCH;
	}
	if (t != caller && t->parent != caller->tid && !caller->priv) {
		spin_unlock(&sched_lock);
		return -ERR_PERM;
	}
	t->killed = 1;
	t->exit_status = -ERR_KILLED;
	t->stopped = 0;
	if (t->state == TASK_SLEEPING || t->state == TASK_WAITING)
		sched_wakeup(t);
	else if (t->state == TASK_RUNNING && t != caller)
		hart_send_ipi(t->hart);
	spin_unlock(&sched_lock);
	return 0;
}

long
task_wait(struct task *caller, long tid, uint64_t status_uva)
{
	struct hart *h = this_hart();

	spin_lock(&sched_lock);
	struct task *c = task_lookup(tid);
	if (!c) {
		spin_unlock(&sched_lock);
		return -ERR_SRCH;
	}
	if (c->parent != caller->tid) {
		spin_unlock(&sched_lock);
		return -ERR_CHILD;
	}
	if (c->state == TASK_ZOMBIE) {
		int st = c->exit_status;
		caller->nchildren--;
		reap(c);
		spin_unlock(&sched_lock);
		if (status_uva)
			vm_copyout(&caller->vs, status_uva, &st, sizeof(st));
		return tid;
	}
	if (caller->killed) {
		/* Killed while running: do not block (see sched_sleep_release). */
		spin_unlock(&sched_lock);
		task_exit(caller, caller->exit_status);
	}
	caller->wait_for = tid;
	caller->wait_status_uva = status_uva;
	sched_account(caller);
	caller->state = TASK_WAITING;
	caller->group->nrunnable--;
	h->cur = NULL;
	spin_unlock(&sched_lock);
	schedule();
}

/* A new empty group owned by `creator`: it lives while it has tasks or its
 * creator lives. */
struct group *
group_create(struct task *creator)
{
	struct group *g = kmalloc(sizeof(*g));

	if (!g)
		return NULL;
	spin_lock(&sched_lock);
	g->id = next_gid++;
	g->owner = creator->tid;
	g->next = groups;
	groups = g;
	spin_unlock(&sched_lock);
	return g;
}

long
task_pin(struct task *caller, long tid, long hart)
{
	if (hart < -1 || hart >= (long)nharts || (hart >= 0 && !harts[hart].online))
		return -ERR_RANGE;
	spin_lock(&sched_lock);
	struct task *t = task_lookup(tid);
	long err = 0;
	if (!t || t->state == TASK_ZOMBIE)
		err = -ERR_SRCH;
	else if (t != caller && t->parent != caller->tid)
		err = -ERR_CHILD;
	else
		t->pinned = (int)hart;
	if (!err && hart >= 0 && t->state == TASK_RUNNABLE && t->hart != (unsigned)hart) {
		sched_dequeue(t);	/* to the queue of its hart */
		sched_enqueue(t);
	}
	spin_unlock(&sched_lock);
	if (!err && t == caller && hart >= 0 && this_hart()->index != (unsigned)hart) {
		/* Move now: yield puts us back on a queue the pin allows. */
		caller->frame.x[10] = 0;
		spin_lock(&sched_lock);
		sched_account(caller);
		caller->state = TASK_SLEEPING;	/* re-activated by the wake-up */
		caller->group->nrunnable--;
		this_hart()->cur = NULL;
		sched_wakeup(caller);
		spin_unlock(&sched_lock);
		schedule();
	}
	return err;
}

long
task_start(struct task *caller, long tid)
{
	spin_lock(&sched_lock);
	struct task *t = task_lookup(tid);
	long err = 0;
	if (!t || t->state == TASK_ZOMBIE)
		err = -ERR_SRCH;
	else if (t->parent != caller->tid)
		err = -ERR_CHILD;
	else if (!t->stopped)
		err = -ERR_INVAL;
	else {
		t->stopped = 0;
		sched_wakeup(t);
	}
	spin_unlock(&sched_lock);
	return err;
}

long
task_grant(struct task *caller, long tid, unsigned kind, uint64_t base, uint64_t size)
{
	if (!caller->priv)
		return -ERR_PERM;
	if (kind == GRANT_MMIO && ((base | size) & (PAGE_SIZE - 1) || !size || base + size < base))
		return -ERR_INVAL;
	if (kind == GRANT_IRQ && (base == 0 || base > IRQ_MAX || size != 1))
		return -ERR_INVAL;
	if (kind != GRANT_MMIO && kind != GRANT_IRQ)
		return -ERR_INVAL;
	spin_lock(&sched_lock);
	struct task *t = task_lookup(tid);
	long err = 0;
	if (!t || t->state == TASK_ZOMBIE)
		err = -ERR_SRCH;
	else if (t->parent != caller->tid)
		err = -ERR_CHILD;
	else if (t->ngrants == GRANTS_MAX)
		err = -ERR_NOMEM;
	else {
		t->grants[t->ngrants].kind = kind;
		t->grants[t->ngrants].base = base;
		t->grants[t->ngrants].size = size;
		t->ngrants++;
	}
	spin_unlock(&sched_lock);
	return err;
}

int
task_may(struct task *t, unsigned kind, uint64_t base, uint64_t size)
{
	if (t->priv)
		return 1;
	int ok = 0;
	spin_lock(&sched_lock);
	for (unsigned i = 0; i < t->ngrants && !ok; i++) {
		if (kind == 0)	/* any grant at all (DMA, pinning) */
			ok = 1;
		else if (t->grants[i].kind == kind && base >= t->grants[i].base &&
			 size <= t->grants[i].size && base - t->grants[i].base <= t->grants[i].size - size)
			ok = 1;
	}
	spin_unlock(&sched_lock);
	return ok;
}

/* sched_lock held. */
struct group *
group_lookup(long id)
{
	for (struct group *g = groups; g; g = g->next)
		if (g->id == id)
			return g;
	return NULL;
}

/* sched_lock held: smallest vruntime of groups with runnable tasks. */
uint64_t
group_min_active_vruntime(void)
{
	uint64_t m = UINT64_MAX;

	for (struct group *g = groups; g; g = g->next)
		if (g->nrunnable && g->vruntime < m)
			m = g->vruntime;
	return m;
}

long
group_join(struct task *caller, long tid, long gid)
{
	spin_lock(&sched_lock);
	struct task *t = task_lookup(tid);
	struct group *g = group_lookup(gid);
	long err = 0;
	if (!t || t->state == TASK_ZOMBIE)
		err = -ERR_SRCH;
	else if (!g)
		err = -ERR_NOENT;
	else if (t != caller && t->parent != caller->tid)
		err = -ERR_CHILD;
	if (err || t->group == g) {
		spin_unlock(&sched_lock);
		return err;
	}
	int active = t->state == TASK_RUNNABLE || t->state == TASK_RUNNING;
	struct group *old = t->group;
	if (active)
		old->nrunnable--;
	g->ntasks++;
	t->group = g;
	if (active) {
		if (!g->nrunnable) {
			uint64_t m = group_min_active_vruntime();
			if (m != UINT64_MAX && g->vruntime < m)
				g->vruntime = m;
		}
		g->nrunnable++;
	}
	t->vruntime = g->min_vruntime;
	group_put(old);
	spin_unlock(&sched_lock);
	return 0;
}

/* sched_lock held: task `tid` ended; free the empty groups it created. */
void
group_owner_exit(long tid)
{
	struct group *g = groups;

	while (g) {
		struct group *next = g->next;
		if (g->owner == tid) {
			g->owner = 0;
			g->ntasks++;
			group_put(g);
		}
		g = next;
	}
}

static uint32_t
info_state(const struct task *t)
{
	switch (t->state) {
	case TASK_RUNNING:
		return TS_TASK_RUNNING;
	case TASK_RUNNABLE:
		return TS_TASK_READY;
	case TASK_SLEEPING:
		return t->stopped ? TS_TASK_STOPPED : t->iowait ? TS_TASK_IPC : TS_TASK_SLEEPING;
	case TASK_WAITING:
		return TS_TASK_CHILD;
	case TASK_ZOMBIE:
		return TS_TASK_ZOMBIE;
	default:
		panic("info_state: task %ld in state %d", t->tid, t->state);
	}
}

/* Describe up to `max` tasks from slot *pos on into out[]; *pos moves past
 * the last slot looked at.  Returns the records filled.  `caller`'s own CPU
 * time is brought up to date first. */
unsigned
task_list(struct task *caller, unsigned *pos, struct ts_task_info *out, unsigned max)
{
	unsigned n = 0;

	spin_lock(&sched_lock);
	for (; *pos < MAX_TASKS && n < max; (*pos)++) {
		struct task *t = tasks[*pos];
		if (!t)
			continue;
		struct ts_task_info *r = &out[n++];
		if (t == caller)
			sched_account(t);
		memset(r, 0, sizeof(*r));
		r->tid = t->tid;
		r->parent = t->parent;
		r->group = t->group ? t->group->id : 0;
		r->state = info_state(t);
		r->hart = t->hart;
		r->cpu_ns = t->cpu_ticks * (1000000000ull / timebase_hz);
		r->flags = (t->priv ? TS_TASKF_PRIV : 0) | (t->host ? TS_TASKF_SANDBOX : 0);
		r->exit_status = t->state == TASK_ZOMBIE ? t->exit_status : 0;
		memcpy(r->name, t->name, sizeof(r->name));
		r->name[sizeof(r->name) - 1] = 0;
	}
	spin_unlock(&sched_lock);
	return n;
}
