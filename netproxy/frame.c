/*
 * netproxy frames: header codec and the incremental reader (frame.h,
 * docs/netproxy.md).  Every check happens on the bytes that have arrived:
 * the reader never waits for bytes a broken header promised.
 */
#include <string.h>

#include <tessera/errors.h>
#include <tessera/le.h>
#include <tessera/wire.h>

#include "frame.h"

int
npf_len_ok(unsigned type, uint32_t len)
{
	switch (type) {
	case NPF_HELLO:
		return len == NPF_HELLO_LEN;
	case NPF_CHALLENGE:
		return len == NPF_CHAL_LEN;
	case NPF_RESPONSE:
		return len == NPF_RESP_LEN;
	case NPF_HEARTBEAT:
		return len == NPF_HB_LEN;
	case NPF_ANNOUNCE:
		return len <= NPF_ANN_MAX;
	case NPF_ECHO:
		return len >= NPF_ECHO_MIN && len <= NPF_ECHO_MAX;
	case NPF_ECHO_REPLY:
		return len == NPF_EREPLY_LEN;
	default:
		return 0;
	}
}

int
npf_header(unsigned type, uint32_t len, uint8_t *hdr)
{
	if (!npf_len_ok(type, len))
		return -ERR_INVAL;
	hdr[0] = NPF_MAGIC0;
	hdr[1] = NPF_MAGIC1;
	hdr[2] = NPF_VERSION;
	hdr[3] = (uint8_t)type;
	le32_put(hdr + 4, len);
	le32_put(hdr + 8, wire_crc32(hdr, 8));
	return NPF_HDR;
}

void
npf_reader_init(struct npf_reader *r)
{
	r->hlen = 0;
	r->type = 0;
	r->len = r->got = 0;
	r->why = NULL;
}

/* Check header byte i (just stored); 0 or -ERR_INVAL with r->why. */
static int
check_byte(struct npf_reader *r, unsigned i)
{
	const uint8_t *h = r->hdr;

	if ((i == 0 && h[0] != NPF_MAGIC0) || (i == 1 && h[1] != NPF_MAGIC1))
		r->why = "bad magic";
	else if (i == 2 && h[2] != NPF_VERSION)
		r->why = "bad version";
	else if (i == 3 && (h[3] == 0 || h[3] >= NPF_TYPE_COUNT))
		r->why = "unknown frame type";
	else if (i == 7 && !npf_len_ok(h[3], le32_get(h + 4)))
		r->why = "bad length for the frame type";
	else if (i == NPF_HDR - 1 && le32_get(h + 8) != wire_crc32(h, 8))
		r->why = "header checksum";
	else
		return 0;
	return -ERR_INVAL;
}

int
npf_feed(struct npf_reader *r, const uint8_t *p, size_t n, size_t *used)
{
	size_t i = 0;

	*used = 0;
	if (r->why)
		return -ERR_INVAL;
	if (r->hlen == NPF_HDR && r->got == r->len)
		npf_reader_init(r);	/* the previous frame was returned */
	while (r->hlen < NPF_HDR && i < n) {
		r->hdr[r->hlen] = p[i++];
		if (check_byte(r, r->hlen++) < 0) {
			*used = i;
			return -ERR_INVAL;
		}
		if (r->hlen == NPF_HDR) {
			r->type = r->hdr[3];
			r->len = le32_get(r->hdr + 4);
			r->got = 0;
		}
	}
	if (r->hlen < NPF_HDR) {
		*used = i;
		return 0;
	}
	size_t take = n - i < r->len - r->got ? n - i : r->len - r->got;
	if (r->got < NPF_KEEP) {
		size_t keep = NPF_KEEP - r->got < take ? NPF_KEEP - r->got : take;
		memcpy(r->buf + r->got, p + i, keep);
	}
	r->got += (uint32_t)take;
	*used = i + take;
	return r->got == r->len ? 1 : 0;
}
