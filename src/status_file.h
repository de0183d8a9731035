/*
 * status_file.h - the status file (global.status_file) kept current.
 *
 * SIGUSR1 writes it at once; besides, when global.status_file is set,
 * every change of state (a health verdict, a VRRP transition or priority,
 * a reload, a change to the table, a drain) schedules a rewrite a short
 * moment later, so that a burst of changes costs one write. Each write
 * is atomic (a temporary file renamed over the old one): a reader sees
 * the old file or the new one, never half of one.
 */
#ifndef LVSD_STATUS_FILE_H
#define LVSD_STATUS_FILE_H

struct lvsd;
struct status_file;

/* Changes are gathered this long before the file is written. */
#define STATUS_FILE_DELAY_MS 100

/* NULL when out of memory (then changes write nothing; SIGUSR1 still works). */
struct status_file *status_file_new(struct lvsd *ctx);
/* Something changed: write the file soon if global.status_file is set. NULL-safe. */
void status_file_changed(struct status_file *sf);
void status_file_free(struct status_file *sf);

#endif
