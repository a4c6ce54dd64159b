/*
 * MiniSH's parser (see <shell/parse.h>): one pass over the bytes of one
 * command, expanding as it goes into the command's own text buffer.  Every
 * write into text[] is bounded by SH_TEXT_MAX (one byte kept for the last
 * NUL) and every argv[] slot by SH_ARGS_MAX.
 */
#include <string.h>
#include <shell/parse.h>

struct builder {
	struct sh_cmd *c;
	size_t used;		/* bytes of c->text in use */
	size_t start;		/* first byte of the word being built */
	int in_word;		/* a word is open */
	int real;		/* it has a quote or a literal byte: it counts
				   even when empty */
	int redir_next;		/* the next word is the output file */
	const char *err;
};

static int
is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int
is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

int
sh_is_assignment(const char *s)
{
	if (!is_name_start(s[0]))
		return 0;
	for (size_t i = 1; s[i]; i++) {
		if (s[i] == '=')
			return i <= SH_NAME_MAX;
		if (!is_name_char(s[i]))
			return 0;
	}
	return 0;
}

static void
fail(struct builder *b, const char *why)
{
	if (!b->err)
		b->err = why;
}

static void
add(struct builder *b, char ch)
{
	if (!b->in_word) {
		b->in_word = 1;
		b->real = 0;
		b->start = b->used;
	}
	if (b->used >= SH_TEXT_MAX - 1) {
		fail(b, "command too long");
		return;
	}
	b->c->text[b->used++] = ch;
}

/* Open a word that counts even if it stays empty (quotes, literals). */
static void
mark_real(struct builder *b)
{
	if (!b->in_word) {
		b->in_word = 1;
		b->start = b->used;
	}
	b->real = 1;
}

static void
end_word(struct builder *b)
{
	if (!b->in_word)
		return;
	b->in_word = 0;
	if (!b->real && b->used == b->start)
		return;		/* only empty unquoted expansions */
	if (b->used >= SH_TEXT_MAX) {
		fail(b, "command too long");
		return;
	}
	b->c->text[b->used++] = 0;
	char *w = &b->c->text[b->start];
	if (b->redir_next) {
		b->c->redir = w;
		b->redir_next = 0;
		return;
	}
	if ((unsigned)b->c->argc >= SH_ARGS_MAX) {
		fail(b, "too many words");
		return;
	}
	b->c->argv[b->c->argc++] = w;
}

static void
add_value(struct builder *b, const char *v)
{
	for (; v && *v && !b->err; v++)
		add(b, *v);
}

/* Expand the variable reference after a '$' at line[i]; returns the index
 * after it. */
static size_t
expand(struct builder *b, const char *line, size_t i, sh_lookup_fn lookup, void *ctx)
{
	size_t n;

	if (line[i] == '?') {
		add_value(b, lookup ? lookup(ctx, "?", 1) : NULL);
		return i + 1;
	}
	if (line[i] == '{') {
		size_t s = i + 1;
		if (line[s] == '?' && line[s + 1] == '}') {
			add_value(b, lookup ? lookup(ctx, "?", 1) : NULL);
			return s + 2;
		}
		for (n = 0; is_name_char(line[s + n]); n++)
			;
		if (line[s + n] != '}' || n == 0 || !is_name_start(line[s]) || n > SH_NAME_MAX) {
			fail(b, "bad variable name");
			return s + n;
		}
		add_value(b, lookup ? lookup(ctx, line + s, n) : NULL);
		return s + n + 1;
	}
	if (is_name_start(line[i])) {
		for (n = 0; is_name_char(line[i + n]); n++)
			;
		if (n > SH_NAME_MAX) {
			fail(b, "bad variable name");
			return i + n;
		}
		add_value(b, lookup ? lookup(ctx, line + i, n) : NULL);
		return i + n;
	}
	mark_real(b);
	add(b, '$');
	return i;
}

/* "..." starting after the opening quote; returns the index after the
 * closing one. */
static size_t
double_quoted(struct builder *b, const char *line, size_t i, sh_lookup_fn lookup, void *ctx)
{
	mark_real(b);
	while (!b->err) {
		char ch = line[i];
		if (ch == 0) {
			fail(b, "unterminated quote");
			return i;
		}
		if (ch == '"')
			return i + 1;
		if (ch == '\\' && line[i + 1] != 0 && strchr("$\"\\", line[i + 1])) {
			add(b, line[i + 1]);
			i += 2;
		} else if (ch == '$') {
			i = expand(b, line, i + 1, lookup, ctx);
			mark_real(b);
		} else {
			add(b, ch);
			i++;
		}
	}
	return i;
}

int
sh_parse_next(const char *line, size_t *pos, struct sh_cmd *cmd, sh_lookup_fn lookup,
	      void *ctx, const char **err)
{
	struct builder b = { .c = cmd };
	size_t i = *pos;
	int tok = 0;		/* inside a token (lexically, before expansion) */

	cmd->argc = 0;
	cmd->redir = NULL;
	cmd->append = 0;
	if (line[i] == 0)
		return 0;
	while (!b.err) {
		char ch = line[i];
		if (ch == 0 || ch == ';' || ch == '\n') {
			if (ch != 0)
				i++;
			break;
		}
		int was_tok = tok;
		tok = 1;
		if (ch == ' ' || ch == '\t' || ch == '\r') {
			end_word(&b);
			tok = 0;
			i++;
		} else if (ch == '#' && !was_tok) {
			while (line[i] && line[i] != '\n')
				i++;
		} else if (strchr("|&<()", ch)) {
			static const char *const msg[] = {
				"'|' is not supported", "'&' is not supported",
				"'<' is not supported", "'(' is not supported",
				"')' is not supported",
			};
			fail(&b, msg[strchr("|&<()", ch) - "|&<()"]);
		} else if (ch == '>') {
			end_word(&b);
			if (b.redir_next)
				fail(&b, "missing file name after '>'");
			b.redir_next = 1;
			tok = 0;
			cmd->append = line[i + 1] == '>';
			i += cmd->append ? 2 : 1;
		} else if (ch == '\'') {
			mark_real(&b);
			const char *q = strchr(line + i + 1, '\'');
			if (!q) {
				fail(&b, "unterminated quote");
				break;
			}
			for (i++; line + i < q && !b.err; i++)
				add(&b, line[i]);
			i++;
		} else if (ch == '"') {
			i = double_quoted(&b, line, i + 1, lookup, ctx);
		} else if (ch == '\\' && line[i + 1] != 0) {
			mark_real(&b);
			add(&b, line[i + 1]);
			i += 2;
		} else if (ch == '$') {
			i = expand(&b, line, i + 1, lookup, ctx);
		} else {
			mark_real(&b);
			add(&b, ch);
			i++;
		}
	}
	if (!b.err)
		end_word(&b);
	if (!b.err && b.redir_next)
		fail(&b, "missing file name after '>'");
	if (b.err) {
		*err = b.err;
		*pos = i + strlen(line + i);
		cmd->argc = 0;
		cmd->argv[0] = NULL;
		cmd->redir = NULL;
		return -1;
	}
	cmd->argv[cmd->argc] = NULL;
	*pos = i;
	return 1;
}

int
sh_check(const char *line, const char **err)
{
	static struct sh_cmd scratch;	/* 4.5 KiB: not on a small stack */
	size_t pos = 0;
	int r;

	while ((r = sh_parse_next(line, &pos, &scratch, NULL, NULL, err)) > 0)
		;
	return r;
}
