/*
 * netproxy frames: the message layer over one TCP connection between two
 * netproxies (docs/netproxy.md, "Frames").  A frame is a fixed 12-byte
 * little-endian header, then `len` payload bytes:
 *
 *   0  u8[2] magic "TN"     4  u32 len (payload bytes)
 *   2  u8    version 1      8  u32 CRC-32 (wire_crc32) of header bytes 0..7
 *   3  u8    type (NPF_*)
 *
 * Each type has its own payload length range (npf_len_ok); the reader
 * refuses garbage from its first byte (magic, version, type) and a bad
 * length or CRC as soon as the header is complete, before any payload.
 *
 * How to use:
 *   send:    n = npf_header(type, len, hdr);  write hdr[0..n), then payload
 *   receive: npf_reader_init(&r);
 *            while (bytes) { rc = npf_feed(&r, buf, n, &used); buf += used; ...
 *                rc 1: frame r.type, r.len complete; the first
 *                      min(len, NPF_KEEP) payload bytes are in r.buf;
 *                rc 0: all bytes used, frame not complete yet;
 *                rc < 0: -ERR_INVAL, the stream is garbage (r.why says
 *                      why): drop the connection. }
 * Pure C, no allocation; built for the guest and the host tests.
 */
#ifndef NP_FRAME_H
#define NP_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define NPF_MAGIC0	0x54u	/* 'T' */
#define NPF_MAGIC1	0x4eu	/* 'N' */
#define NPF_VERSION	1u
#define NPF_HDR		12u
#define NPF_KEEP	4096u		/* payload bytes the reader keeps */
#define NPF_ECHO_MAX	(64u << 20)	/* ECHO payload: token + filler */

/* Message types; payloads in docs/netproxy.md. */
enum npf_type {
	NPF_HELLO = 1,		/* connector: proto, nodes, nonce */
	NPF_CHALLENGE,		/* acceptor: nodes, nonce, its proof */
	NPF_RESPONSE,		/* connector: its proof */
	NPF_HEARTBEAT,		/* times for liveness and round trip */
	NPF_ANNOUNCE,		/* exported service names */
	NPF_ECHO,		/* token + filler; answered by ECHO_REPLY */
	NPF_ECHO_REPLY,		/* token + payload length seen */
	NPF_TYPE_COUNT
};

/* Fixed payload lengths and the ANNOUNCE bound. */
#define NPF_NONCE	32u
#define NPF_MAC		32u
#define NPF_HELLO_LEN	(8u + NPF_NONCE)		/* u16 proto, from, to, nodes */
#define NPF_CHAL_LEN	(4u + NPF_NONCE + NPF_MAC)	/* u16 from, to */
#define NPF_RESP_LEN	NPF_MAC
#define NPF_HB_LEN	24u				/* u64 t, echo_t, echo_hold */
#define NPF_ANN_MAX	NPF_KEEP
#define NPF_ECHO_MIN	8u				/* u64 token */
#define NPF_EREPLY_LEN	16u				/* u64 token, u64 len */

struct npf_reader {
	uint8_t hdr[NPF_HDR];
	unsigned hlen;		/* header bytes so far */
	uint8_t type;		/* valid once hlen == NPF_HDR */
	uint32_t len, got;	/* payload length, bytes so far */
	const char *why;	/* set with -ERR_INVAL */
	uint8_t buf[NPF_KEEP];	/* first min(len, NPF_KEEP) payload bytes */
};

/* 1 if a payload of `len` bytes is allowed for `type`, else 0. */
int npf_len_ok(unsigned type, uint32_t len);

/* Write the header of a frame of `type` with `len` payload bytes into
 * hdr[NPF_HDR].  Returns NPF_HDR, or -ERR_INVAL (unknown type, length not
 * allowed for it: nothing written). */
int npf_header(unsigned type, uint32_t len, uint8_t *hdr);

void npf_reader_init(struct npf_reader *r);

/* Consume bytes from p[0..n) up to the end of the current frame; *used is
 * how many.  Returns 1 (a frame is complete: read r->type, r->len, r->buf;
 * the next call starts a new frame), 0 (every byte used, frame incomplete)
 * or -ERR_INVAL (garbage, r->why set; the reader stays refused). */
int npf_feed(struct npf_reader *r, const uint8_t *p, size_t n, size_t *used);

#endif
