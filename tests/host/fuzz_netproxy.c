/*
 * libFuzzer target for netproxy's frame reader and handshake
 * (netproxy/frame.c, netproxy/hs.c).  Byte 0 picks the role:
 *   even: the bytes after it are a TCP stream into an acceptor (node 2 of
 *         3): frames are read in pieces whose sizes come from byte 1, and
 *         every complete frame goes to the handshake;
 *   odd:  the same into a connector (node 1 dialling node 2), after its
 *         HELLO.
 * Checked: the reader never returns a frame whose length its type does
 * not allow, never uses more bytes than given, stays refused once refused;
 * the handshake never succeeds (the input cannot know the key's proof)
 * and is refused for good after its first refusal.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tessera/errors.h>

#include "frame.h"
#include "hs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t key[32] = "fuzz-key-fuzz-key-fuzz-key-fuzz!";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct npf_reader r;
	struct np_hs hs;
	uint8_t nonce[NPF_NONCE] = { 7 }, out[NP_HS_OUT_MAX];
	size_t olen;
	unsigned otype;

	if (size < 2)
		return 0;
	int connect = data[0] & 1;
	size_t piece = 1 + data[1] % 64;
	data += 2;
	size -= 2;
	if (np_hs_start(&hs, connect ? NP_HS_CONNECT : NP_HS_ACCEPT, connect ? 1 : 2,
			connect ? 2 : 0, 3, key, sizeof(key), nonce, out, &olen) < 0)
		abort();
	npf_reader_init(&r);
	int refused = 0, hs_failed = 0;
	while (size) {
		size_t n = size < piece ? size : piece, used;
		int rc = npf_feed(&r, data, n, &used);
		if (used > n || (refused && rc != -ERR_INVAL))
			abort();
		data += used;
		size -= used;
		if (rc < 0) {
			if (rc != -ERR_INVAL || !r.why)
				abort();
			refused = 1;
			if (!used)
				break;
			continue;
		}
		if (rc != 1)
			continue;
		if (!npf_len_ok(r.type, r.len))
			abort();
		size_t keep = r.len < NPF_KEEP ? r.len : NPF_KEEP;
		int h = np_hs_input(&hs, r.type, r.buf, keep, out, &otype, &olen);
		if (h == NP_HS_DONE || (hs_failed && h >= 0))
			abort();
		if (h < 0)
			hs_failed = 1;
	}
	return 0;
}
