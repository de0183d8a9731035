/*
 * addr_test_util.h - an lvs_addr from an IPv4 or IPv6 literal and a port,
 * for unit tests that build tables and messages by hand. Include after
 * <cmocka.h>: a bad literal fails the test that wrote it.
 */
#ifndef LVSD_ADDR_TEST_UTIL_H
#define LVSD_ADDR_TEST_UTIL_H

#include <arpa/inet.h>
#include <stdint.h>

#include "addr.h"

static inline struct lvs_addr ep(const char *ip, uint16_t port)
{
	struct lvs_addr a = { .port = port };

	if (inet_pton(AF_INET, ip, &a.ip.v4) == 1)
		a.af = AF_INET;
	else if (inet_pton(AF_INET6, ip, &a.ip.v6) == 1)
		a.af = AF_INET6;
	else
		fail_msg("bad test address %s", ip);
	return a;
}

#endif
