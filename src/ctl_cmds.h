/*
 * ctl_cmds.h - control commands that live outside ctl.c, each answering
 * one request into `out` and returning whether it succeeded.
 */
#ifndef LVSD_CTL_CMDS_H
#define LVSD_CTL_CMDS_H

#include <stdbool.h>

#include "ctl_proto.h"

struct evbuffer;
struct lvsd;

/* list [--stats|--rate|--thresholds|--persistent-conn|--conns] [--exact] [--nosort] [--json] */
bool ctl_cmd_list(struct lvsd *ctx, const struct ctl_request *req, struct evbuffer *out);
/* metrics: counters and states in the Prometheus text format (metrics.c) */
bool ctl_cmd_metrics(struct lvsd *ctx, const struct ctl_request *req, struct evbuffer *out);
/* save: the table as ipvsadm -S -n prints it */
bool ctl_cmd_save(struct lvsd *ctx, const struct ctl_request *req, struct evbuffer *out);

#endif
