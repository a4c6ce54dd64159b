/*
 * libc's use of IPC: the task's one IPC area (set up by libc on first need
 * unless the program did it), blocking calls, and -ERR_* -> errno.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <dux/dux.h>
#include <tessera/errors.h>
#include "libc.h"

static int libc_made_area;

int
libc_ipc(void)
{
	if (dux_hdr())
		return 0;
	int r = dux_init(LIBC_RING);
	if (r == 0)
		libc_made_area = 1;
	return r;
}

int
libc_call(ts_addr to, const struct ts_packet *req, struct ts_packet *rep)
{
	/* Whatever fails, rep carries no data: callers free it after any
	 * result (a stack garbage rep once freed the caller's own stack). */
	memset(rep, 0, offsetof(struct ts_packet, name));
	int r = libc_ipc();

	if (r < 0)
		return r;
	r = dux_call(to, req, rep, DUX_FOREVER);
	/* Error completions made by the kernel carry no data. */
	if (r < 0 && (rep->flags & PKT_KERNEL))
		rep->flags &= (uint16_t)~PKT_DATA_MASK;
	return r;
}

void
libc_data_done(const struct ts_packet *rep)
{
	dux_data_free(rep);
}

/* The closest errno of each Tessera error; a missing ERRNO_* below is a
 * compile error when errors.def grows. */
#define ERRNO_INVAL	EINVAL
#define ERRNO_FAULT	EFAULT
#define ERRNO_NOMEM	ENOMEM
#define ERRNO_PERM	EPERM
#define ERRNO_NOENT	ENOENT
#define ERRNO_EXIST	EEXIST
#define ERRNO_BUSY	EBUSY
#define ERRNO_AGAIN	EAGAIN
#define ERRNO_TIMEOUT	ETIMEDOUT
#define ERRNO_NOSYS	ENOSYS
#define ERRNO_BADEXEC	ENOEXEC
#define ERRNO_SRCH	ESRCH
#define ERRNO_CHILD	ECHILD
#define ERRNO_RANGE	ERANGE
#define ERRNO_KILLED	ECANCELED
#define ERRNO_PGFAULT	EFAULT
#define ERRNO_ILLINSN	EFAULT
#define ERRNO_BADSYS	ENOSYS
#define ERRNO_TOOBIG	E2BIG
#define ERRNO_IO	EIO
#define ERRNO_CLOSED	EPIPE
#define ERRNO_NOTSUP	ENOTSUP
#define ERRNO_MISALIGN	EFAULT
#define ERRNO_NOSPC	ENOSPC
#define ERRNO_NOTDIR	ENOTDIR
#define ERRNO_ISDIR	EISDIR
#define ERRNO_NOTEMPTY	ENOTEMPTY
#define ERRNO_NAMETOOLONG ENAMETOOLONG
#define ERRNO_ROFS	EROFS
#define ERRNO_BADF	EBADF

static const short errno_of[ERR_COUNT] = {
#define ERR(name, value, msg) [ERR_##name] = ERRNO_##name,
#include <tessera/errors.def>
#undef ERR
};

int
libc_errno(long err)
{
	if (err < 0)
		err = -err;
	if (err > 0 && err < ERR_COUNT && errno_of[err])
		return errno_of[err];
	return EIO;
}

int
libc_fail(long err)
{
	errno = libc_errno(err);
	return -1;
}
