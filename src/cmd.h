/*
 * cmd.h - splitting a configured command into words (see cmd.c).
 */
#ifndef LVSD_CMD_H
#define LVSD_CMD_H

#include <stddef.h>

/*
 * Split a command into words as a shell would without expanding
 * anything: words are separated by blanks; '...' is literal; "..." is
 * literal but for \" and \\; outside quotes a backslash takes the next
 * character literally. The words of `extra` (NULL-terminated, or NULL)
 * are appended as they are. *argv is one allocation, NULL-terminated,
 * freed with free(). Returns the number of words, or -1 with err
 * ("empty command", "unterminated double quote opened at column 7").
 */
int cmd_split(const char *cmd, const char *const *extra, char ***argv,
	      char *err, size_t errlen);

#endif
