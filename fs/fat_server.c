/*
 * fat: the FAT file system server.  Mounts the volume on a block service
 * (docs/blk.md: OP_INFO, OP_READ, OP_WRITE, OP_FLUSH through dux_call) with
 * fs/fat and serves the file protocol of <fs/fileproto.h> under a name.
 *
 *   fat blk=blk0 name=fat0
 *
 * One request at a time; the block calls of a request park other incoming
 * packets in dux until the loop comes back to them.  Open files are shared:
 * two sessions on one file use one struct fat_file, so they see each
 * other's size changes (docs/fat.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dux/dux.h>
#include <fs/fat.h>
#include <fs/fileproto.h>
#include <tessera/user.h>

#define RING     64
#define BLK_NS   (30ull * 1000000000)   /* one block request */
#define BLK_MAX  (256u << 10)           /* bytes per block request */

struct ofile {
	struct fat_file f;
	unsigned refs;
};

struct session {
	uint64_t handle;                /* 0: free */
	ts_addr owner;
	struct ofile *of;
	int writable;
};

static struct fat_vol vol;
static ts_addr blk;
static uint32_t blk_size;
static struct ofile ofiles[FILE_MAX_OPEN];
static struct session sessions[FILE_MAX_OPEN];
static ts_addr watched[FILE_MAX_OPEN];
static uint64_t next_handle = 1;
static uint8_t iobuf[FILE_IO_MAX];

/* Block device over the block protocol. */
static int
blk_read(void *ctx, uint64_t sector, void *buf, uint32_t count)
{
	uint64_t off = sector * blk_size, len = (uint64_t)count * blk_size;
	uint8_t *p = buf;
	struct ts_packet req, rep;
	uint64_t n;
	int rc;

	(void)ctx;
	while (len > 0) {
		n = len < BLK_MAX ? len : BLK_MAX;
		memset(&req, 0, 128);
		memset(&rep, 0, 128);
		req.opcode = OP_READ;
		req.offset = off;
		req.len = n;
		rc = dux_call(blk, &req, &rep, BLK_NS);
		if (rc >= 0 && (rc != (int)n || rep.len != n))
			rc = -ERR_IO;
		if (rc >= 0)
			memcpy(p, (const void *)(uintptr_t)rep.data, n);
		dux_data_free(&rep);
		if (rc < 0)
			return -ERR_IO;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int
blk_write(void *ctx, uint64_t sector, const void *buf, uint32_t count)
{
	uint64_t off = sector * blk_size, len = (uint64_t)count * blk_size;
	const uint8_t *p = buf;
	struct ts_packet req, rep;
	uint64_t n;
	int rc;

	(void)ctx;
	while (len > 0) {
		n = len < BLK_MAX ? len : BLK_MAX;
		memset(&req, 0, 128);
		memset(&rep, 0, 128);
		req.opcode = OP_WRITE;
		req.offset = off;
		req.flags = PKT_DATA_COPY;
		req.data = (uint64_t)(uintptr_t)p;
		req.len = n;
		rc = dux_call(blk, &req, &rep, BLK_NS);
		dux_data_free(&rep);
		if (rc != (int)n)
			return -ERR_IO;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int
blk_flush(void *ctx)
{
	struct ts_packet req, rep;
	int rc;

	(void)ctx;
	memset(&req, 0, 128);
	memset(&rep, 0, 128);
	req.opcode = OP_FLUSH;
	rc = dux_call(blk, &req, &rep, BLK_NS);
	dux_data_free(&rep);
	return rc < 0 ? -ERR_IO : 0;
}

/* The packet's name as a NUL-terminated path; -ERR_INVAL if it holds NUL. */
static int
get_path(const struct ts_packet *p, char *out)
{
	size_t n = p->name_len > IPC_NAME_MAX ? IPC_NAME_MAX : p->name_len;

	if (memchr(p->name, '\0', n) != NULL)
		return -ERR_INVAL;
	memcpy(out, p->name, n);
	out[n] = '\0';
	return 0;
}

static struct session *
find_session(const struct ts_packet *p)
{
	unsigned i;

	for (i = 0; i < FILE_MAX_OPEN; i++)
		if (sessions[i].handle != 0 && sessions[i].handle == p->handle &&
		    sessions[i].owner == p->addr)
			return &sessions[i];
	return NULL;
}

/* Is the file at path open?  (Directories never count.) */
static int
path_is_open(const char *path)
{
	struct fat_file t;
	unsigned i;

	if (fat_open(&vol, path, 0, &t) < 0)
		return 0;
	for (i = 0; i < FILE_MAX_OPEN; i++)
		if (ofiles[i].refs > 0 && ofiles[i].f.ent_sector == t.ent_sector &&
		    ofiles[i].f.ent_off == t.ent_off)
			return 1;
	return 0;
}

static void
watch(ts_addr who)
{
	unsigned i;

	for (i = 0; i < FILE_MAX_OPEN; i++)
		if (watched[i] == who)
			return;
	for (i = 0; i < FILE_MAX_OPEN; i++) {
		if (watched[i] == 0) {
			if (dux_watch(who) >= 0)
				watched[i] = who;
			return;
		}
	}
}

static void
session_close(struct session *s)
{
	if (--s->of->refs == 0)
		fat_close(&s->of->f);
	memset(s, 0, sizeof(*s));
}

/* Reply with status, handle/offset fields and optional COPY data. */
static void
reply(const struct ts_packet *req, int status, uint64_t handle,
      uint64_t offset, const void *data, size_t len)
{
	struct ts_packet *r = dux_alloc();

	if (r == NULL)
		return;
	dux_reply_init(r, req, status);
	r->handle = handle;
	r->offset = offset;
	if (data != NULL && len > 0) {
		r->flags |= PKT_DATA_COPY;
		r->data = (uint64_t)(uintptr_t)data;
		r->len = len;
	}
	dux_send(r);
	dux_flush();                    /* COPY data is taken now */
}

static void
do_open(const struct ts_packet *req, const char *path)
{
	unsigned fl = 0, i;
	struct session *s = NULL;
	struct ofile *of = NULL;
	struct fat_file t;
	int rc;

	if (req->offset & ~(uint64_t)(FILE_O_WRITE | FILE_O_CREAT |
				      FILE_O_EXCL | FILE_O_TRUNC)) {
		reply(req, -ERR_INVAL, 0, 0, NULL, 0);
		return;
	}
	fl |= (req->offset & FILE_O_WRITE) ? FAT_O_WRITE : 0;
	fl |= (req->offset & FILE_O_CREAT) ? FAT_O_CREAT : 0;
	fl |= (req->offset & FILE_O_EXCL) ? FAT_O_EXCL : 0;
	if (req->offset & FILE_O_TRUNC)
		fl |= FAT_O_WRITE;
	for (i = 0; i < FILE_MAX_OPEN && s == NULL; i++)
		if (sessions[i].handle == 0)
			s = &sessions[i];
	if (s == NULL) {
		reply(req, -ERR_AGAIN, 0, 0, NULL, 0);
		return;
	}
	rc = fat_open(&vol, path, fl, &t);
	if (rc < 0) {
		reply(req, rc, 0, 0, NULL, 0);
		return;
	}
	for (i = 0; i < FILE_MAX_OPEN; i++)
		if (ofiles[i].refs > 0 && ofiles[i].f.ent_sector == t.ent_sector &&
		    ofiles[i].f.ent_off == t.ent_off)
			of = &ofiles[i];
	for (i = 0; i < FILE_MAX_OPEN && of == NULL; i++) {
		if (ofiles[i].refs == 0) {
			of = &ofiles[i];
			of->f = t;
		}
	}
	if (of == NULL) {
		reply(req, -ERR_AGAIN, 0, 0, NULL, 0);
		return;
	}
	if (t.writable)
		of->f.writable = 1;
	of->refs++;
	s->handle = next_handle++;
	s->owner = req->addr;
	s->of = of;
	s->writable = t.writable;
	if (req->offset & FILE_O_TRUNC) {
		rc = fat_truncate(&of->f, 0);
		if (rc < 0) {
			session_close(s);
			reply(req, rc, 0, 0, NULL, 0);
			return;
		}
	}
	watch(req->addr);
	reply(req, 0, s->handle, of->f.size, NULL, 0);
}

static void
do_read(const struct ts_packet *req, const char *path)
{
	struct session *s = NULL;
	struct fat_file t, *f = &t;
	long n;
	int rc;

	if (req->len > FILE_IO_MAX || req->offset > 0xffffffffu) {
		reply(req, req->len > FILE_IO_MAX ? -ERR_TOOBIG : 0, 0, 0,
		      NULL, 0);
		return;
	}
	if (req->handle != 0) {
		s = find_session(req);
		if (s == NULL) {
			reply(req, -ERR_INVAL, 0, 0, NULL, 0);
			return;
		}
		f = &s->of->f;
	} else if ((rc = fat_open(&vol, path, 0, &t)) < 0) {
		reply(req, rc, 0, 0, NULL, 0);
		return;
	}
	n = fat_read(f, (uint32_t)req->offset, iobuf, req->len);
	reply(req, (int)n, req->handle, req->offset, iobuf,
	      n > 0 ? (size_t)n : 0);
}

static void
do_write(const struct ts_packet *req)
{
	struct session *s = find_session(req);
	long n;

	if (s == NULL)
		n = -ERR_INVAL;
	else if (!s->writable)
		n = -ERR_PERM;
	else if ((req->flags & PKT_DATA_MASK) == PKT_DATA_NONE)
		n = -ERR_INVAL;
	else if (req->len > FILE_IO_MAX)
		n = -ERR_TOOBIG;
	else if (req->offset > 0xffffffffu)
		n = -FAT_ERR_FBIG;
	else
		n = fat_write(&s->of->f, (uint32_t)req->offset,
			      (const void *)(uintptr_t)req->data, req->len);
	reply(req, (int)n, req->handle, 0, NULL, 0);
}

static uint32_t
pack_time(const struct fat_tm *t)
{
	uint32_t date = (uint32_t)(t->year - 1980) << 9 | t->mon << 5 | t->day;

	return date << 16 | (uint32_t)t->hour << 11 | t->min << 5 | t->sec / 2;
}

static void
do_info(const struct ts_packet *req, const char *path)
{
	struct file_volinfo vi;
	struct file_info fi;
	struct fat_statfs sf;
	struct fat_stat st;
	struct session *s;
	int rc;

	if (req->handle == 0 && req->name_len == 0) {
		rc = fat_statfs(&vol, &sf);
		memset(&vi, 0, sizeof(vi));
		vi.cluster_bytes = sf.cluster_bytes;
		vi.total_clusters = sf.total_clusters;
		vi.free_clusters = sf.free_clusters;
		vi.type = (uint32_t)sf.type;
		reply(req, rc, 0, 0, rc == 0 ? &vi : NULL, sizeof(vi));
		return;
	}
	if (req->handle != 0) {
		s = find_session(req);
		rc = s ? fat_fstat(&s->of->f, &st) : -ERR_INVAL;
	} else {
		rc = fat_stat(&vol, path, &st);
	}
	memset(&fi, 0, sizeof(fi));
	fi.size = st.size;
	fi.is_dir = st.is_dir;
	fi.attr = st.attr;
	fi.mtime = pack_time(&st.mtime);
	fi.ctime = pack_time(&st.ctime);
	reply(req, rc, req->handle, fi.size, rc == 0 ? &fi : NULL, sizeof(fi));
}

static void
do_list(const struct ts_packet *req, const char *path)
{
	static struct fat_dirent e;
	struct file_dirent *r;
	struct fat_dir d;
	uint64_t skip = 0;
	size_t used = 0, nl, rl;
	int rc, count = 0;

	rc = fat_opendir(&vol, path, &d);
	while (rc == 0 && (rc = fat_readdir(&d, &e)) > 0) {
		if (skip++ < req->offset) {
			rc = 0;
			continue;
		}
		nl = strlen(e.name);
		rl = FILE_DIRENT_LEN(nl);
		if (used + rl > sizeof(iobuf)) {
			rc = 0;
			break;
		}
		r = (struct file_dirent *)(void *)(iobuf + used);
		memset(r, 0, rl);
		r->rec_len = (uint16_t)rl;
		r->name_len = (uint16_t)nl;
		r->is_dir = e.st.is_dir;
		r->attr = e.st.attr;
		r->size = e.st.size;
		r->mtime = pack_time(&e.st.mtime);
		memcpy(r->name, e.name, nl);
		used += rl;
		count++;
		rc = 0;
	}
	if (rc < 0)
		reply(req, rc, 0, 0, NULL, 0);
	else
		reply(req, count, 0, req->offset + (uint64_t)count, iobuf, used);
}

static void
do_delete(const struct ts_packet *req, const char *path)
{
	struct fat_stat st;
	int rc = fat_stat(&vol, path, &st);

	if (rc == 0 && st.is_dir)
		rc = fat_rmdir(&vol, path);
	else if (rc == 0)
		rc = path_is_open(path) ? -ERR_BUSY : fat_unlink(&vol, path);
	reply(req, rc, 0, 0, NULL, 0);
}

static void
do_rename(const struct ts_packet *req, const char *path)
{
	static char to[FAT_PATH_MAX];
	int rc;

	if ((req->flags & PKT_DATA_MASK) == PKT_DATA_NONE ||
	    req->len >= sizeof(to)) {
		rc = req->len >= sizeof(to) ? -ERR_TOOBIG : -ERR_INVAL;
	} else {
		memcpy(to, (const void *)(uintptr_t)req->data, req->len);
		to[req->len] = '\0';
		if (strlen(to) != req->len)
			rc = -ERR_INVAL;
		else if (path_is_open(path) || path_is_open(to))
			rc = -ERR_BUSY;
		else
			rc = fat_rename(&vol, path, to);
	}
	reply(req, rc, 0, 0, NULL, 0);
}

static void
do_create(const struct ts_packet *req, const char *path)
{
	struct fat_file t;
	int rc;

	if (req->offset == FILE_CREATE_DIR)
		rc = fat_mkdir(&vol, path);
	else if (req->offset == 0)
		rc = fat_open(&vol, path, FAT_O_CREAT | FAT_O_EXCL | FAT_O_WRITE,
			      &t);
	else
		rc = -ERR_INVAL;
	reply(req, rc, 0, 0, NULL, 0);
}

static void
handle(struct ts_packet *req)
{
	static char path[IPC_NAME_MAX + 1];
	struct session *s;
	unsigned i;

	if (req->flags & PKT_REPLY)
		return;                 /* late block replies, WATCH answers */
	if (req->opcode == OP_TERMINATE && (req->flags & PKT_KERNEL)) {
		for (i = 0; i < FILE_MAX_OPEN; i++) {
			if (sessions[i].handle != 0 &&
			    sessions[i].owner == req->handle)
				session_close(&sessions[i]);
			if (watched[i] == req->handle)
				watched[i] = 0;
		}
		return;
	}
	if (get_path(req, path) < 0) {
		reply(req, -ERR_INVAL, 0, 0, NULL, 0);
		return;
	}
	switch (req->opcode) {
	case OP_OPEN:
		do_open(req, path);
		break;
	case OP_CLOSE:
		s = find_session(req);
		if (s != NULL)
			session_close(s);
		reply(req, s ? 0 : -ERR_INVAL, 0, 0, NULL, 0);
		break;
	case OP_READ:
		do_read(req, path);
		break;
	case OP_WRITE:
		do_write(req);
		break;
	case OP_INFO:
		do_info(req, path);
		break;
	case OP_LIST:
		do_list(req, path);
		break;
	case OP_CREATE:
		do_create(req, path);
		break;
	case OP_DELETE:
		do_delete(req, path);
		break;
	case OP_RENAME:
		do_rename(req, path);
		break;
	case OP_FLUSH:
		reply(req, fat_flush(&vol), 0, 0, NULL, 0);
		break;
	default:
		reply(req, -ERR_NOTSUP, 0, 0, NULL, 0);
		break;
	}
}

/* Find the block service (it may still be starting) and its geometry. */
static int
find_blk(const char *name, uint64_t *bytes)
{
	struct ts_packet req, rep;
	uint64_t end = ts_now() + 10000000000ull;
	long tid;
	int rc;

	while ((tid = dux_lookup(name)) < 0 && ts_now() < end)
		sys_sleep(10 * 1000000);
	if (tid < 0)
		return (int)tid;
	blk = (ts_addr)tid;
	memset(&req, 0, 128);
	memset(&rep, 0, 128);
	req.opcode = OP_INFO;
	rc = dux_call(blk, &req, &rep, BLK_NS);
	dux_data_free(&rep);
	if (rc <= 0)
		return rc < 0 ? rc : -ERR_IO;
	blk_size = (uint32_t)rc;
	*bytes = rep.offset;
	return 0;
}

int
main(int argc, char **argv)
{
	const char *blkname = NULL, *name = NULL;
	struct fat_statfs sf;
	struct fat_dev dev;
	struct ts_packet *req;
	uint64_t bytes = 0;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (strncmp(argv[i], "blk=", 4) == 0)
			blkname = argv[i] + 4;
		else if (strncmp(argv[i], "name=", 5) == 0)
			name = argv[i] + 5;
	}
	if (blkname == NULL || name == NULL) {
		printf("fat: usage: fat blk=<block service> name=<service>\n");
		return 1;
	}
	rc = dux_init(RING);
	if (rc == 0)
		rc = find_blk(blkname, &bytes);
	if (rc < 0) {
		printf("fat: %s: %s\n", blkname, ts_strerror(rc));
		return 1;
	}
	dev = (struct fat_dev){ NULL, blk_read, blk_write, blk_flush, blk_size,
				bytes / blk_size };
	rc = fat_mount(&vol, &dev, NULL, NULL, 0);
	if (rc < 0) {
		printf("fat: %s: cannot mount: %s (%s)\n", blkname,
		       ts_strerror(rc), vol.reason);
		return 1;
	}
	rc = dux_register(name);
	if (rc < 0) {
		printf("fat: register %s: %s\n", name, ts_strerror(rc));
		return 1;
	}
	fat_statfs(&vol, &sf);
	printf("fat: %s on %s: FAT%d, %u clusters of %u bytes, %u free\n", name,
	       blkname, sf.type, sf.total_clusters, sf.cluster_bytes,
	       sf.free_clusters);
	for (;;) {
		dux_wait(DUX_FOREVER);
		while ((req = dux_recv()) != NULL) {
			handle(req);
			dux_data_free(req);
			dux_done(req);
		}
	}
}
