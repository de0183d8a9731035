/*
 * test_check_stream_util.h - what the stream transport's tests probe:
 * loopback servers made with libevent in the test's own event loop
 * (plain or TLS; answering, dripping their answer, closing at once, or
 * silent), and a small PKI made with the OpenSSL API at run time (a CA,
 * and server certificates valid for localhost, expired, for the wrong
 * name, self-signed), so no key or certificate file is kept in the tree
 * and none can expire there.
 */
#ifndef LVSD_TEST_CHECK_STREAM_UTIL_H
#define LVSD_TEST_CHECK_STREAM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <openssl/ssl.h>

enum tsrv_kind {
	TSRV_CLOSE,	/* close each connection as soon as it is accepted */
	TSRV_REPLY,	/* after the request's headers: the reply, then close */
	TSRV_DRIP,	/* after the request's headers: the reply, a byte every 100ms */
	TSRV_SILENT,	/* read and never answer */
	TSRV_KEEP,	/* the reply to each request; the connection stays open */
	TSRV_KEEP_ONCE,	/* the reply to a connection's first request; closes on its second */
};

struct tsrv;

/*
 * A server on 127.0.0.1 (::1 when v6), on a port the kernel picks,
 * served by `base`. tls NULL: plain TCP. reply is not copied. NULL if it
 * cannot listen.
 */
struct tsrv *tsrv_new(struct event_base *base, bool v6, enum tsrv_kind kind, const char *reply,
		      size_t reply_len, SSL_CTX *tls);
uint16_t tsrv_port(const struct tsrv *s);
/* Connections accepted so far. */
unsigned tsrv_accepted(const struct tsrv *s);
/* Close every connection it holds, as a server dropping idle ones does. */
void tsrv_close_all(struct tsrv *s);
void tsrv_free(struct tsrv *s);

enum tpki_cert {
	TPKI_VALID,		/* for DNS:localhost and IP:127.0.0.1, signed by the CA */
	TPKI_EXPIRED,		/* the same, expired yesterday */
	TPKI_WRONG_NAME,	/* for DNS:wrong.example, signed by the CA */
	TPKI_SELF_SIGNED,	/* for localhost, signed by itself */
	TPKI_N,
};

struct tpki {
	char ca_file[64];		/* the CA's certificate, PEM */
	SSL_CTX *server[TPKI_N];	/* a server context for each certificate */
};

/* Make the CA, the certificates and the contexts. 0, or -1 (printed why). */
int tpki_make(struct tpki *k);
void tpki_free(struct tpki *k);

/*
 * A listener on 127.0.0.1 that nothing serves (the kernel still completes
 * handshakes into its queue): its descriptor, its port in *port; -1 on error.
 */
int tsrv_bare_listener(unsigned *port);

#endif
