/*
 * fwd_user_tcp.h - what the two halves of the userspace core's TCP proxy
 * share: the connection, its two sockets and what is held between them.
 * fwd_user_tcp.c moves the bytes; fwd_user_tcp_conn.c makes, retries,
 * times out and closes the connections. Nothing outside them includes it.
 */
#ifndef LVSD_FWD_USER_TCP_H
#define LVSD_FWD_USER_TCP_H

#include "fwd_user.h"

#define TCONN_BUF 16384
#define TCONN_PIPE_AFTER 2		/* full reads in a row before splicing */
#define TCONN_SPLICE_MAX 65536		/* a pipe's default capacity */
#define TCONN_MAX_TRIES 8
/* Registered once per socket for its whole life (see above). */
#define TCONN_EVENTS (EV_READ | EV_WRITE | EV_CLOSED | EV_ET | EV_PERSIST)

enum { CLIENT = 0, SERVER = 1 };

struct tbuf {
	char *data;
	uint32_t off, len;
};

/* A bulk direction's pipe: splice() moves bytes through it without a copy. */
struct tpipe {
	int rd, wr;
	size_t len;			/* bytes in the pipe, not yet written out */
};

struct tconn {
	struct uconn uc;		/* first: the core sees a struct uconn */
	struct uservice *svc;
	int fd[2];
	struct event io[2], timer;
	TAILQ_ENTRY(tconn) more_entry;	/* on core->more_to_read */
	struct tbuf pending[2];		/* read from side i, not yet written to !i */
	struct tpipe *pipe[2];		/* side i is bulk: it goes by splice */
	uint8_t full_reads[2];		/* full buffers read in a row from side i */
	bool connecting, eof[2], shut[2];
	bool readable[2];		/* side i may have bytes not read yet */
	bool fin_queued[2];		/* side i's FIN is there, behind its data */
	bool more_queued;
	struct lvs_addr client;
	uint64_t last_ms;		/* last byte moved, for the idle timeout */
	struct udest *tried[TCONN_MAX_TRIES];
	size_t n_tried;
};

/* What side i sent that side !i has not taken yet. */
static inline size_t tconn_pending_len(const struct tconn *t, int i)
{
	return t->pending[i].len + (t->pipe[i] ? t->pipe[i]->len : 0);
}

/* fwd_user_tcp.c: the data path. The int functions return -1 when t was closed. */
void tconn_on_io(evutil_socket_t fd, short what, void *arg);
int tconn_pump(struct tconn *t, int i);
int tconn_flush(struct tconn *t, int o);
uint64_t tconn_now_ms(const struct tconn *t);
/* Give back what the data path holds: buffers, pipes, the more_to_read entry. */
void tconn_release_io(struct tconn *t);

/* fwd_user_tcp_conn.c: the connection's life. */
void tconn_arm_timer(struct tconn *t, uint64_t ms);
void tconn_close(struct tconn *t, const char *why);
void tconn_on_connected(struct tconn *t, short what);

#endif
