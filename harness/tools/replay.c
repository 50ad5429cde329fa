/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * replay: re-run cases (docs/design.md, "Inputs and reproduction") and convert between formats.
 *
 *   replay [-q] [--text|--binary] FILE...
 *       run each file (a fuzzer input or a text trace, told apart by its
 *       contents): every op, its status and the state it changed, then the
 *       finding if there is one (-q: only the finding)
 *   replay --print-trace FILE      the file as a text trace
 *   replay --print-bytes FILE      the file as fuzzer input bytes (stdout)
 *
 * Exit status: 0 no finding, 1 a finding, 2 bad input or usage.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "exec.h"
#include "file.h"
#include "trace.h"

enum format { FMT_AUTO, FMT_TEXT, FMT_BINARY };

static void usage(void)
{
    fprintf(stderr,
            "usage: replay [-q] [--text|--binary] FILE...\n"
            "       replay [--text|--binary] --print-trace FILE\n"
            "       replay [--text|--binary] --print-bytes FILE > out.bin\n");
}

/* A text trace: printable, and its first word is a header or an op name. */
static bool looks_like_text(const char *data, size_t len)
{
    char word[32];
    size_t i, w = 0;
    bool in_comment = false, done = false;
    unsigned int k;

    for ( i = 0; i < len; i++ )
    {
        unsigned char c = data[i];

        if ( !isprint(c) && c != '\n' && c != '\t' && c != '\r' )
            return false;
        if ( done )
            continue;
        if ( in_comment )
        {
            in_comment = c != '\n';
            continue;
        }
        if ( c == '#' && !w )
            in_comment = true;
        else if ( isspace(c) )
            done = w > 0;
        else if ( w + 1 < sizeof(word) )
            word[w++] = c;
        else
            return false;
    }
    if ( !w )
        return len > 0;     /* only comments and blanks: an empty trace */
    word[w] = '\0';
    if ( !strcmp(word, "caps") || !strcmp(word, "config") )
        return true;
    for ( k = 0; k < OP_NR; k++ )
        if ( !strcmp(word, op_kind_name(k)) )
            return true;
    return false;
}

static bool load(const char *name, enum format fmt, struct trace *t,
                 bool *was_text)
{
    char *data, err[256];
    size_t len;
    bool ok = true;

    data = file_read_or_report("replay", name, &len);
    if ( !data )
        return false;
    if ( fmt == FMT_AUTO )
        fmt = looks_like_text(data, len) ? FMT_TEXT : FMT_BINARY;
    *was_text = fmt == FMT_TEXT;
    if ( fmt == FMT_TEXT )
    {
        ok = trace_parse(data, len, name, t, err, sizeof(err));
        if ( !ok )
            fprintf(stderr, "%s\n", err);
    }
    else
        decode_input((const uint8_t *)data, len, t);
    free(data);
    return ok;
}

static int print_bytes(const struct trace *t)
{
    size_t cap = encode_size(t), len;
    uint8_t *buf = malloc(cap ? cap : 1);
    char err[160];
    int rc = 0;

    if ( !buf )
        return 2;
    if ( !encode_trace(t, buf, cap, &len, err, sizeof(err)) )
    {
        fprintf(stderr, "replay: %s\n", err);
        rc = 2;
    }
    else if ( fwrite(buf, 1, len, stdout) != len || fflush(stdout) )
    {
        fprintf(stderr, "replay: write error\n");
        rc = 2;
    }
    free(buf);
    return rc;
}

static int run_one(const char *name, const struct trace *t, bool quiet,
                   bool banner)
{
    struct exec_opts opts = { .log = quiet ? NULL : stdout, .report = stdout };
    struct exec_result res;

    if ( banner )
        printf("== %s\n", name);
    if ( !quiet )
        trace_print_header(stdout, &t->hdr);
    exec_run(t, &opts, &res);
    if ( res.finding )
        return 1;
    if ( !quiet )
        printf("%s: %zu ops, %lu faults injected, %s\n", name, res.ops_run,
               res.faults, res.fail_stop ? "fail-stop (panic after an "
               "injected fault), no finding" : "no finding");
    return 0;
}

int main(int argc, char **argv)
{
    enum format fmt = FMT_AUTO;
    enum { RUN, PRINT_TRACE, PRINT_BYTES } mode = RUN;
    bool quiet = false, was_text;
    struct trace t;
    int i, first, rc = 0;

    for ( i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++ )
    {
        if ( !strcmp(argv[i], "-q") )
            quiet = true;
        else if ( !strcmp(argv[i], "--text") )
            fmt = FMT_TEXT;
        else if ( !strcmp(argv[i], "--binary") )
            fmt = FMT_BINARY;
        else if ( !strcmp(argv[i], "--print-trace") )
            mode = PRINT_TRACE;
        else if ( !strcmp(argv[i], "--print-bytes") )
            mode = PRINT_BYTES;
        else if ( !strcmp(argv[i], "--") )
        {
            i++;
            break;
        }
        else
        {
            fprintf(stderr, "replay: unknown option %s\n", argv[i]);
            usage();
            return 2;
        }
    }
    first = i;
    if ( first == argc || (mode != RUN && argc - first != 1) )
    {
        usage();
        return 2;
    }

    /*
     * Xen's messages (GTIO_VERBOSE) go to stderr as the call runs: with
     * both streams in one file, each must land above the op it came from.
     */
    if ( mode == RUN )
        setvbuf(stdout, NULL, _IOLBF, 0);
    trace_init(&t);
    for ( i = first; i < argc; i++ )
    {
        int one;

        if ( !load(argv[i], fmt, &t, &was_text) )
        {
            rc = 2;
            continue;
        }
        if ( mode == PRINT_TRACE )
        {
            trace_print(stdout, &t, t.nr_ops);
            one = 0;
        }
        else if ( mode == PRINT_BYTES )
            one = print_bytes(&t);
        else
            one = run_one(argv[i], &t, quiet, argc - first > 1);
        if ( one > rc )
            rc = one;
    }
    trace_free(&t);
    return rc;
}
