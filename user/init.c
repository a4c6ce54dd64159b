/*
 * init: the first program.  It brings the node's services up in order:
 *   1. the UART driver (`uart`, service uart0): the kernel console hands
 *      over to it (docs/uart.md);
 *   2. the PCI server (`pci`), which starts one driver per device: blkN,
 *      netN, gpuN, inputN (docs/pci.md); on a cluster node as
 *      `pci hold=net`: the NIC gets no net0 driver, netproxy drives it;
 *   3. the console (`console`, service console) on the UART or the GPU, as
 *      the boot argument console=uart|gpu says (default uart; gpu falls
 *      back to uart when no GPU comes up);
 *   4. file systems: `ramfs /tmp`, and the FAT server on blk0 at /disk when
 *      the node has a disk;
 *   5. netproxy, on a cluster node (boot arguments node= and nodes=;
 *      init_net.c);
 *   6. the shell: with the boot file boot.exec (cluster/launch --exec
 *      writes it) the script runs once, bounded by boot.deadline, and the
 *      node powers off with its exit status after flushing every volume
 *      (init_exec.c); otherwise an interactive `sh` on the console, started
 *      again whenever it ends.
 * Each step logs one line; a failed step is logged and skipped, so a node
 * without a UART or PCI still comes up as far as it can.  A server that
 * ends before it serves its name is noticed at once (no wait for the
 * step's time limit).
 *
 * Then init supervises (docs/architecture.md): it watches every server it
 * started (uart, console, ramfs, fat) and the shell.  A server that crashes
 * (ends with a non-zero status) is logged and started again after a delay
 * that doubles from 100 ms to 5 s (reset after STABLE_NS of good running;
 * ts_restart_delay); after 8 crashes in a row it is given up.  One
 * that ends with status 0 (fat after umount) is not restarted.  The
 * drivers are the PCI server's to restart (docs/pci.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dux/dux.h>
#include <kernel/fdt.h>
#include <tessera/user.h>
#include <uart/uart.h>

#include "init_exec.h"
#include "init_net.h"

extern char **environ;

#define MS		1000000ull
#define STEP_NS		(5000 * MS)	/* a service's time to come up */
#define STABLE_NS	(10000 * MS)	/* a run this long resets the restart delay */
#define FDT_BUF		(64u * 1024)

static uint8_t fdt_buf[FDT_BUF] __attribute__((aligned(8)));

/* The value of boot argument `key` (e.g. "console") into val, or 0. */
static int
bootarg(const char *key, char *val, size_t cap)
{
	struct fdt f;
	uint32_t len;
	long n = sys_fdt_read(fdt_buf, sizeof(fdt_buf));

	if (n <= 0 || fdt_init(&f, fdt_buf, (size_t)n) < 0)
		return 0;
	int chosen = fdt_path(&f, "/chosen");
	const char *args = chosen >= 0 ? fdt_prop(&f, chosen, "bootargs", &len) : NULL;
	if (!args)
		return 0;
	size_t kl = strlen(key);
	for (const char *p = args, *end = args + strnlen(args, len); p < end;) {
		while (p < end && *p == ' ')
			p++;
		if (end - p >= 2 && p[0] == '-' && p[1] == '-' && (p + 2 == end || p[2] == ' '))
			return 0;	/* the program's own arguments follow */
		const char *w = p;
		while (p < end && *p != ' ')
			p++;
		if ((size_t)(p - w) > kl && !strncmp(w, key, kl) && w[kl] == '=') {
			size_t vl = (size_t)(p - w) - kl - 1;
			if (vl >= cap)
				return 0;
			memcpy(val, w + kl + 1, vl);
			val[vl] = 0;
			return 1;
		}
	}
	return 0;
}

/* The tid of service `name`, waiting up to `ns` for it to appear. */
static long
wait_service(const char *name, uint64_t ns)
{
	uint64_t end = ts_now() + ns;
	long tid;

	while ((tid = dux_lookup(name)) < 0 && ts_now() < end)
		sys_sleep(10 * MS);
	return tid;
}

/* A task init starts and watches: a server, or the shell. */
struct child {
	const char *name;	/* for log lines */
	const char *svc;	/* the service it serves; NULL: the shell */
	long (*start)(void);	/* start it, watched; its tid or -ERR_* */
	uint64_t stable;	/* a run this long resets the restart delay */
	long tid;		/* the running task; 0: none */
	int ended, status;	/* it ended (not yet handled), with status */
	int supervised;		/* restart it when it crashes */
	struct ts_restart rs;	/* crashes in a row, start time, last delay */
	uint64_t due;		/* restart at this time; 0: none due */
};

static char con[8] = "uart";		/* console=uart|gpu */
static const char *shell_script;	/* boot.exec's copy on /tmp; NULL: interactive */
static uint64_t exec_deadline = UINT64_MAX;	/* boot.deadline, ns since boot */

/* Spawn `prog` stopped, watch it, then start it: its end always reaches
 * init as a TERMINATE (or a refused watch).  Servers get no environment
 * (their diagnostics stay on the kernel log: docs/libc.md). */
static long
spawn_watched(const char *prog, const char *const *argv, const char *const *envp,
	      unsigned flags)
{
	long tid = ts_spawn_env(prog, argv, envp, 0, flags | SPAWN_STOPPED);

	if (tid < 0)
		return tid;
	dux_watch((ts_addr)tid);
	dux_flush();
	sys_task_start(tid);
	return tid;
}

static long
start_uart(void)
{
	long tid = uart_spawn(STEP_NS);

	if (tid >= 0) {
		dux_watch((ts_addr)tid);
		dux_flush();
	}
	return tid;
}

static long
start_console(void)
{
	char arg[16];
	const char *argv[] = { arg, NULL };

	snprintf(arg, sizeof(arg), "out=%s", con);
	return spawn_watched("console", argv, NULL, 0);
}

static long
start_ramfs(void)
{
	static const char *const argv[] = { "/tmp", NULL };

	return spawn_watched("ramfs", argv, NULL, 0);
}

static long
start_fat(void)
{
	static const char *const argv[] = { "blk=blk0", "name=/disk", NULL };

	return spawn_watched("fat", argv, NULL, 0);
}

/* Privileged: poweroff and kill of any task are the shell's to give; it
 * starts programs without privilege. */
static long
start_shell(void)
{
	const char *argv[] = { shell_script, NULL };

	return spawn_watched("sh", shell_script ? argv : NULL, (const char *const *)environ,
			     SPAWN_PRIV);
}

enum { C_UART, C_CONSOLE, C_RAMFS, C_FAT, C_SHELL, C_COUNT };

static struct child children[C_COUNT] = {
	[C_UART] = { "uart", "uart0", start_uart, STABLE_NS },
	[C_CONSOLE] = { "console", "console", start_console, STABLE_NS },
	[C_RAMFS] = { "ramfs", "/tmp", start_ramfs, STABLE_NS },
	[C_FAT] = { "fat", "/disk", start_fat, STABLE_NS },
	[C_SHELL] = { "sh", NULL, start_shell, 1000 * MS },
};

/* Task `tid` ended: reap it and mark its child ended. */
static void
child_ended(long tid)
{
	int st = 0;

	if (sys_task_wait(tid, &st) < 0)
		return;		/* not ours, or reaped already */
	for (int i = 0; i < C_COUNT; i++) {
		if (children[i].tid == tid) {
			children[i].tid = 0;
			children[i].ended = 1;
			children[i].status = st;
		}
	}
}

/* Wait up to `ns` for packets; every child's end is recorded. */
static void
events(uint64_t ns)
{
	struct ts_packet *p;

	dux_wait(ns);
	while ((p = dux_recv())) {
		ts_addr dead = dux_watch_ended(p);
		if (dead)
			child_ended((long)dead);
		dux_data_free(p);
		dux_done(p);
	}
}

/* Start child c and wait until it serves its name; a child that ends
 * first is noticed at once.  0, or -1 after a log line. */
static int
bring_up(struct child *c)
{
	long tid = c->start();

	c->due = 0;
	if (tid < 0) {
		printf("init: %s: %s\n", c->name, ts_strerror((int)tid));
		return -1;
	}
	c->tid = tid;
	c->ended = 0;
	c->rs.started = ts_now();
	if (!c->svc)
		return 0;
	for (uint64_t end = c->rs.started + 2 * STEP_NS; ts_now() < end; events(10 * MS)) {
		if (c->ended) {
			c->ended = 0;
			printf("init: %s ended with status %d (%s) before serving %s\n", c->name,
			       c->status, c->status < 0 ? ts_strerror(c->status) : "its log says why",
			       c->svc);
			return -1;
		}
		if (dux_lookup(c->svc) == tid)
			return 0;
	}
	printf("init: %s did not serve %s\n", c->name, c->svc);
	sys_task_kill(tid);
	while (c->tid)
		events(10 * MS);
	c->ended = 0;
	return -1;
}

/* Child c ended (or failed to restart): restart it after the delay, unless
 * it ended in order or crashed too often.  The shell is never given up. */
static void
schedule_restart(struct child *c, int status)
{
	int shell = c == &children[C_SHELL];
	uint64_t now = ts_now();

	if (!shell && status == 0) {
		printf("init: %s ended (status 0): not restarted\n", c->name);
		c->supervised = 0;
		return;
	}
	if (shell && now - c->rs.started >= c->stable) {
		c->rs = (struct ts_restart){ 0 };	/* it ran a while: back at once */
		c->due = now + 1;
		return;
	}
	uint64_t delay = ts_restart_delay(&c->rs, c->stable);
	if (!delay && shell) {
		c->rs.crashes = 0;
		delay = TS_RESTART_MAX_NS;
	}
	if (!delay) {
		printf("init: %s crashed %d times in a row: given up\n", c->name, TS_RESTART_TRIES);
		c->supervised = 0;
		return;
	}
	if (shell)
		printf("init: sh ended at once (status %d); restart in %llu ms\n", status,
		       (unsigned long long)(delay / MS));
	else
		printf("init: %s died (status %d: %s); restart in %llu ms\n", c->name, status,
		       status < 0 ? ts_strerror(status) : "error", (unsigned long long)(delay / MS));
	c->due = now + delay;
}

static void
restart(struct child *c)
{
	if (bring_up(c) == 0) {
		if (c->svc)
			printf("init: %s restarted (tid %ld)\n", c->name, c->tid);
		return;
	}
	schedule_restart(c, -1);
}

/*
 * Run the shell and supervise every child.  With a script: until the
 * shell ends, returning its status, or until exec_deadline, killing it and
 * returning -ERR_TIMEOUT.  Interactive: for ever; the shell is started
 * again whenever it ends.
 */
static int
supervise(void)
{
	struct child *sh = &children[C_SHELL];

	sh->supervised = bring_up(sh) == 0;
	if (!sh->supervised && shell_script)
		return -ERR_NOENT;
	for (;;) {
		uint64_t now = ts_now(), wait = DUX_FOREVER;
		if (shell_script && exec_deadline != UINT64_MAX) {
			if (now >= exec_deadline) {
				sys_task_kill(sh->tid);
				while (sh->tid)
					events(10 * MS);
				return -ERR_TIMEOUT;
			}
			wait = exec_deadline - now;
		}
		for (int i = 0; i < C_COUNT; i++) {
			struct child *c = &children[i];
			if (c->due && c->due <= now && c->supervised)
				restart(c);
			uint64_t w = c->due > now ? c->due - now : 1;
			if (c->due && c->supervised && w < wait)
				wait = w;
		}
		events(wait);
		for (int i = 0; i < C_COUNT; i++) {
			struct child *c = &children[i];
			if (!c->ended)
				continue;
			c->ended = 0;
			if (c == sh && shell_script)
				return c->status;
			if (c->supervised)
				schedule_restart(c, c->status);
		}
	}
}

/* Bring up child i at boot; a child that came up is supervised. */
static int
boot_child(int i)
{
	int r = bring_up(&children[i]);

	children[i].supervised = r == 0;
	return r;
}

int
main(int argc, char **argv)
{
	long rc;

	(void)argc;
	(void)argv;
	if (dux_init(16) < 0) {
		printf("init: no IPC area\n");
		return 1;
	}
	boot_child(C_UART);
	/* A cluster node (docs/cluster.md): the PCI server holds the NIC for
	 * netproxy, which drives it directly (init_net.c). */
	char node[8], nodes[8];
	int cluster = bootarg("node", node, sizeof(node)) && bootarg("nodes", nodes, sizeof(nodes));
	const char *pci_argv[] = { "hold=net", NULL };
	if ((rc = ts_spawn("pci", cluster ? pci_argv : NULL, 0, SPAWN_PRIV)) < 0)
		printf("init: pci: %s\n", ts_strerror((int)rc));
	if (bootarg("console", con, sizeof(con)) && strcmp(con, "uart") && strcmp(con, "gpu")) {
		printf("init: console=%s: want uart or gpu; using uart\n", con);
		strcpy(con, "uart");
	}
	if (!strcmp(con, "gpu") && wait_service("gpu0", STEP_NS) < 0) {
		printf("init: console=gpu but no gpu0; using uart\n");
		strcpy(con, "uart");
	}
	if (boot_child(C_CONSOLE) == 0)
		printf("init: console on %s\n", con);
	if (boot_child(C_RAMFS) == 0)
		printf("init: ramfs on /tmp\n");
	if (wait_service("blk0", STEP_NS / 5) >= 0 && boot_child(C_FAT) == 0)
		printf("init: blk0 mounted on /disk\n");
	printf("init: Tessera node up, %ld harts, %ld free pages\n", sys_info(INFO_NHARTS, 0),
	       sys_info(INFO_FREE_PAGES, 0));

	/* The shell and what it runs write to the console (docs/libc.md). */
	setenv("TS_STDIO", "console", 1);
	if (cluster)
		init_netproxy(node, nodes);	/* a cluster node (docs/cluster.md) */
	if ((shell_script = init_exec_script(&exec_deadline))) {
		printf("init: exec begins\n");
		init_exec_done(supervise(), exec_deadline);
	}
	supervise();
	return 0;
}
