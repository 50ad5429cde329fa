/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"

/* Grow buf to hold at least need + 1 bytes; false when out of memory. */
static bool grow(char **buf, size_t *cap, size_t need)
{
    size_t want = *cap ? *cap : 4096;
    char *more;

    while ( want < need + 1 )
        want *= 2;
    if ( want == *cap )
        return true;
    more = realloc(*buf, want);
    if ( !more )
        return false;
    *buf = more;
    *cap = want;
    return true;
}

int file_read_all(const char *path, size_t max, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    int rc = 0;

    if ( !f )
        return errno;
    errno = 0;
    do {
        if ( !grow(&buf, &cap, n + 1) )
        {
            rc = ENOMEM;
            break;
        }
        got = fread(buf + n, 1, cap - 1 - n, f);
        n += got;
        if ( n > max )
            rc = EFBIG;
    } while ( got && !rc );
    if ( !rc && ferror(f) )
        rc = errno ? errno : EIO;     /* EISDIR for a directory */
    fclose(f);
    if ( rc )
    {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

char *file_read_or_report(const char *tool, const char *path, size_t *len)
{
    char *data;
    int rc = file_read_all(path, FILE_INPUT_MAX, &data, len);

    if ( !rc )
        return data;
    if ( rc == EFBIG )
        fprintf(stderr, "%s: %s: larger than %u bytes\n", tool, path,
                FILE_INPUT_MAX);
    else
        fprintf(stderr, "%s: %s: %s\n", tool, path, strerror(rc));
    return NULL;
}
