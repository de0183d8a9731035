/*
 * test_auto_reload.c - what auto_reload makes of inotify events: a file
 * written and closed or renamed over the watched name is a change (an
 * editor's "write a temp file, rename it" included), a write still open
 * is not, other names in the directory are not, a removal is "gone", a
 * watch that ends is "lost", a queue overflow means "look again"; and the
 * debounce waits for quiet but never past the maximum wait.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <cmocka.h>

#include "auto_reload.h"

struct batch {
	char buf[1024];
	size_t len;
};

/* Append one event as the kernel lays it out: the name NUL-padded to a multiple of 4. */
static void add(struct batch *b, int wd, uint32_t mask, const char *name)
{
	struct inotify_event ev = { .wd = wd, .mask = mask };
	size_t n = name ? strlen(name) + 1 : 0;

	ev.len = (uint32_t)((n + 3) / 4 * 4);
	memcpy(b->buf + b->len, &ev, sizeof(ev));
	memset(b->buf + b->len + sizeof(ev), 0, ev.len);
	if (name)
		memcpy(b->buf + b->len + sizeof(ev), name, n);
	b->len += sizeof(ev) + ev.len;
}

static struct auto_reload_watch w[2] = {
	{ .wd = 1, .dir = "/etc/lvsd", .name = "lvsd.yaml" },
	{ .wd = 2, .dir = "/srv/conf", .name = "real.yaml" },
};

static void test_editor_rename_is_a_change(void **state)
{
	struct batch b = { .len = 0 };

	(void)state;
	/* vim-like: the old file moved to a backup, a temp file written, renamed in. */
	add(&b, 1, IN_MOVED_FROM, "lvsd.yaml");
	add(&b, 1, IN_CLOSE_WRITE, ".lvsd.yaml.swp");
	add(&b, 1, IN_MOVED_TO, "lvsd.yaml");
	assert_int_equal(auto_reload_scan(b.buf, b.len, w, 2),
			 AUTO_RELOAD_CHANGED | AUTO_RELOAD_GONE);
}

static void test_in_place_write_and_other_names(void **state)
{
	struct batch b = { .len = 0 };

	(void)state;
	add(&b, 1, IN_CLOSE_WRITE, "lvsd.yaml");
	assert_int_equal(auto_reload_scan(b.buf, b.len, w, 2), AUTO_RELOAD_CHANGED);
	b.len = 0;
	/* A longer name with ours as its prefix, a status file, another watch's name. */
	add(&b, 1, IN_CLOSE_WRITE, "lvsd.yaml.bak");
	add(&b, 1, IN_MOVED_TO, "lvsd.status.json");
	add(&b, 1, IN_MOVED_TO, "real.yaml");
	add(&b, 3, IN_CLOSE_WRITE, "lvsd.yaml");
	add(&b, 1, IN_CLOSE_WRITE, "lvsd.yam");
	assert_int_equal(auto_reload_scan(b.buf, b.len, w, 2), 0);
	/* The symlink's target, in its own directory. */
	add(&b, 2, IN_MOVED_TO, "real.yaml");
	assert_int_equal(auto_reload_scan(b.buf, b.len, w, 2), AUTO_RELOAD_CHANGED);
}

static void test_gone_lost_overflow(void **state)
{
	struct batch b = { .len = 0 };

	(void)state;
	add(&b, 1, IN_DELETE, "lvsd.yaml");
	assert_int_equal(auto_reload_scan(b.buf, b.len, w, 2), AUTO_RELOAD_GONE);
	b.len = 0;
	add(&b, 2, IN_IGNORED, NULL);
	assert_int_equal(auto_reload_scan(b.buf, b.len, w, 2), AUTO_RELOAD_LOST);
	b.len = 0;
	add(&b, -1, IN_Q_OVERFLOW, NULL);
	assert_int_equal(auto_reload_scan(b.buf, b.len, w, 2), AUTO_RELOAD_CHANGED);
}

static void test_truncated_batch_is_not_overread(void **state)
{
	struct batch b = { .len = 0 };

	(void)state;
	add(&b, 1, IN_CLOSE_WRITE, "lvsd.yaml");
	assert_int_equal(auto_reload_scan(b.buf, b.len - 1, w, 2), 0);
	assert_int_equal(auto_reload_scan(b.buf, 3, w, 2), 0);
}

static void test_debounce(void **state)
{
	(void)state;
	assert_int_equal(auto_reload_delay(1000, 1000), AUTO_RELOAD_QUIET_MS);
	assert_int_equal(auto_reload_delay(1000, 1500), AUTO_RELOAD_QUIET_MS);
	/* A file written without pause: still reloaded within the maximum wait. */
	assert_int_equal(auto_reload_delay(1000, 1000 + AUTO_RELOAD_MAX_WAIT_MS - 40), 40);
	assert_int_equal(auto_reload_delay(1000, 1000 + AUTO_RELOAD_MAX_WAIT_MS), 0);
	assert_int_equal(auto_reload_delay(1000, 9000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_editor_rename_is_a_change),
		cmocka_unit_test(test_in_place_write_and_other_names),
		cmocka_unit_test(test_gone_lost_overflow),
		cmocka_unit_test(test_truncated_batch_is_not_overread),
		cmocka_unit_test(test_debounce),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
