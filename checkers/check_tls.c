/*
 * check_tls.c - the TLS client context of an https (or expect over tls)
 * checker, and what a failed handshake means in words.
 *
 * The context is made once per checker, so a bad CA file or client key
 * is an error when the checker is made, not a failure at every probe.
 * Each probe gets its own SSL from it, carrying the SNI name (`sni`,
 * else `host` when it is a name) and, when verifying, what the
 * certificate must name: that same name, else the IP the check was
 * given as `host`, else the target's IP. A failed verification is
 * reported in X509_verify_cert_error_string()'s words, which are what an
 * operator needs ("certificate has expired"), rather than OpenSSL's
 * generic "certificate verify failed".
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "check_tls.h"

struct check_tls {
	SSL_CTX *ctx;
	bool verify;
	char *name;		/* sent as SNI, and the certificate must carry it; or NULL */
	char *ip;		/* else the certificate must carry this IP (host given as one) */
};

const char *check_tls_reason(unsigned long e, char *buf, size_t len)
{
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	if (r)
		snprintf(buf, len, "%s", r);
	else if (e)
		ERR_error_string_n(e, buf, len);
	else
		snprintf(buf, len, "no reason given");
	return buf;
}

/* Why a file could not be loaded: errno's words when it cannot even be read. */
static void tls_file_error(const char *what, const char *path, char *err, size_t errlen)
{
	unsigned long e = ERR_peek_last_error();
	char why[128];

	if (access(path, R_OK) < 0)
		snprintf(why, sizeof(why), "%s", strerror(errno));
	else
		check_tls_reason(e, why, sizeof(why));
	snprintf(err, errlen, "cannot load %s %s: %s", what, path, why);
	ERR_clear_error();
}

static int tls_load_trust(struct check_tls *t, const struct cfg_check *conf, char *err,
			  size_t errlen)
{
	char why[128];

	if (!conf->verify) {
		SSL_CTX_set_verify(t->ctx, SSL_VERIFY_NONE, NULL);
		return 0;
	}
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
	if (conf->ca) {
		if (SSL_CTX_load_verify_locations(t->ctx, conf->ca, NULL) != 1) {
			tls_file_error("CA file", conf->ca, err, errlen);
			return -1;
		}
		return 0;
	}
	if (SSL_CTX_set_default_verify_paths(t->ctx) != 1) {
		snprintf(err, errlen, "cannot load the system's CA certificates: %s",
			 check_tls_reason(ERR_peek_last_error(), why, sizeof(why)));
		ERR_clear_error();
		return -1;
	}
	return 0;
}

/* The client certificate; its key may sit in the same PEM file. */
static int tls_load_client(struct check_tls *t, const struct cfg_check *conf, char *err,
			   size_t errlen)
{
	const char *key = conf->key ? conf->key : conf->cert;

	if (!conf->cert && conf->key) {
		snprintf(err, errlen, "the client key %s needs a client certificate (cert)",
			 conf->key);
		return -1;
	}
	if (!conf->cert)
		return 0;
	if (SSL_CTX_use_certificate_chain_file(t->ctx, conf->cert) != 1) {
		tls_file_error("client certificate", conf->cert, err, errlen);
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(t->ctx, key, SSL_FILETYPE_PEM) != 1) {
		tls_file_error("client key", key, err, errlen);
		return -1;
	}
	if (SSL_CTX_check_private_key(t->ctx) != 1) {
		snprintf(err, errlen, "the client key %s does not match the certificate %s", key,
			 conf->cert);
		ERR_clear_error();
		return -1;
	}
	return 0;
}

/* The host part of a Host value: no port, no IPv6 brackets. */
static void tls_host_part(const char *host, char *buf, size_t len)
{
	const char *colon = strchr(host, ':');
	size_t n = strlen(host);

	if (host[0] == '[') {
		const char *end = strchr(host, ']');

		host++;
		n = end ? (size_t)(end - host) : strlen(host);
	} else if (colon && colon == strrchr(host, ':')) {
		n = (size_t)(colon - host);	/* name:port or IPv4:port */
	}
	if (n >= len)
		n = len - 1;
	memcpy(buf, host, n);
	buf[n] = '\0';
}

static bool tls_is_ip(const char *s)
{
	unsigned char b[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

static int tls_names(struct check_tls *t, const struct cfg_check *conf, char *err,
		     size_t errlen)
{
	char host[256] = "";
	bool host_is_ip;
	const char *name;

	if (conf->host)
		tls_host_part(conf->host, host, sizeof(host));
	host_is_ip = host[0] && tls_is_ip(host);
	name = conf->sni ? conf->sni : host[0] && !host_is_ip ? host : NULL;
	if ((name && !(t->name = strdup(name))) || (host_is_ip && !(t->ip = strdup(host)))) {
		snprintf(err, errlen, "out of memory for the TLS names");
		return -1;
	}
	return 0;
}

int check_tls_new(const struct cfg_check *conf, struct check_tls **out, char *err,
		  size_t errlen)
{
	struct check_tls *t = calloc(1, sizeof(*t));
	char why[128];

	if (!t) {
		snprintf(err, errlen, "out of memory for a TLS context");
		return -1;
	}
	ERR_clear_error();
	t->verify = conf->verify;
	t->ctx = SSL_CTX_new(TLS_client_method());
	if (!t->ctx) {
		snprintf(err, errlen, "cannot make a TLS context: %s",
			 check_tls_reason(ERR_peek_last_error(), why, sizeof(why)));
		ERR_clear_error();
		free(t);
		return -1;
	}
	SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
	SSL_CTX_set_mode(t->ctx, SSL_MODE_RELEASE_BUFFERS);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	/*
	 * Many servers close without close_notify. A check reads a length-
	 * framed reply or judges what it got, so a truncation is no threat
	 * here, and OpenSSL 3 would otherwise turn every such close into an
	 * error instead of an end of stream.
	 */
	SSL_CTX_set_options(t->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
	if (tls_load_trust(t, conf, err, errlen) < 0 || tls_load_client(t, conf, err, errlen) < 0 ||
	    tls_names(t, conf, err, errlen) < 0) {
		check_tls_free(t);
		return -1;
	}
	*out = t;
	return 0;
}

void check_tls_free(struct check_tls *t)
{
	if (!t)
		return;
	SSL_CTX_free(t->ctx);
	free(t->name);
	free(t->ip);
	free(t);
}

/* What the server's certificate must name: a DNS name, the IP given as host, or the target's. */
static int tls_expect_peer(const struct check_tls *t, SSL *ssl, const struct lvs_addr *target)
{
	X509_VERIFY_PARAM *param = SSL_get0_param(ssl);

	if (t->name) {
		SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		return SSL_set1_host(ssl, t->name) == 1 ? 0 : -1;
	}
	if (t->ip)
		return X509_VERIFY_PARAM_set1_ip_asc(param, t->ip) == 1 ? 0 : -1;
	if (target->af == AF_INET6)
		return X509_VERIFY_PARAM_set1_ip(param, (const unsigned char *)&target->ip.v6,
						 sizeof(target->ip.v6)) == 1 ? 0 : -1;
	return X509_VERIFY_PARAM_set1_ip(param, (const unsigned char *)&target->ip.v4,
					 sizeof(target->ip.v4)) == 1 ? 0 : -1;
}

SSL *check_tls_session(const struct check_tls *t, const struct lvs_addr *target, char *err,
		       size_t errlen)
{
	char why[128];
	SSL *ssl;

	ERR_clear_error();
	ssl = SSL_new(t->ctx);
	if (!ssl) {
		snprintf(err, errlen, "cannot make a TLS session: %s",
			 check_tls_reason(ERR_peek_last_error(), why, sizeof(why)));
		ERR_clear_error();
		return NULL;
	}
	if (t->name && SSL_set_tlsext_host_name(ssl, t->name) != 1) {
		snprintf(err, errlen, "cannot set the TLS server name '%s': %s", t->name,
			 check_tls_reason(ERR_peek_last_error(), why, sizeof(why)));
		goto fail;
	}
	if (t->verify && tls_expect_peer(t, ssl, target) < 0) {
		snprintf(err, errlen, "cannot set the name to verify: %s",
			 check_tls_reason(ERR_peek_last_error(), why, sizeof(why)));
		goto fail;
	}
	return ssl;
fail:
	ERR_clear_error();
	SSL_free(ssl);
	return NULL;
}

void check_tls_failure(const struct check_tls *t, SSL *ssl, unsigned long first_err,
		       int sys_errno, char *buf, size_t len)
{
	long v = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
	char why[128];

	if (t->verify && v != X509_V_OK)
		snprintf(buf, len, "TLS: %s", X509_verify_cert_error_string(v));
	else if (first_err)
		snprintf(buf, len, "TLS handshake failed: %s",
			 check_tls_reason(first_err, why, sizeof(why)));
	else if (sys_errno)
		snprintf(buf, len, "TLS handshake failed: %s", strerror(sys_errno));
	else
		snprintf(buf, len, "TLS handshake failed: the server closed the connection");
}
