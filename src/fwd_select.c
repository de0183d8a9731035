/*
 * fwd_select.c - choosing the forwarding core the configuration asks
 * for, by asking the kernel whether it has IPVS, and checking that the
 * chosen core can do what the configuration asks of it.
 */
#include "config.h"

#include <stdio.h>

#include "fwd.h"
#include "fwd_ipvs.h"
#include "fwd_user.h"

/* The first service that asks for something only the kernel does, or NULL. */
static const struct cfg_service *needs_kernel(const struct cfg *cfg, const char **what)
{
	for (size_t i = 0; i < cfg->n_services; i++) {
		const struct cfg_service *s = &cfg->services[i];

		if (s->fwmark) {
			*what = "a firewall-mark service";
			return s;
		}
		for (size_t j = 0; j < s->n_real_servers; j++)
			if (s->real_servers[j].forwarding != CFG_FWD_NAT) {
				*what = s->real_servers[j].forwarding == CFG_FWD_DR
					? "forwarding dr" : "forwarding tun";
				return s;
			}
	}
	return NULL;
}

static const struct cfg_service *needs_user(const struct cfg *cfg)
{
	for (size_t i = 0; i < cfg->n_services; i++)
		if (cfg->services[i].proxy_protocol != CFG_PROXY_NONE)
			return &cfg->services[i];
	return NULL;
}

int fwd_check_cfg(const struct fwd *f, const struct cfg *cfg, char *err, size_t errlen)
{
	const struct cfg_service *s;
	const char *what = "";
	char label[128];

	if (f->ops->kernel && (s = needs_user(cfg)) != NULL) {
		snprintf(err, errlen, "%s:%u:%u: virtual service %s asks for a PROXY header, "
			 "which the kernel IPVS core cannot send (forwarding_core: userspace does)",
			 cfg->file, s->mark.line, s->mark.col,
			 cfg_service_label(s, label, sizeof(label)));
		return -1;
	}
	if (!f->ops->kernel && (s = needs_kernel(cfg, &what)) != NULL) {
		snprintf(err, errlen, "%s:%u:%u: virtual service %s uses %s, which needs the "
			 "kernel's IPVS; the running forwarding core is %s", cfg->file,
			 s->mark.line, s->mark.col, cfg_service_label(s, label, sizeof(label)),
			 what, f->ops->name);
		return -1;
	}
	return 0;
}

/* auto: the kernel's IPVS where it answers, unless the config wants PROXY headers. */
static struct fwd *new_auto(const struct cfg *cfg, struct event_base *base,
			    struct logger *log, char *err, size_t errlen)
{
	struct fwd *f;
	char why[256], label[128];
	const struct cfg_service *s = needs_user(cfg);

	if (!fwd_ipvs_available()) {
		log_notice(log, "forwarding core: userspace (auto: the kernel has no IPVS)");
	} else if (s) {
		log_notice(log, "forwarding core: userspace (auto: the kernel has IPVS, but "
			   "virtual service %s asks for a PROXY header)",
			   cfg_service_label(s, label, sizeof(label)));
	} else if ((f = fwd_ipvs_new(log, why, sizeof(why))) != NULL) {
		log_notice(log, "forwarding core: ipvs (auto: the kernel has IPVS)");
		return f;
	} else {
		log_warning(log, "forwarding core: userspace (auto: the kernel has IPVS, "
			    "but %s)", why);
	}
	return fwd_user_new(base, log, cfg->global.max_conns, err, errlen);
}

struct fwd *fwd_new(const struct cfg *cfg, struct event_base *base,
		    struct logger *log, char *err, size_t errlen)
{
	struct fwd *f;
	char why[256];

	switch (cfg->global.forwarding_core) {
	case CFG_CORE_IPVS:
		f = fwd_ipvs_new(log, why, sizeof(why));
		if (!f) {
			snprintf(err, errlen, "forwarding_core ipvs: %s", why);
			return NULL;
		}
		log_notice(log, "forwarding core: ipvs");
		break;
	case CFG_CORE_USERSPACE:
		f = fwd_user_new(base, log, cfg->global.max_conns, err, errlen);
		if (f)
			log_notice(log, "forwarding core: userspace");
		break;
	default:
		f = new_auto(cfg, base, log, err, errlen);
		break;
	}
	if (f && fwd_check_cfg(f, cfg, err, errlen) < 0) {
		f->ops->free(f);
		return NULL;
	}
	return f;
}
