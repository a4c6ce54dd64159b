/*
 * Nonces and lwIP's random numbers.  Tessera has no entropy source yet, so
 * a 32-byte pool is hashed with SHA-256 over the monotonic clock (ns), the
 * node number, a counter and every value np_entropy_add gets (the arrival
 * time of each received frame); each output is SHA-256(pool | "out" | n).
 * Unique per node and connection, and hard to predict from outside only as
 * far as the clock's low bits are (docs/netproxy.md says so).
 */
#include <string.h>

#include <tessera/le.h>

#include "netproxy.h"

static uint8_t pool[32];
static uint64_t counter;

void
np_entropy_add(uint64_t v)
{
	uint8_t m[32 + 24];

	memcpy(m, pool, 32);
	le64_put(m + 32, v);
	le64_put(m + 40, np_now());
	le64_put(m + 48, (uint64_t)np_conf.self << 32 | ++counter);
	np_sha256(m, sizeof(m), pool);
}

void
np_nonce(uint8_t *out)
{
	uint8_t m[32 + 3 + 8];

	np_entropy_add(0x6e6f6e6365ull);
	memcpy(m, pool, 32);
	memcpy(m + 32, "out", 3);
	le64_put(m + 35, ++counter);
	np_sha256(m, sizeof(m), out);
}

unsigned
np_rand32(void)
{
	uint8_t n[NPF_NONCE];

	np_nonce(n);
	return le32_get(n);
}
