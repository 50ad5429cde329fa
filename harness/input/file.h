/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Whole-file input for the harness tools (replay, triage, trace2bin and
 * the AFL++ driver), so that each reports a bad file the same way; and
 * the one way soak and explore save what they found.
 */
#ifndef GTIO_HARNESS_FILE_H
#define GTIO_HARNESS_FILE_H

#include <stdbool.h>
#include <stddef.h>

struct trace;

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

/*
 * Save t as text to dir/name (dir is made if missing), never over an
 * existing file: if name is taken, NAME-1.EXT, NAME-2.EXT, ... so that a
 * finding of an earlier run is never lost, nor the new one.  Says on
 * stderr where it went, or why it could not ("tool: cannot save ...").
 */
bool file_save_trace(const char *tool, const char *dir, const char *name,
                     const struct trace *t);

#endif /* GTIO_HARNESS_FILE_H */
