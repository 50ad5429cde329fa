/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * triage: what the crash pipeline (scripts/fuzz-triage.sh) asks of a
 * fuzzer finding.
 *
 *   triage [opts] describe IN        run IN, print what it finds
 *   triage [opts] minimize IN OUT    shrink IN keeping the same check,
 *                                    write OUT, describe OUT
 *   triage trace IN                  fuzz_exec input as a text trace
 *
 *   --target fuzz_exec|fuzz_trace    whose input IN is (default fuzz_exec)
 *   --max-runs N                     minimisation budget (default 20000)
 *   --timeout S                      seconds one run may take (default 10)
 *   -v                               minimisation progress on stderr
 *
 * describe prints, one per line:
 *
 *   check: stale-dma        an oracle's name, asan-<kind>, ubsan, leak,
 *                           timeout, signal-<name>, exit-<status>
 *   op: unmap               kind of the op it was seen after ("-": unknown)
 *   index: 17               that op's index (-1: unknown)
 *   location: ...           file:line of a BUG or of a sanitizer report's
 *                           first frame in our sources; for an oracle,
 *                           what it saw (possible/allowed, the detail's
 *                           head with numbers as N)
 *   finding: ...            the report's first line
 *
 * Exit status: 0 a finding, 1 none, 2 usage or I/O error.
 *
 * Every run is a forked child writing to a temporary file: a candidate may
 * hit another bug (an ASan report ends the process, a loop never ends) and
 * the parent must live to try the next one.  fuzz_exec runs are dominated
 * by the executor's machine reset, so the fork costs little beside it.
 */
/* memmem() */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "decode.h"
#include "exec.h"
#include "file.h"
#include "minimize.h"
#include "trace.h"

/*
 * fuzz/fuzz_trace.c's entry point: this tool links that target's object
 * (built without a fuzzer, so nothing else calls it).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum target { TARGET_EXEC, TARGET_TRACE };

struct outcome {
    bool finding;
    char check[64];
    char op[32];
    long index;
    char location[192];
    char line[512];
};

static struct {
    enum target target;
    unsigned long max_runs;
    unsigned int timeout;
    bool verbose;
    int out_fd;             /* the children's stdout and stderr */
    char *text;             /* the last child's output */
    size_t text_cap;
    /* Minimising a leak: children must exit normally so LSan looks. */
    bool leak_check;
} session = { .max_runs = 20000, .timeout = 10, .out_fd = -1 };

/* ---- files ---- */

static bool write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    if ( !f || fwrite(data, 1, len, f) != len || fclose(f) )
    {
        fprintf(stderr, "triage: %s: %s\n", path, strerror(errno));
        return false;
    }
    return true;
}

/* ---- reading a child's output ---- */

static const char *line_end(const char *s)
{
    const char *e = strchr(s, '\n');

    return e ? e : s + strlen(s);
}

/* The line starting with prefix (at the start of the text or a line). */
static const char *find_line(const char *text, const char *prefix)
{
    const char *p = text;
    size_t n = strlen(prefix);

    while ( *p )
    {
        if ( !strncmp(p, prefix, n) )
            return p;
        p = line_end(p);
        if ( *p )
            p++;
    }
    return NULL;
}

/*
 * Numbers (decimal, 0x hex) to 'N', so that ids and addresses do not split
 * one bug into many; at most n characters of src.
 */
static void normalize(char *dst, size_t len, const char *src, size_t n)
{
    size_t i = 0, o = 0;

    while ( i < n && src[i] && src[i] != '\n' && o + 1 < len )
    {
        if ( src[i] == '0' && i + 1 < n && src[i + 1] == 'x' )
        {
            dst[o++] = 'N';
            for ( i += 2; i < n && isxdigit((unsigned char)src[i]); i++ )
                ;
        }
        else if ( isdigit((unsigned char)src[i]) )
        {
            dst[o++] = 'N';
            while ( i < n && isdigit((unsigned char)src[i]) )
                i++;
        }
        else
            dst[o++] = src[i++];
    }
    dst[o] = '\0';
}

/* Lower case, [a-z0-9-] only: check names become file names. */
static void slug(char *dst, size_t len, const char *src, size_t n)
{
    size_t i, o = 0;

    for ( i = 0; i < n && src[i] && o + 1 < len; i++ )
    {
        unsigned char c = tolower((unsigned char)src[i]);

        if ( isalnum(c) )
            dst[o++] = c;
        else if ( o && dst[o - 1] != '-' )
            dst[o++] = '-';
    }
    while ( o && dst[o - 1] == '-' )
        o--;
    dst[o] = '\0';
}

/*
 * ".../hv/grant.c:123:5" -> "hv/grant.c:123": the path from our top-level
 * directory on (so a variant's copy of hv/ reads the same), no column.
 */
static void repo_location(char *dst, size_t len, const char *path, size_t n)
{
    static const char *const dirs[] = { "hv/", "harness/", "fuzz/" };
    const char *start = path;
    unsigned int d, colons = 0;
    size_t i, k;

    for ( i = 0; i < n; i++ )
        for ( d = 0; d < 3; d++ )
        {
            k = strlen(dirs[d]);
            if ( i + k <= n && !strncmp(path + i, dirs[d], k) &&
                 (i == 0 || path[i - 1] == '/') )
                start = path + i;
        }
    n -= start - path;
    for ( i = 0; i < n; i++ )
        if ( start[i] == ':' && ++colons == 2 )
            break;
    snprintf(dst, len, "%.*s", (int)i, start);
}

/* The first stack frame in our own sources: "fn hv/grant.c:123". */
static bool first_repo_frame(const char *text, char *dst, size_t len)
{
    const char *p;

    for ( p = text; (p = strstr(p, " in ")); p += 4 )
    {
        const char *fn = p + 4, *e = line_end(fn), *sp = strchr(fn, ' ');
        char loc[128];

        if ( !sp || sp >= e )
            continue;
        if ( !memmem(sp, e - sp, "hv/", 3) &&
             !memmem(sp, e - sp, "harness/", 8) &&
             !memmem(sp, e - sp, "fuzz/", 5) )
            continue;
        repo_location(loc, sizeof(loc), sp + 1, e - sp - 1);
        snprintf(dst, len, "%.*s %s", (int)(sp - fn), fn, loc);
        return true;
    }
    return false;
}

/* The kind of the last op listed under the report's "# trace up to op N". */
static void report_op_kind(const char *text, char *dst, size_t len)
{
    const char *p = find_line(text, "# trace up to op "), *last = NULL;

    if ( !p )
        return;
    for ( p = line_end(p); *p && p[1]; p = line_end(p) )
    {
        p++;
        if ( *p == '#' || *p == '\n' || !strncmp(p, "caps ", 5) ||
             !strncmp(p, "config ", 7) )
            continue;
        if ( !islower((unsigned char)*p) )
            break;
        last = p;
    }
    if ( last )
        snprintf(dst, len, "%.*s", (int)strcspn(last, " \n"), last);
}

/* "[17] unmap ld=..." lines of the executor's log: the last op started. */
static void log_last_op(const char *text, struct outcome *o)
{
    const char *p, *last = NULL;

    for ( p = text; *p; )
    {
        if ( p[0] == '[' && isdigit((unsigned char)p[1]) )
            last = p;
        p = line_end(p);
        if ( *p )
            p++;
    }
    if ( !last )
        return;
    o->index = strtol(last + 1, NULL, 10);
    p = strchr(last, ']');
    if ( p && p[1] == ' ' )
        snprintf(o->op, sizeof(o->op), "%.*s", (int)strcspn(p + 2, " \n"),
                 p + 2);
}

static void classify_report(const char *text, const char *fl,
                            struct outcome *o)
{
    const char *check = fl + 8, *e = line_end(fl), *op = strstr(fl, " op=");
    const char *poss = strstr(fl, " possible="), *allow = strstr(fl, " allowed=");
    char head[128] = "", pa[64] = "";

    slug(o->check, sizeof(o->check), check, strcspn(check, " \n"));
    o->index = op && op < e ? strtol(op + 4, NULL, 10) : -1;
    report_op_kind(text, o->op, sizeof(o->op));

    /* The detail line: "# BUG at file:line: ..." or "# what: ...". */
    if ( *e && !strncmp(e + 1, "# ", 2) && strncmp(e + 1, "# trace up", 10) )
    {
        const char *d = e + 3, *de = line_end(d), *colon;

        if ( !strncmp(d, "BUG at ", 7) )
        {
            repo_location(o->location, sizeof(o->location), d + 7,
                          strcspn(d + 7, " \n"));
            return;
        }
        /*
         * A DMA check's detail names a device and frame after its first
         * ':' (possible/allowed say the rest); an accounting or status
         * detail says there what disagreed, so it is kept.
         */
        colon = poss && strncmp(poss + 10, "- ", 2) ? memchr(d, ':', de - d)
                                                    : NULL;
        normalize(head, sizeof(head), d, (colon ? colon : de) - d);
        if ( strlen(head) > 80 )
            head[80] = '\0';
    }
    if ( poss && allow && poss < e && allow < e )
    {
        int pl = strcspn(poss + 10, " \n"), al = strcspn(allow + 9, " \n");

        if ( strncmp(poss + 10, "- ", 2) || strncmp(allow + 9, "- ", 2) )
            snprintf(pa, sizeof(pa), "possible=%.*s allowed=%.*s", pl,
                     poss + 10, al, allow + 9);
    }
    snprintf(o->location, sizeof(o->location), "%s%s%s", pa,
             pa[0] && head[0] ? " / " : "", head[0] || pa[0] ? head : "-");
}

static const char *signal_name(int sig)
{
    switch ( sig )
    {
    case SIGABRT: return "abrt";
    case SIGSEGV: return "segv";
    case SIGBUS:  return "bus";
    case SIGFPE:  return "fpe";
    case SIGILL:  return "ill";
    case SIGTRAP: return "trap";
    case SIGKILL: return "kill";
    default:      return NULL;
    }
}

/* An ASan/LSan report from p on: its headline and first frame of ours. */
static void sanitizer_report(const char *p, struct outcome *o)
{
    snprintf(o->line, sizeof(o->line), "%.*s", (int)(line_end(p) - p), p);
    if ( !first_repo_frame(p, o->location, sizeof(o->location)) )
        snprintf(o->location, sizeof(o->location), "-");
}

static void classify(const char *text, int status, struct outcome *o)
{
    const char *p;

    memset(o, 0, sizeof(*o));
    o->index = -1;
    snprintf(o->op, sizeof(o->op), "-");
    snprintf(o->location, sizeof(o->location), "-");
    if ( WIFEXITED(status) && WEXITSTATUS(status) == 0 )
        return;
    o->finding = true;

    if ( (p = find_line(text, "FINDING ")) )
    {
        snprintf(o->line, sizeof(o->line), "%.*s", (int)(line_end(p) - p), p);
        classify_report(text, p, o);
        return;
    }
    log_last_op(text, o);

    if ( (p = strstr(text, "ERROR: AddressSanitizer: ")) )
    {
        const char *k = p + 25;
        size_t n = strcspn(k, "\n:(");
        const char *cut[] = { " on ", " at ", " 0x" };
        unsigned int i;

        for ( i = 0; i < 3; i++ )
        {
            const char *c = strstr(k, cut[i]);

            if ( c && (size_t)(c - k) < n )
                n = c - k;
        }
        snprintf(o->check, sizeof(o->check), "asan-");
        slug(o->check + 5, sizeof(o->check) - 5, k, n);
        sanitizer_report(p, o);
        return;
    }
    if ( (p = strstr(text, "ERROR: LeakSanitizer: ")) )
    {
        snprintf(o->check, sizeof(o->check), "leak");
        sanitizer_report(p, o);
        return;
    }
    if ( (p = strstr(text, ": runtime error: ")) )
    {
        const char *start = p, *msg = p + 17, *colon;
        char loc[96], what[64];

        while ( start > text && start[-1] != '\n' )
            start--;
        repo_location(loc, sizeof(loc), start, p - start);
        colon = strchr(msg, ':');
        normalize(what, sizeof(what), msg,
                  colon && colon < line_end(msg) ? (size_t)(colon - msg)
                                                 : (size_t)(line_end(msg) - msg));
        snprintf(o->check, sizeof(o->check), "ubsan");
        snprintf(o->location, sizeof(o->location), "%s: %s", loc, what);
        snprintf(o->line, sizeof(o->line), "%.*s",
                 (int)(line_end(start) - start), start);
        return;
    }

    /* No report: what the status says, and the first line as a hint. */
    if ( WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM )
        snprintf(o->check, sizeof(o->check), "timeout");
    else if ( WIFSIGNALED(status) )
    {
        const char *name = signal_name(WTERMSIG(status));

        if ( name )
            snprintf(o->check, sizeof(o->check), "signal-%s", name);
        else
            snprintf(o->check, sizeof(o->check), "signal-%d",
                     WTERMSIG(status));
    }
    else
        snprintf(o->check, sizeof(o->check), "exit-%d", WEXITSTATUS(status));
    if ( (p = find_line(text, "BUG: ")) )
        repo_location(o->location, sizeof(o->location), p + 5,
                      strcspn(p + 5, " \n"));
    else if ( *text )
        normalize(o->location, 61, text, strlen(text));
    snprintf(o->line, sizeof(o->line), "%.*s", (int)(line_end(text) - text),
             text);
}

/* ---- running one case ---- */

static void child_exec(const struct trace *t, bool want_log)
{
    FILE *log = NULL;
    struct exec_opts opts = { .report = stderr };
    struct exec_result res;

    if ( want_log )
    {
        /* Line-buffered: a sanitizer report ends us without a flush. */
        log = fdopen(dup(STDOUT_FILENO), "w");
        if ( log )
            setvbuf(log, NULL, _IOLBF, 0);
        opts.log = log;
    }
    if ( !exec_run(t, &opts, &res) && res.finding )
    {
        fflush(stderr);
        abort();
    }
}

/*
 * Run t (fuzz_exec) or data (fuzz_trace) in a child; its output lands in
 * session.text.  False only if the run itself could not be made.
 */
static bool run_case(const struct trace *t, const uint8_t *data, size_t len,
                     bool want_log, struct outcome *o)
{
    pid_t pid;
    int status;
    size_t n = 0;
    ssize_t got;

    fflush(stdout);
    fflush(stderr);
    if ( ftruncate(session.out_fd, 0) || lseek(session.out_fd, 0, SEEK_SET) )
    {
        perror("triage: temporary file");
        return false;
    }
    pid = fork();
    if ( pid < 0 )
    {
        perror("triage: fork");
        return false;
    }
    if ( pid == 0 )
    {
        dup2(session.out_fd, STDOUT_FILENO);
        dup2(session.out_fd, STDERR_FILENO);
        signal(SIGALRM, SIG_DFL);
        alarm(session.timeout);
        if ( session.target == TARGET_EXEC )
            child_exec(t, want_log);
        else
            LLVMFuzzerTestOneInput(data, len);
        if ( session.leak_check )
            exit(0);
        _exit(0);
    }
    while ( waitpid(pid, &status, 0) < 0 )
        if ( errno != EINTR )
        {
            perror("triage: waitpid");
            return false;
        }

    if ( lseek(session.out_fd, 0, SEEK_SET) )
        return false;
    for ( ;; )
    {
        if ( n + 1 >= session.text_cap )
        {
            size_t cap = session.text_cap ? session.text_cap * 2 : 65536;
            char *nt = realloc(session.text, cap);

            if ( !nt )
                return false;
            session.text = nt;
            session.text_cap = cap;
        }
        got = read(session.out_fd, session.text + n, session.text_cap - n - 1);
        if ( got <= 0 )
            break;
        n += got;
    }
    session.text[n] = '\0';
    classify(session.text, status, o);
    return true;
}

/* ---- commands ---- */

static void print_outcome(const struct outcome *o)
{
    printf("check: %s\nop: %s\nindex: %ld\nlocation: %s\nfinding: %s\n",
           o->check, o->op, o->index, o->location, o->line);
}

/* IN as this target's input: a decoded trace for fuzz_exec. */
static bool load(const char *path, struct trace *t, uint8_t **data,
                 size_t *len)
{
    *data = (uint8_t *)file_read_or_report("triage", path, len);
    if ( !*data )
        return false;
    if ( session.target == TARGET_EXEC )
        decode_input(*data, *len, t);
    return true;
}

static int cmd_describe(const char *in)
{
    struct trace t;
    struct outcome o;
    uint8_t *data;
    size_t len;
    int rc = 2;

    trace_init(&t);
    if ( load(in, &t, &data, &len) && run_case(&t, data, len, true, &o) )
    {
        if ( o.finding )
        {
            print_outcome(&o);
            rc = 0;
        }
        else
        {
            printf("check: none\n");
            rc = 1;
        }
    }
    free(data);
    trace_free(&t);
    return rc;
}

struct want {
    const char *check;
};

static bool same_check_exec(const struct trace *t, void *ctx)
{
    const struct want *w = ctx;
    struct outcome o;

    return run_case(t, NULL, 0, false, &o) && o.finding &&
           !strcmp(o.check, w->check);
}

static bool same_check_bytes(const uint8_t *data, size_t len,
                             const struct want *w, unsigned long *runs)
{
    struct outcome o;

    (*runs)++;
    return run_case(NULL, data, len, false, &o) && o.finding &&
           !strcmp(o.check, w->check);
}

/*
 * fuzz_trace inputs are text: drop chunks of lines, then of bytes, from
 * the back, halving the chunk size, as minimize.c does with ops.
 */
static size_t shrink_bytes(uint8_t *buf, size_t len, const struct want *w,
                           bool by_lines, unsigned long *runs)
{
    uint8_t *cand = malloc(len ? len : 1);
    size_t *unit = malloc((len + 2) * sizeof(*unit)), nr, chunk, end, i;

    if ( !cand || !unit )
    {
        free(cand);
        free(unit);
        return len;
    }
    for ( ;; )
    {
        /* unit[k] is where unit k starts; unit[nr] == len. */
        nr = 0;
        for ( i = 0; i < len; i++ )
            if ( !by_lines || i == 0 || buf[i - 1] == '\n' )
                unit[nr++] = i;
        unit[nr] = len;
        chunk = nr / 2 ? nr / 2 : 1;
        for ( ;; )
        {
            bool dropped = false;

            for ( end = nr; end > 0 && *runs < session.max_runs; )
            {
                size_t start = end > chunk ? end - chunk : 0;
                size_t a = unit[start], b = unit[end], n;

                memcpy(cand, buf, a);
                memcpy(cand + a, buf + b, len - b);
                n = len - (b - a);
                if ( same_check_bytes(cand, n, w, runs) )
                {
                    memcpy(buf, cand, n);
                    len = n;
                    dropped = true;
                    break;
                }
                end = start;
            }
            if ( dropped )
                break;          /* units moved: recount them */
            if ( chunk == 1 || *runs >= session.max_runs )
                goto out;
            chunk /= 2;
        }
    }
out:
    free(cand);
    free(unit);
    return len;
}

static int minimize_exec(struct trace *t, const struct outcome *first,
                         const char *out)
{
    struct want w = { .check = first->check };
    struct min_opts mo = {
        .max_runs = session.max_runs, .verbose = session.verbose,
        .prefix = first->index >= 0 ? (size_t)first->index + 1 : 0,
    };
    struct min_stats st;
    size_t cap, len;
    uint8_t *bytes;
    char err[256];

    if ( !minimize_trace(t, same_check_exec, &w, &mo, &st) )
    {
        fprintf(stderr, "triage: the decoded trace no longer shows %s\n",
                first->check);
        return 1;
    }
    fprintf(stderr, "triage: %s: %zu ops -> %zu ops in %lu runs%s\n",
            first->check, st.ops_before, st.ops_after, st.runs,
            st.budget_hit ? " (run budget spent)" : "");
    cap = encode_size(t);
    bytes = malloc(cap);
    if ( !bytes || !encode_trace(t, bytes, cap, &len, err, sizeof(err)) )
    {
        fprintf(stderr, "triage: cannot encode the result: %s\n",
                bytes ? err : "out of memory");
        free(bytes);
        return 2;
    }
    if ( !write_file(out, bytes, len) )
    {
        free(bytes);
        return 2;
    }
    free(bytes);
    return 0;
}

static int minimize_text(uint8_t *data, size_t len, const struct outcome *first,
                         const char *out)
{
    struct want w = { .check = first->check };
    unsigned long runs = 0;
    size_t before = len;

    len = shrink_bytes(data, len, &w, true, &runs);
    len = shrink_bytes(data, len, &w, false, &runs);
    fprintf(stderr, "triage: %s: %zu bytes -> %zu bytes in %lu runs\n",
            first->check, before, len, runs);
    return write_file(out, data, len) ? 0 : 2;
}

static int cmd_minimize(const char *in, const char *out)
{
    struct trace t;
    struct outcome first;
    uint8_t *data;
    size_t len;
    int rc = 2;

    trace_init(&t);
    if ( !load(in, &t, &data, &len) )
        return 2;
    if ( !run_case(&t, data, len, true, &first) )
        goto done;
    if ( !first.finding )
    {
        fprintf(stderr, "triage: %s: no finding, nothing to minimise\n", in);
        rc = 1;
        goto done;
    }
    session.leak_check = !strcmp(first.check, "leak");
    if ( !strcmp(first.check, "timeout") )
    {
        /* Each candidate could cost the whole timeout: keep it as it is. */
        fprintf(stderr, "triage: %s: a timeout is kept unminimised\n", in);
        rc = write_file(out, data, len) ? 0 : 2;
    }
    else if ( session.target == TARGET_EXEC )
        rc = minimize_exec(&t, &first, out);
    else
        rc = minimize_text(data, len, &first, out);
    free(data);
    data = NULL;
    if ( rc == 0 )
        rc = cmd_describe(out);
done:
    free(data);
    trace_free(&t);
    return rc;
}

static int cmd_trace(const char *in)
{
    struct trace t;
    uint8_t *data;
    size_t len;

    trace_init(&t);
    data = (uint8_t *)file_read_or_report("triage", in, &len);
    if ( !data )
        return 2;
    decode_input(data, len, &t);
    trace_print(stdout, &t, t.nr_ops);
    free(data);
    trace_free(&t);
    return fflush(stdout) ? 2 : 0;
}

#define USAGE "usage: triage [--target fuzz_exec|fuzz_trace] [--max-runs N] " \
              "[--timeout S] [-v] describe IN | minimize IN OUT | trace IN"

/* A whole decimal (or 0x) count for option opt; false and a message if not. */
static bool parse_count(const char *opt, const char *s, unsigned long max,
                        unsigned long *v)
{
    char *end;

    errno = 0;
    *v = strtoul(s, &end, 0);
    if ( errno || end == s || *end || *s == '-' || *v > max )
    {
        fprintf(stderr, "triage: %s wants a number up to %lu, not '%s'\n",
                opt, max, s);
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    const char *args[3];
    unsigned long n;
    unsigned int nargs = 0;
    FILE *tmp;
    int i;

    for ( i = 1; i < argc; i++ )
    {
        if ( !strcmp(argv[i], "--target") && i + 1 < argc )
        {
            i++;
            if ( !strcmp(argv[i], "fuzz_exec") )
                session.target = TARGET_EXEC;
            else if ( !strcmp(argv[i], "fuzz_trace") )
                session.target = TARGET_TRACE;
            else
            {
                fprintf(stderr, "triage: unknown target '%s' (fuzz_exec, "
                        "fuzz_trace)\n", argv[i]);
                return 2;
            }
        }
        else if ( !strcmp(argv[i], "--max-runs") && i + 1 < argc )
        {
            if ( !parse_count(argv[i], argv[i + 1], ~0UL, &session.max_runs) )
                return 2;
            i++;
        }
        else if ( !strcmp(argv[i], "--timeout") && i + 1 < argc )
        {
            if ( !parse_count(argv[i], argv[i + 1], 86400, &n) )
                return 2;
            session.timeout = n;
            i++;
        }
        else if ( !strcmp(argv[i], "-v") )
            session.verbose = true;
        else if ( argv[i][0] == '-' || nargs == 3 )
        {
            /* One line: the error, then how to call it. */
            fprintf(stderr, "triage: %s '%s' (%s)\n",
                    argv[i][0] == '-' ? "unknown option (or missing value)"
                                      : "too many arguments at", argv[i],
                    USAGE);
            return 2;
        }
        else
            args[nargs++] = argv[i];
    }
    if ( !session.timeout )
        session.timeout = 1;
    if ( nargs == 2 && !strcmp(args[0], "trace") )
        return cmd_trace(args[1]);
    if ( !(nargs == 2 && !strcmp(args[0], "describe")) &&
         !(nargs == 3 && !strcmp(args[0], "minimize")) )
    {
        fprintf(stderr, "%s\n", USAGE);
        return 2;
    }

    tmp = tmpfile();
    if ( !tmp )
    {
        perror("triage: tmpfile");
        return 2;
    }
    session.out_fd = fileno(tmp);
    if ( nargs == 2 )
        return cmd_describe(args[1]);
    return cmd_minimize(args[1], args[2]);
}
