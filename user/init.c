/*
 * The default first program: greets from a task on every hart, then stays
 * as the node's idle anchor (later issues start the shell here).
 */
#include <stdio.h>
#include <tessera/user.h>

int
main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	long nharts = sys_info(INFO_NHARTS, 0);

	printf("init: Tessera node up, %ld harts, %ld free pages\n", nharts,
	       sys_info(INFO_FREE_PAGES, 0));
	long tids[8];
	for (long i = 0; i < nharts && i < 8; i++)
		tids[i] = ts_spawn("hello", NULL, 0, 0);
	for (long i = 0; i < nharts && i < 8; i++) {
		int st = -1;
		if (tids[i] > 0)
			sys_task_wait(tids[i], &st);
	}
	printf("init: all greeters done; node idle (Ctrl-A X quits QEMU)\n");
	for (;;)
		sys_sleep(3600ull * 1000000000ull);
}
