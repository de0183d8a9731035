/*
 * cmd.c - a command string split into words the way a shell would split
 * it, without a shell: no variables, no globs, no PATH search. The
 * loader splits every configured command with it, so a bad quote is a
 * FILE:LINE:COL error at load time, not a failing check at 3 a.m.; the
 * spawner splits it again to run it.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

/* One pass over a command: count the words and their bytes; with out, write them. */
struct split {
	const char *cmd;
	char **argv;		/* with out: where each word starts */
	char *out;		/* NULL: count only */
	size_t len;		/* bytes of the words, NULs included */
	size_t words;
	char *err;
	size_t errlen;
};

static void split_put(struct split *sp, char ch)
{
	if (sp->out)
		sp->out[sp->len] = ch;
	sp->len++;
}

/* A quoted run; *i is on the opening quote and ends on the closing one. */
static int split_quoted(struct split *sp, size_t *i)
{
	const char *c = sp->cmd;
	char quote = c[*i];
	size_t open = *i;

	for ((*i)++; c[*i] && c[*i] != quote; (*i)++) {
		if (quote == '"' && c[*i] == '\\' && (c[*i + 1] == '"' || c[*i + 1] == '\\'))
			(*i)++;
		split_put(sp, c[*i]);
	}
	if (!c[*i]) {
		snprintf(sp->err, sp->errlen, "unterminated %s quote opened at column %zu",
			 quote == '"' ? "double" : "single", open + 1);
		return -1;
	}
	return 0;
}

static int split_pass(struct split *sp)
{
	const char *c = sp->cmd;
	bool in_word = false;

	sp->len = 0;
	sp->words = 0;
	for (size_t i = 0; c[i]; i++) {
		if (c[i] == ' ' || c[i] == '\t' || c[i] == '\n' || c[i] == '\r') {
			if (in_word)
				split_put(sp, '\0');
			in_word = false;
			continue;
		}
		if (!in_word) {
			if (sp->out)
				sp->argv[sp->words] = sp->out + sp->len;
			sp->words++;
			in_word = true;
		}
		if (c[i] == '\'' || c[i] == '"') {
			if (split_quoted(sp, &i) < 0)
				return -1;
		} else if (c[i] == '\\') {
			if (!c[i + 1]) {
				snprintf(sp->err, sp->errlen,
					 "the command ends in a backslash at column %zu", i + 1);
				return -1;
			}
			split_put(sp, c[++i]);
		} else {
			split_put(sp, c[i]);
		}
	}
	if (in_word)
		split_put(sp, '\0');
	if (!sp->words) {
		snprintf(sp->err, sp->errlen, "empty command");
		return -1;
	}
	return 0;
}

int cmd_split(const char *cmd, const char *const *extra, char ***argv,
		char *err, size_t errlen)
{
	struct split sp = { .cmd = cmd ? cmd : "", .err = err, .errlen = errlen };
	size_t n_extra = 0, extra_len = 0, ptrs;
	char **v, *o;

	if (split_pass(&sp) < 0)
		return -1;
	for (; extra && extra[n_extra]; n_extra++)
		extra_len += strlen(extra[n_extra]) + 1;
	ptrs = (sp.words + n_extra + 1) * sizeof(char *);
	v = malloc(ptrs + sp.len + extra_len);
	if (!v) {
		snprintf(err, errlen, "out of memory splitting '%s'", sp.cmd);
		return -1;
	}
	/* Pointers first, so the strings after them need no alignment. */
	sp.argv = v;
	sp.out = (char *)v + ptrs;
	(void)split_pass(&sp);	/* the same text: cannot fail this time */
	o = sp.out + sp.len;
	for (size_t k = 0; k < n_extra; k++) {
		size_t l = strlen(extra[k]) + 1;

		memcpy(o, extra[k], l);
		v[sp.words + k] = o;
		o += l;
	}
	v[sp.words + n_extra] = NULL;
	*argv = v;
	return (int)(sp.words + n_extra);
}
