/*
 * File descriptors over the file protocol (<tessera/proto_file.h>): a table
 * of FD_MAX entries in libc.  0, 1 and 2 are the standard streams (the
 * console, see stdio.c); every other descriptor is a session with a file
 * server (OP_OPEN's handle) plus the offset libc keeps.  Name operations
 * (stat, unlink, rename, mkdir, rmdir) are one-off requests.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <dux/dux.h>
#include <tessera/errors.h>
#include <tessera/proto_file.h>
#include "libc.h"

#define FD_MAX 32

enum fd_kind { FD_FREE, FD_STDIO, FD_FILE };

static struct fd {
	enum fd_kind kind;
	int flags;		/* O_ACCMODE | O_APPEND */
	ts_addr srv;
	uint64_t handle;
	uint64_t off;
} fds[FD_MAX] = {
	[0] = { .kind = FD_STDIO, .flags = O_RDONLY },
	[1] = { .kind = FD_STDIO, .flags = O_WRONLY },
	[2] = { .kind = FD_STDIO, .flags = O_WRONLY },
};

static struct fd *
fd_get(int fd)
{
	if (fd < 0 || fd >= FD_MAX || fds[fd].kind == FD_FREE)
		return NULL;
	return &fds[fd];
}

/* Copy a reply's struct file_stat out and give the data back. */
static int
take_stat(int r, struct ts_packet *rep, struct file_stat *st)
{
	if (r >= 0 && rep->len < sizeof(*st))
		r = -ERR_IO;
	if (r >= 0)
		memcpy(st, (const void *)(uintptr_t)rep->data, sizeof(*st));
	libc_data_done(rep);
	return r;
}

/* struct stat of a server's file_stat; st_dev is the server (the volume),
 * st_ino its identity there (two paths name one file iff both are equal). */
mode_t
libc_mode(uint32_t type, uint32_t attr)
{
	if (type == FILE_TYPE_DIR)
		return S_IFDIR | 0755;
	return S_IFREG | ((attr & FILE_ATTR_RDONLY) ? 0444 : 0644);
}

static void
to_stat(const struct file_stat *fs, ts_addr srv, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = (dev_t)srv;
	st->st_ino = (ino_t)fs->ino;
	st->st_mode = libc_mode(fs->type, fs->attr);
	st->st_nlink = 1;
	st->st_size = (off_t)fs->size;
	st->st_blksize = 4096;
	st->st_blocks = (blkcnt_t)((fs->size + 511) / 512);
	st->st_mtime = (time_t)fs->mtime;
	st->st_ctime = (time_t)fs->ctime;
	st->st_atime = (time_t)fs->mtime;
}

int
open(const char *path, int flags, ...)
{
	struct ts_packet req = { .opcode = OP_OPEN }, rep;
	struct file_stat st;
	uint64_t fo = 0;
	int fd;

	for (fd = 0; fd < FD_MAX && fds[fd].kind != FD_FREE; fd++)
		;
	if (fd == FD_MAX) {
		errno = EMFILE;
		return -1;
	}
	switch (flags & O_ACCMODE) {
	case O_RDONLY: fo = FILE_O_READ; break;
	case O_WRONLY: fo = FILE_O_WRITE; break;
	case O_RDWR: fo = FILE_O_READ | FILE_O_WRITE; break;
	default: return libc_fail(-ERR_INVAL);
	}
	if (flags & O_CREAT)
		fo |= FILE_O_CREAT;
	if (flags & O_EXCL)
		fo |= FILE_O_EXCL;
	if ((flags & O_TRUNC) && (fo & FILE_O_WRITE))
		fo |= FILE_O_TRUNC;
	long tid = libc_path_req(path, &req);
	if (tid < 0)
		return libc_fail(tid);
	req.offset = fo;
	int r = take_stat(libc_call((ts_addr)tid, &req, &rep), &rep, &st);
	if (r < 0)
		return libc_fail(r);
	if (rep.handle == 0)
		return libc_fail(-ERR_IO);
	if ((flags & O_DIRECTORY) && st.type != FILE_TYPE_DIR) {
		struct ts_packet c = { .opcode = OP_CLOSE, .handle = rep.handle }, crep;
		libc_call((ts_addr)tid, &c, &crep);
		return libc_fail(-ERR_NOTDIR);
	}
	fds[fd] = (struct fd){ .kind = FD_FILE, .flags = flags & (O_ACCMODE | O_APPEND),
			       .srv = (ts_addr)tid, .handle = rep.handle };
	return fd;
}

int
libc_fd_move(int from, int to)
{
	if (from == to || !fd_get(from) || fds[from].kind != FD_FILE || to < 0 || to > 2)
		return -1;
	fds[to] = fds[from];
	fds[from].kind = FD_FREE;
	return 0;
}

int
creat(const char *path, mode_t mode)
{
	return open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

int
close(int fd)
{
	struct fd *f = fd_get(fd);

	if (!f)
		return libc_fail(-ERR_BADF);
	if (f->kind == FD_FILE) {
		struct ts_packet req = { .opcode = OP_CLOSE, .handle = f->handle }, rep;
		ts_addr srv = f->srv;
		f->kind = FD_FREE;
		int r = libc_call(srv, &req, &rep);
		if (r < 0)
			return libc_fail(r);
		return 0;
	}
	if (f->kind == FD_STDIO)
		libc_stdio_flush();
	f->kind = FD_FREE;
	return 0;
}

/* Size of an open file (OP_INFO on the session); -ERR_* when it fails. */
static int
fd_info(struct fd *f, struct file_stat *st)
{
	struct ts_packet req = { .opcode = OP_INFO, .handle = f->handle }, rep;

	return take_stat(libc_call(f->srv, &req, &rep), &rep, st);
}

ssize_t
read(int fd, void *buf, size_t n)
{
	struct fd *f = fd_get(fd);

	if (!f || (f->flags & O_ACCMODE) == O_WRONLY)
		return libc_fail(-ERR_BADF);
	if (f->kind == FD_STDIO)
		return libc_stdio_read(buf, n);
	if (n == 0)
		return 0;
	if (n > FILE_IO_MAX)
		n = FILE_IO_MAX;
	struct ts_packet req = { .opcode = OP_READ, .handle = f->handle, .offset = f->off,
				 .len = n }, rep;
	int r = libc_call(f->srv, &req, &rep);
	if (r >= 0 && ((size_t)r > n || rep.len < (size_t)r))
		r = -ERR_IO;
	if (r > 0)
		memcpy(buf, (const void *)(uintptr_t)rep.data, (size_t)r);
	libc_data_done(&rep);
	if (r < 0)
		return libc_fail(r);
	f->off += (uint64_t)r;
	return r;
}

ssize_t
write(int fd, const void *buf, size_t n)
{
	struct fd *f = fd_get(fd);
	size_t done = 0;

	if (!f || (f->flags & O_ACCMODE) == O_RDONLY)
		return libc_fail(-ERR_BADF);
	if (f->kind == FD_STDIO)
		return libc_stdio_write(buf, n);
	if (fd == 1)
		libc_stdio_sync();	/* stdout on a file (TS_STDOUT): printf's bytes first */
	while (done < n) {
		size_t chunk = n - done > FILE_IO_MAX ? FILE_IO_MAX : n - done;
		struct ts_packet req = { .opcode = OP_WRITE, .handle = f->handle,
					 .flags = PKT_DATA_COPY,
					 .data = (uint64_t)(uintptr_t)buf + done, .len = chunk };
		req.offset = (f->flags & O_APPEND) ? FILE_APPEND : f->off;
		struct ts_packet rep;
		int r = libc_call(f->srv, &req, &rep);
		libc_data_done(&rep);
		if (r >= 0 && (size_t)r != chunk)
			r = -ERR_IO;
		if (r < 0) {
			if (done)
				break;
			return libc_fail(r);
		}
		done += chunk;
		if (f->flags & O_APPEND) {
			struct file_stat st;
			if (fd_info(f, &st) >= 0)
				f->off = st.size;
		} else {
			f->off += chunk;
		}
	}
	return (ssize_t)done;
}

off_t
lseek(int fd, off_t off, int whence)
{
	struct fd *f = fd_get(fd);
	struct file_stat st;
	int64_t base;

	if (!f)
		return libc_fail(-ERR_BADF);
	if (f->kind != FD_FILE) {
		errno = ESPIPE;
		return -1;
	}
	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = (int64_t)f->off; break;
	case SEEK_END: {
		int r = fd_info(f, &st);
		if (r < 0)
			return libc_fail(r);
		base = (int64_t)st.size;
		break;
	}
	default:
		return libc_fail(-ERR_INVAL);
	}
	if ((off < 0 && base + off < 0) || (off > 0 && base > INT64_MAX - off))
		return libc_fail(-ERR_INVAL);
	f->off = (uint64_t)(base + off);
	return (off_t)f->off;
}

int
fstat(int fd, struct stat *st)
{
	struct fd *f = fd_get(fd);
	struct file_stat fs;

	if (!f)
		return libc_fail(-ERR_BADF);
	if (f->kind == FD_STDIO) {
		memset(st, 0, sizeof(*st));
		st->st_mode = S_IFCHR | 0620;
		return 0;
	}
	int r = fd_info(f, &fs);
	if (r < 0)
		return libc_fail(r);
	to_stat(&fs, f->srv, st);
	return 0;
}

int
ftruncate(int fd, off_t len)
{
	struct fd *f = fd_get(fd);

	if (!f || (f->flags & O_ACCMODE) == O_RDONLY)
		return libc_fail(-ERR_BADF);
	if (f->kind != FD_FILE || len < 0)
		return libc_fail(-ERR_INVAL);
	struct ts_packet req = { .opcode = OP_WRITE, .handle = f->handle,
				 .offset = (uint64_t)len }, rep;
	int r = libc_call(f->srv, &req, &rep);
	return r < 0 ? libc_fail(r) : 0;
}

int
isatty(int fd)
{
	struct fd *f = fd_get(fd);

	if (!f)
		return libc_fail(-ERR_BADF);
	if (f->kind == FD_STDIO && libc_stdio_is_console())
		return 1;
	errno = ENOTTY;
	return 0;
}

int
dup(int fd)
{
	(void)fd;
	errno = ENOSYS;
	return -1;
}

/* A one-off request on a path: name ops and stat. */
static int
path_call(const char *path, uint16_t op, uint64_t offset, struct ts_packet *rep)
{
	struct ts_packet req = { .opcode = op, .offset = offset };
	long tid = libc_path_req(path, &req);

	if (tid < 0) {
		/* No server for path: rep carries nothing for the caller to
		 * free (`stat("/")` once freed the stack under it). */
		memset(rep, 0, offsetof(struct ts_packet, name));
		return (int)tid;
	}
	return libc_call((ts_addr)tid, &req, rep);
}

int
stat(const char *path, struct stat *st)
{
	struct ts_packet rep;
	struct file_stat fs;
	int r = take_stat(path_call(path, OP_INFO, 0, &rep), &rep, &fs);

	if (r == -ERR_NOENT && libc_root_virtual(path))
		fs = (struct file_stat){ .type = FILE_TYPE_DIR };
	else if (r < 0)
		return libc_fail(r);
	to_stat(&fs, r >= 0 ? rep.addr : 0, st);
	return 0;
}

int
mkdir(const char *path, mode_t mode)
{
	struct ts_packet rep;
	(void)mode;
	int r = path_call(path, OP_CREATE, FILE_CREATE_DIR, &rep);

	return r < 0 ? libc_fail(r) : 0;
}

/* unlink refuses directories and rmdir files, as POSIX wants; the protocol's
 * DELETE takes either. */
static int
delete_kind(const char *path, uint32_t want)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	if (want == FILE_TYPE_FILE && S_ISDIR(st.st_mode))
		return libc_fail(-ERR_ISDIR);
	if (want == FILE_TYPE_DIR && !S_ISDIR(st.st_mode))
		return libc_fail(-ERR_NOTDIR);
	struct ts_packet rep;
	int r = path_call(path, OP_DELETE, 0, &rep);
	return r < 0 ? libc_fail(r) : 0;
}

int
unlink(const char *path)
{
	return delete_kind(path, FILE_TYPE_FILE);
}

int
rmdir(const char *path)
{
	return delete_kind(path, FILE_TYPE_DIR);
}

int
remove(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	return S_ISDIR(st.st_mode) ? rmdir(path) : unlink(path);
}

/* OP_RENAME: name = old path, data = new path; an old path too long for
 * `name` goes into the data too: old, NUL, new (proto_file.h). */
int
rename(const char *from, const char *to)
{
	static char buf[2 * LIBC_PATH_MAX];
	char a[LIBC_PATH_MAX], b[LIBC_PATH_MAX];
	struct ts_packet req = { .opcode = OP_RENAME }, rep;
	size_t la, lb;
	int r;

	if ((r = libc_path_abs(from, a)) < 0 || (r = libc_path_abs(to, b)) < 0)
		return libc_fail(r);
	long ta = libc_resolve(a, buf, &la);
	if (ta < 0)
		return libc_fail(ta);
	long tb = libc_resolve(b, buf + la + 1, &lb);
	if (tb < 0)
		return libc_fail(tb);
	if (tb != ta) {
		errno = EXDEV;
		return -1;
	}
	req.flags = PKT_DATA_COPY;
	if (la <= IPC_NAME_MAX) {
		dux_set_name(&req, buf, la);
		req.data = (uint64_t)(uintptr_t)(buf + la + 1);
		req.len = lb;
	} else {
		req.data = (uint64_t)(uintptr_t)buf;	/* buf[la] is the NUL */
		req.len = la + 1 + lb;
	}
	r = libc_call((ts_addr)ta, &req, &rep);
	return r < 0 ? libc_fail(r) : 0;
}

int
access(const char *path, int mode)
{
	struct stat st;

	(void)mode;
	return stat(path, &st);
}

/* Flush every volume's server that holds one of our open files. */
void
sync(void)
{
	for (int i = 0; i < FD_MAX; i++) {
		if (fds[i].kind != FD_FILE)
			continue;
		struct ts_packet req = { .opcode = OP_FLUSH }, rep;
		libc_call(fds[i].srv, &req, &rep);
	}
}

int
fsync(int fd)
{
	struct fd *f = fd_get(fd);

	if (!f)
		return libc_fail(-ERR_BADF);
	if (f->kind != FD_FILE)
		return 0;
	struct ts_packet req = { .opcode = OP_FLUSH }, rep;
	int r = libc_call(f->srv, &req, &rep);
	return r < 0 ? libc_fail(r) : 0;
}
