/*
 * Mounting: boot sector (BPB) validation per the Microsoft FAT spec
 * (sections 3 and 4: FAT type from the cluster count), the FAT32 FSInfo
 * sector (section 5), flush, unmount and statfs.
 */
#include "fat_int.h"

#define FSI_LEAD   0x41615252u
#define FSI_STRUC  0x61417272u
#define FSI_TRAIL  0xaa550000u

static int
is_pow2(uint32_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

static int
bad(struct fat_vol *v, const char *why)
{
	v->reason = why;
	return -ERR_INVAL;
}

/* The boot sector's volume label (BS_VolLab, 11 bytes, present when the
 * extended boot signature 0x29 is): printable ASCII only, trailing spaces
 * cut; "NO NAME" (mkfs's placeholder) and anything else odd give "". */
static void
label_read(struct fat_vol *v, const uint8_t *l, uint8_t sig)
{
	int n = 11;

	v->label[0] = 0;
	if (sig != 0x29)
		return;
	while (n > 0 && l[n - 1] == ' ')
		n--;
	for (int i = 0; i < n; i++)
		if (l[i] < 0x20 || l[i] > 0x7e)
			return;
	if (n == 7 && !memcmp(l, "NO NAME", 7))
		return;
	memcpy(v->label, l, (size_t)n);
	v->label[n] = 0;
}

/* Validate the BPB in b (one sector) and fill v's geometry. */
static int
parse_bpb(struct fat_vol *v, const uint8_t *b)
{
	uint32_t reserved, nfats, root_ent, total, fatsz, data, need, ext;

	if (!(b[0] == 0xeb && b[2] == 0x90) && b[0] != 0xe9)
		return bad(v, "no jump instruction in the boot sector");
	if (b[510] != 0x55 || b[511] != 0xaa)
		return bad(v, "no 0x55aa boot sector signature");
	v->bps = rd16(b + 11);
	if (v->bps < 512 || v->bps > FAT_MAX_SECTOR || !is_pow2(v->bps))
		return bad(v, "bytes per sector not 512..4096, power of two");
	if (v->bps < v->dev.sector_size)
		return bad(v, "volume sector smaller than the device's");
	v->dev_per_sec = v->bps / v->dev.sector_size;
	v->spc = b[13];
	if (!is_pow2(v->spc))
		return bad(v, "sectors per cluster not a power of two");
	v->cluster_bytes = v->spc * v->bps;
	if (v->cluster_bytes > 65536)
		return bad(v, "cluster larger than 64 KiB");
	reserved = rd16(b + 14);
	if (reserved == 0)
		return bad(v, "no reserved sectors");
	nfats = b[16];
	if (nfats < 1 || nfats > 4)
		return bad(v, "number of FATs not 1..4");
	root_ent = rd16(b + 17);
	total = rd16(b + 19) != 0 ? rd16(b + 19) : rd32(b + 32);
	if (total == 0)
		return bad(v, "total sector count is zero");
	fatsz = rd16(b + 22) != 0 ? rd16(b + 22) : rd32(b + 36);
	if (fatsz == 0)
		return bad(v, "FAT size is zero");
	if ((uint64_t)total * v->dev_per_sec > v->dev.sectors)
		return bad(v, "volume larger than the device");

	v->root_sectors = (root_ent * DE_SIZE + v->bps - 1) / v->bps;
	data = reserved + v->root_sectors;
	if ((uint64_t)nfats * fatsz + data >= total)
		return bad(v, "no room for data clusters");
	v->data_start = data + nfats * fatsz;
	v->total_sectors = total;
	v->clusters = (total - v->data_start) / v->spc;
	v->fat_size = fatsz;
	v->fat_start = reserved;
	v->fat_copies = nfats;
	v->root_start = reserved + nfats * fatsz;
	if (v->clusters < 1)
		return bad(v, "no data clusters");
	if (v->clusters < 4085)
		v->type = 12;
	else if (v->clusters < 65525)
		v->type = 16;
	else
		v->type = 32;

	if (v->type == 32) {
		if (rd16(b + 22) != 0 || root_ent != 0)
			return bad(v, "FAT32 with FAT12/16 fields set");
		if (rd16(b + 42) != 0)
			return bad(v, "unknown FAT32 version");
		if (v->clusters > 0x0ffffff5)
			return bad(v, "too many clusters for FAT32");
		ext = rd16(b + 40);
		if (ext & 0x80) {               /* mirroring off: one FAT */
			if ((ext & 15) >= nfats)
				return bad(v, "active FAT out of range");
			v->fat_start += (ext & 15) * fatsz;
			v->fat_copies = 1;
		}
		v->root_cluster = rd32(b + 44);
		if (!clus_valid(v, v->root_cluster))
			return bad(v, "root cluster out of range");
		v->fsinfo_sector = rd16(b + 48);
		if (v->fsinfo_sector == 0 || v->fsinfo_sector >= reserved)
			v->fsinfo_sector = 0;
	} else if (root_ent == 0) {
		return bad(v, "FAT12/16 without root directory entries");
	}
	label_read(v, b + (v->type == 32 ? 71 : 43), b[v->type == 32 ? 66 : 38]);
	/* The FAT must hold an entry for every cluster. */
	need = v->clusters + 2;
	need = v->type == 12 ? need + (need + 1) / 2 : need * (uint32_t)(v->type / 8);
	if ((uint64_t)fatsz * v->bps < need)
		return bad(v, "FAT too small for the cluster count");
	return 0;
}

/* Read FSInfo: its free count and hint, or nothing if it is not valid. */
static int
read_fsinfo(struct fat_vol *v, uint32_t *free_count)
{
	uint8_t *p;
	uint32_t fc, nf;
	int rc;

	if (v->fsinfo_sector == 0)
		return 0;
	rc = cache_get(v, v->fsinfo_sector, 0, &p);
	if (rc < 0)
		return rc;
	if (rd32(p) != FSI_LEAD || rd32(p + 484) != FSI_STRUC ||
	    rd32(p + 508) != FSI_TRAIL) {
		v->fsinfo_sector = 0;
		return 0;
	}
	fc = rd32(p + 488);
	nf = rd32(p + 492);
	if (clus_valid(v, nf))
		v->next_free = nf;
	if (fc <= v->clusters) {
		*free_count = fc;
		return 1;
	}
	return 0;
}

/*
 * Mount the volume on dev.  Returns -ERR_INVAL (v->reason says why) for a
 * boot sector that is not a valid FAT file system, -ERR_IO if the device
 * fails.  clock may be NULL.
 */
int
fat_mount(struct fat_vol *v, const struct fat_dev *dev, fat_clock_fn clock,
	  void *clock_ctx, unsigned flags)
{
	uint8_t *boot;
	uint32_t fc = 0;
	int rc;

	memset(v, 0, sizeof(*v));
	v->reason = "";
	if (dev == NULL || dev->read == NULL ||
	    (dev->write == NULL && !(flags & FAT_MOUNT_RDONLY)))
		return bad(v, "incomplete device");
	if (dev->sector_size < 512 || dev->sector_size > FAT_MAX_SECTOR ||
	    !is_pow2(dev->sector_size))
		return bad(v, "device sector size not 512..4096");
	v->dev = *dev;
	v->clock = clock;
	v->clock_ctx = clock_ctx;
	v->flags = flags;
	/* Read the boot sector through cache slot 0 by hand. */
	boot = v->cbuf[0];
	if (dev->sectors < 1 || dev->read(dev->ctx, 0, boot, 1) < 0) {
		v->reason = "cannot read the boot sector";
		return -ERR_IO;
	}
	rc = parse_bpb(v, boot);
	if (rc < 0)
		return rc;
	v->next_free = 2;
	rc = read_fsinfo(v, &fc);
	if (rc < 0)
		goto fail;
	if (rc == 0 || (flags & FAT_MOUNT_COUNT)) {
		rc = fat_count_free(v, &fc);
		if (rc < 0)
			goto fail;
	}
	v->free_count = fc;
	v->fsinfo_dirty = 0;
	v->mounted = 1;
	return 0;
fail:
	v->reason = "cannot read the FAT";
	cache_invalidate(v);
	return rc;
}

static int
write_fsinfo(struct fat_vol *v)
{
	uint8_t *p;
	int rc;

	if (v->fsinfo_sector == 0)
		v->fsinfo_dirty = 0;    /* FAT12/16: nothing to write */
	if (!v->fsinfo_dirty)
		return 0;
	rc = cache_get(v, v->fsinfo_sector, 0, &p);
	if (rc < 0)
		return rc;
	wr32(p + 488, v->free_count);
	wr32(p + 492, v->next_free);
	cache_mark_dirty(v, p);
	v->fsinfo_dirty = 0;
	return 0;
}

/* Is there anything fat_flush would write (dirty sectors, FSInfo, device
 * writes not flushed)?  The server flushes when this stays 1 too long. */
int
fat_dirty(const struct fat_vol *v)
{
	if (!v->mounted || (v->flags & FAT_MOUNT_RDONLY))
		return 0;
	return v->fsinfo_dirty || cache_dirty(v);
}

/* Write every dirty sector (data and FAT before directory entries and
 * FSInfo), flush the device; 0 only once the device flush succeeded. */
int
fat_flush(struct fat_vol *v)
{
	int rc;

	if (!v->mounted)
		return -ERR_INVAL;
	if (v->flags & FAT_MOUNT_RDONLY)
		return 0;
	rc = write_fsinfo(v);
	if (rc < 0)
		return rc;
	return cache_flush_all(v);
}

/* Flush and forget the volume; it must be mounted again to be used. */
int
fat_unmount(struct fat_vol *v)
{
	int rc = fat_flush(v);

	v->mounted = 0;
	cache_invalidate(v);
	return rc;
}

int
fat_statfs(struct fat_vol *v, struct fat_statfs *st)
{
	if (!v->mounted)
		return -ERR_INVAL;
	st->type = v->type;
	st->cluster_bytes = v->cluster_bytes;
	st->total_clusters = v->clusters;
	st->free_clusters = v->free_count;
	st->sector_size = v->bps;
	memcpy(st->label, v->label, sizeof(st->label));
	return 0;
}
