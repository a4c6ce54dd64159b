/*
 * MiniSH's parser (shell/parse.c): exact words, redirects and errors for
 * quoting, escapes, expansion, ';' and newlines, comments, limits.
 */
#include <shell/parse.h>
#include "check.h"

static const char *
vars(void *ctx, const char *name, size_t n)
{
	static const char *const tab[][2] = {
		{ "?", "1" }, { "HOME", "/home" }, { "EMPTY", "" }, { "SP", "a b" },
		{ "Q", "'\"$HOME" }, { "_x1", "under" },
	};
	(*(int *)ctx)++;
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strlen(tab[i][0]) == n && memcmp(tab[i][0], name, n) == 0)
			return tab[i][1];
	return NULL;
}

static struct sh_cmd cmd;
static int lookups;

/* Words of every command of `line` joined as "[w][w]|[w]..." with ">f" or
 * ">>f" for a redirect; "E:msg" on an error. */
static const char *
parse(const char *line)
{
	static char out[16384];
	size_t pos = 0, k = 0;
	const char *err = NULL;
	int r, first = 1;

	out[0] = 0;
	while ((r = sh_parse_next(line, &pos, &cmd, vars, &lookups, &err)) > 0) {
		CHECK(pos <= strlen(line));
		CHECK(cmd.argv[cmd.argc] == NULL);
		if (!first)
			k += (size_t)snprintf(out + k, sizeof(out) - k, "|");
		first = 0;
		for (int i = 0; i < cmd.argc; i++)
			k += (size_t)snprintf(out + k, sizeof(out) - k, "[%s]", cmd.argv[i]);
		if (cmd.redir)
			k += (size_t)snprintf(out + k, sizeof(out) - k, "%s%s",
					      cmd.append ? ">>" : ">", cmd.redir);
	}
	if (r < 0) {
		CHECK_EQ(pos, strlen(line));
		snprintf(out, sizeof(out), "E:%s", err);
	}
	return out;
}

static void
test_words(void)
{
	CHECK_STR(parse("echo hello"), "[echo][hello]");
	CHECK_STR(parse("  echo \t  hello  "), "[echo][hello]");
	CHECK_STR(parse(""), "");
	CHECK_STR(parse("   "), "");	/* one empty command */
	CHECK_STR(parse("a'b'c"), "[abc]");
	CHECK_STR(parse("echo 'a  b'  \"c  d\" e\\ f"), "[echo][a  b][c  d][e f]");
	CHECK_STR(parse("echo '' \"\" x"), "[echo][][][x]");
	CHECK_STR(parse("echo 'it''s'"), "[echo][its]");
	CHECK_STR(parse("echo \"a\\\"b\\\\c\\$d\\e\""), "[echo][a\"b\\c$d\\e]");
	CHECK_STR(parse("echo '$HOME \\n \"'"), "[echo][$HOME \\n \"]");
	CHECK_STR(parse("echo \\'x\\\" \\$HOME"), "[echo]['x\"][$HOME]");
	CHECK_STR(parse("echo trailing\\"), "[echo][trailing\\]");
	CHECK_STR(parse("echo a#b # the rest"), "[echo][a#b]");
	CHECK_STR(parse("# only a comment"), "");
	CHECK_STR(parse("echo '#x' \"#y\""), "[echo][#x][#y]");
	/* '#' starts a comment at the start of a token, whatever the
	 * expansion before it gives. */
	CHECK_STR(parse("echo $EMPTY#x ''#y"), "[echo][#x][#y]");
	CHECK_STR(parse("echo x >#f"), "E:missing file name after '>'");
}

static void
test_expand(void)
{
	lookups = 0;
	CHECK_STR(parse("echo $?"), "[echo][1]");
	CHECK_EQ(lookups, 1);
	CHECK_STR(parse("echo ${?}x"), "[echo][1x]");
	CHECK_STR(parse("echo $HOME/bin ${HOME}x $HOMEx"), "[echo][/home/bin][/homex]");
	CHECK_STR(parse("echo $EMPTY x $UNSET"), "[echo][x]");
	CHECK_STR(parse("echo \"$EMPTY\" x"), "[echo][][x]");
	CHECK_STR(parse("echo a$EMPTY"), "[echo][a]");
	CHECK_STR(parse("echo $SP"), "[echo][a b]");	/* no field splitting */
	CHECK_STR(parse("echo \"[$SP]\""), "[echo][[a b]]");
	CHECK_STR(parse("echo $Q"), "[echo]['\"$HOME]");	/* values are not re-parsed */
	CHECK_STR(parse("echo $_x1$_x1"), "[echo][underunder]");
	CHECK_STR(parse("echo $ $1 a$ \"$\" '$?'"), "[echo][$][$1][a$][$][$?]");
	CHECK_STR(parse("$EMPTY"), "");
	CHECK_STR(parse("echo ${"), "E:bad variable name");
	CHECK_STR(parse("echo ${HOME"), "E:bad variable name");
	CHECK_STR(parse("echo ${1x}"), "E:bad variable name");
	CHECK_STR(parse("echo ${}"), "E:bad variable name");
	char longname[100] = "echo $";
	memset(longname + 6, 'v', 64);
	CHECK_STR(parse(longname), "E:bad variable name");
	longname[6 + 63] = 0;
	CHECK_STR(parse(longname), "[echo]");	/* 63 bytes: a name, unset */
}

static void
test_sequence(void)
{
	CHECK_STR(parse("false; echo $?"), "[false]|[echo][1]");
	CHECK_STR(parse("a;;b;"), "[a]||[b]");
	CHECK_STR(parse(";"), "");
	CHECK_STR(parse("a\nb c\n\n"), "[a]|[b][c]|");
	CHECK_STR(parse("echo 'x\ny'; z"), "[echo][x\ny]|[z]");
	CHECK_STR(parse("echo \"a;b\" 'c;d' e\\;f"), "[echo][a;b][c;d][e;f]");
	CHECK_STR(parse("a # c; d\ne"), "[a]|[e]");
	/* $? is looked up when its command is parsed: lazily. */
	size_t pos = 0;
	const char *err;
	lookups = 0;
	CHECK_EQ(sh_parse_next("x; echo $?", &pos, &cmd, vars, &lookups, &err), 1);
	CHECK_EQ(lookups, 0);
	CHECK_EQ(pos, 2);
	CHECK_EQ(sh_parse_next("x; echo $?", &pos, &cmd, vars, &lookups, &err), 1);
	CHECK_EQ(lookups, 1);
	CHECK_EQ(sh_parse_next("x; echo $?", &pos, &cmd, vars, &lookups, &err), 0);
}

static void
test_redirect(void)
{
	CHECK_STR(parse("echo x > f"), "[echo][x]>f");
	CHECK_STR(parse("echo x>f"), "[echo][x]>f");
	CHECK_STR(parse("echo x >> /tmp/f y"), "[echo][x][y]>>/tmp/f");
	CHECK_STR(parse(">f echo"), "[echo]>f");
	CHECK_STR(parse("> f"), ">f");
	CHECK_STR(parse("echo a > f > g"), "[echo][a]>g");
	CHECK_STR(parse("echo > \"a b\""), "[echo]>a b");
	CHECK_STR(parse("echo > $HOME/x"), "[echo]>/home/x");
	CHECK_STR(parse("echo '>' \">>\" \\>"), "[echo][>][>>][>]");
	CHECK_STR(parse("echo >"), "E:missing file name after '>'");
	CHECK_STR(parse("echo >; ls"), "E:missing file name after '>'");
	CHECK_STR(parse("echo > > f"), "E:missing file name after '>'");
	CHECK_STR(parse("echo >>> f"), "E:missing file name after '>'");
	CHECK_STR(parse("echo > $EMPTY"), "E:missing file name after '>'");
}

static void
test_errors(void)
{
	CHECK_STR(parse("echo 'abc"), "E:unterminated quote");
	CHECK_STR(parse("echo \"abc"), "E:unterminated quote");
	CHECK_STR(parse("echo \"abc\\\""), "E:unterminated quote");
	CHECK_STR(parse("ls | wc"), "E:'|' is not supported");
	CHECK_STR(parse("ls &"), "E:'&' is not supported");
	CHECK_STR(parse("cat < f"), "E:'<' is not supported");
	CHECK_STR(parse("(ls)"), "E:'(' is not supported");
	CHECK_STR(parse("ls )"), "E:')' is not supported");
	CHECK_STR(parse("echo '|&<()' \\|"), "[echo][|&<()][|]");
	/* An error in a later command: the earlier ones parse. */
	CHECK_STR(parse("a; b 'c"), "E:unterminated quote");
	const char *err = NULL;
	CHECK_EQ(sh_check("a; b 'c", &err), -1);
	CHECK_STR(err, "unterminated quote");
	CHECK_EQ(sh_check("a; b \"$?\" > f; c", &err), 0);
}

static void
test_limits(void)
{
	static char line[20000];
	size_t k = 0;

	/* SH_ARGS_MAX words fit, one more does not. */
	for (unsigned i = 0; i < SH_ARGS_MAX; i++)
		k += (size_t)sprintf(line + k, "w%u ", i);
	const char *r = parse(line);
	CHECK(strncmp(r, "[w0][w1]", 8) == 0);
	CHECK_EQ(cmd.argc, 0);	/* cleared by the final call at the end */
	size_t pos = 0;
	const char *err;
	CHECK_EQ(sh_parse_next(line, &pos, &cmd, vars, &lookups, &err), 1);
	CHECK_EQ(cmd.argc, SH_ARGS_MAX);
	CHECK_STR(cmd.argv[SH_ARGS_MAX - 1], "w63");
	strcat(line, "extra");
	CHECK_STR(parse(line), "E:too many words");
	/* The text buffer: SH_TEXT_MAX bytes of words with their NULs. */
	memset(line, 'x', SH_TEXT_MAX);
	line[SH_TEXT_MAX] = 0;
	CHECK_STR(parse(line), "E:command too long");
	line[SH_TEXT_MAX - 1] = 0;
	pos = 0;
	CHECK_EQ(sh_parse_next(line, &pos, &cmd, vars, &lookups, &err), 1);
	CHECK_EQ(strlen(cmd.argv[0]), SH_TEXT_MAX - 1);
	strcpy(line + 2000, " ");	/* two words: 2000 + 2094 + 2 NULs */
	memset(line + 2001, 'y', 2094);
	line[4095] = 0;
	pos = 0;
	CHECK_EQ(sh_parse_next(line, &pos, &cmd, vars, &lookups, &err), 1);
	line[4095] = 'y';
	line[4096] = 0;
	CHECK_STR(parse(line), "E:command too long");
	/* Expansions count too. */
	k = 0;
	for (unsigned i = 0; i < 900; i++)
		k += (size_t)sprintf(line + k, "$HOME");
	CHECK_STR(parse(line), "E:command too long");
}

static void
test_assignment(void)
{
	CHECK(sh_is_assignment("A=b"));
	CHECK(sh_is_assignment("_a1="));
	CHECK(sh_is_assignment("PATH=/x=y"));
	CHECK(!sh_is_assignment("=b"));
	CHECK(!sh_is_assignment("1A=b"));
	CHECK(!sh_is_assignment("A"));
	CHECK(!sh_is_assignment("A-b=c"));
	CHECK(!sh_is_assignment(""));
	char name[80];
	memset(name, 'N', 64);
	strcpy(name + 64, "=v");
	CHECK(!sh_is_assignment(name));
	strcpy(name + 63, "=v");
	CHECK(sh_is_assignment(name));
}

int
main(void)
{
	static const struct test_case tests[] = {
		{ "words", test_words },
		{ "expand", test_expand },
		{ "sequence", test_sequence },
		{ "redirect", test_redirect },
		{ "errors", test_errors },
		{ "limits", test_limits },
		{ "assignment", test_assignment },
	};
	return run_tests(tests, sizeof(tests) / sizeof(tests[0]));
}
