/* py_alloc.c - the Python allocator layer: wraps the PyMem MEM and OBJ
 * domains (the way tracemalloc does), so objects served by pymalloc are
 * seen without PYTHONMALLOC=malloc.
 *
 * Every call forwards to the wrapped allocator with ccx_guard raised, so
 * the libc layer below neither counts the block again nor reports
 * pymalloc's arenas.  Sampling is the core's: the same per-thread byte
 * countdown and inline fast path as the libc hooks (ccx_layer.h); the
 * allocation that reaches the sample point goes to ccx_sample_slow, which
 * unwinds a few native frames, appends the Python frames and records the
 * block (weighted s / (1 - exp(-s/T)) for a block of size s).  Frees go
 * through ccx_record_free, which also finds blocks the libc layer sampled
 * before these hooks were installed.
 *
 * These functions run on every Python allocation: py_alloc.o is built
 * without frame-pointer setup and without vector packing of the counters
 * (preload/build.mk), like the libc hooks.
 */
#include "py_alloc.h"
#include "ccx_layer.h"   /* the core's inline countdown, counters and filter */

#include <string.h>

struct dom {
    struct py_mem_allocator orig;
};
static struct dom dom_mem, dom_obj;
static int hooks_installed;

/* Forget p if either layer recorded it; the filter test is inlined here so
 * that the common case (not sampled) costs one load and no call. */
static inline int forget(void *p)
{
    return unlikely(ccx_addrmap_maybe(p)) && ccx_record_free(p);
}

/* pymalloc's SMALL_REQUEST_THRESHOLD (Objects/obmalloc.c, 3.9-3.13):
 * larger requests, and 0, go to PyMem_RawMalloc. */
#define PYMALLOC_SMALL_MAX 512

/* Two sets of hooks, chosen when they are installed.  Over pymalloc
 * itself, requests of 1..PYMALLOC_SMALL_MAX bytes never reach malloc (its
 * pools serve them; its arenas come through h_arena_alloc, which raises
 * the guard), so those calls need no guard and are forwarded with a tail
 * call.  Over anything else (PYTHONMALLOC=malloc, the debug hooks of
 * -X dev, an allocator another tool installed) every call is guarded.
 * Each body below is inlined with its limit a constant (direct_max 0: no
 * direct call), so each set compiles to its own short fast path.
 *
 * The set over pymalloc does not even test the guard on its fast path.
 * The tracer's own Python work (census, holders, snapshots) runs on its
 * helper thread, which keeps the guard raised for its whole life and
 * never registers: its counters are never added to the totals, and it
 * never samples (the slow path returns at once under the guard).  What
 * the interpreter allocates for the tracer on an application thread (the
 * exit snapshot's census, after the totals were read; a name's UTF-8
 * cache) is counted there like any other allocation of that thread. */
#define DIRECT(size, direct_max) ((size_t)(size) - 1 < (direct_max))   /* 1 <= size <= max */

/* Counted already; not served by pymalloc itself: guarded, out of line. */
__attribute__((noinline)) static void *malloc_guarded(const struct dom *d, size_t size)
{
    ccx_guard++;
    void *p = d->orig.malloc(d->orig.ctx, size);
    ccx_guard--;
    return p;
}

/* The allocation that reaches the sample point (not counted yet: the slow
 * path counts it): out of line. */
__attribute__((noinline, cold)) static void *malloc_sampled(const struct dom *d, size_t size)
{
    void *p = malloc_guarded(d, size);
    if (likely(p != NULL))
        ccx_sample_slow(p, size, CCX_LAYER_ID_PYTHON);
    return p;
}

/* The common path: count the allocation against the countdown first (an
 * allocation that then fails is still counted, as in the libc hooks), then
 * forward: a tail call when pymalloc serves it, else with the guard up. */
static inline __attribute__((always_inline)) void *malloc_body(const struct dom *d, size_t size, size_t direct_max)
{
    if (!direct_max && unlikely(ccx_guard))
        return d->orig.malloc(d->orig.ctx, size);
    if (unlikely(ccx_fast_reaches(size)))
        return malloc_sampled(d, size);
    ccx_fast_count(size);
    if (likely(DIRECT(size, direct_max)))
        return d->orig.malloc(d->orig.ctx, size);
    return malloc_guarded(d, size);
}

__attribute__((noinline)) static void *calloc_guarded(const struct dom *d, size_t nelem, size_t elsize)
{
    ccx_guard++;
    void *p = d->orig.calloc(d->orig.ctx, nelem, elsize);
    ccx_guard--;
    return p;
}

__attribute__((noinline, cold)) static void *calloc_sampled(const struct dom *d, size_t nelem, size_t elsize, size_t total)
{
    void *p = calloc_guarded(d, nelem, elsize);
    if (likely(p != NULL))
        ccx_sample_slow(p, total, CCX_LAYER_ID_PYTHON);
    return p;
}

static inline __attribute__((always_inline)) void *calloc_body(const struct dom *d, size_t nelem, size_t elsize,
                                                                size_t direct_max)
{
    size_t total;
    if ((!direct_max && unlikely(ccx_guard)) || unlikely(__builtin_mul_overflow(nelem, elsize, &total)))
        return d->orig.calloc(d->orig.ctx, nelem, elsize);   /* overflow: it fails */
    if (unlikely(ccx_fast_reaches(total)))
        return calloc_sampled(d, nelem, elsize, total);
    ccx_fast_count(total);
    if (likely(DIRECT(total, direct_max)))
        return d->orig.calloc(d->orig.ctx, nelem, elsize);
    return calloc_guarded(d, nelem, elsize);
}

static void *h_realloc(void *ctx, void *ptr, size_t size)
{
    const struct dom *d = ctx;
    if (unlikely(ccx_guard)) {
        if (ptr)
            forget(ptr);
        return d->orig.realloc(d->orig.ctx, ptr, size);
    }
    /* Take the old block out first: once realloc returns, its address may
     * already belong to another thread's allocation.  The PyMem domains
     * never free on failure (not even for size 0, which they serve as 1
     * byte), so NULL means the old block is still there: put it back. */
    struct ccx_block_info info;
    int had = ptr && unlikely(ccx_addrmap_maybe(ptr)) && ccx_take(ptr, &info);
    ccx_guard++;
    void *p = d->orig.realloc(d->orig.ctx, ptr, size);
    ccx_guard--;
    if (unlikely(p == NULL)) {
        if (had)
            ccx_putback(ptr, &info);
        return NULL;
    }
    if (ptr)
        ccx_t.free_calls++;   /* the old block is gone, recorded or not (as libc's realloc counts) */
    ccx_fast_alloc(p, size, CCX_LAYER_ID_PYTHON);
    return p;
}

/* Any other allocator below (PYTHONMALLOC=malloc, the debug hooks, which
 * free a pointer of their own below the block), and the frees below:
 * guarded, out of line. */
__attribute__((noinline)) static void free_guarded(const struct dom *d, void *ptr)
{
    if (ptr && likely(!ccx_guard))
        ccx_t.free_calls++;
    ccx_guard++;
    d->orig.free(d->orig.ctx, ptr);
    ccx_guard--;
}

/* The free of a block that may be recorded (its filter slot is set; NULL's
 * slot is pinned): out of line, so the hooks stay small.  Forgotten even
 * with the guard raised (the census's gc.collect() frees objects on the
 * helper thread): a freed sampled block must leave the table. */
__attribute__((noinline)) static void free_maybe_recorded(const struct dom *d, void *ptr)
{
    if (ptr)
        ccx_record_free(ptr);
    free_guarded(d, ptr);
}

static inline __attribute__((always_inline)) void free_body(const struct dom *d, void *ptr, int over_pymalloc)
{
    if (unlikely(ccx_addrmap_maybe(ptr))) {
        free_maybe_recorded(d, ptr);
        return;
    }
    if (!over_pymalloc) {
        free_guarded(d, ptr);
        return;
    }
    /* pymalloc: a block it did not serve goes to free() as it is, where
     * py_freeing keeps it from being counted twice; an arena it releases
     * goes through h_arena_free (guarded).  So no guard: a tail call. */
    struct ccx_thread *t = &ccx_t;
    t->free_calls++;
    t->py_freeing = ptr;
    d->orig.free(d->orig.ctx, ptr);
}

/* The hooks over any allocator: every call guarded. */
static void *h_malloc(void *ctx, size_t size) { return malloc_body(ctx, size, 0); }
static void *h_calloc(void *ctx, size_t n, size_t el) { return calloc_body(ctx, n, el, 0); }
static void h_free(void *ctx, void *ptr) { free_body(ctx, ptr, 0); }

/* The hooks over pymalloc itself: small requests and frees unguarded. */
static void *h_malloc_pymalloc(void *ctx, size_t size) { return malloc_body(ctx, size, PYMALLOC_SMALL_MAX); }
static void *h_calloc_pymalloc(void *ctx, size_t n, size_t el) { return calloc_body(ctx, n, el, PYMALLOC_SMALL_MAX); }
static void h_free_pymalloc(void *ctx, void *ptr) { free_body(ctx, ptr, 1); }

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
    struct py_mem_allocator a, raw;
    py.PyMem_GetAllocator(PY_MEM_DOMAIN_RAW, &raw);
    py.PyMem_GetAllocator(PY_MEM_DOMAIN_MEM, &dom_mem.orig);
    py.PyMem_GetAllocator(PY_MEM_DOMAIN_OBJ, &dom_obj.orig);
    py.PyObject_GetArenaAllocator(&arena_orig);
    /* pymalloc: MEM and OBJ share its functions and its (NULL) context,
     * RAW is malloc's, and it has arenas.  Under PYTHONMALLOC=malloc all
     * three domains share one function; the debug hooks (-X dev) and
     * tracemalloc give MEM and OBJ contexts of their own. */
    int pymalloc = dom_mem.orig.ctx == dom_obj.orig.ctx &&
                   dom_mem.orig.malloc == dom_obj.orig.malloc && dom_obj.orig.malloc != raw.malloc &&
                   dom_mem.orig.calloc == dom_obj.orig.calloc && dom_obj.orig.calloc != raw.calloc &&
                   arena_orig.alloc && arena_orig.free;
    /* The arena hook first: the direct (unguarded) calls rely on it. */
    struct py_arena_allocator ar = { NULL, h_arena_alloc, h_arena_free };
    if (arena_orig.alloc && arena_orig.free)
        py.PyObject_SetArenaAllocator(&ar);
    a.malloc = pymalloc ? h_malloc_pymalloc : h_malloc;
    a.calloc = pymalloc ? h_calloc_pymalloc : h_calloc;
    a.realloc = h_realloc;
    a.free = pymalloc ? h_free_pymalloc : h_free;
    a.ctx = &dom_mem;
    py.PyMem_SetAllocator(PY_MEM_DOMAIN_MEM, &a);
    a.ctx = &dom_obj;
    py.PyMem_SetAllocator(PY_MEM_DOMAIN_OBJ, &a);
    hooks_installed = 1;
    return 0;
}

int py_alloc_installed(void) { return hooks_installed; }

void py_alloc_own_begin(struct py_own_work *w)
{
    w->alloc_calls = ccx_t.alloc_calls;
    w->alloc_bytes = ccx_t.alloc_bytes;
    w->free_calls = ccx_t.free_calls;
    ccx_guard++;
}

void py_alloc_own_end(const struct py_own_work *w)
{
    ccx_guard--;
    ccx_t.alloc_calls = w->alloc_calls;
    ccx_t.alloc_bytes = w->alloc_bytes;
    ccx_t.free_calls = w->free_calls;
}
