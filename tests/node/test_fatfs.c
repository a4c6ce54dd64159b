/*
 * FAT server test (tests/node/fat.cmake): a FAT16 disk made by
 * tests/host/fat_node_image.py is attached as virtio-blk.  Start pci (which
 * spawns virtio-blk -> blk0), then `fat blk=blk0 name=/disk`; read the
 * host's files, write, rename and delete through the file protocol
 * (<tessera/proto_file.h>), list, check the errors.  After poweroff
 * fat_node_image_check runs fsck.fat and mtools on the image.
 */
#include <stdlib.h>
#include <string.h>

#include <dux/dux.h>
#include <tessera/proto_file.h>
#include "ttest.h"

#define WAIT_NS   (20ull * 1000000000)
#define BIG       100000u
#define GUEST     141072u

static uint8_t buf[FILE_IO_MAX];	/* a reply's COPY data */
static long fs;

static uint8_t
pat(unsigned k, uint32_t i)
{
	return (uint8_t)(i * 7 + i / 251 + k);
}

/* One request; a reply's COPY data lands in buf. */
static int
call(unsigned op, const char *path, uint64_t handle, uint64_t off,
     uint64_t len, const void *wdata, struct ts_packet *rep)
{
	struct ts_packet req = { .opcode = (uint16_t)op, .handle = handle,
				 .offset = off, .len = len };
	int st;

	if (path != NULL)
		dux_set_name(&req, path, strlen(path));
	if (wdata != NULL) {
		req.flags = PKT_DATA_COPY;
		req.data = (uint64_t)(uintptr_t)wdata;
	}
	st = dux_call((ts_addr)fs, &req, rep, WAIT_NS);
	if (st >= 0 && rep->len > 0 && rep->len <= sizeof(buf))
		memcpy(buf, (const void *)(uintptr_t)rep->data, rep->len);
	dux_data_free(rep);
	return st;
}

static int
start(void)
{
	static const char *const args[] = { "blk=blk0", "name=/disk", NULL };
	uint64_t end = ts_now() + WAIT_NS;

	TT_EQ(dux_init(64), 0);
	TT_CHECK(ts_spawn("pci", NULL, 0, SPAWN_PRIV) > 0);
	TT_CHECK(ts_spawn("fat", args, 0, 0) > 0);
	while ((fs = dux_lookup("/disk")) < 0 && ts_now() < end)
		sys_sleep(10 * 1000000);
	TT_CHECK(fs > 0);
	return 0;
}

static int
read_host_files(void)
{
	struct file_stat *st = (struct file_stat *)(void *)buf;
	struct ts_packet rep;
	uint64_t h;
	uint32_t i;

	TT_EQ(call(OP_READ, "/hello.txt", 0, 0, 100, NULL, &rep), 20);
	TT_CHECK(memcmp(buf, "hello from the host\n", 20) == 0);
	TT_EQ(call(OP_OPEN, "/DIR/long FILE name.bin", 0, FILE_O_READ, 0, NULL,
		   &rep), 0);
	TT_EQ(st->size, BIG);
	TT_EQ(st->type, FILE_TYPE_FILE);
	h = rep.handle;
	TT_CHECK(h != 0);
	TT_EQ(call(OP_READ, NULL, h, 0, FILE_IO_MAX, NULL, &rep), (int)BIG);
	for (i = 0; i < BIG; i++)
		TT_EQ(buf[i], pat(1, i));
	TT_EQ(call(OP_READ, NULL, h, 70000, 5, NULL, &rep), 5);
	TT_EQ(buf[4], pat(1, 70004));
	TT_EQ(call(OP_READ, NULL, h, BIG, 10, NULL, &rep), 0);
	TT_EQ(call(OP_CLOSE, NULL, h, 0, 0, NULL, &rep), 0);
	printf("fatfs: host files read back (%u bytes)\n", BIG);
	return 0;
}

static int
write_files(void)
{
	static uint8_t w[150000];
	static const char to[] = "/newdir/hello renamed.txt";
	struct ts_packet rep;
	uint32_t i;
	uint64_t h;

	for (i = 0; i < sizeof(w); i++)
		w[i] = pat(2, i);
	TT_EQ(call(OP_CREATE, "/newdir", 0, FILE_CREATE_DIR, 0, NULL, &rep), 0);
	TT_EQ(call(OP_OPEN, "/newdir/Guest File.txt", 0,
		   FILE_O_READ | FILE_O_WRITE | FILE_O_CREAT, 0, NULL, &rep), 0);
	h = rep.handle;
	TT_EQ(call(OP_WRITE, NULL, h, 0, 100000, w, &rep), 100000);
	TT_EQ(call(OP_WRITE, NULL, h, FILE_APPEND, 50000, w + 100000, &rep),
	      50000);
	TT_EQ(call(OP_WRITE, NULL, h, GUEST, 0, NULL, &rep), 0);  /* size */
	TT_EQ(call(OP_INFO, NULL, h, 0, 0, NULL, &rep),
	      (int)sizeof(struct file_stat));
	TT_EQ(((struct file_stat *)(void *)buf)->size, GUEST);
	TT_EQ(call(OP_READ, NULL, h, GUEST - 3, 100, NULL, &rep), 3);
	TT_EQ(buf[2], pat(2, GUEST - 1));
	TT_EQ(call(OP_CLOSE, NULL, h, 0, 0, NULL, &rep), 0);
	TT_EQ(call(OP_RENAME, "/hello.txt", 0, 0, strlen(to), to, &rep), 0);
	TT_EQ(call(OP_DELETE, "/dir/Long file name.bin", 0, 0, 0, NULL, &rep),
	      0);
	TT_EQ(call(OP_FLUSH, NULL, 0, 0, 0, NULL, &rep), 0);
	printf("fatfs: written, renamed, deleted\n");
	return 0;
}

/* LIST path must give exactly names[] (sizes[] for files, -1: directory). */
static int
check_list(const char *path, const char *const *names, const long *sizes,
	   int n)
{
	struct ts_packet rep;
	const struct file_dirent *e;
	size_t at = 0;
	int count, i;

	count = call(OP_LIST, path, 0, 0, 0, NULL, &rep);
	TT_EQ(count, n);
	for (i = 0; i < n; i++) {
		e = (const struct file_dirent *)(const void *)(buf + at);
		TT_CHECK(at + sizeof(*e) <= rep.len);
		TT_EQ(e->name_len, strlen(names[i]));
		TT_CHECK(memcmp(e->name, names[i], e->name_len) == 0);
		TT_EQ(e->type, sizes[i] < 0 ? FILE_TYPE_DIR : FILE_TYPE_FILE);
		if (sizes[i] >= 0)
			TT_EQ(e->size, sizes[i]);
		at += e->rec_len;
	}
	TT_EQ(call(OP_LIST, path, 0, (uint64_t)n, 0, NULL, &rep), 0);
	return 0;
}

static int
listing(void)
{
	static const char *const root[] = { "dir", "newdir" };
	static const long rs[] = { -1, -1 };
	static const char *const nd[] = { "Guest File.txt",
					  "hello renamed.txt" };
	static const long ns[] = { GUEST, 20 };
	struct file_fsinfo *fi = (struct file_fsinfo *)(void *)buf;
	struct ts_packet rep;

	if (check_list("/", root, rs, 2) || check_list("/newdir", nd, ns, 2))
		return 1;
	TT_EQ(call(OP_INFO, "/", 0, FILE_INFO_FS, 0, NULL, &rep),
	      (int)sizeof(*fi));
	TT_EQ(fi->fs_type, 16);
	TT_EQ(fi->block_size, 2048);
	TT_CHECK(fi->free_bytes > 0 && fi->free_bytes < fi->total_bytes);
	printf("fatfs: listing matches, %llu of %llu bytes free\n",
	       (unsigned long long)fi->free_bytes,
	       (unsigned long long)fi->total_bytes);
	return 0;
}

static int
errors(void)
{
	struct ts_packet rep;
	uint64_t h, hw;

	TT_EQ(call(OP_OPEN, "/nope", 0, FILE_O_READ, 0, NULL, &rep), -ERR_NOENT);
	TT_EQ(call(OP_DELETE, "/newdir", 0, 0, 0, NULL, &rep), -ERR_NOTEMPTY);
	TT_EQ(call(OP_DELETE, "/", 0, 0, 0, NULL, &rep), -ERR_BUSY);
	TT_EQ(call(OP_OPEN, "/dir/keep.txt", 0, FILE_O_READ, 0, NULL, &rep), 0);
	h = rep.handle;
	TT_EQ(call(OP_WRITE, NULL, h, 0, 1, "x", &rep), -ERR_BADF);
	TT_EQ(call(OP_READ, NULL, h, 0, FILE_IO_MAX + 1, NULL, &rep),
	      -ERR_TOOBIG);
	TT_EQ(call(OP_OPEN, "/dir/keep.txt", 0, FILE_O_WRITE, 0, NULL, &rep), 0);
	hw = rep.handle;
	TT_EQ(call(OP_DELETE, "/dir/keep.txt", 0, 0, 0, NULL, &rep), -ERR_BUSY);
	TT_EQ(call(OP_CLOSE, NULL, hw, 0, 0, NULL, &rep), 0);
	TT_EQ(call(OP_CLOSE, NULL, h, 0, 0, NULL, &rep), 0);
	TT_EQ(call(OP_CLOSE, NULL, h, 0, 0, NULL, &rep), -ERR_BADF);
	TT_EQ(call(OP_OPEN, "/newdir", 0, FILE_O_WRITE, 0, NULL, &rep),
	      -ERR_ISDIR);
	TT_EQ(call(OP_OPEN, "/dir/keep.txt/x", 0, FILE_O_READ, 0, NULL, &rep),
	      -ERR_NOTDIR);
	TT_EQ(call(OP_MAP, "/", 0, 0, 0, NULL, &rep), -ERR_NOTSUP);
	TT_EQ(call(OP_CREATE, "/dir/keep.txt", 0, 0, 0, NULL, &rep), -ERR_EXIST);
	TT_EQ(call(OP_OPEN, "relative", 0, 0, 0, NULL, &rep), -ERR_INVAL);
	TT_EQ(call(OP_OPEN, "/a//b", 0, 0, 0, NULL, &rep), -ERR_INVAL);
	TT_EQ(call(OP_RENAME, "/newdir", 0, 0, 4, "/dir", &rep), -ERR_EXIST);
	TT_EQ(call(OP_FLUSH, NULL, 0, 0, 0, NULL, &rep), 0);
	printf("fatfs: errors as documented\n");
	return 0;
}

static int
fatfs(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (start() || read_host_files() || write_files() || listing() ||
	    errors())
		return 1;
	return 0;
}

static const struct ttest tests[] = {
	{ "fatfs", fatfs },
};

TT_MAIN(tests)
