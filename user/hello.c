/* Says hello from whichever hart it runs on, after some work so that the
 * scheduler spreads several of them over the harts. */
#include <stdio.h>
#include <tessera/user.h>

int
main(void)
{
	volatile unsigned long x = 0;

	for (unsigned long i = 0; i < 3000000; i++)
		x += i;
	printf("hello from task %ld on hart %ld\n", sys_task_self(), sys_info(INFO_HART_ID, 0));
	return 0;
}
