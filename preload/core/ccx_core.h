/* ccx_core.h - state shared by the files of the tracer core.
 *
 * ccx_init.c owns the options and the process identity, ccx_record.c the
 * per-thread state and the recording of blocks, ccx_hooks_libc.c the
 * interposed functions, ccx_helper.c the helper thread and its triggers,
 * ccx_snapshot.c the snapshot file, ccx_symbols.c modules and symbols,
 * ccx_procinfo.c the process's memory figures, ccx_unwind.c libunwind.
 */
#ifndef CCX_CORE_H
#define CCX_CORE_H

#include "ccx_hooks.h"
#include "ccx_fastpath.h"
#include "ccx_options.h"

#include <stdint.h>
#include <sys/types.h>


/* ---- ccx_init.c ---- */
extern struct ccx_options ccx_opt;
/* 0 before the constructor, 1 tracing, -1 not tracing (CCXTRACE_ONLY, error). */
extern int ccx_state;
/* Mean sampling interval in bytes; 0 in `all` mode. */
extern uint64_t ccx_mean;
void ccx_warn(const char *line);                    /* one "ccxtrace:" line to stderr */
void ccx_warnf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* strerror without the translation lock (safe in a fork child). */
const char *ccx_strerror(int err);
/* "2026-11-26T22:40:00Z" without gmtime's tz lock. */
void ccx_time_iso(double t, char *out, size_t cap);

/* ---- ccx_record.c: per-thread state (ccx_fastpath.h), recording ---- */
/* Record a sampled (or, in `all` mode, every) live block with the given
 * stack; weighted from size.  Safe from any thread; never allocates
 * through the traced allocator. */
void ccx_record_alloc(void *p, size_t size, enum ccx_layer_id layer, const ccx_frame_t *frames, int nframes);
/* ccx_take/ccx_putback (realloc, mremap): ccx_hooks.h. */
/* Record q as a block of the site `info` came from (mremap moved it). */
void ccx_rerecord(void *q, size_t size, const struct ccx_block_info *info);

struct ccx_totals {
    uint64_t alloc_calls, alloc_bytes, free_calls;
};
void ccx_totals_read(struct ccx_totals *t);
int ccx_record_init(void);
void ccx_record_atfork_child(void);

/* ---- ccx_unwind.c ---- */
/* Native frames of the calling thread, leaf first, skipping `skip`
 * innermost frames (and the tracer's own); how many were written (<= max). */
int ccx_unwind_native(ccx_frame_t *out, int max, int skip);
int ccx_unwind_init(void);       /* loads libunwind privately; 0 on success */
int ccx_in_self(uintptr_t pc);   /* is pc inside libccxtrace.so's code */
void ccx_unwind_thread_exit(void); /* drops the thread's stack cache */
/* Around anything that takes the dynamic loader's locks (dl_iterate_phdr,
 * dlsym): 0 means a fork is under way, do without. */
int ccx_gate_enter(void);
void ccx_gate_exit(void);
void ccx_gate_fork_prepare(void);
void ccx_gate_fork_parent(void);
void ccx_gate_fork_child(void);

/* ---- ccx_helper.c ---- */
int ccx_helper_start(void);
void ccx_helper_atfork_child(void);
/* Around fork (pthread_atfork): the helper may exit before a fork of an
 * otherwise single-threaded CPython 3.12+ and come back afterwards. */
void ccx_helper_fork_prepare(void);
void ccx_helper_fork_parent(void);
void ccx_helper_stop(void);
void ccx_helper_flush(void);
/* A snapshot request from the API: returns the reserved sequence number. */
long ccx_helper_request(const char *label);
/* Next sequence number (reserved). */
long ccx_seq_reserve(void);
void ccx_seq_reset(void);
/* next_seq becomes at least min */
void ccx_seq_raise(long min);

/* ---- ccx_snapshot.c ---- */
/* Writes one snapshot with sequence seq; 0 on success.  Caller holds
 * the snapshot lock and has ccx_guard raised. */
int ccx_snapshot_write(long seq, const char *reason, const char *label);
void ccx_snapshot_init(void);
/* Serializes snapshots (helper thread, exit, ccx_snapshot_sync). */
int ccx_snapshot_lock(int timeout_ms);
void ccx_snapshot_unlock(void);
void ccx_snapshot_atfork_child(void);
/* Process identity used in file names (computed lazily in the helper). */
struct ccx_ident {
    char host[256];
    long pid;
    long long start;        /* process start, epoch seconds */
    double start_exact;     /* with the fraction */
    double start_boot;      /* seconds after boot (CLOCK_BOOTTIME) */
    char instance[33];      /* random per-process id, 32 hex digits (ccx_instance.c) */
    char dir[CCX_PATH_MAX]; /* absolute output directory */
};
extern struct ccx_ident ccx_id;
void ccx_ident_init(void);
/* Fills out with 32 random hex digits (getrandom; never blocks). */
void ccx_instance_make(char out[33]);
double ccx_uptime(void);
/* ccx_live_estimate (ccx_snapshot.c): ccx_hooks.h. */
extern int ccx_exit_done;   /* an exit snapshot was written */
extern int ccx_final;       /* the destructor has run: no more snapshots */

/* ---- ccx_pressure_watch.c (CCXTRACE_PRESSURE) ---- */
/* Helper thread: reads memory; sets label ("pressure-80%") when a snapshot
 * is due, "" otherwise; returns the milliseconds until the next call. */
int ccx_pressure_tick(char *label, size_t cap);
/* The value of the snapshot's "pressure" member. */
void ccx_pressure_write(struct ccx_json *j);

/* ---- ccx_term.c (CCXTRACE_ON_TERM) ---- */
void ccx_term_install(void); /* at start, before the helper */
void ccx_term_work(void);    /* helper thread: a pending SIGTERM's snapshot, then SIGTERM again */
/* ccx_helper.c: wakes the helper; async-signal-safe */
void ccx_helper_wake(void);

/* ---- ccx_procinfo.c ---- */
/* Reads a small file (a /proc one) into buf, NUL-terminated; its length or -1.
 * No allocation: usable from any thread of the tracer. */
CCX_INTERNAL ssize_t ccx_slurp(const char *path, char *buf, size_t cap);
struct ccx_procmem {
    uint64_t rss, hwm, anon, vm;
    int64_t cgroup;   /* -1 when not readable */
};
void ccx_procmem_read(struct ccx_procmem *m);

#endif
