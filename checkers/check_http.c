/*
 * check_http.c - the http protocol judge (http and https checks): the
 * request, built once per checker, and a streaming parser of the
 * response that decides as soon as it can: the status line, the
 * headers, then the body framed by Content-Length, chunked
 * transfer-coding, or the server's close. A bad status decides at once;
 * a good one only once the whole response is in, as its framing says, so
 * a server that stalls or closes after the headers fails like one that
 * answers 500. The body is kept in memory only when a regex must see it,
 * and a digest is computed as it streams by. Everything parsed
 * is consumed, so the transport holds at most one incomplete line. The
 * parser keeps its place in the probe's `step` (0 at each probe's start)
 * and the rest of its per-probe state in the checker's http_state, which
 * serves one probe at a time. With `keepalive` the request leaves out
 * "Connection: close", and a good response says the connection may
 * serve the next probe (check_input.keep) only when its framing ended it
 * exactly at the last byte received and the server did not ask to close.
 */
#include "config.h"

#include <ctype.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "check.h"

/* Where the parser is, kept in the probe's step; 0 is a probe's start. */
enum http_step {
	HTTP_START,
	HTTP_STATUS,
	HTTP_HEADERS,
	HTTP_BODY_LENGTH,	/* Content-Length bytes */
	HTTP_BODY_CLOSE,	/* until the server closes */
	HTTP_CHUNK_SIZE,
	HTTP_CHUNK_DATA,
	HTTP_CHUNK_END,		/* the CRLF after a chunk's data */
	HTTP_TRAILERS,
};

static const char *const http_phases[] = {
	[HTTP_START] = "reading the status line",
	[HTTP_STATUS] = "reading the status line",
	[HTTP_HEADERS] = "reading the headers",
	[HTTP_BODY_LENGTH] = "reading the body",
	[HTTP_BODY_CLOSE] = "reading the body",
	[HTTP_CHUNK_SIZE] = "reading the body",
	[HTTP_CHUNK_DATA] = "reading the body",
	[HTTP_CHUNK_END] = "reading the body",
	[HTTP_TRAILERS] = "reading the trailers",
};

/* A body buffer bigger than this is given back after its probe. */
#define HTTP_BODY_KEEP (64 * 1024)

struct http_state {
	/* the checker's, from its configuration */
	char *request;
	size_t request_len;
	bool head;
	struct cfg_status_range *status;
	size_t n_status;
	bool has_re;
	regex_t re;
	char *re_text;
	const EVP_MD *md;		/* NULL: no digest */
	const char *md_name;
	bool keepalive;			/* the configuration's keepalive */
	EVP_MD_CTX *md_ctx;
	unsigned char want[EVP_MAX_MD_SIZE];
	/* the probe's */
	int code;
	bool interim;			/* a 1xx reply: the real one follows */
	bool chunked, has_length;
	bool persistent;		/* the server lets the connection stay open */
	uint64_t left;			/* Content-Length or chunk bytes still to come */
	char *body;			/* kept only for the regex */
	size_t body_len, body_cap;
};

/* One step's outcome: a verdict, and how much of the data it took. */
struct http_result {
	enum check_verdict verdict;
	size_t used;
};

static bool http_status_ok(const struct http_state *h, int code)
{
	if (h->n_status == 0)
		return code >= 200 && code <= 299;
	for (size_t i = 0; i < h->n_status; i++)
		if (code >= h->status[i].lo && code <= h->status[i].hi)
			return true;
	return false;
}

/* A whole line at d: its length without CR LF, and what it takes with them. */
static bool http_line(const unsigned char *d, size_t len, size_t *linelen, size_t *used)
{
	const unsigned char *nl = memchr(d, '\n', len);

	if (!nl)
		return false;
	*used = (size_t)(nl - d) + 1;
	*linelen = (size_t)(nl - d);
	if (*linelen && d[*linelen - 1] == '\r')
		(*linelen)--;
	return true;
}

static enum check_verdict http_verdict(struct check_input *in, enum check_verdict v,
				       const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static enum check_verdict http_verdict(struct check_input *in, enum check_verdict v,
				       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(in->detail, sizeof(in->detail), fmt, ap);
	va_end(ap);
	return v;
}

/* Room in the kept body for n more bytes and a NUL. */
static int http_body_room(struct http_state *h, size_t n)
{
	size_t cap = h->body_cap ? h->body_cap : 4096;
	char *b;

	if (h->body_len + n > CHECK_MAX_INPUT)
		return -1;
	if (h->body && h->body_len + n + 1 <= h->body_cap)
		return 0;
	while (cap < h->body_len + n + 1)
		cap *= 2;
	if (!(b = realloc(h->body, cap)))
		return -1;
	h->body = b;
	h->body_cap = cap;
	return 0;
}

/* The whole body is in: the regex and the digest decide. */
static enum check_verdict http_finish(struct http_state *h, struct check_input *in)
{
	unsigned char got[EVP_MAX_MD_SIZE];
	unsigned int got_len = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1];

	if (h->has_re) {
		regmatch_t m[1] = { { 0, (regoff_t)h->body_len } };
		int flags = 0;

		if (http_body_room(h, 0) < 0)
			return http_verdict(in, CHECK_DOWN, "out of memory for the body");
		h->body[h->body_len] = '\0';
#ifdef REG_STARTEND
		flags = REG_STARTEND;	/* a NUL in the body does not end it */
#endif
		if (regexec(&h->re, h->body, 1, m, flags) != 0)
			return http_verdict(in, CHECK_DOWN, "body does not match \"%s\"", h->re_text);
	}
	if (h->md) {
		if (EVP_DigestFinal_ex(h->md_ctx, got, &got_len) != 1)
			return http_verdict(in, CHECK_DOWN, "cannot compute the body digest");
		if (memcmp(got, h->want, got_len) != 0) {
			for (unsigned int i = 0; i < got_len; i++)
				snprintf(hex + 2 * i, 3, "%02x", got[i]);
			return http_verdict(in, CHECK_DOWN, "body digest mismatch (%s %.16s...)",
					    h->md_name, hex);
		}
	}
	return http_verdict(in, CHECK_UP, "%d", h->code);
}

/* Body bytes as they arrive: into the digest, and kept if the regex needs them. */
static int http_body_feed(struct http_state *h, const unsigned char *d, size_t n)
{
	if (h->md && n && EVP_DigestUpdate(h->md_ctx, d, n) != 1)
		return -1;
	if (!h->has_re || !n)
		return 0;
	if (http_body_room(h, n) < 0)
		return -1;
	memcpy(h->body + h->body_len, d, n);
	h->body_len += n;
	return 0;
}

/* "HTTP/1.1 200 OK": a bad status decides now; a good one waits for the whole response. */
static enum check_verdict http_status_line(struct http_state *h, int *step,
					   const unsigned char *s, size_t n,
					   struct check_input *in)
{
	if (n < 12 || memcmp(s, "HTTP/", 5) != 0 || !isdigit(s[5]) || s[6] != '.' ||
	    !isdigit(s[7]) || s[8] != ' ' || !isdigit(s[9]) || !isdigit(s[10]) ||
	    !isdigit(s[11]) || (n > 12 && s[12] != ' '))
		return http_verdict(in, CHECK_DOWN, "malformed status line");
	h->code = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	h->interim = h->code >= 100 && h->code <= 199 && h->code != 101;
	h->chunked = h->has_length = false;
	/* HTTP/1.1 and later stay open unless told; 1.0 only with "keep-alive". */
	h->persistent = s[5] > '1' || (s[5] == '1' && s[7] >= '1');
	*step = HTTP_HEADERS;
	if (h->interim)
		return CHECK_MORE;
	if (!http_status_ok(h, h->code))
		return http_verdict(in, CHECK_DOWN, "http status %d", h->code);
	/*
	 * A good status is not enough: the whole response must arrive within
	 * the deadline, so a server that stalls or closes mid-body fails.
	 */
	return CHECK_MORE;
}

/* The headers are over: how is the body framed, if there is one? */
static enum check_verdict http_body_start(struct http_state *h, int *step,
					  struct check_input *in)
{
	if (h->interim) {
		*step = HTTP_STATUS;
		return CHECK_MORE;
	}
	if (h->head || h->code < 200 || h->code == 204 || h->code == 304)
		return http_finish(h, in);
	if (h->chunked) {
		*step = HTTP_CHUNK_SIZE;
	} else if (h->has_length) {
		if (h->left == 0)
			return http_finish(h, in);
		*step = HTTP_BODY_LENGTH;
	} else {
		*step = HTTP_BODY_CLOSE;
	}
	return CHECK_MORE;
}

/* Digits, with optional whitespace around them, into *out. */
static bool http_parse_length(const unsigned char *v, size_t n, uint64_t *out)
{
	size_t i = 0, digits = 0;

	*out = 0;
	while (i < n && (v[i] == ' ' || v[i] == '\t'))
		i++;
	for (; i < n && isdigit(v[i]) && digits < 18; i++, digits++)
		*out = *out * 10 + (uint64_t)(v[i] - '0');
	while (i < n && (v[i] == ' ' || v[i] == '\t'))
		i++;
	return digits > 0 && i == n;
}

static bool http_value_has(const unsigned char *v, size_t n, const char *word)
{
	size_t w = strlen(word);

	for (size_t i = 0; i + w <= n; i++)
		if (strncasecmp((const char *)v + i, word, w) == 0)
			return true;
	return false;
}

static enum check_verdict http_header(struct http_state *h, int *step,
				      const unsigned char *s, size_t n, struct check_input *in)
{
	static const char cl[] = "content-length:", te[] = "transfer-encoding:";
	static const char co[] = "connection:";

	if (n == 0)
		return http_body_start(h, step, in);
	if (n >= sizeof(cl) - 1 && strncasecmp((const char *)s, cl, sizeof(cl) - 1) == 0) {
		if (!http_parse_length(s + sizeof(cl) - 1, n - (sizeof(cl) - 1), &h->left))
			return http_verdict(in, CHECK_DOWN, "malformed Content-Length");
		h->has_length = true;
	} else if (n >= sizeof(te) - 1 &&
		   strncasecmp((const char *)s, te, sizeof(te) - 1) == 0) {
		h->chunked = http_value_has(s + sizeof(te) - 1, n - (sizeof(te) - 1), "chunked");
	} else if (n >= sizeof(co) - 1 &&
		   strncasecmp((const char *)s, co, sizeof(co) - 1) == 0) {
		if (http_value_has(s + sizeof(co) - 1, n - (sizeof(co) - 1), "close"))
			h->persistent = false;
		else if (http_value_has(s + sizeof(co) - 1, n - (sizeof(co) - 1), "keep-alive"))
			h->persistent = true;
	}
	return CHECK_MORE;
}

/* "1a;ext=1": the size of the next chunk; 0 ends the body. */
static enum check_verdict http_chunk_size(struct http_state *h, int *step,
					  const unsigned char *s, size_t n,
					  struct check_input *in)
{
	size_t i = 0;

	h->left = 0;
	for (; i < n && isxdigit(s[i]) && i < 15; i++)
		h->left = h->left * 16 + (uint64_t)(isdigit(s[i]) ? s[i] - '0'
						    : tolower(s[i]) - 'a' + 10);
	if (i == 0)
		return http_verdict(in, CHECK_DOWN, "malformed chunk");
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < n && s[i] != ';')
		return http_verdict(in, CHECK_DOWN, "malformed chunk");
	*step = h->left ? HTTP_CHUNK_DATA : HTTP_TRAILERS;
	return CHECK_MORE;
}

/* The steps that work on whole lines. */
static struct http_result http_line_step(struct http_state *h, int *step,
					 const unsigned char *d, size_t len,
					 struct check_input *in)
{
	struct http_result r = { CHECK_MORE, 0 };
	size_t n, used;

	if (!http_line(d, len, &n, &used))
		return r;
	r.used = used;
	switch (*step) {
	case HTTP_STATUS:
		r.verdict = http_status_line(h, step, d, n, in);
		break;
	case HTTP_HEADERS:
		r.verdict = http_header(h, step, d, n, in);
		break;
	case HTTP_CHUNK_SIZE:
		r.verdict = http_chunk_size(h, step, d, n, in);
		break;
	case HTTP_TRAILERS:
		if (n == 0)
			r.verdict = http_finish(h, in);
		break;
	}
	return r;
}

/* The CRLF that ends a chunk's data: anything else there is wrong at once. */
static struct http_result http_chunk_end(int *step, const unsigned char *d, size_t len,
					 struct check_input *in)
{
	struct http_result r = { CHECK_MORE, 0 };

	if (len == 0 || (d[0] == '\r' && len < 2))
		return r;
	if (d[0] == '\n' || (d[0] == '\r' && d[1] == '\n')) {
		r.used = d[0] == '\n' ? 1 : 2;
		*step = HTTP_CHUNK_SIZE;
		return r;
	}
	r.verdict = http_verdict(in, CHECK_DOWN, "malformed chunk");
	return r;
}

/* The steps that take body bytes. */
static struct http_result http_body_step(struct http_state *h, int *step,
					 const unsigned char *d, size_t len,
					 struct check_input *in)
{
	struct http_result r = { CHECK_MORE, len };

	if (*step != HTTP_BODY_CLOSE && r.used > h->left)
		r.used = (size_t)h->left;
	if (http_body_feed(h, d, r.used) < 0) {
		r.verdict = http_verdict(in, CHECK_DOWN, "reply too large");
		return r;
	}
	if (*step == HTTP_BODY_CLOSE) {
		if (in->eof)
			r.verdict = http_finish(h, in);
		return r;
	}
	h->left -= r.used;
	if (h->left == 0) {
		if (*step == HTTP_CHUNK_DATA)
			*step = HTTP_CHUNK_END;
		else
			r.verdict = http_finish(h, in);
	}
	return r;
}

static void http_reset(struct http_state *h)
{
	if (h->body_cap > HTTP_BODY_KEEP) {
		free(h->body);
		h->body = NULL;
		h->body_cap = 0;
	}
	h->body_len = 0;
	h->code = 0;
	h->interim = h->chunked = h->has_length = h->persistent = false;
	h->left = 0;
	if (h->md)
		EVP_DigestInit_ex(h->md_ctx, h->md, NULL);
}

static enum check_verdict http_judge(void *state, int *step, struct check_input *in)
{
	struct http_state *h = state;
	struct http_result r = { CHECK_MORE, 0 };
	size_t pos = 0;
	int before;

	if (*step == HTTP_START) {
		http_reset(h);
		*step = HTTP_STATUS;
	}
	do {
		before = *step;
		if (*step == HTTP_BODY_LENGTH || *step == HTTP_BODY_CLOSE ||
		    *step == HTTP_CHUNK_DATA)
			r = http_body_step(h, step, in->data + pos, in->len - pos, in);
		else if (*step == HTTP_CHUNK_END)
			r = http_chunk_end(step, in->data + pos, in->len - pos, in);
		else
			r = http_line_step(h, step, in->data + pos, in->len - pos, in);
		pos += r.used;
	} while (r.verdict == CHECK_MORE && (r.used > 0 || *step != before));
	in->consume = pos;
	/*
	 * The connection may serve the next probe only if this response's
	 * end is known from its framing (not from the server's close) and
	 * nothing follows it: one response per probe, never a stray one.
	 */
	in->keep = r.verdict == CHECK_UP && h->keepalive && h->persistent &&
		   *step != HTTP_BODY_CLOSE && pos == in->len && !in->eof;
	if (r.verdict == CHECK_MORE)
		in->phase = http_phases[*step];
	return r.verdict;
}

/* Host: the configured one, else the target as a URL would write it. */
static void http_host(const struct cfg_check *conf, const struct lvs_addr *t, char *buf,
		      size_t len)
{
	char ip[ADDR_STRLEN];
	bool v6 = t->af == AF_INET6;

	if (conf->host) {
		snprintf(buf, len, "%s", conf->host);
		return;
	}
	addr_format_ip(t, ip, sizeof(ip));
	if (t->port && t->port != 80)
		snprintf(buf, len, "%s%s%s:%u", v6 ? "[" : "", ip, v6 ? "]" : "", t->port);
	else
		snprintf(buf, len, "%s%s%s", v6 ? "[" : "", ip, v6 ? "]" : "");
}

static int http_build_request(struct http_state *h, const struct cfg_check *conf,
			      const struct lvs_addr *target)
{
	static const char fmt[] = "%s %s HTTP/%s\r\nHost: %s\r\nUser-Agent: lvsd-check\r\n"
				  "%s\r\n";
	const char *method = conf->method == CFG_HTTP_HEAD ? "HEAD" : "GET";
	const char *path = conf->path ? conf->path : "/";
	const char *version = conf->http_version == CFG_HTTP_11 ? "1.1" : "1.0";
	/* HTTP/1.1 stays open by default; 1.0 must ask. */
	const char *conn = !conf->keepalive ? "Connection: close\r\n"
			   : conf->http_version == CFG_HTTP_11 ? "" : "Connection: keep-alive\r\n";
	size_t hlen = (conf->host ? strlen(conf->host) : 0) + ADDR_STRLEN + 8;
	char *host = malloc(hlen);
	int n;

	if (!host)
		return -1;
	http_host(conf, target, host, hlen);
	n = snprintf(NULL, 0, fmt, method, path, version, host, conn);
	if (n < 0 || !(h->request = malloc((size_t)n + 1))) {
		free(host);
		return -1;
	}
	snprintf(h->request, (size_t)n + 1, fmt, method, path, version, host, conn);
	h->request_len = (size_t)n;
	free(host);
	return 0;
}

static void http_release(void *state)
{
	struct http_state *h = state;

	if (!h)
		return;
	if (h->has_re)
		regfree(&h->re);
	EVP_MD_CTX_free(h->md_ctx);
	free(h->re_text);
	free(h->status);
	free(h->request);
	free(h->body);
	free(h);
}

/* Copies of what the judge needs: nothing may point into the configuration. */
static int http_copy_conf(struct http_state *h, const struct cfg_check *conf, char *err,
			  size_t errlen)
{
	h->head = conf->method == CFG_HTTP_HEAD;
	h->keepalive = conf->keepalive;
	if (conf->n_status) {
		if (!(h->status = malloc(conf->n_status * sizeof(*h->status))))
			goto nomem;
		memcpy(h->status, conf->status, conf->n_status * sizeof(*h->status));
		h->n_status = conf->n_status;
	}
	if (conf->body) {
		int rc = regcomp(&h->re, conf->body, REG_EXTENDED | REG_NOSUB);
		char why[128];

		if (rc != 0) {
			regerror(rc, &h->re, why, sizeof(why));
			snprintf(err, errlen, "bad body regex \"%s\": %s", conf->body, why);
			return -1;
		}
		h->has_re = true;
		if (!(h->re_text = strdup(conf->body)))
			goto nomem;
	}
	if (conf->digest_alg != CFG_DIGEST_NONE) {
		bool md5 = conf->digest_alg == CFG_DIGEST_MD5;

		h->md = md5 ? EVP_md5() : EVP_sha256();
		h->md_name = md5 ? "md5" : "sha256";
		memcpy(h->want, conf->digest, (size_t)EVP_MD_size(h->md));
		if (!(h->md_ctx = EVP_MD_CTX_new()))
			goto nomem;
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory for the http check");
	return -1;
}

static int http_prepare(const struct cfg_check *conf, const struct lvs_addr *target,
			void **state, char *err, size_t errlen)
{
	struct http_state *h = calloc(1, sizeof(*h));

	if (!h) {
		snprintf(err, errlen, "out of memory for the http check");
		return -1;
	}
	if (http_copy_conf(h, conf, err, errlen) < 0) {
		http_release(h);
		return -1;
	}
	if (http_build_request(h, conf, target) < 0) {
		snprintf(err, errlen, "out of memory for the http request");
		http_release(h);
		return -1;
	}
	*state = h;
	return 0;
}

static void http_request(void *state, const unsigned char **data, size_t *len)
{
	const struct http_state *h = state;

	*data = (const unsigned char *)h->request;
	*len = h->request_len;
}

const struct check_proto check_http_proto = {
	.name = "http",
	.prepare = http_prepare,
	.release = http_release,
	.request = http_request,
	.judge = http_judge,
};
