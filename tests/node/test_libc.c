/*
 * libc over dux (tests/node/libc.cmake, docs/libc.md): ordinary C file I/O,
 * directories, errno, environment, time and malloc against ramfs at /tmp;
 * the ramfs protocol checked packet by packet; stdio on a fake console
 * served by the test; the plain-C programs wc and cp run on ramfs files.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <dux/dux.h>
#include <tessera/proto_file.h>
#include "ttest.h"

#define SELF	"test_libc"
#define SEC	1000000000ull

/* Start ramfs at `mount` unless it runs; wait until its name is there. */
static int
ensure_ramfs(const char *mount, const char *size)
{
	if (dux_lookup(mount) >= 0)
		return 0;
	const char *av[] = { mount, size, NULL };
	if (ts_spawn("ramfs", av, 0, 0) < 0)
		return -1;
	for (int i = 0; i < 500; i++) {
		if (dux_lookup(mount) >= 0)
			return 0;
		sys_sleep(10 * 1000000ull);
	}
	return -1;
}

static int
write_file(const char *path, const void *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	ssize_t w = write(fd, data, n);
	close(fd);
	return w == (ssize_t)n ? 0 : -1;
}

/* Whole file into buf (at most max bytes); bytes read or -1. */
static long
read_file(const char *path, char *buf, size_t max)
{
	int fd = open(path, O_RDONLY);
	size_t n = 0;
	ssize_t r;

	if (fd < 0)
		return -1;
	while (n < max && (r = read(fd, buf + n, max - n)) > 0)
		n += (size_t)r;
	close(fd);
	return (long)n;
}

static int
setup(const char *dir)
{
	if (ensure_ramfs("/tmp", NULL) < 0)
		return -1;
	return mkdir(dir, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* fopen / fprintf / fgets / fread / fseek on top of open/read/write/lseek. */
static int
t_stdio_files(int argc, char **argv)
{
	(void)argc, (void)argv;
	char line[64];

	TT_EQ(setup("/tmp/stdio"), 0);
	FILE *f = fopen("/tmp/stdio/a.txt", "w");
	TT_CHECK(f != NULL);
	for (int i = 0; i < 100; i++)
		TT_CHECK(fprintf(f, "line %03d of %s\n", i, "a.txt") > 0);
	TT_EQ(fclose(f), 0);

	struct stat st;
	TT_EQ(stat("/tmp/stdio/a.txt", &st), 0);
	TT_EQ(st.st_size, 100 * 18);
	TT_CHECK(S_ISREG(st.st_mode));

	TT_CHECK((f = fopen("/tmp/stdio/a.txt", "r")) != NULL);
	for (int i = 0; i < 100; i++) {
		char want[32];
		snprintf(want, sizeof(want), "line %03d of a.txt\n", i);
		TT_CHECK(fgets(line, sizeof(line), f) != NULL);
		TT_CHECK(strcmp(line, want) == 0);
	}
	TT_CHECK(fgets(line, sizeof(line), f) == NULL);
	TT_CHECK(feof(f));
	TT_EQ(fseek(f, 18 * 42 + 5, SEEK_SET), 0);
	TT_EQ(ftell(f), 18 * 42 + 5);
	TT_EQ(fread(line, 1, 3, f), 3);
	TT_CHECK(memcmp(line, "042", 3) == 0);
	TT_EQ(fclose(f), 0);

	/* "a" appends; "r+" overwrites in place. */
	TT_CHECK((f = fopen("/tmp/stdio/a.txt", "a")) != NULL);
	TT_CHECK(fputs("appended\n", f) >= 0);
	TT_EQ(fclose(f), 0);
	TT_CHECK((f = fopen("/tmp/stdio/a.txt", "r+")) != NULL);
	TT_EQ(fwrite("LINE", 1, 4, f), 4);
	TT_EQ(fclose(f), 0);
	char buf[2048];
	TT_EQ(read_file("/tmp/stdio/a.txt", buf, sizeof(buf)), 100 * 18 + 9);
	TT_CHECK(memcmp(buf, "LINE 000", 8) == 0);
	TT_CHECK(memcmp(buf + 1800, "appended\n", 9) == 0);
	TT_CHECK(fopen("/tmp/stdio/missing", "r") == NULL && errno == ENOENT);
	return 0;
}

/* open / write / lseek / read / fstat / ftruncate and the O_ flags. */
static int
t_fd(int argc, char **argv)
{
	(void)argc, (void)argv;
	char buf[64];
	struct stat st;

	TT_EQ(setup("/tmp/fd"), 0);
	int fd = open("/tmp/fd/f", O_RDWR | O_CREAT | O_EXCL, 0644);
	TT_CHECK(fd >= 3);
	TT_EQ(write(fd, "hello world", 11), 11);
	TT_EQ(lseek(fd, 0, SEEK_CUR), 11);
	TT_EQ(lseek(fd, 6, SEEK_SET), 6);
	TT_EQ(read(fd, buf, sizeof(buf)), 5);
	TT_CHECK(memcmp(buf, "world", 5) == 0);
	TT_EQ(read(fd, buf, sizeof(buf)), 0);		/* at the end */
	TT_EQ(lseek(fd, -5, SEEK_END), 6);
	TT_EQ(write(fd, "WORLD!", 6), 6);
	TT_EQ(fstat(fd, &st), 0);
	TT_EQ(st.st_size, 12);
	TT_EQ(lseek(fd, 20, SEEK_SET), 20);		/* a hole */
	TT_EQ(write(fd, "x", 1), 1);
	TT_EQ(lseek(fd, 0, SEEK_SET), 0);
	TT_EQ(read(fd, buf, sizeof(buf)), 21);
	TT_CHECK(memcmp(buf, "hello WORLD!\0\0\0\0\0\0\0\0x", 21) == 0);
	TT_CHECK(lseek(fd, -1, SEEK_SET) == -1 && errno == EINVAL);
	TT_EQ(ftruncate(fd, 5), 0);
	TT_EQ(fstat(fd, &st), 0);
	TT_EQ(st.st_size, 5);
	TT_EQ(ftruncate(fd, 4000), 0);
	TT_EQ(stat("/tmp/fd/f", &st), 0);
	TT_EQ(st.st_size, 4000);
	TT_EQ(close(fd), 0);
	TT_CHECK(close(fd) == -1 && errno == EBADF);
	TT_CHECK(read(fd, buf, 1) == -1 && errno == EBADF);
	TT_CHECK(write(77, buf, 1) == -1 && errno == EBADF);

	/* O_EXCL on an existing file, O_TRUNC, O_APPEND. */
	TT_CHECK(open("/tmp/fd/f", O_WRONLY | O_CREAT | O_EXCL, 0644) == -1 && errno == EEXIST);
	TT_CHECK((fd = open("/tmp/fd/f", O_WRONLY | O_TRUNC)) >= 0);
	TT_EQ(fstat(fd, &st), 0);
	TT_EQ(st.st_size, 0);
	TT_EQ(write(fd, "abc", 3), 3);
	TT_CHECK(read(fd, buf, 1) == -1 && errno == EBADF);	/* write-only */
	TT_EQ(close(fd), 0);
	TT_CHECK((fd = open("/tmp/fd/f", O_WRONLY | O_APPEND)) >= 0);
	TT_EQ(lseek(fd, 0, SEEK_SET), 0);
	TT_EQ(write(fd, "def", 3), 3);		/* at the end all the same */
	TT_EQ(lseek(fd, 0, SEEK_CUR), 6);
	TT_EQ(write(fd, "gh", 2), 2);
	TT_EQ(close(fd), 0);
	TT_EQ(read_file("/tmp/fd/f", buf, sizeof(buf)), 8);
	TT_CHECK(memcmp(buf, "abcdefgh", 8) == 0);
	TT_CHECK((fd = open("/tmp/fd/f", O_RDONLY)) >= 0);
	TT_CHECK(write(fd, "x", 1) == -1 && errno == EBADF);
	TT_CHECK(ftruncate(fd, 0) == -1 && errno == EBADF);
	TT_EQ(close(fd), 0);

	/* The descriptor table fills up: EMFILE, and frees again. */
	int fds[40], n = 0;
	while (n < 40 && (fds[n] = open("/tmp/fd/f", O_RDONLY)) >= 0)
		n++;
	TT_CHECK(n == 29 && errno == EMFILE);
	while (n)
		TT_EQ(close(fds[--n]), 0);
	/* Sessions are freed on close: many more than the server's table. */
	for (int i = 0; i < 1500; i++) {
		TT_CHECK((fd = open("/tmp/fd/f", O_RDONLY)) >= 0);
		TT_EQ(close(fd), 0);
	}
	return 0;
}

/* Names: rename, unlink, mkdir, rmdir, and the errno of each failure. */
static int
t_names(int argc, char **argv)
{
	(void)argc, (void)argv;
	struct stat st;
	char buf[16];

	TT_EQ(setup("/tmp/names"), 0);
	TT_EQ(write_file("/tmp/names/a", "AAAA", 4), 0);
	TT_EQ(write_file("/tmp/names/b", "BB", 2), 0);
	TT_EQ(rename("/tmp/names/a", "/tmp/names/c"), 0);
	TT_CHECK(stat("/tmp/names/a", &st) == -1 && errno == ENOENT);
	TT_EQ(stat("/tmp/names/c", &st), 0);
	TT_EQ(st.st_size, 4);
	TT_EQ(rename("/tmp/names/c", "/tmp/names/b"), 0);	/* replaces b */
	TT_EQ(read_file("/tmp/names/b", buf, sizeof(buf)), 4);
	TT_CHECK(rename("/tmp/names/nope", "/tmp/names/x") == -1 && errno == ENOENT);

	TT_EQ(mkdir("/tmp/names/d", 0755), 0);
	TT_CHECK(mkdir("/tmp/names/d", 0755) == -1 && errno == EEXIST);
	TT_EQ(stat("/tmp/names/d", &st), 0);
	TT_CHECK(S_ISDIR(st.st_mode));
	TT_EQ(write_file("/tmp/names/d/inner", "i", 1), 0);
	TT_CHECK(rmdir("/tmp/names/d") == -1 && errno == ENOTEMPTY);
	TT_CHECK(unlink("/tmp/names/d") == -1 && errno == EISDIR);
	TT_CHECK(rmdir("/tmp/names/b") == -1 && errno == ENOTDIR);
	TT_CHECK(open("/tmp/names/d", O_WRONLY) == -1 && errno == EISDIR);
	TT_CHECK(open("/tmp/names/b/x", O_RDONLY) == -1 && errno == ENOTDIR);
	TT_CHECK(open("/tmp/names/b/x", O_WRONLY | O_CREAT, 0644) == -1 && errno == ENOTDIR);
	TT_CHECK(mkdir("/tmp/names/zz/y", 0755) == -1 && errno == ENOENT);
	TT_CHECK(open("/tmp/names/none", O_RDONLY) == -1 && errno == ENOENT);
	TT_CHECK(opendir("/tmp/names/b") == NULL && errno == ENOTDIR);
	int fd = open("/tmp/names/d", O_RDONLY);
	TT_CHECK(fd >= 0);
	TT_CHECK(read(fd, buf, 1) == -1 && errno == EISDIR);
	TT_EQ(close(fd), 0);
	TT_EQ(mkdir("/tmp/names/e", 0755), 0);
	TT_CHECK(rename("/tmp/names/d", "/tmp/names/e") == -1 && errno == EEXIST);
	TT_CHECK(rename("/tmp/names/d", "/tmp/names/d/sub") == -1 && errno == EINVAL);
	TT_EQ(rename("/tmp/names/d", "/tmp/names/e/d2"), 0);	/* a directory moves */
	TT_EQ(stat("/tmp/names/e/d2/inner", &st), 0);
	TT_EQ(unlink("/tmp/names/e/d2/inner"), 0);
	TT_EQ(rmdir("/tmp/names/e/d2"), 0);
	TT_EQ(rmdir("/tmp/names/e"), 0);
	TT_EQ(unlink("/tmp/names/b"), 0);
	TT_CHECK(unlink("/tmp/names/b") == -1 && errno == ENOENT);
	TT_CHECK(rename("/tmp/names", "/nowhere/x") == -1 && errno == ENOENT);

	/* Components up to 765 bytes and paths up to 4095 reach the server
	 * (long ones in the request's data, proto_file.h); longer ones not. */
	static char longname[4200];
	memset(longname, 'n', 300);
	memcpy(longname, "/tmp/", 5);
	longname[299] = 0;
	TT_CHECK(open(longname, O_RDONLY) == -1 && errno == ENOENT);
	memset(longname, 'n', 800);
	memcpy(longname, "/tmp/", 5);
	longname[799] = 0;
	TT_CHECK(open(longname, O_RDONLY) == -1 && errno == ENAMETOOLONG);
	for (int i = 0; i < 4200; i++)
		longname[i] = i % 100 == 0 ? '/' : 'p';
	longname[4199] = 0;
	TT_CHECK(stat(longname, &st) == -1 && errno == ENAMETOOLONG);
	TT_CHECK(stat("", &st) == -1 && errno == ENOENT);
	TT_CHECK(stat("/no-such-mount/x", &st) == -1 && errno == ENOENT);
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* opendir/readdir: exact names and types, over several LIST batches. */
static int
t_dirs(int argc, char **argv)
{
	(void)argc, (void)argv;
	enum { N = 300 };
	char path[64];
	static char names[N + 1][32];
	char *got[N + 8];
	int ngot = 0, ndirs = 0;

	TT_EQ(setup("/tmp/dirs"), 0);
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "file-%04d-%s", i, i % 7 ? "x" : "a-longer-name");
		snprintf(path, sizeof(path), "/tmp/dirs/%.31s", names[i]);
		TT_EQ(write_file(path, "x", 1), 0);
	}
	TT_EQ(mkdir("/tmp/dirs/subdir", 0755), 0);
	DIR *d = opendir("/tmp/dirs");
	TT_CHECK(d != NULL);
	struct dirent *e;
	while ((e = readdir(d)) && ngot < N + 8) {
		TT_CHECK(strcmp(e->d_name, ".") && strcmp(e->d_name, ".."));
		if (!strcmp(e->d_name, "subdir")) {
			TT_EQ(e->d_type, DT_DIR);
			ndirs++;
			continue;
		}
		TT_EQ(e->d_type, DT_REG);
		got[ngot++] = strdup(e->d_name);
	}
	TT_EQ(ndirs, 1);
	TT_EQ(ngot, N);
	qsort(got, (size_t)ngot, sizeof(got[0]), cmp_str);
	for (int i = 0; i < N; i++)
		TT_CHECK(strcmp(got[i], names[i]) == 0);
	rewinddir(d);
	int again = 0;
	while (readdir(d))
		again++;
	TT_EQ(again, N + 1);
	TT_EQ(closedir(d), 0);

	TT_CHECK((d = opendir("/tmp/dirs/subdir")) != NULL);
	TT_CHECK(readdir(d) == NULL);
	TT_EQ(closedir(d), 0);
	TT_CHECK(opendir("/tmp/dirs/nope") == NULL && errno == ENOENT);
	return 0;
}

/* chdir, getcwd, relative paths, "." and "..". */
static int
t_cwd(int argc, char **argv)
{
	(void)argc, (void)argv;
	char buf[128];
	struct stat st;

	TT_EQ(setup("/tmp/cwd"), 0);
	TT_CHECK(getcwd(buf, sizeof(buf)) && !strcmp(buf, "/"));
	TT_EQ(chdir("/tmp/cwd"), 0);
	TT_CHECK(getcwd(buf, sizeof(buf)) && !strcmp(buf, "/tmp/cwd"));
	TT_CHECK(!strcmp(getenv("PWD"), "/tmp/cwd"));
	TT_EQ(mkdir("sub", 0755), 0);
	TT_EQ(write_file("sub/../top.txt", "top", 3), 0);
	TT_EQ(stat("/tmp/cwd/top.txt", &st), 0);
	TT_EQ(chdir("./sub/"), 0);
	TT_CHECK(getcwd(buf, sizeof(buf)) && !strcmp(buf, "/tmp/cwd/sub"));
	TT_EQ(read_file("../top.txt", buf, sizeof(buf)), 3);
	TT_EQ(read_file(".././/./top.txt", buf, sizeof(buf)), 3);
	TT_EQ(chdir(".."), 0);
	TT_CHECK(getcwd(buf, sizeof(buf)) && !strcmp(buf, "/tmp/cwd"));
	TT_EQ(chdir("../../../.."), 0);		/* ".." stops at "/" */
	TT_CHECK(getcwd(buf, sizeof(buf)) && !strcmp(buf, "/"));
	TT_EQ(stat(".", &st), 0);		/* "/" with nothing mounted there */
	TT_CHECK(S_ISDIR(st.st_mode));
	DIR *d = opendir("/");
	TT_CHECK(d != NULL && readdir(d) == NULL);
	TT_EQ(closedir(d), 0);
	TT_EQ(chdir("tmp/cwd"), 0);
	TT_CHECK(chdir("top.txt") == -1 && errno == ENOTDIR);
	TT_CHECK(chdir("missing") == -1 && errno == ENOENT);
	TT_CHECK(getcwd(buf, 5) == NULL && errno == ERANGE);
	TT_CHECK(getcwd(buf, sizeof(buf)) && !strcmp(buf, "/tmp/cwd"));
	return 0;
}

static uint32_t
fnv(uint32_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* A file over 1 MiB in odd-sized writes, read back in other odd sizes. */
static int
t_bigfile(int argc, char **argv)
{
	(void)argc, (void)argv;
	enum { TOTAL = (1 << 20) + 345679 };
	static const size_t wsz[] = { 1, 4093, 77777, 3, 65537, 300001, 511, 9999 };
	static const size_t rsz[] = { 7, 131071, 1, 60000, 4097, 250003 };
	uint8_t *src = malloc(TOTAL), *dst = malloc(TOTAL + 1);
	struct stat st;

	TT_CHECK(src && dst);
	TT_EQ(setup("/tmp/big"), 0);
	for (size_t i = 0; i < TOTAL; i++)
		src[i] = (uint8_t)((i * 2654435761u) >> 13);
	uint64_t t0 = ts_now();
	int fd = open("/tmp/big/file", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	TT_CHECK(fd >= 0);
	size_t off = 0;
	unsigned nw = 0, nr = 0;
	for (unsigned k = 0; off < TOTAL; k++, nw++) {
		size_t n = wsz[k % 8] < TOTAL - off ? wsz[k % 8] : TOTAL - off;
		TT_EQ(write(fd, src + off, n), (long)n);
		off += n;
	}
	TT_EQ(close(fd), 0);
	uint64_t t1 = ts_now();
	TT_EQ(stat("/tmp/big/file", &st), 0);
	TT_EQ(st.st_size, TOTAL);

	TT_CHECK((fd = open("/tmp/big/file", O_RDONLY)) >= 0);
	off = 0;
	for (unsigned k = 0; off < TOTAL + 1; k++, nr++) {
		ssize_t r = read(fd, dst + off, rsz[k % 6]);
		TT_CHECK(r >= 0);
		if (r == 0)
			break;
		off += (size_t)r;
	}
	TT_EQ(off, TOTAL);
	uint64_t t2 = ts_now();
	TT_EQ(fnv(2166136261u, dst, TOTAL), fnv(2166136261u, src, TOTAL));
	/* One read and one write of more than a packet's 1 MiB. */
	TT_EQ(lseek(fd, 0, SEEK_SET), 0);
	ssize_t r = read(fd, dst, TOTAL);
	TT_CHECK(r == (1 << 20));	/* short: one request, FILE_IO_MAX */
	TT_EQ(close(fd), 0);
	TT_CHECK((fd = open("/tmp/big/copy", O_RDWR | O_CREAT | O_TRUNC, 0644)) >= 0);
	TT_EQ(write(fd, src, TOTAL), TOTAL);
	TT_EQ(close(fd), 0);
	TT_EQ(read_file("/tmp/big/copy", (char *)dst, TOTAL + 1), TOTAL);
	TT_EQ(fnv(2166136261u, dst, TOTAL), fnv(2166136261u, src, TOTAL));
	printf("libc: %u-byte file written in odd chunks, checksum %08x matches\n", TOTAL,
	       fnv(2166136261u, src, TOTAL));
	printf("libc: ramfs odd-chunk write %llu us, read %llu us (%u writes, %u reads)\n",
	       (unsigned long long)(t1 - t0) / 1000, (unsigned long long)(t2 - t1) / 1000, nw,
	       nr);
	TT_EQ(unlink("/tmp/big/file"), 0);
	TT_EQ(unlink("/tmp/big/copy"), 0);
	free(src);
	free(dst);
	return 0;
}

/* malloc: large blocks come and go, the heap's end gives NULL + ENOMEM. */
static int
t_malloc(int argc, char **argv)
{
	(void)argc, (void)argv;
	uint8_t *p = malloc(4 << 20);

	TT_CHECK(p != NULL);
	for (size_t i = 0; i < (4u << 20); i += 4096)
		p[i] = (uint8_t)(i >> 12);
	p = realloc(p, 24 << 20);
	TT_CHECK(p != NULL);
	for (size_t i = 0; i < (4u << 20); i += 4096)
		TT_EQ(p[i], (uint8_t)(i >> 12));
	p[(24 << 20) - 1] = 1;
	free(p);
	char *top = sbrk(0);
	for (int i = 0; i < 20; i++) {
		void *q = malloc(16 << 20);
		TT_CHECK(q != NULL);
		memset(q, i, 16 << 20);
		free(q);
	}
	TT_CHECK((char *)sbrk(0) - top <= (1 << 20));	/* reused, not grown */
	volatile size_t gib = 1ul << 30, half = SIZE_MAX / 2, tera = 1ul << 40;
	errno = 0;
	TT_CHECK(malloc(gib) == NULL && errno == ENOMEM);	/* more than RAM */
	errno = 0;
	TT_CHECK(malloc(half) == NULL && errno == ENOMEM);
	errno = 0;
	TT_CHECK(calloc(tera, tera) == NULL && errno == ENOMEM);
	void *small = malloc(100);
	TT_CHECK(small != NULL);
	free(small);
	return 0;
}

/* The child side of t_env: argv[1] = mode. */
static int
t_env_child(int argc, char **argv)
{
	char buf[64];

	if (argc != 3 || strcmp(argv[1], "a1 x"))
		return 10;
	if (!strcmp(argv[2], "full")) {
		if (!getenv("FOO") || strcmp(getenv("FOO"), "bar baz"))
			return 11;
		if (!getenv("EMPTY") || getenv("EMPTY")[0])
			return 12;
	} else if (!strcmp(argv[2], "nofoo")) {
		if (getenv("FOO") || !getenv("EMPTY"))
			return 13;
	} else {
		return 14;
	}
	if (getenv("MISSING"))
		return 15;
	if (!getcwd(buf, sizeof(buf)) || strcmp(buf, "/tmp/env"))
		return 16;
	if (!getenv("PWD") || strcmp(getenv("PWD"), "/tmp/env"))
		return 17;
	struct stat st;
	if (stat("here", &st) < 0)	/* relative to the inherited cwd */
		return 18;
	return 0;
}

static long
run_child(const char *mode, const char *const *envp)
{
	const char *av[] = { "_env_child", "a1 x", mode, NULL };
	int status;
	long tid = envp ? ts_spawn_env(SELF, av, envp, 0, SPAWN_PRIV)
			: ts_spawn(SELF, av, 0, SPAWN_PRIV);
	if (tid < 0)
		return tid;
	long r = sys_task_wait(tid, &status);
	return r < 0 ? r : status;
}

static int
t_env(int argc, char **argv)
{
	(void)argc, (void)argv;
	static const char *const envp[] = { "FOO=bar baz", "EMPTY=", "PWD=/tmp/env", NULL };

	TT_EQ(setup("/tmp/env"), 0);
	TT_EQ(write_file("/tmp/env/here", "h", 1), 0);
	TT_CHECK(getenv("FOO") == NULL);
	TT_EQ(run_child("full", envp), 0);		/* explicit environment */
	TT_EQ(setenv("FOO", "bar baz", 1), 0);
	TT_EQ(setenv("EMPTY", "", 1), 0);
	TT_EQ(chdir("/tmp/env"), 0);
	TT_CHECK(!strcmp(getenv("FOO"), "bar baz"));
	TT_EQ(run_child("full", NULL), 0);		/* inherited, PWD too */
	TT_EQ(unsetenv("FOO"), 0);
	TT_CHECK(getenv("FOO") == NULL);
	TT_EQ(run_child("nofoo", NULL), 0);
	TT_EQ(run_child("full", NULL), 11);		/* FOO gone */

	/* The separator is no argument; the block has a size. */
	const char *bad[] = { "\x01", NULL };
	TT_EQ(ts_spawn(SELF, bad, 0, 0), -ERR_INVAL);
	static char big[3000];
	memset(big, 'v', sizeof(big) - 1);
	memcpy(big, "BIG=", 4);
	const char *bigenv[] = { big, NULL };
	const char *av[] = { "_env_child", NULL };
	TT_EQ(ts_spawn_env(SELF, av, bigenv, 0, 0), -ERR_TOOBIG);
	return 0;
}

/* Time: monotonic increases by the slept amount; the other clocks answer. */
static int
t_time(int argc, char **argv)
{
	(void)argc, (void)argv;
	struct timespec a, b, r;
	struct timeval tv;

	TT_EQ(clock_gettime(CLOCK_MONOTONIC, &a), 0);
	TT_EQ(usleep(20000), 0);
	TT_EQ(clock_gettime(CLOCK_MONOTONIC, &b), 0);
	int64_t ns = (int64_t)(b.tv_sec - a.tv_sec) * 1000000000 + (b.tv_nsec - a.tv_nsec);
	TT_CHECK(ns >= 20000000 && ns < 5000000000ll);
	TT_CHECK(a.tv_nsec >= 0 && a.tv_nsec < 1000000000);
	for (int i = 0; i < 1000; i++) {
		TT_EQ(clock_gettime(CLOCK_MONOTONIC, &b), 0);
		TT_CHECK(b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec));
		a = b;
	}
	TT_EQ(clock_gettime(CLOCK_REALTIME, &a), 0);
	TT_EQ(gettimeofday(&tv, NULL), 0);
	TT_CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	TT_CHECK(tv.tv_sec >= a.tv_sec);
	time_t t = time(NULL);
	TT_CHECK(t >= a.tv_sec && t <= a.tv_sec + 5);
	TT_EQ(clock_getres(CLOCK_MONOTONIC, &r), 0);
	TT_CHECK(clock_gettime((clockid_t)99, &a) == -1 && errno == EINVAL);
	struct timespec bad = { .tv_sec = 0, .tv_nsec = 2000000000 };
	TT_CHECK(nanosleep(&bad, NULL) == -1 && errno == EINVAL);
	return 0;
}

/* ---- The ramfs protocol, packet by packet. ---- */

static int
fcall(long srv, uint16_t op, const char *name, uint64_t handle, uint64_t off, uint64_t len,
      const void *data, struct ts_packet *rep)
{
	struct ts_packet req = { .opcode = op, .handle = handle, .offset = off, .len = len };

	if (name)
		dux_set_name(&req, name, strlen(name));
	if (data) {
		req.flags = PKT_DATA_COPY;
		req.data = (uint64_t)(uintptr_t)data;
	}
	int r = dux_call((ts_addr)srv, &req, rep, 10 * SEC);
	if (!(rep->flags & PKT_KERNEL))
		dux_data_free(rep);
	return r;
}

static int
t_holder(int argc, char **argv)
{
	(void)argc, (void)argv;
	if (open("/tmp/proto/held", O_WRONLY | O_CREAT, 0644) < 0)
		return 1;
	for (;;)
		sys_sleep(SEC);
}

static int
t_proto(int argc, char **argv)
{
	(void)argc, (void)argv;
	struct ts_packet rep;

	TT_EQ(dux_init(32), 0);
	TT_EQ(setup("/tmp/proto"), 0);
	long s = dux_lookup("/tmp");
	TT_CHECK(s > 0);
	static const char *const bad_paths[] = { "tmp", "/a/", "/a//b", "/./x", "/x/..", "//", "/.." };
	for (unsigned i = 0; i < sizeof(bad_paths) / sizeof(bad_paths[0]); i++) {
		TT_EQ(fcall(s, OP_OPEN, bad_paths[i], 0, FILE_O_READ, 0, NULL, &rep), -ERR_INVAL);
		TT_EQ(fcall(s, OP_INFO, bad_paths[i], 0, 0, 0, NULL, &rep), -ERR_INVAL);
		TT_EQ(fcall(s, OP_CREATE, bad_paths[i], 0, 0, 0, NULL, &rep), -ERR_INVAL);
	}
	TT_EQ(fcall(s, OP_OPEN, "", 0, FILE_O_READ, 0, NULL, &rep), -ERR_INVAL);
	TT_EQ(fcall(s, OP_OPEN, "/proto/f", 0, 0x100, 0, NULL, &rep), -ERR_INVAL);
	TT_EQ(fcall(s, OP_OPEN, "/proto/f", 0, FILE_O_READ | FILE_O_TRUNC, 0, NULL, &rep),
	      -ERR_INVAL);
	TT_EQ(fcall(s, OP_CLOSE, NULL, 12345, 0, 0, NULL, &rep), -ERR_BADF);
	TT_EQ(fcall(s, OP_READ, NULL, 999, 0, 10, NULL, &rep), -ERR_BADF);
	TT_EQ(fcall(s, OP_CREATE, "/proto/f", 0, 7, 0, NULL, &rep), -ERR_INVAL);
	TT_EQ(fcall(s, OP_CREATE, "/proto/f", 0, FILE_CREATE_FILE, 0, NULL, &rep), 0);
	TT_EQ(fcall(s, OP_CREATE, "/proto/f", 0, FILE_CREATE_DIR, 0, NULL, &rep), -ERR_EXIST);
	TT_EQ(fcall(s, OP_CREATE, "/", 0, FILE_CREATE_DIR, 0, NULL, &rep), -ERR_EXIST);
	TT_EQ(fcall(s, OP_READ, "/proto/f", 0, 0, 0, NULL, &rep), -ERR_INVAL);	/* len 0 */
	TT_EQ(fcall(s, OP_READ, "/proto/f", 0, 0, FILE_IO_MAX + 1, NULL, &rep), -ERR_TOOBIG);
	TT_EQ(fcall(s, OP_WRITE, "/proto/f", 0, 3, 5, "hello", &rep), 5);	/* one-off */
	TT_EQ(fcall(s, OP_READ, "/proto/f", 0, 0, 100, NULL, &rep), 8);
	TT_EQ(fcall(s, OP_READ, "/proto/f", 0, 8, 100, NULL, &rep), 0);
	TT_EQ(fcall(s, OP_WRITE, "/proto/none", 0, 0, 1, "x", &rep), -ERR_NOENT);
	TT_EQ(fcall(s, OP_WRITE, "/proto", 0, 0, 1, "x", &rep), -ERR_ISDIR);
	TT_EQ(fcall(s, OP_WRITE, "/proto/f", 0, 2, 0, NULL, &rep), 0);	/* truncate */
	TT_EQ(fcall(s, OP_INFO, "/proto/f", 0, 0, 0, NULL, &rep), (int)sizeof(struct file_stat));
	TT_EQ(fcall(s, OP_LIST, "/proto/f", 0, 0, 0, NULL, &rep), -ERR_NOTDIR);
	TT_EQ(fcall(s, OP_LIST, "/proto", 0, 0, 0, NULL, &rep), 1);
	TT_EQ(fcall(s, OP_LIST, "/proto", 0, 1, 0, NULL, &rep), 0);
	TT_EQ(fcall(s, OP_LIST, "/proto", 0, 1000, 0, NULL, &rep), 0);
	TT_EQ(fcall(s, OP_DELETE, "/", 0, 0, 0, NULL, &rep), -ERR_BUSY);
	TT_EQ(fcall(s, OP_RENAME, "/proto", 0, 0, 12, "/proto/inner", &rep), -ERR_INVAL);
	TT_EQ(fcall(s, OP_RENAME, "/proto/f", 0, 0, 0, NULL, &rep), -ERR_INVAL);
	TT_EQ(fcall(s, OP_RENAME, "/proto/f", 0, 0, 3, "g/h", &rep), -ERR_INVAL);
	TT_EQ(fcall(s, OP_MAP, "/proto/f", 0, 0, 0, NULL, &rep), -ERR_NOTSUP);
	TT_EQ(fcall(s, OP_FLUSH, NULL, 0, 0, 0, NULL, &rep), 0);

	/* A session: the handle works only for its owner and only as opened. */
	TT_EQ(fcall(s, OP_OPEN, "/proto/f", 0, FILE_O_READ, 0, NULL, &rep), 0);
	uint64_t h = rep.handle;
	TT_CHECK(h >= 1);
	TT_EQ(fcall(s, OP_WRITE, NULL, h, 0, 1, "x", &rep), -ERR_BADF);
	TT_EQ(fcall(s, OP_READ, NULL, h, 0, 4, NULL, &rep), 2);
	TT_EQ(fcall(s, OP_CLOSE, NULL, h, 0, 0, NULL, &rep), 0);
	TT_EQ(fcall(s, OP_CLOSE, NULL, h, 0, 0, NULL, &rep), -ERR_BADF);

	/* FS info. */
	struct ts_packet req = { .opcode = OP_INFO, .offset = FILE_INFO_FS };
	struct file_fsinfo fi;
	TT_EQ(dux_call((ts_addr)s, &req, &rep, 10 * SEC), (int)sizeof(fi));
	memcpy(&fi, (void *)(uintptr_t)rep.data, sizeof(fi));
	dux_data_free(&rep);
	TT_EQ(fi.total_bytes, 32ul << 20);
	TT_CHECK(fi.free_bytes < fi.total_bytes && !strcmp(fi.label, "ramfs"));

	/* A client dies with a file open for writing: TERMINATE ends its
	 * session, the file can go. */
	const char *hav[] = { "_holder", NULL };
	long holder = ts_spawn(SELF, hav, 0, SPAWN_PRIV);
	TT_CHECK(holder > 0);
	int r = -1;
	for (int i = 0; i < 500 && r != -ERR_BUSY; i++) {
		r = fcall(s, OP_DELETE, "/proto/held", 0, 0, 0, NULL, &rep);
		if (r != -ERR_BUSY)
			sys_sleep(10 * 1000000ull);
		TT_CHECK(r == -ERR_NOENT || r == -ERR_BUSY);
	}
	TT_EQ(r, -ERR_BUSY);
	TT_EQ(sys_task_kill(holder), 0);
	int st;
	sys_task_wait(holder, &st);
	for (int i = 0; i < 500 && (r = fcall(s, OP_DELETE, "/proto/held", 0, 0, 0, NULL, &rep)) ==
			    -ERR_BUSY; i++)
		sys_sleep(10 * 1000000ull);
	TT_EQ(r, 0);

	/* A small volume fills: -ERR_NOSPC, and the size stays; then unmount. */
	TT_EQ(ensure_ramfs("/small", "size=8192"), 0);
	int fd = open("/small/a", O_WRONLY | O_CREAT, 0644);
	TT_CHECK(fd >= 0);
	static char chunk[5000];
	TT_EQ(write(fd, chunk, sizeof(chunk)), (long)sizeof(chunk));
	TT_CHECK(write(fd, chunk, sizeof(chunk)) == -1 && errno == ENOSPC);
	struct stat sst;
	TT_EQ(fstat(fd, &sst), 0);
	TT_EQ(sst.st_size, 5000);
	TT_EQ(close(fd), 0);
	long small = dux_lookup("/small");
	TT_EQ(fcall(small, OP_FLUSH, NULL, 0, FILE_FLUSH_UNMOUNT, 0, NULL, &rep), 0);
	for (int i = 0; i < 500 && dux_lookup("/small") >= 0; i++)
		sys_sleep(10 * 1000000ull);
	TT_CHECK(dux_lookup("/small") < 0);
	TT_CHECK(stat("/small/a", &sst) == -1 && errno == ENOENT);
	return 0;
}

/* ---- stdio on a console: the test serves "console" itself. ---- */

#define MAX_WRITES 32

struct capture {
	int nwrites;
	char w[MAX_WRITES][128];
};

/* Serve OP_WRITE / OP_READ for task `child` (started here) until it ends;
 * READs get the next of `input` (then ^D).  Returns the child's status. */
static long
serve_console(long child, const char *const *input, struct capture *cap)
{
	int done = 0, in = 0;
	struct ts_packet *p;

	cap->nwrites = 0;
	/* The watch must reach the kernel before the child can end: it was
	 * only queued, and a fast child ended unwatched (30 s timeout). */
	if (dux_watch((ts_addr)child) < 0 || dux_flush() < 0 || sys_task_start(child) < 0)
		return -1000;
	while (!done) {
		if (dux_wait(30 * SEC) <= 0)
			return -1001;
		while ((p = dux_recv())) {
			if (p->flags & PKT_KERNEL) {
				if (p->opcode == OP_TERMINATE && !(p->flags & PKT_REPLY) &&
				    p->handle == (uint64_t)child)
					done = 1;
				dux_done(p);
				continue;
			}
			if (p->flags & PKT_REPLY) {
				dux_done(p);
				continue;
			}
			struct ts_packet *r = dux_alloc();
			if (p->opcode == OP_WRITE && (p->flags & PKT_DATA_MASK) == PKT_DATA_COPY &&
			    cap->nwrites < MAX_WRITES && p->len < sizeof(cap->w[0])) {
				memcpy(cap->w[cap->nwrites], (void *)(uintptr_t)p->data, p->len);
				cap->w[cap->nwrites++][p->len] = 0;
				dux_reply_init(r, p, (int)p->len);
			} else if (p->opcode == OP_READ && p->len >= 1) {
				const char *s = input && input[in] ? input[in++] : "\x04";
				size_t n = strlen(s) < p->len ? strlen(s) : p->len;
				dux_reply_init(r, p, (int)n);
				r->flags |= PKT_DATA_COPY;
				r->data = (uint64_t)(uintptr_t)s;
				r->len = n;
			} else {
				dux_reply_init(r, p, -ERR_INVAL);
			}
			dux_send(r);
			dux_flush();
			dux_data_free(p);
			dux_done(p);
		}
	}
	int st;
	long w = sys_task_wait(child, &st);
	return w < 0 ? w : st;
}

static int
t_con_child(int argc, char **argv)
{
	(void)argc, (void)argv;
	char line[64], b[8];

	printf("hello console\n");
	printf("prompt> ");
	if (!fgets(line, sizeof(line), stdin))
		return 2;
	line[strcspn(line, "\n")] = 0;
	printf("got [%s]\n", line);
	int c = getchar();
	ssize_t n = read(0, b, sizeof(b));
	printf("x=%c y=%.*s\n", c, (int)n, b);
	if (write(1, "raw\n", 4) != 4)
		return 3;
	fprintf(stderr, "err\n");
	printf("tty %d\n", isatty(0));
	c = getchar();
	printf("eof %d\n", c == EOF);
	printf("tail");
	return 0;
}

static int
t_console(int argc, char **argv)
{
	(void)argc, (void)argv;
	static const char *const input[] = { "typed line\n", "xy", NULL };
	static const char *const want[] = { "hello console\n", "prompt> ", "got [typed line]\n",
					    "x=x y=y\n", "raw\n", "err\n", "tty 1\n", "eof 1\n",
					    "tail" };
	static struct capture cap;

	TT_EQ(dux_init(32), 0);
	TT_EQ(dux_register("console"), 0);
	printf("libc: console test: this line goes to the log (the console is this task)\n");
	const char *av[] = { "_con_child", NULL };
	setenv("TS_STDIO", "console", 1);	/* what init gives the shell */
	long child = ts_spawn(SELF, av, 0, SPAWN_PRIV | SPAWN_STOPPED);
	TT_CHECK(child > 0);
	TT_EQ(serve_console(child, input, &cap), 0);
	TT_EQ(cap.nwrites, (int)(sizeof(want) / sizeof(want[0])));
	for (int i = 0; i < cap.nwrites; i++) {
		if (strcmp(cap.w[i], want[i]))
			printf("write %d: \"%s\", want \"%s\"\n", i, cap.w[i], want[i]);
		TT_CHECK(strcmp(cap.w[i], want[i]) == 0);
	}
	/* Without TS_STDIO=console a program stays on the kernel log. */
	static const char *const logenv[] = { "TS_STDIO=log", NULL };
	const char *hav[] = { "_log_child", NULL };
	child = ts_spawn_env(SELF, hav, logenv, 0, SPAWN_PRIV | SPAWN_STOPPED);
	TT_CHECK(child > 0);
	TT_EQ(serve_console(child, NULL, &cap), 0);
	TT_EQ(cap.nwrites, 0);
	return 0;
}

static int
t_log_child(int argc, char **argv)
{
	(void)argc, (void)argv;
	printf("libc: TS_STDIO=log child on the log\n");
	return getchar() == EOF ? 0 : 1;
}

/* ---- Plain C programs: cp and wc on ramfs files. ---- */

static int
t_wc_cp(int argc, char **argv)
{
	(void)argc, (void)argv;
	static const char text[] = "one two three\nfour five\n\nsix\n";
	static struct capture cap;
	char buf[4096];

	TT_EQ(dux_init(32), 0);
	TT_EQ(setup("/tmp/wc"), 0);
	TT_EQ(write_file("/tmp/wc/in.txt", text, strlen(text)), 0);
	const char *cpav[] = { "/tmp/wc/in.txt", "/tmp/wc/out.txt", NULL };
	TT_EQ(ts_run("cp", cpav, 0, 0), 0);
	TT_EQ(read_file("/tmp/wc/out.txt", buf, sizeof(buf)), (long)strlen(text));
	TT_CHECK(memcmp(buf, text, strlen(text)) == 0);
	/* A binary file of 300 KiB, through cp's buffer many times. */
	static uint8_t bin[300 * 1024 + 17];
	for (size_t i = 0; i < sizeof(bin); i++)
		bin[i] = (uint8_t)(i * 7 + (i >> 9));
	TT_EQ(write_file("/tmp/wc/bin", bin, sizeof(bin)), 0);
	const char *cpav2[] = { "/tmp/wc/bin", "/tmp/wc/bin2", NULL };
	TT_EQ(ts_run("cp", cpav2, 0, 0), 0);
	static uint8_t back[sizeof(bin) + 1];
	TT_EQ(read_file("/tmp/wc/bin2", (char *)back, sizeof(back)), (long)sizeof(bin));
	TT_CHECK(memcmp(back, bin, sizeof(bin)) == 0);
	const char *cpbad[] = { "/tmp/wc/missing", "/tmp/wc/x", NULL };
	TT_CHECK(ts_run("cp", cpbad, 0, 0) != 0);

	/* wc with a relative path (PWD from the environment), output on the
	 * console this test serves. */
	TT_EQ(dux_register("console"), 0);
	static const char *const env[] = { "PWD=/tmp/wc", "TS_STDIO=console", NULL };
	setenv("TS_STDIO", "console", 1);	/* inherited by the ts_spawn below */
	const char *wcav[] = { "out.txt", "bin2", NULL };
	long child = ts_spawn_env("wc", wcav, env, 0, SPAWN_STOPPED);
	TT_CHECK(child > 0);
	TT_EQ(serve_console(child, NULL, &cap), 0);
	TT_EQ(cap.nwrites, 3);
	printf("libc: wc said \"%.*s\"\n", (int)strcspn(cap.w[0], "\n"), cap.w[0]);
	TT_CHECK(strcmp(cap.w[0], "4 6 29 out.txt\n") == 0);
	snprintf(buf, sizeof(buf), "%ld", (long)sizeof(bin));
	TT_CHECK(strstr(cap.w[1], " bin2\n") && strstr(cap.w[1], buf));
	TT_CHECK(strstr(cap.w[2], " total\n") != NULL);
	/* wc on standard input. */
	static const char *const input[] = { "a b\n", "c\n", NULL };
	child = ts_spawn("wc", NULL, 0, SPAWN_STOPPED);
	TT_CHECK(child > 0);
	TT_EQ(serve_console(child, input, &cap), 0);
	TT_EQ(cap.nwrites, 1);
	TT_CHECK(strcmp(cap.w[0], "2 3 6\n") == 0);
	/* wc on a missing file: a message on stderr and status 1. */
	const char *wcbad[] = { "/tmp/wc/missing", NULL };
	child = ts_spawn("wc", wcbad, 0, SPAWN_STOPPED);
	TT_EQ(serve_console(child, NULL, &cap), 1);
	TT_EQ(cap.nwrites, 1);
	TT_CHECK(strstr(cap.w[0], "/tmp/wc/missing") && strstr(cap.w[0], "No such file"));
	return 0;
}

static const struct ttest tests[] = {
	{ "stdio_files", t_stdio_files },
	{ "fd", t_fd },
	{ "names", t_names },
	{ "dirs", t_dirs },
	{ "cwd", t_cwd },
	{ "bigfile", t_bigfile },
	{ "malloc", t_malloc },
	{ "env", t_env },
	{ "time", t_time },
	{ "proto", t_proto },
	{ "console", t_console },
	{ "wc_cp", t_wc_cp },
	{ "_env_child", t_env_child },
	{ "_holder", t_holder },
	{ "_con_child", t_con_child },
	{ "_log_child", t_log_child },
};

TT_MAIN(tests)
