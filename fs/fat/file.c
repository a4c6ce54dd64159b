/*
 * Files: open/create, read and write at an offset, truncate.
 *
 * A struct fat_file caches the first cluster and size; every change is
 * written back to the directory entry (in the cache) by the call that made
 * it.  Two handles on one file do not see each other's size changes: the
 * server keeps one handle per open file (docs/fat.md).
 */
#include "fat_int.h"

#define IO_MAX 0x7fffffffu               /* bytes per call (fits a long) */

static void
file_init(struct fat_file *f, struct fat_vol *v, const struct fat_loc *loc,
	  const uint8_t *de, int writable)
{
	memset(f, 0, sizeof(*f));
	f->vol = v;
	f->ent_sector = loc->sector;
	f->ent_off = loc->off;
	f->first = de_first(v, de);
	f->size = rd32(de + DE_SIZE_OFF);
	f->attr = de[DE_ATTR];
	f->writable = (uint8_t)writable;
}

/* Is the entry's chain start and size possible on this volume? */
static int
check_file(const struct fat_vol *v, const uint8_t *de)
{
	uint32_t first = de_first(v, de), size = rd32(de + DE_SIZE_OFF);

	if (first == 0)
		return size == 0 ? 0 : -ERR_IO;
	if (!clus_valid(v, first))
		return -ERR_IO;
	if ((size - 1) / v->cluster_bytes >= v->clusters)
		return -ERR_IO;
	return 0;
}

/* A new file's entry in dir: name prepared, slots reserved, then written. */
static int
file_create(struct fat_vol *v, uint32_t dir, const char *name, size_t len,
	    struct fat_loc *loc, uint8_t *de)
{
	struct fat_newname nn;
	uint16_t date, time;
	uint32_t idx;
	int rc;

	rc = name_prepare(v, dir, name, len, &nn);
	if (rc == 0)
		rc = dir_reserve(v, dir, nn.slots, &idx);
	if (rc < 0)
		return rc;
	memset(de, 0, DE_SIZE);
	de[DE_ATTR] = FAT_ATTR_ARCH;
	fat_now(v, &date, &time);
	wr16(de + DE_CTIME, time);
	wr16(de + DE_CDATE, date);
	wr16(de + DE_ADATE, date);
	wr16(de + DE_MTIME, time);
	wr16(de + DE_MDATE, date);
	return dir_write(v, dir, idx, &nn, de, loc);
}

/*
 * Open (and with FAT_O_CREAT create) the file at path.  FAT_O_EXCL fails
 * with -ERR_EXIST if it exists, FAT_O_TRUNC empties it.  A directory gives
 * -FAT_ERR_ISDIR, a read-only file opened for writing -ERR_PERM.
 */
int
fat_open(struct fat_vol *v, const char *path, unsigned flags,
	 struct fat_file *f)
{
	struct fat_found fd;
	const char *last;
	size_t len;
	uint32_t dir;
	int rc, wr = (flags & (FAT_O_WRITE | FAT_O_CREAT | FAT_O_TRUNC)) != 0;

	if (wr && (rc = check_writable(v)) < 0)
		return rc;
	rc = path_walk(v, path, &dir, &last, &len);
	if (rc < 0)
		return rc;
	if (len == 0)
		return -FAT_ERR_ISDIR;
	rc = dir_lookup(v, dir, last, len, &fd);
	if (rc == -ERR_NOENT && (flags & FAT_O_CREAT)) {
		rc = file_create(v, dir, last, len, &fd.loc, fd.de);
		if (rc < 0)
			return rc;
		file_init(f, v, &fd.loc, fd.de, 1);
		return 0;
	}
	if (rc < 0)
		return rc;
	if ((flags & FAT_O_CREAT) && (flags & FAT_O_EXCL))
		return -ERR_EXIST;
	if (fd.de[DE_ATTR] & FAT_ATTR_DIR)
		return -FAT_ERR_ISDIR;
	if (wr && (fd.de[DE_ATTR] & FAT_ATTR_RDONLY))
		return -ERR_PERM;
	rc = check_file(v, fd.de);
	if (rc < 0)
		return rc;
	file_init(f, v, &fd.loc, fd.de, wr);
	if (flags & FAT_O_TRUNC)
		return fat_truncate(f, 0);
	return 0;
}

/*
 * The cluster with index idx in f's chain.  With alloc, missing clusters
 * are allocated and linked; without, a short chain is -ERR_IO.  The walk
 * is bounded: a file never has more clusters than the volume.
 */
static int
file_clus(struct fat_file *f, uint32_t idx, int alloc, uint32_t *clus)
{
	struct fat_vol *v = f->vol;
	uint32_t next;
	int rc;

	if (idx >= v->clusters)
		return alloc ? -FAT_ERR_NOSPC : -ERR_IO;
	if (f->first == 0) {
		if (!alloc)
			return -ERR_IO;
		rc = clus_alloc(v, 0, &f->first);
		if (rc < 0)
			return rc;
		f->pos_clus = 0;
	}
	if (f->pos_clus == 0 || idx < f->pos_idx) {
		f->pos_idx = 0;
		f->pos_clus = f->first;
	}
	while (f->pos_idx < idx) {
		rc = chain_next(v, f->pos_clus, &next);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			if (!alloc)
				return -ERR_IO;
			rc = clus_alloc(v, f->pos_clus, &next);
			if (rc < 0)
				return rc;
		}
		f->pos_clus = next;
		f->pos_idx++;
	}
	*clus = f->pos_clus;
	return 0;
}

/*
 * The cluster with index idx in f's chain (*clus) and how many clusters of
 * the chain from there on lie next to each other on disk (*count, 1 ..
 * want), so that they move in one device request.  With alloc, the chain
 * is extended by up to the missing clusters, contiguous where the volume
 * allows.  Leaves f's position at the run's last cluster.
 */
static int
file_run(struct fat_file *f, uint32_t idx, uint32_t want, int alloc,
	 uint32_t *clus, uint32_t *count)
{
	struct fat_vol *v = f->vol;
	uint32_t n = 1, k, next, first, got;
	int rc = file_clus(f, idx, alloc, clus);

	if (rc < 0)
		return rc;
	while (n < want) {
		rc = chain_contig(v, f->pos_clus, want - n, &k);
		if (rc < 0)
			return rc;
		f->pos_clus += k;
		f->pos_idx += k;
		n += k;
		if (n >= want || !alloc)
			break;
		/* The run ends: elsewhere (or corrupt: file_clus will say),
		 * or at the chain's end, where it may grow in place. */
		if (chain_next(v, f->pos_clus, &next) != 0)
			break;
		rc = clus_alloc_run(v, f->pos_clus, want - n, &first, &got);
		if (rc == -FAT_ERR_NOSPC)
			break;
		if (rc < 0)
			return rc;
		if (first != f->pos_clus + 1)
			break;          /* linked: the next run starts there */
		f->pos_clus += got;
		f->pos_idx += got;
		n += got;
	}
	*count = n;
	return 0;
}

/* Clusters that bytes [co, co + len) of a run starting at a cluster's
 * byte co touch. */
static uint32_t
run_want(const struct fat_vol *v, uint32_t co, uint32_t len)
{
	return (uint32_t)(((uint64_t)co + len + v->cluster_bytes - 1) /
			  v->cluster_bytes);
}

/* Write first cluster, size, mtime and the archive bit to the entry. */
static int
file_sync_entry(struct fat_file *f)
{
	struct fat_vol *v = f->vol;
	struct fat_loc loc = { f->ent_sector, f->ent_off };
	uint16_t date, time;
	uint8_t *p;
	int rc = cache_get(v, loc.sector, 0, &p);

	if (rc < 0)
		return rc;
	p += loc.off;
	de_set_first(p, f->first);
	wr32(p + DE_SIZE_OFF, f->size);
	fat_now(v, &date, &time);
	wr16(p + DE_MTIME, time);
	wr16(p + DE_MDATE, date);
	wr16(p + DE_ADATE, date);
	p[DE_ATTR] |= FAT_ATTR_ARCH;
	cache_mark_dirty(v, p - loc.off);
	return 0;
}

/* Read up to len bytes at off; returns the count (0 at or past the end). */
long
fat_read(struct fat_file *f, uint32_t off, void *buf, size_t len)
{
	struct fat_vol *v = f->vol;
	uint32_t cb, done = 0, n, co, c, cnt;
	uint64_t room;
	int rc;

	if (v == NULL || !v->mounted)
		return -ERR_INVAL;
	cb = v->cluster_bytes;
	if (off >= f->size || len == 0)
		return 0;
	if (len > f->size - off)
		len = f->size - off;
	if (len > IO_MAX)
		len = IO_MAX;
	while (done < len) {
		co = (off + done) % cb;
		rc = file_run(f, (off + done) / cb,
			      run_want(v, co, (uint32_t)len - done), 0, &c, &cnt);
		if (rc < 0)
			return rc;
		room = (uint64_t)cnt * cb - co;
		n = room < len - done ? (uint32_t)room : (uint32_t)len - done;
		rc = cache_io(v, clus_sector(v, c), co, (uint8_t *)buf + done,
			      NULL, n);
		if (rc < 0)
			return rc;
		done += n;
	}
	return (long)done;
}

/* Write len bytes from buf (zeros if NULL) at off, growing the chain and
 * the size as it goes.  *done counts what was written. */
static int
write_range(struct fat_file *f, uint32_t off, const uint8_t *buf,
	    uint32_t len, uint32_t *done)
{
	struct fat_vol *v = f->vol;
	uint32_t cb = v->cluster_bytes, n, co, c, cnt;
	uint64_t room;
	int rc;

	*done = 0;
	while (*done < len) {
		co = (off + *done) % cb;
		rc = file_run(f, (off + *done) / cb,
			      run_want(v, co, len - *done), 1, &c, &cnt);
		if (rc < 0)
			return rc;
		room = (uint64_t)cnt * cb - co;
		n = room < len - *done ? (uint32_t)room : len - *done;
		rc = cache_io(v, clus_sector(v, c), co, NULL,
			      buf ? buf + *done : NULL, n);
		if (rc < 0)
			return rc;
		*done += n;
		if (off + *done > f->size)
			f->size = off + *done;
	}
	return 0;
}

/*
 * Write len bytes at off (a gap past the end is filled with zeros).
 * Returns the count written; a full volume part way gives a short count,
 * or -FAT_ERR_NOSPC if nothing fitted.
 */
long
fat_write(struct fat_file *f, uint32_t off, const void *buf, size_t len)
{
	struct fat_vol *v = f->vol;
	uint32_t first = f->first, size = f->size, done = 0, gap;
	int rc, rc2;

	if (v == NULL)
		return -ERR_INVAL;
	if ((rc = check_writable(v)) < 0)
		return rc;
	if (!f->writable)
		return -ERR_PERM;
	if (len == 0)
		return 0;
	if (len > IO_MAX)
		len = IO_MAX;
	if ((uint64_t)off + len > 0xffffffffu)
		return -FAT_ERR_FBIG;
	rc = 0;
	if (off > f->size)
		rc = write_range(f, f->size, NULL, off - f->size, &gap);
	if (rc == 0)
		rc = write_range(f, off, buf, (uint32_t)len, &done);
	if (f->first != first || f->size != size || done > 0) {
		rc2 = file_sync_entry(f);
		if (rc == 0)
			rc = rc2;
	}
	if (done > 0 && (rc == 0 || rc == -FAT_ERR_NOSPC))
		return (long)done;
	return rc;
}

/*
 * Set the size.  Growing writes zeros; shrinking checks the whole chain
 * (a corrupt one: -ERR_IO and nothing changed), writes the entry with the
 * new size to the device, then cuts the chain (docs/fat.md).
 */
int
fat_truncate(struct fat_file *f, uint32_t size)
{
	struct fat_vol *v = f->vol;
	uint32_t keep, last = 0, old, done;
	int rc;

	if (v == NULL)
		return -ERR_INVAL;
	if ((rc = check_writable(v)) < 0)
		return rc;
	if (!f->writable)
		return -ERR_PERM;
	if (size > f->size) {
		rc = write_range(f, f->size, NULL, size - f->size, &done);
		if (rc < 0) {
			file_sync_entry(f);
			return rc;
		}
		return file_sync_entry(f);
	}
	keep = size == 0 ? 0 : (size - 1) / v->cluster_bytes + 1;
	if (f->first != 0 && (rc = chain_check(v, f->first)) < 0)
		return rc;              /* corrupt: change nothing */
	if (keep > 0) {
		rc = file_clus(f, keep - 1, 0, &last);
		if (rc < 0)
			return rc;
	}
	old = f->first;
	f->size = size;
	if (keep == 0)
		f->first = 0;
	f->pos_clus = 0;
	rc = file_sync_entry(f);
	if (rc == 0)
		rc = cache_sync(v, f->ent_sector);
	if (rc < 0)
		return rc;
	if (keep > 0)
		return chain_cut(v, last);
	return old != 0 ? chain_free(v, old) : 0;
}

int
fat_fstat(struct fat_file *f, struct fat_stat *st)
{
	struct fat_vol *v = f->vol;
	uint8_t *p;
	int rc;

	if (v == NULL || !v->mounted)
		return -ERR_INVAL;
	rc = cache_get(v, f->ent_sector, 0, &p);
	if (rc < 0)
		return rc;
	de_to_stat(v, p + f->ent_off, st);
	st->size = f->size;
	st->first_cluster = f->first;
	return 0;
}

/* Nothing to release: every change is already in the cache. */
int
fat_close(struct fat_file *f)
{
	f->vol = NULL;
	return 0;
}
