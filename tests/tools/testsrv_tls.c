/*
 * testsrv_tls.c - the TLS side of lvs-testsrv's https listeners: the
 * server's certificate (--cert, --key) and the one it shows while sick
 * (--sick-cert, --sick-key: an expired one, one for another name), so that
 * a test can turn a good TLS server into a bad one at a moment of its
 * choosing. Each accepted connection gets a libevent OpenSSL bufferevent;
 * the rest is the HTTP mode as over plain TCP.
 */
#include "config.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>

#include "testsrv_srv.h"

static void tls_warn_openssl(const char *what, const char *path)
{
	char why[256];

	ERR_error_string_n(ERR_get_error(), why, sizeof why);
	ts_warn("%s %s: %s", what, path, why);
	ERR_clear_error();
}

static SSL_CTX *tls_ctx_new(const struct ts_tls_files *f)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL) {
		tls_warn_openssl("cannot make a TLS context for", f->cert);
		return NULL;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, f->cert) != 1) {
		tls_warn_openssl("cannot load the certificate", f->cert);
	} else if (SSL_CTX_use_PrivateKey_file(ctx, f->key, SSL_FILETYPE_PEM) != 1) {
		tls_warn_openssl("cannot load the key", f->key);
	} else if (SSL_CTX_check_private_key(ctx) != 1) {
		tls_warn_openssl("the key does not match the certificate", f->cert);
	} else {
		return ctx;
	}
	SSL_CTX_free(ctx);
	return NULL;
}

int tls_start(struct listener *l)
{
	struct srv *s = l->srv;

	if (s->tls == NULL) {
		if (s->tls_files.cert == NULL || s->tls_files.key == NULL) {
			ts_warn("--%s %s needs --cert and --key", l->mode->name, l->text);
			return -1;
		}
		s->tls = tls_ctx_new(&s->tls_files);
		if (s->tls == NULL)
			return -1;
	}
	if (s->sick_tls == NULL && s->sick_tls_files.cert) {
		if (s->sick_tls_files.key == NULL) {
			ts_warn("--sick-cert needs --sick-key");
			return -1;
		}
		s->sick_tls = tls_ctx_new(&s->sick_tls_files);
		if (s->sick_tls == NULL)
			return -1;
	}
	return 0;
}

struct bufferevent *tls_bufferevent(struct srv *s, evutil_socket_t fd)
{
	SSL_CTX *ctx = s->sick && s->sick_tls ? s->sick_tls : s->tls;
	struct bufferevent *bev;
	SSL *ssl = SSL_new(ctx);

	if (ssl == NULL)
		return NULL;
	bev = bufferevent_openssl_socket_new(s->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
					     BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)	/* it freed the SSL (BEV_OPT_CLOSE_ON_FREE) */
		return NULL;
	/* Checkers close without close_notify: that is an end, not an error. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

void tls_free(struct srv *s)
{
	SSL_CTX_free(s->tls);
	SSL_CTX_free(s->sick_tls);
	s->tls = s->sick_tls = NULL;
}
