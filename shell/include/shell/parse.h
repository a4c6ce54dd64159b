/*
 * MiniSH's command-line parser.  Pure C (no I/O, no allocation): host
 * tests and the fuzzer drive it directly.
 *
 * Grammar (docs/shell.md):
 *
 *   line     = command { ( ';' | newline ) command }
 *   command  = { word | redirect }            (may be empty)
 *   redirect = ( '>' | '>>' ) word            (the last one counts)
 *   word     = { plain | '...' | "..." | \c | $NAME | ${NAME} | $? }
 *
 * Blanks (space, tab) separate words.  Inside '...' every byte is literal;
 * inside "..." a backslash escapes $ " \ (and stays before anything else),
 * and $ expands.  Outside quotes a backslash makes the next byte literal.
 * An expansion never splits into several words; a word made only of
 * unquoted expansions that are all empty is dropped.  '#' at the start of a
 * word begins a comment.  '|', '&', '<', '(' and ')' are reserved: an error
 * unless quoted.  A '$' not followed by a name, '{' or '?' is literal.
 *
 * Commands are parsed one at a time so that $? in a later command sees the
 * status of an earlier one:
 *
 *   size_t pos = 0; struct sh_cmd c; const char *err;
 *   if (sh_check(line, &err) < 0) report err;            (whole line first)
 *   while ((r = sh_parse_next(line, &pos, &c, lookup, ctx, &err)) > 0)
 *           run c.argv[0..c.argc), c.redir
 */
#ifndef SHELL_PARSE_H
#define SHELL_PARSE_H

#include <stddef.h>

#define SH_ARGS_MAX	64u	/* words of one command */
#define SH_TEXT_MAX	4096u	/* bytes of one command's expanded words */
#define SH_NAME_MAX	63u	/* bytes of a variable name */

struct sh_cmd {
	int argc;
	char *argv[SH_ARGS_MAX + 1];	/* NULL-terminated, into text[] */
	char *redir;			/* output file, or NULL */
	int append;			/* redirect with '>>' */
	char text[SH_TEXT_MAX];
};

/* Value of variable `name` (n bytes, "?" for $?) or NULL when unset. */
typedef const char *(*sh_lookup_fn)(void *ctx, const char *name, size_t n);

/* Parse the command at line[*pos] up to ';', a newline or the end (quotes
 * may span newlines); *pos moves past
 * it.  Returns 1 with *cmd filled (argc may be 0: an empty command or a
 * lone redirect), 0 at the end of the line (nothing parsed), or -1 with
 * *err set to a static message ("unterminated quote", "'|' is not
 * supported", "missing file name after '>'", "too many words", "command
 * too long", "bad variable name"); *pos is then at the end of the line. */
int sh_parse_next(const char *line, size_t *pos, struct sh_cmd *cmd, sh_lookup_fn lookup,
		  void *ctx, const char **err);

/* Check the syntax of a whole line (expansions taken as empty): 0 or -1
 * with *err set. */
int sh_check(const char *line, const char **err);

/* Nonzero when s is NAME=VALUE with a valid name (a variable assignment). */
int sh_is_assignment(const char *s);

#endif
