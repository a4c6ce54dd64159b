/*
 * Tessera IPC ABI: the packet, the IPC area, flags and opcodes.  Shared by
 * the kernel, dux, servers and (later) netproxy's wire format.  Every field
 * is fixed-size little endian and only `data` means something in one address
 * space: the kernel (or netproxy) rewrites it on delivery.  docs/ipc.md has
 * the diagrams and the rules.
 */
#ifndef TESSERA_IPC_H
#define TESSERA_IPC_H

#include <stddef.h>
#include <stdint.h>

/* An address: a task id on this node (node 0).  Bits 48..63 are reserved for
 * the node number of netproxy; the kernel refuses them for now. */
typedef uint64_t ts_addr;
#define IPC_ADDR_KERNEL	 0ull	/* packets to the kernel itself (WATCH...) */
#define IPC_NAME_MAX	 255u
#define IPC_SLOT_NONE	 0xffffffffu	/* ipc_reply_wait: no reply to send */

enum ts_opcode {
	OP_NONE = 0,
#define OP(name, value, doc) OP_##name = (value),
#include <tessera/opcodes.def>
#undef OP
	OP_COUNT
};

/* Packet flags. */
#define PKT_REPLY	0x0001u	/* a reply to request `id` from `addr` */
#define PKT_DATA_MASK	0x0006u	/* how [data, data+len) travels: */
#define PKT_DATA_NONE	0x0000u	/*   no data */
#define PKT_DATA_COPY	0x0002u	/*   copied into fresh pages of the receiver */
#define PKT_DATA_MOVE	0x0004u	/*   pages unmapped from sender, mapped in receiver */
#define PKT_DATA_SHARE	0x0006u	/*   pages mapped in both, reference counted */
#define PKT_SHARE_RO	0x0008u	/* with SHARE: the receiver may only read */
#define PKT_UUID	0x0010u	/* `uuid` names the object instead of `name` */
#define PKT_KERNEL	0x0020u	/* made by the kernel (error completion,
				   TERMINATE); never accepted from a task */
#define PKT_FORWARD	0x0040u	/* a sandbox host forwards for task `origin`;
				   the receiver sees `origin` as the sender */
#define PKT_FLAGS_ALL	0x007fu

/* The packet: 384 bytes. */
struct ts_packet {
	ts_addr addr;		/* peer: destination when sent, source when received */
	uint64_t id;		/* request id, echoed by the reply */
	uint64_t handle;	/* session from OPEN; 0 = one-off request */
	uint64_t offset;	/* byte offset for READ/WRITE */
	uint64_t data;		/* data address in the owner's address space */
	uint64_t len;		/* data length in bytes; with PKT_DATA_NONE a plain
				   number (e.g. how many bytes a READ asks for) */
	ts_addr origin;		/* sandbox: original destination (to the host) or
				   original sender (PKT_FORWARD) */
	int32_t status;		/* replies: >= 0 result, < 0 -ERR_* */
	uint16_t opcode;	/* enum ts_opcode */
	uint16_t flags;		/* PKT_* */
	uint16_t name_len;	/* bytes of `name` used, 0..255 */
	uint16_t reserved0;
	uint32_t reserved1;
	uint8_t uuid[16];	/* with PKT_UUID */
	uint8_t reserved2[40];	/* zero */
	char name[256];		/* path or service name, not NUL-terminated */
};

_Static_assert(sizeof(struct ts_packet) == 384, "packet size is ABI");
_Static_assert(offsetof(struct ts_packet, status) == 56, "packet layout is ABI");
_Static_assert(offsetof(struct ts_packet, uuid) == 72, "packet layout is ABI");
_Static_assert(offsetof(struct ts_packet, name) == 128, "packet layout is ABI");

/*
 * The IPC area: one page-aligned region mapped into the task by
 * sys_ipc_setup(va, nslots), physically contiguous and owned by the kernel.
 * Layout for nslots = N ring entries (a power of two, 1..512), 2N slots:
 *
 *   0                  struct ts_ipc_hdr (64 bytes)
 *   64                 uint16_t tx[N]      slot indices: task -> kernel
 *   64 + 2N            uint16_t rx[N]      slot indices: kernel -> task
 *   IPC_RANGES_OFF(N)  struct ts_range ranges[IPC_RANGES]
 *   IPC_SLOTS_OFF(N)   struct ts_packet slot[2N]   (4 KiB aligned)
 *
 * At setup the kernel sets rx[i] = i: slots 0..N-1 are posted for receiving
 * and slots N..2N-1 are the task's, to send with.
 * Ring counters are free-running uint32; entry i lives at [i % N].
 * tx: the task fills a slot, writes its index at tx[tx_head % N], then
 *     advances tx_head; the kernel consumes from tx_tail and advances it; a
 *     consumed slot belongs to the task again.
 * rx: every rx[] entry always holds a slot index.  Entries from rx_head to
 *     rx_tail + N are free slots the kernel may fill: it fills the slot named
 *     at rx[rx_head % N] and advances rx_head.  The task reads the packet at
 *     rx[rx_tail % N], and before advancing rx_tail it writes there the index
 *     of a free slot (the same one when it has copied the packet out).
 * ranges: free address ranges where incoming data pages are mapped; the task
 *     produces at range_head, the kernel consumes at range_tail (a ring, so
 *     that neither side needs a lock).  A range too small for a packet's data
 *     is not consumed: the packet is refused.
 */
#define IPC_RANGES	64u
#define IPC_MAX_SLOTS	512u

struct ts_ipc_hdr {
	uint32_t tx_head;	/* task */
	uint32_t tx_tail;	/* kernel */
	uint32_t rx_head;	/* kernel */
	uint32_t rx_tail;	/* task */
	uint32_t range_head;	/* task */
	uint32_t range_tail;	/* kernel */
	uint32_t nslots;	/* kernel, at setup: ring entries N (2N slots) */
	uint32_t refused;	/* kernel: packets refused to this task as receiver */
	uint64_t reserved[4];
};

_Static_assert(sizeof(struct ts_ipc_hdr) == 64, "header size is ABI");

struct ts_range {
	uint64_t va;		/* page aligned */
	uint64_t size;		/* bytes, page multiple */
};

#define IPC_TX_OFF(n)	 64ul
#define IPC_RX_OFF(n)	 (64ul + 2ul * (n))
#define IPC_RANGES_OFF(n) ((64ul + 4ul * (n) + 15ul) & ~15ul)
#define IPC_SLOTS_OFF(n) ((IPC_RANGES_OFF(n) + 16ul * IPC_RANGES + 4095ul) & ~4095ul)
#define IPC_NSLOTS(n)	 (2ul * (n))	/* packet slots of an area with n ring entries */
#define IPC_AREA_SIZE(n) ((IPC_SLOTS_OFF(n) + sizeof(struct ts_packet) * IPC_NSLOTS(n) + 4095ul) & ~4095ul)

/* Limits of one packet's data. */
#define IPC_COPY_MAX	(1ul << 20)	/* bytes copied per packet */
#define IPC_MOVE_MAX	(64ul << 20)	/* bytes moved or shared per packet */

#endif
