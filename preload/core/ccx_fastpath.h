/* ccx_fastpath.h - the per-allocation fast path, inlined into every hook:
 * the libc/mmap interposers (ccx_hooks_libc.c) and the PyMem allocator
 * hooks (py_alloc.c).  Both layers draw from one per-thread byte stream:
 * an allocation takes its size off the thread's countdown and bumps two
 * counters, and only the one that reaches the sample point leaves the
 * fast path for ccx_sample_slow (out of line, in ccx_record.c).  A free
 * costs one filter load (ccx_addrmap.h) unless its block may be recorded.
 *
 * One countdown for both layers is right because a block is seen by one
 * layer only (the Python layer raises ccx_guard around every call into the
 * allocator it wraps that may reach malloc), so the thread's allocated
 * bytes form one stream; sampling it at
 * Poisson points is the same process whichever layer a byte went through.
 */
#ifndef CCX_FASTPATH_H
#define CCX_FASTPATH_H

#include "ccx_hooks.h"
#include "ccx_addrmap.h"

#include <stddef.h>
#include <stdint.h>

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

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
