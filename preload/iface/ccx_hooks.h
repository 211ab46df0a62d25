/* ccx_hooks.h - the interface between the tracer core and the Python layer.
 *
 * The core (libc/mmap interposition, sampling, site tables, snapshots,
 * triggers, helper thread) and the Python layer (PyMem allocator hooks,
 * Python frame walking, census) live in separate files of libccxtrace.so
 * and meet only here.  The core calls the Python layer through weak
 * symbols, so it builds, runs and is tested without it; the Python layer
 * calls the core's functions below.
 */
#ifndef CCX_HOOKS_H
#define CCX_HOOKS_H

#include <stddef.h>
#include <stdint.h>

#define CCX_INTERNAL __attribute__((visibility("hidden")))

/* ---- frames -------------------------------------------------------------
 * A frame is 64 bits: a native return address, or, with CCX_FRAME_PY set,
 * an id the Python layer handed out for one (code object, line) Python
 * frame.  The core interns stacks of these values without looking inside;
 * when it writes a snapshot it asks ccx_py_resolve_frame() for the names of
 * the Python ones.  Frames are leaf first. */
typedef uint64_t ccx_frame_t;
#define CCX_FRAME_PY ((ccx_frame_t)1 << 63)

enum ccx_layer_id { CCX_LAYER_ID_LIBC = 0, CCX_LAYER_ID_PYTHON = 1, CCX_LAYER_ID_MMAP = 2 };

/* ---- provided by the core ------------------------------------------------ */

/* The thread-local re-entrancy guard.  While it is non-zero, the libc and
 * mmap hooks forward to the real functions and record nothing; the Python
 * layer raises it around its calls into the wrapped PyMem allocator, so a
 * block is never counted by both layers and pymalloc's arenas are not
 * reported as user allocations. */
extern __thread int ccx_guard __attribute__((tls_model("initial-exec")));

/* Non-zero once the core traces this process (CCXTRACE_ONLY may say no). */
CCX_INTERNAL int ccx_tracing(void);

/* Sampling is the core's inline fast path (ccx_fastpath.h), shared by
 * both layers; for a Python-layer sample the core unwinds at most this
 * many native frames (enough to reach the evaluation loop). */
#define CCX_PY_NATIVE_MAX 16

/* Forget a block if it was recorded (by either layer).  Cheap for blocks
 * that were not: a filter check before any exact lookup.  Returns 1 when
 * the block was recorded. */
CCX_INTERNAL int ccx_record_free(void *p);
/* realloc (both layers) and mremap: take a block out (1 when it was
 * recorded, by either layer; its record in *info) before the real call,
 * and put it back if the call fails and the block is still there. */
struct ccx_block_info;
CCX_INTERNAL int ccx_take(void *p, struct ccx_block_info *info);
CCX_INTERNAL void ccx_putback(void *p, const struct ccx_block_info *info);

/* Write a snapshot now, from the calling thread, and wait for it (used by
 * the Python layer's atexit callback, which already holds the GIL).  reason
 * is one of the CCX_REASON_* strings.  Returns the sequence number or -1. */
CCX_INTERNAL long ccx_snapshot_sync(const char *reason, const char *label);

/* The sum of the sites' live estimates, bytes and blocks, read now (the
 * census's after_collect figure; the stats CSV).  Lock-free. */
CCX_INTERNAL void ccx_live_estimate(uint64_t *bytes, uint64_t *blocks);

/* The core's streaming JSON writer, used while a snapshot is being written. */
struct ccx_json;
CCX_INTERNAL void ccx_json_key(struct ccx_json *j, const char *key);
CCX_INTERNAL void ccx_json_begin_object(struct ccx_json *j);
CCX_INTERNAL void ccx_json_end_object(struct ccx_json *j);
CCX_INTERNAL void ccx_json_begin_array(struct ccx_json *j);
CCX_INTERNAL void ccx_json_end_array(struct ccx_json *j);
CCX_INTERNAL void ccx_json_string(struct ccx_json *j, const char *s); /* NULL -> null */
CCX_INTERNAL void ccx_json_u64(struct ccx_json *j, uint64_t v);
CCX_INTERNAL void ccx_json_i64(struct ccx_json *j, int64_t v);
CCX_INTERNAL void ccx_json_double(struct ccx_json *j, double v);
CCX_INTERNAL void ccx_json_bool(struct ccx_json *j, int v);
CCX_INTERNAL void ccx_json_null(struct ccx_json *j);

/* Non-zero while a CCXTRACE_PRESSURE threshold has fired and not re-armed:
 * a snapshot then skips what costs memory (the holders search, the second
 * census) and says so. */
CCX_INTERNAL int ccx_under_pressure(void);

/* Memory for the tracer itself (never through the traced malloc; counted
 * in tracer.self_bytes). */
CCX_INTERNAL void *ccx_mem_alloc(size_t size);
CCX_INTERNAL void ccx_mem_free(void *p, size_t size);

/* Options of the Python layer, read once by the core's option table
 * (ccx_options.c, which also warns about bad values): CCXTRACE_PYTHON
 * (the layer is wanted), CCXTRACE_CENSUS, CCXTRACE_GC_COLLECT.  Each is
 * 0 or 1. */
CCX_INTERNAL int ccx_opt_python(void);
CCX_INTERNAL int ccx_opt_census(void);
CCX_INTERNAL int ccx_opt_gc_collect(void);

/* Options of "who holds it" (docs/holders.md), read and checked by the
 * same table: CCXTRACE_HOLDERS, how many of the top growing types to
 * examine (0 to CCX_HOLDERS_TOP_MAX); CCXTRACE_HOLDERS_SAMPLES, instances
 * examined per type (1 to CCX_HOLDERS_SAMPLES_MAX); CCXTRACE_HOLDERS_TYPES,
 * the type names always examined, split at commas and trimmed of blanks,
 * empty items dropped: ccx_opt_holders_type(i) is the i-th name
 * (NUL-terminated, shorter than CCX_HOLDERS_NAME_LEN), NULL from
 * i = ccx_opt_holders_ntypes() on (at most CCX_HOLDERS_TYPES_MAX). */
#define CCX_HOLDERS_TOP_MAX     64
#define CCX_HOLDERS_SAMPLES_MAX 20
#define CCX_HOLDERS_TYPES_MAX   16
#define CCX_HOLDERS_NAME_LEN    96
CCX_INTERNAL int ccx_opt_holders(void);
CCX_INTERNAL int ccx_opt_holders_samples(void);
CCX_INTERNAL int ccx_opt_holders_ntypes(void);
CCX_INTERNAL const char *ccx_opt_holders_type(int i);

/* Restart the helper thread after a fork that made it step aside (see
 * ccx_py_fork_defer); a no-op otherwise.  Any thread. */
CCX_INTERNAL void ccx_helper_resume(void);
/* Around the Python layer's GIL sections: on the helper thread, while a
 * fork waits for the helper's pass to end (see ccx_helper.c), begin
 * returns 0 at once when may_skip (do it later), else waits until the
 * fork is done; then 1 (and end must follow).  Other threads: always 1. */
CCX_INTERNAL int ccx_helper_gil_begin(int may_skip);
CCX_INTERNAL void ccx_helper_gil_end(void);
/* 1 on the helper thread. */
CCX_INTERNAL int ccx_helper_is_self(void);

/* ccx_unwind_native() drops the frames inside libccxtrace.so itself (the
 * hooks of either layer) before it applies `skip`. */

/* ---- provided by the Python layer (weak: absent means native-only) ------ */

/* Helper thread, about once a second and before each snapshot: find the
 * interpreter, install the PyMem hooks and the atexit callback once it is
 * initialized; never touch an interpreter that is finalizing.  Returns 1
 * while a Python interpreter is there but not hooked yet: the helper then
 * ticks again after CCX_PY_TICK_FAST_MS, so the hooks are in place within
 * milliseconds of Py_IsInitialized rather than up to a second later. */
int ccx_py_helper_tick(void) __attribute__((weak));
#define CCX_PY_TICK_FAST_MS 10

/* Write the value of the snapshot's "python" member (the census is taken
 * here, GIL held); return 0 to let the core write null instead. */
int ccx_py_write_section(struct ccx_json *j) __attribute__((weak));

/* Names of a CCX_FRAME_PY frame; 0 when unknown. */
int ccx_py_resolve_frame(ccx_frame_t f, const char **file, const char **function,
                         int *line) __attribute__((weak));

/* gc figures for the stats CSV; 0 when not available. */
int ccx_py_gc_counts(long count[3], long collections[3]) __attribute__((weak));

/* Fork of a process that, but for the helper thread, has one thread.
 * ccx_py_fork_hide (prepare handler, helper idle): 1 when the forking
 * thread holds the GIL of an initialized CPython 3.12 or later, which
 * counts the process's threads right after fork() returns in the parent
 * and warns when there are several; the helper then exits until that is
 * over.  ccx_py_fork_defer (parent handler, the helper gone): 1 when the
 * layer will call ccx_helper_resume() once os.fork() has returned to
 * Python code; 0: the core restarts the helper at once. */
int ccx_py_fork_hide(void) __attribute__((weak));
int ccx_py_fork_defer(void) __attribute__((weak));

/* In the child after fork, after the core has reset its own tables. */
void ccx_py_atfork_child(void) __attribute__((weak));

/* The process exits (the destructor, after ccx_helper_stop): the helper
 * starts no GIL section from now on, and a section under way is waited
 * for (bounded), so the helper never runs Python code while exit() tears
 * the process down.  The calling thread may still take the census. */
void ccx_py_exit(void) __attribute__((weak));

/* Native frames (leaf first, as from ccx_unwind_native) cut where the
 * interpreter loop starts, followed by the calling thread's Python frames
 * (CCX_FRAME_PY ids); returns the new count (at most max).  The core calls
 * it on each sampled libc/mmap allocation; it returns n unchanged when the
 * thread runs no Python.  No interpreter call, no allocation, no lock once
 * a frame has been seen. */
int ccx_py_merge_stack(ccx_frame_t *frames, int n, int max) __attribute__((weak));

#endif
