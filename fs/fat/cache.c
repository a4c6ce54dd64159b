/*
 * Sector cache: FAT_CACHE_SECTORS volume sectors, write-back, LRU.
 *
 * Write order (docs/fat.md): the cache holds only the first (active) copy
 * of the FAT; a dirty FAT sector is written to every copy.  A cached
 * sector is of one of three kinds: FAT, file data (made dirty by cache_io)
 * or metadata (directory entries, FSInfo: made dirty by cache_mark_dirty).
 * Before any dirty metadata sector goes to the device, every dirty data
 * and FAT sector is written and the device flushed (ordered writes, as
 * ext4's data=ordered).  So a directory entry never reaches the disk
 * before the FAT entries of the chain it points to, nor before the file
 * data inside the size it gives.  Freeing operations call cache_sync on
 * the directory sector before they touch the FAT (see dir_remove,
 * fat_truncate).
 */
#include "fat_int.h"

static int
in_fat(const struct fat_vol *v, uint32_t sector)
{
	return sector >= v->fat_start && sector - v->fat_start < v->fat_size;
}

int
dev_read(struct fat_vol *v, uint32_t sector, void *buf, uint32_t count)
{
	if (count == 0 || sector >= v->total_sectors ||
	    count > v->total_sectors - sector)
		return -ERR_IO;
	return v->dev.read(v->dev.ctx, (uint64_t)sector * v->dev_per_sec, buf,
			   count * v->dev_per_sec) < 0 ? -ERR_IO : 0;
}

static int
dev_write(struct fat_vol *v, uint32_t sector, const void *buf, uint32_t count)
{
	if (count == 0 || sector >= v->total_sectors ||
	    count > v->total_sectors - sector)
		return -ERR_IO;
	v->unflushed = 1;
	return v->dev.write(v->dev.ctx, (uint64_t)sector * v->dev_per_sec, buf,
			    count * v->dev_per_sec) < 0 ? -ERR_IO : 0;
}

/* Device flush, if anything was written since the last one (a failed
 * flush leaves that so: the next barrier tries again). */
static int
dev_barrier(struct fat_vol *v)
{
	if (!v->unflushed)
		return 0;
	if (v->dev.flush != NULL && v->dev.flush(v->dev.ctx) < 0)
		return -ERR_IO;
	v->unflushed = 0;
	v->unordered = 0;
	return 0;
}

static int find(const struct fat_vol *v, uint32_t sector);

/* The kinds of dirty sectors, in the order they must reach the disk. */
enum { K_DATA, K_FAT, K_META };

static int
kind(const struct fat_vol *v, int i)
{
	if (in_fat(v, v->cent[i].sector))
		return K_FAT;
	return v->cent[i].data ? K_DATA : K_META;
}

/* Is `sector` cached, dirty and of kind k? */
static int
dirty_like(const struct fat_vol *v, uint32_t sector, int k)
{
	int j = find(v, sector);

	return j >= 0 && v->cent[j].dirty && kind(v, j) == k;
}

/*
 * Write dirty cache entry i to the device (a FAT sector to every FAT copy)
 * together with the dirty cached sectors of the same kind next to it on
 * disk: one request per copy for the whole run (through the staging
 * buffer wb, which nothing else uses: cache_fill holds its read-ahead in
 * ra while the evictions it causes come here), so a FAT updated by a long
 * allocation goes out in a few requests, not one per sector.  All of them
 * become clean.  Does not enforce the write order: see write_back.
 */
static int
write_entry(struct fat_vol *v, int i)
{
	uint32_t s = v->cent[i].sector, lo = s, n = 1, k, copies = 1;
	uint32_t max = FAT_RUN_BYTES / v->bps;
	int k_i = kind(v, i), fat = k_i == K_FAT, j, rc;
	const uint8_t *buf = v->cbuf[i];

	while (n < max && lo > 0 && dirty_like(v, lo - 1, k_i)) {
		lo--;
		n++;
	}
	while (n < max && dirty_like(v, lo + n, k_i))
		n++;
	if (n > 1) {
		for (k = 0; k < n; k++)
			memcpy(v->wb + (size_t)k * v->bps,
			       v->cbuf[find(v, lo + k)], v->bps);
		buf = v->wb;
	}
	if (fat)
		copies = v->fat_copies;
	for (k = 0; k < copies; k++) {
		rc = dev_write(v, lo + k * v->fat_size, buf, n);
		if (rc < 0)
			return rc;
	}
	for (k = 0; k < n; k++) {
		j = find(v, lo + k);
		v->cent[j].dirty = 0;
		v->cent[j].data = 0;
	}
	if (k_i != K_META)
		v->unordered = 1;
	return 0;
}

/* Write every dirty sector of kind k. */
static int
flush_kind(struct fat_vol *v, int k)
{
	int i, rc;

	for (i = 0; i < FAT_CACHE_SECTORS; i++) {
		if (v->cent[i].valid && v->cent[i].dirty && kind(v, i) == k) {
			rc = write_entry(v, i);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* What must be on the disk before metadata is written: every dirty data
 * and FAT sector, then a device flush if data or FAT (direct data runs
 * included) went out since the last one.  Metadata after metadata needs
 * none: a flush per directory sector doubled the cost of listing 1,000
 * new files (bench_fat). */
static int
flush_before_meta(struct fat_vol *v)
{
	int rc = flush_kind(v, K_DATA);

	if (rc == 0)
		rc = flush_kind(v, K_FAT);
	if (rc < 0 || !v->unordered)
		return rc;
	return dev_barrier(v);
}

/* Write entry i keeping the order rule: data and FAT before metadata. */
static int
write_back(struct fat_vol *v, int i)
{
	int rc;

	if (kind(v, i) == K_META) {
		rc = flush_before_meta(v);
		if (rc < 0)
			return rc;
	}
	return write_entry(v, i);
}

static int
find(const struct fat_vol *v, uint32_t sector)
{
	int i = (int)v->last;

	if (v->cent[i].valid && v->cent[i].sector == sector)
		return i;               /* scans hit the same sector often */
	for (i = 0; i < FAT_CACHE_SECTORS; i++)
		if (v->cent[i].valid && v->cent[i].sector == sector)
			return i;
	return -1;
}

/* Is volume sector `sector` in the cache? */
int
cache_has(const struct fat_vol *v, uint32_t sector)
{
	return find(v, sector) >= 0;
}

/*
 * Return in *buf the cached copy of volume sector `sector` (read from the
 * device unless noread, in which case it is zeroed for the caller to fill).
 * The pointer stays valid until the next cache call.
 */
int
cache_get(struct fat_vol *v, uint32_t sector, int noread, uint8_t **buf)
{
	int i, victim = 0, rc;

	if (sector >= v->total_sectors)
		return -ERR_IO;
	i = find(v, sector);
	if (i < 0) {
		for (i = 0; i < FAT_CACHE_SECTORS; i++) {
			if (!v->cent[i].valid) {
				victim = i;
				break;
			}
			if (v->cent[i].lru < v->cent[victim].lru)
				victim = i;
		}
		i = victim;
		if (v->cent[i].valid && v->cent[i].dirty) {
			rc = write_back(v, i);
			if (rc < 0)
				return rc;
		}
		v->cent[i].valid = 0;
		if (noread) {
			memset(v->cbuf[i], 0, v->bps);
		} else {
			rc = dev_read(v, sector, v->cbuf[i], 1);
			if (rc < 0)
				return rc;
		}
		v->cent[i].sector = sector;
		v->cent[i].valid = 1;
		v->cent[i].dirty = 0;
		v->cent[i].data = 0;
	}
	v->cent[i].lru = ++v->tick;
	v->last = (uint32_t)i;
	*buf = v->cbuf[i];
	return 0;
}

/* Mark the cached sector that buf (from cache_get) belongs to dirty, as
 * metadata (written after data and FAT, see write_back). */
void
cache_mark_dirty(struct fat_vol *v, const uint8_t *buf)
{
	size_t i = (size_t)(buf - &v->cbuf[0][0]) / FAT_MAX_SECTOR;

	v->cent[i].dirty = 1;
	v->cent[i].data = 0;
}

/* Mark it dirty as file data, unless it is dirty metadata already. */
static void
mark_dirty_data(struct fat_vol *v, const uint8_t *buf)
{
	size_t i = (size_t)(buf - &v->cbuf[0][0]) / FAT_MAX_SECTOR;

	if (!v->cent[i].dirty)
		v->cent[i].data = 1;
	v->cent[i].dirty = 1;
}

/* Write `sector` to the device now if it is dirty (data and FAT first,
 * see write_back), then a barrier: used before freeing clusters the
 * sector no longer points to. */
int
cache_sync(struct fat_vol *v, uint32_t sector)
{
	int i = find(v, sector), rc;

	if (i < 0 || !v->cent[i].dirty)
		return 0;
	rc = write_back(v, i);
	if (rc < 0)
		return rc;
	return dev_barrier(v);
}

/* Write every dirty sector, data and FAT before metadata, and flush the
 * device. */
int
cache_flush_all(struct fat_vol *v)
{
	int rc = flush_before_meta(v);

	if (rc == 0)
		rc = flush_kind(v, K_META);
	if (rc < 0)
		return rc;
	v->unflushed = 1;               /* an explicit flush always reaches
					   the device */
	return dev_barrier(v);
}

/* Is anything not yet durable: a dirty cached sector, or a device write
 * not followed by a device flush? */
int
cache_dirty(const struct fat_vol *v)
{
	int i;

	if (v->unflushed)
		return 1;
	for (i = 0; i < FAT_CACHE_SECTORS; i++)
		if (v->cent[i].valid && v->cent[i].dirty)
			return 1;
	return 0;
}

void
cache_invalidate(struct fat_vol *v)
{
	memset(v->cent, 0, sizeof(v->cent));
	v->tick = 0;
}

/* Move bytes between one cached sector and the caller. */
static int
io_cached(struct fat_vol *v, uint32_t sector, uint32_t off, uint8_t *rbuf,
	  const uint8_t *wbuf, uint32_t n)
{
	uint8_t *p;
	int rc;

	rc = cache_get(v, sector, rbuf == NULL && off == 0 && n == v->bps, &p);
	if (rc < 0)
		return rc;
	if (rbuf != NULL) {
		memcpy(rbuf, p + off, n);
		return 0;
	}
	if (wbuf != NULL)
		memcpy(p + off, wbuf, n);
	else
		memset(p + off, 0, n);
	mark_dirty_data(v, p);
	return 0;
}

/*
 * Whole sectors [sector, sector + count) straight between the device and
 * the caller, one device request.  Coherence with the cache: a read takes
 * the device's bytes and then lays every dirty cached sector of the range
 * over them (clean ones equal the device); a write goes to the device and
 * then drops the cached copies of the range, which are now stale.  Only
 * file data moves this way; its order against the FAT does not matter
 * (a crash leaves bytes in clusters nothing points to yet).
 */
static int
io_direct(struct fat_vol *v, uint32_t sector, uint8_t *rbuf,
	  const uint8_t *wbuf, uint32_t count)
{
	struct fat_cache_ent *e;
	int i, rc;

	rc = rbuf ? dev_read(v, sector, rbuf, count)
		  : dev_write(v, sector, wbuf, count);
	if (rc < 0)
		return rc;
	if (rbuf == NULL)
		v->unordered = 1;       /* file data: before any metadata */
	for (i = 0; i < FAT_CACHE_SECTORS; i++) {
		e = &v->cent[i];
		if (!e->valid || e->sector < sector ||
		    e->sector - sector >= count)
			continue;
		if (rbuf == NULL)
			e->valid = 0;
		else if (e->dirty)
			memcpy(rbuf + (size_t)(e->sector - sector) * v->bps,
			       v->cbuf[i], v->bps);
	}
	return 0;
}

/*
 * Read (rbuf != NULL) or write (from wbuf, or zeros if wbuf is NULL) len
 * bytes starting at byte `off` of volume sector `sector`; the range must
 * lie in one run of consecutive sectors (consecutive clusters).  A partial
 * sector at either end goes through the cache; the whole sectors between
 * go to the device in one request (io_direct), except zeros, which are
 * written through the cache.
 */
int
cache_io(struct fat_vol *v, uint32_t sector, uint32_t off, void *rbuf,
	 const void *wbuf, uint32_t len)
{
	uint8_t *r = rbuf;
	const uint8_t *w = wbuf;
	uint32_t n;
	int rc;

	sector += off / v->bps;
	off %= v->bps;
	while (len > 0) {
		if (off != 0 || len < v->bps || (r == NULL && w == NULL)) {
			n = v->bps - off < len ? v->bps - off : len;
			rc = io_cached(v, sector, off, r, w, n);
			if (rc < 0)
				return rc;
			off = 0;
			sector++;
		} else {
			n = len / v->bps;
			rc = io_direct(v, sector, r, w, n);
			if (rc < 0)
				return rc;
			sector += n;
			n *= v->bps;
		}
		if (r != NULL)
			r += n;
		if (w != NULL)
			w += n;
		len -= n;
	}
	return 0;
}

/*
 * Read ahead: bring sectors [sector, sector + count) into the cache with
 * one device request (at most RA_SECTORS), for directory scans.  Sectors
 * cached before the read keep their (possibly dirty) copy and are not
 * installed again even if making room evicts them meanwhile (the eviction
 * wrote them back; the bytes read before that are stale).  Evicts at most
 * count entries.
 */
int
cache_fill(struct fat_vol *v, uint32_t sector, uint32_t count)
{
	uint32_t k, had = 0;
	uint8_t *p;
	int rc;

	if (count > RA_SECTORS(v))
		count = RA_SECTORS(v);
	if (count <= 1)
		return 0;
	for (k = 0; k < count; k++)
		if (find(v, sector + k) >= 0)
			had |= 1u << k;
	rc = dev_read(v, sector, v->ra, count);
	if (rc < 0)
		return rc;
	for (k = 0; k < count; k++) {
		if (had & 1u << k)
			continue;
		rc = cache_get(v, sector + k, 1, &p);
		if (rc < 0)
			return rc;
		memcpy(p, v->ra + (size_t)k * v->bps, v->bps);
	}
	return 0;
}
