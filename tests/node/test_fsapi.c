/*
 * File-system interface tests (tests/node/fsapi.cmake, issue 13): an empty
 * FAT image from mkfs.fat is attached as virtio-blk.
 *   blkhold: the block server's write hold (<tessera/proto_blk.h>): a
 *            mounted device refuses a second FAT server (its exit status is
 *            ERR_BUSY), other tasks' OPEN for writing and WRITEs; reads
 *            stay open; the hold ends at umount, at the holder's death and
 *            at OP_CLOSE, and a new server then mounts and sees the data.
 *   cp_same: user/cp.c (plain POSIX) refuses to copy a file onto itself
 *            under another spelling (st_dev/st_ino) and leaves it intact.
 *   listing: readdir's d_mode, d_size and d_mtime (from OP_LIST's records)
 *            equal what stat gives for every entry, on FAT (with the host's
 *            read-only file ro.txt) and on ramfs.
 *   terminate: a client's death ends its own sessions only (issue 9 part
 *            5): the kernel's per-session TERMINATE names the session's
 *            handle, and a server that took it for a task id closed the
 *            sessions of the client whose tid equals that handle.  We open
 *            sessions until the FAT server's next handle is our own tid,
 *            let a child take that handle and die; ours still reads, the
 *            child's is gone.
 */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <dux/dux.h>
#include <tessera/proto_blk.h>
#include <tessera/proto_file.h>
#include "ttest.h"

#define WAIT_NS	(20ull * 1000000000)
#define MS	1000000ull

static long blk;

/* A service's tid once registered (or -1 after ns). */
static long
wait_svc_ns(const char *name, uint64_t ns)
{
	uint64_t end = ts_now() + ns;
	long tid;

	while ((tid = dux_lookup(name)) < 0 && ts_now() < end)
		sys_sleep(10 * MS);
	return tid;
}

static long
wait_svc(const char *name)
{
	return wait_svc_ns(name, WAIT_NS);
}

/* A FAT server that must not mount: not registered within 2 s (so an
 * unfixed block server fails here instead of hanging), exit status. */
static int
refused(long tid, const char *mnt)
{
	int st = -1;

	if (wait_svc_ns(mnt, 2000 * MS) >= 0) {
		sys_task_kill(tid);
		sys_task_wait(tid, NULL);
		return -1;
	}
	return sys_task_wait(tid, &st) == 0 ? st : -1;
}

/* blk0's tid: pci started by the first test that needs it (tests run
 * one after another on the same node). */
static long
blk_up(void)
{
	if (dux_lookup("blk0") < 0 && ts_spawn("pci", NULL, 0, SPAWN_PRIV) <= 0)
		return -1;
	return wait_svc("blk0");
}

/* Spawn `fat blk=blk0 name=<mnt>`; its tid. */
static long
fat_spawn(const char *mnt)
{
	char a2[32];
	const char *args[] = { "blk=blk0", a2, NULL };

	snprintf(a2, sizeof(a2), "name=%s", mnt);
	return ts_spawn("fat", args, 0, 0);
}

/* A block request without data but `len`; its status (handle in *h). */
static int
blk_req(unsigned op, uint64_t off, uint64_t len, const void *wdata, uint64_t *h)
{
	struct ts_packet req = { .opcode = (uint16_t)op, .offset = off, .len = len }, rep;
	int st;

	if (h && op != OP_OPEN)
		req.handle = *h;
	if (wdata) {
		req.flags = PKT_DATA_COPY;
		req.data = (uint64_t)(uintptr_t)wdata;
	}
	st = dux_call((ts_addr)blk, &req, &rep, WAIT_NS);
	if (st >= 0 && h && op == OP_OPEN)
		*h = rep.handle;
	dux_data_free(&rep);
	return st;
}

/* Write text to path (created or emptied) through libc; 0 or -1. */
static int
put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* Does path hold exactly text? */
static int
holds(const char *path, const char *text)
{
	char b[128];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, b, sizeof(b)) : -1;

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(text) && memcmp(b, text, (size_t)n) == 0;
}

static int
umount(const char *mnt, long tid)
{
	struct ts_packet req = { .opcode = OP_FLUSH, .offset = FILE_FLUSH_UNMOUNT }, rep;

	dux_set_name(&req, "/", 1);
	TT_EQ(dux_call((ts_addr)dux_lookup(mnt), &req, &rep, WAIT_NS), 0);
	TT_EQ(sys_task_wait(tid, NULL), 0);
	return 0;
}

static int
t_blkhold(int argc, char **argv)
{
	static uint8_t sector[512];
	uint64_t size, h = 0;
	long a, b, c;

	(void)argc, (void)argv;
	TT_EQ(dux_init(64), 0);
	TT_CHECK((blk = blk_up()) > 0);
	struct ts_packet req = { .opcode = OP_INFO }, rep;
	TT_EQ(dux_call((ts_addr)blk, &req, &rep, WAIT_NS), 512);
	size = rep.offset;
	TT_CHECK(size > 4096);

	/* Mounted once; the second server refuses to mount. */
	TT_CHECK((a = fat_spawn("/a")) > 0);
	TT_EQ(wait_svc("/a"), a);
	TT_CHECK((b = fat_spawn("/b")) > 0);
	TT_EQ(refused(b, "/b"), ERR_BUSY);
	TT_CHECK(dux_lookup("/b") < 0);
	/* The holder keeps working. */
	TT_EQ(put("/a/one.txt", "first mount\n"), 0);
	TT_CHECK(holds("/a/one.txt", "first mount\n"));

	/* Another task: no hold, no WRITE; READ, INFO, FLUSH and bad OPENs. */
	TT_EQ(blk_req(OP_OPEN, BLK_OPEN_WRITE, 0, NULL, &h), -ERR_BUSY);
	TT_EQ(blk_req(OP_WRITE, size - 512, 512, sector, NULL), -ERR_BUSY);
	TT_EQ(blk_req(OP_READ, 0, 512, NULL, NULL), 512);
	TT_EQ(blk_req(OP_FLUSH, 0, 0, NULL, NULL), 0);
	TT_EQ(blk_req(OP_OPEN, 0, 0, NULL, &h), -ERR_INVAL);	/* nothing to open */
	TT_EQ(blk_req(OP_OPEN, 2, 0, NULL, &h), -ERR_INVAL);	/* unknown flag */

	/* umount ends the hold: anyone may write again, a new server mounts. */
	TT_EQ(umount("/a", a), 0);
	TT_EQ(blk_req(OP_WRITE, size - 512, 512, sector, NULL), 512);
	TT_CHECK((c = fat_spawn("/c")) > 0);
	TT_EQ(wait_svc("/c"), c);
	TT_CHECK(holds("/c/one.txt", "first mount\n"));
	TT_EQ(put("/c/two.txt", "second mount\n"), 0);
	TT_EQ(blk_req(OP_OPEN, BLK_OPEN_WRITE, 0, NULL, &h), -ERR_BUSY);

	/* The holder killed (after a flush: a kill loses what is cached): its
	 * hold ends with it (TERMINATE). */
	struct ts_packet fl = { .opcode = OP_FLUSH };
	dux_set_name(&fl, "/", 1);
	TT_EQ(dux_call((ts_addr)c, &fl, &rep, WAIT_NS), 0);
	TT_EQ(sys_task_kill(c), 0);
	TT_EQ(sys_task_wait(c, NULL), 0);
	TT_CHECK((a = fat_spawn("/d")) > 0);
	TT_EQ(wait_svc("/d"), a);
	TT_CHECK(holds("/d/two.txt", "second mount\n"));
	TT_EQ(umount("/d", a), 0);

	/* A plain client's hold: FAT refuses to mount until it is closed. */
	TT_EQ(blk_req(OP_OPEN, BLK_OPEN_WRITE, 0, NULL, &h), 0);
	TT_CHECK(h != 0);
	TT_EQ(blk_req(OP_WRITE, size - 512, 512, sector, NULL), 512);	/* the holder */
	TT_CHECK((b = fat_spawn("/e")) > 0);
	TT_EQ(refused(b, "/e"), ERR_BUSY);
	TT_EQ(blk_req(OP_CLOSE, 0, 0, NULL, &h), 0);
	TT_CHECK((a = fat_spawn("/f")) > 0);
	TT_EQ(wait_svc("/f"), a);
	TT_CHECK(holds("/f/one.txt", "first mount\n"));
	TT_EQ(umount("/f", a), 0);
	printf("fsapi: blk write hold: second mount refused, released by umount, kill, close\n");
	return 0;
}

static int
t_cp_same(int argc, char **argv)
{
	static const char *const rargs[] = { "/cpt", NULL };
	const char *same[][2] = { { "/cpt/a", "/cpt/./a" }, { "/cpt/a", "/cpt/d/../a" },
				  { "/cpt/b", "/cpt/b" } };
	long r;

	(void)argc, (void)argv;
	TT_CHECK((r = ts_spawn("ramfs", rargs, 0, 0)) > 0);
	TT_EQ(wait_svc("/cpt"), r);
	TT_EQ(mkdir("/cpt/d", 0755), 0);
	TT_EQ(put("/cpt/a", "keep me\n"), 0);
	const char *cp1[] = { "/cpt/a", "/cpt/b", NULL };
	TT_EQ(ts_run("cp", cp1, 0, 0), 0);
	for (unsigned i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		const char *av[] = { same[i][0], same[i][1], NULL };
		TT_EQ(ts_run("cp", av, 0, 0), 1);
	}
	TT_CHECK(holds("/cpt/a", "keep me\n"));
	TT_CHECK(holds("/cpt/b", "keep me\n"));
	struct ts_packet req = { .opcode = OP_FLUSH, .offset = FILE_FLUSH_UNMOUNT }, rep;
	dux_set_name(&req, "/", 1);
	TT_EQ(dux_call((ts_addr)r, &req, &rep, WAIT_NS), 0);
	printf("fsapi: cp onto itself refused 3 times, file intact\n");
	return 0;
}

/* Every entry of dir: readdir's stat fields equal stat's; counts the
 * entries and the read-only ones. */
static int
same_as_stat(const char *dir, int *n, int *ro)
{
	char path[1024];
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(dir);

	TT_CHECK(d != NULL);
	*n = *ro = 0;
	while ((e = readdir(d))) {
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		TT_EQ(stat(path, &st), 0);
		TT_EQ(e->d_mode, st.st_mode);
		TT_EQ(e->d_size, st.st_size);
		TT_EQ(e->d_mtime, st.st_mtime);
		TT_EQ(e->d_type, S_ISDIR(st.st_mode) ? DT_DIR : DT_REG);
		*ro += !S_ISDIR(st.st_mode) && !(st.st_mode & 0200);
		(*n)++;
	}
	closedir(d);
	return 0;
}

/* Files of sizes 0, 1, 4097 and 70000 and a directory under dir. */
static int
fill(const char *dir)
{
	static char data[70000];
	static const size_t sizes[] = { 0, 1, 4097, 70000 };
	char path[256];

	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(path, sizeof(path), "%s/f%u.bin", dir, i);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		TT_CHECK(fd >= 0);
		TT_EQ(write(fd, data, sizes[i]), (long)sizes[i]);
		close(fd);
	}
	snprintf(path, sizeof(path), "%s/sub", dir);
	TT_EQ(mkdir(path, 0755), 0);
	return 0;
}

static int
t_listing(int argc, char **argv)
{
	static const char *const rargs[] = { "/lst", NULL };
	int n, ro;
	long a, r;

	(void)argc, (void)argv;
	TT_EQ(dux_init(64), 0);
	TT_CHECK(blk_up() > 0);
	TT_CHECK((a = fat_spawn("/g")) > 0);
	TT_EQ(wait_svc("/g"), a);
	TT_EQ(fill("/g"), 0);
	TT_EQ(same_as_stat("/g", &n, &ro), 0);
	TT_CHECK(n >= 6);	/* ours and the host's (ro.txt, ...) */
	TT_EQ(ro, 1);
	TT_EQ(umount("/g", a), 0);
	TT_CHECK((r = ts_spawn("ramfs", rargs, 0, 0)) > 0);
	TT_EQ(wait_svc("/lst"), r);
	TT_EQ(fill("/lst"), 0);
	TT_EQ(same_as_stat("/lst", &n, &ro), 0);
	TT_EQ(n, 5);
	TT_EQ(ro, 0);
	printf("fsapi: listings carry what stat gives\n");
	return 0;
}

/* OP_OPEN of path (inside the mount) on server srv; the handle, or 0. */
static uint64_t
file_open_raw(long srv, const char *path)
{
	struct ts_packet req = { .opcode = OP_OPEN, .offset = FILE_O_READ }, rep;

	dux_set_name(&req, path, strlen(path));
	int st = dux_call((ts_addr)srv, &req, &rep, WAIT_NS);
	dux_data_free(&rep);
	return st >= 0 ? rep.handle : 0;
}

/* A request on session h of srv without data back: its status. */
static int
file_req_raw(long srv, unsigned op, uint64_t h, uint64_t len)
{
	struct ts_packet req = { .opcode = (uint16_t)op, .handle = h, .len = len }, rep;
	int st = dux_call((ts_addr)srv, &req, &rep, WAIT_NS);

	dux_data_free(&rep);
	return st;
}

/* Helper task: open argv[1] (a path inside /tt), write the handle it got
 * to /tt/ready, sleep. */
static int
t_hold(int argc, char **argv)
{
	long srv;

	TT_EQ(argc, 2);
	TT_EQ(dux_init(16), 0);
	TT_CHECK((srv = dux_lookup("/tt")) > 0);
	uint64_t h = file_open_raw(srv, argv[1]);
	char text[24];
	snprintf(text, sizeof(text), "%llu", (unsigned long long)h);
	TT_EQ(put("/tt/ready.tmp", text), 0);
	TT_EQ(rename("/tt/ready.tmp", "/tt/ready"), 0);
	return ttest_sleep_forever(argc, argv);
}

static int
t_terminate(int argc, char **argv)
{
	long me = sys_task_self(), fat, child;
	uint64_t mine, h;
	unsigned opens = 0;

	(void)argc, (void)argv;
	TT_EQ(dux_init(64), 0);
	TT_CHECK(blk_up() > 0);
	TT_CHECK((fat = fat_spawn("/tt")) > 0);
	TT_EQ(wait_svc("/tt"), fat);
	TT_EQ(put("/tt/f", "data"), 0);
	TT_CHECK((mine = file_open_raw(fat, "/f")) != 0);
	/* Handles count up from 1, one per OPEN: walk them up to our tid. */
	TT_CHECK(mine < (uint64_t)me);
	do {
		TT_CHECK((h = file_open_raw(fat, "/f")) != 0);
		TT_EQ(file_req_raw(fat, OP_CLOSE, h, 0), 0);
		opens++;
	} while (h + 1 < (uint64_t)me);
	TT_CHECK((child = ttest_spawn_self("_hold", "/f", 0)) > 0);
	char want[24];
	snprintf(want, sizeof(want), "%ld", me);
	uint64_t end = ts_now() + WAIT_NS;
	struct stat sb;
	while (stat("/tt/ready", &sb) < 0 && ts_now() < end)
		sys_sleep(10 * MS);
	/* The child's session has handle == our tid; it dies. */
	TT_CHECK(holds("/tt/ready", want));
	TT_EQ(sys_task_kill(child), 0);
	TT_EQ(sys_task_wait(child, NULL), 0);
	/* One more request through the server: the TERMINATE came first. */
	TT_CHECK((h = file_open_raw(fat, "/f")) != 0);
	TT_EQ(file_req_raw(fat, OP_CLOSE, h, 0), 0);
	/* The child's session is gone (a close of it: no such session). */
	TT_EQ(file_req_raw(fat, OP_CLOSE, (uint64_t)me, 0), -ERR_BADF);
	TT_EQ(file_req_raw(fat, OP_READ, mine, 4), 4);
	TT_EQ(file_req_raw(fat, OP_CLOSE, mine, 0), 0);
	TT_EQ(umount("/tt", fat), 0);
	printf("fsapi: a dead client's TERMINATE ended its own session only (%u opens)\n", opens);
	return 0;
}

static const struct ttest tests[] = {
	{ "blkhold", t_blkhold },
	{ "cp_same", t_cp_same },
	{ "listing", t_listing },
	{ "terminate", t_terminate },
	{ "_hold", t_hold },
};

TT_MAIN(tests)
