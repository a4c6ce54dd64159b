/*
 * init: the first program.  It brings the node's services up in order:
 *   1. the UART driver (`uart`, service uart0): the kernel console hands
 *      over to it (docs/uart.md);
 *   2. the PCI server (`pci`), which starts one driver per device: blkN,
 *      netN, gpuN, inputN (docs/pci.md);
 *   3. the console (`console`, service console) on the UART or the GPU, as
 *      the boot argument console=uart|gpu says (default uart; gpu falls
 *      back to uart when no GPU comes up);
 *   4. file systems: `ramfs /tmp`, and the FAT server on blk0 at /disk when
 *      the node has a disk;
 *   5. the shell: with the boot file boot.exec (cluster/launch
 *      --exec writes it) the script runs once and the node powers off with
 *      its exit status (init_exec.c); otherwise an interactive `sh` on the
 *      console, started again whenever it ends.
 * Each step logs one line; a failed step is logged and skipped, so a node
 * without a UART or PCI still comes up as far as it can.
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

#define STEP_NS		(5ull * 1000000000)	/* a service's time to come up */
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

static long
wait_service(const char *name, uint64_t ns)
{
	uint64_t end = ts_now() + ns;
	long tid;

	while ((tid = dux_lookup(name)) < 0 && ts_now() < end)
		sys_sleep(10 * 1000000ull);
	return tid;
}

/* Start `prog args...` and wait up to STEP_NS for service `svc`. */
static int
start_server(const char *prog, const char *const *argv, const char *svc)
{
	long tid = ts_spawn(prog, argv, 0, 0);

	if (tid < 0) {
		printf("init: %s: %s\n", prog, ts_strerror((int)tid));
		return -1;
	}
	if (wait_service(svc, 2 * STEP_NS) < 0) {
		printf("init: %s did not serve %s\n", prog, svc);
		sys_task_kill(tid);
		return -1;
	}
	return 0;
}

static void
mount_filesystems(void)
{
	static const char *const tmp[] = { "/tmp", NULL };
	static const char *const disk[] = { "blk=blk0", "name=/disk", NULL };

	if (start_server("ramfs", tmp, "/tmp") == 0)
		printf("init: ramfs on /tmp\n");
	if (wait_service("blk0", STEP_NS / 5) >= 0 && start_server("fat", disk, "/disk") == 0)
		printf("init: blk0 mounted on /disk\n");
}

/* Run the shell: once with a script (returns its status), or forever. */
static int
run_shell(const char *script)
{
	const char *argv[] = { "-c", script, NULL };

	/* Privileged: poweroff and kill of any task are the shell's to give;
	 * it starts programs without privilege. */
	if (script)
		return (int)ts_run("sh", argv, 0, SPAWN_PRIV);
	for (;;) {
		long st = ts_run("sh", NULL, 0, SPAWN_PRIV);
		if (st == -ERR_NOENT || st == -ERR_BADEXEC) {
			printf("init: no shell (%s); node idle\n", ts_strerror((int)st));
			return 0;
		}
		sys_sleep(100 * 1000000ull);	/* a shell that dies at once must not spin */
	}
}

/* Start the console on `out`; 0 once the service is up. */
static int
start_console(const char *out)
{
	char arg[16];
	const char *argv[] = { arg, NULL };

	snprintf(arg, sizeof(arg), "out=%s", out);
	long tid = ts_spawn("console", argv, 0, 0);
	if (tid < 0 || wait_service("console", 2 * STEP_NS) < 0) {
		printf("init: console out=%s did not come up\n", out);
		if (tid > 0)
			sys_task_kill(tid);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	char con[8] = "uart";
	long rc;

	(void)argc;
	(void)argv;
	if (dux_init(16) < 0) {
		printf("init: no IPC area\n");
		return 1;
	}
	if ((rc = uart_spawn(STEP_NS)) < 0)
		printf("init: uart driver: %s\n", ts_strerror((int)rc));
	if ((rc = ts_spawn("pci", NULL, 0, SPAWN_PRIV)) < 0)
		printf("init: pci: %s\n", ts_strerror((int)rc));
	if (bootarg("console", con, sizeof(con)) && strcmp(con, "uart") && strcmp(con, "gpu")) {
		printf("init: console=%s: want uart or gpu; using uart\n", con);
		strcpy(con, "uart");
	}
	if (!strcmp(con, "gpu") && wait_service("gpu0", STEP_NS) < 0) {
		printf("init: console=gpu but no gpu0; using uart\n");
		strcpy(con, "uart");
	}
	if (start_console(con) == 0)
		printf("init: console on %s\n", con);
	mount_filesystems();
	printf("init: Tessera node up, %ld harts, %ld free pages\n", sys_info(INFO_NHARTS, 0),
	       sys_info(INFO_FREE_PAGES, 0));

	/* The shell and what it runs write to the console (docs/libc.md). */
	setenv("TS_STDIO", "console", 1);
	char node[8], nodes[8];
	if (bootarg("node", node, sizeof(node)) && bootarg("nodes", nodes, sizeof(nodes)))
		init_netproxy(node, nodes);	/* a cluster node (docs/cluster.md) */
	init_exec();	/* with an --exec script: runs it and powers off */
	run_shell(NULL);
	for (;;)
		sys_sleep(3600ull * 1000000000ull);
}
