/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The *.trace files of one directory, in name order (so that output and
 * the order of runs do not depend on the file system), for the tests that
 * run every scenario: tests/harness/scenarios.c and fault_sweep.c.
 */
#ifndef TESTS_TRACE_DIR_H
#define TESTS_TRACE_DIR_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int trace_dir_compare(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Call fn on each trace of dir, in name order; how many there were, or -1
 * if dir cannot be read.
 */
static long for_each_trace(const char *dir, void (*fn)(const char *path))
{
    DIR *d = opendir(dir);
    struct dirent *ent;
    char **names = NULL, **more;
    size_t nr = 0, i;

    if ( !d )
        return -1;
    while ( (ent = readdir(d)) )
    {
        size_t l = strlen(ent->d_name);

        if ( l < 7 || strcmp(ent->d_name + l - 6, ".trace") )
            continue;
        more = realloc(names, (nr + 1) * sizeof(*names));
        if ( !more )
            break;
        names = more;
        names[nr] = malloc(strlen(dir) + l + 2);
        if ( !names[nr] )
            break;
        sprintf(names[nr], "%s/%s", dir, ent->d_name);
        nr++;
    }
    closedir(d);
    if ( names )
        qsort(names, nr, sizeof(*names), trace_dir_compare);
    for ( i = 0; i < nr; i++ )
    {
        fn(names[i]);
        free(names[i]);
    }
    free(names);
    return nr;
}

#endif /* TESTS_TRACE_DIR_H */
