/*
 * The network wire format of a Tessera packet (ipc/wire.c), spoken between
 * the netproxies of two nodes over one TCP connection.  docs/ipc-wire.md
 * has the byte table and the rules.
 *
 * A frame is a fixed 92-byte little-endian header, then `name_len` name
 * bytes, then `data_len` data bytes.  The header carries every packet field
 * except the data address (meaningless on another node); two CRC-32s refuse
 * a corrupted header or name.
 *
 * How to use:
 *   send:    n = wire_encode(p, src, dst, data_len, buf, cap);  write buf[0..n),
 *            then the data_len data bytes.
 *   receive: n = wire_decode(buf, have, &p, &src, &dst, &data_len);
 *            -ERR_AGAIN: read more bytes and call again with the longer buffer;
 *            -ERR_INVAL: the stream is corrupt, drop the connection;
 *            n > 0: the packet is in p (p.data = 0, p.len from the header);
 *            its data_len data bytes follow at buf + n (none with
 *            PKT_DATA_NONE, where len is a plain number such as a READ size).
 * Neither function keeps state or touches memory outside its arguments.
 */
#ifndef TESSERA_WIRE_H
#define TESSERA_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <tessera/ipc.h>

#define WIRE_MAGIC0	 0x54u	/* 'T' */
#define WIRE_MAGIC1	 0x57u	/* 'W' */
#define WIRE_VERSION	 1u
#define WIRE_HDR_LEN	 92u
#define WIRE_FRAME_MAX	 (WIRE_HDR_LEN + IPC_NAME_MAX)	/* header + name */

/* Byte offsets in the header; every field little endian. */
#define WIRE_OFF_MAGIC	  0	/* u8[2] "TW" */
#define WIRE_OFF_VERSION  2	/* u8  WIRE_VERSION */
#define WIRE_OFF_HDR_LEN  3	/* u8  WIRE_HDR_LEN */
#define WIRE_OFF_SRC	  4	/* u16 sending node */
#define WIRE_OFF_DST	  6	/* u16 receiving node */
#define WIRE_OFF_ADDR	  8	/* u64 packet addr */
#define WIRE_OFF_ID	 16	/* u64 packet id */
#define WIRE_OFF_HANDLE	 24	/* u64 packet handle */
#define WIRE_OFF_OFFSET	 32	/* u64 packet offset */
#define WIRE_OFF_ORIGIN	 40	/* u64 packet origin */
#define WIRE_OFF_DATA_LEN 48	/* u64 data bytes after the name */
#define WIRE_OFF_STATUS	 56	/* i32 packet status */
#define WIRE_OFF_OPCODE	 60	/* u16 packet opcode */
#define WIRE_OFF_FLAGS	 62	/* u16 packet flags */
#define WIRE_OFF_NAME_LEN 64	/* u16 name bytes after the header, 0..255 */
#define WIRE_OFF_RESERVED 66	/* u16 zero */
#define WIRE_OFF_UUID	 68	/* u8[16] packet uuid */
#define WIRE_OFF_NAME_CRC 84	/* u32 CRC-32 of the name bytes */
#define WIRE_OFF_HDR_CRC 88	/* u32 CRC-32 of header bytes 0..87 */

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32(0, buf, len)). */
uint32_t wire_crc32(const uint8_t *buf, size_t len);

/* Write the header and name of packet *p into buf[0..cap).  p->data and
 * p->len are not sent; data_len is (with PKT_DATA_NONE data_len must be 0:
 * the header then carries p->len as a plain number).  Returns the bytes written
 * (WIRE_HDR_LEN + name_len), -ERR_INVAL when *p or data_len breaks a rule
 * that wire_decode() would refuse, -ERR_TOOBIG when cap is too small.
 * Writes nothing on error. */
int wire_encode(const struct ts_packet *p, uint16_t src_node,
		uint16_t dst_node, uint64_t data_len, uint8_t *buf, size_t cap);

/* Read one frame's header and name from buf[0..len); never reads past len.
 * Returns the bytes consumed (header + name), -ERR_AGAIN when the frame is
 * not complete yet (more bytes may make it decode), or -ERR_INVAL: bad
 * magic, version, header length, checksum, opcode, flags, name_len,
 * reserved field, or data_len against the flags.  On success fills the
 * whole *p (data = 0, len = data_len, name bytes past name_len and reserved
 * fields zero), *src_node, *dst_node and *data_len; on error writes none of
 * them.  PKT_KERNEL and node bits in addresses are allowed on the wire. */
int wire_decode(const uint8_t *buf, size_t len, struct ts_packet *p,
		uint16_t *src_node, uint16_t *dst_node, uint64_t *data_len);

#endif
