/* ccx_stacks.c - stack interning (see ccx_stacks.h). */
#include "ccx_stacks.h"
#include "ccx_mem.h"
#include "ccx_diag.h"

#include <string.h>

static struct ccx_site **slots;
static struct ccx_site **by_id;
static uint32_t cap_mask, max_ids, next_id;
static struct ccx_site overflow[3];
/* Per-thread memo of recently interned sites (a loop allocating from the
 * same place skips the shared table).  Cleared by ccx_sites_reset, which
 * runs in a fork child where only the calling thread exists. */
#define MEMO 16
static __thread struct ccx_site *memo[MEMO] __attribute__((tls_model("initial-exec")));

static size_t slots_bytes(void)
{
    return sizeof(struct ccx_site *) * ((size_t)cap_mask + 1);
}

int ccx_sites_init(uint32_t max_sites)
{
    uint32_t cap = 1024;
    while (cap < max_sites + max_sites / 2)
        cap <<= 1;
    cap_mask = cap - 1;
    max_ids = max_sites;
    slots = ccx_mem_map(slots_bytes());
    by_id = ccx_mem_map(sizeof(struct ccx_site *) * max_sites);
    for (int i = 0; i < 3; i++) {
        overflow[i].layer = (uint8_t)i;
        overflow[i].overflow = 1;
    }
    return slots && by_id ? 0 : -1;
}

static uint64_t hash_stack(int layer, const ccx_frame_t *f, int n)
{
    uint64_t h = 0x84222325cbf29ce4ull ^ (uint64_t)layer ^ ((uint64_t)n << 8);
    for (int i = 0; i < n; i++) {
        h ^= f[i];
        h *= 0x9e3779b97f4a7c15ull;
        h ^= h >> 29;
    }
    return h;
}

static int same(const struct ccx_site *s, uint64_t h, int layer, const ccx_frame_t *f, int n)
{
    return s->hash == h && s->layer == layer && s->nframes == n &&
           (n == 0 || memcmp(s->frames, f, sizeof(ccx_frame_t) * (size_t)n) == 0);
}

struct ccx_site *ccx_site_get(uint32_t id)
{
    uint32_t n = __atomic_load_n(&next_id, __ATOMIC_ACQUIRE);
    if (n > max_ids)
        n = max_ids;
    if (id < n)
        return __atomic_load_n(&by_id[id], __ATOMIC_ACQUIRE);
    if (id - n < 3)
        return &overflow[id - n];
    return NULL;
}

uint32_t ccx_sites_count(void)
{
    uint32_t n = __atomic_load_n(&next_id, __ATOMIC_ACQUIRE);
    return n > max_ids ? max_ids : n;
}

struct ccx_site *ccx_site_overflow(int layer)
{
    return &overflow[layer < 0 || layer > 2 ? 0 : layer];
}

static struct ccx_site *intern_shared(int layer, const ccx_frame_t *f, int n, uint64_t h);

struct ccx_site *ccx_site_intern(int layer, const ccx_frame_t *f, int n)
{
    if (!slots)
        return ccx_site_overflow(layer);
    if (n > 0xffff)
        n = 0xffff;
    uint64_t h = hash_stack(layer, f, n);
    struct ccx_site **m = &memo[h & (MEMO - 1)];
    if (*m && same(*m, h, layer, f, n))
        return *m;
    struct ccx_site *found = intern_shared(layer, f, n, h);
    if (!found->overflow)
        *m = found;
    return found;
}

static struct ccx_site *intern_shared(int layer, const ccx_frame_t *f, int n, uint64_t h)
{
    /* here, on a miss of the thread's memo, not on every sample */
    ccx_assert(n >= 0 && n <= 0xffff && layer >= 0 && layer <= CCX_LAYER_ID_MMAP);
    struct ccx_site *mine = NULL;
    size_t mine_size = sizeof(struct ccx_site) + sizeof(ccx_frame_t) * (size_t)n;
    for (uint32_t i = (uint32_t)h & cap_mask, probes = 0; probes <= cap_mask; i = (i + 1) & cap_mask, probes++) {
        struct ccx_site *s = __atomic_load_n(&slots[i], __ATOMIC_ACQUIRE);
        if (s) {
            if (same(s, h, layer, f, n)) {
                if (mine)
                    ccx_mem_free(mine, mine_size);
                return s;
            }
            continue;
        }
        if (!mine) {
            uint32_t id = __atomic_fetch_add(&next_id, 1, __ATOMIC_ACQ_REL);
            if (id >= max_ids)
                return ccx_site_overflow(layer);
            mine = ccx_mem_alloc(mine_size);
            if (!mine)
                return ccx_site_overflow(layer);
            mine->hash = h;
            mine->id = id;
            mine->nframes = (uint16_t)n;
            mine->layer = (uint8_t)layer;
            if (n > 0)
                memcpy(mine->frames, f, sizeof(ccx_frame_t) * (size_t)n);
        }
        struct ccx_site *expected = NULL;
        if (__atomic_compare_exchange_n(&slots[i], &expected, mine, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            __atomic_store_n(&by_id[mine->id], mine, __ATOMIC_RELEASE);
            return mine;
        }
        if (same(expected, h, layer, f, n)) {
            ccx_mem_free(mine, mine_size); /* its id stays an empty hole */
            return expected;
        }
    }
    if (mine)
        ccx_mem_free(mine, mine_size);
    return ccx_site_overflow(layer);
}

void ccx_sites_reset(void)
{
    ccx_mem_zero(slots, slots_bytes());
    ccx_mem_zero(by_id, sizeof(struct ccx_site *) * max_ids);
    next_id = 0;
    memset(memo, 0, sizeof memo);
    for (int i = 0; i < 3; i++) {
        memset(&overflow[i], 0, sizeof overflow[i]);
        overflow[i].layer = (uint8_t)i;
        overflow[i].overflow = 1;
    }
}
