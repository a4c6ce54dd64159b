/*
 * MiniSH's built-in commands (docs/shell.md): files over libc's POSIX
 * calls, mounts and file systems over the file protocol
 * (<tessera/proto_file.h>), tasks and services over task_list/svc_list.
 * Each returns its exit status: 0, 1 for a failed operation, 2 for bad
 * usage.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <dux/dux.h>
#include <tessera/proto_file.h>
#include <tessera/proto_netproxy.h>
#include <tessera/user.h>
#include "sh.h"

#define MS		1000000ull
#define MOUNT_WAIT_MS	10000u	/* for the fat server to register */
#define UNMOUNT_NS	(30ull * 1000000000)
#define COPY_CHUNK	65536u

extern char **environ;

static int
usage(const char *name)
{
	const struct builtin *b = builtin_find(name);
	fprintf(stderr, "usage: %s\n", b ? b->usage : name);
	return SH_ST_USAGE;
}

static int
cmp_svc(const void *a, const void *b)
{
	return strcmp(((const struct ts_svc_info *)a)->name, ((const struct ts_svc_info *)b)->name);
}

/* Registered services sorted by name; only mount points ('/...') if
 * mounts_only. */
static struct ts_svc_info *
services_sorted(long *n, int mounts_only)
{
	struct ts_svc_info *s = ts_services(n);
	long k = 0;

	if (!s)
		return NULL;
	for (long i = 0; i < *n; i++)
		if (!mounts_only || s[i].name[0] == '/')
			s[k++] = s[i];
	*n = k;
	qsort(s, (size_t)k, sizeof(*s), cmp_svc);
	return s;
}

static const char *
task_name(const struct ts_task_info *t, long n, long tid)
{
	for (long i = 0; i < n; i++)
		if (t[i].tid == tid)
			return t[i].name;
	return "?";
}

/* ---- Files ---- */

static int
b_echo(int argc, char **argv, FILE *out)
{
	int i = 1, nl = 1;

	if (argc > 1 && !strcmp(argv[1], "-n")) {
		nl = 0;
		i++;
	}
	for (int first = i; i < argc; i++)
		fprintf(out, "%s%s", i > first ? " " : "", argv[i]);
	if (nl)
		fputc('\n', out);
	return 0;
}

static int
b_cat(int argc, char **argv, FILE *out)
{
	static char buf[4096];
	int st = 0;

	if (argc < 2)
		return usage(argv[0]);
	for (int i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY);
		ssize_t r;
		if (fd < 0) {
			st = sh_fail(argv[i], errno);
			continue;
		}
		while ((r = read(fd, buf, sizeof(buf))) > 0)
			fwrite(buf, 1, (size_t)r, out);
		if (r < 0)
			st = sh_fail(argv[i], errno);
		close(fd);
	}
	return st;
}

/* One line of `ls`: a name and, for -l, what stat gives (from the
 * listing's own records, or stat for the mount points of "/"). */
struct ls_ent {
	char *name;
	struct stat st;
	int have_st;
};

static int
cmp_ent(const void *a, const void *b)
{
	return strcmp(((const struct ls_ent *)a)->name, ((const struct ls_ent *)b)->name);
}

/* Mount points directly under "/" (from the registry), as directory
 * entries of "/", added to e[*n] (room for max). */
static void
root_mounts(struct ls_ent *e, size_t *n, size_t max)
{
	long ns;
	struct ts_svc_info *s = services_sorted(&ns, 1);

	for (long i = 0; s && i < ns && *n < max; i++) {
		const char *name = s[i].name + 1;
		if (!*name || strchr(name, '/'))
			continue;
		int dup = 0;
		for (size_t k = 0; k < *n && !dup; k++)
			dup = !strcmp(e[k].name, name);
		if (!dup && (e[*n].name = strdup(name)))
			e[(*n)++].have_st = 0;
	}
	free(s);
}

/* One line of ls; 0, or 1 after a message when -l cannot stat it.
 * st NULL: stat path first (-l only). */
static int
ls_entry(FILE *out, const char *path, const char *name, const struct stat *st, int longfmt)
{
	struct stat sb;
	char when[32];

	if (!longfmt) {
		fprintf(out, "%s\n", name);
		return 0;
	}
	if (!st && stat(path, &sb) < 0)
		return sh_fail(path, errno);
	if (!st)
		st = &sb;
	time_t t = st->st_mtime;
	struct tm tm;
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	else
		snprintf(when, sizeof(when), "?");
	fprintf(out, "%c %10llu %s %s\n", S_ISDIR(st->st_mode) ? 'd' : '-',
		(unsigned long long)(S_ISDIR(st->st_mode) ? 0 : st->st_size), when, name);
	return 0;
}

/* List dir; -l takes type, size and time from the listing (OP_LIST
 * records carry them), so it costs no request per entry. */
static int
ls_dir(FILE *out, const char *dir, int longfmt)
{
	size_t n = 0, max = 64;
	struct ls_ent *e = malloc(max * sizeof(*e));
	char path[SH_PATH_MAX];
	char cwd[SH_PATH_MAX];
	struct dirent *d;
	DIR *dp = opendir(dir);
	int st = 0;

	if (!dp || !e) {
		free(e);
		if (dp)
			closedir(dp);
		return sh_fail(dir, dp ? ENOMEM : errno);
	}
	errno = 0;
	while ((d = readdir(dp))) {
		if (n == max) {
			struct ls_ent *more = realloc(e, 2 * max * sizeof(*e));
			if (!more)
				break;
			e = more;
			max *= 2;
		}
		if (!(e[n].name = strdup(d->d_name)))
			break;
		memset(&e[n].st, 0, sizeof(e[n].st));
		e[n].st.st_mode = d->d_mode;
		e[n].st.st_size = d->d_size;
		e[n].st.st_mtime = d->d_mtime;
		e[n++].have_st = 1;
		errno = 0;
	}
	if (errno)
		st = sh_fail(dir, errno);
	closedir(dp);
	/* "/" lists the mount points (libc shows an empty root). */
	if ((!strcmp(dir, "/") || (dir[0] != '/' && getcwd(cwd, sizeof(cwd)) &&
				   !strcmp(cwd, "/") && !strcmp(dir, "."))))
		root_mounts(e, &n, max);
	qsort(e, n, sizeof(*e), cmp_ent);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s%s%s", dir,
			 dir[strlen(dir) - 1] == '/' ? "" : "/", e[i].name);
		st |= ls_entry(out, path, e[i].name, e[i].have_st ? &e[i].st : NULL, longfmt);
		free(e[i].name);
	}
	free(e);
	return st;
}

static int
b_ls(int argc, char **argv, FILE *out)
{
	int longfmt = 0, i = 1, st = 0;

	if (argc > 1 && !strcmp(argv[1], "-l")) {
		longfmt = 1;
		i++;
	}
	if (i == argc)
		return ls_dir(out, ".", longfmt);
	for (int first = i; i < argc; i++) {
		struct stat sb;
		if (stat(argv[i], &sb) < 0) {
			st = sh_fail(argv[i], errno);
			continue;
		}
		if (!S_ISDIR(sb.st_mode)) {
			st |= ls_entry(out, argv[i], argv[i], &sb, longfmt);
			continue;
		}
		if (argc - first > 1)
			fprintf(out, "%s%s:\n", i > first ? "\n" : "", argv[i]);
		st |= ls_dir(out, argv[i], longfmt);
	}
	return st;
}

/* Do a and b name the same object (libc: st_dev = the volume's server,
 * st_ino = the object's identity on it)? */
static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino != 0 && a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Copy file `from` to `to` (created or emptied).  A `to` that is `from`
 * under another spelling is refused before anything is opened for writing:
 * emptying it would lose the file. */
static int
copy_file(const char *cmd, const char *from, const char *to)
{
	struct stat st, tst;
	int in = open(from, O_RDONLY), outfd = -1, err = 0;
	char *buf = malloc(COPY_CHUNK);
	ssize_t r;

	if (in < 0 || !buf) {
		err = in < 0 ? errno : ENOMEM;
		goto out;
	}
	if (fstat(in, &st) < 0) {
		err = errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		err = EISDIR;
		goto out;
	}
	if (stat(to, &tst) == 0 && same_file(&st, &tst)) {
		sh_say(1, "%s: %s and %s are the same file", cmd, from, to);
		err = -1;
		goto out;
	}
	if ((outfd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) {
		fprintf(stderr, "sh: %s: %s\n", to, strerror(errno));
		free(buf);
		close(in);
		return 1;
	}
	while ((r = read(in, buf, COPY_CHUNK)) > 0) {
		if (write(outfd, buf, (size_t)r) != r) {
			fprintf(stderr, "sh: %s: %s\n", to, strerror(errno));
			r = 0;
			err = -1;
			break;
		}
	}
	if (r < 0)
		err = errno;
	close(outfd);
out:
	if (in >= 0)
		close(in);
	free(buf);
	if (err > 0)
		sh_fail(from, err);
	return err ? 1 : 0;
}

static const char *
base_name(const char *p)
{
	const char *b = strrchr(p, '/');
	return b ? b + 1 : p;
}

/* dst, or dst/basename(src) when dst is a directory. */
static const char *
target(const char *src, const char *dst, char *buf, size_t size)
{
	struct stat st;

	if (stat(dst, &st) < 0 || !S_ISDIR(st.st_mode))
		return dst;
	snprintf(buf, size, "%s%s%s", dst, dst[strlen(dst) - 1] == '/' ? "" : "/", base_name(src));
	return buf;
}

/* mv one object: rename, or copy and delete across volumes.  The same
 * object under the same name is refused (nothing would happen; GNU mv
 * says so too); the same object under another name is a rename (a case
 * change on FAT). */
static int
move_file(const char *from, const char *to)
{
	struct stat a, b;

	if (stat(from, &a) < 0)
		return sh_fail(from, errno);
	if (stat(to, &b) == 0 && same_file(&a, &b) && !strcmp(base_name(from), base_name(to)))
		return sh_say(1, "mv: %s and %s are the same file", from, to);
	if (rename(from, to) == 0)
		return 0;
	if (errno == EINVAL && S_ISDIR(a.st_mode))
		return sh_say(1, "mv: cannot move %s into itself (%s)", from, to);
	if (errno != EXDEV)
		return sh_fail(from, errno);
	if (S_ISDIR(a.st_mode))
		return sh_say(1, "mv: %s: cannot move a directory to another volume", from);
	if (copy_file("mv", from, to) != 0)
		return 1;
	return unlink(from) < 0 ? sh_fail(from, errno) : 0;
}

static int
copy_or_move(int argc, char **argv, int move)
{
	char buf[SH_PATH_MAX];
	struct stat st;
	int status = 0;

	if (argc < 3)
		return usage(argv[0]);
	const char *dst = argv[argc - 1];
	if (argc > 3 && (stat(dst, &st) < 0 || !S_ISDIR(st.st_mode)))
		return sh_say(1, "%s: %s: not a directory", argv[0], dst);
	for (int i = 1; i < argc - 1; i++) {
		const char *to = target(argv[i], dst, buf, sizeof(buf));
		if (!move)
			status |= copy_file(argv[0], argv[i], to);
		else
			status |= move_file(argv[i], to);
	}
	return status;
}

static int
b_cp(int argc, char **argv, FILE *out)
{
	(void)out;
	return copy_or_move(argc, argv, 0);
}

static int
b_mv(int argc, char **argv, FILE *out)
{
	(void)out;
	return copy_or_move(argc, argv, 1);
}

/* rm, mkdir, rmdir: one call per argument. */
static int
each(int argc, char **argv, int (*fn)(const char *))
{
	int st = 0;

	if (argc < 2)
		return usage(argv[0]);
	for (int i = 1; i < argc; i++)
		if (fn(argv[i]) < 0)
			st = sh_fail(argv[i], errno);
	return st;
}

static int
do_mkdir(const char *p)
{
	return mkdir(p, 0755);
}

static int
b_rm(int argc, char **argv, FILE *out)
{
	(void)out;
	return each(argc, argv, unlink);
}

static int
b_mkdir(int argc, char **argv, FILE *out)
{
	(void)out;
	return each(argc, argv, do_mkdir);
}

static int
b_rmdir(int argc, char **argv, FILE *out)
{
	(void)out;
	return each(argc, argv, rmdir);
}

static int
b_cd(int argc, char **argv, FILE *out)
{
	(void)out;
	const char *dir = argc > 1 ? argv[1] : getenv("HOME") ? getenv("HOME") : "/";
	if (argc > 2)
		return usage(argv[0]);
	return chdir(dir) < 0 ? sh_fail(dir, errno) : 0;
}

static int
b_pwd(int argc, char **argv, FILE *out)
{
	char cwd[SH_PATH_MAX];

	(void)argc, (void)argv;
	if (!getcwd(cwd, sizeof(cwd)))
		return sh_fail("pwd", errno);
	fprintf(out, "%s\n", cwd);
	return 0;
}

/* ---- Mounts ---- */

static int
list_mounts(FILE *out)
{
	long ns, nt;
	struct ts_svc_info *s = services_sorted(&ns, 1);
	struct ts_task_info *t = ts_tasks(&nt);

	for (long i = 0; s && t && i < ns; i++)
		fprintf(out, "%s on %s (tid %ld)\n", s[i].name, task_name(t, nt, s[i].tid),
			(long)s[i].tid);
	free(s);
	free(t);
	return 0;
}

/* Is task `tid` (a child) still there and not ended? */
static int
alive(long tid, int *status)
{
	long n;
	struct ts_task_info *t = ts_tasks(&n);
	int live = 0;

	for (long i = 0; t && i < n; i++) {
		if (t[i].tid != tid)
			continue;
		live = t[i].state != TS_TASK_ZOMBIE;
		*status = t[i].exit_status;
	}
	free(t);
	return live;
}

static int
b_mount(int argc, char **argv, FILE *out)
{
	if (argc == 1)
		return list_mounts(out);
	if (argc != 3)
		return usage(argv[0]);
	const char *blk = argv[1], *path = argv[2];
	size_t plen = strlen(path);
	if (path[0] != '/' || plen < 2 || plen > 63 || path[plen - 1] == '/')
		return sh_say(1, "mount: %s: a mount point is /NAME (2..63 bytes)", path);
	if (sys_svc_lookup(path, plen) >= 0)
		return sh_say(1, "mount: %s: already mounted", path);
	if (sys_svc_lookup(blk, strlen(blk)) < 0)
		return sh_say(1, "mount: %s: no such block service", blk);
	char a1[80], a2[80];
	snprintf(a1, sizeof(a1), "blk=%s", blk);
	snprintf(a2, sizeof(a2), "name=%s", path);
	const char *av[] = { a1, a2, NULL };
	long tid = ts_spawn_env("fat", av, NULL, 0, 0);
	if (tid < 0)
		return sh_say(1, "mount: fat: %s", ts_strerror((int)tid));
	for (unsigned ms = 0; ms < MOUNT_WAIT_MS; ms += 10) {
		int st = 0;
		if (sys_svc_lookup(path, plen) == tid)
			return 0;
		if (!alive(tid, &st)) {
			sys_task_wait(tid, &st);
			if (st == ERR_BUSY)	/* fat's status for a held device */
				return sh_say(1, "mount: %s: device busy (already mounted for "
					      "writing)", blk);
			return sh_say(1, "mount: %s on %s failed: the fat server ended with status %d "
				      "(kernel log)", blk, path, st);
		}
		sys_sleep(10 * MS);
	}
	sys_task_kill(tid);
	sys_task_wait(tid, NULL);
	return sh_say(1, "mount: %s: the fat server did not register in %u ms", path,
		      MOUNT_WAIT_MS);
}

static int
b_umount(int argc, char **argv, FILE *out)
{
	(void)out;
	if (argc != 2)
		return usage(argv[0]);
	const char *path = argv[1];
	long tid = path[0] == '/' ? sys_svc_lookup(path, strlen(path)) : -ERR_NOENT;
	if (tid < 0)
		return sh_say(1, "umount: %s: not mounted", path);
	if (sh_ipc() < 0)
		return sh_say(1, "umount: no IPC area");
	struct ts_packet req = { .opcode = OP_FLUSH, .offset = FILE_FLUSH_UNMOUNT }, rep;
	dux_set_name(&req, "/", 1);
	int r = dux_call((ts_addr)tid, &req, &rep, UNMOUNT_NS);
	dux_data_free(&rep);
	if (r < 0 && r != -ERR_CLOSED)
		return sh_say(1, "umount: %s: %s", path, ts_strerror(r));
	/* -ERR_CLOSED: the server ended without flushing (its device is
	 * gone); the mount point is released all the same. */
	for (int i = 0; i < 500 && sys_svc_lookup(path, strlen(path)) == tid; i++)
		sys_sleep(10 * MS);
	if (sys_svc_lookup(path, strlen(path)) == tid)
		return sh_say(1, "umount: %s: the server is still there", path);
	sys_task_wait(tid, NULL);	/* reap it if it is the shell's child */
	if (r < 0)
		return sh_say(1, "umount: %s: unmounted, but its device was gone: unwritten data "
			      "lost", path);
	return 0;
}

static int
b_df(int argc, char **argv, FILE *out)
{
	long n;
	int st = 0;

	(void)argv;
	if (argc != 1)
		return usage(argv[0]);
	struct ts_svc_info *s = services_sorted(&n, 1);
	if (!s || sh_ipc() < 0)
		return sh_say(1, "df: %s", ts_strerror(-ERR_NOMEM));
	fprintf(out, "%-16s %10s %10s %10s %-5s %s\n", "MOUNT", "KIB", "USED", "FREE", "TYPE",
		"LABEL");
	for (long i = 0; i < n; i++) {
		struct ts_packet req = { .opcode = OP_INFO, .offset = FILE_INFO_FS }, rep;
		struct file_fsinfo fi;
		char type[8];
		dux_set_name(&req, "/", 1);
		int r = dux_call((ts_addr)s[i].tid, &req, &rep, UNMOUNT_NS);
		int ok = r >= 0 && (rep.flags & PKT_DATA_MASK) && rep.len >= sizeof(fi);
		if (ok)
			memcpy(&fi, (const void *)(uintptr_t)rep.data, sizeof(fi));
		dux_data_free(&rep);
		if (!ok) {
			st = sh_say(1, "df: %s: %s", s[i].name, ts_strerror(r < 0 ? r : -ERR_IO));
			continue;
		}
		fi.label[sizeof(fi.label) - 1] = 0;
		if (fi.fs_type)
			snprintf(type, sizeof(type), "fat%u", (unsigned)fi.fs_type % 100);
		else
			snprintf(type, sizeof(type), "-");
		fprintf(out, "%-16s %10llu %10llu %10llu %-5s %s\n", s[i].name,
			(unsigned long long)(fi.total_bytes / 1024),
			(unsigned long long)(fi.total_bytes / 1024 - fi.free_bytes / 1024),
			(unsigned long long)(fi.free_bytes / 1024), type, fi.label[0] ? fi.label : "-");
	}
	free(s);
	return st;
}

static void
sync_report(const char *mount, int err)
{
	sh_say(1, "sync: %s: %s", mount, ts_strerror(err));
}

/* OP_FLUSH to every mounted volume: what it wrote is on its device. */
int
sh_sync(void)
{
	return ts_sync_mounts(UNMOUNT_NS, sync_report) < 0 ? 1 : 0;
}

static int
b_sync(int argc, char **argv, FILE *out)
{
	(void)out;
	if (argc != 1)
		return usage(argv[0]);
	return sh_sync();
}

/* ---- Tasks and services ---- */

static const char *
state_name(uint32_t s)
{
	static const char *const names[] = { "?", "run", "ready", "sleep", "ipc", "wait",
					     "stopped", "zombie" };
	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static int
b_ps(int argc, char **argv, FILE *out)
{
	long n;
	struct ts_task_info *t;

	if (argc != 1)
		return usage(argv[0]);
	if (!(t = ts_tasks(&n)))
		return sh_fail("ps", ENOMEM);
	fprintf(out, "%6s %6s %5s %-7s %4s %9s %s\n", "TID", "PPID", "GROUP", "STATE", "HART",
		"CPU(ms)", "NAME");
	for (long i = 0; i < n; i++)
		fprintf(out, "%6lld %6lld %5lld %-7s %4u %9llu %s%s\n", (long long)t[i].tid,
			(long long)t[i].parent, (long long)t[i].group, state_name(t[i].state),
			(unsigned)t[i].hart, (unsigned long long)(t[i].cpu_ns / MS), t[i].name,
			t[i].flags & TS_TASKF_PRIV ? " *" : "");
	free(t);
	return 0;
}

/* Kill task `tid` and reap it if it is the shell's child; 0 or 1 after a
 * message naming `what`. */
static int
kill_one(const char *what, long tid)
{
	long r = sys_task_kill(tid);

	if (r < 0)
		return sh_say(1, "kill: %s: %s", what, ts_strerror((int)r));
	sys_task_wait(tid, NULL);	/* reap it if it is the shell's child */
	return 0;
}

/* Kill every live task named `name` (not the shell itself); 0, or 1 when
 * none is found or a kill fails. */
static int
kill_named(const char *name)
{
	long n, found = 0;
	int st = 0;
	struct ts_task_info *t = ts_tasks(&n);

	if (!t)
		return sh_fail("kill", ENOMEM);
	for (long i = 0; i < n; i++) {
		if (strcmp(t[i].name, name) || t[i].state == TS_TASK_ZOMBIE ||
		    t[i].tid == sys_task_self())
			continue;
		found++;
		st |= kill_one(name, t[i].tid);
	}
	free(t);
	return found ? st : sh_say(1, "kill: %s: no such task", name);
}

static int
b_kill(int argc, char **argv, FILE *out)
{
	int st = 0;

	(void)out;
	if (argc < 2)
		return usage(argv[0]);
	for (int i = 1; i < argc; i++) {
		char *end;
		long tid = strtol(argv[i], &end, 0);
		if (argv[i][0] >= 'a' && argv[i][0] <= 'z')
			st |= kill_named(argv[i]);
		else if (*end || tid <= 0)
			st = sh_say(1, "kill: %s: not a task id", argv[i]);
		else
			st |= kill_one(argv[i], tid);
	}
	return st;
}

/* sleep SECONDS (a decimal fraction is allowed: 0.25). */
static int
b_sleep(int argc, char **argv, FILE *out)
{
	(void)out;
	if (argc != 2)
		return usage(argv[0]);
	char *end;
	double s = strtod(argv[1], &end);
	if (*end || end == argv[1] || s < 0 || s > 86400)
		return sh_say(1, "sleep: %s: not a number of seconds", argv[1]);
	fflush(stdout);
	sys_sleep((uint64_t)(s * 1e9));
	return 0;
}

static int
b_services(int argc, char **argv, FILE *out)
{
	long n;
	struct ts_svc_info *s;

	if (argc != 1)
		return usage(argv[0]);
	if (!(s = services_sorted(&n, 0)))
		return sh_fail("services", ENOMEM);
	for (long i = 0; i < n; i++)
		fprintf(out, "%-24s %lld\n", s[i].name, (long long)s[i].tid);
	free(s);
	return 0;
}

static int
b_time(int argc, char **argv, FILE *out)
{
	if (argc < 2)
		return usage(argv[0]);
	long self = sys_task_self();
	uint64_t cpu = 0, t0 = ts_now();
	long own0 = sys_info(INFO_TASK_CPU_NS, self);
	int st = sh_run_argv(argc - 1, argv + 1, out, &cpu);
	uint64_t wall = ts_now() - t0;
	if (builtin_find(argv[1]))
		cpu = (uint64_t)(sys_info(INFO_TASK_CPU_NS, self) - own0);
	fflush(out);
	fprintf(stderr, "real %llu.%03llus cpu %llu.%03llus\n", (unsigned long long)(wall / 1000000000),
		(unsigned long long)(wall / MS % 1000), (unsigned long long)(cpu / 1000000000),
		(unsigned long long)(cpu / MS % 1000));
	return st;
}

/* ---- Cluster ---- */

static int
cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* `peers --echo J [N [SIZE]]`: N ECHOs of SIZE bytes to node J's
 * netproxy, one at a time; round trips, and the rate for large ones. */
static int
peers_echo(long np, int argc, char **argv, FILE *out)
{
	char *e1 = "", *e2 = "", *e3 = "";
	long node = strtol(argv[2], &e1, 10);
	long n = argc > 3 ? strtol(argv[3], &e2, 10) : 10;
	long size = argc > 4 ? strtol(argv[4], &e3, 10) : 64;
	if (*e1 || *e2 || *e3 || n < 1 || n > 1000 || size < (long)NP_ECHO_MIN ||
	    size > (long)NP_ECHO_MAX)
		return sh_say(2, "peers: --echo NODE [COUNT 1..1000 [BYTES %u..%u]]", NP_ECHO_MIN,
			      NP_ECHO_MAX);
	int *t = malloc((size_t)n * sizeof(*t));
	if (!t)
		return sh_fail("peers", ENOMEM);
	for (long i = 0; i < n; i++) {
		struct ts_packet req = { .opcode = OP_ECHO, .offset = (uint64_t)node,
					 .handle = (uint64_t)size }, rep;
		dux_set_name(&req, "echo", 4);
		int r = dux_call((ts_addr)np, &req, &rep, 60ull * 1000000000);
		if (r < 0) {
			free(t);
			return sh_say(1, "peers: echo to node %ld: %s", node, ts_strerror(r));
		}
		t[i] = r;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp_int);
	fprintf(out, "echo node %ld: %ld x %ld bytes: min %d median %d max %d us", node, n, size,
		t[0], t[n / 2], t[n - 1]);
	if (t[n / 2] > 0)
		fprintf(out, ", %lld Mbit/s", (long long)size * 8 / t[n / 2]);
	fprintf(out, "\n");
	free(t);
	return 0;
}

/* The peers of this node's netproxy (docs/netproxy.md). */
static int
b_peers(int argc, char **argv, FILE *out)
{
	static const char *const state[NP_PEER_STATE_COUNT] = {
		"new", "connecting", "handshake", "up", "down", "refused"
	};
	long np;

	if (!(argc == 1 || (argc >= 3 && argc <= 5 && !strcmp(argv[1], "--echo"))))
		return usage(argv[0]);
	if (sh_ipc() < 0 || (np = dux_lookup(NETPROXY_SERVICE)) < 0)
		return sh_say(1, "peers: no netproxy on this node");
	if (argc > 1)
		return peers_echo(np, argc, argv, out);
	struct ts_packet req = { .opcode = OP_INFO }, rep;
	dux_set_name(&req, "peers", 5);
	int r = dux_call((ts_addr)np, &req, &rep, 5ull * 1000000000);
	if (r < 0)
		return sh_say(1, "peers: %s", ts_strerror(r));
	const struct np_peer_info *p = (const void *)(uintptr_t)rep.data;
	fprintf(out, "NODE STATE         RTT_US   BYTES_IN  BYTES_OUT  FRAMES_IN FRAMES_OUT "
		     "RETRANS NAMES\n");
	for (int i = 0; i < r && (size_t)(i + 1) * sizeof(*p) <= rep.len; i++)
		fprintf(out, "%4u %-10s %9u %10llu %10llu %10llu %10llu %7llu %5u\n", p[i].node,
			p[i].state < NP_PEER_STATE_COUNT ? state[p[i].state] : "?", p[i].rtt_us,
			(unsigned long long)p[i].bytes_in, (unsigned long long)p[i].bytes_out,
			(unsigned long long)p[i].frames_in, (unsigned long long)p[i].frames_out,
			(unsigned long long)p[i].retrans, p[i].names);
	dux_data_free(&rep);
	return 0;
}

/* ---- The shell itself ---- */

static int
b_exit(int argc, char **argv, FILE *out)
{
	(void)out;
	sh.exiting = 1;
	if (argc < 2)
		return sh.status;
	char *end;
	long v = strtol(argv[1], &end, 0);
	if (*end || !argv[1][0])
		return sh_say(SH_ST_USAGE, "exit: %s: not a number", argv[1]);
	return (int)v;
}

static int
b_poweroff(int argc, char **argv, FILE *out)
{
	(void)out;
	int st = argc > 1 ? atoi(argv[1]) : 0;
	fflush(stdout);
	long r = ts_shutdown(st);	/* flushes every volume first */
	return sh_say(1, "poweroff: %s", ts_strerror((int)r));
}

static int
b_env(int argc, char **argv, FILE *out)
{
	(void)argc, (void)argv;
	for (char **e = environ; e && *e; e++)
		fprintf(out, "%s\n", *e);
	return 0;
}

static int
b_unset(int argc, char **argv, FILE *out)
{
	(void)out;
	for (int i = 1; i < argc; i++)
		unsetenv(argv[i]);
	return 0;
}

static int
b_true(int argc, char **argv, FILE *out)
{
	(void)argc, (void)argv, (void)out;
	return 0;
}

static int
b_false(int argc, char **argv, FILE *out)
{
	(void)argc, (void)argv, (void)out;
	return 1;
}

static int b_help(int argc, char **argv, FILE *out);

const struct builtin sh_builtins[] = {
	{ "help", b_help, "help" },
	{ "ls", b_ls, "ls [-l] [PATH...]" },
	{ "cat", b_cat, "cat FILE..." },
	{ "echo", b_echo, "echo [-n] [WORD...]" },
	{ "cp", b_cp, "cp SRC... DST" },
	{ "mv", b_mv, "mv SRC... DST" },
	{ "rm", b_rm, "rm FILE..." },
	{ "mkdir", b_mkdir, "mkdir DIR..." },
	{ "rmdir", b_rmdir, "rmdir DIR..." },
	{ "cd", b_cd, "cd [DIR]" },
	{ "pwd", b_pwd, "pwd" },
	{ "mount", b_mount, "mount [BLOCK-SERVICE /MOUNTPOINT]" },
	{ "umount", b_umount, "umount /MOUNTPOINT" },
	{ "df", b_df, "df" },
	{ "sync", b_sync, "sync" },
	{ "ps", b_ps, "ps" },
	{ "kill", b_kill, "kill TID|NAME..." },
	{ "sleep", b_sleep, "sleep SECONDS" },
	{ "services", b_services, "services" },
	{ "peers", b_peers, "peers [--echo NODE [COUNT [BYTES]]]" },
	{ "time", b_time, "time COMMAND [ARG...]" },
	{ "env", b_env, "env" },
	{ "unset", b_unset, "unset NAME..." },
	{ "true", b_true, "true" },
	{ "false", b_false, "false" },
	{ "exit", b_exit, "exit [STATUS]" },
	{ "poweroff", b_poweroff, "poweroff [STATUS]" },
	{ NULL, NULL, NULL },
};

static int
b_help(int argc, char **argv, FILE *out)
{
	(void)argc, (void)argv;
	fprintf(out, "Built-in commands:\n");
	for (const struct builtin *b = sh_builtins; b->name; b++)
		fprintf(out, "  %s\n", b->usage);
	fprintf(out, "Anything else runs a program: NAME from the boot image, or an ELF file "
		     "by PATH (with a '/').\n"
		     "NAME=VALUE sets an environment variable; $NAME, ${NAME} and $? expand;\n"
		     "'...' and \"...\" quote; ';' separates commands; > FILE and >> FILE "
		     "redirect standard output.\n");
	return 0;
}

const struct builtin *
builtin_find(const char *name)
{
	for (const struct builtin *b = sh_builtins; b->name; b++)
		if (!strcmp(b->name, name))
			return b;
	return NULL;
}
