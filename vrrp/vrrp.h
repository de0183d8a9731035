/*
 * vrrp.h - VRRP (RFC 5798 version 3 for IPv4, RFC 3768 version 2): how a
 * primary/backup pair of directors agrees on who owns the virtual IPs.
 *
 * Four parts, each in its own file, each testable alone:
 *   - vrrp_packet.c: the packet codec. Builds advertisements and checks
 *     received ones against every rule of the RFCs (TTL 255, version,
 *     type, vrid, address count against length, checksum, interval),
 *     returning a drop reason from a table instead of a crash.
 *   - vrrp_fsm.c: the state machine of RFC 5798 section 6.4 as a pure
 *     function: a state, an event and the time in, a new state and a list
 *     of actions out (send an advert, arm a timer, add the VIPs, ...).
 *     No sockets, no clock of its own.
 *   - vrrp_net.c: the sockets (raw IP protocol 112, multicast 224.0.0.18
 *     on the instance's interface or unicast to its peers), the VIPs
 *     (added and removed over rtnetlink with libnl-route-3, with a label)
 *     and gratuitous ARP (AF_PACKET).
 *   - vrrp.c: the instances on the daemon's event loop: timers, tracked
 *     interfaces and scripts, sync groups, notify scripts in order.
 *
 * Times inside VRRP are in centiseconds where the RFC counts them so
 * (Advertisement_Interval, Skew_Time, Master_Down_Interval) and in
 * milliseconds at the edges (configuration, timers).
 */
#ifndef LVSD_VRRP_H
#define LVSD_VRRP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VRRP_PROTO 112			/* IANA protocol number */
#define VRRP_MCAST_V4 0xe0000012u	/* 224.0.0.18, host order */
#define VRRP_TTL 255
#define VRRP_PRIO_OWNER 255		/* the address owner */
#define VRRP_PRIO_STOP 0		/* "the master is leaving" */
#define VRRP_MAX_ADDRS 255		/* the count field is 8 bits */
#define VRRP_HDR_LEN 8			/* before the addresses (v2: + 8 bytes auth) */
#define VRRP_V2_AUTH_LEN 8

/* ---- vrrp_packet.c: the codec ----------------------------------------------- */

/* One advertisement, as the codec sees it. */
struct vrrp_advert {
	uint8_t version;		/* 2 or 3 */
	uint8_t vrid;			/* 1..255 */
	uint8_t priority;		/* 0..255 */
	/*
	 * Max_Adver_Int in centiseconds. v3 carries 12 bits of centiseconds;
	 * v2 carries whole seconds (8 bits), converted here (x 100).
	 */
	uint16_t interval_cs;
	uint8_t n_addrs;
	struct in_addr addrs[VRRP_MAX_ADDRS];
};

/* Why a received packet was dropped; VRRP_OK when it was not. */
enum vrrp_drop {
	VRRP_OK,
	VRRP_DROP_SHORT,		/* shorter than an IP header and a VRRP header */
	VRRP_DROP_IP_HEADER,		/* not IPv4, bad header length, not protocol 112 */
	VRRP_DROP_TTL,			/* TTL is not 255 */
	VRRP_DROP_VERSION,		/* not the instance's version */
	VRRP_DROP_TYPE,			/* not an advertisement (type 1) */
	VRRP_DROP_VRID,			/* another router's vrid (not counted as an error) */
	VRRP_DROP_LENGTH,		/* the address count does not fit the length */
	VRRP_DROP_CHECKSUM,
	VRRP_DROP_INTERVAL,		/* v2: not our advertisement interval; v3: zero */
	VRRP_DROP_ADDRS,		/* v2: address list differs from ours (logged, per RFC 3768) */
	VRRP_DROP_COUNT_			/* the number of reasons, for tables */
};

/* "ttl", "checksum", ...: the names the status and the log use. */
extern const char *const vrrp_drop_names[VRRP_DROP_COUNT_];

/*
 * Build an advertisement (VRRP header and addresses, no IP header: the
 * kernel adds it) into buf. The v3 checksum covers the IPv4 pseudo-header
 * of src and dst; v2's covers the VRRP message only (auth type 0).
 * Returns the length, or -1 when buf is too small or a is invalid.
 */
int vrrp_packet_build(const struct vrrp_advert *a, struct in_addr src, struct in_addr dst,
		      uint8_t *buf, size_t len);

/*
 * Check a received packet, IPv4 header included (a raw socket's read),
 * for instance `vrid` speaking `version`. With version 2, `interval_cs`
 * and our addresses (ours, n_ours) are what RFC 3768 compares; pass
 * n_ours 0 to skip that. Fills a and src on VRRP_OK; on a drop, why gets
 * the detail ("TTL is 64; must be 255").
 */
enum vrrp_drop vrrp_packet_parse(const uint8_t *pkt, size_t len, uint8_t version,
				 uint8_t vrid, uint16_t interval_cs,
				 const struct in_addr *ours, size_t n_ours,
				 struct vrrp_advert *a, struct in_addr *src,
				 char *why, size_t whylen);

/* The Internet checksum (RFC 1071) of len bytes, folded, not complemented. */
uint32_t vrrp_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t vrrp_csum_fold(uint32_t sum);

/* ---- vrrp_fsm.c: the state machine ------------------------------------------ */

enum vrrp_state { VRRP_INIT, VRRP_BACKUP, VRRP_MASTER, VRRP_FAULT, VRRP_STATE_COUNT_ };
/* "INIT", "BACKUP", "MASTER", "FAULT": the contract's names. */
extern const char *const vrrp_state_names[VRRP_STATE_COUNT_];

enum vrrp_event {
	VRRP_EV_STARTUP,	/* the instance starts (or its fault clears) */
	VRRP_EV_SHUTDOWN,	/* lvsd stops or the instance is removed */
	VRRP_EV_MASTER_DOWN,	/* Master_Down_Timer fired */
	VRRP_EV_ADVER_TIMER,	/* Adver_Timer fired */
	VRRP_EV_ADVERT,		/* a valid advertisement arrived (see fsm_input) */
	VRRP_EV_FAULT,		/* a tracked interface went down (no weight) */
	VRRP_EV_PRIORITY,	/* the effective priority changed */
	VRRP_EV_SYNC_BACKUP,	/* its sync group went BACKUP: a master steps down */
	VRRP_EV_SYNC_MASTER,	/* its sync group went MASTER: a backup takes over */
	VRRP_EV_COUNT_
};
extern const char *const vrrp_event_names[VRRP_EV_COUNT_];

/* What the machine asks of its owner, in order. */
enum vrrp_action {
	VRRP_ACT_SEND_ADVERT,		/* with the priority in the output */
	VRRP_ACT_ARM_ADVER,		/* Adver_Timer = Advertisement_Interval */
	VRRP_ACT_ARM_MASTER_DOWN,	/* Master_Down_Timer = the ms in the output */
	VRRP_ACT_CANCEL_TIMERS,
	VRRP_ACT_ADD_VIPS,
	VRRP_ACT_DEL_VIPS,
	VRRP_ACT_SEND_GARP,		/* announce the VIPs (and schedule the repeats) */
	VRRP_ACT_COUNT_
};

/* An instance's VRRP variables (RFC 5798 5.2 / 6.1), as the machine keeps them. */
struct vrrp_fsm {
	enum vrrp_state state;
	uint8_t version;
	uint8_t priority;		/* effective: configured + tracking, 1..254, or 255 */
	bool preempt;
	uint64_t preempt_delay_ms;	/* no preemption this long after startup */
	uint64_t started_ms;		/* when the last startup happened */
	uint16_t adver_interval_cs;	/* Advertisement_Interval (ours) */
	uint16_t master_adver_interval_cs;	/* Master_Adver_Interval (learned) */
	struct in_addr primary;		/* our primary address, for the tie-break */
	struct in_addr master;		/* the current master's address (0: unknown) */
};

/* An advertisement's facts the machine needs. */
struct vrrp_fsm_input {
	uint8_t priority;
	uint16_t interval_cs;
	struct in_addr src;
};

struct vrrp_fsm_output {
	enum vrrp_state from, to;
	enum vrrp_action actions[8];
	size_t n_actions;
	uint8_t advert_priority;	/* SEND_ADVERT: 0 when leaving */
	uint64_t master_down_us;	/* ARM_MASTER_DOWN */
	char why[96];			/* for the log: "priority 200 from 10.0.0.2 is higher" */
};

/*
 * RFC 5798 6.1: Skew_Time and Master_Down_Interval, in microseconds. The
 * intervals are counted in centiseconds, but the skew is not rounded to
 * one: at 0.01 s adverts a whole-centisecond skew is 0 for every
 * priority, so every backup would wait exactly three adverts and the
 * priorities would no longer order the takeover.
 */
uint64_t vrrp_skew_time_us(uint8_t version, uint8_t priority, uint16_t master_adver_interval_cs);
uint64_t vrrp_master_down_us(uint8_t version, uint8_t priority,
			     uint16_t master_adver_interval_cs);

/* One step: m changes; out says what to do, in order. in only for VRRP_EV_ADVERT. */
void vrrp_fsm_step(struct vrrp_fsm *m, enum vrrp_event ev, const struct vrrp_fsm_input *in,
		   uint64_t now_ms, struct vrrp_fsm_output *out);

#endif
