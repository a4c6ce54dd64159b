/*
 * FAT12/16/32 file system library: pure C, no OS calls, no allocation.
 * Builds for the host (tests, fuzzer) and for the guest (the FAT server).
 * See docs/fat.md.
 *
 * How to use:
 *   1. Fill a struct fat_dev with the block device callbacks and geometry.
 *   2. fat_mount(&vol, &dev, clock, flags) on a caller-provided struct
 *      fat_vol (it holds the sector cache, ~102 KiB: allocate it statically
 *      or with malloc).  On -ERR_INVAL, vol.reason says what was wrong.
 *   3. Path operations (fat_stat, fat_open, fat_mkdir, fat_unlink, ...) take
 *      absolute paths inside the volume: "/dir/file.txt".
 *   4. Files: fat_open fills a caller-provided struct fat_file; fat_read and
 *      fat_write work at an offset; fat_truncate sets the size.
 *   5. fat_flush writes every dirty sector and the FAT32 FSInfo sector;
 *      fat_unmount flushes and invalidates the volume.
 *
 * Every function returns 0 (or a byte count) on success and a negative
 * -ERR_* code of <tessera/errors.h> on failure.  Nothing here is thread
 * safe: the caller serialises calls on one volume.
 */
#ifndef FS_FAT_H
#define FS_FAT_H

#include <stddef.h>
#include <stdint.h>
#include <tessera/errors.h>

/* The library's names for the file-system codes of errors.def. */
#define FAT_ERR_NOSPC    ERR_NOSPC      /* volume or directory full */
#define FAT_ERR_NOTDIR   ERR_NOTDIR     /* a path component is a file */
#define FAT_ERR_ISDIR    ERR_ISDIR      /* file operation on a directory */
#define FAT_ERR_NOTEMPTY ERR_NOTEMPTY   /* rmdir of a non-empty directory */
#define FAT_ERR_NAMELEN  ERR_NAMETOOLONG /* name over 255 UTF-16 units */
#define FAT_ERR_FBIG     ERR_TOOBIG     /* file would exceed 4 GiB - 1 */
#define FAT_ERR_ROFS     ERR_ROFS       /* volume mounted read-only */

/* Block device: sector numbers and counts are in device sectors. */
struct fat_dev {
	void *ctx;
	int (*read)(void *ctx, uint64_t sector, void *buf, uint32_t count);
	int (*write)(void *ctx, uint64_t sector, const void *buf,
		     uint32_t count);
	int (*flush)(void *ctx);        /* may be NULL */
	uint32_t sector_size;           /* 512..4096, power of two */
	uint64_t sectors;
};

/* Broken-down local time; FAT stores 1980..2107 with 2 s resolution. */
struct fat_tm {
	uint16_t year;
	uint8_t mon, day;               /* 1..12, 1..31 */
	uint8_t hour, min, sec;
};

/* Clock for timestamps; NULL means 1980-01-01 00:00:00. */
typedef void (*fat_clock_fn)(void *ctx, struct fat_tm *now);

/* Tunables. */
#ifndef FAT_CACHE_SECTORS
#define FAT_CACHE_SECTORS 16            /* sector cache entries */
#endif
#define FAT_MAX_SECTOR 4096
#define FAT_RUN_BYTES 16384             /* each staging buffer (ra, wb) */
#define FAT_NAME_MAX 255                /* UTF-16 units of a long name */
#define FAT_NAME_BUF (FAT_NAME_MAX * 3 + 1) /* the name as UTF-8 + NUL */
#define FAT_PATH_MAX 4096

/* fat_mount flags */
#define FAT_MOUNT_RDONLY   1u
#define FAT_MOUNT_COUNT    2u           /* count free clusters, ignore FSInfo */

/* Directory entry attributes */
#define FAT_ATTR_RDONLY 0x01
#define FAT_ATTR_HIDDEN 0x02
#define FAT_ATTR_SYSTEM 0x04
#define FAT_ATTR_VOLID  0x08
#define FAT_ATTR_DIR    0x10
#define FAT_ATTR_ARCH   0x20
#define FAT_ATTR_LFN    0x0f

struct fat_cache_ent {
	uint32_t sector;                /* volume sector (bytes_per_sector) */
	uint32_t lru;
	uint8_t valid, dirty;
	uint8_t data;                   /* dirty file data (written first) */
};

/* A mounted volume.  All fields are private to the library except reason. */
struct fat_vol {
	const char *reason;             /* why fat_mount failed, or "" */

	/* Geometry, fixed at mount. */
	struct fat_dev dev;
	fat_clock_fn clock;
	void *clock_ctx;
	unsigned flags;
	int type;                       /* 12, 16 or 32 */
	uint32_t bps;                   /* bytes per sector */
	uint32_t spc;                   /* sectors per cluster */
	uint32_t cluster_bytes;
	uint32_t dev_per_sec;           /* device sectors per volume sector */
	uint32_t fat_start;             /* first sector of the FAT used */
	uint32_t fat_size;              /* sectors per FAT */
	uint32_t fat_copies;            /* copies written (1 if not mirrored) */
	uint32_t root_start;            /* FAT12/16 fixed root directory */
	uint32_t root_sectors;
	uint32_t root_cluster;          /* FAT32 root directory */
	uint32_t data_start;
	uint32_t clusters;              /* valid clusters: 2 .. clusters + 1 */
	uint32_t total_sectors;
	uint32_t fsinfo_sector;         /* 0: none */
	char label[12];                 /* boot sector volume label, trailing
					   spaces cut, "" for none / NO NAME */

	/* Allocation state. */
	uint32_t free_count;            /* exact count of free clusters */
	uint32_t next_free;             /* where the next search starts */
	int fsinfo_dirty;
	int mounted;
	int unflushed;                  /* device writes since its last flush */
	int unordered;                  /* data or FAT among them: metadata
					   must wait for a flush */

	/* Sector cache (write-back, LRU). */
	uint32_t tick;
	uint32_t last;                  /* entry of the latest hit */
	struct fat_cache_ent cent[FAT_CACHE_SECTORS];
	/* Sector buffers stay 8-byte aligned whatever the fields above: the
	 * word-wide memcpy falls back to bytes on misaligned buffers (a label
	 * field once cost listings 20 %). */
	uint8_t cbuf[FAT_CACHE_SECTORS][FAT_MAX_SECTOR] __attribute__((aligned(8)));
	/* Two staging buffers, one owner each: ra holds a directory
	 * read-ahead (cache_fill) while installing it may evict dirty
	 * sectors, whose write-back runs are gathered in wb (write_entry).
	 * One shared buffer let an eviction overwrite the read-ahead, and
	 * FAT bytes were installed as directory sectors (issue 13 item 1). */
	uint8_t ra[FAT_RUN_BYTES] __attribute__((aligned(8)));
	uint8_t wb[FAT_RUN_BYTES] __attribute__((aligned(8)));
};

/* An open file.  Private to the library. */
struct fat_file {
	struct fat_vol *vol;
	uint32_t ent_sector;            /* where its short entry lives */
	uint32_t ent_off;
	uint32_t first;                 /* first cluster, 0 if empty */
	uint32_t size;
	uint8_t attr;
	uint8_t writable;
	uint32_t pos_idx;               /* cluster index pos_clus has in chain */
	uint32_t pos_clus;              /* 0: no cached position */
};

/* A directory being listed.  Private to the library. */
struct fat_dir {
	struct fat_vol *vol;
	uint32_t start;                 /* first cluster, 0: fixed root */
	uint32_t clus;                  /* cluster of entry idx */
	uint32_t idx;                   /* next entry index */
	uint32_t steps;
};

struct fat_stat {
	uint32_t size;
	uint8_t attr;
	uint8_t is_dir;
	uint32_t first_cluster;
	struct fat_tm ctime, mtime;
	struct fat_tm atime;            /* date only */
};

struct fat_dirent {
	char name[FAT_NAME_BUF];        /* long name, or the 8.3 name */
	char short_name[13];            /* "NAME.EXT" as stored */
	struct fat_stat st;
};

struct fat_statfs {
	int type;                       /* 12, 16, 32 */
	uint32_t cluster_bytes;
	uint32_t total_clusters;
	uint32_t free_clusters;
	uint32_t sector_size;
	char label[12];                 /* volume label, NUL-terminated */
};

/* fat_open flags */
#define FAT_O_WRITE  1u
#define FAT_O_CREAT  2u
#define FAT_O_EXCL   4u
#define FAT_O_TRUNC  8u

int fat_mount(struct fat_vol *v, const struct fat_dev *dev, fat_clock_fn clock,
	      void *clock_ctx, unsigned flags);
int fat_flush(struct fat_vol *v);
int fat_dirty(const struct fat_vol *v);
int fat_unmount(struct fat_vol *v);
int fat_statfs(struct fat_vol *v, struct fat_statfs *st);
int fat_count_free(struct fat_vol *v, uint32_t *count);

int fat_stat(struct fat_vol *v, const char *path, struct fat_stat *st);
int fat_open(struct fat_vol *v, const char *path, unsigned flags,
	     struct fat_file *f);
long fat_read(struct fat_file *f, uint32_t off, void *buf, size_t len);
long fat_write(struct fat_file *f, uint32_t off, const void *buf, size_t len);
int fat_truncate(struct fat_file *f, uint32_t size);
int fat_fstat(struct fat_file *f, struct fat_stat *st);
int fat_close(struct fat_file *f);

int fat_mkdir(struct fat_vol *v, const char *path);
int fat_rmdir(struct fat_vol *v, const char *path);
int fat_unlink(struct fat_vol *v, const char *path);
int fat_rename(struct fat_vol *v, const char *from, const char *to);

int fat_opendir(struct fat_vol *v, const char *path, struct fat_dir *d);
int fat_readdir(struct fat_dir *d, struct fat_dirent *e);

#endif
