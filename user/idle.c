/* Sleeps forever: the node does nothing (ci/bench measures host CPU use).
 * `idle SECONDS` sleeps that long and exits (tests wait in --exec scripts,
 * e.g. for the FAT server's write-back). */
#include <stdlib.h>
#include <tessera/user.h>

int
main(int argc, char **argv)
{
	if (argc > 1) {
		sys_sleep(strtoull(argv[1], NULL, 0) * 1000000000ull);
		return 0;
	}
	for (;;)
		sys_sleep(3600ull * 1000000000ull);
}
