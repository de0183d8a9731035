/*
 * ctl_proto.h - the control socket's wire format, shared by lvsd and
 * lvsctl, as pure functions.
 *
 * A request is one line: words separated by spaces, printable ASCII only,
 * at most CTL_MAX_REQUEST bytes including the newline. The answer is a
 * header line "OK <length>" or "ERR <length>" followed by exactly that many
 * bytes of text, so a client can tell a complete answer from a daemon that
 * died halfway through one.
 */
#ifndef LVSD_CTL_PROTO_H
#define LVSD_CTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#define CTL_MAX_REQUEST 4096
#define CTL_MAX_ARGS 16
#define CTL_MAX_HEADER 32
#define CTL_MAX_RESPONSE (64u << 20)

struct ctl_request {
	int argc;
	char *argv[CTL_MAX_ARGS + 1];
	char buf[CTL_MAX_REQUEST];
};

/*
 * Split one request line (without its newline) into words. 0, or -1 with
 * the reason in err (empty, too long, a control or non-ASCII byte, too
 * many words).
 */
int ctl_request_parse(const char *line, size_t len, struct ctl_request *req,
		      char *err, size_t errlen);

/* Join argv into a request line with its newline. Length, or -1 with err. */
int ctl_request_format(int argc, char *const argv[], char *out, size_t outlen,
		       char *err, size_t errlen);

/* "OK 123\n" / "ERR 45\n" into out; returns its length. */
int ctl_response_header(bool ok, size_t body_len, char *out, size_t outlen);

/* Parse a header line (without newline). 0, or -1 if it is not one. */
int ctl_response_parse_header(const char *line, bool *ok, size_t *body_len);

#endif
