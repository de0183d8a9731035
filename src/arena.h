/*
 * arena.h - a bump allocator that frees everything at once.
 *
 * A configuration is built from thousands of small strings and arrays and
 * dies whole when a reload replaces it; an arena makes that one free and
 * lets merged objects share strings without reference counts.
 */
#ifndef LVSD_ARENA_H
#define LVSD_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head;
	size_t next_chunk;	/* size of the next ordinary chunk */
};

void arena_init(struct arena *a);
/* Zeroed memory, or NULL when out of memory. */
void *arena_alloc(struct arena *a, size_t size);
/* Copy of the first n bytes of s, NUL-terminated. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
void arena_free(struct arena *a);

#endif
