/*
 * test_check_stream_util.c - the loopback servers and the small PKI the
 * stream transport's tests probe (see the header). Servers run in the
 * test's event loop, so a test is one thread and its timing is the
 * loop's; every connection they accept is freed by tsrv_free() at the
 * latest, so ASan sees no leak from the servers.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "test_check_stream_util.h"

struct tsrv_conn {
	struct tsrv *srv;
	struct bufferevent *bev;
	struct event *drip;
	size_t sent;
	bool answering;
	unsigned answered;		/* TSRV_KEEP*: requests answered */
	struct tsrv_conn *next;
};

struct tsrv {
	struct event_base *base;
	struct evconnlistener *lis;
	enum tsrv_kind kind;
	const char *reply;
	size_t reply_len;
	SSL_CTX *tls;
	uint16_t port;
	unsigned accepted;
	struct tsrv_conn *conns;
};

static void conn_free(struct tsrv_conn *c)
{
	struct tsrv_conn **pp = &c->srv->conns;

	while (*pp && *pp != c)
		pp = &(*pp)->next;
	if (*pp)
		*pp = c->next;
	if (c->drip)
		event_free(c->drip);
	bufferevent_free(c->bev);
	free(c);
}

static void conn_on_drip(evutil_socket_t fd, short what, void *arg)
{
	struct tsrv_conn *c = arg;

	(void)fd;
	(void)what;
	if (c->sent < c->srv->reply_len)
		bufferevent_write(c->bev, c->srv->reply + c->sent++, 1);
}

static void conn_answer(struct tsrv_conn *c)
{
	struct timeval tv = { 0, 100 * 1000 };

	c->answering = true;
	if (c->srv->kind == TSRV_REPLY) {
		bufferevent_write(c->bev, c->srv->reply, c->srv->reply_len);
		return;
	}
	c->drip = event_new(c->srv->base, -1, EV_PERSIST, conn_on_drip, c);
	if (c->drip) {
		event_add(c->drip, &tv);
		conn_on_drip(-1, 0, c);
	}
}

/* A keepalive server: one reply per request, the connection left open. */
static void conn_keep(struct tsrv_conn *c, struct evbuffer *in, struct evbuffer_ptr end)
{
	if (end.pos < 0)
		return;
	evbuffer_drain(in, evbuffer_get_length(in));
	if (c->srv->kind == TSRV_KEEP_ONCE && c->answered) {
		conn_free(c);
		return;
	}
	c->answered++;
	bufferevent_write(c->bev, c->srv->reply, c->srv->reply_len);
}

static void conn_on_read(struct bufferevent *bev, void *arg)
{
	struct tsrv_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, NULL);

	if (c->srv->kind == TSRV_KEEP || c->srv->kind == TSRV_KEEP_ONCE) {
		conn_keep(c, in, end);
		return;
	}
	bool to_answer = c->srv->kind != TSRV_SILENT && !c->answering;

	if (to_answer && end.pos < 0)
		return;		/* the request's headers are not all in yet */
	evbuffer_drain(in, evbuffer_get_length(in));
	if (to_answer)
		conn_answer(c);
}

/* All of a TSRV_REPLY answer is out: close, as "Connection: close" asked. */
static void conn_on_write(struct bufferevent *bev, void *arg)
{
	struct tsrv_conn *c = arg;

	(void)bev;
	if (c->srv->kind == TSRV_REPLY && c->answering)
		conn_free(c);
}

static void conn_on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_free(arg);
}

static void srv_on_accept(struct evconnlistener *lis, evutil_socket_t fd,
			  struct sockaddr *sa, int salen, void *arg)
{
	struct tsrv *s = arg;
	struct tsrv_conn *c;
	SSL *ssl;

	(void)lis;
	(void)sa;
	(void)salen;
	s->accepted++;
	if (s->kind == TSRV_CLOSE || !(c = calloc(1, sizeof(*c)))) {
		close(fd);
		return;
	}
	c->srv = s;
	if (s->tls && (ssl = SSL_new(s->tls)))
		c->bev = bufferevent_openssl_socket_new(s->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
							BEV_OPT_CLOSE_ON_FREE);
	else if (!s->tls)
		c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev) {
		close(fd);
		free(c);
		return;
	}
	c->next = s->conns;
	s->conns = c;
	bufferevent_setcb(c->bev, conn_on_read, conn_on_write, conn_on_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

struct tsrv *tsrv_new(struct event_base *base, bool v6, enum tsrv_kind kind, const char *reply,
		      size_t reply_len, SSL_CTX *tls)
{
	struct tsrv *s = calloc(1, sizeof(*s));
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len = sizeof(ss);

	if (!s)
		return NULL;
	memset(&ss, 0, sizeof(ss));
	if (v6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
	} else {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	}
	*s = (struct tsrv){ .base = base, .kind = kind, .reply = reply, .reply_len = reply_len,
			    .tls = tls };
	s->lis = evconnlistener_new_bind(base, srv_on_accept, s,
					 LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 64,
					 (struct sockaddr *)&ss,
					 v6 ? sizeof(*sin6) : sizeof(*sin));
	if (!s->lis ||
	    getsockname(evconnlistener_get_fd(s->lis), (struct sockaddr *)&ss, &len) < 0) {
		tsrv_free(s);
		return NULL;
	}
	s->port = ntohs(v6 ? sin6->sin6_port : sin->sin_port);
	return s;
}

uint16_t tsrv_port(const struct tsrv *s)
{
	return s->port;
}

unsigned tsrv_accepted(const struct tsrv *s)
{
	return s->accepted;
}

void tsrv_close_all(struct tsrv *s)
{
	while (s->conns)
		conn_free(s->conns);
}

void tsrv_free(struct tsrv *s)
{
	if (!s)
		return;
	tsrv_close_all(s);
	if (s->lis)
		evconnlistener_free(s->lis);
	free(s);
}

/* ---- the PKI ------------------------------------------------------------ */

static EVP_PKEY *pki_key(void)
{
	EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, NULL);
	EVP_PKEY *k = NULL;

	if (kc && EVP_PKEY_keygen_init(kc) == 1 &&
	    EVP_PKEY_CTX_set_ec_paramgen_curve_nid(kc, NID_X9_62_prime256v1) == 1)
		EVP_PKEY_keygen(kc, &k);
	EVP_PKEY_CTX_free(kc);
	return k;
}

static int pki_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!e)
		return -1;
	ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok == 1 ? 0 : -1;
}

/* A certificate for key, valid from..until seconds from now; issuer NULL: self-signed. */
static X509 *pki_cert(EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, const char *cn,
		      const char *san, long from, long until)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *name;
	bool ca = san == NULL;

	if (!x)
		return NULL;
	name = X509_get_subject_name(x);
	if (X509_set_version(x, 2) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++) != 1 ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), from) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), until) || X509_set_pubkey(x, key) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1,
				       -1, 0) != 1 ||
	    X509_set_issuer_name(x, X509_get_subject_name(issuer ? issuer : x)) != 1 ||
	    pki_ext(x, issuer ? issuer : x, NID_basic_constraints,
		    ca ? "critical,CA:TRUE" : "CA:FALSE") < 0 ||
	    (ca && pki_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") < 0) ||
	    (san && pki_ext(x, issuer ? issuer : x, NID_subject_alt_name, san) < 0) ||
	    !X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static SSL_CTX *pki_server_ctx(X509 *cert, EVP_PKEY *key)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx && SSL_CTX_use_certificate(ctx, cert) == 1 &&
	    SSL_CTX_use_PrivateKey(ctx, key) == 1)
		return ctx;
	SSL_CTX_free(ctx);
	return NULL;
}

static int pki_write_ca(struct tpki *k, X509 *ca)
{
	int fd;
	FILE *f;

	snprintf(k->ca_file, sizeof(k->ca_file), "/tmp/test_check_stream_ca.XXXXXX");
	fd = mkstemp(k->ca_file);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		if (fd >= 0)
			close(fd);
		k->ca_file[0] = '\0';
		return -1;
	}
	if (PEM_write_X509(f, ca) != 1) {
		fclose(f);
		return -1;
	}
	return fclose(f) == 0 ? 0 : -1;
}

int tpki_make(struct tpki *k)
{
	static const long day = 86400;
	static const char san[] = "DNS:localhost,IP:127.0.0.1";
	EVP_PKEY *ca_key = pki_key(), *key = pki_key();
	X509 *ca = NULL, *certs[TPKI_N] = { NULL };
	int rc = -1;

	memset(k, 0, sizeof(*k));
	if (!ca_key || !key || !(ca = pki_cert(ca_key, NULL, NULL, "lvsd test CA", NULL, -day,
						 day)))
		goto out;
	certs[TPKI_VALID] = pki_cert(key, ca, ca_key, "localhost", san, -day, day);
	certs[TPKI_EXPIRED] = pki_cert(key, ca, ca_key, "localhost", san, -2 * day, -day);
	certs[TPKI_WRONG_NAME] = pki_cert(key, ca, ca_key, "wrong.example", "DNS:wrong.example",
					  -day, day);
	certs[TPKI_SELF_SIGNED] = pki_cert(key, NULL, NULL, "localhost", san, -day, day);
	rc = 0;
	for (int i = 0; i < TPKI_N; i++)
		if (!certs[i] || !(k->server[i] = pki_server_ctx(certs[i], key)))
			rc = -1;
	if (rc == 0)
		rc = pki_write_ca(k, ca);
out:
	if (rc < 0)
		ERR_print_errors_fp(stderr);
	for (int i = 0; i < TPKI_N; i++)
		X509_free(certs[i]);
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(key);
	return rc;
}

void tpki_free(struct tpki *k)
{
	for (int i = 0; i < TPKI_N; i++)
		SSL_CTX_free(k->server[i]);
	if (k->ca_file[0])
		unlink(k->ca_file);
	memset(k, 0, sizeof(*k));
}

int tsrv_bare_listener(unsigned *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}
