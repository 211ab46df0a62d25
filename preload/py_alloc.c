/* py_alloc.c - the Python allocator layer: wraps the PyMem MEM and OBJ
 * domains (the way tracemalloc does), so objects served by pymalloc are
 * seen without PYTHONMALLOC=malloc.
 *
 * Every call forwards to the wrapped allocator with ccx_guard raised, so
 * the libc layer below neither counts the block again nor reports
 * pymalloc's arenas.  Sampling is the core's Poisson byte sampling: a
 * per-thread countdown (OBJ/MEM calls hold the GIL, but a thread-local
 * costs the same and stays right with several interpreters); a block of
 * size s crossing the countdown is recorded, with the next interval drawn
 * from the crossing point (DESIGN.md facts: drawing it from the end of the
 * block biases counts by about -3%).  The core weights a sample of size s
 * by s / (1 - exp(-s/T)).  Frees go through ccx_record_free, which also
 * finds blocks the libc layer sampled before these hooks were installed.
 */
#include "py_alloc.h"
#include "py_frames.h"
#include "ccx_addrmap.h"   /* the core's inline "certainly not recorded" filter */
#include "ccx_core.h"      /* ccx_t: the core's per-thread counters, bumped inline */

#include <string.h>

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define PY_NATIVE_MAX 16   /* native frames unwound for a Python-layer sample */
#define PY_STACK_MAX  128  /* native + Python frames of one sample */

struct dom {
    struct py_mem_allocator orig;
};
static struct dom dom_mem, dom_obj;
static int hooks_installed;
static int sample_all;

static __thread int64_t countdown __attribute__((tls_model("initial-exec")));
static __thread int countdown_set __attribute__((tls_model("initial-exec")));

__attribute__((noinline, cold)) static void sample(void *p, size_t size)
{
    ccx_frame_t frames[PY_STACK_MAX];
    ccx_guard++;
    if (sample_all) {
        countdown = 0;            /* every allocation comes here */
    } else {
        if (unlikely(!countdown_set)) {
            /* First allocation of this thread: start the process afresh. */
            countdown_set = 1;
            countdown = (int64_t)ccx_sample_next() - (int64_t)size;
            if (countdown > 0) {
                ccx_count_alloc(size);
                ccx_guard--;
                return;
            }
        }
        while (countdown <= 0)
            countdown += (int64_t)ccx_sample_next();
    }
    int n = ccx_unwind_native(frames, PY_NATIVE_MAX, 0);  /* the core skips its own frames */
    if (n < 0)
        n = 0;
    n = ccx_py_merge_stack(frames, n, PY_STACK_MAX);
    ccx_record_alloc(p, size, CCX_LAYER_ID_PYTHON, frames, n);
    ccx_guard--;
}

/* Forget p if either layer recorded it; the filter test is inlined here so
 * that the common case (not sampled) costs one load and no call. */
static inline int forget(void *p)
{
    return unlikely(ccx_addrmap_maybe(p)) && ccx_record_free(p);
}

/* The common path: a few instructions, no call.  In `all` mode the
 * countdown stays at zero, so every allocation takes the sample path. */
static inline void account(void *p, size_t size)
{
    countdown -= (int64_t)size;
    if (likely(countdown > 0)) {
        ccx_t.alloc_calls++;       /* what ccx_count_alloc(size) does, inlined */
        ccx_t.alloc_bytes += size;
        return;
    }
    sample(p, size);
}

static void *h_malloc(void *ctx, size_t size)
{
    const struct dom *d = ctx;
    if (unlikely(ccx_guard))
        return d->orig.malloc(d->orig.ctx, size);
    ccx_guard++;
    void *p = d->orig.malloc(d->orig.ctx, size);
    ccx_guard--;
    if (likely(p != NULL))
        account(p, size);
    return p;
}

static void *h_calloc(void *ctx, size_t nelem, size_t elsize)
{
    const struct dom *d = ctx;
    if (unlikely(ccx_guard))
        return d->orig.calloc(d->orig.ctx, nelem, elsize);
    ccx_guard++;
    void *p = d->orig.calloc(d->orig.ctx, nelem, elsize);
    ccx_guard--;
    if (likely(p != NULL))
        account(p, nelem * elsize);   /* no overflow: the allocation succeeded */
    return p;
}

static void *h_realloc(void *ctx, void *ptr, size_t size)
{
    const struct dom *d = ctx;
    if (unlikely(ccx_guard)) {
        if (ptr)
            forget(ptr);
        return d->orig.realloc(d->orig.ctx, ptr, size);
    }
    /* Forget the old block first: once realloc returns, its address may
     * already belong to another thread's allocation. */
    if (ptr && !forget(ptr))
        ccx_count_free(0);
    ccx_guard++;
    void *p = d->orig.realloc(d->orig.ctx, ptr, size);
    ccx_guard--;
    if (likely(p != NULL))
        account(p, size);
    return p;
}

static void h_free(void *ctx, void *ptr)
{
    const struct dom *d = ctx;
    /* Even with the guard raised (the census's gc.collect() frees objects
     * on the helper thread): a freed sampled block must be forgotten. */
    if (likely(ptr != NULL) && !forget(ptr) && likely(!ccx_guard))
        ccx_t.free_calls++;  /* ccx_count_free(): the size is not known here */
    ccx_guard++;
    d->orig.free(d->orig.ctx, ptr);
    ccx_guard--;
}

/* pymalloc's arenas.  Their mmaps happen inside the wrapped allocator,
 * with the guard raised, so the mmap layer does not report them; but the
 * arenas pymalloc mapped before the hooks were installed were recorded
 * there, and their munmap (also under the guard) must forget them. */
static struct py_arena_allocator arena_orig;

static void *h_arena_alloc(void *ctx, size_t size)
{
    (void)ctx;
    ccx_guard++;
    void *p = arena_orig.alloc(arena_orig.ctx, size);
    ccx_guard--;
    return p;
}

static void h_arena_free(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    if (ptr)
        forget(ptr);
    ccx_guard++;
    arena_orig.free(arena_orig.ctx, ptr, size);
    ccx_guard--;
}

int py_alloc_install(void)
{
    if (hooks_installed)
        return 0;
    sample_all = ccx_sample_all();
    struct py_mem_allocator a;
    py.PyMem_GetAllocator(PY_MEM_DOMAIN_MEM, &dom_mem.orig);
    py.PyMem_GetAllocator(PY_MEM_DOMAIN_OBJ, &dom_obj.orig);
    a.malloc = h_malloc;
    a.calloc = h_calloc;
    a.realloc = h_realloc;
    a.free = h_free;
    a.ctx = &dom_mem;
    py.PyMem_SetAllocator(PY_MEM_DOMAIN_MEM, &a);
    a.ctx = &dom_obj;
    py.PyMem_SetAllocator(PY_MEM_DOMAIN_OBJ, &a);
    struct py_arena_allocator ar = { NULL, h_arena_alloc, h_arena_free };
    py.PyObject_GetArenaAllocator(&arena_orig);
    if (arena_orig.alloc && arena_orig.free)
        py.PyObject_SetArenaAllocator(&ar);
    hooks_installed = 1;
    return 0;
}

int py_alloc_installed(void) { return hooks_installed; }
