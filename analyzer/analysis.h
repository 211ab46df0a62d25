/* analysis.h - the numbers behind diff, trend and report, computed once
 * from a loaded set (model.h) and printed by the subcommands' formatters. */
#ifndef CCX_ANALYSIS_H
#define CCX_ANALYSIS_H

#include <stddef.h>

#include "model.h"
#include "stats.h"

struct ccx_grow {
    struct ccx_row *row;
    /* diff */
    double old_b, new_b, delta, se, old_blocks, new_blocks;
    int is_new, vanished;
    /* trend */
    struct ccx_fit fit;
    /* both */
    enum ccx_class cls; /* diff: CCX_STEADY = significant growth */
    double share;       /* of the total positive growth */
};

struct ccx_diff {
    size_t a, b;        /* snapshot indices */
    size_t n;           /* rows, sorted by growth (largest first) */
    struct ccx_grow *g;
    size_t m;           /* sites compared (the family) */
    double z, min_bytes;
    double growth_pos, growth_sum; /* sum of positive deltas; of all deltas */
    double growth_se;              /* SE of growth_sum */
    size_t n_new, n_vanished, n_sig;
    double new_bytes, vanished_bytes;
};

struct ccx_trend {
    size_t n;
    struct ccx_grow *g; /* sorted by fitted growth rate */
    size_t m;
    double z, min_bytes, span;
    size_t n_steady, n_stopped, n_shrinking;
    size_t n_most;      /* sites that make up CCX_MOST of the positive growth */
    double pos_rate;    /* sum of positive slopes (bytes/s) */
    int has_rss, has_live, has_heap;
    double rss_rate, live_rate, heap_rate; /* bytes/s */
};

#define CCX_MOST 0.8

int ccx_diff_compute(const struct ccx_set *set, size_t a, size_t b, double min_bytes,
                     struct ccx_diff *d);
int ccx_trend_compute(const struct ccx_set *set, double min_bytes, struct ccx_trend *tr);

/* Python type changes between two snapshots, sorted by bytes growth. */
struct ccx_tdelta {
    const struct ccx_trow *t;
    double dcount, dbytes;
    double reclaim_count, reclaim_bytes; /* garbage in the newer snapshot */
};
size_t ccx_types_diff(const struct ccx_set *set, size_t a, size_t b, struct ccx_tdelta **out);

/* The deep census's change per type name from a to b (python.deep: the
 * objects the gc does not track), largest byte growth first; 0 and NULL
 * when b has no deep census.  A type absent from a counts from zero. */
struct ccx_ddelta {
    const char *name;
    double count;          /* in b */
    double dcount, dbytes;
};
size_t ccx_deep_diff(const struct ccx_set *set, size_t a, size_t b, struct ccx_ddelta **out);

/* The after_collect split of the census growth between a and b. */
struct ccx_reclaim {
    int have;                 /* b has after_collect */
    double growth;            /* census bytes b - base(a) */
    double reclaimable;       /* cyclic garbage in b (freed by gc.collect()) */
    double reachable;         /* after-collect growth */
    double collected;         /* objects gc.collect() returned in b */
    /* The same split of the traced heap (totals.live_bytes), which also
     * counts what the objects own (item arrays, string and bytes buffers
     * the census leaves out); heap_have when b carries after_collect's
     * live_bytes and both have totals. */
    int heap_have;
    double heap_growth, heap_reclaimable, heap_reachable;
};
void ccx_reclaim_split(const struct ccx_set *set, size_t a, size_t b, struct ccx_reclaim *r);

#endif
