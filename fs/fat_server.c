/*
 * fat: the FAT file system server.  Mounts the volume on a block service
 * (docs/blk.md: OP_INFO, OP_READ, OP_WRITE, OP_FLUSH through dux_call) with
 * fs/fat and serves the file protocol of <tessera/proto_file.h> under the
 * mount point's name:
 *
 *   fat blk=blk0 name=/disk
 *
 * One request at a time; the block calls of a request park other incoming
 * packets in dux until the loop comes back to them.  Sessions on one file
 * share one struct fat_file, so they agree on its size (docs/fat.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dux/dux.h>
#include <fs/fat.h>
#include <tessera/proto_blk.h>
#include <tessera/proto_file.h>
#include <tessera/user.h>

#define RING      64
#define BLK_MAX   (256u << 10)          /* bytes per block request */
#define SHARE_MIN (16u << 10)           /* share buffers from this size on */
#define MAX_OPEN  64u                   /* sessions (and open files) */
#define CURSORS   4u                    /* remembered LIST positions */
#define IDLE_NS   1000000000ull        /* write back after this long
					   without requests (docs/fat.md) */
#define MAXAGE_NS 5000000000ull        /* or once dirty this long, busy or
					   idle */

struct ofile {
	struct fat_file f;
	unsigned refs, writers;
	int dead;                       /* deleted while open for reading */
};

struct session {
	uint64_t handle;                /* 0: free */
	ts_addr owner;
	struct ofile *of;               /* NULL: a directory */
	unsigned flags;                 /* FILE_O_* */
	struct fat_stat st;             /* directories: at open */
};

static struct fat_vol vol;
static ts_addr blk;                     /* 0: the block server ended */
static const char *blk_name;            /* its service (blk=) */
static uint32_t blk_size;
static uint64_t blk_hold;               /* our BLK_OPEN_WRITE session */
static struct ofile ofiles[MAX_OPEN];
static struct session sessions[MAX_OPEN];
static uint64_t next_handle = 1;

/*
 * Where a LIST stopped: the next LIST of the same directory at the index
 * after the last record sent continues here instead of skipping `offset`
 * entries from the start (which made a listing O(n^2)).  Any request that
 * may add, remove or move a directory entry bumps dir_gen, which
 * invalidates every cursor, so an index means what a fresh scan says.
 */
struct cursor {
	uint64_t gen;                   /* dir_gen when saved; 0: unused */
	uint64_t next;                  /* entry index d stands at */
	uint64_t used;                  /* LRU stamp */
	struct fat_dir d;
	char path[FILE_PATH_MAX + 1];
};

static struct cursor cursors[CURSORS];
static uint64_t dir_gen = 1, cursor_tick;
static uint8_t iobuf[FILE_IO_MAX] __attribute__((aligned(TS_PAGE_SIZE)));

/*
 * The block server ended (its driver crashed; the PCI server restarts it):
 * look its service up again.  1 when a new task serves it (the request may
 * be sent again), else 0: requests fail (-ERR_IO to the client) until it is
 * back.  Geometry is not asked again: it is the same device.
 */
static int
blk_reopen(void)
{
	long tid = dux_lookup(blk_name);

	if (tid < 0 || (ts_addr)tid == blk) {
		if (blk)
			printf("fat: %s (tid %lu) ended: requests fail until it is back\n",
			       blk_name, (unsigned long)blk);
		blk = 0;
		return 0;
	}
	blk = (ts_addr)tid;
	printf("fat: %s back (tid %ld)\n", blk_name, tid);
	return 1;
}

/*
 * One block request and its reply.  No timeout: a dead block server ends
 * the call with -ERR_CLOSED, and under -icount with sleep=off a deadline
 * would be reached while the host is still doing the I/O.  Failures are
 * logged; the library turns them into -ERR_IO.
 */
static int
blk_call(struct ts_packet *req, struct ts_packet *rep)
{
	int rc = blk ? dux_call(blk, req, rep, DUX_FOREVER) : -ERR_CLOSED;

	if ((rc == -ERR_CLOSED || rc == -ERR_SRCH) && blk_reopen())
		rc = dux_call(blk, req, rep, DUX_FOREVER);
	if (rc < 0)
		printf("fat: blk_call: op %u offset %llu len %llu: %s\n",
		       (unsigned)req->opcode, (unsigned long long)req->offset,
		       (unsigned long long)req->len, ts_strerror(rc));
	return rc;
}

/*
 * Block device over the block protocol.  Large page-aligned buffers (file
 * data in runs: iobuf for reads, a client's COPY data, which starts a
 * page, for writes) go by SHARE, so the block server DMAs straight into or
 * out of our pages (docs/blk.md, zero copy); everything else by COPY.
 */
static int
blk_share_ok(const void *p, uint64_t n)
{
	return ((uintptr_t)p & (TS_PAGE_SIZE - 1)) == 0 && n >= SHARE_MIN;
}

/* Bytes of the next request: at most BLK_MAX, and whole pages when shared
 * (IPC shares whole pages); the rest follows by COPY. */
static uint64_t
blk_chunk(const void *p, uint64_t len)
{
	uint64_t n = len < BLK_MAX ? len : BLK_MAX;

	return blk_share_ok(p, n) ? n & ~(uint64_t)(TS_PAGE_SIZE - 1) : n;
}

/* Free a reply's data; a kernel error completion carries none of ours. */
static void
blk_rep_free(struct ts_packet *rep)
{
	if (!(rep->flags & PKT_KERNEL))
		dux_data_free(rep);
}

static int
blk_read(void *ctx, uint64_t sector, void *buf, uint32_t count)
{
	uint64_t off = sector * blk_size, len = (uint64_t)count * blk_size;
	uint8_t *p = buf;
	struct ts_packet req, rep;
	uint64_t n;
	int rc, share;

	(void)ctx;
	while (len > 0) {
		n = blk_chunk(p, len);
		share = blk_share_ok(p, n);
		memset(&req, 0, 128);
		memset(&rep, 0, 128);
		req.opcode = OP_READ;
		req.offset = off;
		req.len = n;
		if (share) {
			req.flags = PKT_DATA_SHARE;
			req.data = (uint64_t)(uintptr_t)p;
		}
		rc = blk_call(&req, &rep);
		if (rc >= 0 && (rc != (int)n || (!share && rep.len != n)))
			rc = -ERR_IO;
		if (rc >= 0 && !share)
			memcpy(p, (const void *)(uintptr_t)rep.data, n);
		blk_rep_free(&rep);
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
		n = blk_chunk(p, len);
		memset(&req, 0, 128);
		memset(&rep, 0, 128);
		req.opcode = OP_WRITE;
		req.offset = off;
		req.flags = blk_share_ok(p, n) ? PKT_DATA_SHARE | PKT_SHARE_RO
					       : PKT_DATA_COPY;
		req.data = (uint64_t)(uintptr_t)p;
		req.len = n;
		rc = blk_call(&req, &rep);
		blk_rep_free(&rep);
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
	rc = blk_call(&req, &rep);
	blk_rep_free(&rep);
	return rc < 0 ? -ERR_IO : 0;
}

/* End the write hold before exiting (a dead server's ends by TERMINATE). */
static void
blk_release(void)
{
	struct ts_packet req, rep;

	memset(&req, 0, 128);
	memset(&rep, 0, 128);
	req.opcode = OP_CLOSE;
	req.handle = blk_hold;
	if (blk_call(&req, &rep) >= 0)
		dux_data_free(&rep);
}

/* Days since 1970-01-01 of a civil date, and back (proleptic Gregorian). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, struct fat_tm *t)
{
	int64_t era, doe, yoe, y, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	t->day = (uint8_t)(doy - (153 * mp + 2) / 5 + 1);
	t->mon = (uint8_t)(mp < 10 ? mp + 3 : mp - 9);
	y += t->mon <= 2;
	t->year = (uint16_t)(y < 1980 ? 1980 : y > 2107 ? 2107 : y);
	if (y < 1980) {
		t->mon = 1;
		t->day = 1;
	}
}

/* FAT timestamps are local time; this node keeps UTC. */
static int64_t
to_epoch(const struct fat_tm *t)
{
	if (t->mon < 1 || t->mon > 12 || t->day < 1)
		return 0;
	return days_from_civil(t->year, t->mon, t->day) * 86400 +
	       t->hour * 3600 + t->min * 60 + t->sec;
}

/* The library's clock: CLOCK_REALTIME (docs/libc.md, "Time"). */
static void
clock_now(void *ctx, struct fat_tm *t)
{
	struct timespec ts;
	int64_t s = 0, r;

	(void)ctx;
	if (clock_gettime(CLOCK_REALTIME, &ts) == 0)
		s = ts.tv_sec;
	civil_from_days(s / 86400, t);
	r = s % 86400;
	t->hour = (uint8_t)(r / 3600);
	t->min = (uint8_t)(r / 60 % 60);
	t->sec = (uint8_t)(r % 60);
	if (s < days_from_civil(1980, 1, 1) * 86400)
		t->hour = t->min = t->sec = 0;
}

/* struct file_stat's ino of a file: where its short entry lives (sector,
 * byte offset; never 0: sector 0 is the boot sector). */
static uint64_t
file_ino(const struct fat_file *f)
{
	return (uint64_t)f->ent_sector << 16 | f->ent_off;
}

/* ino of a directory: its first cluster, in a range files never use (the
 * fixed FAT12/16 root has cluster 0). */
static uint64_t
dir_ino(const struct fat_stat *st)
{
	return 1ull << 63 | st->first_cluster;
}

/* The FILE_ATTR_* bits of a FAT entry's attributes. */
static uint32_t
attr_of(const struct fat_stat *st)
{
	return st->attr & (FILE_ATTR_RDONLY | FILE_ATTR_HIDDEN | FILE_ATTR_SYSTEM |
			   FILE_ATTR_ARCHIVE);
}

static void
to_file_stat(const struct fat_stat *st, uint64_t ino, struct file_stat *fs)
{
	memset(fs, 0, sizeof(*fs));
	fs->ino = ino;
	fs->size = st->is_dir ? 0 : st->size;
	fs->type = st->is_dir ? FILE_TYPE_DIR : FILE_TYPE_FILE;
	fs->attr = attr_of(st);
	fs->mtime = to_epoch(&st->mtime);
	fs->ctime = to_epoch(&st->ctime);
}

/* A request's path (decode = file_req_path: `name` or the data, or
 * file_req_rename_to: RENAME's new path) as a NUL-terminated string in
 * out[FILE_PATH_MAX + 1]; 0 or -ERR_*. */
static int
req_path_as(int (*decode)(const struct ts_packet *, const char **, size_t *),
	    const struct ts_packet *req, char *out)
{
	const char *p;
	size_t n;
	int rc = decode(req, &p, &n);

	if (rc == 0) {
		memcpy(out, p, n);
		out[n] = '\0';
	}
	return rc;
}

static int
req_path(const struct ts_packet *req, char *out)
{
	return req_path_as(file_req_path, req, out);
}

static struct session *
find_session(const struct ts_packet *p)
{
	unsigned i;

	for (i = 0; i < MAX_OPEN; i++)
		if (sessions[i].handle != 0 && sessions[i].handle == p->handle &&
		    sessions[i].owner == p->addr)
			return &sessions[i];
	return NULL;
}

/* The open file whose entry is t's, if any. */
static struct ofile *
find_ofile(const struct fat_file *t)
{
	unsigned i;

	for (i = 0; i < MAX_OPEN; i++)
		if (ofiles[i].refs > 0 && !ofiles[i].dead &&
		    ofiles[i].f.ent_sector == t->ent_sector &&
		    ofiles[i].f.ent_off == t->ent_off)
			return &ofiles[i];
	return NULL;
}

/* The open file at path (NULL if none, or not a file). */
static struct ofile *
path_ofile(const char *path)
{
	struct fat_file t;

	if (fat_open(&vol, path, 0, &t) < 0)
		return NULL;
	return find_ofile(&t);
}

static void
session_close(struct session *s)
{
	if (s->of != NULL) {
		if (s->flags & FILE_O_WRITE)
			s->of->writers--;
		if (--s->of->refs == 0) {
			fat_close(&s->of->f);
			s->of->dead = 0;
		}
	}
	memset(s, 0, sizeof(*s));
}

/* Reply with status, handle and optional COPY data. */
static void
reply(const struct ts_packet *req, int status, uint64_t handle,
      const void *data, size_t len)
{
	struct ts_packet *r = dux_reply_alloc((struct ts_packet *)(uintptr_t)req, status);

	if (r == NULL) {
		printf("fat: no slot for a reply (opcode %u)\n", req->opcode);
		return;
	}
	r->handle = handle;
	if (data != NULL && len > 0 && status >= 0) {
		r->flags |= PKT_DATA_COPY;
		r->data = (uint64_t)(uintptr_t)data;
		r->len = len;
	}
	dux_send(r);
	dux_flush();                    /* COPY data is taken now */
}

static void
op_open(const struct ts_packet *req, const char *path)
{
	unsigned fl = (unsigned)req->offset, i, ff = 0;
	struct session *s = NULL;
	struct ofile *of = NULL;
	struct file_stat fs;
	struct fat_stat st;
	struct fat_file t;
	int rc, wr;

	if (req->offset & ~(uint64_t)FILE_O_ALL) {
		reply(req, -ERR_INVAL, 0, NULL, 0);
		return;
	}
	wr = (fl & (FILE_O_WRITE | FILE_O_TRUNC)) != 0;
	for (i = 0; i < MAX_OPEN && s == NULL; i++)
		if (sessions[i].handle == 0)
			s = &sessions[i];
	rc = s == NULL ? -ERR_NOMEM : fat_stat(&vol, path, &st);
	if (rc == 0 && st.is_dir) {
		rc = (fl & FILE_O_EXCL) && (fl & FILE_O_CREAT) ? -ERR_EXIST :
		     wr ? -ERR_ISDIR : 0;
		if (rc == 0) {
			s->st = st;
			goto opened;
		}
	}
	if (rc < 0 && rc != -ERR_NOENT) {
		reply(req, rc, 0, NULL, 0);
		return;
	}
	ff |= wr ? FAT_O_WRITE : 0;
	ff |= (fl & FILE_O_CREAT) ? FAT_O_CREAT : 0;
	ff |= (fl & FILE_O_EXCL) ? FAT_O_EXCL : 0;
	rc = fat_open(&vol, path, ff, &t);
	if (rc < 0) {
		reply(req, rc, 0, NULL, 0);
		return;
	}
	of = find_ofile(&t);
	for (i = 0; i < MAX_OPEN && of == NULL; i++) {
		if (ofiles[i].refs == 0) {
			of = &ofiles[i];
			memset(of, 0, sizeof(*of));
			of->f = t;
		}
	}
	if (of == NULL) {
		reply(req, -ERR_NOMEM, 0, NULL, 0);
		return;
	}
	if (wr)
		of->f.writable = 1;
	if ((fl & FILE_O_TRUNC) && (rc = fat_truncate(&of->f, 0)) < 0) {
		if (of->refs == 0)
			fat_close(&of->f);
		reply(req, rc, 0, NULL, 0);
		return;
	}
	of->refs++;
	of->writers += wr;
	s->of = of;
	fat_fstat(&of->f, &s->st);
opened:
	s->handle = next_handle++;
	s->owner = req->addr;
	s->flags = fl | (wr ? FILE_O_WRITE : 0);
	to_file_stat(&s->st, s->of != NULL ? file_ino(&s->of->f) : dir_ino(&s->st), &fs);
	reply(req, 0, s->handle, &fs, sizeof(fs));
}

/* The file a READ/WRITE/INFO targets: a session's, or path's (one-off).
 * *tmp holds a one-off file nobody has open. */
static int
target(const struct ts_packet *req, struct session **sp, struct fat_file **fp,
       struct fat_file *tmp)
{
	static char path[FILE_PATH_MAX + 1];
	struct ofile *of;
	int rc;

	*sp = NULL;
	*fp = NULL;
	if (req->handle != 0) {
		*sp = find_session(req);
		if (*sp == NULL)
			return -ERR_BADF;
		if ((*sp)->of == NULL)
			return -ERR_ISDIR;
		if ((*sp)->of->dead)
			return -ERR_NOENT;
		*fp = &(*sp)->of->f;
		return 0;
	}
	/* One-off READ/WRITE: the data is the file's, the path in `name`. */
	rc = req->name_len == 0 ? -ERR_INVAL : req_path(req, path);
	if (rc == 0)
		rc = fat_open(&vol, path, 0, tmp);
	if (rc < 0)
		return rc;
	of = find_ofile(tmp);
	*fp = of != NULL ? &of->f : tmp;
	return 0;
}

static void
op_read(const struct ts_packet *req)
{
	struct fat_file tmp, *f;
	struct session *s;
	long n;
	int rc = target(req, &s, &f, &tmp);

	if (rc == 0 && ((req->flags & PKT_DATA_MASK) != PKT_DATA_NONE ||
			req->len == 0))
		rc = -ERR_INVAL;
	else if (rc == 0 && req->len > FILE_IO_MAX)
		rc = -ERR_TOOBIG;
	else if (rc == 0 && s != NULL && !(s->flags & FILE_O_READ))
		rc = -ERR_BADF;
	if (rc < 0 || req->offset > 0xffffffffu) {
		reply(req, rc, 0, NULL, 0);
		return;
	}
	n = fat_read(f, (uint32_t)req->offset, iobuf, req->len);
	reply(req, (int)n, 0, iobuf, n > 0 ? (size_t)n : 0);
}

static void
op_write(const struct ts_packet *req)
{
	int kind = req->flags & PKT_DATA_MASK, rc, was_writable;
	struct fat_file tmp, *f;
	struct session *s;
	uint32_t old;
	uint64_t off;
	long n = 0;

	rc = target(req, &s, &f, &tmp);
	if (rc == 0 && s != NULL && !(s->flags & FILE_O_WRITE))
		rc = -ERR_BADF;
	else if (rc == 0 && kind != PKT_DATA_NONE &&
		 (req->len == 0 || req->len > FILE_IO_MAX))
		rc = req->len ? -ERR_TOOBIG : -ERR_INVAL;
	if (rc < 0) {
		reply(req, rc, 0, NULL, 0);
		return;
	}
	/* A one-off write: the file must not be read-only. */
	was_writable = f->writable;
	if (s == NULL && !(f->attr & FAT_ATTR_RDONLY))
		f->writable = 1;
	old = f->size;
	if (kind == PKT_DATA_NONE) {
		if (req->offset > 0xffffffffu)
			rc = req->offset == FILE_APPEND ? -ERR_INVAL : -ERR_TOOBIG;
		else
			rc = fat_truncate(f, (uint32_t)req->offset);
	} else {
		off = req->offset == FILE_APPEND ? f->size : req->offset;
		if (off + req->len > 0xffffffffu) {
			rc = -ERR_TOOBIG;
		} else {
			n = fat_write(f, (uint32_t)off,
				      (const void *)(uintptr_t)req->data,
				      req->len);
			rc = n < 0 ? (int)n : n < (long)req->len ?
			     -ERR_NOSPC : (int)n;
			if (rc < 0 && f->size != old)
				fat_truncate(f, old);   /* all or nothing */
		}
	}
	f->writable = (uint8_t)was_writable;
	reply(req, rc, 0, NULL, 0);
}

/* stat of path and its ino (0 if a file cannot be opened: corrupt). */
static int
stat_path(const char *path, struct fat_stat *st, uint64_t *ino)
{
	struct fat_file t;
	int rc = fat_open(&vol, path, 0, &t);

	*ino = 0;
	if (rc == 0) {
		rc = fat_fstat(&t, st);
		*ino = file_ino(&t);
		fat_close(&t);
		return rc;
	}
	rc = fat_stat(&vol, path, st);
	if (rc == 0 && st->is_dir)
		*ino = dir_ino(st);
	return rc;
}

static void
op_info(const struct ts_packet *req)
{
	static char path[FILE_PATH_MAX + 1];
	struct file_fsinfo fi;
	struct file_stat fs;
	struct fat_statfs sf;
	struct fat_stat st;
	struct session *s;
	uint64_t ino = 0;
	int rc;

	if (req->offset == FILE_INFO_FS) {
		rc = fat_statfs(&vol, &sf);
		memset(&fi, 0, sizeof(fi));
		fi.total_bytes = (uint64_t)sf.total_clusters * sf.cluster_bytes;
		fi.free_bytes = (uint64_t)sf.free_clusters * sf.cluster_bytes;
		fi.block_size = sf.cluster_bytes;
		fi.fs_type = (uint32_t)sf.type;
		if (rc == 0)
			memcpy(fi.label, sf.label, sizeof(sf.label));
		reply(req, rc < 0 ? rc : (int)sizeof(fi), 0, &fi, sizeof(fi));
		return;
	}
	if (req->offset != 0) {
		rc = -ERR_INVAL;
	} else if (req->handle != 0) {
		s = find_session(req);
		rc = s == NULL ? -ERR_BADF : 0;
		if (rc == 0 && s->of != NULL) {
			rc = s->of->dead ? -ERR_NOENT : fat_fstat(&s->of->f, &st);
			ino = file_ino(&s->of->f);
		} else if (rc == 0) {
			st = s->st;
			ino = dir_ino(&st);
		}
	} else {
		rc = req_path(req, path);
		if (rc == 0)
			rc = stat_path(path, &st, &ino);
	}
	if (rc == 0)
		to_file_stat(&st, ino, &fs);
	reply(req, rc < 0 ? rc : (int)sizeof(fs), req->handle, &fs, sizeof(fs));
}

/* The cursor for path at entry index `next`, or NULL. */
static struct cursor *
cursor_find(const char *path, uint64_t next)
{
	unsigned i;

	for (i = 0; i < CURSORS; i++)
		if (cursors[i].gen == dir_gen && cursors[i].next == next &&
		    strcmp(cursors[i].path, path) == 0)
			return &cursors[i];
	return NULL;
}

/* Remember that path's listing stands at d, index next. */
static void
cursor_save(struct cursor *c, const char *path, const struct fat_dir *d,
	    uint64_t next)
{
	unsigned i;

	for (i = 0; c == NULL && i < CURSORS; i++)
		if (cursors[i].gen != dir_gen)
			c = &cursors[i];
	if (c == NULL) {
		c = &cursors[0];
		for (i = 1; i < CURSORS; i++)
			if (cursors[i].used < c->used)
				c = &cursors[i];
	}
	c->gen = dir_gen;
	c->next = next;
	c->used = ++cursor_tick;
	c->d = *d;
	if (c->path != path)
		strcpy(c->path, path);
}

static void
op_list(const struct ts_packet *req, const char *path)
{
	static struct fat_dirent e;
	struct cursor *cur = cursor_find(path, req->offset);
	struct file_dirent *r;
	struct fat_dir d, before;
	uint64_t skip = 0;
	size_t used = 0, nl, rl;
	int rc = 0, count = 0;

	if (cur != NULL) {
		d = cur->d;
		skip = req->offset;
	} else {
		rc = fat_opendir(&vol, path, &d);
	}
	while (rc == 0) {
		before = d;
		rc = fat_readdir(&d, &e);
		if (rc <= 0)
			break;
		rc = 0;
		if (skip++ < req->offset)
			continue;
		nl = strlen(e.name);
		if (nl == 0 || nl > FILE_NAME_MAX)
			continue;               /* not expressible as a path */
		rl = (sizeof(*r) + nl + 7) & ~(size_t)7;
		if (used + rl > FILE_LIST_MAX) {
			d = before;             /* this one starts the next reply */
			break;
		}
		r = (struct file_dirent *)(void *)(iobuf + used);
		memset(r, 0, rl);
		r->rec_len = (uint16_t)rl;
		r->name_len = (uint16_t)nl;
		r->type = e.st.is_dir ? FILE_TYPE_DIR : FILE_TYPE_FILE;
		r->attr = (uint16_t)attr_of(&e.st);
		r->size = e.st.is_dir ? 0 : e.st.size;
		r->mtime = to_epoch(&e.st.mtime);
		memcpy(r->name, e.name, nl);
		used += rl;
		count++;
	}
	if (rc >= 0 && count > 0)
		cursor_save(cur, path, &d, req->offset + (uint64_t)count);
	reply(req, rc < 0 ? rc : count, 0, iobuf, used);
}

/* Delete the file at path, which may be open for reading (not writing). */
static int
delete_file(const char *path)
{
	struct ofile *of = path_ofile(path);
	int rc;

	if (of != NULL && of->writers > 0)
		return -ERR_BUSY;
	rc = fat_unlink(&vol, path);
	if (rc == 0 && of != NULL)
		of->dead = 1;           /* its readers get -ERR_NOENT */
	return rc;
}

static void
op_delete(const struct ts_packet *req, const char *path)
{
	struct fat_stat st;
	int rc = strcmp(path, "/") == 0 ? -ERR_BUSY : fat_stat(&vol, path, &st);

	if (rc == 0)
		rc = st.is_dir ? fat_rmdir(&vol, path) : delete_file(path);
	reply(req, rc, 0, NULL, 0);
}

static void
op_rename(const struct ts_packet *req, const char *path)
{
	static char to[FILE_PATH_MAX + 1];
	struct ofile *src, *dst = NULL;
	struct fat_stat st;
	struct fat_file t;
	int rc = req_path_as(file_req_rename_to, req, to);

	if (rc == 0 && (strcmp(path, "/") == 0 || strcmp(to, "/") == 0))
		rc = -ERR_BUSY;
	if (rc == 0 && fat_stat(&vol, to, &st) == 0) {
		if (st.is_dir)
			rc = -ERR_EXIST;
		else if ((dst = path_ofile(to)) != NULL && dst->writers > 0)
			rc = -ERR_BUSY;
	}
	if (rc < 0) {
		reply(req, rc, 0, NULL, 0);
		return;
	}
	src = path_ofile(path);
	if (src == dst)
		dst = NULL;             /* the same file (case change) */
	rc = fat_rename(&vol, path, to);
	if (rc == 0 && dst != NULL)
		dst->dead = 1;
	/* An open file's entry moved: follow it. */
	if (rc == 0 && src != NULL && fat_open(&vol, to, 0, &t) == 0) {
		src->f.ent_sector = t.ent_sector;
		src->f.ent_off = t.ent_off;
	}
	reply(req, rc, 0, NULL, 0);
}

static void
op_create(const struct ts_packet *req, const char *path)
{
	struct fat_file t;
	int rc;

	if (req->offset == FILE_CREATE_DIR)
		rc = fat_mkdir(&vol, path);
	else if (req->offset == FILE_CREATE_FILE)
		rc = fat_open(&vol, path, FAT_O_CREAT | FAT_O_EXCL | FAT_O_WRITE,
			      &t);
	else
		rc = -ERR_INVAL;
	reply(req, rc, 0, NULL, 0);
}

static void
handle(struct ts_packet *req)
{
	static char path[FILE_PATH_MAX + 1];
	struct session *s;
	int rc;

	/* The kernel's TERMINATE of one session of a dead client: addr is
	 * the client, handle the session's (docs/ipc.md). */
	if (req->opcode == OP_TERMINATE && (req->flags & PKT_KERNEL)) {
		if ((s = find_session(req)) != NULL)
			session_close(s);
		return;
	}
	if (req->flags & PKT_REPLY) {
		/* An OPEN reply the kernel could not deliver ends the session. */
		if ((req->flags & PKT_KERNEL) && req->opcode == OP_OPEN &&
		    (s = find_session(req)) != NULL)
			session_close(s);
		return;
	}
	switch (req->opcode) {
	case OP_CLOSE:
		s = find_session(req);
		if (s != NULL)
			session_close(s);
		reply(req, s ? 0 : -ERR_BADF, 0, NULL, 0);
		return;
	case OP_READ:
		op_read(req);
		return;
	case OP_WRITE:
		op_write(req);
		return;
	case OP_INFO:
		op_info(req);
		return;
	case OP_FLUSH:
		rc = fat_flush(&vol);
		if (rc < 0 && req->offset == FILE_FLUSH_UNMOUNT && blk == 0) {
			/* The device is gone: release the mount point anyway
			 * (what was not written is lost, as at a crash); an end
			 * asked for, so status 0 (init does not restart it). */
			printf("fat: unmounted without %s: unwritten data lost\n", blk_name);
			reply(req, -ERR_CLOSED, 0, NULL, 0);
			exit(0);
		}
		if (rc == 0 && req->offset == FILE_FLUSH_UNMOUNT) {
			rc = fat_unmount(&vol);
			blk_release();
			reply(req, rc, 0, NULL, 0);
			exit(rc == 0 ? 0 : 1);
		}
		reply(req, rc, 0, NULL, 0);
		return;
	case OP_OPEN:
		if (req->offset & FILE_O_CREAT)
			dir_gen++;      /* may add an entry */
		break;
	case OP_CREATE:
	case OP_DELETE:
	case OP_RENAME:
		dir_gen++;              /* may change a directory */
		break;
	case OP_LIST:
		break;
	default:
		reply(req, -ERR_NOTSUP, 0, NULL, 0);
		return;
	}
	rc = req_path(req, path);
	if (rc < 0)
		reply(req, rc, 0, NULL, 0);
	else if (req->opcode == OP_OPEN)
		op_open(req, path);
	else if (req->opcode == OP_CREATE)
		op_create(req, path);
	else if (req->opcode == OP_DELETE)
		op_delete(req, path);
	else if (req->opcode == OP_RENAME)
		op_rename(req, path);
	else
		op_list(req, path);
}

/* Write back everything (fat_flush); a failure is logged and retried
 * later. */
static void
writeback(void)
{
	int rc = fat_flush(&vol);

	if (rc < 0)
		printf("fat: write-back: %s\n", ts_strerror(rc));
}

/*
 * The write-back bound: while the volume has something not yet on the
 * disk (dirty cache sectors, FSInfo, block writes not flushed), the main
 * loop waits for requests at most IDLE_NS, and at most until it has been
 * dirty MAXAGE_NS; a wait that times out writes everything back, and so
 * does the loop once the volume has been dirty MAXAGE_NS however busy.
 * So a power cut loses at most the last MAXAGE_NS (IDLE_NS when the
 * server was idle).  A 1 s deadline on the clock alone cost ci/bench's
 * write 1,661 -> 3,648 instructions per KiB: under -icount an idle hart
 * jumps to the next timer, so it passed during block waits.  Returns the
 * timeout for dux_wait.
 */
static uint64_t
writeback_wait(void)
{
	static uint64_t since;          /* when it became dirty; 0: clean */
	uint64_t now;

	if (!fat_dirty(&vol)) {
		since = 0;
		return DUX_FOREVER;
	}
	now = ts_now();
	if (since == 0)
		since = now;
	if (now - since >= MAXAGE_NS) {
		writeback();            /* busy for MAXAGE_NS: flush anyway */
		since = fat_dirty(&vol) ? now : 0;
		return since ? IDLE_NS : DUX_FOREVER;
	}
	return MAXAGE_NS - (now - since) < IDLE_NS ?
	       MAXAGE_NS - (now - since) : IDLE_NS;
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
	rc = blk_call(&req, &rep);
	dux_data_free(&rep);
	if (rc <= 0)
		return rc < 0 ? rc : -ERR_IO;
	blk_size = (uint32_t)rc;
	*bytes = rep.offset;
	/* The write hold: no other server writes the device while we are
	 * mounted (docs/blk.md); it ends when we close it or die. */
	memset(&req, 0, 128);
	memset(&rep, 0, 128);
	req.opcode = OP_OPEN;
	req.offset = BLK_OPEN_WRITE;
	rc = dux_call(blk, &req, &rep, DUX_FOREVER);
	dux_data_free(&rep);
	if (rc < 0)
		return rc;
	blk_hold = rep.handle;
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
	blk_name = blkname;
	if (blkname == NULL || name == NULL || name[0] != '/') {
		printf("fat: usage: fat blk=<block service> name=/<mount point>\n");
		return 1;
	}
	rc = dux_init(RING);
	if (rc == 0)
		rc = find_blk(blkname, &bytes);
	if (rc == -ERR_BUSY) {
		printf("fat: %s: device busy (already mounted for writing)\n",
		       blkname);
		return ERR_BUSY;        /* the shell's mount says so */
	}
	if (rc < 0) {
		printf("fat: %s: %s\n", blkname, ts_strerror(rc));
		return 1;
	}
	dev = (struct fat_dev){ NULL, blk_read, blk_write, blk_flush, blk_size,
				bytes / blk_size };
	rc = fat_mount(&vol, &dev, clock_now, NULL, 0);
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
		if (dux_wait(writeback_wait()) == 0)
			writeback();    /* timed out: idle, or dirty too long */
		while ((req = dux_recv()) != NULL) {
			handle(req);
			dux_data_free(req);
			dux_done(req);
		}
	}
}
