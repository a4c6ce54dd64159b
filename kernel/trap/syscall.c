/*
 * System calls.  The dispatch switch and the ksys_* prototypes are generated
 * from syscalls.def.  Pointer arguments are user addresses: they are only
 * ever passed to vm_copyin/vm_copyout, never dereferenced.
 *
 * Argument rule: a pointer the task cannot access, a length above the ABI
 * maximum, or an unknown call number kills the task (one log line); any
 * other bad value returns -ERR_*.  Checks happen before any state changes.
 */
#include <stdint.h>
#include <tessera/abi.h>
#include <tessera/errors.h>
#include <tessera/syscall.h>
#include <kernel/hart.h>
#include <kernel/initrd.h>
#include <kernel/ipc.h>
#include <kernel/ipc_route.h>
#include <kernel/kheap.h>
#include <kernel/memlayout.h>
#include <kernel/platform.h>
#include <kernel/pmm.h>
#include <kernel/printk.h>
#include <kernel/riscv.h>
#include <kernel/string.h>
#include <kernel/syscall.h>
#include <kernel/task.h>

#define SYS0(n, name, r, doc) static long ksys_##name(struct task *t);
#define SYS1(n, name, r, t1, a1, doc) static long ksys_##name(struct task *t, t1 a1);
#define SYS2(n, name, r, t1, a1, t2, a2, doc) static long ksys_##name(struct task *t, t1 a1, t2 a2);
#define SYS3(n, name, r, t1, a1, t2, a2, t3, a3, doc) \
	static long ksys_##name(struct task *t, t1 a1, t2 a2, t3 a3);
#define SYS4(n, name, r, t1, a1, t2, a2, t3, a3, t4, a4, doc) \
	static long ksys_##name(struct task *t, t1 a1, t2 a2, t3 a3, t4 a4);
#define SYS5(n, name, r, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, doc) \
	static long ksys_##name(struct task *t, t1 a1, t2 a2, t3 a3, t4 a4, t5 a5);
#define SYS6(n, name, r, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, t6, a6, doc) \
	static long ksys_##name(struct task *t, t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6);
#include <tessera/syscalls.def>
#include <tessera/syscalls_undef.h>

#define A(i, type) ((type)f->x[10 + (i)])

void
syscall_dispatch(struct task *t)
{
	struct trapframe *f = &t->frame;
	uint64_t n = f->x[17];
	long r;

	klog_kick();	/* a console-log notification due from a locked context */
	switch (n) {
#define SYS0(num, name, rt, doc) case num: r = ksys_##name(t); break;
#define SYS1(num, name, rt, t1, a1, doc) case num: r = ksys_##name(t, A(0, t1)); break;
#define SYS2(num, name, rt, t1, a1, t2, a2, doc) \
	case num: r = ksys_##name(t, A(0, t1), A(1, t2)); break;
#define SYS3(num, name, rt, t1, a1, t2, a2, t3, a3, doc) \
	case num: r = ksys_##name(t, A(0, t1), A(1, t2), A(2, t3)); break;
#define SYS4(num, name, rt, t1, a1, t2, a2, t3, a3, t4, a4, doc) \
	case num: r = ksys_##name(t, A(0, t1), A(1, t2), A(2, t3), A(3, t4)); break;
#define SYS5(num, name, rt, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, doc) \
	case num: r = ksys_##name(t, A(0, t1), A(1, t2), A(2, t3), A(3, t4), A(4, t5)); break;
#define SYS6(num, name, rt, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, t6, a6, doc) \
	case num: r = ksys_##name(t, A(0, t1), A(1, t2), A(2, t3), A(3, t4), A(4, t5), A(5, t6)); break;
#include <tessera/syscalls.def>
#include <tessera/syscalls_undef.h>
	default:
		task_fault(t, ERR_BADSYS, "bad system call number", n);
	}
	f->x[10] = (uint64_t)r;
	klog_kick();
}

/* Copy helpers that kill the task on a bad pointer. */
static void
copyin(struct task *t, void *dst, const void *uptr, size_t n, const char *what)
{
	if (n && vm_copyin(&t->vs, dst, (uint64_t)uptr, n) < 0)
		task_fault(t, ERR_BADSYS, what, (uint64_t)uptr);
}

static void
copyout(struct task *t, void *uptr, const void *src, size_t n, const char *what)
{
	if (n && vm_copyout(&t->vs, (uint64_t)uptr, src, n) < 0)
		task_fault(t, ERR_BADSYS, what, (uint64_t)uptr);
}

static void
check_len(struct task *t, size_t len, size_t max, const char *what)
{
	if (len > max)
		task_fault(t, ERR_BADSYS, what, len);
}

static long
ksys_exit(struct task *t, int status)
{
	task_exit(t, status);
}

static long
ksys_yield(struct task *t)
{
	t->frame.x[10] = 0;
	sched_yield();
}

static long
ksys_sleep(struct task *t, uint64_t ns)
{
	uint64_t ticks = ns_to_ticks(ns);
	uint64_t now = rdtime();

	t->frame.x[10] = 0;
	sched_sleep(t, ticks > UINT64_MAX - now ? UINT64_MAX - 1 : now + ticks);
}

static long
ksys_time(struct task *t)
{
	(void)t;
	return (long)time_ns();
}

static long
ksys_log(struct task *t, const char *buf, size_t len)
{
	char line[TS_LOG_MAX + 64];

	check_len(t, len, TS_LOG_MAX, "log length over 1024");
	int p = snprintk(line, 64, "[%s:%ld] ", t->name, t->tid);
	copyin(t, line + p, buf, len, "bad log buffer");
	while (len && line[p + len - 1] == '\n')
		len--;
	line[p + len] = '\n';
	console_write(line, p + len + 1);
	return 0;
}

static long
ksys_mem_alloc(struct task *t, uintptr_t va, size_t size, unsigned prot)
{
	return vm_alloc(&t->vs, va, size, prot);
}

static long
ksys_mem_free(struct task *t, uintptr_t va, size_t size)
{
	return vm_free(&t->vs, va, size);
}

static long
ksys_mem_protect(struct task *t, uintptr_t va, size_t size, unsigned prot)
{
	return vm_protect(&t->vs, va, size, prot);
}

static long
ksys_mem_map_device(struct task *t, uintptr_t va, uint64_t pa, size_t size)
{
	if ((pa | size) & (PAGE_SIZE - 1) || pa + size < pa)
		return -ERR_INVAL;
	if (!task_may(t, GRANT_MMIO, pa, size) || pmm_is_ram(pa, size))
		return -ERR_PERM;
	return vm_map_phys(&t->vs, va, pa, size, MEM_R | MEM_W, PTE_DEVICE);
}

static long
ksys_mem_alloc_dma(struct task *t, uintptr_t va, size_t size, uint64_t *pa_out)
{
	uint64_t zero = 0;

	if (!task_may(t, 0, 0, 0))
		return -ERR_PERM;
	copyout(t, pa_out, &zero, sizeof(zero), "bad pa_out pointer");
	int err = vm_check_range(va, size);
	if (err)
		return err;
	uint64_t ppn = pmm_alloc_contig(size / PAGE_SIZE);
	if (!ppn)
		return -ERR_NOMEM;
	for (uint64_t i = 0; i < size / PAGE_SIZE; i++)
		pmm_zero(ppn + i);
	err = vm_map_phys(&t->vs, va, ppn << PAGE_SHIFT, size, MEM_R | MEM_W, 0);
	if (err) {
		for (uint64_t i = 0; i < size / PAGE_SIZE; i++)
			pmm_free(ppn + i);
		return err;
	}
	uint64_t pa = ppn << PAGE_SHIFT;
	copyout(t, pa_out, &pa, sizeof(pa), "bad pa_out pointer");
	return 0;
}

static long
ksys_task_spawn(struct task *t, const char *name, size_t name_len, const char *args,
		size_t args_len, long gid, unsigned flags)
{
	char kname[TS_NAME_MAX + 1];
	char kargs[TS_ARGS_MAX];

	check_len(t, name_len, TS_NAME_MAX, "program name over 31 bytes");
	check_len(t, args_len, TS_ARGS_MAX, "arguments over 2048 bytes");
	copyin(t, kname, name, name_len, "bad program name pointer");
	copyin(t, kargs, args, args_len, "bad arguments pointer");
	kname[name_len] = 0;
	if (flags & ~(SPAWN_PRIV | SPAWN_SANDBOX | SPAWN_STOPPED))
		return -ERR_INVAL;
	if (name_len == 0 || strnlen(kname, name_len) != name_len)
		return -ERR_INVAL;
	spin_lock(&sched_lock);
	struct group *g = gid ? group_lookup(gid) : t->group;
	spin_unlock(&sched_lock);
	if (!g)
		return -ERR_NOENT;
	return task_spawn(kname, kargs, args_len, t, g, (flags & SPAWN_PRIV) && t->priv,
			  (flags & SPAWN_SANDBOX) ? t->tid : 0, (flags & SPAWN_STOPPED) != 0);
}

static long
ksys_task_wait(struct task *t, long tid, int *status)
{
	int zero = 0;

	if (status)
		copyout(t, status, &zero, sizeof(zero), "bad status pointer");
	long r = task_wait(t, tid, (uint64_t)status);
	return r < 0 ? r : 0;
}

static long
ksys_task_kill(struct task *t, long tid)
{
	return task_kill(t, tid);
}

static long
ksys_task_self(struct task *t)
{
	return t->tid;
}

static long
ksys_group_create(struct task *t)
{
	struct group *g = group_create(t);

	return g ? g->id : -ERR_NOMEM;
}

static long
ksys_group_join(struct task *t, long tid, long gid)
{
	return group_join(t, tid, gid);
}

static long
ksys_poweroff(struct task *t, int status)
{
	if (!t->priv)
		return -ERR_PERM;
	printk("poweroff by %s (tid %ld), status %d\n", t->name, t->tid, status);
	console_panic();	/* write out what the console owner has not read */
	platform_poweroff(status);
}

static long
bench_pages(int uncached)
{
	uint64_t t0 = rdtime();

	for (int i = 0; i < 1000; i++) {
		if (uncached)
			pmm_free_uncached(pmm_alloc_uncached());
		else
			pmm_free(pmm_alloc());
	}
	return (long)(rdtime() - t0);
}

static long
ksys_info(struct task *t, unsigned key, long arg)
{
	long r = -ERR_INVAL;

	switch (key) {
	case INFO_FREE_PAGES:
		return (long)pmm_free_pages();
	case INFO_TOTAL_PAGES:
		return (long)pmm_total_pages();
	case INFO_NHARTS: {
		long n = 0;
		for (unsigned i = 0; i < nharts; i++)
			n += harts[i].online;
		return n;
	}
	case INFO_HART_ID:
		return (long)this_hart()->index;
	case INFO_NTASKS:
		return (long)task_count();
	case INFO_TASK_CPU_NS: {
		spin_lock(&sched_lock);
		struct task *x = task_lookup(arg);
		if (x == t)
			sched_account(t);
		r = x ? (long)(x->cpu_ticks * (1000000000ull / timebase_hz)) : -ERR_SRCH;
		spin_unlock(&sched_lock);
		return r;
	}
	case INFO_IPC_HANDOFFS: {
		spin_lock(&sched_lock);
		struct task *x = task_lookup(arg);
		r = x ? (long)x->handoffs : -ERR_SRCH;
		spin_unlock(&sched_lock);
		return r;
	}
	case INFO_TIMEBASE_HZ:
		return (long)timebase_hz;
	case INFO_KHEAP_BYTES:
		return (long)kheap_bytes_in_use();
	case INFO_KHEAP_PAGES:
		return (long)kheap_pages();
	case INFO_EPOCH_NS:
		return (long)platform_epoch_ns;
	case INFO_IDLE_TICKS:
		return arg >= 0 && arg < (long)nharts ? (long)harts[arg].ticks_idle : -ERR_RANGE;
	case INFO_PAGE_CACHE:
		return arg >= 0 && arg < (long)nharts ? (long)harts[arg].pmm_ncache : -ERR_RANGE;
	case INFO_BENCH_PAGE:
		if (!t->priv)
			return -ERR_PERM;
		return bench_pages(arg != 0);
	default:
		return r;
	}
}

extern char _text[];

static long
ksys_debug(struct task *t, unsigned op, long arg)
{
	if (!t->priv)
		return -ERR_PERM;
	switch (op) {
	case DEBUG_PANIC:
		panic("debug: panic requested by %s (tid %ld), arg %ld", t->name, t->tid, arg);
	case DEBUG_KERNEL_FAULT:
		return *(volatile long *)(KERNEL_VA - PAGE_SIZE);
	case DEBUG_WRITE_TEXT:
		*(volatile uint32_t *)_text = 0;
		return 0;
	default:
		return -ERR_INVAL;
	}
}

static long
ksys_ipc_setup(struct task *t, uintptr_t va, unsigned nslots)
{
	return ipc_setup(t, va, nslots);
}

static long
ksys_io_wait(struct task *t, uint64_t timeout_ns)
{
	return ipc_io_wait(t, timeout_ns);
}

static long
ksys_ipc_flush(struct task *t)
{
	return ipc_flush(t);
}

static long
ksys_ipc_call(struct task *t, unsigned slot, uint64_t timeout_ns)
{
	return ipc_call(t, slot, timeout_ns, 0);
}

static long
ksys_ipc_reply_wait(struct task *t, unsigned slot, uint64_t timeout_ns)
{
	return ipc_call(t, slot, timeout_ns, 1);
}

/* Copy a service name in; kills the task on a bad pointer or length. */
static size_t
svc_name(struct task *t, char *buf, const char *name, size_t len)
{
	check_len(t, len, 63, "service name over 63 bytes");
	copyin(t, buf, name, len, "bad service name pointer");
	return len;
}

static long
ksys_svc_register(struct task *t, const char *name, size_t len)
{
	char buf[64];

	return svc_register(t, buf, svc_name(t, buf, name, len));
}

static long
ksys_svc_unregister(struct task *t, const char *name, size_t len)
{
	char buf[64];

	return svc_unregister(t, buf, svc_name(t, buf, name, len));
}

static long
ksys_svc_lookup(struct task *t, const char *name, size_t len)
{
	char buf[64];

	return svc_lookup(buf, svc_name(t, buf, name, len));
}

static long
ksys_notify_set(struct task *t, uintptr_t entry, uintptr_t stack_top)
{
	return ipc_notify_set(t, entry, stack_top);
}

static long
ksys_notify(struct task *t, long tid, uint64_t value)
{
	return ipc_notify(t, tid, value);
}

static long
ksys_notify_return(struct task *t)
{
	ipc_notify_return(t);
}

static long
ksys_irq_reserve(struct task *t, unsigned irq)
{
	return irq_reserve(t, irq);
}

static long
ksys_irq_complete(struct task *t, unsigned irq)
{
	return irq_complete(t, irq);
}

static long
ksys_irq_defer(struct task *t, unsigned irq)
{
	return irq_defer(t, irq);
}

static long
ksys_group_close(struct task *t, long gid, int closed)
{
	spin_lock(&sched_lock);
	struct group *g = group_lookup(gid);
	long err = 0;
	if (!g)
		err = -ERR_NOENT;
	else if (g->owner != t->tid && !t->priv)
		err = -ERR_PERM;
	else
		g->closed = closed != 0;
	spin_unlock(&sched_lock);
	return err;
}

static long
ksys_task_pin(struct task *t, long tid, long hart)
{
	return task_pin(t, tid, hart);
}

extern uint8_t fdt_copy[];
extern uint32_t fdt_copy_size;

static long
ksys_fdt_read(struct task *t, void *buf, size_t len)
{
	if (!fdt_copy_size)
		return -ERR_NOENT;
	if (len >= fdt_copy_size)
		copyout(t, buf, fdt_copy, fdt_copy_size, "bad device-tree buffer");
	return fdt_copy_size;
}

/* Privileged: bytes [offset, offset + len) of boot-image file `name`,
 * through a bounce page (copyout may retarget KMAP_DATA); the file's size. */
static long
ksys_boot_read(struct task *t, const char *name, size_t name_len, void *buf, size_t len,
	       uint64_t offset)
{
	char kname[TS_NAME_MAX + 1];
	struct initrd_file f;
	uint64_t bounce_pa;

	check_len(t, name_len, TS_NAME_MAX, "boot file name over 31 bytes");
	copyin(t, kname, name, name_len, "bad boot file name pointer");
	kname[name_len] = 0;
	if (!t->priv)
		return -ERR_PERM;
	if (name_len == 0 || strnlen(kname, name_len) != name_len)
		return -ERR_INVAL;
	if (initrd_find(kname, &f) < 0)
		return -ERR_NOENT;
	if (offset >= f.size || len == 0)
		return (long)f.size;
	if (len > f.size - offset)
		len = f.size - offset;
	uint8_t *bounce = kheap_page_alloc(&bounce_pa);
	if (!bounce)
		return -ERR_NOMEM;
	for (size_t done = 0; done < len;) {
		uint64_t pa = f.pa + offset + done;
		size_t chunk = PAGE_SIZE - (pa & (PAGE_SIZE - 1));
		if (chunk > len - done)
			chunk = len - done;
		memcpy(bounce, kmap(KMAP_DATA, pa), chunk);
		if (vm_copyout(&t->vs, (uint64_t)buf + done, bounce, chunk) < 0) {
			kheap_page_free(bounce);
			task_fault(t, ERR_BADSYS, "bad boot file buffer", (uint64_t)buf + done);
		}
		done += chunk;
	}
	kheap_page_free(bounce);
	return (long)f.size;
}

#define PIN_MAX 512		/* pages one task may hold pinned */
#define PIN_CALL_MAX 256	/* pages per mem_pin call */

static long
ksys_mem_pin(struct task *t, uintptr_t va, size_t size, uint64_t *pa_out)
{
	static uint64_t pa[MAX_HARTS][PIN_CALL_MAX];
	uint64_t *mine = pa[this_hart()->index];

	if (!task_may(t, 0, 0, 0))
		return -ERR_PERM;
	if (size > PIN_CALL_MAX * PAGE_SIZE)
		return -ERR_TOOBIG;
	int err = vm_check_range(va, size);
	if (err)
		return err;
	size_t n = size / PAGE_SIZE;
	copyout(t, pa_out, mine, n * sizeof(uint64_t), "bad pa_out pointer");
	if (!t->pins && !(t->pins = kmalloc(PIN_MAX * sizeof(uint64_t))))
		return -ERR_NOMEM;
	if (t->npins + n > PIN_MAX)
		return -ERR_NOMEM;
	if ((err = vm_pin(&t->vs, va, size, mine)) < 0)
		return err;
	memcpy(&t->pins[t->npins], mine, n * sizeof(uint64_t));
	t->npins += (unsigned)n;
	copyout(t, pa_out, mine, n * sizeof(uint64_t), "bad pa_out pointer");
	return (long)n;
}

static long
ksys_mem_unpin(struct task *t, const uint64_t *pa, size_t n)
{
	long done = 0;

	/* One address at a time: a task releases only its own pins. */
	for (; n; n--, pa++) {
		uint64_t want;
		unsigned j;
		copyin(t, &want, pa, sizeof(want), "bad pa pointer");
		for (j = 0; j < t->npins && t->pins[j] != want; j++)
			;
		if (j == t->npins)
			return done ? done : -ERR_NOENT;
		t->pins[j] = t->pins[--t->npins];
		if (page_unshare(want >> PAGE_SHIFT) == 0)
			pmm_free(want >> PAGE_SHIFT);
		done++;
	}
	return done;
}

static long
ksys_dev_grant(struct task *t, long tid, unsigned kind, uint64_t base, uint64_t size)
{
	return task_grant(t, tid, kind, base, size);
}

static long
ksys_task_start(struct task *t, long tid)
{
	return task_start(t, tid);
}

static long
ksys_console_claim(struct task *t, int claim)
{
	return klog_claim(t, claim);
}

static long
ksys_klog_read(struct task *t, char *buf, size_t len)
{
	static char bounce[MAX_HARTS][KLOG_READ_MAX];
	char *mine = bounce[this_hart()->index];
	struct klog_cursor c;

	/* Peek, copy out without console_lock (vm_copyout takes the vmspace
	 * lock), then consume: a bad buffer kills the owner and the unread
	 * bytes go to the UART when it ends. */
	long n = klog_peek(t, mine, len < KLOG_READ_MAX ? len : KLOG_READ_MAX, &c);
	if (n <= 0)
		return n;
	copyout(t, buf, mine, (size_t)n, "bad klog buffer");
	klog_consume(t, &c);
	return n;
}

/* Listing calls: records are gathered a page at a time under the lock that
 * guards the table, then copied out without it.  Only the records that fit
 * in `len` are written (a bad pointer there kills the caller); the count of
 * all of them is returned. */
#define LIST_BATCH(type) ((unsigned)(PAGE_SIZE / sizeof(type)))

static long
ksys_task_list(struct task *t, struct ts_task_info *buf, size_t len)
{
	size_t room = len / sizeof(*buf);
	unsigned pos = 0;
	long total = 0;
	struct ts_task_info *k = kmalloc(PAGE_SIZE);

	if (!k)
		return -ERR_NOMEM;
	while (pos < MAX_TASKS) {
		unsigned n = task_list(t, &pos, k, LIST_BATCH(*k));
		if ((size_t)total < room) {
			size_t put = room - (size_t)total < n ? room - (size_t)total : n;
			if (vm_copyout(&t->vs, (uint64_t)(buf + total), k, put * sizeof(*k)) < 0) {
				kfree(k);
				task_fault(t, ERR_BADSYS, "bad task list buffer", (uint64_t)buf);
			}
		}
		total += n;
	}
	kfree(k);
	return total;
}

static long
ksys_svc_list(struct task *t, struct ts_svc_info *buf, size_t len)
{
	size_t room = len / sizeof(*buf);
	unsigned pos = 0;
	long total = 0;
	struct ts_svc_info *k = kmalloc(PAGE_SIZE);

	if (!k)
		return -ERR_NOMEM;
	for (;;) {
		unsigned n = svc_list(&pos, k, LIST_BATCH(*k));
		if (n == 0)
			break;
		if ((size_t)total < room) {
			size_t put = room - (size_t)total < n ? room - (size_t)total : n;
			if (vm_copyout(&t->vs, (uint64_t)(buf + total), k, put * sizeof(*k)) < 0) {
				kfree(k);
				task_fault(t, ERR_BADSYS, "bad service list buffer", (uint64_t)buf);
			}
		}
		total += n;
	}
	kfree(k);
	return total;
}

static long
ksys_task_spawn_image(struct task *t, const void *elf, size_t elf_len, const char *args,
		      size_t args_len, long gid, unsigned flags)
{
	char kargs[TS_NAME_MAX + 1 + TS_ARGS_MAX];
	uint8_t probe;

	check_len(t, args_len, sizeof(kargs), "arguments over 2080 bytes");
	copyin(t, kargs, args, args_len, "bad arguments pointer");
	if (elf_len > TS_IMAGE_MAX)
		return -ERR_TOOBIG;
	/* Every page of the image must be readable: touch one byte of each. */
	for (uint64_t va = (uint64_t)elf; elf_len && va < (uint64_t)elf + elf_len;
	     va = (va | (PAGE_SIZE - 1)) + 1)
		copyin(t, &probe, (const void *)va, 1, "bad image pointer");
	if (flags & ~(SPAWN_PRIV | SPAWN_SANDBOX | SPAWN_STOPPED))
		return -ERR_INVAL;
	size_t name_len = strnlen(kargs, args_len < TS_NAME_MAX + 1 ? args_len : TS_NAME_MAX + 1);
	if (name_len == 0 || name_len > TS_NAME_MAX || name_len == args_len)
		return -ERR_INVAL;	/* empty, too long or not NUL-terminated */
	if (elf_len == 0)
		return -ERR_BADEXEC;
	spin_lock(&sched_lock);
	struct group *g = gid ? group_lookup(gid) : t->group;
	spin_unlock(&sched_lock);
	if (!g)
		return -ERR_NOENT;
	long r = task_spawn_image(kargs, (uint64_t)elf, elf_len, kargs + name_len + 1,
				  args_len - name_len - 1, t, g, (flags & SPAWN_PRIV) && t->priv,
				  (flags & SPAWN_SANDBOX) ? t->tid : 0, (flags & SPAWN_STOPPED) != 0);
	if (r == -ERR_FAULT)	/* cannot happen after the probe, but never trust */
		task_fault(t, ERR_BADSYS, "bad image pointer", (uint64_t)elf);
	return r;
}
