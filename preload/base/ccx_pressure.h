/* ccx_pressure.h - memory-pressure thresholds: parsing CCXTRACE_PRESSURE
 * and deciding, reading by reading, when a threshold is crossed
 * (ccx_pressure.c).  Pure logic: the helper's watch
 * (ccx_pressure_watch.c) feeds it readings and takes the snapshots.
 */
#ifndef CCX_PRESSURE_H
#define CCX_PRESSURE_H

#include "ccx_options.h"

#include <stdint.h>

/* A fired threshold re-arms once memory is this many points of the limit
 * below it (of the threshold itself when there is no limit). */
#define CCX_PRESSURE_REARM_BP 500
/* Checks: about once a second, this often within 5 points below a threshold. */
#define CCX_PRESSURE_SLOW_MS 1000
#define CCX_PRESSURE_FAST_MS 100

/* "80%,95%", "1.5GiB", "off"/"none": 0, or -1 with *why set. */
int ccx_pressure_parse(const char *v, struct ccx_thresholds *out, const char **why);

/* The threshold's level in bytes for this limit (0 = none); 0 when it
 * does not apply (a percentage without a limit). */
uint64_t ccx_pressure_level(const struct ccx_threshold *t, uint64_t limit);

struct ccx_pressure_state {
    unsigned char fired[CCX_PRESSURE_MAX]; /* crossed, not re-armed yet */
};

/* One reading: memory is the working set when there is a limit, RSS
 * without one.  Marks every threshold the reading reaches as fired and
 * returns the index of the highest one that was armed (one snapshot for
 * several crossed at once), or -1; re-arms those it is far enough below.
 * *next_ms: when to read again. */
int ccx_pressure_eval(const struct ccx_thresholds *o, struct ccx_pressure_state *st, uint64_t limit,
                      uint64_t memory, int *next_ms);

/* Whether any threshold is fired (the process is under pressure). */
int ccx_pressure_under(const struct ccx_thresholds *o, const struct ccx_pressure_state *st);

#endif
