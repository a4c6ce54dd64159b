/*
 * The standard streams.  stdin, stdout and stderr (and descriptors 0, 1, 2)
 * go to the service named "console" (<tessera/proto_console.h>) when it
 * exists, otherwise stdout and stderr go to the kernel log (sys_log, one
 * call per line: the kernel prefixes the task name) and stdin is at its end.
 *
 * Which one is decided once, at the first use: the console only when the
 * environment says TS_STDIO=console and a "console" service other than the
 * caller exists; otherwise the kernel log.  init starts the shell with
 * TS_STDIO=console and children inherit the environment, so programs run
 * from the shell write to the console, while servers and drivers (started
 * with an empty environment) keep their diagnostics on the log: a driver
 * under the console writing to it could deadlock, and a server must be
 * free to set up its own IPC area after its first printf.
 * TS_STDOUT=PATH in the environment (the shell's `prog > file`) sends stdout
 * and descriptor 1 to that file instead, opened for appending at start-up
 * (the shell created or emptied it); stderr stays where it was.
 * Console output is line buffered: sent as one OP_WRITE (COPY) at '\n', when
 * the buffer is full, on fflush, before a read from stdin, and at exit;
 * "\n" goes as it is.  If the console server ends (a request fails with
 * -ERR_CLOSED or -ERR_SRCH), the service is looked up again, waiting up
 * to REOPEN_NS for init to restart it, and the request is sent again: a
 * program, and the shell, outlive a console restart.  If it does not come
 * back, output falls back to the log for the rest of the program and
 * input is at its end.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dux/dux.h>
#include <tessera/errors.h>
#include <tessera/proto_console.h>
#include <tessera/user.h>
#include "libc.h"

#define CONSOLE_SERVICE	"console"
#define LOG_LINE	256	/* kernel log: bytes per call at most */
#define CON_OUT		1024	/* console: bytes buffered before a WRITE */
#define CON_IN		256	/* console: bytes asked per READ */
#define CTRL_D		0x04	/* at the start of a read: end of input */
#define REOPEN_NS	(3000ull * 1000000)	/* a lost console is waited for */
#define REOPEN_POLL_NS	(10ull * 1000000)

enum mode { MODE_UNDECIDED, MODE_LOG, MODE_CONSOLE };

static enum mode mode;
static ts_addr console;
static char out[CON_OUT];
static size_t out_len;
static char in[CON_IN];
static size_t in_pos, in_len;
static int out_file;		/* TS_STDOUT: stdout is descriptor 1, a file */
static char fout[CON_OUT];	/* its buffer */
static size_t fout_len;

void
libc_stdio_init(void)
{
	const char *path = getenv("TS_STDOUT");

	if (!path || !*path)
		return;
	int fd = open(path, O_WRONLY | O_APPEND);
	if (fd < 0)
		return;		/* stdout stays on the console or the log */
	if (libc_fd_move(fd, 1) < 0) {
		close(fd);
		return;
	}
	out_file = 1;
}

/* Write stdout's file buffer to descriptor 1 (write(1) calls back here
 * first, which then finds the buffer empty). */
static void
file_flush(void)
{
	size_t n = fout_len, done = 0;

	fout_len = 0;
	while (done < n) {
		ssize_t w = write(1, fout + done, n - done);
		if (w <= 0)
			break;
		done += (size_t)w;
	}
}

static void
decide(void)
{
	if (mode != MODE_UNDECIDED)
		return;
	mode = MODE_LOG;
	const char *pref = getenv("TS_STDIO");
	if (!pref || strcmp(pref, "console"))
		return;
	long tid = sys_svc_lookup(CONSOLE_SERVICE, strlen(CONSOLE_SERVICE));
	if (tid < 0 || tid == sys_task_self())
		return;
	if (libc_ipc() < 0)
		return;
	console = (ts_addr)tid;
	mode = MODE_CONSOLE;
}

int
libc_stdio_is_console(void)
{
	decide();
	return mode == MODE_CONSOLE;
}

/* A request to the console failed with `err`: if its server ended, find
 * the service again (a new task), waiting up to REOPEN_NS.  1 when the
 * request may be sent again, else 0. */
static int
console_reopen(int err)
{
	if (err != -ERR_CLOSED && err != -ERR_SRCH)
		return 0;
	for (uint64_t end = ts_now() + REOPEN_NS;; sys_sleep(REOPEN_POLL_NS)) {
		long tid = sys_svc_lookup(CONSOLE_SERVICE, strlen(CONSOLE_SERVICE));
		if (tid >= 0 && (ts_addr)tid != console && tid != sys_task_self()) {
			console = (ts_addr)tid;
			return 1;
		}
		if (ts_now() >= end)
			return 0;
	}
}

/* Send [p, p+n) to the console; 0, or -ERR_* (then the log takes over). */
static int
console_send(const char *p, size_t n)
{
	while (n) {
		size_t chunk = n > CONSOLE_WRITE_MAX ? CONSOLE_WRITE_MAX : n;
		struct ts_packet req = { .opcode = OP_WRITE, .flags = PKT_DATA_COPY,
					 .data = (uint64_t)(uintptr_t)p, .len = chunk }, rep;
		int r = libc_call(console, &req, &rep);
		libc_data_done(&rep);
		if (r <= 0 || (size_t)r > chunk)
			return r < 0 ? r : -ERR_IO;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* The log takes a line without its '\n'; longer text goes in pieces. */
static void
log_send(const char *p, size_t n)
{
	while (n) {
		size_t chunk = n > LOG_LINE ? LOG_LINE : n;
		sys_log(p, chunk);
		p += chunk;
		n -= chunk;
	}
}

void
libc_stdio_flush(void)
{
	file_flush();
	if (!out_len)
		return;
	int r = mode == MODE_CONSOLE ? console_send(out, out_len) : 0;
	if (r < 0 && console_reopen(r))
		r = console_send(out, out_len);
	if (r < 0) {
		mode = MODE_LOG;
		if (out[out_len - 1] == '\n')
			out_len--;
		log_send(out, out_len);
	} else if (mode != MODE_CONSOLE) {
		log_send(out, out_len);
	}
	out_len = 0;
}

void
libc_stdio_sync(void)
{
	file_flush();
	if (mode == MODE_CONSOLE)
		libc_stdio_flush();
}

static void
put_byte(char c)
{
	decide();
	if (mode == MODE_CONSOLE) {
		out[out_len++] = c;
		if (c == '\n' || out_len == sizeof(out))
			libc_stdio_flush();
		return;
	}
	if (c == '\n') {
		libc_stdio_flush();
		return;
	}
	if (out_len == LOG_LINE)
		libc_stdio_flush();
	out[out_len++] = c;
}

static int
out_putc(char c, FILE *f)
{
	(void)f;
	put_byte(c);
	return (unsigned char)c;
}

/* stdout: the file of TS_STDOUT, else the stream it shares with stderr. */
static int
stdout_putc(char c, FILE *f)
{
	if (!out_file)
		return out_putc(c, f);
	fout[fout_len++] = c;
	if (fout_len == sizeof(fout))
		file_flush();
	return (unsigned char)c;
}

static int
out_flush(FILE *f)
{
	(void)f;
	libc_stdio_flush();
	return 0;
}

ssize_t
libc_stdio_write(const void *buf, size_t n)
{
	const char *p = buf;

	for (size_t i = 0; i < n; i++)
		put_byte(p[i]);
	if (mode == MODE_CONSOLE)
		libc_stdio_flush();
	return (ssize_t)n;
}

/* Up to n bytes from the console into buf: 0 at end of input (no console,
 * ^D, or the console failed). */
static ssize_t
console_read(char *buf, size_t n)
{
	decide();
	if (mode != MODE_CONSOLE)
		return 0;
	libc_stdio_flush();
	if (n > CONSOLE_READ_MAX)
		n = CONSOLE_READ_MAX;
	struct ts_packet req = { .opcode = OP_READ, .len = n }, rep;
	int r = libc_call(console, &req, &rep);
	if (r < 0 && console_reopen(r))
		r = libc_call(console, &req, &rep);
	if (r > 0 && ((size_t)r > n || rep.len < (size_t)r))
		r = -ERR_IO;
	if (r > 0)
		memcpy(buf, (const void *)(uintptr_t)rep.data, (size_t)r);
	libc_data_done(&rep);
	if (r < 0)
		return libc_fail(r);
	if (r > 0 && buf[0] == CTRL_D)
		return 0;
	return r;
}

ssize_t
libc_stdio_read(void *buf, size_t n)
{
	if (n == 0)
		return 0;
	if (in_pos < in_len) {
		size_t k = in_len - in_pos < n ? in_len - in_pos : n;
		memcpy(buf, in + in_pos, k);
		in_pos += k;
		return (ssize_t)k;
	}
	return console_read(buf, n);
}

static int
in_getc(FILE *f)
{
	(void)f;
	if (in_pos == in_len) {
		ssize_t r = console_read(in, sizeof(in));
		if (r <= 0)
			return r < 0 ? _FDEV_ERR : _FDEV_EOF;
		in_pos = 0;
		in_len = (size_t)r;
	}
	return (unsigned char)in[in_pos++];
}

static FILE ts_out = FDEV_SETUP_STREAM(out_putc, NULL, out_flush, _FDEV_SETUP_WRITE);
static FILE ts_stdout = FDEV_SETUP_STREAM(stdout_putc, NULL, out_flush, _FDEV_SETUP_WRITE);
static FILE ts_in = FDEV_SETUP_STREAM(NULL, in_getc, NULL, _FDEV_SETUP_READ);
FILE *const stdin = &ts_in;
FILE *const stdout = &ts_stdout;
FILE *const stderr = &ts_out;
