/*
 * The network wire codec of Tessera packets (contract in <tessera/wire.h>,
 * byte table in docs/ipc-wire.md).  Pure C without libc: built into
 * netproxy and for the host tests and fuzzer.
 */
#include <stddef.h>
#include <stdint.h>

#include <tessera/abi.h>
#include <tessera/errors.h>
#include <tessera/ipc.h>
#include <tessera/le.h>
#include <tessera/wire.h>

/* Bitwise CRC-32: frames are at most 347 bytes, a table is not worth it. */
uint32_t
wire_crc32(const uint8_t *buf, size_t len)
{
	uint32_t crc = 0xffffffffu;
	size_t i;
	int k;

	for (i = 0; i < len; i++) {
		crc ^= buf[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

/* The packet rules that hold across nodes: those of ipc_packet_check()
 * without the ones about this node (PKT_KERNEL, node bits, data address). */
static int
rules_ok(uint16_t opcode, uint16_t flags, uint16_t name_len, uint64_t data_len)
{
	uint16_t mode = flags & PKT_DATA_MASK;

	if (opcode == OP_NONE || opcode >= OP_COUNT)
		return 0;
	if ((flags & ~PKT_FLAGS_ALL) != 0 || name_len > IPC_NAME_MAX)
		return 0;
	if ((flags & PKT_SHARE_RO) && mode != PKT_DATA_SHARE)
		return 0;
	switch (mode) {
	case PKT_DATA_NONE:
		return 1;	/* the packet's len, no bytes follow */
	case PKT_DATA_COPY:
		return data_len <= IPC_COPY_MAX;
	default:
		return data_len != 0 && data_len % TS_PAGE_SIZE == 0 &&
		       data_len <= IPC_MOVE_MAX;
	}
}

static int
packet_reserved_zero(const struct ts_packet *p)
{
	size_t i;

	if (p->reserved0 != 0 || p->reserved1 != 0)
		return 0;
	for (i = 0; i < sizeof(p->reserved2); i++)
		if (p->reserved2[i] != 0)
			return 0;
	return 1;
}

/* Header and name of *p into buf; see wire.h. */
int
wire_encode(const struct ts_packet *p, uint16_t src_node, uint16_t dst_node,
	    uint64_t data_len, uint8_t *buf, size_t cap)
{
	size_t i;
	int none = (p->flags & PKT_DATA_MASK) == PKT_DATA_NONE;

	/* Without data nothing follows and the header carries p->len. */
	if (none && data_len != 0)
		return -ERR_INVAL;
	if (none)
		data_len = p->len;
	if (!rules_ok(p->opcode, p->flags, p->name_len, data_len) ||
	    !packet_reserved_zero(p))
		return -ERR_INVAL;
	if (cap < WIRE_HDR_LEN + (size_t)p->name_len)
		return -ERR_TOOBIG;
	buf[WIRE_OFF_MAGIC] = WIRE_MAGIC0;
	buf[WIRE_OFF_MAGIC + 1] = WIRE_MAGIC1;
	buf[WIRE_OFF_VERSION] = WIRE_VERSION;
	buf[WIRE_OFF_HDR_LEN] = WIRE_HDR_LEN;
	le16_put(buf + WIRE_OFF_SRC, src_node);
	le16_put(buf + WIRE_OFF_DST, dst_node);
	le64_put(buf + WIRE_OFF_ADDR, p->addr);
	le64_put(buf + WIRE_OFF_ID, p->id);
	le64_put(buf + WIRE_OFF_HANDLE, p->handle);
	le64_put(buf + WIRE_OFF_OFFSET, p->offset);
	le64_put(buf + WIRE_OFF_ORIGIN, p->origin);
	le64_put(buf + WIRE_OFF_DATA_LEN, data_len);
	le32_put(buf + WIRE_OFF_STATUS, (uint32_t)p->status);
	le16_put(buf + WIRE_OFF_OPCODE, p->opcode);
	le16_put(buf + WIRE_OFF_FLAGS, p->flags);
	le16_put(buf + WIRE_OFF_NAME_LEN, p->name_len);
	le16_put(buf + WIRE_OFF_RESERVED, 0);
	for (i = 0; i < sizeof(p->uuid); i++)
		buf[WIRE_OFF_UUID + i] = p->uuid[i];
	for (i = 0; i < p->name_len; i++)
		buf[WIRE_HDR_LEN + i] = (uint8_t)p->name[i];
	le32_put(buf + WIRE_OFF_NAME_CRC, wire_crc32(buf + WIRE_HDR_LEN, p->name_len));
	le32_put(buf + WIRE_OFF_HDR_CRC, wire_crc32(buf, WIRE_OFF_HDR_CRC));
	return (int)(WIRE_HDR_LEN + p->name_len);
}

/* The first four bytes are constant: refuse a wrong one as soon as it
 * arrives, so a stream reader does not wait for a header that never
 * comes.  Returns 0 when the bytes present are right. */
static int
prefix_bad(const uint8_t *buf, size_t len)
{
	static const uint8_t want[4] = {
		WIRE_MAGIC0, WIRE_MAGIC1, WIRE_VERSION, WIRE_HDR_LEN
	};
	size_t i;

	for (i = 0; i < len && i < sizeof(want); i++)
		if (buf[i] != want[i])
			return 1;
	return 0;
}

/* One frame's header and name from buf[0..len); see wire.h. */
int
wire_decode(const uint8_t *buf, size_t len, struct ts_packet *p,
	    uint16_t *src_node, uint16_t *dst_node, uint64_t *data_len)
{
	uint16_t opcode, flags, name_len;
	uint64_t dlen;
	uint8_t *raw;
	size_t i;

	if (prefix_bad(buf, len))
		return -ERR_INVAL;
	if (len < WIRE_HDR_LEN)
		return -ERR_AGAIN;
	if (le32_get(buf + WIRE_OFF_HDR_CRC) != wire_crc32(buf, WIRE_OFF_HDR_CRC))
		return -ERR_INVAL;
	opcode = le16_get(buf + WIRE_OFF_OPCODE);
	flags = le16_get(buf + WIRE_OFF_FLAGS);
	name_len = le16_get(buf + WIRE_OFF_NAME_LEN);
	dlen = le64_get(buf + WIRE_OFF_DATA_LEN);
	if (le16_get(buf + WIRE_OFF_RESERVED) != 0 ||
	    !rules_ok(opcode, flags, name_len, dlen))
		return -ERR_INVAL;
	if (len - WIRE_HDR_LEN < name_len)
		return -ERR_AGAIN;
	if (le32_get(buf + WIRE_OFF_NAME_CRC) !=
	    wire_crc32(buf + WIRE_HDR_LEN, name_len))
		return -ERR_INVAL;

	raw = (uint8_t *)p;
	for (i = 0; i < sizeof(*p); i++)
		raw[i] = 0;
	p->addr = le64_get(buf + WIRE_OFF_ADDR);
	p->id = le64_get(buf + WIRE_OFF_ID);
	p->handle = le64_get(buf + WIRE_OFF_HANDLE);
	p->offset = le64_get(buf + WIRE_OFF_OFFSET);
	p->origin = le64_get(buf + WIRE_OFF_ORIGIN);
	p->len = dlen;
	p->status = (int32_t)le32_get(buf + WIRE_OFF_STATUS);
	p->opcode = opcode;
	p->flags = flags;
	p->name_len = name_len;
	for (i = 0; i < sizeof(p->uuid); i++)
		p->uuid[i] = buf[WIRE_OFF_UUID + i];
	for (i = 0; i < name_len; i++)
		p->name[i] = (char)buf[WIRE_HDR_LEN + i];
	*src_node = le16_get(buf + WIRE_OFF_SRC);
	*dst_node = le16_get(buf + WIRE_OFF_DST);
	*data_len = (flags & PKT_DATA_MASK) == PKT_DATA_NONE ? 0 : dlen;
	return (int)(WIRE_HDR_LEN + name_len);
}
