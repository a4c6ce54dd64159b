/*
 * Internal interface between the parts of Tessera's libc glue (not installed
 * for programs).  errno.c: the IPC area and error mapping; path.c: current
 * directory and mount resolution; stdio.c: the console; env.c: environment.
 */
#ifndef TESSERA_LIBC_H
#define TESSERA_LIBC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <tessera/ipc.h>

#define LIBC_RING	16	/* ring entries when libc sets up the IPC area */
#define LIBC_PATH_MAX	4096	/* bytes of a normalized absolute path, NUL included */

/* Set up the task's IPC area unless the program already did; 0 or -ERR_*. */
int libc_ipc(void);
/* Request/reply with no time limit (a dead server completes with
 * -ERR_CLOSED).  Returns rep->status or -ERR_*; on return the caller owns
 * rep's data (libc_data_done). */
int libc_call(ts_addr to, const struct ts_packet *req, struct ts_packet *rep);
/* Give back the pages of a reply's data. */
void libc_data_done(const struct ts_packet *rep);
/* errno for a -ERR_* code; set errno and return -1. */
int libc_errno(long err);
int libc_fail(long err);

/* path.c: absolute, normalized path of `path` (relative to the current
 * directory, "." and ".." resolved) into out[LIBC_PATH_MAX]; 0 or -ERR_*. */
int libc_path_abs(const char *path, char *out);
/* Server of the longest mounted prefix of absolute path `abs`, and the path
 * within the volume in rest[LIBC_PATH_MAX] (NUL-terminated); tid or -ERR_*. */
long libc_resolve(const char *abs, char *rest, size_t *rest_len);
/* Put path p[0..n) into a request (proto_file.h): in `name` when it fits,
 * else as COPY data (p must then live until the call is done). */
void libc_path_set(struct ts_packet *req, const char *p, size_t n);
/* Resolve `path` and put the path within the volume into req
 * (libc_path_set; a long one points into a buffer of path.c that stays
 * valid until the next libc_path_req); server tid or -ERR_*. */
long libc_path_req(const char *path, struct ts_packet *req);
void libc_cwd_init(void);
/* Nonzero when `path` is "/" and no volume is mounted there: libc shows an
 * empty directory. */
int libc_root_virtual(const char *path);

/* fd.c: st_mode of a file protocol object (FILE_TYPE_*, FILE_ATTR_*). */
mode_t libc_mode(uint32_t type, uint32_t attr);
/* fd.c: make descriptor `to` (0..2) the open file `from` and free `from`;
 * 0 or -1. */
int libc_fd_move(int from, int to);

/* stdio.c: the standard streams. */
/* At start-up: TS_STDOUT=PATH sends stdout and descriptor 1 to that file. */
void libc_stdio_init(void);
void libc_stdio_flush(void);
/* Flush console output (not a partial log line): before spawning. */
void libc_stdio_sync(void);
ssize_t libc_stdio_write(const void *buf, size_t n);
ssize_t libc_stdio_read(void *buf, size_t n);
int libc_stdio_is_console(void);

/* env.c: environment from the argument block; `strs` are KEY=VALUE. */
void libc_env_init(char **strs, int n);

#endif
