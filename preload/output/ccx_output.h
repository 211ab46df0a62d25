/* ccx_output.h - what output (snapshot files, their numbering, the stats
 * CSV, the pressure watch) offers control.  Output sees base and the core;
 * control drives it (helper thread, exit, the API).
 */
#ifndef CCX_OUTPUT_H
#define CCX_OUTPUT_H

#include "ccx_layer.h"

#include <stddef.h>

/* ---- ccx_snapshot.c ---- */
/* Writes one snapshot with sequence seq; 0 on success, -1 on failure
 * (said on stderr).  Caller holds the snapshot lock and has ccx_guard
 * raised. */
int ccx_snapshot_write(long seq, const char *reason, const char *label);
void ccx_snapshot_init(void);
/* Serializes snapshots (helper thread, exit, ccx_snapshot_sync): 0 when
 * locked, else the pthread error (ETIMEDOUT after timeout_ms; < 0 waits
 * without bound). */
int ccx_snapshot_lock(int timeout_ms);
void ccx_snapshot_unlock(void);
void ccx_snapshot_atfork_child(void);
extern int ccx_exit_done;   /* an exit snapshot was written */
extern int ccx_final;       /* the destructor has run: no more snapshots */

/* ---- ccx_seq.c: snapshot numbering ---- */
/* Next sequence number (reserved). */
long ccx_seq_reserve(void);
void ccx_seq_reset(void);
/* next_seq becomes at least min */
void ccx_seq_raise(long min);

/* ---- ccx_stats.c (CCXTRACE_STATS_INTERVAL) ---- */
void ccx_stats_line(void);
void ccx_stats_atfork_child(void);

/* ---- ccx_pressure_watch.c (CCXTRACE_PRESSURE) ---- */
/* Helper thread: reads memory; sets label ("pressure-80%") when a snapshot
 * is due, "" otherwise; returns the milliseconds until the next call. */
int ccx_pressure_tick(char *label, size_t cap);
/* The value of the snapshot's "pressure" member. */
void ccx_pressure_write(struct ccx_json *j);
void ccx_pressure_atfork_child(void);

#endif
