/*
 * check_tcp_run.h - the plain tcp transport's state for one checker,
 * shared by its two halves: check_tcp.c runs a probe (connect, send,
 * read, judge), check_tcp_sock.c keeps the socket between probes.
 */
#ifndef LVSD_CHECK_TCP_RUN_H
#define LVSD_CHECK_TCP_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "check.h"
#include "check_syn.h"

/* The transport's state for one checker, reused by each of its probes (p->run). */
struct tcp_run {
	struct check_probe *p;
	evutil_socket_t fd;		/* -1 between probes */
	int connect_err;		/* connect() failed at once with this */
	bool connected;
	struct event ev;		/* the socket, edge-triggered, read and write, persistent */
	unsigned char *out;		/* request bytes not sent yet (our copy) */
	size_t out_len, out_off;
	unsigned char *in;		/* reply bytes the judge has not consumed */
	size_t in_len, in_cap;
	struct syn_probe syn;		/* a bare tcp check, as a SYN probe (check_syn.c) */
	/* http keepalive: the connection outlives its probe and serves the next. */
	bool idle;			/* kept between probes: events are ignored */
	bool reused;			/* this probe's request went on a kept connection */
	size_t got;			/* reply bytes this probe has read */
	bool registered;		/* ev is in the loop, for fd */
	bool spare;			/* fd is disconnected, for the next probe to connect */
	/* The request to send as soon as the probes due with this one have connected. */
	const unsigned char *first_req;
	size_t first_len;
	int spare_af;
	evutil_socket_t keep_below;	/* a socket is kept as a spare only under this */
};

/* The socket closed for good (with a reset if it is connected), and out of the loop. */
void tcp_sock_close(struct tcp_run *run);
/* Back to "between probes": the connection reset, the socket kept if it may be, buffers freed. */
void tcp_sock_reset(struct tcp_run *run);
/* Connect the spare socket to the probe's target: as check_tcp_connect(), on a kept socket. */
void tcp_sock_connect_spare(struct tcp_run *run, bool we_speak_first);
/* Half the descriptor limit: the spare sockets' share, whatever their number. */
evutil_socket_t tcp_sock_spare_limit(void);

#endif
