/*
 * The file protocol: what a file server (the FAT server `fat`, docs/fat.md)
 * answers.  Opcodes from <tessera/opcodes.def>; paths are absolute inside
 * the volume and travel in the packet's `name` (not NUL-terminated, at most
 * 255 bytes).  Replies: status >= 0 on success, -ERR_* otherwise.
 *
 *  OPEN    name=path, offset=FILE_O_* flags
 *          -> status 0, handle = session (non-zero), offset = file size
 *  CLOSE   handle -> 0
 *  READ    handle (or 0 and name=path: one-off), offset, len = bytes wanted
 *          as a plain number (<= FILE_IO_MAX)
 *          -> status = bytes read (0 at the end), the bytes as COPY data
 *  WRITE   handle, offset, data (COPY, MOVE or SHARE, <= FILE_IO_MAX)
 *          -> status = bytes written (short when the volume filled up)
 *  INFO    handle, or name=path -> status 0, struct file_info as COPY data;
 *          name "" and handle 0: the volume, struct file_volinfo
 *  CREATE  name=path, offset = 0 (file) or FILE_CREATE_DIR -> 0
 *  DELETE  name=path: a file, or an empty directory -> 0
 *  RENAME  name=old path, data (COPY) = new path bytes -> 0
 *          (replace rules of fat_rename: docs/fat.md)
 *  LIST    name=directory path, offset = entries to skip (0 first time)
 *          -> status = entries in this reply (0: no more), offset = where
 *          to continue; COPY data: struct file_dirent records
 *  FLUSH   -> 0 once every earlier change is on the disk
 *
 * A file that is open cannot be deleted or renamed (-ERR_BUSY).  Sessions
 * of a client that dies are closed.  Errors are those of the FAT library
 * (docs/fat.md, "Errors"), plus -ERR_NOTSUP for other opcodes, -ERR_INVAL
 * for a bad handle, -ERR_TOOBIG for more than FILE_IO_MAX bytes, and
 * -ERR_AGAIN when FILE_MAX_OPEN files are open.
 */
#ifndef FS_FILEPROTO_H
#define FS_FILEPROTO_H

#include <stdint.h>

#define FILE_IO_MAX      (64u << 10)    /* bytes per READ / WRITE */
#define FILE_MAX_OPEN    64u

/* OPEN flags (in `offset`). */
#define FILE_O_WRITE     1u
#define FILE_O_CREAT     2u
#define FILE_O_EXCL      4u
#define FILE_O_TRUNC     8u

/* CREATE kinds (in `offset`). */
#define FILE_CREATE_DIR  1u

/* FAT date and time packed: date << 16 | time (FAT format: year-1980 << 9 |
 * month << 5 | day; hour << 11 | minute << 5 | second / 2). */
struct file_info {
	uint64_t size;
	uint32_t mtime;
	uint32_t ctime;
	uint8_t is_dir;
	uint8_t attr;                   /* FAT attribute bits */
	uint8_t reserved[6];
};

struct file_volinfo {
	uint64_t cluster_bytes;
	uint64_t total_clusters;
	uint64_t free_clusters;
	uint32_t type;                  /* 12, 16, 32 */
	uint32_t reserved;
};

/* LIST records, each 8-byte aligned: rec_len covers the name and padding. */
struct file_dirent {
	uint16_t rec_len;
	uint16_t name_len;              /* bytes of name, UTF-8, no NUL */
	uint8_t is_dir;
	uint8_t attr;
	uint16_t reserved;
	uint64_t size;
	uint32_t mtime;
	uint32_t reserved2;
	char name[];
};

#define FILE_DIRENT_LEN(name_len) \
	((sizeof(struct file_dirent) + (name_len) + 7u) & ~7u)

#endif
