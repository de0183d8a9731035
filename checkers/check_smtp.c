/*
 * check_smtp.c - the smtp protocol: read the greeting, say EHLO, read
 * the answer (RFC 5321 4.2).
 *
 * A healthy mail server greets with 220 and answers EHLO with 250; any
 * other reply code, or a line that is not "NNN text" / "NNN-text", is
 * a failure that says what was read. Replies may span lines ("220-..."
 * continues until "220 ..."); the judge consumes nothing until a reply
 * is complete and reads it again from its first line each time more
 * arrives, which keeps all state of the dialogue in *step. A reply is
 * bounded so that rereading it stays cheap. The dialogue stops at the
 * 250: a QUIT would tell nothing more about the server's health, and the
 * transport closes the connection anyway.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* RFC 5321 allows 512 bytes a line; servers' texts run longer. */
#define SMTP_LINE_MAX 4096
#define SMTP_REPLY_MAX 65536
#define SMTP_HELO_MAX 255
/* How much of a server's text a failure detail quotes. */
#define SMTP_TEXT_SHOWN 100

struct smtp_state {
	char ehlo[sizeof("EHLO \r\n") + SMTP_HELO_MAX];
	size_t ehlo_len;
};

/* Dialogue positions (*step). */
enum { SMTP_BANNER, SMTP_EHLO };

static const char *const smtp_phases[] = {
	[SMTP_BANNER] = "reading the banner",
	[SMTP_EHLO] = "waiting for the EHLO reply",
};

enum smtp_parse { SMTP_PARTIAL, SMTP_COMPLETE, SMTP_MALFORMED, SMTP_TOO_LONG };

/* One complete reply: its code and the text of its last line. */
struct smtp_reply {
	unsigned code;
	const unsigned char *text;
	size_t text_len;
	size_t end;			/* bytes up to and with the last line's end */
};

static int smtp_prepare(const struct cfg_check *conf, const struct lvs_addr *target,
			void **state, char *err, size_t errlen)
{
	const char *helo = conf->helo ? conf->helo : "lvsd";
	size_t len = strlen(helo);
	struct smtp_state *st;

	(void)target;
	/* A space or a line break would let the name inject other commands. */
	for (size_t i = 0; i < len; i++) {
		if (helo[i] <= ' ' || helo[i] > '~') {
			snprintf(err, errlen, "smtp check: helo '%s' must be one word of "
				 "printable ASCII", helo);
			return -1;
		}
	}
	if (len == 0 || len > SMTP_HELO_MAX) {
		snprintf(err, errlen, "smtp check: helo must be 1 to %d characters",
			 SMTP_HELO_MAX);
		return -1;
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		snprintf(err, errlen, "smtp check: out of memory");
		return -1;
	}
	st->ehlo_len = (size_t)snprintf(st->ehlo, sizeof(st->ehlo), "EHLO %s\r\n", helo);
	*state = st;
	return 0;
}

static void smtp_release(void *state)
{
	free(state);
}

static void smtp_request(void *state, const unsigned char **data, size_t *len)
{
	(void)state;
	*data = NULL;
	*len = 0;	/* the server speaks first */
}

/* "NNN", "NNN text" or "NNN-text": the code, or 0 when the line is none of them. */
static unsigned smtp_line_code(const unsigned char *line, size_t len, bool *last)
{
	for (size_t i = 0; i < 3; i++)
		if (i >= len || line[i] < '0' || line[i] > '9')
			return 0;
	if (len > 3 && line[3] != ' ' && line[3] != '-')
		return 0;
	*last = len == 3 || line[3] == ' ';
	return (unsigned)(line[0] - '0') * 100 + (unsigned)(line[1] - '0') * 10 +
	       (unsigned)(line[2] - '0');
}

/* The reply at the start of d, if it is all there. A bare LF ends a line too. */
static enum smtp_parse smtp_parse_reply(const unsigned char *d, size_t len,
					struct smtp_reply *r)
{
	size_t pos = 0, line_len;
	unsigned code, first = 0;
	const unsigned char *nl;
	bool last = false;

	while (pos < len) {
		nl = memchr(d + pos, '\n', len - pos);
		if (!nl)
			return len - pos > SMTP_LINE_MAX ? SMTP_MALFORMED : SMTP_PARTIAL;
		line_len = (size_t)(nl - (d + pos));
		if (line_len && d[pos + line_len - 1] == '\r')
			line_len--;
		code = smtp_line_code(d + pos, line_len, &last);
		/* Every line of one reply carries the same code. */
		if (!code || line_len > SMTP_LINE_MAX || (first && code != first))
			return SMTP_MALFORMED;
		first = code;
		if (last) {
			r->code = code;
			r->text = d + pos + (line_len > 4 ? 4 : line_len);
			r->text_len = line_len > 4 ? line_len - 4 : 0;
			r->end = (size_t)(nl - d) + 1;
			return SMTP_COMPLETE;
		}
		pos = (size_t)(nl - d) + 1;
	}
	return pos > SMTP_REPLY_MAX ? SMTP_TOO_LONG : SMTP_PARTIAL;
}

/* "421 too busy": the code and as much of the text as fits, printable only. */
static enum check_verdict smtp_down(struct check_input *in, const char *what,
				    const struct smtp_reply *r)
{
	char text[SMTP_TEXT_SHOWN + 1];
	size_t n = r->text_len < SMTP_TEXT_SHOWN ? r->text_len : SMTP_TEXT_SHOWN;

	for (size_t i = 0; i < n; i++)
		text[i] = r->text[i] >= ' ' && r->text[i] <= '~' ? (char)r->text[i] : '?';
	text[n] = '\0';
	snprintf(in->detail, sizeof(in->detail), "%s %u%s%s", what, r->code, n ? " " : "",
		 text);
	return CHECK_DOWN;
}

static enum check_verdict smtp_incomplete(enum smtp_parse how, int step,
					  struct check_input *in)
{
	const char *phase = smtp_phases[step == SMTP_EHLO ? SMTP_EHLO : SMTP_BANNER];

	if (how == SMTP_MALFORMED) {
		snprintf(in->detail, sizeof(in->detail), "malformed reply line");
		return CHECK_DOWN;
	}
	if (how == SMTP_TOO_LONG) {
		snprintf(in->detail, sizeof(in->detail), "reply longer than %d bytes",
			 SMTP_REPLY_MAX);
		return CHECK_DOWN;
	}
	if (in->eof) {
		snprintf(in->detail, sizeof(in->detail), "connection closed while %s", phase);
		return CHECK_DOWN;
	}
	in->phase = phase;
	return CHECK_MORE;
}

static enum check_verdict smtp_judge(void *state, int *step, struct check_input *in)
{
	struct smtp_state *st = state;
	struct smtp_reply r;
	enum smtp_parse how = smtp_parse_reply(in->data, in->len, &r);

	in->consume = 0;
	if (how != SMTP_COMPLETE)
		return smtp_incomplete(how, *step, in);
	in->consume = r.end;
	if (*step == SMTP_BANNER) {
		if (r.code != 220)
			return smtp_down(in, "banner", &r);
		*step = SMTP_EHLO;
		in->send = (const unsigned char *)st->ehlo;
		in->send_len = st->ehlo_len;
		in->phase = smtp_phases[SMTP_EHLO];
		return CHECK_SEND;
	}
	if (r.code != 250)
		return smtp_down(in, "EHLO answered", &r);
	snprintf(in->detail, sizeof(in->detail), "EHLO answered 250");
	return CHECK_UP;
}

const struct check_proto check_smtp_proto = {
	.name = "smtp",
	.prepare = smtp_prepare,
	.release = smtp_release,
	.request = smtp_request,
	.judge = smtp_judge,
};
