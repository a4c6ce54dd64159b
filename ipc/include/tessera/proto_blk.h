/*
 * The block protocol's named values (docs/blk.md has the whole protocol:
 * INFO, READ, WRITE, FLUSH, OPEN/CLOSE sessions, registered buffers).
 *
 * OP_OPEN `offset` holds BLK_OPEN_* flags.  BLK_OPEN_WRITE makes the
 * session the device's write holder: at most one session holds a device,
 * a second OP_OPEN with BLK_OPEN_WRITE gets -ERR_BUSY, and while a session
 * holds it every OP_WRITE from another task is refused with -ERR_BUSY
 * (reads, INFO and FLUSH stay open to all).  The hold ends with the
 * session: OP_CLOSE, or the kernel's TERMINATE when its owner dies.  A file
 * system server takes the hold when it mounts (docs/fat.md), so two
 * servers never write one device.  An OP_OPEN with BLK_OPEN_WRITE may
 * carry no data (a session without a registered buffer).
 */
#ifndef TESSERA_PROTO_BLK_H
#define TESSERA_PROTO_BLK_H

#define BLK_OPEN_WRITE	0x1u	/* OP_OPEN offset: hold the device for writing */
#define BLK_OPEN_ALL	0x1u

#endif
