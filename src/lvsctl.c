/*
 * lvsctl.c - the command-line client of lvsd's control socket.
 *
 * It sends one request line and prints the answer: to stdout and exit 0
 * when the daemon says OK, to stderr and exit 1 when it says ERR, and exit
 * 2 when there is no daemon to ask or the answer is cut short. The daemon
 * does the work; this program only frames and waits, with a deadline.
 * The one exception is `import`, which converts another director's
 * configuration locally (import.h) and never talks to a daemon.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "ctl_proto.h"
#include "import.h"
#include "io.h"

#ifndef RUNDIR
#define RUNDIR "/run"
#endif
#define LVSCTL_TIMEOUT_MS 30000

static void usage(FILE *out)
{
	fprintf(out,
		"usage: lvsctl [-s SOCKET] COMMAND [ARGS]\n"
		"  -s SOCKET        lvsd's control socket (default $LVSD_SOCKET, else "
		RUNDIR "/lvsd.sock)\n"
		"commands:\n"
		"  status [--json]  services, real servers, VRRP, last reload\n"
		"  reload           reload the configuration; prints its errors if it is bad\n"
		"  list [--stats|--rate|--thresholds|--persistent-conn|--conns]\n"
		"       [--exact] [--nosort] [--json]\n"
		"                   the forwarding table as ipvsadm -Ln (and its options) shows it\n"
		"  save             the table as ipvsadm -S -n prints it\n"
		"  drain SERVICE REAL   weight 0 whatever its check says (SERVICE: name or VIP:port)\n"
		"  enable SERVICE REAL  in the table whatever its check says\n"
		"  auto SERVICE REAL    its check decides again\n"
		"  vrrp             each VRRP instance: state, priority, master, VIPs, counters\n"
		"  metrics          counters and states in the Prometheus text format\n"
		"  import [--from keepalived|ldirectord|ipvsadm] [FILE|-]\n"
		"                   convert a keepalived.conf, an ldirectord.cf or `ipvsadm -S -n`\n"
		"                   output (default: stdin) to lvsd YAML on stdout; every setting\n"
		"                   not carried over is one stderr line FILE:LINE: keyword: why.\n"
		"                   Without --from the first meaningful line decides: an option\n"
		"                   (-A ...) is ipvsadm, key=value is ldirectord, words and braces\n"
		"                   are keepalived. Runs locally, without lvsd. Exit 0 when YAML\n"
		"                   was written (warnings or not), 1 when the input is unreadable\n"
		"                   or unparsable (FILE:LINE: message).\n");
}

/*
 * The YAML to stdout, after loading it as `lvsd -t` would: the import
 * means to produce a valid file, and if it did not (a bug, or a setting
 * this host cannot have), the user is told what lvsd will say.
 */
static int import_write(struct imp_ctx *ctx, const char *name)
{
	char *yaml = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&yaml, &len);
	struct cfg_diag diag;
	struct cfg *cfg;
	int rc = -1;

	if (!mem) {
		snprintf(ctx->err, sizeof(ctx->err), "lvsctl: import: %s", strerror(errno));
		return -1;
	}
	rc = imp_emit(ctx, mem);
	if (fclose(mem) != 0 || rc < 0) {
		char why[sizeof(ctx->err)];

		snprintf(why, sizeof(why), "%s", ctx->err[0] ? ctx->err : strerror(errno));
		snprintf(ctx->err, sizeof(ctx->err), "%.200s: %.800s", name, why);
		free(yaml);
		return -1;
	}
	rc = -1;
	cfg_diag_init(&diag, "(imported YAML)");
	cfg = cfg_load_buffer("(imported YAML)", yaml, len, &diag);
	if (!cfg) {
		fprintf(stderr, "lvsctl: import: the result does not pass lvsd's own "
			"checks on this host; lvsd -t will say:\n");
		cfg_diag_print(&diag, stderr);
	}
	cfg_free(cfg);
	cfg_diag_free(&diag);
	if (fwrite(yaml, 1, len, stdout) == len && fflush(stdout) == 0)
		rc = 0;
	else
		snprintf(ctx->err, sizeof(ctx->err), "lvsctl: import: cannot write the "
			 "YAML: %s", strerror(errno));
	free(yaml);
	return rc;
}

/* lvsctl import [--from FORMAT] [FILE|-] */
static int cmd_import(int argc, char **argv)
{
	enum imp_format fmt = IMP_FMT_UNKNOWN;
	const char *path = "-", *name;
	struct imp_ctx ctx;
	char *text;
	int rc = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--from") == 0 && i + 1 < argc) {
			fmt = imp_format_parse(argv[++i]);
			if (fmt == IMP_FMT_UNKNOWN) {
				fprintf(stderr, "lvsctl: import: unknown format '%s' "
					"(keepalived, ldirectord or ipvsadm)\n", argv[i]);
				return 2;
			}
		} else if (strncmp(argv[i], "--from=", 7) == 0) {
			fmt = imp_format_parse(argv[i] + 7);
			if (fmt == IMP_FMT_UNKNOWN) {
				fprintf(stderr, "lvsctl: import: unknown format '%s' "
					"(keepalived, ldirectord or ipvsadm)\n", argv[i] + 7);
				return 2;
			}
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			usage(stderr);
			return 2;
		} else if (i == argc - 1) {
			path = argv[i];
		} else {
			usage(stderr);
			return 2;
		}
	}
	imp_init(&ctx, stderr);
	name = strcmp(path, "-") == 0 ? "(stdin)" : path;
	if (!ctx.root || imp_read(&ctx, path, &text) < 0)
		goto out;
	if (fmt == IMP_FMT_UNKNOWN)
		fmt = imp_detect(text);
	if (imp_parse(&ctx, fmt, name, text) < 0 || import_write(&ctx, name) < 0)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "%s\n", ctx.err[0] ? ctx.err : "lvsctl: import failed");
	imp_free(&ctx);
	return rc;
}

static int connect_to(const char *path)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(un.sun_path)) {
		fprintf(stderr, "lvsctl: socket path %s is too long\n", path);
		return -1;
	}
	memcpy(un.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "lvsctl: socket: %s\n", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&un, sizeof(un)) < 0) {
		fprintf(stderr, "lvsctl: cannot connect to %s: %s (is lvsd running?)\n",
			path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read up to len bytes before the deadline; returns bytes read, -1 on error. */
static ssize_t read_deadline(int fd, char *buf, size_t len, long long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long long left = deadline - now_ms();
	ssize_t n;

	if (left <= 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	n = poll(&pfd, 1, (int)left);
	if (n == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (n < 0)
		return -1;
	do {
		n = read(fd, buf, len);
	} while (n < 0 && errno == EINTR);
	return n;
}

/* Read "OK n" / "ERR n" and leave any body bytes already read in *rest. */
static int read_header(int fd, long long deadline, bool *ok, size_t *body_len,
		       char *rest, size_t *rest_len)
{
	char buf[CTL_MAX_HEADER + 4096];
	size_t have = 0;
	char *nl;

	for (;;) {
		ssize_t n = read_deadline(fd, buf + have, sizeof(buf) - have - 1, deadline);

		if (n <= 0) {
			fprintf(stderr, "lvsctl: no answer from lvsd: %s\n",
				n == 0 ? "connection closed" : strerror(errno));
			return -1;
		}
		have += (size_t)n;
		buf[have] = '\0';
		nl = memchr(buf, '\n', have);
		if (nl)
			break;
		if (have >= CTL_MAX_HEADER) {
			fprintf(stderr, "lvsctl: lvsd answered with a malformed header\n");
			return -1;
		}
	}
	*nl = '\0';
	if (ctl_response_parse_header(buf, ok, body_len) < 0) {
		fprintf(stderr, "lvsctl: lvsd answered with a malformed header\n");
		return -1;
	}
	*rest_len = have - (size_t)(nl + 1 - buf);
	memcpy(rest, nl + 1, *rest_len);
	return 0;
}

static int exchange(int fd, const char *request)
{
	long long deadline = now_ms() + LVSCTL_TIMEOUT_MS;
	char rest[4096 + CTL_MAX_HEADER], *body;
	size_t body_len, got;
	bool ok;

	/*
	 * A daemon past its connection limit answers ERR and hangs up
	 * without reading: our send then fails, but its answer is waiting.
	 */
	if (io_write_all(fd, request, strlen(request)) < 0 &&
	    errno != EPIPE && errno != ECONNRESET) {
		fprintf(stderr, "lvsctl: cannot send the request: %s\n", strerror(errno));
		return 2;
	}
	if (read_header(fd, deadline, &ok, &body_len, rest, &got) < 0)
		return 2;
	body = malloc(body_len + 1);
	if (!body) {
		fprintf(stderr, "lvsctl: out of memory for a %zu-byte answer\n", body_len);
		return 2;
	}
	memcpy(body, rest, got < body_len ? got : body_len);
	while (got < body_len) {
		ssize_t n = read_deadline(fd, body + got, body_len - got, deadline);

		if (n <= 0) {
			fprintf(stderr, "lvsctl: the answer was cut short after %zu of "
				"%zu bytes\n", got, body_len);
			free(body);
			return 2;
		}
		got += (size_t)n;
	}
	fwrite(body, 1, body_len, ok ? stdout : stderr);
	free(body);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *path = getenv("LVSD_SOCKET");
	char request[CTL_MAX_REQUEST + 1], err[256];
	int opt, fd, rc;

	if (!path || !*path)
		path = RUNDIR "/lvsd.sock";
	/* '+': options stop at the command, so "status --json" reaches lvsd. */
	while ((opt = getopt(argc, argv, "+s:hV")) != -1) {
		switch (opt) {
		case 's': path = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("lvsctl %s\n", PACKAGE_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[optind], "import") == 0)
		return cmd_import(argc - optind, argv + optind);
	if (ctl_request_format(argc - optind, argv + optind, request, sizeof(request),
			       err, sizeof(err)) < 0) {
		fprintf(stderr, "lvsctl: %s\n", err);
		return 2;
	}
	fd = connect_to(path);
	if (fd < 0)
		return 2;
	rc = exchange(fd, request);
	close(fd);
	return rc;
}
