/* pprof.h - `--format pprof`: the rows of top, diff and trend as a
 * gzip-compressed profile.proto (github.com/google/pprof, proto/
 * profile.proto), the format `go tool pprof`, Grafana Pyroscope, Parca,
 * Datadog and speedscope read.
 *
 * One sample per row (--by stack: one allocation site), its stack from the
 * grouping frame (frames.h) to the root, so the leaf is the allocating
 * Python line (or the first native frame outside the allocator), as the
 * text output names it; the allocator and interpreter frames below it are
 * left out.  Python frames are functions with their file and line, in
 * the executable's mapping (the first, pprof's main binary); native frames
 * are functions (the symbol, or "module+0xOFF" without one) in a mapping
 * per module.  Every mapping says functions, file names and line numbers
 * are already there, so pprof never tries to symbolize them again.
 * Values are int64, rounded; the last sample type is the default.
 *
 *     struct ccx_pprof *p = ccx_pprof_new(table, &spec);
 *     ccx_pprof_add(p, row, values, labels);  ... for each row
 *     ccx_pprof_write(p, out);                 gzip-compressed bytes
 *     ccx_pprof_free(p);
 */
#ifndef CCX_PPROF_H
#define CCX_PPROF_H

#include <stdio.h>

#include "table.h"

#define CCX_PPROF_VALUES 2
#define CCX_PPROF_COMMENTS 8

struct ccx_pprof_spec {
    const char *type[CCX_PPROF_VALUES], *unit[CCX_PPROF_VALUES]; /* sample types */
    double time_s;     /* epoch seconds of the (first) snapshot */
    double duration_s; /* the span covered; 0 for one snapshot */
    double period;     /* sampling interval in bytes; 0 when every allocation was recorded */
    const char *comment[CCX_PPROF_COMMENTS]; /* free text, NULL-terminated when shorter */
    const char *main_file; /* the executable (basename): mapping 1, which also holds the
                            * Python frames (NULL: "python") */
};

struct ccx_pprof;

/* A profile of rows of T (which must outlive it); NULL when out of memory. */
struct ccx_pprof *ccx_pprof_new(const struct ccx_table *t, const struct ccx_pprof_spec *spec);
/* Adds row R with its CCX_PPROF_VALUES values (rounded to integers) and
 * string labels LABELS (key, value, key, value, ..., NULL).  A row whose
 * values all round to 0 is left out.  0, or -1 when out of memory. */
int ccx_pprof_add(struct ccx_pprof *p, const struct ccx_row *r, const double *values,
                  const char *const *labels);
/* Encodes and gzip-compresses the profile into F; 0, or -1 after printing
 * the error. */
int ccx_pprof_write(struct ccx_pprof *p, FILE *f);
void ccx_pprof_free(struct ccx_pprof *p);

#endif
