/*
 * libFuzzer: MiniSH's parser and line editor on hostile input.  Byte 0
 * picks the mode: even = the rest is a command line (parsed command by
 * command with a lookup that returns long values, checked against the
 * limits); odd = the rest is keystrokes for the line editor (its line,
 * cursor and output sizes checked after every byte).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <shell/ledit.h>
#include <shell/parse.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *
lookup(void *ctx, const char *name, size_t n)
{
	static char big[3000];
	(void)ctx;
	if (!big[0])
		memset(big, 'v', sizeof(big) - 1);
	if (n == 1 && name[0] == '?')
		return "127";
	if (n > 0 && name[0] == 'B')
		return big;
	return n % 2 ? "x y" : NULL;
}

static void
parse_line(const uint8_t *data, size_t size)
{
	static struct sh_cmd c;
	char *line = malloc(size + 1);
	size_t pos = 0, len;
	const char *err;
	int r;

	if (!line)
		return;
	memcpy(line, data, size);
	line[size] = 0;
	len = strlen(line);
	int checked = sh_check(line, &err);
	int failed = 0;
	while ((r = sh_parse_next(line, &pos, &c, lookup, NULL, &err)) > 0) {
		if (pos > len || c.argc < 0 || (unsigned)c.argc > SH_ARGS_MAX ||
		    c.argv[c.argc] != NULL)
			abort();
		for (int i = 0; i < c.argc; i++)
			if (c.argv[i] < c.text || c.argv[i] >= c.text + SH_TEXT_MAX ||
			    strnlen(c.argv[i], (size_t)(c.text + SH_TEXT_MAX - c.argv[i])) ==
				    (size_t)(c.text + SH_TEXT_MAX - c.argv[i]))
				abort();
		if (c.redir && (c.redir < c.text || c.redir >= c.text + SH_TEXT_MAX))
			abort();
		sh_is_assignment(c.argc ? c.argv[0] : "");
	}
	if (r < 0) {
		failed = 1;
		if (pos != len || !err)
			abort();
	}
	/* A line that passes the check fails later only on limits that
	 * expansion can reach. */
	if (checked == 0 && failed && strcmp(err, "command too long") &&
	    strcmp(err, "too many words"))
		abort();
	free(line);
}

static void
edit(const uint8_t *data, size_t size)
{
	static struct ledit e;
	static struct ledit_out o;

	ledit_init(&e);
	ledit_history_add(&e, "one");
	ledit_start(&e);
	for (size_t i = 0; i < size; i++) {
		o.len = 0;
		enum ledit_result r = ledit_key(&e, data[i], &o);
		if (o.len > LEDIT_OUT_MAX || e.cur > e.len || e.len > LEDIT_LINE_MAX ||
		    e.line[e.len] != 0 || strlen(e.line) != e.len || e.back > e.nhist)
			abort();
		if (r == LEDIT_LINE) {
			ledit_history_add(&e, e.line);
			ledit_start(&e);
		} else if (r != LEDIT_MORE) {
			ledit_start(&e);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] % 2 == 0)
		parse_line(data + 1, size - 1);
	else
		edit(data + 1, size - 1);
	return 0;
}
