/*
 * lvsd_process.c - how the kernel treats lvsd's one process: its
 * scheduling priority (global.nice) and whether its memory may be
 * swapped out (global.lock_memory). Checks, VRRP adverts and the
 * userspace core all run in that process's one loop, so on a busy or
 * memory-starved director these decide whether an advert leaves on time;
 * keepalived's vrrp_priority/checker_priority and *_no_swap are the same
 * knobs. Both follow the configuration at start and at every reload; a
 * refusal (no CAP_SYS_NICE, RLIMIT_MEMLOCK) is logged and lvsd runs on.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "lvsd.h"

void lvsd_process_init(struct lvsd *ctx)
{
	errno = 0;
	ctx->start_nice = getpriority(PRIO_PROCESS, 0);
	if (errno != 0)
		ctx->start_nice = 0;
}

static void apply_nice(struct lvsd *ctx, const struct cfg *cfg)
{
	int want = cfg->global.nice == CFG_NICE_KEEP ? ctx->start_nice : cfg->global.nice;
	int have;

	errno = 0;
	have = getpriority(PRIO_PROCESS, 0);
	if (errno == 0 && have == want)
		return;
	if (setpriority(PRIO_PROCESS, 0, want) < 0)
		log_error(&ctx->log, "global.nice: cannot set the priority to %d: %s; it stays %d",
			  want, strerror(errno), have);
	else
		log_info(&ctx->log, "global.nice: priority %d (was %d)", want, have);
}

static void apply_lock(struct lvsd *ctx, const struct cfg *cfg)
{
	bool want = cfg->global.lock_memory;

	if (want == ctx->memory_locked)
		return;
	/*
	 * MCL_FUTURE: what the daemon maps later is locked too. MCL_ONFAULT:
	 * pages are locked as they are touched, not all faulted in at once,
	 * so a large reservation never used (a sanitizer's shadow, a thread's
	 * stack) costs no memory.
	 */
	if ((want ? mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) : munlockall()) < 0) {
		log_error(&ctx->log, "global.lock_memory: cannot %s lvsd's memory: %s",
			  want ? "lock" : "unlock", strerror(errno));
		return;
	}
	ctx->memory_locked = want;
	log_info(&ctx->log, "global.lock_memory: memory %s", want ? "locked" : "unlocked");
}

void lvsd_process_apply(struct lvsd *ctx, const struct cfg *cfg)
{
	apply_nice(ctx, cfg);
	apply_lock(ctx, cfg);
}
