/* Internals of the FAT library: on-disk layout and module interfaces. */
#ifndef FS_FAT_INT_H
#define FS_FAT_INT_H

#include <fs/fat.h>
#include <string.h>

/* Little-endian accessors for on-disk fields. */
static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void
wr16(uint8_t *p, uint16_t x)
{
	p[0] = (uint8_t)x;
	p[1] = (uint8_t)(x >> 8);
}

static inline void
wr32(uint8_t *p, uint32_t x)
{
	p[0] = (uint8_t)x;
	p[1] = (uint8_t)(x >> 8);
	p[2] = (uint8_t)(x >> 16);
	p[3] = (uint8_t)(x >> 24);
}

/* Directory entry (32 bytes), Microsoft FAT spec section 6. */
#define DE_SIZE     32
#define DE_NAME     0
#define DE_ATTR     11
#define DE_NTCASE   12                  /* 0x08: base lower, 0x10: ext lower */
#define DE_CTIME_MS 13
#define DE_CTIME    14
#define DE_CDATE    16
#define DE_ADATE    18
#define DE_CLUS_HI  20
#define DE_MTIME    22
#define DE_MDATE    24
#define DE_CLUS_LO  26
#define DE_SIZE_OFF 28
#define DE_FREE     0xe5
#define DE_END      0x00

/* LFN entry (section 7). */
#define LFN_ORD     0
#define LFN_CSUM    13
#define LFN_LAST    0x40
#define LFN_CHARS   13

#define DIR_MAX_ENTRIES 65536u          /* spec: directories <= 2 MiB */

/* FAT entry classes (after masking to the FAT width). */
#define CL_FREE 0u

/* Where a directory entry lives: volume sector + byte offset. */
struct fat_loc {
	uint32_t sector;
	uint32_t off;
};

/* cache.c */
/* Most sectors one directory read-ahead brings into the cache. */
#define RA_SECTORS(v) (FAT_RUN_BYTES / (v)->bps < FAT_CACHE_SECTORS / 2 ? \
		       FAT_RUN_BYTES / (v)->bps : FAT_CACHE_SECTORS / 2)

int cache_get(struct fat_vol *v, uint32_t sector, int noread, uint8_t **buf);
void cache_mark_dirty(struct fat_vol *v, const uint8_t *buf);
int cache_sync(struct fat_vol *v, uint32_t sector);
int cache_flush_all(struct fat_vol *v);
int cache_dirty(const struct fat_vol *v);
int cache_io(struct fat_vol *v, uint32_t sector, uint32_t off, void *buf,
	     const void *wbuf, uint32_t len);
void cache_invalidate(struct fat_vol *v);
int cache_fill(struct fat_vol *v, uint32_t sector, uint32_t count);
int cache_has(const struct fat_vol *v, uint32_t sector);
int dev_read(struct fat_vol *v, uint32_t sector, void *buf, uint32_t count);

/* table.c */
int fat_get(struct fat_vol *v, uint32_t clus, uint32_t *val);
int fat_set(struct fat_vol *v, uint32_t clus, uint32_t val);
int chain_next(struct fat_vol *v, uint32_t clus, uint32_t *next);
int chain_contig(struct fat_vol *v, uint32_t clus, uint32_t max, uint32_t *n);
int clus_alloc(struct fat_vol *v, uint32_t prev, uint32_t *out);
int clus_alloc_run(struct fat_vol *v, uint32_t prev, uint32_t want,
		   uint32_t *first, uint32_t *got);
int chain_check(struct fat_vol *v, uint32_t first);
int chain_free(struct fat_vol *v, uint32_t first);
int chain_cut(struct fat_vol *v, uint32_t last);
uint32_t fat_eoc(const struct fat_vol *v);
int clus_zero(struct fat_vol *v, uint32_t clus);

static inline int
clus_valid(const struct fat_vol *v, uint32_t c)
{
	return c >= 2 && c <= v->clusters + 1;
}

static inline uint32_t
clus_sector(const struct fat_vol *v, uint32_t c)
{
	return v->data_start + (c - 2) * v->spc;
}

/* name.c */
uint8_t lfn_checksum(const uint8_t *name11);
int name_to_ucs2(const char *name, size_t len, uint16_t *out);
void ucs2_to_utf8(const uint16_t *in, int n, char *out, size_t outsz);
int name_is_short(const char *name, size_t len, uint8_t *name11,
		  uint8_t *ntcase);
void name_basis(const uint16_t *u, int n, uint8_t *name11);
void name_alias_tail(uint8_t *name11, uint32_t num);
void short_to_str(const uint8_t *de, char *out, int apply_case);
int name_eq(const char *a, size_t alen, const char *b);
int name_valid(const char *name, size_t len);

/* dir.c */
struct fat_found {
	uint8_t de[DE_SIZE];            /* copy of the short entry */
	struct fat_loc loc;             /* where it lives; sector 0: root */
	uint32_t first_idx;             /* index of its first (LFN) slot */
	uint32_t idx;                   /* index of the short entry */
	char name[FAT_NAME_BUF];
};

/* A name about to be written: its UTF-16 form, short name and slots. */
struct fat_newname {
	uint16_t u[FAT_NAME_MAX];
	int n;
	uint32_t slots;
	uint8_t name11[11];
	uint8_t ntcase;
};

uint32_t root_dir(const struct fat_vol *v);
uint32_t de_first(const struct fat_vol *v, const uint8_t *de);
void de_set_first(uint8_t *de, uint32_t c);
void fat_now(struct fat_vol *v, uint16_t *date, uint16_t *time);
void de_to_stat(const struct fat_vol *v, const uint8_t *de,
		struct fat_stat *st);
int dir_begin(struct fat_vol *v, uint32_t start, struct fat_dir *d);
int dir_next(struct fat_dir *d, struct fat_found *f);
int dir_lookup(struct fat_vol *v, uint32_t dir, const char *name, size_t len,
	       struct fat_found *f);
int path_walk(struct fat_vol *v, const char *path, uint32_t *dir,
	      const char **last, size_t *lastlen);
int path_lookup(struct fat_vol *v, const char *path, struct fat_found *f);
int name_prepare(struct fat_vol *v, uint32_t dir, const char *name,
		 size_t len, struct fat_newname *nn);
int dir_reserve(struct fat_vol *v, uint32_t dir, uint32_t n, uint32_t *idx);
int dir_write(struct fat_vol *v, uint32_t dir, uint32_t idx,
	      const struct fat_newname *nn, uint8_t *de, struct fat_loc *loc);
int dir_remove(struct fat_vol *v, uint32_t dir, const struct fat_found *f);
int dir_is_empty(struct fat_vol *v, uint32_t clus);
int de_update(struct fat_vol *v, const struct fat_loc *loc,
	      const uint8_t *de);

static inline int
check_writable(const struct fat_vol *v)
{
	if (!v->mounted)
		return -ERR_INVAL;
	return (v->flags & FAT_MOUNT_RDONLY) ? -FAT_ERR_ROFS : 0;
}

#endif
