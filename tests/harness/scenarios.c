/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Runs the text traces of tests/scenarios/ (and tests/scenarios/core-bugs/)
 * through the executor, each twice: as text, and as the fuzzer bytes it
 * encodes to, which must give the same outcome.
 *
 * A trace says what it expects in a comment line
 *
 *     # expect: none                  (the default: no finding)
 *     # expect: stale-dma             (that finding)
 *     # expect: stale-dma op=12       (that finding at that op)
 *
 * core-bugs/ holds cases that show a defect of the core as it is: they
 * expect what the correct core does, so they fail until it is fixed.
 *
 * Usage: scenarios [FILE...]; without files, every *.trace of
 * $GTIO_SCENARIOS (default tests/scenarios) and its core-bugs/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "exec.h"
#include "file.h"
#include "trace.h"
#include "../lib/check.h"
#include "../lib/trace_dir.h"

struct expectation {
    char check[32];             /* "" for none */
    long op;                    /* -1: any */
};

static void parse_expectation(const char *text, struct expectation *e)
{
    const char *p = strstr(text, "# expect:");
    char word[32] = "";
    long op = -1;

    e->check[0] = '\0';
    e->op = -1;
    if ( !p )
        return;
    if ( sscanf(p, "# expect: %31s op=%ld", word, &op) < 1 )
        return;
    if ( strcmp(word, "none") )
        snprintf(e->check, sizeof(e->check), "%s", word);
    e->op = op;
}

static bool outcome_matches(const struct exec_result *r,
                            const struct expectation *e)
{
    if ( !e->check[0] )
        return !r->finding;
    return r->finding && !strcmp(r->f.check, e->check) &&
           (e->op < 0 || (long)r->f.op == e->op);
}

static void describe(char *buf, size_t len, const struct exec_result *r)
{
    if ( r->finding )
        snprintf(buf, len, "FINDING %s at op %zu: %s", r->f.check, r->f.op,
                 r->f.detail);
    else
        snprintf(buf, len, "no finding%s",
                 r->fail_stop ? " (fail-stop)" : "");
}

static void run_scenario(const char *path)
{
    static struct trace t, back;
    struct exec_result text_res, bin_res;
    struct expectation e;
    char err[256], what[400];
    uint8_t *bytes;
    size_t len, n;
    char *text;

    if ( !t.ops )
    {
        trace_init(&t);
        trace_init(&back);
    }
    if ( file_read_all(path, FILE_INPUT_MAX, &text, &len) )
    {
        printf("FAIL: %s: cannot read\n", path);
        tests_failed++;
        return;
    }
    parse_expectation(text, &e);
    if ( !trace_parse(text, len, path, &t, err, sizeof(err)) )
    {
        printf("FAIL: %s: %s\n", path, err);
        tests_failed++;
        free(text);
        return;
    }
    free(text);

    exec_run(&t, NULL, &text_res);
    describe(what, sizeof(what), &text_res);
    if ( !outcome_matches(&text_res, &e) )
    {
        printf("FAIL: %s: expected %s, got %s\n", path,
               e.check[0] ? e.check : "no finding", what);
        tests_failed++;
        return;
    }

    /* The same run from the bytes the trace encodes to. */
    bytes = malloc(encode_size(&t));
    if ( !bytes || !encode_trace(&t, bytes, encode_size(&t), &n, err,
                                 sizeof(err)) )
    {
        printf("FAIL: %s: cannot encode: %s\n", path, err);
        tests_failed++;
        free(bytes);
        return;
    }
    decode_input(bytes, n, &back);
    free(bytes);
    exec_run(&back, NULL, &bin_res);
    if ( bin_res.finding != text_res.finding ||
         (bin_res.finding && (strcmp(bin_res.f.check, text_res.f.check) ||
                              bin_res.f.op != text_res.f.op)) )
    {
        printf("FAIL: %s: as bytes it gives another outcome\n", path);
        tests_failed++;
        return;
    }
    printf("PASS: %s (%s)\n", path, what);
}

static unsigned int run_dir(const char *dir)
{
    long nr = for_each_trace(dir, run_scenario);

    return nr > 0 ? nr : 0;
}

int main(int argc, char **argv)
{
    const char *dir = getenv("GTIO_SCENARIOS");
    char sub[512];
    int i;

    if ( argc > 1 )
    {
        for ( i = 1; i < argc; i++ )
            run_scenario(argv[i]);
        return tests_failed ? 1 : 0;
    }
    if ( !dir )
        dir = "tests/scenarios";
    if ( !run_dir(dir) )
    {
        printf("FAIL: no scenarios in %s (run from the top of the tree or "
               "set GTIO_SCENARIOS)\n", dir);
        return 1;
    }
    snprintf(sub, sizeof(sub), "%s/core-bugs", dir);
    run_dir(sub);
    return tests_failed ? 1 : 0;
}
