/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dual: the same trace on two IOMMUs.  A trace of the dual dialect (below)
 * runs here, on Xen's grant_table.c, the core and the simulated VT-d, and
 * in the booted Xen under QEMU's VT-d, where dom0's gtio_dma.ko performs
 * the same ops with real hypercalls and probes every frame with real DMA
 * by QEMU's edu device (tests/xen/boot/dual.c; scripts/xen-boot.sh).  What
 * a guest can observe must agree: each op's status, and for each frame
 * the trace named, whether dom0's device reaches it (read, write) after
 * each call.  This checks the simulator against an independent
 * implementation of the VT-d specification.
 *
 *   dual --script TRACE...
 *       the op script for /proc/gtio-dual (one op per line)
 *   dual --observe [--cap HEX --ecap HEX] TRACE...
 *       what the harness observes, in the format the boot test extracts
 *       from the serial log:  NAME K status S  and  NAME K dma F DIR V
 *       (K the index of the op, or of a call's last op; V reached,
 *       faulted, or either where the simulated unit may do both)
 *   dual --compare FILE [--cap HEX --ecap HEX] TRACE...
 *       the same, compared with FILE (the booted Xen's observations);
 *       every disagreement is printed side by side
 * --cap/--ecap: the real unit's capability registers (Xen prints them);
 * the simulated unit then has its CM, PSI, MAMV, RWBF, DRD/DWD, QI and C.
 * Exit status: 0 agreement (or a script), 1 a disagreement or a finding
 * of the checks, 2 bad input or usage.
 *
 * The dialect is what a strict PV dom0 (d0, its device dev 0) can do to
 * its own memory and to grants a domU without a device (d1) made at its
 * boot: create, assign and populate of d1 are declarations of the booted
 * system; grant_write d=1 grantee=0 binds a grant the domU made, with its
 * flags (permit, or permit,ro), before the first map; populate, remove,
 * get_type (l1, writable) and put_type of d0's own frames; map of d1's
 * grants by d0 and their unmap (host and device parts), in single calls
 * and in begin/end batches.  No faults, destroy or device moves: the
 * booted system cannot do those on demand.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/errno.h>
#include <xen/lib.h>
#include <public/xen.h>
#include <public/grant_table.h>

#include "exec.h"
#include "file.h"
#include "trace.h"
#include "vtd_sim.h"

#define TOOL            "dual"
#define MAX_FRAMES      16
#define MAX_RECORDS     8192
#define RECORD_LEN      96
#define HWDOM           0
#define GUEST           1
#define DEVICE          0

struct record {
    char key[RECORD_LEN];       /* all words but the last */
    char value[24];             /* the last word */
    char op[80];                /* harness side: the op, for humans */
};

struct records {
    struct record r[MAX_RECORDS];
    size_t nr;
    bool full;
};

static struct {
    const char *name;           /* the trace's name: its file's base name */
    char op[80];                /* the op being recorded, as text */
    FILE *script;               /* --script: the op script goes here */
    struct records *out;        /* --observe, --compare: records go here */
    unsigned int frames[MAX_FRAMES];
    unsigned int nr_frames;
    size_t map_of_handle[OP_HANDLES];   /* the map op that gave a handle */
} recording;

static struct records harness_side, xen_side;

/* ---- the dialect ---- */

static bool is_declaration(const struct op *op)
{
    return op->kind == OP_CREATE || op->kind == OP_ASSIGN ||
           op->kind == OP_GRANT_WRITE ||
           (op->kind == OP_POPULATE && op->d == GUEST);
}

static const char *dialect_error(const struct op *op, bool mapped_yet)
{
    switch ( op->kind )
    {
    case OP_BEGIN:
    case OP_END:
        return NULL;
    case OP_CREATE:
        if ( op->d != HWDOM && op->d != GUEST )
            return "only d0 and d1 exist";
        return op->iommu == (op->d == HWDOM) ? NULL
               : "d0 has an IOMMU (dom0-iommu=strict), d1 none";
    case OP_ASSIGN:
        return op->dev == DEVICE && op->d == HWDOM ? NULL
               : "only dev 0 (edu), assigned to d0";
    case OP_POPULATE:
        return op->d == HWDOM || op->d == GUEST ? NULL : "only d0 and d1";
    case OP_REMOVE:
    case OP_PUT_TYPE:
        return op->d == HWDOM ? NULL : "only d0's own frames";
    case OP_GET_TYPE:
        if ( op->d != HWDOM )
            return "only d0's own frames";
        return !strcmp(page_type_name(op->type), "l1") ||
               !strcmp(page_type_name(op->type), "writable") ? NULL
               : "only the types l1 and writable";
    case OP_GRANT_WRITE:
        if ( op->d != GUEST || op->grantee != HWDOM )
            return "only d1's grants to d0";
        if ( mapped_yet )
            return "grants are made at the domU's boot, before any map";
        return op->flags == GTF_permit_access ||
               op->flags == (GTF_permit_access | GTF_readonly) ? NULL
               : "only the flags permit and permit,ro";
    case OP_MAP:
        return op->d == HWDOM && op->rd == GUEST ? NULL
               : "only d0 maps d1's grants";
    case OP_UNMAP:
        if ( op->d != HWDOM )
            return "only d0 unmaps";
        return op->flags & UNMAP_WRONG_BUS ? "no wrongbus" : NULL;
    }
    return "the booted system cannot do this op on demand";
}

/* A one-line error for the first op outside the dialect. */
static bool check_dialect(const struct trace *t)
{
    bool mapped_yet = false;
    char line[256];
    size_t i;

    for ( i = 0; i < t->nr_ops; i++ )
    {
        const char *why = dialect_error(&t->ops[i], mapped_yet);

        if ( why )
        {
            trace_format_op(line, sizeof(line), &t->ops[i]);
            fprintf(stderr, "%s: %s: op %zu (%s) is not in the dual dialect: %s\n",
                    TOOL, recording.name, i, line, why);
            return false;
        }
        mapped_yet |= t->ops[i].kind == OP_MAP;
    }
    return true;
}

/* ---- records ---- */

static void add_record(struct records *rs, const char *value,
                       const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add_record(struct records *rs, const char *value,
                       const char *fmt, ...)
{
    struct record *r;
    va_list ap;

    if ( rs->nr == MAX_RECORDS )
    {
        rs->full = true;
        return;
    }
    r = &rs->r[rs->nr++];
    va_start(ap, fmt);
    vsnprintf(r->key, sizeof(r->key), fmt, ap);
    va_end(ap);
    snprintf(r->value, sizeof(r->value), "%s", value);
    snprintf(r->op, sizeof(r->op), "%s", recording.op);
}

static void note_frame(unsigned int mfn)
{
    unsigned int i;

    for ( i = 0; i < recording.nr_frames; i++ )
        if ( recording.frames[i] == mfn )
            return;
    if ( recording.nr_frames < MAX_FRAMES )
        recording.frames[recording.nr_frames++] = mfn;
}

struct probe {
    unsigned long bfn;
    unsigned int access;
    bool reach;
};

static bool reaches(void *ctx, unsigned int dev, const struct sim_translation *t)
{
    struct probe *p = ctx;

    (void)dev;
    if ( t->bfn == p->bfn && (t->access & p->access) == p->access )
        p->reach = true;
    return !p->reach;
}

/* What dev 0 does at bfn: reached, faulted, or either. */
static const char *verdict(unsigned long bfn, unsigned int access)
{
    struct probe p = { .bfn = bfn, .access = access };
    bool fault = vtd_sim_may_fault(DEVICE, bfn, access);

    vtd_sim_for_each_reachable(DEVICE, reaches, &p);
    if ( p.reach && fault )
        return "either";
    if ( p.reach )
        return "reached";
    /* Neither: translation is off, so DMA goes anywhere. */
    return fault ? "faulted" : "reached";
}

static void observe_dma(size_t idx)
{
    unsigned int i;

    for ( i = 0; i < recording.nr_frames; i++ )
    {
        unsigned int mfn = recording.frames[i];

        add_record(recording.out, verdict(mfn, SIM_R), "%s %zu dma %u read",
                   recording.name, idx, mfn);
        add_record(recording.out, verdict(mfn, SIM_W), "%s %zu dma %u write",
                   recording.name, idx, mfn);
    }
}

/* ---- the op script ---- */

static void script_op(const struct exec_op_view *v)
{
    const struct op *op = v->op;
    char words[64];

    switch ( op->kind )
    {
    case OP_POPULATE:
        fprintf(recording.script, "own %zu %u\n", v->idx, op->mfn);
        break;
    case OP_GRANT_WRITE:
        fprintf(recording.script, "grant %zu %u %u %s\n", v->idx, op->mfn,
                op->ref, op->flags & GTF_readonly ? "ro" : "rw");
        break;
    case OP_REMOVE:
        fprintf(recording.script, "remove %zu %u\n", v->idx, op->mfn);
        break;
    case OP_GET_TYPE:
        fprintf(recording.script, "get %zu %u %s\n", v->idx, op->mfn,
                page_type_name(op->type));
        break;
    case OP_PUT_TYPE:
        fprintf(recording.script, "put %zu %u\n", v->idx, op->mfn);
        break;
    case OP_MAP:
        format_map_flags(words, sizeof(words), op->flags);
        fprintf(recording.script, "map %zu %u %s\n", v->idx, op->ref, words);
        break;
    case OP_UNMAP:
        format_unmap_parts(words, sizeof(words), op->flags);
        if ( op->handle < OP_HANDLES && recording.map_of_handle[op->handle] != SIZE_MAX )
            fprintf(recording.script, "unmap %zu %zu %s\n", v->idx,
                    recording.map_of_handle[op->handle], words);
        else
            fprintf(recording.script, "unmap %zu none %s\n", v->idx, words);
        break;
    }
}

/* ---- one call, as the executor reports it ---- */

static void after_call(const struct exec_call_view *call, void *ctx)
{
    const struct exec_op_view *last = &call->op[call->nr - 1];
    unsigned int i;
    bool declaration = is_declaration(last->op);

    (void)ctx;
    if ( recording.script && call->nr > 1 )
        fprintf(recording.script, "call %u\n", call->nr);
    for ( i = 0; i < call->nr; i++ )
    {
        const struct exec_op_view *v = &call->op[i];

        if ( v->op->kind == OP_POPULATE && v->op->d == HWDOM )
            note_frame(v->op->mfn);
        if ( v->op->kind == OP_GRANT_WRITE )
            note_frame(v->op->mfn);
        if ( recording.script && (!is_declaration(v->op) ||
                                  v->op->kind == OP_GRANT_WRITE) )
            script_op(v);
        if ( v->op->kind == OP_MAP && v->status == GNTST_okay &&
             v->handle < OP_HANDLES )
            recording.map_of_handle[v->handle] = v->idx;
        trace_format_op(recording.op, sizeof(recording.op), v->op);
        if ( recording.out && !is_declaration(v->op) )
            add_record(recording.out, exec_status_name(v->op->kind, v->status),
                       "%s %zu status", recording.name, v->idx);
    }
    if ( declaration )
        return;
    if ( recording.script )
        fprintf(recording.script, "probe %zu\n", last->idx);
    if ( recording.out )
        observe_dma(last->idx);
}

/* ---- capabilities of the real unit ---- */

struct unit_regs {
    bool given;
    uint64_t cap, ecap;
};

static void take_caps(struct run_header *h, const struct unit_regs *u)
{
    unsigned int mamv = (u->cap >> 48) & 0x3f;

    if ( !u->given )
        return;
    h->cm = u->cap >> 7 & 1;
    h->rwbf = u->cap >> 4 & 1;
    h->drain = (u->cap >> 54 & 1) && (u->cap >> 55 & 1);
    h->psi = u->cap >> 39 & 1;
    h->mamv = mamv > RUN_MAX_MAMV ? RUN_MAX_MAMV : mamv;
    h->qi = u->ecap >> 1 & 1;
    h->coherent = u->ecap & 1;
}

/* ---- one trace ---- */

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    static char name[64];
    size_t n = strcspn(base, ".");

    snprintf(name, sizeof(name), "%.*s", (int)(n < 63 ? n : 63), base);
    return name;
}

/* 0 ran clean, 1 a finding, 2 bad input. */
static int run_trace(const char *path, const struct unit_regs *u)
{
    struct exec_opts opts = { .report = stderr, .after_call = after_call };
    struct exec_result res;
    struct trace t;
    char *data, err[256];
    size_t len;
    int rc = 0;

    data = file_read_or_report(TOOL, path, &len);
    if ( !data )
        return 2;
    trace_init(&t);
    recording.name = base_name(path);
    if ( !trace_parse(data, len, path, &t, err, sizeof(err)) )
    {
        fprintf(stderr, "%s\n", err);
        rc = 2;
    }
    else if ( !check_dialect(&t) )
        rc = 2;
    free(data);
    if ( rc )
    {
        trace_free(&t);
        return rc;
    }
    take_caps(&t.hdr, u);
    recording.nr_frames = 0;
    memset(recording.map_of_handle, 0xff, sizeof(recording.map_of_handle));
    if ( recording.script )
        fprintf(recording.script, "trace %s\n", recording.name);
    if ( !exec_run(&t, &opts, &res) )
    {
        fprintf(stderr, "%s: %s: the checks found something on the harness "
                "(above): not a dual trace until that is fixed\n", TOOL, path);
        rc = 1;
    }
    trace_free(&t);
    return rc;
}

/* ---- the other side's observations ---- */

/*
 * A trace's observation is "NAME K status S" or "NAME K dma F read|write
 * V"; the boot test adds others of its own ("stray-fault ADDR faulted":
 * what no trace can match).
 */
static bool well_formed(const char *line)
{
    char second[24], dir[8], value[24];
    unsigned long frame;
    int end = 0;

    if ( sscanf(line, "%*s %23s", second) != 1 )
        return false;
    if ( strspn(second, "0123456789") != strlen(second) )
        return true;
    if ( sscanf(line, "%*s %*u status %23s %n", value, &end) == 1 )
        return !line[end];
    return sscanf(line, "%*s %*u dma %lu %7s %23s %n", &frame, dir, value,
                  &end) == 3 && !line[end] &&
           (!strcmp(dir, "read") || !strcmp(dir, "write"));
}

/* "KEY... VALUE" lines; blank ones and # comments are skipped. */
static bool parse_observations(const char *path, struct records *rs)
{
    size_t len, lineno = 0;
    char *data = file_read_or_report(TOOL, path, &len), *line, *next;
    bool ok = true;

    if ( !data )
        return false;
    for ( line = data; ok && line; line = next )
    {
        char *end, *last;

        next = strchr(line, '\n');
        if ( next )
            *next++ = '\0';
        lineno++;
        end = line + strlen(line);
        while ( end > line && (end[-1] == ' ' || end[-1] == '\r') )
            *--end = '\0';
        if ( !*line || *line == '#' )
            continue;
        last = strrchr(line, ' ');
        if ( !last || last == line || strlen(line) >= RECORD_LEN ||
             !well_formed(line) ||
             strlen(last + 1) >= sizeof(rs->r[0].value) )
        {
            fprintf(stderr, "%s: %s:%zu: not an observation (NAME K what... VALUE)\n",
                    TOOL, path, lineno);
            ok = false;
            break;
        }
        *last = '\0';
        recording.op[0] = '\0';
        add_record(rs, last + 1, "%s", line);
    }
    free(data);
    if ( ok && rs->full )
    {
        fprintf(stderr, "%s: %s: more than %d observations\n", TOOL, path,
                MAX_RECORDS);
        ok = false;
    }
    return ok;
}

static bool values_agree(const char *harness, const char *xen)
{
    if ( !strcmp(harness, "either") )
        return !strcmp(xen, "reached") || !strcmp(xen, "faulted");
    return !strcmp(harness, xen);
}

static struct record *find_record(struct records *rs, const char *key,
                                  bool *used)
{
    size_t i;

    for ( i = 0; i < rs->nr; i++ )
        if ( !used[i] && !strcmp(rs->r[i].key, key) )
        {
            used[i] = true;
            return &rs->r[i];
        }
    return NULL;
}

static void print_side_by_side(const struct record *h, const char *xen,
                               bool *header)
{
    if ( !*header )
    {
        /* The first disagreement: say which column is which. */
        printf("%s: disagreement: %-52s %-10s %s\n", TOOL, "trace, op, observation",
               "harness", "Xen under QEMU's VT-d");
        *header = true;
    }
    printf("%s: disagreement: %-52s %-10s %s\n", TOOL, h->key, h->value, xen);
    if ( h->op[0] )
        printf("%s:               (op: %s)\n", TOOL, h->op);
}

/* Every record of both sides, matched by key; the number that disagree. */
static size_t compare(struct records *harness, struct records *xen)
{
    static bool used[MAX_RECORDS];
    bool header = false;
    size_t i, bad = 0;

    memset(used, 0, sizeof(used));
    for ( i = 0; i < harness->nr; i++ )
    {
        const struct record *h = &harness->r[i];
        const struct record *x = find_record(xen, h->key, used);

        if ( x && values_agree(h->value, x->value) )
            continue;
        print_side_by_side(h, x ? x->value : "(nothing)", &header);
        bad++;
    }
    for ( i = 0; i < xen->nr; i++ )
    {
        struct record nothing = { .value = "(nothing)" };

        if ( used[i] )
            continue;
        snprintf(nothing.key, sizeof(nothing.key), "%s", xen->r[i].key);
        print_side_by_side(&nothing, xen->r[i].value, &header);
        bad++;
    }
    return bad;
}

/* ---- main ---- */

static void usage(void)
{
    fprintf(stderr,
            "usage: dual --script TRACE...\n"
            "       dual --observe [--cap HEX --ecap HEX] TRACE...\n"
            "       dual --compare FILE [--cap HEX --ecap HEX] TRACE...\n");
}

static bool parse_hex(const char *s, uint64_t *v)
{
    char *end;

    errno = 0;
    *v = strtoull(s, &end, 16);
    return *s && !*end && !errno;
}

int main(int argc, char **argv)
{
    enum { NONE, SCRIPT, OBSERVE, COMPARE } mode = NONE;
    struct unit_regs unit = { 0 };
    const char *xen_file = NULL;
    bool have_cap = false, have_ecap = false;
    int i, rc = 0;

    for ( i = 1; i < argc && argv[i][0] == '-'; i++ )
    {
        bool value = i + 1 < argc;

        if ( !strcmp(argv[i], "--script") )
            mode = SCRIPT;
        else if ( !strcmp(argv[i], "--observe") )
            mode = OBSERVE;
        else if ( !strcmp(argv[i], "--compare") && value )
        {
            mode = COMPARE;
            xen_file = argv[++i];
        }
        else if ( !strcmp(argv[i], "--cap") && value &&
                  parse_hex(argv[i + 1], &unit.cap) )
            have_cap = ++i;
        else if ( !strcmp(argv[i], "--ecap") && value &&
                  parse_hex(argv[i + 1], &unit.ecap) )
            have_ecap = ++i;
        else
        {
            fprintf(stderr, "%s: bad option %s\n", TOOL, argv[i]);
            usage();
            return 2;
        }
    }
    if ( mode == NONE || i == argc || have_cap != have_ecap ||
         (mode == SCRIPT && have_cap) )
    {
        usage();
        return 2;
    }
    unit.given = have_cap;
    if ( mode == COMPARE && !parse_observations(xen_file, &xen_side) )
        return 2;
    if ( mode == SCRIPT )
        recording.script = stdout;
    else
        recording.out = &harness_side;

    for ( ; i < argc; i++ )
    {
        int one = run_trace(argv[i], &unit);

        rc = one > rc ? one : rc;
    }
    if ( rc || mode == SCRIPT )
        return rc;
    if ( harness_side.full )
    {
        fprintf(stderr, "%s: more than %d observations\n", TOOL, MAX_RECORDS);
        return 2;
    }
    if ( mode == OBSERVE )
    {
        size_t k;

        for ( k = 0; k < harness_side.nr; k++ )
            printf("%s %s\n", harness_side.r[k].key, harness_side.r[k].value);
        return 0;
    }
    {
        size_t bad = compare(&harness_side, &xen_side);

        printf("%s: %zu observations of the harness, %zu of Xen: %zu disagree\n",
               TOOL, harness_side.nr, xen_side.nr, bad);
        return bad ? 1 : 0;
    }
}
