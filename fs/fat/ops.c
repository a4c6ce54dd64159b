/*
 * Path operations: stat, mkdir, rmdir, unlink, rename, directory listing.
 *
 * Each validates everything (decode) before it changes anything (act), and
 * keeps the write order of docs/fat.md: FAT entries of a new chain before
 * the entry that points at it; an entry removed (on the device) before its
 * chain is freed.
 */
#include "fat_int.h"

int
fat_stat(struct fat_vol *v, const char *path, struct fat_stat *st)
{
	struct fat_found f;
	int rc = path_lookup(v, path, &f);

	if (rc < 0)
		return rc;
	de_to_stat(v, f.de, st);
	return 0;
}

static void
dot_entry(uint8_t *de, const char *name, uint32_t clus, uint16_t date,
	  uint16_t time)
{
	memset(de, 0, DE_SIZE);
	memset(de, ' ', 11);
	memcpy(de, name, strlen(name));
	de[DE_ATTR] = FAT_ATTR_DIR;
	wr16(de + DE_CTIME, time);
	wr16(de + DE_CDATE, date);
	wr16(de + DE_ADATE, date);
	wr16(de + DE_MTIME, time);
	wr16(de + DE_MDATE, date);
	de_set_first(de, clus);
}

/* ".." of a directory in dir: 0 for the root, as the spec wants. */
static uint32_t
dotdot_target(const struct fat_vol *v, uint32_t dir)
{
	return dir == root_dir(v) ? 0 : dir;
}

int
fat_mkdir(struct fat_vol *v, const char *path)
{
	struct fat_newname nn;
	struct fat_found f;
	struct fat_loc loc;
	const char *last;
	uint16_t date, time;
	uint32_t dir, idx, c;
	uint8_t de[DE_SIZE];
	size_t len;
	int rc;

	if ((rc = check_writable(v)) < 0)
		return rc;
	rc = path_walk(v, path, &dir, &last, &len);
	if (rc < 0)
		return rc;
	if (len == 0)
		return -ERR_EXIST;
	rc = dir_lookup(v, dir, last, len, &f);
	if (rc == 0)
		return -ERR_EXIST;
	if (rc != -ERR_NOENT)
		return rc;
	rc = name_prepare(v, dir, last, len, &nn);
	if (rc == 0)
		rc = dir_reserve(v, dir, nn.slots, &idx);
	if (rc == 0)
		rc = clus_alloc(v, 0, &c);
	if (rc < 0)
		return rc;
	rc = clus_zero(v, c);
	if (rc < 0)
		return rc;
	fat_now(v, &date, &time);
	dot_entry(de, ".", c, date, time);
	loc.sector = clus_sector(v, c);
	loc.off = 0;
	rc = de_update(v, &loc, de);
	if (rc < 0)
		return rc;
	dot_entry(de, "..", dotdot_target(v, dir), date, time);
	loc.off = DE_SIZE;
	rc = de_update(v, &loc, de);
	if (rc == 0)            /* "." and ".." on disk before the entry */
		rc = cache_sync(v, loc.sector);
	if (rc < 0)
		return rc;
	dot_entry(de, "", c, date, time);
	return dir_write(v, dir, idx, &nn, de, &loc);
}

/* Look up path for removal: its entry and the directory holding it. */
static int
lookup_parent(struct fat_vol *v, const char *path, uint32_t *dir,
	      struct fat_found *f)
{
	const char *last;
	size_t len;
	int rc;

	if ((rc = check_writable(v)) < 0)
		return rc;
	rc = path_walk(v, path, dir, &last, &len);
	if (rc < 0)
		return rc;
	if (len == 0)
		return -ERR_BUSY;               /* the root */
	return dir_lookup(v, *dir, last, len, f);
}

int
fat_rmdir(struct fat_vol *v, const char *path)
{
	struct fat_found f;
	uint32_t dir, c;
	int rc = lookup_parent(v, path, &dir, &f);

	if (rc < 0)
		return rc;
	if (!(f.de[DE_ATTR] & FAT_ATTR_DIR))
		return -FAT_ERR_NOTDIR;
	c = de_first(v, f.de);
	if (!clus_valid(v, c))
		return -ERR_IO;
	rc = chain_check(v, c);
	if (rc == 0)
		rc = dir_is_empty(v, c);
	if (rc <= 0)
		return rc < 0 ? rc : -FAT_ERR_NOTEMPTY;
	rc = dir_remove(v, dir, &f);
	if (rc < 0)
		return rc;
	return chain_free(v, c);
}

int
fat_unlink(struct fat_vol *v, const char *path)
{
	struct fat_found f;
	uint32_t dir, c;
	int rc = lookup_parent(v, path, &dir, &f);

	if (rc < 0)
		return rc;
	if (f.de[DE_ATTR] & FAT_ATTR_DIR)
		return -FAT_ERR_ISDIR;
	c = de_first(v, f.de);
	if (c != 0 && (rc = chain_check(v, c)) < 0)
		return rc;
	rc = dir_remove(v, dir, &f);
	if (rc < 0)
		return rc;
	return c != 0 ? chain_free(v, c) : 0;
}

/* The ".." slot of directory clus (its second entry). */
static int
dotdot_loc(struct fat_vol *v, uint32_t clus, struct fat_loc *loc,
	   uint8_t *de)
{
	uint8_t *p;
	int rc;

	loc->sector = clus_sector(v, clus) + DE_SIZE / v->bps;
	loc->off = DE_SIZE % v->bps;
	rc = cache_get(v, loc->sector, 0, &p);
	if (rc < 0)
		return rc;
	memcpy(de, p + loc->off, DE_SIZE);
	if (memcmp(de, "..         ", 11) != 0)
		return -ERR_IO;
	return 0;
}

/* 1 if directory anc is dir or one of its ancestors (walking ".."). */
static int
is_ancestor(struct fat_vol *v, uint32_t anc, uint32_t dir)
{
	struct fat_loc loc;
	uint8_t de[DE_SIZE];
	uint32_t depth;
	int rc;

	for (depth = 0; depth <= v->clusters; depth++) {
		if (dir == anc)
			return 1;
		if (dir == root_dir(v) || dir == 0)
			return 0;
		if (!clus_valid(v, dir))
			return -ERR_IO;
		rc = dotdot_loc(v, dir, &loc, de);
		if (rc < 0)
			return rc;
		dir = de_first(v, de);
	}
	return -ERR_IO;
}

/* May the entry src replace the existing entry dst?  0 or the error. */
static int
check_replace(struct fat_vol *v, const uint8_t *src, const uint8_t *dst)
{
	uint32_t c;
	int rc;

	if (!(src[DE_ATTR] & FAT_ATTR_DIR))
		return (dst[DE_ATTR] & FAT_ATTR_DIR) ? -FAT_ERR_ISDIR : 0;
	if (!(dst[DE_ATTR] & FAT_ATTR_DIR))
		return -FAT_ERR_NOTDIR;
	c = de_first(v, dst);
	rc = chain_check(v, c);
	if (rc == 0)
		rc = dir_is_empty(v, c);
	return rc < 0 ? rc : rc == 0 ? -FAT_ERR_NOTEMPTY : 0;
}

/*
 * Rename from to to, within or across directories.  An existing `to` is
 * replaced if it is a file and `from` a file, or an empty directory and
 * `from` a directory.  The old entry is removed (on the device) before the
 * new one is written: a crash in between loses the file's clusters to
 * fsck's lost-cluster recovery, it never leaves two entries on one chain.
 */
int
fat_rename(struct fat_vol *v, const char *from, const char *to)
{
	struct fat_found sf, df;
	struct fat_newname nn;
	struct fat_loc loc;
	uint32_t sdir, ddir, idx, c = 0, dc = 0;
	const char *last;
	uint8_t de[DE_SIZE];
	size_t len;
	int rc, have_dst, is_dir;

	rc = lookup_parent(v, from, &sdir, &sf);
	if (rc < 0)
		return rc;
	rc = path_walk(v, to, &ddir, &last, &len);
	if (rc < 0)
		return rc;
	if (len == 0)
		return -ERR_EXIST;
	is_dir = (sf.de[DE_ATTR] & FAT_ATTR_DIR) != 0;
	if (is_dir) {
		c = de_first(v, sf.de);
		if (!clus_valid(v, c))
			return -ERR_IO;
		rc = is_ancestor(v, c, ddir);
		if (rc != 0)
			return rc < 0 ? rc : -ERR_INVAL;
	}
	rc = dir_lookup(v, ddir, last, len, &df);
	if (rc < 0 && rc != -ERR_NOENT)
		return rc;
	have_dst = rc == 0;
	if (have_dst && ddir == sdir && df.idx == sf.idx) {
		if (strlen(sf.name) == len && memcmp(sf.name, last, len) == 0)
			return 0;               /* same name: nothing to do */
		have_dst = 0;                   /* only the case changes */
	}
	if (have_dst) {
		rc = check_replace(v, sf.de, df.de);
		if (rc < 0)
			return rc;
		dc = de_first(v, df.de);
		if (dc != 0 && (rc = chain_check(v, dc)) < 0)
			return rc;
	}
	rc = name_prepare(v, ddir, last, len, &nn);
	if (rc == 0)
		rc = dir_reserve(v, ddir, nn.slots, &idx);
	if (rc < 0)
		return rc;

	if (have_dst) {
		rc = dir_remove(v, ddir, &df);
		if (rc == 0 && dc != 0)
			rc = chain_free(v, dc);
		if (rc < 0)
			return rc;
	}
	rc = dir_remove(v, sdir, &sf);
	if (rc < 0)
		return rc;
	memcpy(de, sf.de, DE_SIZE);
	rc = dir_write(v, ddir, idx, &nn, de, &loc);
	if (rc < 0 || !is_dir || sdir == ddir)
		return rc;
	rc = dotdot_loc(v, c, &loc, de);
	if (rc < 0)
		return rc;
	de_set_first(de, dotdot_target(v, ddir));
	return de_update(v, &loc, de);
}

int
fat_opendir(struct fat_vol *v, const char *path, struct fat_dir *d)
{
	struct fat_found f;
	uint32_t c;
	int rc = path_lookup(v, path, &f);

	if (rc < 0)
		return rc;
	if (!(f.de[DE_ATTR] & FAT_ATTR_DIR))
		return -FAT_ERR_NOTDIR;
	c = de_first(v, f.de);
	if (f.loc.sector != 0 && !clus_valid(v, c))
		return -ERR_IO;
	return dir_begin(v, c, d);
}

/* Next entry ("." and ".." skipped): 1 and *e, 0 at the end, or error. */
int
fat_readdir(struct fat_dir *d, struct fat_dirent *e)
{
	struct fat_found f;
	int rc;

	if (d->vol == NULL || !d->vol->mounted)
		return -ERR_INVAL;
	while ((rc = dir_next(d, &f)) > 0) {
		if (f.de[0] == '.' && (f.de[1] == ' ' || f.de[1] == '.'))
			continue;
		memcpy(e->name, f.name, sizeof(e->name));
		short_to_str(f.de, e->short_name, 0);
		de_to_stat(d->vol, f.de, &e->st);
		return 1;
	}
	return rc;
}
