/*
 * Directories: iterating slots (fixed FAT12/16 root or a cluster chain),
 * assembling long names, lookup, path walks, adding and removing entries.
 *
 * Long-name slots that do not form a valid sequence (wrong order, wrong
 * checksum, orphaned) are ignored and the short name is used, as Windows
 * does: that is not an error.  Every walk is bounded by DIR_MAX_ENTRIES.
 */
#include "fat_int.h"

uint32_t
root_dir(const struct fat_vol *v)
{
	return v->type == 32 ? v->root_cluster : 0;
}

uint32_t
de_first(const struct fat_vol *v, const uint8_t *de)
{
	uint32_t c = rd16(de + DE_CLUS_LO);

	if (v->type == 32)
		c |= (uint32_t)rd16(de + DE_CLUS_HI) << 16;
	return c;
}

void
de_set_first(uint8_t *de, uint32_t c)
{
	wr16(de + DE_CLUS_HI, (uint16_t)(c >> 16));
	wr16(de + DE_CLUS_LO, (uint16_t)c);
}

/* The current time in FAT format (from the caller's clock). */
void
fat_now(struct fat_vol *v, uint16_t *date, uint16_t *time)
{
	struct fat_tm t = { 1980, 1, 1, 0, 0, 0 };

	if (v->clock != NULL)
		v->clock(v->clock_ctx, &t);
	if (t.year < 1980)
		t.year = 1980;
	if (t.year > 2107)
		t.year = 2107;
	if (t.mon < 1 || t.mon > 12)
		t.mon = 1;
	if (t.day < 1 || t.day > 31)
		t.day = 1;
	*date = (uint16_t)((t.year - 1980) << 9 | t.mon << 5 | t.day);
	*time = (uint16_t)((t.hour % 24) << 11 | (t.min % 60) << 5 |
			   (t.sec % 60) / 2);
}

static void
unpack_tm(uint16_t date, uint16_t time, struct fat_tm *t)
{
	t->year = (uint16_t)(1980 + (date >> 9));
	t->mon = (uint8_t)(date >> 5 & 15);
	t->day = (uint8_t)(date & 31);
	t->hour = (uint8_t)(time >> 11);
	t->min = (uint8_t)(time >> 5 & 63);
	t->sec = (uint8_t)((time & 31) * 2);
}

void
de_to_stat(const struct fat_vol *v, const uint8_t *de, struct fat_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->attr = de[DE_ATTR];
	st->is_dir = (de[DE_ATTR] & FAT_ATTR_DIR) != 0;
	st->size = st->is_dir ? 0 : rd32(de + DE_SIZE_OFF);
	st->first_cluster = de_first(v, de);
	unpack_tm(rd16(de + DE_CDATE), rd16(de + DE_CTIME), &st->ctime);
	unpack_tm(rd16(de + DE_MDATE), rd16(de + DE_MTIME), &st->mtime);
	unpack_tm(rd16(de + DE_ADATE), 0, &st->atime);
}

/* Start iterating the directory whose first cluster is start (0: the
 * fixed root of FAT12/16). */
int
dir_begin(struct fat_vol *v, uint32_t start, struct fat_dir *d)
{
	if (start == 0 ? v->type == 32 : !clus_valid(v, start))
		return -ERR_IO;
	d->vol = v;
	d->start = start;
	d->clus = start;
	d->idx = 0;
	d->steps = 0;
	return 0;
}

/* Where slot d->idx lives: 1 and *loc, 0 past the end, <0 error. */
static int
dir_cur(struct fat_dir *d, struct fat_loc *loc)
{
	struct fat_vol *v = d->vol;
	uint32_t epc = v->cluster_bytes / DE_SIZE, next;
	int rc;

	if (d->idx >= DIR_MAX_ENTRIES)
		return 0;
	if (d->start == 0) {
		if (d->idx >= v->root_sectors * (v->bps / DE_SIZE))
			return 0;
		loc->sector = v->root_start + d->idx / (v->bps / DE_SIZE);
		loc->off = d->idx % (v->bps / DE_SIZE) * DE_SIZE;
		return 1;
	}
	if (d->idx / epc < d->steps) {          /* rewound: start over */
		d->clus = d->start;
		d->steps = 0;
	}
	while (d->steps < d->idx / epc) {
		rc = chain_next(v, d->clus, &next);
		if (rc <= 0)
			return rc;
		d->clus = next;
		d->steps++;
	}
	loc->sector = clus_sector(v, d->clus) + d->idx % epc * DE_SIZE / v->bps;
	loc->off = d->idx % epc * DE_SIZE % v->bps;
	return 1;
}

/*
 * Before the first slot of a sector that is not cached: read it and the
 * sectors after it that belong to the directory and lie next to it on
 * disk (rest of the cluster, following contiguous clusters, rest of the
 * fixed root) into the cache with one device request.
 */
static int
dir_readahead(struct fat_dir *d, const struct fat_loc *loc)
{
	struct fat_vol *v = d->vol;
	uint32_t max = RA_SECTORS(v), n, more;
	int rc;

	if (loc->off != 0 || max <= 1 || cache_has(v, loc->sector))
		return 0;
	if (d->start == 0) {
		n = v->root_start + v->root_sectors - loc->sector;
	} else {
		n = clus_sector(v, d->clus) + v->spc - loc->sector;
		if (n < max) {
			rc = chain_contig(v, d->clus,
					  (max - n + v->spc - 1) / v->spc,
					  &more);
			if (rc < 0)
				return rc;
			n += more * v->spc;
		}
	}
	return cache_fill(v, loc->sector, n < max ? n : max);
}

static int
read_slot(struct fat_vol *v, const struct fat_loc *loc, uint8_t *e)
{
	uint8_t *p;
	int rc = cache_get(v, loc->sector, 0, &p);

	if (rc < 0)
		return rc;
	memcpy(e, p + loc->off, DE_SIZE);
	return 0;
}

int
de_update(struct fat_vol *v, const struct fat_loc *loc, const uint8_t *de)
{
	uint8_t *p;
	int rc = cache_get(v, loc->sector, 0, &p);

	if (rc < 0)
		return rc;
	memcpy(p + loc->off, de, DE_SIZE);
	cache_mark_dirty(v, p);
	return 0;
}

/* Copy the 13 UTF-16 units of an LFN slot to u. */
static void
lfn_units(const uint8_t *e, uint16_t *u)
{
	static const uint8_t pos[LFN_CHARS] = { 1, 3, 5, 7, 9, 14, 16, 18,
						20, 22, 24, 28, 30 };
	int i;

	for (i = 0; i < LFN_CHARS; i++)
		u[i] = rd16(e + pos[i]);
}

static void
lfn_store(uint8_t *e, const uint16_t *u, int n, int part)
{
	static const uint8_t pos[LFN_CHARS] = { 1, 3, 5, 7, 9, 14, 16, 18,
						20, 22, 24, 28, 30 };
	int i, k;

	for (i = 0; i < LFN_CHARS; i++) {
		k = part * LFN_CHARS + i;
		wr16(e + pos[i], k < n ? u[k] : k == n ? 0 : 0xffff);
	}
}

/*
 * Next entry of the directory (skipping free slots, volume labels and
 * stray LFN slots): 1 and *f, 0 at the end, <0 on a corrupt directory.
 */
int
dir_next(struct fat_dir *d, struct fat_found *f)
{
	struct fat_vol *v = d->vol;
	uint16_t u[20 * LFN_CHARS];
	uint8_t e[DE_SIZE], csum = 0;
	int expect = 0, total = 0, rc, n;
	uint32_t start_idx = 0;
	struct fat_loc loc;

	for (;;) {
		rc = dir_cur(d, &loc);
		if (rc <= 0)
			return rc;
		rc = dir_readahead(d, &loc);
		if (rc == 0)
			rc = read_slot(v, &loc, e);
		if (rc < 0)
			return rc;
		if (e[0] == DE_END)
			return 0;
		d->idx++;
		if (e[0] == DE_FREE) {
			total = 0;
			continue;
		}
		if ((e[DE_ATTR] & 0x3f) == FAT_ATTR_LFN) {
			if (e[LFN_ORD] & LFN_LAST) {
				n = e[LFN_ORD] & 0x1f;
				if (n == 0 || n > 20) {
					total = 0;
					continue;
				}
				total = expect = n;
				csum = e[LFN_CSUM];
				start_idx = d->idx - 1;
			} else if (total == 0 || expect <= 0 ||
				   e[LFN_ORD] != expect ||
				   e[LFN_CSUM] != csum) {
				total = 0;
				continue;
			}
			lfn_units(e, u + (expect - 1) * LFN_CHARS);
			expect--;
			continue;
		}
		if ((e[DE_ATTR] & (FAT_ATTR_VOLID | FAT_ATTR_DIR)) ==
		    FAT_ATTR_VOLID) {
			total = 0;
			continue;
		}
		memcpy(f->de, e, DE_SIZE);
		f->loc = loc;
		f->idx = d->idx - 1;
		f->first_idx = f->idx;
		if (total > 0 && expect == 0 && csum == lfn_checksum(e)) {
			for (n = 0; n < total * LFN_CHARS && u[n] != 0; n++)
				;
			if (n > 0) {
				ucs2_to_utf8(u, n, f->name, sizeof(f->name));
				f->first_idx = start_idx;
				return 1;
			}
		}
		short_to_str(e, f->name, 1);
		return 1;
	}
}

static int
is_dot(const uint8_t *de)
{
	return de[0] == '.' && (de[1] == ' ' || (de[1] == '.' && de[2] == ' '));
}

/* Find name[0..len) in directory dir (case-insensitive, long or short
 * name).  0 and *f, -ERR_NOENT, or another error. */
int
dir_lookup(struct fat_vol *v, uint32_t dir, const char *name, size_t len,
	   struct fat_found *f)
{
	struct fat_dir d;
	char sn[13];
	int rc = dir_begin(v, dir, &d);

	if (rc < 0)
		return rc;
	while ((rc = dir_next(&d, f)) > 0) {
		if (is_dot(f->de))
			continue;
		if (name_eq(name, len, f->name))
			return 0;
		short_to_str(f->de, sn, 0);
		if (name_eq(name, len, sn))
			return 0;
	}
	return rc < 0 ? rc : -ERR_NOENT;
}

/* First cluster of a directory entry that must be a directory. */
static int
subdir(struct fat_vol *v, const uint8_t *de, uint32_t *clus)
{
	if (!(de[DE_ATTR] & FAT_ATTR_DIR))
		return -FAT_ERR_NOTDIR;
	*clus = de_first(v, de);
	if (!clus_valid(v, *clus))
		return -ERR_IO;
	return 0;
}

/*
 * Walk every component of an absolute path but the last: *dir is the
 * directory holding the last component, *last and *lastlen name it (length 0
 * for the root itself).  "." and ".." components are refused.
 */
int
path_walk(struct fat_vol *v, const char *path, uint32_t *dir,
	  const char **last, size_t *lastlen)
{
	struct fat_found f;
	const char *p = path, *c;
	size_t n;
	int rc;

	if (!v->mounted || path == NULL || path[0] != '/')
		return -ERR_INVAL;
	if (strlen(path) >= FAT_PATH_MAX)
		return -ERR_TOOBIG;
	for (c = path; *c != '\0'; c += n) {     /* check it all first */
		while (*c == '/')
			c++;
		n = strcspn(c, "/");
		if ((n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return -ERR_INVAL;
		if (n > FAT_NAME_BUF - 1)
			return -FAT_ERR_NAMELEN;
	}
	*dir = root_dir(v);
	for (;;) {
		while (*p == '/')
			p++;
		c = p;
		while (*p != '\0' && *p != '/')
			p++;
		n = (size_t)(p - c);
		while (*p == '/')
			p++;
		if (*p == '\0') {
			*last = c;
			*lastlen = n;
			return 0;
		}
		rc = dir_lookup(v, *dir, c, n, &f);
		if (rc < 0)
			return rc;
		rc = subdir(v, f.de, dir);
		if (rc < 0)
			return rc;
	}
}

/* Resolve a whole path.  The root gets a made-up entry with loc.sector 0. */
int
path_lookup(struct fat_vol *v, const char *path, struct fat_found *f)
{
	const char *last;
	size_t len;
	uint32_t dir;
	int rc = path_walk(v, path, &dir, &last, &len);

	if (rc < 0)
		return rc;
	if (len == 0) {
		memset(f, 0, sizeof(*f));
		memset(f->de, ' ', 11);
		f->de[DE_ATTR] = FAT_ATTR_DIR;
		de_set_first(f->de, root_dir(v));
		strcpy(f->name, "/");
		return 0;
	}
	return dir_lookup(v, dir, last, len, f);
}

/*
 * Is name11 alias number num of basis?  Used to collect taken "~N" tails.
 */
static uint32_t
alias_num(const uint8_t *basis, const uint8_t *name11)
{
	uint8_t probe[11];
	uint32_t num = 0;
	int i, tilde = -1;

	for (i = 0; i < 8; i++)
		if (name11[i] == '~')
			tilde = i;
	if (tilde < 0)
		return 0;
	for (i = tilde + 1; i < 8 && name11[i] >= '0' && name11[i] <= '9'; i++)
		num = num * 10 + (uint32_t)(name11[i] - '0');
	if (num == 0 || num > 999999)
		return 0;
	memcpy(probe, basis, 11);
	name_alias_tail(probe, num);
	return memcmp(probe, name11, 11) == 0 ? num : 0;
}

#define ALIAS_TRIES 1024

/*
 * Prepare name[0..len) for directory dir: validate it, convert it, choose
 * its short name (the name itself if it is a plain 8.3 name, else a basis
 * with the lowest free "~N" tail) and count its slots.
 */
int
name_prepare(struct fat_vol *v, uint32_t dir, const char *name, size_t len,
	     struct fat_newname *nn)
{
	uint8_t used[ALIAS_TRIES / 8];
	struct fat_found f;
	struct fat_dir d;
	uint32_t num;
	int rc;

	if (!name_valid(name, len))
		return -ERR_INVAL;
	rc = name_to_ucs2(name, len, nn->u);
	if (rc < 0)
		return rc;
	nn->n = rc;
	if (name_is_short(name, len, nn->name11, &nn->ntcase)) {
		nn->slots = 1;
		return 0;
	}
	nn->ntcase = 0;
	nn->slots = 1 + (uint32_t)(nn->n + LFN_CHARS - 1) / LFN_CHARS;
	name_basis(nn->u, nn->n, nn->name11);
	memset(used, 0, sizeof(used));
	rc = dir_begin(v, dir, &d);
	if (rc < 0)
		return rc;
	while ((rc = dir_next(&d, &f)) > 0) {
		num = alias_num(nn->name11, f.de);
		if (num > 0 && num < ALIAS_TRIES)
			used[num / 8] |= (uint8_t)(1u << (num % 8));
	}
	if (rc < 0)
		return rc;
	for (num = 1; num < ALIAS_TRIES; num++) {
		if (!(used[num / 8] & (1u << (num % 8)))) {
			name_alias_tail(nn->name11, num);
			return 0;
		}
	}
	return -ERR_EXIST;
}

/* Append a zeroed cluster to directory dir whose last cluster is last. */
static int
dir_extend(struct fat_vol *v, uint32_t last)
{
	uint32_t c;
	int rc = clus_alloc(v, 0, &c);

	if (rc < 0)
		return rc;
	rc = clus_zero(v, c);
	if (rc == 0)
		rc = fat_set(v, last, c);
	return rc;
}

/*
 * Find n consecutive free slots in directory dir, growing it (new zeroed
 * clusters, allocated before anything points at them) if needed.
 * -FAT_ERR_NOSPC if the fixed root or a 65536-entry directory is full.
 */
int
dir_reserve(struct fat_vol *v, uint32_t dir, uint32_t n, uint32_t *idx)
{
	struct fat_loc loc;
	struct fat_dir d;
	uint32_t run = 0, start = 0;
	uint8_t e[DE_SIZE];
	int rc = dir_begin(v, dir, &d);

	if (rc < 0)
		return rc;
	for (;;) {
		rc = dir_cur(&d, &loc);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			if (dir == 0 || d.idx >= DIR_MAX_ENTRIES)
				return -FAT_ERR_NOSPC;
			/* d.clus is the last cluster: the chain ended. */
			rc = dir_extend(v, d.clus);
			if (rc < 0)
				return rc;
			continue;
		}
		rc = read_slot(v, &loc, e);
		if (rc < 0)
			return rc;
		if (e[0] == DE_FREE || e[0] == DE_END) {
			if (run++ == 0)
				start = d.idx;
			if (run == n) {
				*idx = start;
				return 0;
			}
		} else {
			run = 0;
		}
		d.idx++;
	}
}

/*
 * Write the slots of name nn at idx.. in dir (reserved by dir_reserve):
 * LFN slots, then de with its name fields set; *loc gets the short slot.
 */
int
dir_write(struct fat_vol *v, uint32_t dir, uint32_t idx,
	  const struct fat_newname *nn, uint8_t *de, struct fat_loc *loc)
{
	uint8_t e[DE_SIZE], csum;
	struct fat_dir d;
	uint32_t i, lfn = nn->slots - 1;
	int rc = dir_begin(v, dir, &d);

	if (rc < 0)
		return rc;
	memcpy(de, nn->name11, 11);
	de[DE_NTCASE] = nn->ntcase;
	csum = lfn_checksum(de);
	for (i = 0; i < nn->slots; i++) {
		d.idx = idx + i;
		rc = dir_cur(&d, loc);
		if (rc <= 0)
			return rc < 0 ? rc : -ERR_IO;
		if (i == lfn)
			return de_update(v, loc, de);
		memset(e, 0, sizeof(e));
		e[LFN_ORD] = (uint8_t)((lfn - i) | (i == 0 ? LFN_LAST : 0));
		e[DE_ATTR] = FAT_ATTR_LFN;
		e[LFN_CSUM] = csum;
		lfn_store(e, nn->u, nn->n, (int)(lfn - i - 1));
		rc = de_update(v, loc, e);
		if (rc < 0)
			return rc;
	}
	return -ERR_IO;
}

/*
 * Mark the slots of f (its LFN slots and short entry) free and write them
 * to the device now: the caller frees the chain afterwards.
 */
int
dir_remove(struct fat_vol *v, uint32_t dir, const struct fat_found *f)
{
	uint32_t i, sect[2];
	struct fat_loc loc;
	struct fat_dir d;
	int rc = dir_begin(v, dir, &d), ns = 0, k;
	uint8_t *p;

	if (rc < 0)
		return rc;
	if (f->idx < f->first_idx || f->idx - f->first_idx > 20)
		return -ERR_IO;
	for (i = f->first_idx; i <= f->idx; i++) {
		d.idx = i;
		rc = dir_cur(&d, &loc);
		if (rc <= 0)
			return rc < 0 ? rc : -ERR_IO;
		rc = cache_get(v, loc.sector, 0, &p);
		if (rc < 0)
			return rc;
		p[loc.off] = DE_FREE;
		cache_mark_dirty(v, p);
		/* 21 slots span at most 2 sectors of >= 512 bytes, but a
		 * chain may put them anywhere: sync when a third appears. */
		for (k = 0; k < ns && sect[k] != loc.sector; k++)
			;
		if (k == ns) {
			if (ns == 2) {
				rc = cache_sync(v, sect[0]);
				if (rc < 0)
					return rc;
				sect[0] = sect[1];
				ns = 1;
			}
			sect[ns++] = loc.sector;
		}
	}
	for (k = 0; k < ns; k++) {
		rc = cache_sync(v, sect[k]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* 1 if directory clus holds nothing but "." and "..", 0 if it does. */
int
dir_is_empty(struct fat_vol *v, uint32_t clus)
{
	struct fat_found f;
	struct fat_dir d;
	int rc = dir_begin(v, clus, &d);

	if (rc < 0)
		return rc;
	while ((rc = dir_next(&d, &f)) > 0)
		if (!is_dot(f.de))
			return 0;
	return rc < 0 ? rc : 1;
}
