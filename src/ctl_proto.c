/*
 * ctl_proto.c - request splitting and response framing for the control
 * socket. Everything here takes bytes and returns values: the daemon's
 * side with libevent and lvsctl's blocking side both call it.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"

int ctl_request_parse(const char *line, size_t len, struct ctl_request *req,
		      char *err, size_t errlen)
{
	char *p;

	req->argc = 0;
	if (len >= sizeof(req->buf)) {
		snprintf(err, errlen, "request longer than %d bytes", CTL_MAX_REQUEST - 1);
		return -1;
	}
	if (len > 0 && line[len - 1] == '\r')
		len--;	/* tolerate clients that end lines with CRLF */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if ((c < 0x20 && c != '\t') || c >= 0x7f) {
			snprintf(err, errlen, "request has a non-printable byte 0x%02x "
				 "at offset %zu", c, i);
			return -1;
		}
	}
	memcpy(req->buf, line, len);
	req->buf[len] = '\0';
	for (p = strtok(req->buf, " \t"); p; p = strtok(NULL, " \t")) {
		if (req->argc == CTL_MAX_ARGS) {
			snprintf(err, errlen, "request has more than %d words", CTL_MAX_ARGS);
			return -1;
		}
		req->argv[req->argc++] = p;
	}
	req->argv[req->argc] = NULL;
	if (req->argc == 0) {
		snprintf(err, errlen, "empty request");
		return -1;
	}
	return 0;
}

int ctl_request_format(int argc, char *const argv[], char *out, size_t outlen,
		       char *err, size_t errlen)
{
	size_t n = 0;

	if (argc <= 0 || argc > CTL_MAX_ARGS) {
		snprintf(err, errlen, "a command has 1 to %d words", CTL_MAX_ARGS);
		return -1;
	}
	for (int i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]);

		if (l == 0 || strpbrk(argv[i], " \t\r\n")) {
			snprintf(err, errlen, "argument '%s' is empty or has white space", argv[i]);
			return -1;
		}
		for (size_t k = 0; k < l; k++) {
			unsigned char c = (unsigned char)argv[i][k];

			if (c < 0x20 || c >= 0x7f) {
				snprintf(err, errlen, "argument '%s' has a non-printable byte", argv[i]);
				return -1;
			}
		}
		if (n + l + 2 > outlen || n + l + 2 > CTL_MAX_REQUEST) {
			snprintf(err, errlen, "command longer than %d bytes", CTL_MAX_REQUEST - 1);
			return -1;
		}
		if (i)
			out[n++] = ' ';
		memcpy(out + n, argv[i], l);
		n += l;
	}
	out[n++] = '\n';
	out[n] = '\0';
	return (int)n;
}

int ctl_response_header(bool ok, size_t body_len, char *out, size_t outlen)
{
	return snprintf(out, outlen, "%s %zu\n", ok ? "OK" : "ERR", body_len);
}

int ctl_response_parse_header(const char *line, bool *ok, size_t *body_len)
{
	const char *num;
	char *end;
	unsigned long long v;

	if (strncmp(line, "OK ", 3) == 0) {
		*ok = true;
		num = line + 3;
	} else if (strncmp(line, "ERR ", 4) == 0) {
		*ok = false;
		num = line + 4;
	} else {
		return -1;
	}
	if (*num < '0' || *num > '9')
		return -1;
	errno = 0;
	v = strtoull(num, &end, 10);
	if (errno || *end != '\0' || v > CTL_MAX_RESPONSE)
		return -1;
	*body_len = (size_t)v;
	return 0;
}
