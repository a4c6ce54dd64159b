/* Sleeps forever: the node does nothing (ci/bench measures host CPU use). */
#include <tessera/user.h>

int
main(void)
{
	for (;;)
		sys_sleep(3600ull * 1000000000ull);
}
