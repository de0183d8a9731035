/*
 * testsrv_smtp.c - lvs-testsrv's SMTP-like listener: just enough of RFC
 * 5321's opening for a health check. A well server greets with "220",
 * answers EHLO and HELO with "250", QUIT with "221" (and closes), anything
 * else with "500". A sick one greets with "421" (too busy) and closes, as a
 * mail server that refuses service does.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "testsrv_srv.h"

#define SMTP_MAX_LINE	1024

void smtp_open(struct conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	const char *id = c->l->srv->id;

	if (c->l->srv->sick) {
		evbuffer_add_printf(out, "421 4.3.2 %s is sick, try later\r\n", id);
		conn_finish(c);
		return;
	}
	evbuffer_add_printf(out, "220 %s ESMTP lvs-testsrv\r\n", id);
}

/* Is line the command verb, alone or followed by a blank? */
static bool smtp_is(const char *line, const char *verb)
{
	size_t n = strlen(verb);

	return strncasecmp(line, verb, n) == 0 && (line[n] == '\0' || line[n] == ' ');
}

void smtp_read(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer *out = bufferevent_get_output(c->bev);
	const char *id = c->l->srv->id;
	char *line;

	while (!c->closing && (line = evbuffer_readln(in, NULL, EVBUFFER_EOL_CRLF)) != NULL) {
		if (smtp_is(line, "EHLO")) {
			evbuffer_add_printf(out, "250-%s greets %s\r\n250 8BITMIME\r\n", id,
					    c->client);
		} else if (smtp_is(line, "HELO")) {
			evbuffer_add_printf(out, "250 %s\r\n", id);
		} else if (smtp_is(line, "QUIT")) {
			evbuffer_add_printf(out, "221 %s closing\r\n", id);
			conn_finish(c);
		} else {
			evbuffer_add_printf(out, "500 5.5.1 unknown command\r\n");
		}
		free(line);
	}
	if (!c->closing && evbuffer_get_length(in) > SMTP_MAX_LINE) {
		evbuffer_add_printf(out, "500 5.5.2 line too long\r\n");
		conn_finish(c);
	}
}
