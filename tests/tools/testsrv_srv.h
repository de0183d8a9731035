/*
 * testsrv_srv.h - the server side of lvs-testsrv: the server, its
 * listeners, their connections, and the table of listener kinds (modes)
 * whose callbacks lvs-testsrv.c's generic connection code calls.
 *
 * A server is "sick" between a SIGUSR1 and a SIGUSR2: each mode then
 * misbehaves in its own way (see modes[] and --help), so that a test
 * breaks and heals a real server at a moment of its choosing.
 */
#ifndef LVS_TESTSRV_SRV_H
#define LVS_TESTSRV_SRV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <event2/util.h>

#include "testsrv.h"

/* A peer that vanished (a cut link) must not pin a connection forever. */
#define IDLE_TIMEOUT_S	120

struct event;
struct event_base;
struct ssl_ctx_st;
struct bufferevent;
struct evconnlistener;
struct conn;
struct listener;

/*
 * One kind of listener, a row of modes[]. start runs once the socket is
 * bound (and listening, for TCP). For TCP, open runs when a connection is
 * ready (after its PROXY header, with --proxy-v2), read when input came,
 * drain when output went out, eof at the client's FIN (NULL: close).
 */
struct mode {
	const char *name;
	int socktype;
	bool tls;			/* TCP under TLS (--cert, --key) */
	int (*start)(struct listener *l);
	void (*open)(struct conn *c);
	void (*read)(struct conn *c);
	void (*drain)(struct conn *c);
	void (*eof)(struct conn *c);
	const char *help;
};

extern const struct mode modes[];

struct listener {
	struct srv *srv;
	const struct mode *mode;
	const char *text;		/* ADDR:PORT as given */
	struct ts_addr addr;
	evutil_socket_t fd;
	struct evconnlistener *evl;	/* TCP */
	struct event *ev;		/* UDP: readable; TCP: accept pause */
};

enum http_req_state { REQ_LINE, REQ_HEADERS, REQ_BODY };
enum http_resp { RESP_DONE, RESP_SIZE, RESP_SLOW, RESP_HANG };

struct conn {
	TAILQ_ENTRY(conn) entry;
	struct listener *l;
	struct bufferevent *bev;
	char client[TS_ADDRSTRLEN];	/* the peer, or the PROXY header's source */
	bool want_proxy;		/* the PROXY header is still to come */
	bool proxied;			/* it came */
	bool closing;			/* freed once the output is out */
	bool peer_eof;

	/* HTTP: the request being read */
	enum http_req_state req;
	int minor;			/* HTTP/1.<minor> */
	int nheaders;
	bool head;			/* HEAD: no body */
	bool keepalive;
	uint64_t req_body;		/* request body bytes still to discard */
	char path[256];

	/* HTTP: the answer being written */
	enum http_resp resp;
	uint64_t left;			/* /size: bytes still to generate */
	struct event *drip;		/* /slow, /drip: the next byte's timer */
	char drip_buf[512];		/* /drip: the whole answer */
	size_t drip_len, drip_off;
	long drip_ms;			/* between two bytes */
};

/* A certificate and its key, from --cert/--key or --sick-cert/--sick-key. */
struct ts_tls_files {
	const char *cert, *key;
};

struct srv {
	struct event_base *base;
	const char *id;
	bool proxy_v2;
	const char *pidfile;
	struct listener listeners[32];
	size_t nlisteners;
	TAILQ_HEAD(, conn) conns;
	struct event *sig[4];
	bool sick;			/* between SIGUSR1 and SIGUSR2 */
	long flap_ms;			/* --flap: /health alternates 200 and 503 */
	long flap_each;			/* --flap-each: the same every N of its requests */
	unsigned long health_served;	/* /health requests so far, for --flap-each */
	struct ts_tls_files tls_files, sick_tls_files;
	struct ssl_ctx_st *tls, *sick_tls;	/* SSL_CTX, made when a TLS listener starts */
};

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t ts_now_ms(void);

/* Stop reading; free the connection once its output is written. */
void conn_finish(struct conn *c);

/* The HTTP mode (testsrv_http.c); https is the same over TLS. */
void http_read(struct conn *c);
void http_drain(struct conn *c);
void http_eof(struct conn *c);

/*
 * TLS (testsrv_tls.c). tls_start makes the server's contexts once, from
 * --cert/--key and, if given, --sick-cert/--sick-key (0, or -1 with why on
 * stderr). tls_bufferevent wraps an accepted socket in a server-side TLS
 * bufferevent, the sick certificate's while the server is sick.
 */
int tls_start(struct listener *l);
struct bufferevent *tls_bufferevent(struct srv *s, evutil_socket_t fd);
void tls_free(struct srv *s);

/* The SMTP-like mode (testsrv_smtp.c). */
void smtp_open(struct conn *c);
void smtp_read(struct conn *c);

/* The DNS responder (testsrv_dns.c): a UDP listener's start. */
int dns_start(struct listener *l);

#endif
