/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Whole-file input for the harness tools (replay, triage, trace2bin and
 * the AFL++ driver), so that each reports a bad file the same way.
 */
#ifndef GTIO_HARNESS_FILE_H
#define GTIO_HARNESS_FILE_H

#include <stddef.h>

/* The largest input any tool reads: far above a useful trace. */
#define FILE_INPUT_MAX  (16U << 20)

/*
 * Read all of path (at most max bytes) into a malloc'd buffer followed by
 * a NUL, so text parsers may use it as a string.  Returns 0, or an errno
 * value (EFBIG past max) with nothing allocated.
 */
int file_read_all(const char *path, size_t max, char **data, size_t *len);

/*
 * file_read_all() up to FILE_INPUT_MAX, or NULL after the one-line error
 * "tool: path: reason" on stderr.
 */
char *file_read_or_report(const char *tool, const char *path, size_t *len);

#endif /* GTIO_HARNESS_FILE_H */
