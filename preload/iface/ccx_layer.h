/* ccx_layer.h - the one interface between the tracer and its Python layer.
 *
 * preload/ is built in layers (docs/design.md): base <- core <- output <-
 * control, and the Python layer (python/) beside them, which may include
 * base's headers and this one, nothing else.  This header holds:
 *   - what the Python layer calls in the tracer (the functions below, each
 *     implemented by the layer named beside it), and the inline fast path
 *     its allocator hooks share with the libc hooks (the per-thread
 *     countdown and counters, and the "maybe recorded" filter): no call,
 *     indirect or not, on that path;
 *   - the table of operations through which the tracer reaches the Python
 *     layer (struct ccx_layer_ops): the layer fills it and hands it to
 *     ccx_layer_register() when control starts it (py_layer_start, the one
 *     Python name outside python/).  The core holds it (ccx_layers.c) and
 *     every other part asks the core; an operation left NULL (or no table
 *     at all: a process without the layer) has a documented default.
 * The shape follows heaptrack's libheaptrack.h, whose init takes the
 * callbacks of the code around it.
 */
#ifndef CCX_LAYER_H
#define CCX_LAYER_H

#include "ccx_base.h"

#include <stddef.h>
#include <stdint.h>

/* ---- frames -------------------------------------------------------------
 * A frame is 64 bits: a native return address, or, with CCX_FRAME_PY set,
 * an id the Python layer handed out for one (code object, line) Python
 * frame.  The core interns stacks of these values without looking inside;
 * when a snapshot is written the Python layer's resolve_frame names the
 * Python ones.  Frames are leaf first. */
typedef uint64_t ccx_frame_t;
#define CCX_FRAME_PY ((ccx_frame_t)1 << 63)
_Static_assert(sizeof(void *) <= sizeof(ccx_frame_t) && sizeof(void *) == 8,
               "a native frame is a 64-bit address whose top bit (CCX_FRAME_PY) user space never sets");

enum ccx_layer_id { CCX_LAYER_ID_LIBC = 0, CCX_LAYER_ID_PYTHON = 1, CCX_LAYER_ID_MMAP = 2 };

/* For a Python-layer sample the core unwinds at most this many native
 * frames (enough to reach the evaluation loop). */
#define CCX_PY_NATIVE_MAX 16
/* While an interpreter is there but not hooked yet, the helper ticks the
 * layer this often (ms) rather than once a second. */
#define CCX_PY_TICK_FAST_MS 10

struct ccx_json;

/* ---- the operations of the Python layer --------------------------------- */
struct ccx_layer_ops {
    /* Helper thread, about once a second and before each snapshot: find the
     * interpreter, install the hooks once it is initialized.  1 while an
     * interpreter is there but not hooked yet (tick again after
     * CCX_PY_TICK_FAST_MS).  Default 0. */
    int (*helper_tick)(void);
    /* Write the value of the snapshot's "python" member; 0 to let the
     * writer put null there instead.  Default 0. */
    int (*write_section)(struct ccx_json *j);
    /* Names of a CCX_FRAME_PY frame; 0 when unknown.  Default 0. */
    int (*resolve_frame)(ccx_frame_t f, const char **file, const char **function, int *line);
    /* gc figures for the stats CSV; 0 when not available.  Default 0. */
    int (*gc_counts)(long count[3], long collections[3]);
    /* Around a fork of a process that, but for the helper thread, has one
     * thread (ccx_helper.c): fork_hide (prepare handler): 1 when the helper
     * should step aside (CPython 3.12+ counts the threads in the parent);
     * fork_defer (parent handler): 1 when the layer will call
     * ccx_helper_resume() itself once os.fork() has returned.  Default 0. */
    int (*fork_hide)(void);
    int (*fork_defer)(void);
    /* In the child after fork, after the core has reset its own tables. */
    void (*atfork_child)(void);
    /* The process exits (destructor, after the helper was told to stop):
     * the helper starts no GIL section from now on. */
    void (*exit)(void);
    /* Native frames (leaf first) cut where the interpreter loop starts,
     * followed by the thread's Python frames; the new count (<= max).
     * Called on each sampled allocation; no allocation, no lock.  layer:
     * the layer that sampled it (enum ccx_layer_id).  Default: n unchanged. */
    int (*merge_stack)(ccx_frame_t *frames, int n, int max, int layer);
};

/* core (ccx_layers.c): keeps *ops (copied) for the tracer's parts. */
CCX_INTERNAL void ccx_layer_register(const struct ccx_layer_ops *ops);
/* python (py_runtime.c): registers the layer's operations; control's
 * constructor calls it once, before the helper thread starts. */
CCX_INTERNAL void py_layer_start(void);

/* ---- provided by the core ------------------------------------------------ */

/* The thread-local re-entrancy guard.  While it is non-zero, the libc and
 * mmap hooks forward to the real functions and record nothing; the Python
 * layer raises it around its calls into the wrapped PyMem allocator, so a
 * block is never counted by both layers and pymalloc's arenas are not
 * reported as user allocations. */
extern __thread int ccx_guard __attribute__((tls_model("initial-exec")));

/* Non-zero once the core traces this process (CCXTRACE_ONLY may say no). */
CCX_INTERNAL int ccx_tracing(void);

/* Forget a block if it was recorded (by either layer).  Cheap for blocks
 * that were not: a filter check before any exact lookup.  1 when the block
 * was recorded. */
CCX_INTERNAL int ccx_record_free(void *p);

/* What the table of recorded blocks keeps of one (ccx_addrmap.c). */
struct ccx_block_info {
    uint64_t size;
    uint64_t w_bytes;
    uint64_t w_blocks;
    void *site;
};
/* realloc (both layers) and mremap: take a block out (1 when it was
 * recorded, by either layer; its record in *info) before the real call,
 * and put it back if the call fails and the block is still there. */
CCX_INTERNAL int ccx_take(void *p, struct ccx_block_info *info);
CCX_INTERNAL void ccx_putback(void *p, const struct ccx_block_info *info);

/* The sum of the sites' live estimates, bytes and blocks, read now (the
 * census's after_collect figure; the stats CSV).  Lock-free. */
CCX_INTERNAL void ccx_live_estimate(uint64_t *bytes, uint64_t *blocks);

/* ---- provided by output ---------------------------------------------------- */

/* Non-zero while a CCXTRACE_PRESSURE threshold has fired and not re-armed
 * (ccx_pressure_watch.c): a snapshot then skips what costs memory (the
 * holders search, the second census) and says so. */
CCX_INTERNAL int ccx_under_pressure(void);

/* ---- provided by control ----------------------------------------------------- */

/* Write a snapshot now, from the calling thread, and wait for it (used by
 * the Python layer's atexit callback, which already holds the GIL).  reason
 * is one of the CCX_REASON_* strings.  The sequence number, or -1. */
CCX_INTERNAL long ccx_snapshot_sync(const char *reason, const char *label);

/* Restart the helper thread after a fork that made it step aside (see
 * fork_defer); a no-op otherwise.  Any thread. */
CCX_INTERNAL void ccx_helper_resume(void);
/* Around the Python layer's GIL sections: on the helper thread, while a
 * fork waits for the helper's pass to end (see ccx_helper.c), begin
 * returns 0 at once when may_skip (do it later), else waits until the
 * fork is done; then 1 (and end must follow).  Other threads: always 1. */
CCX_INTERNAL int ccx_helper_gil_begin(int may_skip);
CCX_INTERNAL void ccx_helper_gil_end(void);
/* 1 on the helper thread. */
CCX_INTERNAL int ccx_helper_is_self(void);

/* ---- the fast path (core), inlined into every hook ---------------------------
 * The libc/mmap interposers (ccx_hooks_libc.c) and the PyMem allocator
 * hooks (py_alloc.c) draw from one per-thread byte stream: an allocation
 * takes its size off the thread's countdown and bumps two counters, and
 * only the one that reaches the sample point leaves the fast path for
 * ccx_sample_slow (out of line, in ccx_record.c).  A free costs one filter
 * load unless its block may be recorded.
 *
 * One countdown for both layers is right because a block is seen by one
 * layer only (the Python layer raises ccx_guard around every call into the
 * allocator it wraps that may reach malloc), so the thread's allocated
 * bytes form one stream; sampling it at Poisson points is the same process
 * whichever layer a byte went through. */

struct ccx_thread {
    int64_t countdown;   /* bytes to the next sample point; >= 0 between calls */
    uint64_t alloc_calls;
    uint64_t alloc_bytes;
    uint64_t free_calls;
    uint64_t rng;
    /* The block the Python layer's free hook last passed down unguarded:
     * pymalloc hands a block it did not serve to free() as it is, and
     * libc's free does not count that call a second time. */
    const void *py_freeing;
    int state;           /* 0 new, 1 registered, 2 exiting (unregistered) */
    int in_fork_child;
};
extern __thread struct ccx_thread ccx_t __attribute__((tls_model("initial-exec")));

/* The allocation reached the countdown (size >= countdown, or tracing is
 * not set up yet: countdown 0), not yet counted: count it, decide, unwind
 * and record.  Out of line and cold: the callers stay small. */
CCX_INTERNAL void ccx_sample_slow(void *p, size_t size, int layer) __attribute__((noinline, cold));
/* A free whose filter slot is set (nothing when ccx_guard is raised). */
CCX_INTERNAL void ccx_free_slow(void *p) __attribute__((noinline));

/* The filter of recorded blocks (ccx_addrmap.h): a counting filter indexed
 * by address bits ((p >> 8) mod 2^18, one byte per 256-byte granule), a
 * static array (zero-filled .bss, valid before any initialization), hidden
 * in the library, so a hook tests it with one rip-relative load and one
 * compare: no pointer load, no null check. */
#define CCX_FILTER_BITS 18
#define CCX_FILTER_SHIFT 8
extern uint8_t ccx_filter_bits[1u << CCX_FILTER_BITS] __attribute__((visibility("hidden")));

/* 0: p is certainly not recorded.  Non-zero: look in the table. */
static inline int ccx_addrmap_maybe(const void *p)
{
    return ccx_filter_bits[((uintptr_t)p >> CCX_FILTER_SHIFT) & ((1u << CCX_FILTER_BITS) - 1)];
}

/* The countdown is never negative between calls; size >= countdown means
 * this allocation holds the sample point (or tracing is not set up: the
 * countdown is 0 then), and ccx_sample_slow counts it itself.  One
 * unsigned compare. */
static inline __attribute__((always_inline)) int ccx_fast_reaches(size_t n)
{
    return (uint64_t)n >= (uint64_t)ccx_t.countdown;
}

static inline __attribute__((always_inline)) void ccx_fast_count(size_t n)
{
    struct ccx_thread *t = &ccx_t;
    t->countdown -= (int64_t)n;
    t->alloc_calls++;
    t->alloc_bytes += n;
}

/* An allocation already made, of n bytes at p (guard not raised). */
static inline __attribute__((always_inline)) void ccx_fast_alloc(void *p, size_t n, int layer)
{
    if (unlikely(ccx_fast_reaches(n)))
        ccx_sample_slow(p, n, layer);
    else
        ccx_fast_count(n);
}

/* A free that reached libc's free() (guard not raised, filter clear):
 * counted unless the Python layer's hook already counted it. */
static inline __attribute__((always_inline)) void ccx_fast_free_count(const void *p)
{
    struct ccx_thread *t = &ccx_t;
    t->free_calls += p != t->py_freeing;
}

#endif
