/*
 * testsrv.h - what the halves of lvs-testsrv share: numeric addresses, the
 * PROXY protocol v2 codec, warnings, and the client modes' entry point.
 *
 * lvs-testsrv is the real server of lvsd's network-namespace lab
 * (tests/lab/lab.sh) and the client the lab's tests drive it with:
 * lvs-testsrv.c is the command line, the listeners, TCP and UDP echo and
 * the UDP sink; testsrv_http.c the HTTP server, testsrv_tls.c its TLS
 * side, testsrv_smtp.c and testsrv_dns.c the SMTP-like and DNS listeners
 * of health-check tests (testsrv_srv.h declares what the server files
 * share); testsrv_client.c the client modes; testsrv_util.c the helpers
 * declared here.
 */
#ifndef LVS_TESTSRV_H
#define LVS_TESTSRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* "[ffff:...:ffff]:65535" and a NUL. */
#define TS_ADDRSTRLEN	56
/* A server id, as sent in X-Server and counted by --get-many. */
#define TS_ID_MAX	64

/* A numeric socket address. */
struct ts_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* Print "lvs-testsrv: " and the message on stderr. */
void ts_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Parse "IP:PORT", "[IPv6]:PORT" or "*:PORT" (any IPv4 address) into *a.
 * Port 0 is refused. Returns 0, or -1 with the reason in err.
 */
int ts_addr_parse(const char *s, struct ts_addr *a, char *err, size_t errlen);

/* Write sa as "IP:PORT" or "[IPv6]:PORT" into buf (TS_ADDRSTRLEN bytes). */
void ts_addr_format(const struct sockaddr *sa, char *buf, size_t len);

/* Raise RLIMIT_NOFILE to its hard limit: thousands of connections. */
void ts_raise_nofile(void);

/* ---- PROXY protocol v2 (haproxy's proxy-protocol.txt, section 2.2) ---- */

#define PP2_SIG		"\r\n\r\n\0\r\nQUIT\n"
#define PP2_SIG_LEN	12
#define PP2_HDR_LEN	16		/* signature, ver_cmd, fam, len */
#define PP2_MAX_LEN	(PP2_HDR_LEN + 65535)

enum pp2_result {
	PP2_BAD = -1,
	PP2_NEED_MORE = 0,
	PP2_OK = 1,
};

/*
 * Parse the PROXY v2 header at the start of buf[0..len). On PP2_OK, *hdrlen
 * is its length and *src the client address it carries; its family is
 * AF_UNSPEC for a LOCAL command (a health check) or an UNSPEC/UNIX address.
 * PP2_NEED_MORE: buf is a correct prefix so far. PP2_BAD: why is in err.
 */
enum pp2_result pp2_parse(const uint8_t *buf, size_t len, size_t *hdrlen,
			  struct sockaddr_storage *src, char *err, size_t errlen);

/*
 * Build a PROXY v2 header for a TCP connection from src to dst into out
 * (at least PP2_HDR_LEN + 36 bytes). Returns its length.
 */
size_t pp2_build(uint8_t *out, const struct sockaddr *src, const struct sockaddr *dst);

/* ---- client modes (testsrv_client.c) ---- */

enum ts_client_mode {
	TS_CLIENT_NONE,
	TS_CLIENT_GET,		/* --get URL */
	TS_CLIENT_GET_MANY,	/* --get-many N URL */
	TS_CLIENT_SEND,		/* --send tcp://ADDR:PORT | udp://ADDR:PORT */
};

struct ts_client_opts {
	enum ts_client_mode mode;
	const char *url;
	long count;		/* requests in all */
	long concurrency;	/* connections at once */
	bool keepalive;		/* several requests per connection */
	bool include;		/* --get: status line and headers too */
	bool http10;		/* HTTP/1.0 requests */
	double timeout;		/* seconds without progress */
	bool send_proxy;	/* send a PROXY v2 header from proxy_src */
	struct ts_addr proxy_src;
};

/* Run a client mode. Returns the process's exit status. */
int ts_client_run(const struct ts_client_opts *o);

#endif
