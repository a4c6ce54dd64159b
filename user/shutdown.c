/*
 * shutdown: the node's orderly end when init dies.  The kernel starts it
 * (privileged, as the new first task) with init's power-off status as its
 * argument: it flushes every mounted volume, each call bounded
 * (ts_shutdown), and powers off with that status.  Its own end, however
 * it comes, powers the node off at once (docs/architecture.md).
 *
 *   shutdown [STATUS]
 */
#include <stdio.h>
#include <stdlib.h>

#include <tessera/user.h>

int
main(int argc, char **argv)
{
	int status = argc > 1 ? atoi(argv[1]) : 0;

	printf("shutdown: flushing file systems, then power-off with status %d\n", status);
	long r = ts_shutdown(status);
	printf("shutdown: power-off: %s\n", ts_strerror(r));
	return status;
}
