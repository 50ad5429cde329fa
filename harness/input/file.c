/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "trace.h"

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

bool file_save_trace(const char *tool, const char *dir, const char *name,
                     const struct trace *t)
{
    const char *dot = strrchr(name, '.');
    int stem = dot ? (int)(dot - name) : (int)strlen(name);
    char path[4096];
    FILE *f = NULL;
    unsigned int n;
    int fd;

    mkdir(dir, 0777);
    /*
     * O_EXCL: a finding of an earlier run is never overwritten; the name
     * gets a number (NAME-1.trace, ...) instead.
     */
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);
    for ( n = 1; fd < 0 && errno == EEXIST && n < 1000; n++ )
    {
        snprintf(path, sizeof(path), "%s/%.*s-%u%s", dir, stem, name, n,
                 dot ? dot : "");
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);
    }
    if ( fd >= 0 )
        f = fdopen(fd, "w");
    if ( f )
        trace_print(f, t, t->nr_ops);
    if ( !f || fclose(f) )
    {
        fprintf(stderr, "%s: cannot save %s: %s\n", tool, path,
                strerror(errno));
        if ( fd >= 0 && !f )
            close(fd);
        return false;
    }
    fprintf(stderr, "%s: saved %s (replay it)\n", tool, path);
    return true;
}
