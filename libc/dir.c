/*
 * Directories: opendir/readdir/closedir over OP_LIST.  A DIR keeps the
 * server, the path within the volume and one LIST reply's records; the next
 * LIST starts at the index after the last record read.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <dux/dux.h>
#include <tessera/errors.h>
#include <tessera/proto_file.h>
#include "libc.h"

struct __ts_dir {
	ts_addr srv;
	uint64_t next;		/* index of the first entry not yet fetched */
	uint64_t pos;		/* index of the entry readdir returns next */
	size_t off, len;	/* unread records in buf[off..len) */
	int eof;
	size_t name_len;
	char name[LIBC_PATH_MAX];	/* the path within the volume */
	struct dirent ent;
	char buf[FILE_LIST_MAX];
};

DIR *
opendir(const char *path)
{
	struct ts_packet req = { .opcode = OP_INFO }, rep;
	struct file_stat st;
	long tid = libc_path_req(path, &req);

	if (tid == -ERR_NOENT && libc_root_virtual(path)) {
		DIR *d = calloc(1, sizeof(*d));
		if (!d)
			errno = ENOMEM;
		else
			d->eof = 1;	/* an empty listing */
		return d;
	}
	if (tid < 0)
		return libc_fail(tid), NULL;
	int r = libc_call((ts_addr)tid, &req, &rep);
	if (r >= 0 && rep.len < sizeof(st))
		r = -ERR_IO;
	if (r >= 0)
		memcpy(&st, (const void *)(uintptr_t)rep.data, sizeof(st));
	libc_data_done(&rep);
	if (r < 0)
		return libc_fail(r), NULL;
	if (st.type != FILE_TYPE_DIR)
		return libc_fail(-ERR_NOTDIR), NULL;
	DIR *d = calloc(1, sizeof(*d));
	if (!d) {
		errno = ENOMEM;
		return NULL;
	}
	d->srv = (ts_addr)tid;
	d->name_len = req.name_len ? req.name_len : req.len;
	memcpy(d->name, req.name_len ? req.name : (const char *)(uintptr_t)req.data, d->name_len);
	return d;
}

/* Fetch the next batch of records; 0, or -ERR_*. */
static int
fetch(DIR *d)
{
	struct ts_packet req = { .opcode = OP_LIST, .offset = d->next }, rep;

	libc_path_set(&req, d->name, d->name_len);
	int r = libc_call(d->srv, &req, &rep);
	if (r > 0 && (rep.len > sizeof(d->buf) || rep.len < (uint64_t)r * sizeof(struct file_dirent)))
		r = -ERR_IO;
	if (r > 0)
		memcpy(d->buf, (const void *)(uintptr_t)rep.data, rep.len);
	libc_data_done(&rep);
	if (r < 0)
		return r;
	d->off = 0;
	d->len = r ? rep.len : 0;
	d->next += (uint64_t)r;
	d->eof = r == 0;
	return 0;
}

struct dirent *
readdir(DIR *d)
{
	if (!d) {
		errno = EBADF;
		return NULL;
	}
	while (d->off + sizeof(struct file_dirent) > d->len) {
		if (d->eof)
			return NULL;
		int r = fetch(d);
		if (r < 0)
			return libc_fail(r), NULL;
	}
	struct file_dirent e;
	memcpy(&e, d->buf + d->off, sizeof(e));
	if (e.rec_len < sizeof(e) + e.name_len || e.rec_len % 8 || e.name_len == 0 ||
	    e.name_len > sizeof(d->ent.d_name) - 1 || d->off + e.rec_len > d->len) {
		d->len = d->off;	/* bad record from the server: stop here */
		d->eof = 1;
		errno = EIO;
		return NULL;
	}
	memcpy(d->ent.d_name, d->buf + d->off + sizeof(e), e.name_len);
	d->ent.d_name[e.name_len] = 0;
	d->ent.d_type = e.type == FILE_TYPE_DIR ? DT_DIR : e.type == FILE_TYPE_FILE ? DT_REG
										   : DT_UNKNOWN;
	d->ent.d_mode = libc_mode(e.type, e.attr);
	d->ent.d_size = (off_t)e.size;
	d->ent.d_mtime = (time_t)e.mtime;
	d->ent.d_ino = (ino_t)(d->pos + 1);
	d->ent.d_off = (off_t)(d->pos + 1);
	d->ent.d_reclen = sizeof(d->ent);
	d->off += e.rec_len;
	d->pos++;
	return &d->ent;
}

void
rewinddir(DIR *d)
{
	if (d) {
		d->next = d->pos = 0;
		d->off = d->len = 0;
		d->eof = d->srv == 0;	/* the virtual root stays empty */
	}
}

long
telldir(DIR *d)
{
	return d ? (long)d->pos : -1;
}

void
seekdir(DIR *d, long pos)
{
	if (d && pos >= 0) {
		d->next = d->pos = (uint64_t)pos;
		d->off = d->len = 0;
		d->eof = d->srv == 0;	/* the virtual root stays empty */
	}
}

int
closedir(DIR *d)
{
	if (!d) {
		errno = EBADF;
		return -1;
	}
	free(d);
	return 0;
}

int
dirfd(DIR *d)
{
	(void)d;
	errno = ENOTSUP;
	return -1;
}
