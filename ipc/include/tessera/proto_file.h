/*
 * The file protocol: what a file server (the FAT server, fs/, or anything
 * that serves files) answers.  Every field is little endian.
 *
 * Paths are absolute within the served volume ("/", "/a/b.txt"),
 * '/'-separated, 1..FILE_PATH_MAX bytes of UTF-8 without NUL, components of
 * at most FILE_NAME_MAX bytes (FAT: 255 UTF-16 units); "." and ".." and
 * empty components are refused with -ERR_INVAL (clients resolve them), a
 * longer path or component with -ERR_NAMETOOLONG.  A path of up to
 * IPC_NAME_MAX bytes travels in the packet's `name`; a longer one in the
 * request's data instead (any PKT_DATA_* kind, `name_len` 0): OP_OPEN,
 * OP_CREATE, OP_DELETE, OP_LIST and OP_INFO take it there, and OP_RENAME
 * with `name_len` 0 takes "old path", a NUL byte, "new path" as its data.
 * One-off OP_READ/OP_WRITE (their data is the file's) name the file in
 * `name` only: for a longer path, open a session.  file_req_path() and
 * file_req_rename_to() below decode this for servers.
 *
 * Naming: a mounted volume registers the service named by its mount point,
 * which starts with '/' ("/disk").  A client resolves "/disk/a/b" by
 * looking up the longest registered prefix ("/disk") and sends "/a/b"
 * (libc does this; docs/fat.md).
 *
 *   OP_OPEN    name = path, offset = FILE_O_* flags
 *              -> status 0, `handle` = the session (>= 1), COPY data =
 *                 struct file_stat of the object.  FILE_O_CREAT makes a
 *                 missing file, with FILE_O_EXCL an existing one is
 *                 -ERR_EXIST; FILE_O_TRUNC empties it; a directory opens
 *                 only without FILE_O_WRITE (-ERR_ISDIR).  -ERR_NOENT,
 *                 -ERR_NOTDIR on a path through a file.
 *   OP_CLOSE   handle -> 0; -ERR_BADF for an unknown handle.  A client's
 *              sessions also end when it dies (kernel TERMINATE).
 *   OP_READ    handle (or handle 0 and name: one-off), offset = byte
 *              offset, len = most bytes wanted (PKT_DATA_NONE, 1..
 *              FILE_IO_MAX) -> COPY data, status = bytes (0 at or past the
 *              end).  A directory: -ERR_ISDIR.
 *   OP_WRITE   handle (or name, one-off: the file must exist), offset =
 *              byte offset or FILE_APPEND, data (any PKT_DATA_* kind,
 *              1..FILE_IO_MAX bytes) -> status = bytes written (all of
 *              them, or an error and nothing visible changed in the file's
 *              size).  Writing past the end fills the gap with zeroes.
 *              With PKT_DATA_NONE: set the size to `offset` (truncate or
 *              extend with zeroes) -> 0.  -ERR_NOSPC when the volume is
 *              full, -ERR_ROFS on a read-only volume.
 *   OP_CREATE  name = path, offset = FILE_CREATE_FILE or FILE_CREATE_DIR
 *              -> 0; -ERR_EXIST if the name exists.
 *   OP_DELETE  name = path of a file or an empty directory -> 0;
 *              -ERR_NOTEMPTY, -ERR_BUSY for "/" or a file open elsewhere
 *              for writing.
 *   OP_RENAME  name = old path, COPY data = new path (or both in the data,
 *              above) -> 0.  An existing file at the new path is replaced;
 *              an existing directory there: -ERR_EXIST; a directory into
 *              itself: -ERR_INVAL.
 *   OP_LIST    name = directory path, offset = index of the first entry
 *              wanted (0 = from the start) -> COPY data = whole struct
 *              file_dirent records (at most FILE_LIST_MAX bytes), status =
 *              the number of records; 0 = no more.  The next call's offset
 *              is the previous offset plus the status.  "." and ".." are
 *              never listed.  Each record carries what `ls -l` shows (type,
 *              attributes, size, mtime: the same values OP_INFO gives), so
 *              a listing needs no OP_INFO per entry.
 *   OP_INFO    name = path (or handle) -> COPY data = struct file_stat,
 *              status = its size.  With offset = FILE_INFO_FS: COPY data =
 *              struct file_fsinfo of the volume.
 *   OP_FLUSH   -> 0 once everything written is on the block device and the
 *              device flushed it.  offset = FILE_FLUSH_UNMOUNT: then also
 *              unregister and exit (what `umount` sends).
 *   anything else -> -ERR_NOTSUP
 */
#ifndef TESSERA_PROTO_FILE_H
#define TESSERA_PROTO_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <tessera/errors.h>
#include <tessera/ipc.h>

#define FILE_PATH_MAX		4095u		/* bytes of a path */
#define FILE_NAME_MAX		765u		/* bytes of one component: 255
						   UTF-16 units as UTF-8 */
#define FILE_IO_MAX		(1u << 20)	/* bytes per READ or WRITE */
#define FILE_LIST_MAX		4096u		/* bytes of one LIST reply */
#define FILE_APPEND		UINT64_MAX	/* OP_WRITE offset: at the end */

/* OP_OPEN flags (in `offset`). */
#define FILE_O_READ		0x01u
#define FILE_O_WRITE		0x02u
#define FILE_O_CREAT		0x04u
#define FILE_O_TRUNC		0x08u
#define FILE_O_EXCL		0x10u
#define FILE_O_ALL		0x1fu

/* OP_CREATE kinds (in `offset`). */
#define FILE_CREATE_FILE	0u
#define FILE_CREATE_DIR		1u

#define FILE_INFO_FS		1u	/* OP_INFO offset: the volume */
#define FILE_FLUSH_UNMOUNT	1u	/* OP_FLUSH offset: flush and exit */

enum file_type {
	FILE_TYPE_FILE = 1,
	FILE_TYPE_DIR = 2,
};

/* Attribute bits (FAT's, the ones a client may care about). */
#define FILE_ATTR_RDONLY	0x01u
#define FILE_ATTR_HIDDEN	0x02u
#define FILE_ATTR_SYSTEM	0x04u
#define FILE_ATTR_ARCHIVE	0x20u

struct file_stat {
	uint64_t size;		/* bytes; 0 for directories */
	uint32_t type;		/* enum file_type */
	uint32_t attr;		/* FILE_ATTR_* */
	int64_t mtime;		/* seconds since 1970-01-01 UTC, 0 = unknown */
	int64_t ctime;		/* creation, the same */
	uint64_t ino;		/* the object's identity on this volume: two
				   paths name the same object while it exists
				   iff their ino are equal (and != 0); 0 =
				   unknown.  FAT: where its entry lives (files)
				   or its first cluster (directories); ramfs: a
				   node number. */
};
_Static_assert(sizeof(struct file_stat) == 40, "file_stat is ABI");

/* One OP_LIST record: a fixed part, then name_len bytes of name (no NUL),
 * then zero padding to the next multiple of 8 (rec_len covers it all). */
struct file_dirent {
	uint16_t rec_len;	/* bytes of this record, a multiple of 8 */
	uint16_t name_len;	/* 1..FILE_NAME_MAX */
	uint16_t type;		/* enum file_type */
	uint16_t attr;		/* FILE_ATTR_*, as OP_INFO's */
	uint64_t size;		/* as OP_INFO's: 0 for directories */
	int64_t mtime;		/* as OP_INFO's */
	char name[];
};
_Static_assert(sizeof(struct file_dirent) == 24, "file_dirent is ABI");

struct file_fsinfo {
	uint64_t total_bytes;	/* data area */
	uint64_t free_bytes;
	uint32_t block_size;	/* allocation unit (FAT: cluster) in bytes */
	uint32_t fs_type;	/* 12, 16 or 32 for FAT */
	uint32_t flags;		/* FILE_FS_RDONLY */
	uint32_t reserved;
	char label[16];		/* volume label, NUL-padded */
};
_Static_assert(sizeof(struct file_fsinfo) == 48, "file_fsinfo is ABI");

#define FILE_FS_RDONLY		0x1u

/*
 * Is p[0..n) a path by the rules above?  0, -ERR_INVAL (empty, not
 * starting with '/', a NUL, an empty, "." or ".." component) or
 * -ERR_NAMETOOLONG.  "/" alone is the root.
 */
static inline int
file_path_check(const char *p, size_t n)
{
	size_t i, start = 1;

	if (n == 0 || p[0] != '/')
		return -ERR_INVAL;
	if (n > FILE_PATH_MAX)
		return -ERR_NAMETOOLONG;
	for (i = 1; n > 1 && i <= n; i++) {
		if (i < n && p[i] == '\0')
			return -ERR_INVAL;
		if (i < n && p[i] != '/')
			continue;
		if (i == start || (i - start == 1 && p[start] == '.') ||
		    (i - start == 2 && p[start] == '.' && p[start + 1] == '.'))
			return -ERR_INVAL;
		if (i - start > FILE_NAME_MAX)
			return -ERR_NAMETOOLONG;
		start = i + 1;
	}
	return 0;
}

/* Bytes of a request's data (0 without data). */
static inline size_t
file_req_data_len(const struct ts_packet *req)
{
	return (req->flags & PKT_DATA_MASK) == PKT_DATA_NONE ? 0 : (size_t)req->len;
}

/*
 * The path a request names (*p, *n; not NUL-terminated): `name`, or with
 * name_len 0 the data (for OP_RENAME up to its NUL byte).  0 or the
 * error of file_path_check.
 */
static inline int
file_req_path(const struct ts_packet *req, const char **p, size_t *n)
{
	size_t len = file_req_data_len(req), i = 0;

	if (req->name_len != 0) {
		*p = req->name;
		*n = req->name_len;
	} else {
		*p = (const char *)(uintptr_t)req->data;
		if (req->opcode == OP_RENAME)
			while (i < len && (*p)[i] != '\0')
				i++;
		*n = req->opcode == OP_RENAME ? i : len;
		if (req->opcode == OP_RENAME && i == len)
			return -ERR_INVAL;	/* no new path */
	}
	return file_path_check(*p, *n);
}

/* OP_RENAME's new path: the data, or after the old path's NUL byte. */
static inline int
file_req_rename_to(const struct ts_packet *req, const char **p, size_t *n)
{
	const char *d = (const char *)(uintptr_t)req->data;
	size_t len = file_req_data_len(req), i = 0;

	if (req->name_len == 0) {
		while (i < len && d[i] != '\0')
			i++;
		i = i < len ? i + 1 : len;
	}
	*p = d + i;
	*n = len - i;
	return file_path_check(*p, *n);
}

#endif
