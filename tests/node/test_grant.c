/* Device grants: a privileged parent spawns a driver stopped, grants it one
 * device page and one interrupt, then starts it; the driver may use exactly
 * those (and DMA memory), nothing else privileged. */
#include <stdlib.h>
#include <dux/dux.h>
#include "ttest.h"

#define UART_PA	 0x10000000ul
#define TEST_PA	 0x100000ul	/* sifive_test finisher: not granted */
#define VA	 0x2000000000ul
#define PG	 4096ul

static uint8_t nstack[4096] __attribute__((aligned(16)));

static void
on_note(uint64_t src, uint64_t val)
{
	(void)src;
	(void)val;
}

/* The driver: checks what its grants allow. */
static int
driver(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	uint64_t pa;
	TT_EQ(sys_mem_map_device(VA, UART_PA, PG), 0);
	TT_EQ(sys_mem_map_device(VA + PG, TEST_PA, PG), -ERR_PERM);
	TT_EQ(sys_mem_map_device(VA + PG, UART_PA, 2 * PG), -ERR_PERM);	/* beyond */
	TT_EQ(sys_mem_map_device(VA + PG, 0x80000000ul, PG), -ERR_PERM);	/* RAM */
	TT_EQ(sys_mem_alloc_dma(VA + 4 * PG, PG, &pa), 0);
	uint64_t pins[1];
	TT_EQ(sys_mem_pin(VA + 4 * PG, PG, pins), 1);
	TT_EQ(pins[0], pa);
	TT_EQ(sys_mem_unpin(pins, 1), 1);
	TT_EQ(dux_init(8), 0);
	TT_EQ(dux_notify_handler(on_note, nstack, sizeof(nstack)), 0);
	TT_EQ(sys_irq_reserve(10), 0);
	TT_EQ(sys_irq_reserve(11), -ERR_PERM);
	TT_EQ(sys_poweroff(1), -ERR_PERM);
	TT_EQ(sys_dev_grant(sys_task_self(), GRANT_IRQ, 11, 1), -ERR_PERM);
	return 42;
}

/* No grants: nothing privileged. */
static int
plain(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	uint64_t pa;
	TT_EQ(sys_mem_alloc_dma(VA, PG, &pa), -ERR_PERM);
	TT_EQ(sys_mem_map_device(VA, UART_PA, PG), -ERR_PERM);
	return 43;
}

static int
grants(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	const char *av[] = { "_driver", NULL };
	long d = ts_spawn("test_grant", av, 0, SPAWN_STOPPED);
	TT_CHECK(d > 0);
	TT_EQ(sys_dev_grant(d, GRANT_MMIO, UART_PA, PG), 0);
	TT_EQ(sys_dev_grant(d, GRANT_IRQ, 10, 1), 0);
	TT_EQ(sys_dev_grant(d, GRANT_MMIO, UART_PA + 1, PG), -ERR_INVAL);
	TT_EQ(sys_dev_grant(d, GRANT_IRQ, 0, 1), -ERR_INVAL);
	TT_EQ(sys_dev_grant(d, 7, 0, 0), -ERR_INVAL);
	TT_EQ(sys_dev_grant(sys_task_self(), GRANT_IRQ, 10, 1), -ERR_CHILD);
	sys_sleep(20000000);
	TT_EQ(sys_info(INFO_TASK_CPU_NS, d), 0);	/* stopped: never ran */
	TT_EQ(sys_task_start(d), 0);
	TT_EQ(sys_task_start(d), -ERR_INVAL);
	int st = -1;
	TT_EQ(sys_task_wait(d, &st), 0);
	TT_EQ(st, 42);

	const char *av2[] = { "_plain", NULL };
	TT_EQ(ts_run("test_grant", av2, 0, 0), 43);
	/* A stopped child can be killed. */
	long s = ts_spawn("test_grant", av2, 0, SPAWN_STOPPED);
	TT_CHECK(s > 0);
	TT_EQ(sys_task_kill(s), 0);
	TT_EQ(sys_task_wait(s, &st), 0);
	TT_EQ(st, -ERR_KILLED);
	return 0;
}

static const struct ttest tests[] = {
	{ "_driver", driver },
	{ "_plain", plain },
	{ "grants", grants },
};

TT_MAIN(tests)
