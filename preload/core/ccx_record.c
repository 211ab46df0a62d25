/* ccx_record.c - per-thread state and the recording of sampled blocks.
 *
 * The hooks (ccx_hooks_libc.c) count every call in the thread's own
 * counters and subtract the size from its countdown; only when the
 * countdown runs out do they come here, to the cold path: weigh the sample
 * (ccx_sample.h), unwind, intern the stack (ccx_stacks.c) and remember the
 * block by address (ccx_addrmap.c).  Threads register their counters in a
 * list so a snapshot can sum them; a pthread key folds a finished thread's
 * counters into the totals of the departed.
 */
#include "ccx_core.h"
#include "ccx_addrmap.h"
#include "ccx_diag.h"
#include "ccx_mem.h"
#include "ccx_options.h"
#include "ccx_sample.h"
#include "ccx_stacks.h"

#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>


struct reg {
    struct reg *next;
    struct ccx_thread *t;
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct reg *threads;
static struct ccx_totals departed;
static pthread_key_t exit_key;
static int depth_cap; /* CCXTRACE_DEPTH, read once (the sample path calls nothing it need not) */
static int key_ok;

static void thread_exit(void *arg)
{
    struct reg *r = arg;
    ccx_guard++;
    pthread_mutex_lock(&reg_lock);
    for (struct reg **pp = &threads; *pp; pp = &(*pp)->next)
        if (*pp == r) {
            *pp = r->next;
            break;
        }
    departed.alloc_calls += ccx_t.alloc_calls;
    departed.alloc_bytes += ccx_t.alloc_bytes;
    departed.free_calls += ccx_t.free_calls;
    ccx_t.alloc_calls = ccx_t.alloc_bytes = ccx_t.free_calls = 0;
    pthread_mutex_unlock(&reg_lock);
    ccx_mem_free(r, sizeof *r);
    ccx_addrmap_thread_exit();
    ccx_unwind_thread_exit();
    /* 2: gone from the registry for good; an allocation after this (other
     * destructors) must not register it again, its TLS is about to go */
    ccx_t.state = 2;
    ccx_guard--;
}

static void thread_register(void)
{
    struct ccx_thread *t = &ccx_t;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    t->rng = ccx_rng_seed((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32),
                          (uint64_t)syscall(SYS_gettid) ^ (uint64_t)(uintptr_t)t);
    struct reg *r = ccx_mem_alloc(sizeof *r);
    if (r) {
        r->t = t;
        pthread_mutex_lock(&reg_lock);
        r->next = threads;
        threads = r;
        pthread_mutex_unlock(&reg_lock);
        if (key_ok)
            pthread_setspecific(exit_key, r);
    }
    t->state = 1;
}

int ccx_record_init(void)
{
    const struct ccx_options *o = ccx_opts();
    ccx_mean = o->sample == UINT64_MAX ? 0 : o->sample;
    depth_cap = o->depth;
    key_ok = pthread_key_create(&exit_key, thread_exit) == 0;
    uint32_t bits = ccx_mean == 0 ? 22 : 18;
    if (ccx_addrmap_init((int)bits, ccx_mean == 0) != 0 || ccx_sites_init((uint32_t)o->max_stacks) != 0)
        return -1;
    return 0;
}

void ccx_totals_read(struct ccx_totals *out)
{
    pthread_mutex_lock(&reg_lock);
    *out = departed;
    for (struct reg *r = threads; r; r = r->next) {
        out->alloc_calls += __atomic_load_n(&r->t->alloc_calls, __ATOMIC_RELAXED);
        out->alloc_bytes += __atomic_load_n(&r->t->alloc_bytes, __ATOMIC_RELAXED);
        out->free_calls += __atomic_load_n(&r->t->free_calls, __ATOMIC_RELAXED);
    }
    pthread_mutex_unlock(&reg_lock);
}

void ccx_record_atfork_child(void)
{
    /* Only this thread exists now: its registration is the only valid one. */
    pthread_mutex_init(&reg_lock, NULL);
    threads = NULL;
    memset(&departed, 0, sizeof departed);
    ccx_t.alloc_calls = ccx_t.alloc_bytes = ccx_t.free_calls = 0;
    ccx_t.state = 0;
    ccx_t.countdown = 0;
    ccx_mem_atfork_child();
    ccx_addrmap_reset();
    ccx_sites_reset();
}

void ccx_live_estimate(uint64_t *bytes, uint64_t *blocks)
{
    uint64_t b = 0, k = 0;
    uint32_t n = ccx_sites_count();
    for (uint32_t i = 0; i < n + 3; i++) {
        const struct ccx_site *s = ccx_site_get(i);
        if (!s)
            continue;
        b += __atomic_load_n(&s->live_bytes, __ATOMIC_RELAXED);
        k += __atomic_load_n(&s->live_blocks_fp, __ATOMIC_RELAXED);
    }
    *bytes = b;
    *blocks = (k + CCX_BLOCK_ONE / 2) / CCX_BLOCK_ONE;
}

void ccx_record_alloc(void *p, size_t size, enum ccx_layer_id layer, const ccx_frame_t *frames, int nframes)
{
    if (ccx_state <= 0 || !p)
        return;
    ccx_guard++;
    struct ccx_site *s = ccx_site_intern((int)layer, frames, nframes);
    struct ccx_weight w = ccx_sample_weight(size, ccx_mean);
    struct ccx_block_info info = {size, w.bytes, w.blocks_fp, s};
    if (ccx_addrmap_insert(p, &info) == 0) {
        __atomic_fetch_add(&s->live_bytes, w.bytes, __ATOMIC_RELAXED);
        __atomic_fetch_add(&s->live_blocks_fp, w.blocks_fp, __ATOMIC_RELAXED);
        __atomic_fetch_add(&s->live_samples, 1, __ATOMIC_RELAXED);
    }
    __atomic_fetch_add(&s->alloc_bytes, w.bytes, __ATOMIC_RELAXED);
    __atomic_fetch_add(&s->alloc_calls_fp, w.blocks_fp, __ATOMIC_RELAXED);
    ccx_guard--;
}

/* Removes a recorded block (its record in *info) and takes it off its
 * site; 1 when it was recorded. */
int ccx_take(void *p, struct ccx_block_info *info)
{
    if (!ccx_addrmap_maybe(p) || !ccx_addrmap_remove(p, info))
        return 0;
    struct ccx_site *s = info->site;
    __atomic_fetch_sub(&s->live_bytes, info->w_bytes, __ATOMIC_RELAXED);
    __atomic_fetch_sub(&s->live_blocks_fp, info->w_blocks, __ATOMIC_RELAXED);
    __atomic_fetch_sub(&s->live_samples, 1, __ATOMIC_RELAXED);
    return 1;
}

static int forget(void *p)
{
    struct ccx_block_info info;
    return ccx_take(p, &info);
}

void ccx_putback(void *p, const struct ccx_block_info *info)
{
    struct ccx_site *s = info->site;
    ccx_guard++;
    if (ccx_addrmap_insert(p, info) == 0) {
        __atomic_fetch_add(&s->live_bytes, info->w_bytes, __ATOMIC_RELAXED);
        __atomic_fetch_add(&s->live_blocks_fp, info->w_blocks, __ATOMIC_RELAXED);
        __atomic_fetch_add(&s->live_samples, 1, __ATOMIC_RELAXED);
    }
    ccx_guard--;
}

void ccx_rerecord(void *q, size_t size, const struct ccx_block_info *info)
{
    const struct ccx_site *s = info->site;
    ccx_record_alloc(q, size, (enum ccx_layer_id)s->layer, s->frames, s->nframes);
}

int ccx_record_free(void *p)
{
    return p && forget(p);
}

void ccx_free_slow(void *p)
{
    if (ccx_guard)
        return;
    forget(p);
}

void ccx_sample_slow(void *p, size_t size, int layer)
{
    struct ccx_thread *t = &ccx_t;
    if (ccx_guard)
        return;
    /* The hooks send an allocation here instead of counting it when it
     * reaches the countdown (size >= countdown): count it now; the
     * countdown goes to <= 0, the overshoot past the sample point. */
    t->alloc_calls++;
    t->alloc_bytes += size;
    t->countdown -= (int64_t)size;
    if (ccx_state <= 0) {
        /* Before the constructor: look again at the next allocation; not
         * tracing: never come back. */
        t->countdown = ccx_state < 0 ? INT64_MAX / 2 : 0;
        return;
    }
    ccx_guard++;
    if (t->state == 0) {
        /* A new thread's byte stream starts here: its first point is one
         * draw away, and this allocation is the first to count against it. */
        thread_register();
        if (ccx_mean) {
            t->countdown = (int64_t)ccx_sample_draw(&t->rng, ccx_mean) - (int64_t)size;
            if (t->countdown > 0) {
                ccx_guard--;
                return;
            }
        }
    }
    t->countdown = ccx_sample_advance(t->countdown, &t->rng, ccx_mean);
    ccx_frame_t frames[256];
    /* The Python layer's blocks come from the interpreter: a few native
     * frames reach its evaluation loop, where the Python frames take over. */
    int depth = depth_cap;
    if (layer == CCX_LAYER_ID_PYTHON && depth > CCX_PY_NATIVE_MAX)
        depth = CCX_PY_NATIVE_MAX;
    int n = ccx_unwind_native(frames, depth, 0);
    /* A thread running Python: cut the native frames at the interpreter
     * loop and append its Python frames (memory a C extension mallocs is
     * charged to the Python line that called it). */
    n = ccx_layer_merge_stack(frames, n, (int)(sizeof frames / sizeof frames[0]), layer);
    ccx_record_alloc(p, size, (enum ccx_layer_id)layer, frames, n);
    ccx_guard--;
}
