/*
 * The file allocation table: entry access for the three widths, chain
 * walks that never trust the disk, cluster allocation and freeing.
 */
#include "fat_int.h"

uint32_t
fat_eoc(const struct fat_vol *v)
{
	return v->type == 12 ? 0xfff : v->type == 16 ? 0xffff : 0x0fffffff;
}

/* First "bad cluster" value; values above it are end-of-chain marks. */
static uint32_t
fat_bad(const struct fat_vol *v)
{
	return fat_eoc(v) - 8;
}

/* Byte offset of entry clus inside the FAT. */
static uint32_t
entry_off(const struct fat_vol *v, uint32_t clus)
{
	if (v->type == 12)
		return clus + clus / 2;
	return clus * (v->type == 16 ? 2u : 4u);
}

static int
get_byte(struct fat_vol *v, uint32_t off, uint8_t **p)
{
	uint8_t *buf;
	int rc = cache_get(v, v->fat_start + off / v->bps, 0, &buf);

	if (rc < 0)
		return rc;
	*p = buf + off % v->bps;
	return 0;
}

/* Read the FAT entry of cluster clus (0 .. clusters + 1). */
int
fat_get(struct fat_vol *v, uint32_t clus, uint32_t *val)
{
	uint32_t off;
	uint8_t *p, lo;
	int rc;

	if (clus > v->clusters + 1)
		return -ERR_IO;
	off = entry_off(v, clus);
	rc = get_byte(v, off, &p);
	if (rc < 0)
		return rc;
	if (v->type == 16) {
		*val = rd16(p);         /* 2-aligned: never straddles */
	} else if (v->type == 32) {
		*val = rd32(p) & 0x0fffffff;
	} else {
		lo = *p;
		rc = get_byte(v, off + 1, &p);
		if (rc < 0)
			return rc;
		*val = (uint32_t)lo | (uint32_t)*p << 8;
		*val = (clus & 1) ? *val >> 4 : *val & 0xfff;
	}
	return 0;
}

/* Set the FAT entry of cluster clus (2 .. clusters + 1) in the cache. */
int
fat_set(struct fat_vol *v, uint32_t clus, uint32_t val)
{
	uint32_t off;
	uint8_t *p;
	int rc;

	if (!clus_valid(v, clus))
		return -ERR_IO;
	off = entry_off(v, clus);
	rc = get_byte(v, off, &p);
	if (rc < 0)
		return rc;
	if (v->type == 16) {
		wr16(p, (uint16_t)val);
	} else if (v->type == 32) {
		wr32(p, (rd32(p) & 0xf0000000) | (val & 0x0fffffff));
	} else if (clus & 1) {
		*p = (uint8_t)((*p & 0x0f) | (val << 4 & 0xf0));
		cache_mark_dirty(v, p);
		rc = get_byte(v, off + 1, &p);
		if (rc < 0)
			return rc;
		*p = (uint8_t)(val >> 4);
	} else {
		*p = (uint8_t)val;
		cache_mark_dirty(v, p);
		rc = get_byte(v, off + 1, &p);
		if (rc < 0)
			return rc;
		*p = (uint8_t)((*p & 0xf0) | (val >> 8 & 0x0f));
	}
	cache_mark_dirty(v, p);
	return 0;
}

/*
 * Follow the chain one step from valid cluster clus.  Returns 1 and *next
 * for a valid next cluster, 0 at the end of the chain, -ERR_IO if the entry
 * is free, bad, reserved or out of range (a corrupt chain).
 */
int
chain_next(struct fat_vol *v, uint32_t clus, uint32_t *next)
{
	uint32_t val;
	int rc = fat_get(v, clus, &val);

	if (rc < 0)
		return rc;
	if (val > fat_bad(v))
		return 0;
	if (!clus_valid(v, val))
		return -ERR_IO;
	*next = val;
	return 1;
}

/* Width in bytes of a FAT16/32 entry, and entries per FAT sector. */
static uint32_t
ent_width(const struct fat_vol *v)
{
	return v->type == 16 ? 2u : 4u;
}

/*
 * FAT16/32: the cached FAT sector holding the entry of clus; *p points at
 * the entry.  Entries never straddle sectors at these widths, so a caller
 * may walk the sector directly (the pointer lasts until the next cache
 * call).
 */
static int
ent_ptr(struct fat_vol *v, uint32_t clus, uint8_t **p)
{
	uint32_t per = v->bps / ent_width(v);
	uint8_t *buf;
	int rc = cache_get(v, v->fat_start + clus / per, 0, &buf);

	if (rc < 0)
		return rc;
	*p = buf + clus % per * ent_width(v);
	return 0;
}

static uint32_t
ent_rd(const struct fat_vol *v, const uint8_t *p)
{
	return v->type == 16 ? rd16(p) : rd32(p) & 0x0fffffff;
}

static void
ent_wr(const struct fat_vol *v, uint8_t *p, uint32_t val)
{
	if (v->type == 16)
		wr16(p, (uint16_t)val);
	else
		wr32(p, (rd32(p) & 0xf0000000) | (val & 0x0fffffff));
}

/*
 * How many clusters continue valid cluster clus's chain next to it on
 * disk: clus links to clus + 1, that to clus + 2, ... (*n of them, at
 * most max).  Where that stops, chain_next says what follows.  Used to
 * move file data in one device request per run; FAT16/32 read each FAT
 * sector once per run instead of once per cluster.
 */
int
chain_contig(struct fat_vol *v, uint32_t clus, uint32_t max, uint32_t *n)
{
	uint32_t c = clus, per, val;
	uint8_t *p = NULL;
	int rc;

	*n = 0;
	if (v->type == 12) {
		while (*n < max) {
			rc = chain_next(v, c, &val);
			if (rc <= 0 || val != c + 1)
				return rc < 0 ? rc : 0;
			c++;
			(*n)++;
		}
		return 0;
	}
	per = v->bps / ent_width(v);
	while (*n < max) {
		if (p == NULL || c % per == 0) {
			if (c > v->clusters + 1)
				return 0;
			rc = ent_ptr(v, c, &p);
			if (rc < 0)
				return rc;
		}
		val = ent_rd(v, p);
		if (val != c + 1 || !clus_valid(v, val))
			return 0;
		c++;
		(*n)++;
		p += ent_width(v);
	}
	return 0;
}

/* Is cluster c free?  1 yes, 0 no, <0 error. */
static int
clus_is_free(struct fat_vol *v, uint32_t c)
{
	uint32_t val;
	int rc = fat_get(v, c, &val);

	return rc < 0 ? rc : val == CL_FREE;
}

/* The first free cluster from the search hint on (wrapping), or
 * -FAT_ERR_NOSPC; a full scan also fixes the free count at 0. */
static int
find_free(struct fat_vol *v, uint32_t *out)
{
	uint32_t i, c;
	int rc;

	if (v->next_free < 2 || v->next_free > v->clusters + 1)
		v->next_free = 2;
	c = v->next_free;
	for (i = 0; i < v->clusters; i++) {
		rc = clus_is_free(v, c);
		if (rc < 0)
			return rc;
		if (rc) {
			*out = c;
			return 0;
		}
		c = c == v->clusters + 1 ? 2 : c + 1;
	}
	v->free_count = 0;
	v->fsinfo_dirty = 1;
	return -FAT_ERR_NOSPC;
}

/* How many clusters from free cluster c on are free, at most max. */
static int
free_run(struct fat_vol *v, uint32_t c, uint32_t max, uint32_t *n)
{
	uint32_t per;
	uint8_t *p = NULL;
	int rc;

	for (*n = 1; *n < max && clus_valid(v, c + *n); (*n)++) {
		if (v->type == 12) {
			rc = clus_is_free(v, c + *n);
			if (rc <= 0)
				return rc;
			continue;
		}
		per = v->bps / ent_width(v);
		if (p == NULL || (c + *n) % per == 0) {
			rc = ent_ptr(v, c + *n, &p);
			if (rc < 0)
				return rc;
		} else {
			p += ent_width(v);
		}
		if (ent_rd(v, p) != CL_FREE)
			break;
	}
	return 0;
}

/* Link clusters c .. c + n - 1 into a chain ending in an end mark; from
 * the end backwards, so the chain is never open-ended in the cache and
 * the sectors holding its end are the older ones (evicted first). */
static int
link_run(struct fat_vol *v, uint32_t c, uint32_t n)
{
	uint32_t i, k, per, sec = 0;
	uint8_t *p = NULL, *buf = NULL;
	int rc;

	for (i = n; i-- > 0;) {
		k = c + i;
		if (v->type == 12) {
			rc = fat_set(v, k, i == n - 1 ? fat_eoc(v) : k + 1);
			if (rc < 0)
				return rc;
			continue;
		}
		per = v->bps / ent_width(v);
		if (buf == NULL || k / per != sec) {
			sec = k / per;
			rc = ent_ptr(v, k, &p);
			if (rc < 0)
				return rc;
			buf = p - k % per * ent_width(v);
			cache_mark_dirty(v, buf);
		}
		ent_wr(v, buf + k % per * ent_width(v),
		       i == n - 1 ? fat_eoc(v) : k + 1);
	}
	return 0;
}

/*
 * Allocate up to want (>= 1) clusters next to each other on disk, chain
 * them with an end mark and link them after prev (if prev != 0).  The run
 * starts at prev + 1 when that is free (files stay contiguous), else at
 * the first free cluster from the search hint.  *first and *got (1 ..
 * want) say what was taken.  The run's entries are set before prev's link,
 * so the chain is never open-ended.  -FAT_ERR_NOSPC when the volume is
 * full.
 */
int
clus_alloc_run(struct fat_vol *v, uint32_t prev, uint32_t want,
	       uint32_t *first, uint32_t *got)
{
	uint32_t c = 0, n;
	int rc;

	if (want == 0)
		want = 1;
	if (prev != 0 && clus_valid(v, prev + 1)) {
		rc = clus_is_free(v, prev + 1);
		if (rc < 0)
			return rc;
		if (rc)
			c = prev + 1;
	}
	if (c == 0 && (rc = find_free(v, &c)) < 0)
		return rc;
	rc = free_run(v, c, want, &n);
	if (rc == 0)
		rc = link_run(v, c, n);
	if (rc == 0 && prev != 0)
		rc = fat_set(v, prev, c);
	if (rc < 0)
		return rc;
	v->free_count = v->free_count > n ? v->free_count - n : 0;
	v->next_free = c + n;
	v->fsinfo_dirty = 1;
	*first = c;
	*got = n;
	return 0;
}

/* Allocate one cluster after prev (see clus_alloc_run). */
int
clus_alloc(struct fat_vol *v, uint32_t prev, uint32_t *out)
{
	uint32_t got;

	return clus_alloc_run(v, prev, 1, out, &got);
}

/*
 * Check the whole chain from first before anything frees it: every link
 * valid and the end reached within the volume's cluster count (a loop
 * never ends).  0 or -ERR_IO.  Freeing, truncating and replacing call it
 * first, so a call that fails on a corrupt chain changes nothing.
 */
int
chain_check(struct fat_vol *v, uint32_t first)
{
	uint32_t c = first, n;
	int rc;

	if (!clus_valid(v, c))
		return -ERR_IO;
	for (n = 0; n < v->clusters; n++) {
		rc = chain_next(v, c, &c);
		if (rc <= 0)
			return rc;
	}
	return -ERR_IO;
}

/*
 * Free the chain starting at first.  Stops with -ERR_IO at a corrupt link
 * (what was freed stays freed; a loop ends at the first freed cluster).
 */
int
chain_free(struct fat_vol *v, uint32_t first)
{
	uint32_t c = first, val, n;
	int rc;

	for (n = 0; n <= v->clusters; n++) {
		if (!clus_valid(v, c))
			return -ERR_IO;
		rc = fat_get(v, c, &val);
		if (rc < 0)
			return rc;
		if (val == CL_FREE)
			return -ERR_IO;
		rc = fat_set(v, c, CL_FREE);
		if (rc < 0)
			return rc;
		v->free_count++;
		v->fsinfo_dirty = 1;
		if (val > fat_bad(v))
			return 0;
		c = val;
	}
	return -ERR_IO;
}

/* Make `last` the end of its chain and free whatever followed it. */
int
chain_cut(struct fat_vol *v, uint32_t last)
{
	uint32_t next;
	int rc = chain_next(v, last, &next);

	if (rc <= 0) {
		if (rc == 0)
			return 0;
		return fat_set(v, last, fat_eoc(v)) < 0 ? -ERR_IO : rc;
	}
	rc = fat_set(v, last, fat_eoc(v));
	if (rc < 0)
		return rc;
	return chain_free(v, next);
}

/* Write zeros over a whole cluster (new directory clusters). */
int
clus_zero(struct fat_vol *v, uint32_t clus)
{
	static const uint8_t zeros[FAT_MAX_SECTOR];
	uint32_t s;
	int rc;

	for (s = 0; s < v->spc; s++) {
		rc = cache_io(v, clus_sector(v, clus) + s, 0, NULL, zeros,
			      v->bps);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Count the free clusters by reading the whole FAT; also updates the
 * volume's count. */
int
fat_count_free(struct fat_vol *v, uint32_t *count)
{
	uint32_t c, val, n = 0;
	int rc;

	uint32_t per, i, end;
	uint8_t *p;

	if (!v->mounted && v->clusters == 0)
		return -ERR_INVAL;
	if (v->type == 12) {
		for (c = 2; c <= v->clusters + 1; c++) {
			rc = fat_get(v, c, &val);
			if (rc < 0)
				return rc;
			if (val == CL_FREE)
				n++;
		}
	} else {
		/* FAT16/32 entries never straddle sectors: a sector at once. */
		per = v->bps / (uint32_t)(v->type / 8);
		for (c = 2; c <= v->clusters + 1; c = end) {
			rc = cache_get(v, v->fat_start + c / per, 0, &p);
			if (rc < 0)
				return rc;
			end = (c / per + 1) * per;
			if (end > v->clusters + 2)
				end = v->clusters + 2;
			for (i = c; i < end; i++) {
				val = v->type == 16 ? rd16(p + i % per * 2) :
				      rd32(p + i % per * 4) & 0x0fffffff;
				if (val == CL_FREE)
					n++;
			}
		}
	}
	if (v->free_count != n)
		v->fsinfo_dirty = 1;
	v->free_count = n;
	*count = n;
	return 0;
}
