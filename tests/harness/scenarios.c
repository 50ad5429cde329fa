/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Runs the text traces of tests/scenarios/ (and tests/scenarios/core-bugs/)
 * through the executor, each twice: as text, and as the fuzzer bytes it
 * encodes to, which must decode to the same trace and give the same
 * outcome.
 *
 * A trace starts with what it expects, then a comment saying what it
 * shows and why:
 *
 *     # expect: none                  no finding, and the run completes
 *     # expect: fail-stop             a panic after an injected fault,
 *     # expect: fail-stop op=7          (at that op of the input)
 *     # expect: stale-dma             that finding
 *     # expect: stale-dma op=12       that finding at that op
 *
 * Any number of lines further down pin an op's status where the ABI
 * leaves the checks a choice (after an injected fault, say):
 *
 *     # status: op=10 GNTST_okay      op 10 returned that (its call
 *                                     passed every check)
 *
 * "none" does not accept a fail-stop: a scenario that stops early would
 * no longer show what its comment claims.  core-bugs/ holds the cases of
 * defects once found in the core, each kept as the regression case of
 * the same concern on the core as it is now: they expect what the
 * correct core does.
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

#define EXPECT_PREFIX   "# expect:"
#define STATUS_PREFIX   "# status:"
#define MAX_STATUS      16

/* The named checks of docs/design.md, "The model and the checks", as findings name them. */
static const char *const known_checks[] = {
    "stale-dma", "dma-fault", "freed-reachable", "pagetable-writable",
    "grant-released-early", "status-mismatch", "accounting",
    "hypervisor-bug", "vtd-protocol",
};

enum outcome_kind {
    EXPECT_NONE,
    EXPECT_FAIL_STOP,
    EXPECT_FINDING,
};

struct expectation {
    enum outcome_kind kind;
    char check[32];             /* EXPECT_FINDING: its check */
    long op;                    /* -1: any */
};

/* The "# status:" lines of a trace, and what its run gave those ops. */
static struct {
    unsigned int nr;
    struct {
        long op;
        char want[32];
        char got[32];
    } s[MAX_STATUS];
} statuses;

static bool parse_statuses(const char *text, char *err, size_t errlen)
{
    const char *line;

    statuses.nr = 0;
    for ( line = text; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL )
    {
        long op;
        char name[32];

        if ( strncmp(line, STATUS_PREFIX, strlen(STATUS_PREFIX)) )
            continue;
        if ( sscanf(line + strlen(STATUS_PREFIX), " op=%ld %31s", &op,
                    name) != 2 || op < 0 || statuses.nr == MAX_STATUS )
        {
            snprintf(err, errlen, "'%.*s': expected '%s op=N NAME' (at most %d)",
                     (int)strcspn(line, "\n"), line, STATUS_PREFIX, MAX_STATUS);
            return false;
        }
        statuses.s[statuses.nr].op = op;
        snprintf(statuses.s[statuses.nr].want, sizeof(statuses.s[0].want),
                 "%s", name);
        statuses.s[statuses.nr++].got[0] = '\0';
    }
    return true;
}

static void note_statuses(const struct exec_call_view *call, void *ctx)
{
    unsigned int i, k;

    (void)ctx;
    for ( i = 0; i < call->nr; i++ )
        for ( k = 0; k < statuses.nr; k++ )
            if ( statuses.s[k].op == (long)call->op[i].idx )
                snprintf(statuses.s[k].got, sizeof(statuses.s[k].got), "%s",
                         exec_status_name(call->op[i].op->kind,
                                          call->op[i].status));
}

/* The first pinned status the run did not give, described in msg. */
static bool statuses_match(char *msg, size_t len)
{
    unsigned int k;

    for ( k = 0; k < statuses.nr; k++ )
        if ( strcmp(statuses.s[k].want, statuses.s[k].got) )
        {
            snprintf(msg, len, "op %ld returned %s, not %s", statuses.s[k].op,
                     statuses.s[k].got[0] ? statuses.s[k].got : "nothing",
                     statuses.s[k].want);
            return false;
        }
    return true;
}

static bool is_known_check(const char *name)
{
    size_t i;

    for ( i = 0; i < sizeof(known_checks) / sizeof(known_checks[0]); i++ )
        if ( !strcmp(name, known_checks[i]) )
            return true;
    return false;
}

/*
 * The first line must be the expectation, the next one a comment (what
 * the trace shows).  False with the reason in err otherwise.
 */
static bool parse_expectation(const char *text, size_t len,
                              struct expectation *e, char *err, size_t errlen)
{
    char line[128], word[32] = "", rest[64] = "";
    const char *nl = memchr(text, '\n', len), *next;
    size_t n = nl ? (size_t)(nl - text) : len;
    int fields;

    e->kind = EXPECT_NONE;
    e->check[0] = '\0';
    e->op = -1;
    if ( n >= sizeof(line) || strncmp(text, EXPECT_PREFIX,
                                      strlen(EXPECT_PREFIX)) )
    {
        snprintf(err, errlen, "the first line is not '%s ...'",
                 EXPECT_PREFIX);
        return false;
    }
    memcpy(line, text, n);
    line[n] = '\0';
    fields = sscanf(line + strlen(EXPECT_PREFIX), "%31s %63s", word, rest);
    if ( fields < 1 )
    {
        snprintf(err, errlen, "'%s' names no outcome", line);
        return false;
    }
    if ( fields == 2 && (sscanf(rest, "op=%ld", &e->op) != 1 || e->op < 0) )
    {
        snprintf(err, errlen, "'%s': expected op=N after the outcome", line);
        return false;
    }
    if ( !strcmp(word, "none") )
    {
        if ( e->op >= 0 )
        {
            snprintf(err, errlen, "'%s': no op for 'none'", line);
            return false;
        }
    }
    else if ( !strcmp(word, "fail-stop") )
        e->kind = EXPECT_FAIL_STOP;
    else if ( is_known_check(word) )
    {
        e->kind = EXPECT_FINDING;
        snprintf(e->check, sizeof(e->check), "%s", word);
    }
    else
    {
        snprintf(err, errlen, "'%s': unknown outcome '%s'", line, word);
        return false;
    }

    next = nl ? nl + 1 : text + len;
    if ( next >= text + len || *next != '#' )
    {
        snprintf(err, errlen, "no comment after the expect line says what "
                 "the trace shows");
        return false;
    }
    return true;
}

static bool outcome_matches(const struct exec_result *r,
                            const struct expectation *e)
{
    switch ( e->kind )
    {
    case EXPECT_NONE:
        return !r->finding && !r->fail_stop;
    case EXPECT_FAIL_STOP:
        /* ops_run counts the op the panic came in. */
        return !r->finding && r->fail_stop &&
               (e->op < 0 || (long)r->ops_run == e->op + 1);
    case EXPECT_FINDING:
        return r->finding && !strcmp(r->f.check, e->check) &&
               (e->op < 0 || (long)r->f.op == e->op);
    }
    return false;
}

static void describe_expectation(char *buf, size_t len,
                                 const struct expectation *e)
{
    const char *what = e->kind == EXPECT_NONE ? "no finding" :
                       e->kind == EXPECT_FAIL_STOP ? "a fail-stop" : e->check;

    if ( e->op >= 0 )
        snprintf(buf, len, "%s at op %ld", what, e->op);
    else
        snprintf(buf, len, "%s", what);
}

static void describe(char *buf, size_t len, const struct exec_result *r)
{
    if ( r->finding )
        snprintf(buf, len, "FINDING %s at op %zu: %s", r->f.check, r->f.op,
                 r->f.detail);
    else if ( r->fail_stop && !r->ops_run )
        snprintf(buf, len, "fail-stop at boot");
    else if ( r->fail_stop )
        snprintf(buf, len, "fail-stop at op %zu", r->ops_run - 1);
    else
        snprintf(buf, len, "no finding");
}

static bool same_outcome(const struct exec_result *a,
                         const struct exec_result *b)
{
    if ( a->finding != b->finding || a->fail_stop != b->fail_stop )
        return false;
    if ( a->finding )
        return !strcmp(a->f.check, b->f.check) && a->f.op == b->f.op;
    return !a->fail_stop || a->ops_run == b->ops_run;
}

/* Does back say exactly what t says: header and every op? */
static bool same_trace(const struct trace *t, const struct trace *back,
                       char *err, size_t errlen)
{
    size_t i;

    if ( !run_header_equal(&t->hdr, &back->hdr) )
    {
        snprintf(err, errlen, "the header decodes differently");
        return false;
    }
    if ( t->nr_ops != back->nr_ops )
    {
        snprintf(err, errlen, "%zu ops decode as %zu", t->nr_ops,
                 back->nr_ops);
        return false;
    }
    for ( i = 0; i < t->nr_ops; i++ )
    {
        char want[256], got[256];

        trace_format_op(want, sizeof(want), &t->ops[i]);
        trace_format_op(got, sizeof(got), &back->ops[i]);
        if ( strcmp(want, got) )
        {
            snprintf(err, errlen, "op %zu '%.100s' decodes as '%.100s'", i,
                     want, got);
            return false;
        }
    }
    return true;
}

static void fail(const char *path, const char *why)
{
    printf("FAIL: %s: %s\n", path, why);
    tests_failed++;
}

static void run_scenario(const char *path)
{
    static const struct exec_opts status_opts = { .after_call = note_statuses };
    static struct trace t, back;
    struct exec_result text_res, bin_res;
    struct expectation e;
    char err[400], what[400], want[64], msg[900];
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
        fail(path, "cannot read");
        return;
    }
    if ( !parse_expectation(text, len, &e, err, sizeof(err)) ||
         !parse_statuses(text, err, sizeof(err)) ||
         !trace_parse(text, len, path, &t, err, sizeof(err)) )
    {
        fail(path, err);
        free(text);
        return;
    }
    free(text);

    exec_run(&t, &status_opts, &text_res);
    describe(what, sizeof(what), &text_res);
    describe_expectation(want, sizeof(want), &e);
    if ( !outcome_matches(&text_res, &e) )
    {
        snprintf(msg, sizeof(msg), "expected %s, got %s", want, what);
        fail(path, msg);
        return;
    }
    if ( !statuses_match(msg, sizeof(msg)) )
    {
        fail(path, msg);
        return;
    }

    /* The bytes the trace encodes to: the same trace, the same run. */
    bytes = malloc(encode_size(&t));
    if ( !bytes || !encode_trace(&t, bytes, encode_size(&t), &n, err,
                                 sizeof(err)) )
    {
        snprintf(msg, sizeof(msg), "cannot encode: %s",
                 bytes ? err : "out of memory");
        fail(path, msg);
        free(bytes);
        return;
    }
    decode_input(bytes, n, &back);
    free(bytes);
    if ( !same_trace(&t, &back, err, sizeof(err)) )
    {
        snprintf(msg, sizeof(msg), "as bytes: %s", err);
        fail(path, msg);
        return;
    }
    exec_run(&back, NULL, &bin_res);
    if ( !same_outcome(&text_res, &bin_res) )
    {
        describe(err, sizeof(err), &bin_res);
        snprintf(msg, sizeof(msg), "as bytes it gives %s, as text %s", err,
                 what);
        fail(path, msg);
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
