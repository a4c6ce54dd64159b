/*
 * ramfs: a file server in memory, the second implementation of the file
 * protocol (<tessera/proto_file.h>; the FAT server is the first).  Useful as
 * /tmp, and what the libc tests run against.
 *
 * Usage: ramfs MOUNTPOINT [size=BYTES]    e.g. ramfs /tmp size=1048576
 *   registers the service MOUNTPOINT; file data may total BYTES
 *   (default 32 MiB), beyond that writes get -ERR_NOSPC.
 *
 * Paths come from file_req_path (<tessera/proto_file.h>: `name`, or the
 * data for long ones).  Objects: a tree of nodes; a directory keeps its children in creation
 * order, so LIST indexes stay put while nothing is created or deleted.
 * Sessions: an OP_OPEN reply carries a fresh handle (never reused); the
 * session belongs to the client that opened it and ends at OP_CLOSE or at
 * the kernel's TERMINATE when the client dies.  A node deleted (or replaced
 * by RENAME) while sessions hold it leaves the tree at once and is freed
 * with its last session.  Every request is checked before anything changes:
 * a refused request changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dux/dux.h>
#include <tessera/proto_file.h>

#define RING		64u
#define EXTRA_RANGES	16u		/* on top of dux's DUX_RANGES */
#define EXTRA_RANGE_VA	0x3200000000ul
#define MAX_SESSIONS	1024u
#define DEFAULT_SIZE	(32ul << 20)

struct node {
	struct node *parent;
	struct node *child, *last;	/* directories: children in order */
	struct node *next;		/* sibling */
	uint32_t type;			/* enum file_type */
	uint32_t refs;			/* sessions holding it */
	uint32_t writers;		/* sessions open for writing */
	int detached;			/* out of the tree, freed with its last session */
	int64_t mtime, ctime;
	uint8_t *data;
	uint64_t size, cap;
	uint64_t ino;			/* file_stat's ino: never reused */
	uint16_t name_len;
	char name[FILE_NAME_MAX];
};

struct session {
	uint64_t handle;		/* 0 = free slot */
	ts_addr client;
	struct node *node;
	uint32_t flags;			/* FILE_O_* */
};

static struct node root = { .type = FILE_TYPE_DIR, .ino = 1 };
static uint64_t next_ino = 2;
static struct session sessions[MAX_SESSIONS];
static uint64_t next_handle = 1;
static uint64_t capacity = DEFAULT_SIZE, used;
static char mount[64];

static int64_t
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

static struct node *
child_find(struct node *dir, const char *name, size_t n)
{
	for (struct node *c = dir->child; c; c = c->next)
		if (c->name_len == n && !memcmp(c->name, name, n))
			return c;
	return NULL;
}

/* Walk a checked path.  With `leaf` set, stop at the parent of the last
 * component: *out = the parent directory, *leaf and *leaf_len = the last name
 * (the root has none: -ERR_BUSY).  Otherwise *out = the node.
 * -ERR_NOENT for a missing component, -ERR_NOTDIR through a file. */
static int
walk(const char *p, size_t n, struct node **out, const char **leaf, size_t *leaf_len)
{
	struct node *cur = &root;
	size_t i = 1;

	if (n == 1) {
		if (leaf)
			return -ERR_BUSY;
		*out = &root;
		return 0;
	}
	for (;;) {
		size_t start = i;
		while (i < n && p[i] != '/')
			i++;
		if (cur->type != FILE_TYPE_DIR)
			return -ERR_NOTDIR;
		if (i == n && leaf) {
			*out = cur;
			*leaf = p + start;
			*leaf_len = i - start;
			return 0;
		}
		struct node *c = child_find(cur, p + start, i - start);
		if (!c)
			return -ERR_NOENT;
		cur = c;
		if (i == n) {
			*out = cur;
			return 0;
		}
		i++;
	}
}

static struct node *
node_new(struct node *dir, const char *name, size_t n, uint32_t type)
{
	struct node *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->type = type;
	c->ino = next_ino++;
	c->name_len = (uint16_t)n;
	memcpy(c->name, name, n);
	c->mtime = c->ctime = now();
	c->parent = dir;
	if (dir->last)
		dir->last->next = c;
	else
		dir->child = c;
	dir->last = c;
	dir->mtime = c->mtime;
	return c;
}

static void
node_free(struct node *c)
{
	used -= c->size;
	free(c->data);
	free(c);
}

/* Take c out of its directory; freed now or with its last session. */
static void
node_detach(struct node *c)
{
	struct node *dir = c->parent, *prev = NULL;

	for (struct node *x = dir->child; x != c; x = x->next)
		prev = x;
	if (prev)
		prev->next = c->next;
	else
		dir->child = c->next;
	if (dir->last == c)
		dir->last = prev;
	c->next = NULL;
	c->parent = NULL;
	dir->mtime = now();
	if (c->refs)
		c->detached = 1;
	else
		node_free(c);
}

/* Set a file's size, zero-filling growth; 0 or -ERR_NOSPC. */
static int
node_resize(struct node *c, uint64_t size)
{
	if (size > c->size && size - c->size > capacity - used)
		return -ERR_NOSPC;
	if (size > c->cap) {
		uint64_t cap = c->cap ? c->cap : 256;
		while (cap < size)
			cap *= 2;
		uint8_t *d = realloc(c->data, cap);
		if (!d)
			return -ERR_NOSPC;
		c->data = d;
		c->cap = cap;
	}
	if (size > c->size)
		memset(c->data + c->size, 0, size - c->size);
	used = used - c->size + size;
	c->size = size;
	c->mtime = now();
	return 0;
}

static struct session *
session_find(ts_addr client, uint64_t handle)
{
	if (handle == 0)
		return NULL;
	for (unsigned i = 0; i < MAX_SESSIONS; i++)
		if (sessions[i].handle == handle && sessions[i].client == client)
			return &sessions[i];
	return NULL;
}

static void
session_end(struct session *s)
{
	struct node *c = s->node;

	c->refs--;
	if (s->flags & FILE_O_WRITE)
		c->writers--;
	if (c->detached && c->refs == 0)
		node_free(c);
	*s = (struct session){ 0 };
}

static void
stat_of(const struct node *c, struct file_stat *st)
{
	*st = (struct file_stat){ .size = c->type == FILE_TYPE_FILE ? c->size : 0,
				  .type = c->type, .attr = 0, .mtime = c->mtime,
				  .ctime = c->ctime, .ino = c->ino };
}

/* The node a request names: its session (handle) or its path (name). */
static int
target(const struct ts_packet *req, struct node **out, struct session **sess)
{
	*sess = NULL;
	if (req->handle) {
		if (!(*sess = session_find(req->addr, req->handle)))
			return -ERR_BADF;
		*out = (*sess)->node;
		return 0;
	}
	const char *p;
	size_t n;
	int r = req->name_len == 0 && req->opcode != OP_INFO ? -ERR_INVAL
							     : file_req_path(req, &p, &n);
	return r < 0 ? r : walk(p, n, out, NULL, NULL);
}

/* Send a reply with status and optional COPY data; data is copied when the
 * kernel consumes the reply, so flush now. */
static void
reply(const struct ts_packet *req, int status, uint64_t handle, const void *data, size_t len)
{
	struct ts_packet *r = dux_reply_alloc((struct ts_packet *)(uintptr_t)req, status);

	if (!r) {
		printf("ramfs: no slot for a reply\n");
		return;
	}
	if (handle)
		r->handle = handle;
	if (data && len) {
		r->flags |= PKT_DATA_COPY;
		r->data = (uint64_t)(uintptr_t)data;
		r->len = len;
	}
	dux_send(r);
	if (data && len)
		dux_flush();
}

static void
op_open(const struct ts_packet *req)
{
	uint64_t fl = req->offset;
	struct node *dir, *c = NULL;
	const char *leaf;
	size_t leaf_len;
	const char *p;
	size_t n;
	unsigned si;
	int r;

	if ((fl & ~(uint64_t)FILE_O_ALL) || ((fl & FILE_O_TRUNC) && !(fl & FILE_O_WRITE)))
		r = -ERR_INVAL;
	else
		r = file_req_path(req, &p, &n);
	if (r < 0) {
		reply(req, r, 0, NULL, 0);
		return;
	}
	for (si = 0; si < MAX_SESSIONS && sessions[si].handle; si++)
		;
	if (si == MAX_SESSIONS) {
		reply(req, -ERR_NOMEM, 0, NULL, 0);
		return;
	}
	if (n == 1) {
		c = &root;
	} else if ((r = walk(p, n, &dir, &leaf, &leaf_len)) < 0) {
		reply(req, r, 0, NULL, 0);
		return;
	} else {
		c = child_find(dir, leaf, leaf_len);
	}
	if (c && (fl & FILE_O_CREAT) && (fl & FILE_O_EXCL))
		r = -ERR_EXIST;
	else if (c && c->type == FILE_TYPE_DIR && (fl & FILE_O_WRITE))
		r = -ERR_ISDIR;
	else if (!c && !(fl & FILE_O_CREAT))
		r = -ERR_NOENT;
	else if (!c && !(c = node_new(dir, leaf, leaf_len, FILE_TYPE_FILE)))
		r = -ERR_NOSPC;
	else if ((fl & FILE_O_TRUNC) && c->size)
		r = node_resize(c, 0);	/* shrinking cannot fail */
	if (r < 0) {
		reply(req, r, 0, NULL, 0);
		return;
	}
	struct session *s = &sessions[si];
	*s = (struct session){ .handle = next_handle++, .client = req->addr, .node = c,
			       .flags = (uint32_t)fl };
	c->refs++;
	if (fl & FILE_O_WRITE)
		c->writers++;
	struct file_stat st;
	stat_of(c, &st);
	reply(req, 0, s->handle, &st, sizeof(st));
}

static void
op_read(const struct ts_packet *req)
{
	struct node *c;
	struct session *s;
	int r = target(req, &c, &s);

	if (r == 0 && ((req->flags & PKT_DATA_MASK) != PKT_DATA_NONE || req->len == 0))
		r = -ERR_INVAL;
	else if (r == 0 && req->len > FILE_IO_MAX)
		r = -ERR_TOOBIG;
	else if (r == 0 && s && !(s->flags & FILE_O_READ))
		r = -ERR_BADF;
	else if (r == 0 && c->type == FILE_TYPE_DIR)
		r = -ERR_ISDIR;
	if (r < 0 || req->offset >= c->size) {
		reply(req, r, 0, NULL, 0);
		return;
	}
	uint64_t n = c->size - req->offset < req->len ? c->size - req->offset : req->len;
	reply(req, (int)n, 0, c->data + req->offset, n);
}

static void
op_write(const struct ts_packet *req)
{
	int kind = req->flags & PKT_DATA_MASK;
	struct node *c;
	struct session *s;
	int r = target(req, &c, &s);

	if (r == 0 && s && !(s->flags & FILE_O_WRITE))
		r = -ERR_BADF;
	else if (r == 0 && c->type == FILE_TYPE_DIR)
		r = -ERR_ISDIR;
	else if (r == 0 && kind != PKT_DATA_NONE && (req->len == 0 || req->len > FILE_IO_MAX))
		r = req->len ? -ERR_TOOBIG : -ERR_INVAL;
	if (r < 0) {
		reply(req, r, 0, NULL, 0);
		return;
	}
	if (kind == PKT_DATA_NONE) {	/* set the size */
		if (req->offset == FILE_APPEND || req->offset > INT64_MAX)
			r = -ERR_INVAL;
		else
			r = node_resize(c, req->offset);
		reply(req, r, 0, NULL, 0);
		return;
	}
	uint64_t off = req->offset == FILE_APPEND ? c->size : req->offset;
	if (off > INT64_MAX - req->len) {
		reply(req, -ERR_INVAL, 0, NULL, 0);
		return;
	}
	if (off + req->len > c->size && (r = node_resize(c, off + req->len)) < 0) {
		reply(req, r, 0, NULL, 0);
		return;
	}
	memcpy(c->data + off, (const void *)(uintptr_t)req->data, req->len);
	c->mtime = now();
	reply(req, (int)req->len, 0, NULL, 0);
}

static void
op_create(const struct ts_packet *req)
{
	struct node *dir;
	const char *leaf, *p;
	size_t leaf_len, n;
	int r = file_req_path(req, &p, &n);

	if (r == 0 && req->offset != FILE_CREATE_FILE && req->offset != FILE_CREATE_DIR)
		r = -ERR_INVAL;
	if (r == 0 && n == 1)
		r = -ERR_EXIST;
	if (r == 0)
		r = walk(p, n, &dir, &leaf, &leaf_len);
	if (r == 0 && child_find(dir, leaf, leaf_len))
		r = -ERR_EXIST;
	if (r == 0 && !node_new(dir, leaf, leaf_len,
				req->offset == FILE_CREATE_DIR ? FILE_TYPE_DIR : FILE_TYPE_FILE))
		r = -ERR_NOSPC;
	reply(req, r, 0, NULL, 0);
}

static void
op_delete(const struct ts_packet *req)
{
	struct node *c;
	const char *p;
	size_t n;
	int r = file_req_path(req, &p, &n);

	if (r == 0)
		r = walk(p, n, &c, NULL, NULL);
	if (r == 0 && c == &root)
		r = -ERR_BUSY;
	else if (r == 0 && c->type == FILE_TYPE_DIR && c->child)
		r = -ERR_NOTEMPTY;
	else if (r == 0 && c->writers)
		r = -ERR_BUSY;
	if (r == 0)
		node_detach(c);
	reply(req, r, 0, NULL, 0);
}

static void
op_rename(const struct ts_packet *req)
{
	struct node *c, *dir, *old;
	const char *leaf, *p, *to;
	size_t leaf_len, n, to_len;
	int r = file_req_path(req, &p, &n);

	if (r == 0)
		r = file_req_rename_to(req, &to, &to_len);
	if (r == 0)
		r = walk(p, n, &c, NULL, NULL);
	if (r == 0 && c == &root)
		r = -ERR_BUSY;
	if (r == 0 && to_len == 1)
		r = -ERR_EXIST;		/* the root exists */
	if (r == 0)
		r = walk(to, to_len, &dir, &leaf, &leaf_len);
	for (struct node *x = dir; r == 0 && x; x = x->parent)
		if (x == c)
			r = -ERR_INVAL;	/* a directory into itself */
	old = r == 0 ? child_find(dir, leaf, leaf_len) : NULL;
	if (r == 0 && old && old != c) {
		if (old->type == FILE_TYPE_DIR)
			r = -ERR_EXIST;
		else if (c->type == FILE_TYPE_DIR)
			r = -ERR_NOTDIR;
		else if (old->writers)
			r = -ERR_BUSY;
	}
	if (r < 0 || old == c) {
		reply(req, r, 0, NULL, 0);
		return;
	}
	if (old)
		node_detach(old);
	/* Move c: out of its directory, into dir under the new name. */
	struct node *from = c->parent, *prev = NULL;
	for (struct node *x = from->child; x != c; x = x->next)
		prev = x;
	if (prev)
		prev->next = c->next;
	else
		from->child = c->next;
	if (from->last == c)
		from->last = prev;
	c->next = NULL;
	c->parent = dir;
	if (dir->last)
		dir->last->next = c;
	else
		dir->child = c;
	dir->last = c;
	c->name_len = (uint16_t)leaf_len;
	memmove(c->name, leaf, leaf_len);
	from->mtime = dir->mtime = now();
	reply(req, 0, 0, NULL, 0);
}

static void
op_list(const struct ts_packet *req)
{
	static uint8_t buf[FILE_LIST_MAX];
	struct node *dir;
	const char *p;
	size_t n;
	int r = file_req_path(req, &p, &n);

	if (r == 0)
		r = walk(p, n, &dir, NULL, NULL);
	if (r == 0 && dir->type != FILE_TYPE_DIR)
		r = -ERR_NOTDIR;
	if (r < 0) {
		reply(req, r, 0, NULL, 0);
		return;
	}
	struct node *c = dir->child;
	for (uint64_t i = 0; c && i < req->offset; i++)
		c = c->next;
	size_t len = 0;
	int count = 0;
	for (; c; c = c->next) {
		size_t rec = (sizeof(struct file_dirent) + c->name_len + 7) & ~7ul;
		if (len + rec > sizeof(buf))
			break;
		struct file_dirent e = { .rec_len = (uint16_t)rec, .name_len = c->name_len,
					 .type = (uint16_t)c->type,
					 .size = c->type == FILE_TYPE_FILE ? c->size : 0,
					 .mtime = c->mtime };
		memset(buf + len, 0, rec);
		memcpy(buf + len, &e, sizeof(e));
		memcpy(buf + len + sizeof(e), c->name, c->name_len);
		len += rec;
		count++;
	}
	reply(req, count, 0, buf, len);
}

static void
op_info(const struct ts_packet *req)
{
	if (req->offset == FILE_INFO_FS) {
		struct file_fsinfo fi = { .total_bytes = capacity, .free_bytes = capacity - used,
					  .block_size = 1, .fs_type = 0, .flags = 0 };
		snprintf(fi.label, sizeof(fi.label), "ramfs");
		reply(req, sizeof(fi), 0, &fi, sizeof(fi));
		return;
	}
	struct node *c;
	struct session *s;
	int r = req->offset ? -ERR_INVAL : target(req, &c, &s);
	if (r < 0) {
		reply(req, r, 0, NULL, 0);
		return;
	}
	struct file_stat st;
	stat_of(c, &st);
	reply(req, sizeof(st), 0, &st, sizeof(st));
}

/* Kernel packets: TERMINATE of a client (its sessions end) and error
 * completions of our replies (an OPEN reply that did not arrive: the
 * session it made never existed for the client). */
static void
kernel_packet(const struct ts_packet *p)
{
	struct session *s;

	if (!(p->flags & PKT_KERNEL))
		return;
	if (p->opcode == OP_TERMINATE && !(p->flags & PKT_REPLY)) {
		if ((s = session_find(p->addr, p->handle)))
			session_end(s);
	} else if ((p->flags & PKT_REPLY) && p->opcode == OP_OPEN && p->status < 0) {
		if ((s = session_find(p->addr, p->handle)))
			session_end(s);
	}
}

/* Handle one request; returns 1 when the server should exit. */
static int
serve(const struct ts_packet *req)
{
	struct session *s;

	if (req->flags & (PKT_KERNEL | PKT_REPLY)) {
		kernel_packet(req);
		return 0;
	}
	switch (req->opcode) {
	case OP_OPEN: op_open(req); break;
	case OP_CLOSE:
		if ((s = session_find(req->addr, req->handle))) {
			session_end(s);
			reply(req, 0, 0, NULL, 0);
		} else {
			reply(req, -ERR_BADF, 0, NULL, 0);
		}
		break;
	case OP_READ: op_read(req); break;
	case OP_WRITE: op_write(req); break;
	case OP_CREATE: op_create(req); break;
	case OP_DELETE: op_delete(req); break;
	case OP_RENAME: op_rename(req); break;
	case OP_LIST: op_list(req); break;
	case OP_INFO: op_info(req); break;
	case OP_FLUSH:
		if (req->offset != 0 && req->offset != FILE_FLUSH_UNMOUNT) {
			reply(req, -ERR_INVAL, 0, NULL, 0);
			break;
		}
		reply(req, 0, 0, NULL, 0);
		return req->offset == FILE_FLUSH_UNMOUNT;
	default:
		reply(req, -ERR_NOTSUP, 0, NULL, 0);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	int r;

	if (argc < 2 || argv[1][0] != '/' || strlen(argv[1]) >= sizeof(mount)) {
		printf("ramfs: usage: ramfs MOUNTPOINT [size=BYTES]\n");
		return 1;
	}
	snprintf(mount, sizeof(mount), "%s", argv[1]);
	for (int i = 2; i < argc; i++) {
		if (!strncmp(argv[i], "size=", 5)) {
			char *end;
			capacity = strtoull(argv[i] + 5, &end, 0);
			if (*end || capacity == 0) {
				printf("ramfs: bad size \"%s\"\n", argv[i] + 5);
				return 1;
			}
		} else {
			printf("ramfs: ignoring argument \"%s\"\n", argv[i]);
		}
	}
	root.mtime = root.ctime = now();
	if ((r = dux_init(RING)) < 0) {
		printf("ramfs: dux_init: %s\n", ts_strerror(r));
		return 1;
	}
	for (unsigned i = 0; i < EXTRA_RANGES; i++)
		dux_add_range(EXTRA_RANGE_VA + i * DUX_RANGE_SIZE, DUX_RANGE_SIZE);
	if ((r = dux_register(mount)) < 0) {
		printf("ramfs: register %s: %s\n", mount, ts_strerror(r));
		return 1;
	}
	printf("ramfs: %s ready, %llu bytes\n", mount, (unsigned long long)capacity);
	for (;;) {
		long n = dux_wait(DUX_FOREVER);
		if (n < 0) {
			printf("ramfs: io_wait: %s\n", ts_strerror((int)n));
			return 1;
		}
		struct ts_packet *req;
		while ((req = dux_recv())) {
			int stop = serve(req);
			/* A kernel completion names our own reply's data. */
			if (!(req->flags & PKT_KERNEL))
				dux_data_free(req);
			dux_done(req);
			if (stop) {
				dux_flush();
				sys_svc_unregister(mount, strlen(mount));
				printf("ramfs: %s unmounted\n", mount);
				return 0;
			}
		}
	}
}
