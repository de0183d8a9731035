/*
 * testsrv_srv.h - the server side of lvs-testsrv: the server, its
 * listeners, their connections, and the table of listener kinds (modes)
 * whose callbacks lvs-testsrv.c's generic connection code calls.
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
enum http_resp { RESP_DONE, RESP_SIZE, RESP_SLOW };

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
	struct event *drip;		/* /slow: the next byte's timer */
	char drip_buf[TS_ID_MAX + TS_ADDRSTRLEN + 16];
	size_t drip_len, drip_off;
};

struct srv {
	struct event_base *base;
	const char *id;
	bool proxy_v2;
	const char *pidfile;
	struct listener listeners[32];
	size_t nlisteners;
	TAILQ_HEAD(, conn) conns;
	struct event *sig[2];
};

/* Stop reading; free the connection once its output is written. */
void conn_finish(struct conn *c);

/* The HTTP mode (testsrv_http.c). */
void http_read(struct conn *c);
void http_drain(struct conn *c);
void http_eof(struct conn *c);

#endif
