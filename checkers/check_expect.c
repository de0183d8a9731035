/*
 * check_expect.c - the expect protocol: send some bytes, look for a
 * pattern in what comes back (piranha's send/expect, ldirectord's
 * simpletcp).
 *
 * The pattern is a POSIX extended regex, matched with REG_STARTEND so
 * that a NUL byte in a binary reply does not end the text, or raw bytes
 * ("hex:...") looked for anywhere in the reply. On a stream (tcp, tls)
 * the reply may come in pieces: the judge says "more" until the pattern
 * shows up, the peer closes or the transport's limit is reached. Over
 * udp every datagram is a whole reply and is judged alone. Everything
 * the judge needs is copied at prepare(): a reload may free the
 * configuration under a running checker.
 */
#include "config.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* Of a long pattern, failure details show this many characters, then "...". */
#define EXPECT_SHOW_MAX 48

struct expect_state {
	unsigned char *send;
	size_t send_len;
	unsigned char *bytes;		/* the hex: pattern; NULL with a regex */
	size_t bytes_len;
	bool has_regex;
	regex_t re;
	char shown[EXPECT_SHOW_MAX + 16];	/* the pattern as failure details quote it */
	bool datagram;			/* udp: each datagram is a whole reply */
};

/* Dialogue positions (*step) on a stream. */
enum { EXPECT_WAITING, EXPECT_READING };

static void expect_release(void *state)
{
	struct expect_state *st = state;

	if (!st)
		return;
	if (st->has_regex)
		regfree(&st->re);
	free(st->send);
	free(st->bytes);
	free(st);
}

static unsigned char *expect_dup(const unsigned char *data, size_t len)
{
	unsigned char *p = malloc(len ? len : 1);

	if (p && len)
		memcpy(p, data, len);
	return p;
}

/* "reply does not match \"^\\+PONG\"" / "reply does not contain 504f4e47" */
static void expect_show(struct expect_state *st, const char *regex)
{
	size_t n = 0, len = sizeof(st->shown);

	if (regex) {
		snprintf(st->shown, len, "match \"%.*s%s\"", EXPECT_SHOW_MAX, regex,
			 strlen(regex) > EXPECT_SHOW_MAX ? "..." : "");
		return;
	}
	n = (size_t)snprintf(st->shown, len, "contain ");
	for (size_t i = 0; i < st->bytes_len && i < EXPECT_SHOW_MAX / 2; i++)
		n += (size_t)snprintf(st->shown + n, len - n, "%02x", st->bytes[i]);
	if (st->bytes_len > EXPECT_SHOW_MAX / 2)
		snprintf(st->shown + n, len - n, "...");
}

static int expect_compile(struct expect_state *st, const char *regex, char *err,
			  size_t errlen)
{
	char msg[128];
	int rc = regcomp(&st->re, regex, REG_EXTENDED | REG_NOSUB);

	if (rc != 0) {
		regerror(rc, &st->re, msg, sizeof(msg));
		snprintf(err, errlen, "expect check: cannot compile \"%s\": %s", regex, msg);
		return -1;
	}
	st->has_regex = true;
	return 0;
}

static int expect_prepare(const struct cfg_check *conf, const struct lvs_addr *target,
			  void **state, char *err, size_t errlen)
{
	struct expect_state *st = calloc(1, sizeof(*st));

	(void)target;
	if (!st || !(st->send = expect_dup(conf->send.data, conf->send.len)) ||
	    (!conf->expect_regex &&
	     !(st->bytes = expect_dup(conf->expect.data, conf->expect.len)))) {
		snprintf(err, errlen, "expect check: out of memory");
		expect_release(st);
		return -1;
	}
	st->send_len = conf->send.len;
	st->datagram = conf->transport == CFG_TRANSPORT_UDP;
	if (conf->expect_regex) {
		if (expect_compile(st, conf->expect_regex, err, errlen) < 0) {
			expect_release(st);
			return -1;
		}
	} else {
		st->bytes_len = conf->expect.len;
	}
	expect_show(st, conf->expect_regex);
	*state = st;
	return 0;
}

static void expect_request(void *state, const unsigned char **data, size_t *len)
{
	struct expect_state *st = state;

	*data = st->send;
	*len = st->send_len;
}

/*
 * 1 on a match, 0 on none, -1 out of memory. regexec() gets a
 * NUL-terminated copy: sanitizers' regexec interceptors read the string
 * up to a NUL whatever REG_STARTEND says, past the end of a reply that
 * has none. REG_STARTEND still carries the match over NULs inside it.
 */
static int expect_regex_match(const struct expect_state *st, const unsigned char *data,
			      size_t len)
{
	regmatch_t span = { .rm_so = 0, .rm_eo = (regoff_t)len };
	char *text = malloc(len + 1);
	int rc;

	if (!text)
		return -1;
	if (len)
		memcpy(text, data, len);
	text[len] = '\0';
	rc = regexec(&st->re, text, 1, &span, REG_STARTEND);
	free(text);
	return rc == 0;
}

static enum check_verdict expect_no_memory(struct check_input *in)
{
	snprintf(in->detail, sizeof(in->detail), "out of memory matching the reply");
	return CHECK_DOWN;
}

static enum check_verdict expect_up(const struct expect_state *st, struct check_input *in)
{
	snprintf(in->detail, sizeof(in->detail), "%s",
		 st->has_regex || st->bytes_len ? "matched" : "reply received");
	return CHECK_UP;
}

/* Over udp: the datagram is the whole reply. */
static enum check_verdict expect_judge_datagram(const struct expect_state *st,
						struct check_input *in)
{
	bool hit;

	in->consume = in->len;
	if (st->has_regex) {
		int m = expect_regex_match(st, in->data, in->len);

		if (m < 0)
			return expect_no_memory(in);
		hit = m;
	} else
		hit = st->bytes_len == 0 || (in->len >= st->bytes_len &&
		      memmem(in->data, in->len, st->bytes, st->bytes_len) != NULL);
	if (!hit) {
		snprintf(in->detail, sizeof(in->detail), "reply does not %s", st->shown);
		return CHECK_DOWN;
	}
	return expect_up(st, in);
}

/* Bytes that can no longer begin a match of the byte pattern need not be kept. */
static enum check_verdict expect_judge_bytes(const struct expect_state *st,
					     struct check_input *in)
{
	if (st->bytes_len == 0 || (in->len >= st->bytes_len &&
				   memmem(in->data, in->len, st->bytes, st->bytes_len)))
		return CHECK_UP;
	if (in->len >= st->bytes_len)
		in->consume = in->len - (st->bytes_len - 1);
	return CHECK_MORE;
}

static enum check_verdict expect_judge(void *state, int *step, struct check_input *in)
{
	struct expect_state *st = state;
	enum check_verdict v;

	if (st->datagram)
		return expect_judge_datagram(st, in);
	in->consume = 0;
	if (in->len == 0 && *step == EXPECT_WAITING) {
		if (!in->eof) {
			in->phase = "waiting for a reply";
			return CHECK_MORE;
		}
		snprintf(in->detail, sizeof(in->detail), "connection closed without a reply");
		return CHECK_DOWN;
	}
	*step = EXPECT_READING;
	if (st->has_regex) {
		int m = expect_regex_match(st, in->data, in->len);

		if (m < 0)
			return expect_no_memory(in);
		v = m ? CHECK_UP : CHECK_MORE;
	} else {
		v = expect_judge_bytes(st, in);
	}
	if (v == CHECK_UP) {
		in->consume = in->len;
		return expect_up(st, in);
	}
	if (in->eof || in->len >= CHECK_MAX_INPUT) {
		snprintf(in->detail, sizeof(in->detail), "reply does not %s%s", st->shown,
			 in->eof ? "" : " in its first 1 MiB");
		return CHECK_DOWN;
	}
	in->phase = "reading the reply";
	return CHECK_MORE;
}

const struct check_proto check_expect_proto = {
	.name = "expect",
	.prepare = expect_prepare,
	.release = expect_release,
	.request = expect_request,
	.judge = expect_judge,
};
