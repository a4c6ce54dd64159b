/*
 * Restart policy of supervisors (init for its servers, the PCI server for
 * its drivers; docs/architecture.md): after a crash, wait a delay that
 * doubles from TS_RESTART_MIN_NS to TS_RESTART_MAX_NS; a run of `stable`
 * ns resets it; after TS_RESTART_TRIES crashes in a row, give up.
 */
#include <tessera/user.h>

uint64_t
ts_restart_delay(struct ts_restart *r, uint64_t stable)
{
	uint64_t now = ts_now();

	if (r->started && now - r->started >= stable) {
		r->crashes = 0;
		r->delay = 0;
	}
	if (++r->crashes > TS_RESTART_TRIES)
		return 0;
	r->delay = r->delay ? r->delay * 2 : TS_RESTART_MIN_NS;
	if (r->delay > TS_RESTART_MAX_NS)
		r->delay = TS_RESTART_MAX_NS;
	return r->delay;
}
