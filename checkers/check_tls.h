/*
 * check_tls.h - the TLS client side of health checks: one OpenSSL
 * context per checker, made once from the check's keys (sni, host,
 * verify, ca, cert, key); one SSL per probe that carries the SNI and the
 * name or IP the server's certificate must show; and the words for a
 * handshake that failed. The stream transport (check_stream.c) drives
 * the handshake with libevent's OpenSSL bufferevent.
 */
#ifndef LVSD_CHECK_TLS_H
#define LVSD_CHECK_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "check.h"

struct check_tls;

/*
 * A TLS client context for one checker: TLS 1.2 at least, verification
 * against `ca` (else the system's default paths) when `verify` is true,
 * the client certificate when `cert` is given. 0, or -1 with what and
 * why in err ("cannot load CA file /x: No such file or directory").
 */
int check_tls_new(const struct cfg_check *conf, struct check_tls **out, char *err,
		  size_t errlen);
void check_tls_free(struct check_tls *t);

/*
 * A new SSL for one probe of `target`, with SNI and, when verifying, the
 * name (or IP) to check the certificate against. NULL with why in err.
 */
SSL *check_tls_session(const struct check_tls *t, const struct lvs_addr *target, char *err,
		       size_t errlen);

/*
 * Why the handshake of `ssl` failed, in words: the verification's own
 * ("TLS: certificate has expired") when it failed, else "TLS handshake
 * failed: " and the first of: the reason of first_err (the first OpenSSL
 * error seen, 0 if none), sys_errno's text (0 if none), the peer's close.
 */
void check_tls_failure(const struct check_tls *t, SSL *ssl, unsigned long first_err,
		       int sys_errno, char *buf, size_t len);

/* An OpenSSL error code's reason in words ("wrong version number"). */
const char *check_tls_reason(unsigned long e, char *buf, size_t len);

#endif
