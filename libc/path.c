/*
 * Paths: the current directory (libc-level, inherited through PWD),
 * normalization ("." and ".." resolved here; the file protocol refuses
 * them), and mount resolution: the longest prefix of an absolute path that
 * is a registered service name ("/disk/a/b" -> "/disk/a/b", "/disk/a",
 * "/disk", then "/") is the server, the rest ("/a/b", or "/") goes in the
 * request's name.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dux/dux.h>
#include <tessera/errors.h>
#include <tessera/proto_file.h>
#include "libc.h"

#define SVC_NAME_MAX 63		/* bytes of a registry name */

static char cwd[LIBC_PATH_MAX] = "/";

void
libc_cwd_init(void)
{
	const char *pwd = getenv("PWD");
	char abs[LIBC_PATH_MAX];

	if (pwd && pwd[0] == '/' && libc_path_abs(pwd, abs) == 0)
		strcpy(cwd, abs);
}

/* Append component [c, c+n) to out (length *len), or drop the last one for
 * "..".  0 or -ERR_*. */
static int
push_component(char *out, size_t *len, const char *c, size_t n)
{
	if (n == 0 || (n == 1 && c[0] == '.'))
		return 0;
	if (n == 2 && c[0] == '.' && c[1] == '.') {
		while (*len > 0 && out[*len - 1] != '/')
			(*len)--;
		if (*len > 0)
			(*len)--;	/* the '/' before it */
		return 0;
	}
	if (n > FILE_NAME_MAX)
		return -ERR_NAMETOOLONG;
	if (*len + 1 + n >= LIBC_PATH_MAX)
		return -ERR_NAMETOOLONG;
	out[(*len)++] = '/';
	memcpy(out + *len, c, n);
	*len += n;
	return 0;
}

static int
push_path(char *out, size_t *len, const char *p)
{
	while (*p) {
		while (*p == '/')
			p++;
		const char *c = p;
		while (*p && *p != '/')
			p++;
		int r = push_component(out, len, c, (size_t)(p - c));
		if (r < 0)
			return r;
	}
	return 0;
}

int
libc_path_abs(const char *path, char *out)
{
	size_t len = 0;
	int r;

	if (!path)
		return -ERR_FAULT;
	if (!path[0])
		return -ERR_NOENT;
	if (path[0] != '/' && (r = push_path(out, &len, cwd)) < 0)
		return r;
	if ((r = push_path(out, &len, path)) < 0)
		return r;
	if (len == 0)
		out[len++] = '/';
	out[len] = 0;
	return 0;
}

long
libc_resolve(const char *abs, char *rest, size_t *rest_len)
{
	size_t n = strlen(abs);

	/* Candidates end at the end of the path or before a '/'. */
	for (size_t end = n; end > 0; end--) {
		if (end < n && abs[end] != '/')
			continue;
		if (end > SVC_NAME_MAX)
			continue;
		long tid = sys_svc_lookup(abs, end);
		if (tid < 0)
			continue;
		size_t rl = n - end;
		if (rl == 0) {
			rest[0] = '/';
			rl = 1;
		} else {
			memcpy(rest, abs + end, rl);
		}
		rest[rl] = 0;
		*rest_len = rl;
		return tid;
	}
	long tid = sys_svc_lookup("/", 1);
	if (tid < 0)
		return -ERR_NOENT;
	memcpy(rest, abs, n + 1);
	*rest_len = n;
	return tid;
}

void
libc_path_set(struct ts_packet *req, const char *p, size_t n)
{
	if (n <= IPC_NAME_MAX) {
		dux_set_name(req, p, n);
		return;
	}
	req->name_len = 0;
	req->flags = (uint16_t)((req->flags & ~PKT_DATA_MASK) | PKT_DATA_COPY);
	req->data = (uint64_t)(uintptr_t)p;
	req->len = n;
}

long
libc_path_req(const char *path, struct ts_packet *req)
{
	static char rest[LIBC_PATH_MAX];
	char abs[LIBC_PATH_MAX];
	size_t rl;
	int r;

	if ((r = libc_path_abs(path, abs)) < 0)
		return r;
	long tid = libc_resolve(abs, rest, &rl);
	if (tid < 0)
		return tid;
	libc_path_set(req, rest, rl);
	return tid;
}

int
libc_root_virtual(const char *path)
{
	char abs[LIBC_PATH_MAX];

	return libc_path_abs(path, abs) == 0 && !strcmp(abs, "/") && sys_svc_lookup("/", 1) < 0;
}

char *
getcwd(char *buf, size_t size)
{
	size_t n = strlen(cwd) + 1;

	if (!buf) {
		if (size == 0)
			size = n;
		if (!(buf = malloc(size))) {
			errno = ENOMEM;
			return NULL;
		}
	}
	if (size == 0) {
		errno = EINVAL;
		return NULL;
	}
	if (n > size) {
		errno = ERANGE;
		return NULL;
	}
	memcpy(buf, cwd, n);
	return buf;
}

int
chdir(const char *path)
{
	char abs[LIBC_PATH_MAX];
	struct ts_packet req = { .opcode = OP_INFO }, rep;
	struct file_stat st;
	int r;

	if ((r = libc_path_abs(path, abs)) < 0)
		return libc_fail(r);
	if (libc_root_virtual(abs)) {
		strcpy(cwd, abs);
		setenv("PWD", cwd, 1);
		return 0;
	}
	long tid = libc_path_req(abs, &req);
	if (tid < 0)
		return libc_fail(tid);
	r = libc_call((ts_addr)tid, &req, &rep);
	if (r >= 0 && rep.len < sizeof(st))
		r = -ERR_IO;
	if (r >= 0)
		memcpy(&st, (const void *)(uintptr_t)rep.data, sizeof(st));
	libc_data_done(&rep);
	if (r < 0)
		return libc_fail(r);
	if (st.type != FILE_TYPE_DIR)
		return libc_fail(-ERR_NOTDIR);
	strcpy(cwd, abs);
	setenv("PWD", cwd, 1);
	return 0;
}
