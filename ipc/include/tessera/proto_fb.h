/*
 * The framebuffer protocol: what a framebuffer server (virtio-gpu, service
 * `gpuN`) answers.  docs/gpu.md has the details; every field is little
 * endian.  Pixels are FB_FORMAT_XRGB8888: one 32-bit little-endian word per
 * pixel, 0x00RRGGBB (bytes B, G, R, X in memory), rows `stride` bytes apart.
 *
 *   OP_INFO   -> COPY data = struct fb_info, status = its size
 *   OP_WRITE  offset = FB_RECT(x, y, w, h), data = the pixels, rows
 *             packed (row r of the rectangle at data + r * w * 4): by COPY
 *             exactly w * h * 4 bytes; by MOVE or SHARE (whole pages, the
 *             kernel's rule) exactly w * h * 4 rounded up to a multiple of
 *             4096, the bytes past w * h * 4 ignored.  Copied into the
 *             framebuffer; not shown until an OP_FLUSH covers it.  status
 *             0.  -ERR_INVAL: empty rectangle, rectangle not inside the
 *             screen, no data or another length.  The server's receive ranges
 *             take FB_WRITE_MAX bytes per request: split larger rectangles
 *             (bigger data is refused by the kernel with -ERR_TOOBIG).
 *   OP_FLUSH  offset = FB_RECT(x, y, w, h); w == 0 or h == 0: the whole
 *             screen.  The device copies the rectangle from the framebuffer
 *             and shows it; status 0 once it has done both.  -ERR_INVAL:
 *             rectangle not inside the screen; -ERR_AGAIN: FB_FLUSH_MAX
 *             flushes already in flight; -ERR_IO: the device refused it or
 *             is broken.
 *   OP_MAP    (local only) offset = byte offset into the framebuffer (page
 *             aligned, < fb_info.size), len (PKT_DATA_NONE: a plain number)
 *             = bytes wanted, 0 = up to the end.  -> SHARE (read-write)
 *             data of the framebuffer pages [offset, offset + n), n = the
 *             smaller of len and what is left, rounded up to whole pages;
 *             status = n.  The client draws there directly, then sends
 *             OP_FLUSH.  The kernel maps the pages at the client's next
 *             posted receive range: it must be at least n bytes, else the
 *             reply comes back as -ERR_TOOBIG (docs/gpu.md: how to map the
 *             whole screen).  -ERR_INVAL: offset not page aligned or past
 *             the end; -ERR_NOTSUP: request from another node.
 *   anything else -> -ERR_NOTSUP
 */
#ifndef TESSERA_PROTO_FB_H
#define TESSERA_PROTO_FB_H

#include <stdint.h>

#define FB_FORMAT_XRGB8888	1u	/* 32-bit LE 0x00RRGGBB */
#define FB_BPP			4u	/* bytes per pixel */
#define FB_WRITE_MAX		(1u << 20)	/* OP_WRITE data bytes, at most */
#define FB_FLUSH_MAX		16u	/* OP_FLUSH requests in flight per server */

/* A rectangle in a packet's 64-bit `offset`: 16 bits each, x lowest. */
#define FB_RECT(x, y, w, h)                                                   \
	((uint64_t)(uint16_t)(x) | (uint64_t)(uint16_t)(y) << 16 |            \
	 (uint64_t)(uint16_t)(w) << 32 | (uint64_t)(uint16_t)(h) << 48)
#define FB_RECT_X(r)	((uint32_t)((r) & 0xffffu))
#define FB_RECT_Y(r)	((uint32_t)(((r) >> 16) & 0xffffu))
#define FB_RECT_W(r)	((uint32_t)(((r) >> 32) & 0xffffu))
#define FB_RECT_H(r)	((uint32_t)(((r) >> 48) & 0xffffu))

/* OP_INFO's reply data. */
struct fb_info {
	uint32_t width;		/* pixels */
	uint32_t height;	/* pixels */
	uint32_t stride;	/* bytes from one row to the next (>= width * 4) */
	uint32_t format;	/* FB_FORMAT_XRGB8888 */
	uint32_t size;		/* bytes OP_MAP can map: stride * height rounded
				   up to whole pages */
	uint32_t reserved[3];	/* zero */
};
_Static_assert(sizeof(struct fb_info) == 32, "framebuffer info is ABI");

#endif
