/*
 * The orderly way down (docs/libc.md): OP_FLUSH to every mounted volume,
 * each call bounded in time, then the SBI power-off.  The shell's `sync`
 * and `poweroff`, init's end of an exec= script and the `shutdown`
 * program the kernel starts when init dies all come through here, so every
 * orderly way down flushes what it can first.
 */
#include <stdlib.h>
#include <stdio.h>
#include <dux/dux.h>
#include <tessera/errors.h>
#include <tessera/user.h>
#include "libc.h"

int
ts_sync_mounts(uint64_t ns, void (*report)(const char *mount, int err))
{
	long n;
	int st = 0;
	struct ts_svc_info *s = ts_services(&n);

	if (!s || libc_ipc() < 0) {
		free(s);
		if (report)
			report("*", -ERR_NOMEM);
		return -ERR_NOMEM;
	}
	libc_stdio_sync();
	for (long i = 0; i < n; i++) {
		if (s[i].name[0] != '/')
			continue;
		struct ts_packet req = { .opcode = OP_FLUSH }, rep = { .flags = 0 };
		dux_set_name(&req, "/", 1);
		int r = dux_call((ts_addr)s[i].tid, &req, &rep, ns);
		if (!(rep.flags & PKT_KERNEL))
			dux_data_free(&rep);	/* nothing after a time-out: rep is zero */
		if (r < 0 && r != -ERR_NOTSUP) {	/* nothing to flush: a remote name */
			if (report)
				report(s[i].name, r);
			if (st == 0)
				st = r;
		}
	}
	free(s);
	return st;
}

static void
report_line(const char *mount, int err)
{
	printf("shutdown: flush %s: %s\n", mount, ts_strerror(err));
}

long
ts_shutdown(int status)
{
	ts_sync_mounts(TS_SYNC_NS, report_line);
	fflush(stdout);
	return sys_poweroff(status);
}
