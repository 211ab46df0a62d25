/* ccx_addrmap.c - recorded live blocks by address (see ccx_addrmap.h). */
#include "ccx_addrmap.h"
#include "ccx_diag.h"
#include "ccx_mem.h"

#include <stddef.h>
#include <string.h>

struct node {
    struct node *next;
    uintptr_t key;
    struct ccx_block_info info;
};

#define FILTER_SIZE ((size_t)1 << CCX_FILTER_BITS)
#define LOCKBIT ((uintptr_t)1)
#define CACHE_MAX 512
#define BATCH 256

uint8_t ccx_filter_bits[FILTER_SIZE] __attribute__((aligned(4096)));
_Static_assert(FILTER_SIZE == 256 * 1024, "the filter stays in L2: 256 KiB, 16 KiB of heap per cache line (ccx_addrmap.h)");
_Static_assert(sizeof(struct ccx_block_info) == 32, "a recorded block costs 32 bytes of table");
static uintptr_t *buckets;
static uintptr_t pin_lo[4], pin_len[4];
static int npins;
static int bbits;

/* Free nodes: a per-thread list, and batches of BATCH nodes shared. */
static __thread struct node *t_free __attribute__((tls_model("initial-exec")));
static __thread int t_nfree __attribute__((tls_model("initial-exec")));
static struct node *pool_batches; /* batches linked through ->info.site */
static int pool_lock;

static void spin_take(int *l)
{
    while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(l, __ATOMIC_RELAXED))
            __builtin_ia32_pause();
}

static void spin_drop(int *l)
{
    __atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

static int every_block; /* `all` mode: the filter stays all-set */

int ccx_addrmap_init(int bucket_bits, int all)
{
    ccx_assert(bucket_bits > 0 && bucket_bits < 32);
    bbits = bucket_bits;
    every_block = all;
    uintptr_t *b = ccx_mem_map(sizeof(uintptr_t) << bucket_bits);
    if (!b)
        return -1;
    if (all) /* every free may be of a recorded block: saturate every slot */
        memset(ccx_filter_bits, 255, FILTER_SIZE);
    __atomic_store_n(&buckets, b, __ATOMIC_RELEASE);
    return 0;
}

static void pin_apply(uintptr_t lo, uintptr_t len)
{
    uintptr_t first = lo >> CCX_FILTER_SHIFT, last = (lo + (len ? len - 1 : 0)) >> CCX_FILTER_SHIFT;
    for (uintptr_t g = first; g <= last && g - first < FILTER_SIZE; g++)
        __atomic_store_n(&ccx_filter_bits[g & (FILTER_SIZE - 1)], 255, __ATOMIC_RELEASE);
}

void ccx_addrmap_pin(const void *p, uintptr_t len)
{
    if (npins < 4) {
        pin_lo[npins] = (uintptr_t)p;
        pin_len[npins] = len;
        npins++;
    }
    pin_apply((uintptr_t)p, len);
}

static uintptr_t *bucket_of(uintptr_t key)
{
    /* Address bits, not a hash: blocks allocated near each other land in
     * neighbouring buckets (a random bucket per block cost a cache and TLB
     * miss per malloc and per free in `all` mode, a third of its time);
     * the higher bits are folded in so distant regions do not pile up. */
    uintptr_t k = key >> 4;
    return &buckets[(k ^ (k >> bbits) ^ (k >> (2 * bbits))) & (((uintptr_t)1 << bbits) - 1)];
}

static uintptr_t bucket_lock(uintptr_t *b)
{
    for (;;) {
        uintptr_t h = __atomic_load_n(b, __ATOMIC_RELAXED);
        if (!(h & LOCKBIT) && __atomic_compare_exchange_n(b, &h, h | LOCKBIT, 1, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return h;
        __builtin_ia32_pause();
    }
}

static void filter_add(uintptr_t key, int delta)
{
    if (every_block)
        return;
    uint8_t *slot = &ccx_filter_bits[(key >> CCX_FILTER_SHIFT) & (FILTER_SIZE - 1)];
    uint8_t old = __atomic_load_n(slot, __ATOMIC_RELAXED);
    for (;;) {
        if (old == 255 || (delta < 0 && old == 0))
            return; /* saturated slots stay set */
        uint8_t nv = (uint8_t)(old + delta);
        if (__atomic_compare_exchange_n(slot, &old, nv, 1, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
            return;
    }
}

static struct node *node_get(void)
{
    struct node *n = t_free;
    if (n) {
        t_free = n->next;
        t_nfree--;
        return n;
    }
    spin_take(&pool_lock);
    n = pool_batches;
    if (n)
        pool_batches = n->info.site;
    spin_drop(&pool_lock);
    if (!n) {
        /* carve a new batch */
        size_t sz = sizeof(struct node) * BATCH;
        struct node *arr = ccx_mem_alloc(sz);
        if (!arr)
            return NULL;
        for (int i = 0; i < BATCH - 1; i++)
            arr[i].next = &arr[i + 1];
        arr[BATCH - 1].next = NULL;
        n = arr;
    }
    t_free = n->next;
    t_nfree = BATCH - 1;
    return n;
}

static void node_put(struct node *n)
{
    n->next = t_free;
    t_free = n;
    if (++t_nfree < CACHE_MAX)
        return;
    /* hand BATCH nodes to the pool */
    struct node *head = t_free, *tail = head;
    int k = 1;
    while (k < BATCH && tail->next) {
        tail = tail->next;
        k++;
    }
    t_free = tail->next;
    tail->next = NULL;
    t_nfree = t_nfree > k ? t_nfree - k : 0;
    spin_take(&pool_lock);
    head->info.site = pool_batches;
    pool_batches = head;
    spin_drop(&pool_lock);
}

void ccx_addrmap_thread_exit(void)
{
    /* Whole batches go back; a remainder (< BATCH) is chained as one batch
     * of its own (node_get copes with short batches: it only follows ->next). */
    while (t_free) {
        struct node *head = t_free, *tail = head;
        int k = 1;
        while (tail->next && k < BATCH) {
            tail = tail->next;
            k++;
        }
        t_free = tail->next;
        tail->next = NULL;
        spin_take(&pool_lock);
        head->info.site = pool_batches;
        pool_batches = head;
        spin_drop(&pool_lock);
    }
    t_nfree = 0;
}

int ccx_addrmap_insert(const void *p, const struct ccx_block_info *info)
{
    if (!buckets)
        return -1;
    struct node *n = node_get();
    if (!n)
        return -1;
    uintptr_t key = (uintptr_t)p;
    n->key = key;
    n->info = *info;
    uintptr_t *b = bucket_of(key);
    uintptr_t h = bucket_lock(b);
    n->next = (struct node *)h;
    __atomic_store_n(b, (uintptr_t)n, __ATOMIC_RELEASE);
    filter_add(key, 1);
    return 0;
}

int ccx_addrmap_remove(const void *p, struct ccx_block_info *out)
{
    if (!buckets)
        return 0;
    uintptr_t key = (uintptr_t)p;
    uintptr_t *b = bucket_of(key);
    if (__atomic_load_n(b, __ATOMIC_ACQUIRE) == 0)
        return 0; /* empty bucket: no lock */
    uintptr_t h = bucket_lock(b);
    struct node *prev = NULL, *n = (struct node *)h;
    while (n && n->key != key) {
        prev = n;
        n = n->next;
    }
    if (!n) {
        __atomic_store_n(b, h, __ATOMIC_RELEASE);
        return 0;
    }
    if (prev) {
        prev->next = n->next;
        __atomic_store_n(b, h, __ATOMIC_RELEASE);
    } else {
        __atomic_store_n(b, (uintptr_t)n->next, __ATOMIC_RELEASE);
    }
    if (out)
        *out = n->info;
    filter_add(key, -1);
    node_put(n);
    return 1;
}

uint64_t ccx_addrmap_count(void)
{
    /* A walk of every chain (no shared counter on the hot path: one locked
     * add per block, bouncing between threads, cost more than it told). */
    uint64_t n = 0;
    for (size_t i = 0; buckets && i < ((size_t)1 << bbits); i++) {
        uintptr_t h = bucket_lock(&buckets[i]);
        for (struct node *x = (struct node *)h; x; x = x->next)
            n++;
        __atomic_store_n(&buckets[i], h, __ATOMIC_RELEASE);
    }
    return n;
}

void ccx_addrmap_reset(void)
{
    if (every_block) {
        memset(ccx_filter_bits, 255, FILTER_SIZE);
    } else {
        /* Only the pages that hold a set slot are written: the others stay
         * unshared with the parent (no copy-on-write for nothing). */
        for (size_t pg = 0; pg < FILTER_SIZE; pg += 4096) {
            const uint64_t *w = (const uint64_t *)(const void *)(ccx_filter_bits + pg);
            uint64_t any = 0;
            for (size_t i = 0; i < 4096 / 8; i++)
                any |= w[i];
            if (any)
                memset(ccx_filter_bits + pg, 0, 4096);
        }
    }
    for (int i = 0; i < npins; i++)
        pin_apply(pin_lo[i], pin_len[i]);
    ccx_mem_zero(buckets, sizeof(uintptr_t) << bbits);
    pool_lock = 0;
    /* Nodes of the old table are abandoned with it (they stay in the
     * parent's chunks, which this child shares copy-on-write). */
    pool_batches = NULL;
    t_free = NULL;
    t_nfree = 0;
}
