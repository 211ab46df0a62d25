/* fleet.h - figures over several processes (trend and diff of a fleet).
 *
 * Each process is loaded on its own (model.h), fitted or diffed on its own
 * (analysis.h) and freed before the next, so memory is bounded by the
 * largest process, not the fleet.  Its per-site figures are added into the
 * fleet's rows, one per (group, site): within a group (group.h), a site's
 * fleet rate is the sum over lineages of the lineage's span-weighted mean
 * rate, i.e. sum over processes of weight x rate, and its variance the sum
 * of weight^2 x SE^2 (processes are independent samples).  The rows are
 * then classified by the family-wise rule of stats.c over the sites of
 * their group.
 */
#ifndef CCX_FLEET_H
#define CCX_FLEET_H

#include <stddef.h>
#include <stdint.h>
#include <uthash.h>

#include "analysis.h"
#include "group.h"
#include "strpool.h"

/* One site of one group, summed over the group's processes. */
struct ccx_frow {
    uint64_t hkey;           /* hash of (group, site key) */
    uint64_t key;            /* the site's symbolic identity */
    size_t group;
    uint8_t layer;
    uint32_t label;          /* fleet pool offset */
    uint32_t *stack;         /* frame labels (pool offsets), leaf first */
    uint32_t stack_len;
    double value, var, late; /* rate (bytes/s) or growth (bytes); its variance; late rate */
    double first_b, last_b;  /* at the start of each lineage; at its end */
    size_t nproc;            /* processes that have it */
    struct ccx_fit fit;      /* value, SE, late rate and growth over the group's span */
    enum ccx_class cls;
    double share;            /* of the group's positive total */
    UT_hash_handle hh;
};

/* A group's figures. */
struct ccx_fgroup {
    size_t m;                /* its sites (the family) */
    double z, span;
    size_t n_steady, n_stopped, n_shrinking, n_most;
    double pos;              /* sum of positive values */
};

/* One process's own results. */
struct ccx_fres {
    size_t k;                /* snapshots */
    double span;
    int has_rss, has_live;
    double rss_rate, live_rate; /* bytes/s */
    size_t n_steady;
    char *top_label;         /* top steady site, NULL when none */
    double top_rate, top_se;
    char *headline;          /* the process's own one-line headline (text) */
    char *headline_md;
    char *census;            /* its largest census growths, "dict +120/h, ..." (NULL: no census) */
    int outlier;             /* its rate is far from its group's others */
    double mark_rate;        /* the rate the outlier test looked at */
};

struct ccx_fleet {
    struct ccx_procs *ps;
    struct ccx_fres *res;    /* [ps->n] */
    struct ccx_fgroup *gs;   /* [ps->ng] */
    struct ccx_frow *hash;
    struct ccx_frow **rows;  /* sorted: largest value first */
    size_t nrows;
    struct ccx_strpool strs;
    struct ccx_fframe *fhash;
    double min_bytes;
    int is_diff;
};

/* Called for each process while it is loaded (e.g. to print or build its
 * JSON): i is its index in ps->p. */
typedef int (*ccx_fleet_each)(void *ctx, struct ccx_fleet *fl, size_t i, const struct ccx_set *set,
                              const struct ccx_trend *tr);

/* An empty fleet over PS (trend, or diff when IS_DIFF); 0 or -1 after printing. */
int ccx_fleet_init(struct ccx_fleet *fl, struct ccx_procs *ps, double min_bytes, int is_diff);
/* Fits every fitted process of PS on its own (by BY) and sums them into the
 * fleet.  Returns 0, or -1 after printing the error. */
int ccx_fleet_trend(struct ccx_fleet *fl, struct ccx_procs *ps, enum ccx_by by, double min_bytes,
                    ccx_fleet_each each, void *ctx);
/* Adds one process's site figure (row of table T) with weight W. */
int ccx_fleet_add(struct ccx_fleet *fl, size_t group, const struct ccx_table *t, const struct ccx_row *r,
                  double w, double value, double se, double late, double first_b, double last_b);
/* Classifies and sorts the rows (diff: growth rule; trend: ccx_classify). */
void ccx_fleet_finish(struct ccx_fleet *fl);
static inline const char *ccx_fleet_str(const struct ccx_fleet *fl, uint32_t off)
{
    return ccx_strpool_str(&fl->strs, off);
}
/* Reads the left-out processes' snapshots with the real reader, so a
 * malformed file is an error even when it would not be fitted; 0 or -1
 * after printing. */
int ccx_fleet_validate_left_out(const struct ccx_procs *ps);
/* Checks that a loaded process is the one the scan found; -1 after printing. */
int ccx_fleet_check_ident(const struct ccx_proc *p, const struct ccx_set *set);
void ccx_fleet_free(struct ccx_fleet *fl);

#endif
