/*
 * MiniSH (shell/, docs/shell.md) on a node: each test serves "console"
 * itself, starts `sh` with TS_STDIO=console, hands it scripted keystrokes
 * (escape sequences for the arrows, backspace, ^C, ^D) one OP_READ at a
 * time and compares everything the shell and its programs wrote with the
 * exact expected bytes: the editor's echo, prompts, command output, error
 * messages.  Files live on ramfs at /tmp.  Also sh -c, script files, and a
 * program run from an ELF file on ramfs (task_spawn_image).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <dux/dux.h>
#include "ttest.h"

#define SEC	1000000000ull
#define MS	1000000ull
#define CAP	(64 * 1024)

extern const unsigned char exitcode_elf[], exitcode_elf_end[];

static char cap[CAP + 1];	/* everything written to the console */
static size_t ncap;
static char want[CAP + 1];	/* what should have been */
static size_t nwant;

static int
ensure_ramfs(const char *mount, const char *size)
{
	if (dux_lookup(mount) >= 0)
		return 0;
	const char *av[] = { mount, size, NULL };
	if (ts_spawn_env("ramfs", av, NULL, 0, 0) < 0)
		return -1;
	for (int i = 0; i < 500; i++) {
		if (dux_lookup(mount) >= 0)
			return 0;
		sys_sleep(10 * MS);
	}
	return -1;
}

static int
setup(void)
{
	if (dux_init(32) < 0 || ensure_ramfs("/tmp", NULL) < 0 || dux_register("console") < 0)
		return -1;
	ncap = nwant = 0;
	cap[0] = want[0] = 0;
	return 0;
}

/* Serve the console for `child` (spawned stopped) until it ends; READs get
 * the next of keys[] (then ^D, at most 20 times).  Returns its status. */
static long
serve(long child, const char *const *keys)
{
	struct ts_packet *p;
	int done = 0, k = 0, eofs = 0;

	/* The watch reaches the kernel before the child runs. */
	if (dux_watch((ts_addr)child) < 0 || dux_flush() < 0 || sys_task_start(child) < 0)
		return -1000;
	while (!done) {
		if (dux_wait(60 * SEC) <= 0) {
			printf("console: timeout; got so far:\n%s\n", cap);
			sys_task_kill(child);
			return -1001;
		}
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
			if (p->opcode == OP_WRITE && (p->flags & PKT_DATA_MASK) && p->len) {
				size_t n = p->len < CAP - ncap ? p->len : CAP - ncap;
				memcpy(cap + ncap, (void *)(uintptr_t)p->data, n);
				ncap += n;
				cap[ncap] = 0;
				dux_reply_init(r, p, (int)p->len);
			} else if (p->opcode == OP_READ && p->len >= 1) {
				const char *s = keys && keys[k] ? keys[k++] : "\x04";
				if (s[0] == 0x04 && ++eofs > 20)
					s = "";
				size_t n = strlen(s) < p->len ? strlen(s) : p->len;
				dux_reply_init(r, p, n ? (int)n : -ERR_CLOSED);
				if (n) {
					r->flags |= PKT_DATA_COPY;
					r->data = (uint64_t)(uintptr_t)s;
					r->len = n;
				}
			} else {
				dux_reply_init(r, p, -ERR_NOTSUP);
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

/* Run sh with `args` (NULL-terminated, may be NULL) and keys; status. */
static long
run_sh(const char *const *args, const char *const *keys)
{
	static const char *const env[] = { "TS_STDIO=console", "PWD=/", NULL };
	long c = ts_spawn_env("sh", args, env, 0, SPAWN_STOPPED);
	if (c < 0)
		return -2000;
	return serve(c, keys);
}

static void
expect(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(want + nwant, CAP - nwant, fmt, ap);
	va_end(ap);
	if (n > 0)
		nwant += (size_t)n < CAP - nwant ? (size_t)n : CAP - nwant;
}

/* Replace "dddd-dd-dd dd:dd" by "YYYY-MM-DD hh:mm" (file times depend on
 * the time since boot). */
static void
mask_dates(char *s)
{
	static const char pat[] = "dddd-dd-dd dd:dd";
	for (; *s; s++) {
		size_t i;
		for (i = 0; pat[i] && s[i]; i++)
			if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
				break;
		if (!pat[i])
			memcpy(s, "YYYY-MM-DD hh:mm", 16);
	}
}

/* The captured bytes equal the expected ones; on a mismatch print both
 * from the first difference. */
static int
same(void)
{
	mask_dates(cap);
	if (ncap == nwant && memcmp(cap, want, ncap) == 0)
		return 1;
	size_t i = 0;
	while (i < ncap && i < nwant && cap[i] == want[i])
		i++;
	printf("transcript differs at byte %u (got %u, want %u bytes)\n", (unsigned)i,
	       (unsigned)ncap, (unsigned)nwant);
	size_t from = i > 80 ? i - 80 : 0;
	printf("---- got:\n%.*s\n---- want:\n%.*s\n----\n", (int)(ncap - from > 400 ? 400 : ncap - from),
	       cap + from, (int)(nwant - from > 400 ? 400 : nwant - from), want + from);
	return 0;
}

/* A plain typed line (no editing keys): its echo and then its output. */
#define LINE(prompt, text, out) expect("tessera:%s$ %s\n%s", prompt, text, out)

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

/* ---- The line editor through the console input path ---- */

static int
t_edit(int argc, char **argv)
{
	(void)argc, (void)argv;
	static const char *const keys[] = {
		/* echo hellx<BS>o worl<LEFT><LEFT>X<RIGHT><RIGHT>d > /tmp/f */
		"echo hellx\x7fo worl\x1b[D\x1b[DX\x1b[C\x1b[Cd > /tmp/f\r",
		"cat /tmp/f\r",
		"\x1b[A\r",		/* the cat again, from the history */
		"\x1b[A\x1b[A\x1b[B\r",	/* up, up, down: the cat once more */
		/* cxho end, home, right, delete, home, e, end: echo end */
		"cxho end\x1b[H\x1b[C\x1b[3~\x1b[He\x1b[F\r",
		NULL,
	};
	TT_EQ(setup(), 0);
	TT_EQ(run_sh(NULL, keys), 0);
	expect("tessera:/$ echo hellx\b\x1b[Ko worl\b\bXrl\x1b[2D\x1b[C\x1b[Cd > /tmp/f\n");
	expect("tessera:/$ cat /tmp/f\nhello woXrld\n");
	expect("tessera:/$ cat /tmp/f\x1b[K\nhello woXrld\n");
	expect("tessera:/$ cat /tmp/f\x1b[K\x1b[10Decho hello woXrld > /tmp/f\x1b[K"
	       "\x1b[26Dcat /tmp/f\x1b[K\nhello woXrld\n");
	expect("tessera:/$ cxho end\x1b[8D\x1b[Cho end\x1b[K\x1b[6D\be" "cho end\x1b[7D\x1b[7C\n"
	       "end\n");
	expect("tessera:/$ \n");	/* ^D */
	TT_CHECK(same());
	return 0;
}

/* ^C, type-ahead, $? of built-ins and programs, not found, arguments. */
static int
t_status(int argc, char **argv)
{
	(void)argc, (void)argv;
	static const char *const keys[] = {
		"abc\x03",
		"echo $?\r",
		"exitcode 3; echo $?; false; echo $?; true; echo $?\r",
		"echo a\recho b; nosuchprog x; echo $?\r",	/* two lines in one read */
		"exitcode 0 'a b' \"c\\\"d\" $HOME \"$NOPE\"; echo $?\r",
		"X=42; echo $X \"[$X]\" '$X'; unset X; echo [$X]\r",
		"echo 'unterminated\r",
		"echo $?; ls | wc\r",
		"exit 5\r",
		"echo never\r",
		NULL,
	};
	TT_EQ(setup(), 0);
	TT_EQ(run_sh(NULL, keys), 5);
	expect("tessera:/$ abc^C\n");
	LINE("/", "echo $?", "130\n");
	LINE("/", "exitcode 3; echo $?; false; echo $?; true; echo $?", "3\n1\n0\n");
	LINE("/", "echo a", "a\n");
	LINE("/", "echo b; nosuchprog x; echo $?", "b\nsh: nosuchprog: not found\n127\n");
	LINE("/", "exitcode 0 'a b' \"c\\\"d\" $HOME \"$NOPE\"; echo $?", "[a b]\n[c\"d]\n[]\n0\n");
	LINE("/", "X=42; echo $X \"[$X]\" '$X'; unset X; echo [$X]", "42 [42] $X\n[]\n");
	LINE("/", "echo 'unterminated", "sh: syntax error: unterminated quote\n");
	LINE("/", "echo $?; ls | wc", "sh: syntax error: '|' is not supported\n");
	LINE("/", "exit 5", "");
	TT_CHECK(same());
	return 0;
}

/* Programs from ELF files on ramfs (sys_task_spawn_image). */
static int
t_files_exec(int argc, char **argv)
{
	(void)argc, (void)argv;
	static const char *const keys[] = {
		"/tmp/bin/ec 4 x; echo $?\r",
		"cd /tmp/bin; ./ec 6 y z; echo $?\r",
		"ec; echo $?\r",			/* no '/': the boot image */
		"./bad; echo $?\r",
		"/tmp/bin/none; echo $?\r",
		"/tmp/bin; echo $?\r",
		"time ./ec 2\r",
		NULL,
	};
	TT_EQ(setup(), 0);
	mkdir("/tmp/bin", 0755);
	TT_EQ(write_file("/tmp/bin/ec", exitcode_elf, (size_t)(exitcode_elf_end - exitcode_elf)),
	      0);
	TT_EQ(write_file("/tmp/bin/bad", exitcode_elf, 300), 0);
	TT_EQ(run_sh(NULL, keys), 2);
	LINE("/", "/tmp/bin/ec 4 x; echo $?", "[x]\n4\n");
	LINE("/", "cd /tmp/bin; ./ec 6 y z; echo $?", "[y]\n[z]\n6\n");
	LINE("/tmp/bin", "ec; echo $?", "sh: ec: not found\n127\n");
	LINE("/tmp/bin", "./bad; echo $?", "sh: ./bad: not an executable\n126\n");
	LINE("/tmp/bin", "/tmp/bin/none; echo $?", "sh: /tmp/bin/none: not found\n127\n");
	expect("tessera:/tmp/bin$ /tmp/bin; echo $?\nsh: /tmp/bin: %s\n126\n", strerror(EISDIR));
	expect("tessera:/tmp/bin$ time ./ec 2\n");
	/* "real S.MMMs cpu S.MMMs": check the shape, then expect what came. */
	char *t = strstr(cap, "time ./ec 2\n");
	TT_CHECK(t != NULL);
	t += strlen("time ./ec 2\n");
	unsigned rs, rm, cs, cm;
	TT_EQ(sscanf(t, "real %u.%3us cpu %u.%3us\n", &rs, &rm, &cs, &cm), 4);
	TT_CHECK(rs * 1000 + rm < 5000 && cs * 1000 + cm <= rs * 1000 + rm + 20);
	expect("%.*s", (int)(strchr(t, '\n') + 1 - t), t);
	expect("tessera:/tmp/bin$ \n");
	TT_CHECK(same());
	return 0;
}

/* A program's output to a file: libc's TS_STDOUT, set by the shell. */
static int
t_redirect(int argc, char **argv)
{
	(void)argc, (void)argv;
	static const char *const keys[] = {
		"exitcode 0 a b > /tmp/r; exitcode 0 c >> /tmp/r; cat /tmp/r\r",
		"exitcode 3 x > /tmp/r; echo $?; cat /tmp/r\r",
		"/tmp/rbin/ec 0 from-file >> /tmp/r; cd /tmp; exitcode 0 rel > r2; cat /tmp/r r2\r",
		"nosuch > /tmp/r3; echo $?; ls -l /tmp/r3\r",
		"exitcode 0 y > /nowhere/f; echo $?\r",
		"time exitcode 4 t > /tmp/r4\r",
		"cat /tmp/r4; env > /tmp/r5; exitcode 0 z; ls /tmp/r5\r",
		NULL,
	};
	TT_EQ(setup(), 0);
	mkdir("/tmp/rbin", 0755);
	TT_EQ(write_file("/tmp/rbin/ec", exitcode_elf, (size_t)(exitcode_elf_end - exitcode_elf)),
	      0);
	TT_EQ(run_sh(NULL, keys), 0);
	LINE("/", "exitcode 0 a b > /tmp/r; exitcode 0 c >> /tmp/r; cat /tmp/r", "[a]\n[b]\n[c]\n");
	LINE("/", "exitcode 3 x > /tmp/r; echo $?; cat /tmp/r", "3\n[x]\n");
	LINE("/", "/tmp/rbin/ec 0 from-file >> /tmp/r; cd /tmp; exitcode 0 rel > r2; cat /tmp/r r2",
	     "[x]\n[from-file]\n[rel]\n");
	LINE("/tmp", "nosuch > /tmp/r3; echo $?; ls -l /tmp/r3",
	     "sh: nosuch: not found\n127\n-          0 YYYY-MM-DD hh:mm /tmp/r3\n");
	expect("tessera:/tmp$ exitcode 0 y > /nowhere/f; echo $?\nsh: /nowhere/f: %s\n1\n",
	       strerror(ENOENT));
	expect("tessera:/tmp$ time exitcode 4 t > /tmp/r4\n");
	char *t = strstr(cap, "time exitcode 4 t > /tmp/r4\n");
	TT_CHECK(t != NULL);
	t += strlen("time exitcode 4 t > /tmp/r4\n");
	TT_CHECK(strncmp(t, "real ", 5) == 0 && strchr(t, '\n'));
	expect("%.*s", (int)(strchr(t, '\n') + 1 - t), t);
	/* TS_STDOUT is the child's only: the shell's environment is back. */
	LINE("/tmp", "cat /tmp/r4; env > /tmp/r5; exitcode 0 z; ls /tmp/r5", "[t]\n[z]\n/tmp/r5\n");
	expect("tessera:/tmp$ \n");
	TT_CHECK(same());
	char env[512];
	int fd = open("/tmp/r5", O_RDONLY);
	TT_CHECK(fd >= 0);
	ssize_t n = read(fd, env, sizeof(env) - 1);
	close(fd);
	TT_CHECK(n > 0);
	env[n] = 0;
	TT_CHECK(strstr(env, "TS_STDIO=console\n") && !strstr(env, "TS_STDOUT"));
	return 0;
}

/* mkdir, redirection, ls -l, mv, cp, rm, rmdir, cd/pwd on ramfs. */
static int
t_files(int argc, char **argv)
{
	(void)argc, (void)argv;
	static const char *const keys[] = {
		"mkdir /tmp/d; echo abc > /tmp/d/f; echo de >> /tmp/d/f; cat /tmp/d/f\r",
		"ls -l /tmp/d\r",
		"mkdir /tmp/d/sub; mv /tmp/d/f /tmp/d/sub; ls /tmp/d /tmp/d/sub\r",
		"mv /tmp/d/sub/f /tmp/d/g; cp /tmp/d/g /tmp/d/h; ls -l /tmp/d > /tmp/d/list\r",
		"cat /tmp/d/list; rmdir /tmp/d; echo $?\r",
		"rm /tmp/d/g /tmp/d/h /tmp/d/list; rmdir /tmp/d/sub /tmp/d; ls /tmp/d\r",
		"cat /tmp/nope; echo $?; mkdir /tmp; rm /tmp/zz\r",
		"cd /tmp; pwd; mkdir e; cd e; pwd; cd ..; rmdir e; echo ok\r",
		"ls /; cd /; ls; > /tmp/empty; ls -l /tmp/empty\r",
		"echo x > /nowhere/f; echo $?\r",
		NULL,
	};
	TT_EQ(setup(), 0);
	TT_EQ(run_sh(NULL, keys), 0);
	LINE("/", "mkdir /tmp/d; echo abc > /tmp/d/f; echo de >> /tmp/d/f; cat /tmp/d/f",
	     "abc\nde\n");
	LINE("/", "ls -l /tmp/d", "-          7 YYYY-MM-DD hh:mm f\n");
	LINE("/", "mkdir /tmp/d/sub; mv /tmp/d/f /tmp/d/sub; ls /tmp/d /tmp/d/sub",
	     "/tmp/d:\nsub\n\n/tmp/d/sub:\nf\n");
	LINE("/", "mv /tmp/d/sub/f /tmp/d/g; cp /tmp/d/g /tmp/d/h; ls -l /tmp/d > /tmp/d/list", "");
	expect("tessera:/$ cat /tmp/d/list; rmdir /tmp/d; echo $?\n"
	       "-          7 YYYY-MM-DD hh:mm g\n"
	       "-          7 YYYY-MM-DD hh:mm h\n"
	       "-          0 YYYY-MM-DD hh:mm list\n"
	       "d          0 YYYY-MM-DD hh:mm sub\n"
	       "sh: /tmp/d: %s\n1\n", strerror(ENOTEMPTY));
	expect("tessera:/$ rm /tmp/d/g /tmp/d/h /tmp/d/list; rmdir /tmp/d/sub /tmp/d; ls /tmp/d\n"
	       "sh: /tmp/d: %s\n", strerror(ENOENT));
	expect("tessera:/$ cat /tmp/nope; echo $?; mkdir /tmp; rm /tmp/zz\n"
	       "sh: /tmp/nope: %s\n1\nsh: /tmp: %s\nsh: /tmp/zz: %s\n", strerror(ENOENT),
	       strerror(EEXIST), strerror(ENOENT));
	LINE("/", "cd /tmp; pwd; mkdir e; cd e; pwd; cd ..; rmdir e; echo ok", "/tmp\n/tmp/e\nok\n");
	LINE("/tmp", "ls /; cd /; ls; > /tmp/empty; ls -l /tmp/empty",
	     "tmp\ntmp\n-          0 YYYY-MM-DD hh:mm /tmp/empty\n");
	expect("tessera:/$ echo x > /nowhere/f; echo $?\nsh: /nowhere/f: %s\n1\n", strerror(ENOENT));
	expect("tessera:/$ \n");
	TT_CHECK(same());
	return 0;
}

/* Expect df's line of /tmp (ramfs, 32 MiB), found after `from` in the
 * capture: its used/free figures depend on the other tests, so they are read
 * and checked (used + free = 32768 KiB), and the line is rebuilt from them.
 * Returns 0, or 1 with a message when the line is missing or wrong. */
static int
expect_df_tmp(const char *from)
{
	const char *l = from ? strstr(from, "\n/tmp ") : NULL;
	unsigned long long used, fre;

	TT_CHECK(l != NULL);
	TT_EQ(sscanf(l + 6, " 32768 %llu %llu", &used, &fre), 2);
	TT_EQ(used + fre, 32768);
	expect("%-16s %10u %10llu %10llu %-5s %s\n", "/tmp", 32768u, used, fre, "-", "ramfs");
	return 0;
}

/* ps, services, mount, df, umount, kill, poweroff refused. */
static int
t_system(int argc, char **argv)
{
	(void)argc, (void)argv;
	static const char *const keys[] = {
		"services\r",
		"mount\r",
		"df\r",
		"sync; echo $?\r",
		"umount /df; mount; umount /df; echo $?\r",
		"mount blkX /x; mount blkX tmp; mount console /tmp\r",
		"kill 999999; kill abc; kill 12x; echo $?\r",
		"poweroff\r",
		"ps\r",
		NULL,
	};
	TT_EQ(setup(), 0);
	const char *av[] = { "/df", "size=1048576", NULL };
	long df = ts_spawn_env("ramfs", av, NULL, 0, 0);
	TT_CHECK(df > 0);
	for (int i = 0; i < 500 && dux_lookup("/df") < 0; i++)
		sys_sleep(10 * MS);
	long tmp = dux_lookup("/tmp"), self = sys_task_self();
	TT_CHECK(tmp > 0 && dux_lookup("/df") == df);
	TT_EQ(run_sh(NULL, keys), 0);
	LINE("/", "services", "");
	expect("%-24s %ld\n%-24s %ld\n%-24s %ld\n", "/df", df, "/tmp", tmp, "console", self);
	LINE("/", "mount", "");
	expect("/df on ramfs (tid %ld)\n/tmp on ramfs (tid %ld)\n", df, tmp);
	LINE("/", "df", "");
	expect("%-16s %10s %10s %10s %-5s %s\n", "MOUNT", "KIB", "USED", "FREE", "TYPE", "LABEL");
	expect("%-16s %10u %10u %10u %-5s %s\n", "/df", 1024u, 0u, 1024u, "-", "ramfs");
	TT_EQ(expect_df_tmp(strstr(cap, "LABEL\n")), 0);
	LINE("/", "sync; echo $?", "0\n");
	LINE("/", "umount /df; mount; umount /df; echo $?", "");
	expect("/tmp on ramfs (tid %ld)\nsh: umount: /df: not mounted\n1\n", tmp);
	LINE("/", "mount blkX /x; mount blkX tmp; mount console /tmp",
	     "sh: mount: blkX: no such block service\n"
	     "sh: mount: tmp: a mount point is /NAME (2..63 bytes)\n"
	     "sh: mount: /tmp: already mounted\n");
	expect("tessera:/$ kill 999999; kill abc; kill 12x; echo $?\nsh: kill: 999999: %s\n"
	       "sh: kill: abc: no such task\nsh: kill: 12x: not a task id\n1\n",
	       ts_strerror(-ERR_SRCH));
	expect("tessera:/$ poweroff\nsh: poweroff: %s\n", ts_strerror(-ERR_PERM));
	LINE("/", "ps", "");
	/* ps: the header, then one line per task; check the shell's and
	 * ramfs's, then take the rest as it came. */
	char *p = strstr(cap, "tessera:/$ ps\n");
	TT_CHECK(p != NULL);
	p += strlen("tessera:/$ ps\n");
	static const char hdr[] = "   TID   PPID GROUP STATE   HART   CPU(ms) NAME\n";
	TT_CHECK(strncmp(p, hdr, strlen(hdr)) == 0);
	int sh_seen = 0, ramfs_seen = 0, me_seen = 0;
	for (char *q = p + strlen(hdr); *q && strncmp(q, "tessera:", 8); q = strchr(q, '\n') + 1) {
		long long tid, ppid, grp;
		char state[16], name[40];
		unsigned hart;
		unsigned long long ms;
		TT_EQ(sscanf(q, "%lld %lld %lld %15s %u %llu %39s", &tid, &ppid, &grp, state, &hart,
			     &ms, name), 7);
		TT_CHECK(strchr(q, '\n') != NULL);
		if (!strcmp(name, "sh"))
			sh_seen = !strcmp(state, "run") && ppid == self;
		/* ramfs and this test wait for IPC most of the time, but on two
		 * harts either may be caught running or ready. */
		else if (tid == tmp)
			ramfs_seen = !strcmp(name, "ramfs") && strcmp(state, "zombie");
		else if (tid == self)	/* privileged: marked with '*' */
			me_seen = strcmp(state, "zombie") && !strcmp(name, "test_shell") &&
				  !strncmp(strchr(q, '\n') - 2, " *", 2);
	}
	TT_CHECK(sh_seen && ramfs_seen && me_seen);
	expect("%s", p);
	TT_CHECK(same());
	int st;
	TT_EQ(sys_task_wait(df, &st), 0);	/* ramfs /df ended at umount */
	TT_EQ(st, 0);
	return 0;
}

/* sh -c and script files (the interface `cluster/launch --exec` uses). */
static int
t_script(int argc, char **argv)
{
	(void)argc, (void)argv;
	TT_EQ(setup(), 0);
	mkdir("/tmp/s", 0755);
	const char *c1[] = { "-c",
			     "echo one > /tmp/s/f; echo two >> /tmp/s/f;cat /tmp/s/f ; exitcode 7", NULL };
	TT_EQ(run_sh(c1, NULL), 7);
	expect("one\ntwo\n");
	TT_CHECK(same());

	ncap = nwant = 0;
	const char *c2[] = { "-c", "echo \"x", NULL };
	TT_EQ(run_sh(c2, NULL), 2);
	expect("sh: syntax error: unterminated quote\n");
	TT_CHECK(same());

	ncap = nwant = 0;
	const char *c3[] = { "-c", "cd /tmp/s; pwd; exit 3; echo no", NULL };
	TT_EQ(run_sh(c3, NULL), 3);
	expect("/tmp/s\n");
	TT_CHECK(same());

	ncap = nwant = 0;
	static const char script[] = "# a script\n"
				     "echo a   # a comment\n"
				     "X='multi\nline'; echo \"$X\"\n"
				     "\n"
				     "nosuch; echo $?\n"
				     "exitcode 9\n";
	TT_EQ(write_file("/tmp/s/script", script, sizeof(script) - 1), 0);
	const char *c4[] = { "/tmp/s/script", NULL };
	TT_EQ(run_sh(c4, NULL), 9);
	expect("a\nmulti\nline\nsh: nosuch: not found\n127\n");
	TT_CHECK(same());

	ncap = nwant = 0;
	TT_EQ(write_file("/tmp/s/bad", "echo ok\necho 'x\n", 16), 0);
	const char *c5[] = { "/tmp/s/bad", NULL };
	TT_EQ(run_sh(c5, NULL), 2);
	expect("sh: /tmp/s/bad: syntax error: unterminated quote\n");
	TT_CHECK(same());

	ncap = nwant = 0;
	const char *c6[] = { "/tmp/s/missing", NULL };
	TT_EQ(run_sh(c6, NULL), 127);
	expect("sh: /tmp/s/missing: %s\n", strerror(ENOENT));
	TT_CHECK(same());

	/* time: 30 short programs in a row (each watched before it starts). */
	ncap = nwant = 0;
	static char many[30 * 20];
	many[0] = 0;
	for (int i = 0; i < 30; i++)
		strcat(many, "time exitcode 1; ");
	const char *c8[] = { "-c", many, NULL };
	TT_EQ(run_sh(c8, NULL), 1);
	int lines = 0;
	for (char *q = cap; (q = strstr(q, "real ")); q++)
		lines++;
	TT_EQ(lines, 30);

	/* Without TS_STDIO=console: the kernel log. */
	const char *c7[] = { "-c", "echo shell-log-check $?", NULL };
	TT_EQ(ts_run("sh", c7, 0, 0), 0);
	return 0;
}

/* mount/umount of a FAT disk (node test shell_fat: ARGS disk), df, and a
 * program run from the disk. */
static int
t_mount(int argc, char **argv)
{
	static const char *const keys[] = {
		"mount blk0 /d; mount\r",
		"mkdir /d/dir; echo hi > /d/dir/f.txt; ls -l /d/dir; cat /d/dir/f.txt\r",
		"cp /tmp/m/ec /d/ec; /d/ec 8 z; echo $?\r",
		"df\r",
		"umount /d; mount; ls /d\r",
		"mount blk0 /d; cat /d/dir/f.txt; ls /; umount /d\r",
		NULL,
	};
	if (argc < 2 || strcmp(argv[1], "disk")) {
		printf("shell: mount test skipped (no disk)\n");
		return 0;
	}
	TT_EQ(setup(), 0);
	mkdir("/tmp/m", 0755);
	TT_EQ(write_file("/tmp/m/ec", exitcode_elf, (size_t)(exitcode_elf_end - exitcode_elf)),
	      0);
	TT_CHECK(ts_spawn("pci", NULL, 0, SPAWN_PRIV) > 0);
	for (int i = 0; i < 2000 && dux_lookup("blk0") < 0; i++)
		sys_sleep(10 * MS);
	TT_CHECK(dux_lookup("blk0") > 0);
	long tmp = dux_lookup("/tmp");
	TT_EQ(run_sh(NULL, keys), 0);
	/* The fat server's tid: from the mount listing. */
	char *m = strstr(cap, "/d on fat (tid ");
	TT_CHECK(m != NULL);
	long fat = strtol(m + strlen("/d on fat (tid "), NULL, 10);
	TT_CHECK(fat > 0);
	LINE("/", "mount blk0 /d; mount", "");
	expect("/d on fat (tid %ld)\n/tmp on ramfs (tid %ld)\n", fat, tmp);
	LINE("/", "mkdir /d/dir; echo hi > /d/dir/f.txt; ls -l /d/dir; cat /d/dir/f.txt",
	     "-          3 YYYY-MM-DD hh:mm f.txt\nhi\n");
	LINE("/", "cp /tmp/m/ec /d/ec; /d/ec 8 z; echo $?", "[z]\n8\n");
	LINE("/", "df", "");
	/* The sizes depend on mkfs.fat: range checks, then the lines rebuilt
	 * from the figures with the label of the image (mkfs.fat -n). */
	char *h = strstr(cap, "tessera:/$ df\n");
	TT_CHECK(h != NULL);
	unsigned long long f[3];
	char type[16];
	char *l = strstr(h, "\n/d ");
	TT_CHECK(l != NULL);
	TT_EQ(sscanf(l + 4, "%llu %llu %llu %15s", &f[0], &f[1], &f[2], type), 4);
	TT_CHECK(f[0] > 7000 && f[0] < 8192 && f[1] + f[2] == f[0] && f[1] > 0);
	TT_CHECK(!strcmp(type, "fat12") || !strcmp(type, "fat16"));
	expect("%-16s %10s %10s %10s %-5s %s\n", "MOUNT", "KIB", "USED", "FREE", "TYPE", "LABEL");
	expect("%-16s %10llu %10llu %10llu %-5s %s\n", "/d", f[0], f[1], f[2], type, "SHELLDISK");
	TT_EQ(expect_df_tmp(h), 0);
	expect("tessera:/$ umount /d; mount; ls /d\n/tmp on ramfs (tid %ld)\nsh: /d: %s\n", tmp,
	       strerror(ENOENT));
	LINE("/", "mount blk0 /d; cat /d/dir/f.txt; ls /; umount /d", "hi\nd\ntmp\n");
	expect("tessera:/$ \n");
	TT_CHECK(same());
	return 0;
}

static const struct ttest tests[] = {
	{ "edit", t_edit },
	{ "status", t_status },
	{ "files_exec", t_files_exec },
	{ "files", t_files },
	{ "redirect", t_redirect },
	{ "system", t_system },
	{ "script", t_script },
	{ "mount", t_mount },
};

TT_MAIN(tests)
