/* cmd.h - the subcommands and what they share (options, printing of
 * snapshot headers, rows and stacks in every format). */
#ifndef CCX_CMD_H
#define CCX_CMD_H

#include <cjson/cJSON.h>

#include "analysis.h"
#include "group.h"
#include "model.h"
#include "out.h"
#include "pprof.h"

/* JSON output carries "schema": CCX_JSON_SCHEMA; docs/analyzer.md. */
#define CCX_JSON_SCHEMA 1

struct ccx_opts {
    enum ccx_fmt fmt;
    int fmt_set;
    enum ccx_by by;
    long n;              /* -n: rows to show */
    double min_bytes;    /* --min-bytes */
    int min_set;
    double fail_size;    /* diff --fail-above */
    double fail_rate;    /* trend --fail-above, bytes/s */
    int fail_set;
    const char *outfile; /* -o */
    char **inputs;
    int ninputs;
    char **inputs2;      /* compare (and diff of two sets): the inputs after "--" */
    int ninputs2;
    int split;           /* "--" was given */
    enum ccx_group_by group_by; /* --group-by */
    const char *cmd;     /* --cmd TEXT: only processes whose command line contains it */
    int align_start;     /* plot --align start: each run's time from its own start */
};

/* Each returns the exit status (0, 1 or 2) and prints into o. */
int ccx_cmd_top(const struct ccx_opts *op, struct ccx_out *o);
int ccx_cmd_diff(const struct ccx_opts *op, struct ccx_out *o);
int ccx_cmd_trend(const struct ccx_opts *op, struct ccx_out *o);
int ccx_cmd_report(const struct ccx_opts *op, struct ccx_out *o);
int ccx_cmd_plot(const struct ccx_opts *op, struct ccx_out *o);
int ccx_cmd_compare(const struct ccx_opts *op, struct ccx_out *o);

/* Expands and scans INPUTS into processes (--cmd, --group-by; fewer than
 * MIN_SNAPS snapshots: left out); 0 or 2. */
int ccx_load_procs_of(const struct ccx_opts *op, char **inputs, int ninputs, size_t min_snaps,
                      struct ccx_procs *ps);
static inline int ccx_load_procs(const struct ccx_opts *op, struct ccx_procs *ps)
{
    return ccx_load_procs_of(op, op->inputs, op->ninputs, 3, ps);
}

/* shared printing (cmd_common.c) */
cJSON *ccx_json_meta(const struct ccx_meta *m, double t);
cJSON *ccx_json_stack(const struct ccx_table *t, const struct ccx_row *r);
void ccx_text_meta(struct ccx_out *o, const char *tag, const struct ccx_meta *m);
/* A row's stack, indented under it (native frames dimmed on a TTY). */
void ccx_text_stack(struct ccx_out *o, const struct ccx_table *t, const struct ccx_row *r, int max);
/* "±1.2 MiB" or "exact" */
char *ccx_pm(double se, char *buf, size_t len);
/* "±1.2 MiB/h" or "exact" */
char *ccx_pm_rate(double se_per_s, char *buf, size_t len);
/* One folded line: root;...;leaf VALUE (value rounded to bytes, > 0). */
void ccx_folded_row(FILE *f, const struct ccx_table *t, const struct ccx_row *r, double value);
/* Prints the JSON document and frees it. */
int ccx_json_emit(struct ccx_out *o, cJSON *doc);
/* Loads a set with the usual error handling; returns 0, or 2 with the set
 * freed. */
int ccx_load_inputs(const struct ccx_opts *op, size_t min_k, size_t max_k, const char *usage,
                    struct ccx_set *set);
/* --format pprof (pprof.h): a profile of the site table of snapshots
 * FIRST to LAST (indices into set->meta) with its time, span, sampling
 * period and comments; TV is {type, unit, type, unit} of the two sample
 * types, the second the default.  NULL after printing the error. */
struct ccx_pprof *ccx_pprof_start(const struct ccx_set *set, size_t first, size_t last, const char *cmd,
                                  const char *const tv[4]);
/* Writes the profile into o and frees it: 0, or 2 after printing the error. */
int ccx_pprof_finish(struct ccx_out *o, struct ccx_pprof *p);
/* diff and trend refuse --by type (the type changes are always shown):
 * prints the error line for CMD, frees the set and returns 2. */
int ccx_refuse_by_type(const char *cmd, struct ccx_set *set);

#endif
