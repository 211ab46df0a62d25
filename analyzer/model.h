/* model.h - a set of snapshots as the subcommands see it.
 *
 * ccx_set_load() reads the snapshots one at a time (directories expand to
 * the ccxtrace.*.json files they hold), keeps each one's header figures
 * (struct ccx_meta), adds its sites to a site table (table.h) and its
 * Python census to a type table, and frees the snapshot before reading the
 * next.  It also puts the snapshots on one time axis (set->t, seconds).
 */
#ifndef CCX_MODEL_H
#define CCX_MODEL_H

#include <stddef.h>
#include <uthash.h>

#include "frames.h"
#include "table.h"

struct ccx_meta {
    char *path, *host, *exe, *cmdline, *reason, *label, *time_str, *py_version;
    char *instance;        /* instance_id, NULL from older tracers */
    double pid, start_time, seq, uptime_s, time;
    int sample_mode;
    double interval;
    int has_totals;
    double live_bytes, live_blocks, alloc_bytes, alloc_calls, free_calls;
    double self_bytes, write_ms;
    double rss, hwm, heap_in_use, cgroup; /* -1 = absent */
    double sites_bytes;                   /* sum of the sites' live bytes */
    size_t nsites;
    int has_py, has_gc, has_census, has_after;
    double gc_count[3], gc_threshold[3], gc_collections[3], gc_collected[3], gc_uncollectable[3];
    double census_ms, after_collected;
    double census_bytes, census_count, after_bytes, after_count;
    int has_after_live;                   /* the traced heap after gc.collect() */
    double after_live_bytes;
    struct ccx_holders *holders;          /* python.holders (holders.h), NULL if absent */
    int has_deep;                         /* python.deep: the deep census's types */
    size_t ndeep;
    struct ccx_dtype {
        char *name;
        double count, bytes;              /* bytes with owned bytes */
    } *deep;
};

struct ccx_trow {          /* one Python type across the snapshots */
    uint64_t key;
    char *name;
    double *count, *bytes, *acount, *abytes; /* [k] each; after_collect in a* */
    UT_hash_handle hh;
};

struct ccx_set {
    size_t k;
    struct ccx_meta *meta; /* [k] in the order given */
    double *t;             /* [k] seconds since the earliest snapshot */
    size_t *order;         /* [k] indices by time (then seq) */
    int same_process;      /* all from one host/pid/start */
    struct ccx_table *sites;
    struct ccx_trow *thash;
    struct ccx_trow **types;
    size_t ntypes;
};

/* Expands directories into their snapshot files (sorted).  Returns the
 * number of paths or -1 after printing the error. */
long ccx_expand_inputs(char **args, int nargs, char ***out);
/* Appends "DIR/NAME" for each entry NAME of directory DIR that MATCH
 * accepts, sorted, to the path vector *V (*N used, *CAP allocated; free
 * each path and the vector).  An entry that is not a regular file (a FIFO
 * would block the reader) is skipped with a warning.  Returns how many it added, or -1 with errno
 * set (ENOMEM: out of memory) and what it added left in *V. */
long ccx_list_dir(const char *dir, int (*match)(const char *name), char ***v, size_t *n,
                  size_t *cap);
/* ccx_snap_load() that prints "ccx-analyze: FILE: problem" on failure;
 * 0 or -1. */
int ccx_load_snap(const char *path, struct ccx_snap *s);
/* Loads every path.  On error prints "ccx-analyze: FILE: problem" and
 * returns -1. */
int ccx_set_load(struct ccx_set *set, char **paths, size_t k, enum ccx_by by);
void ccx_set_free(struct ccx_set *set);

/* Prints "ccx-analyze: " + message to stderr. */
void ccx_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ccx_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
