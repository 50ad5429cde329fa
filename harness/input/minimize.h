/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Op-level test-case minimisation (docs/design.md, "Inputs and reproduction": minimisation works
 * on ops, not bytes).
 *
 * A byte-level minimiser fights the decoder: dropping one byte shifts every
 * later op.  Here the unit is the op: drop ops in chunks and one by one,
 * then shrink each op's fields and the run header towards small values,
 * as long as the caller's predicate still holds (for the crash pipeline:
 * "the same check still fires").  The result is always a trace that
 * encode_trace() accepts, so it can be written back as fuzzer input.
 *
 * The library knows nothing of how a trace is run: the predicate does
 * that (in-process, or in a child process when a candidate may crash).
 */
#ifndef HARNESS_MINIMIZE_H
#define HARNESS_MINIMIZE_H

#include <stdbool.h>
#include <stddef.h>

#include "trace.h"

/* True if t is still interesting (e.g. still shows the same finding). */
typedef bool (*min_pred_fn)(const struct trace *t, void *ctx);

struct min_opts {
    unsigned long max_runs;     /* predicate calls at most; 0: no limit */
    /* Try this prefix first (the ops up to the finding); 0: none. */
    size_t prefix;
    /* Progress on stderr after every pass. */
    bool verbose;
};

struct min_stats {
    unsigned long runs;         /* predicate calls */
    size_t ops_before, ops_after;
    unsigned int passes;
    bool budget_hit;            /* stopped by max_runs, not at a fixpoint */
};

/*
 * Shrink t in place while pred(t) holds.  False (t unchanged) if t does
 * not satisfy pred to begin with or is not encodable.
 */
bool minimize_trace(struct trace *t, min_pred_fn pred, void *ctx,
                    const struct min_opts *opts, struct min_stats *stats);

/* Every field and header value inside what the binary format can carry. */
bool trace_encodable(const struct trace *t);

#endif /* HARNESS_MINIMIZE_H */
