/* holders_graph.c - roots and shortest reference paths over an object
 * graph (see holders_graph.h).
 *
 * Roots, as in CPython's gc (Modules/gcmodule.c, update_refs and
 * subtract_refs): every tracked object starts with gc_refs = its refcount;
 * each reference from one tracked object to another takes one off the
 * target.  What is left counts references from outside the tracked heap;
 * an object with gc_refs > 0 is a root.  Everything a root reaches is alive;
 * the rest is cyclic garbage that the next collection of its generation
 * frees.  One breadth-first search from all roots together gives, for every
 * reached object, a parent on a shortest path from the nearest root.
 *
 * Edges are stored compressed (per object, a start offset into one edge
 * array), which is possible because the glue adds them object by object.
 * Looking up an edge's target (address -> index) is a cache miss in a big
 * table; edges are therefore looked up in batches of 4096 with the slots
 * prefetched 16 ahead, which hides most of the memory latency.
 */
#include "holders_graph.h"
#include "ccx_mem.h"

#include <string.h>

#define BATCH 4096u   /* edges looked up together */
#define AHEAD 16u     /* slots prefetched ahead */

static void *mem(size_t n)
{
    return ccx_mem_alloc(n);
}

static void unmem(void *p, size_t n)
{
    if (p)
        ccx_mem_free(p, n);
}

int hg_init(struct hg_graph *g, uint32_t max_objects)
{
    memset(g, 0, sizeof *g);
    if (max_objects == 0)
        max_objects = 1;
    if (max_objects > (1u << 30))
        return -1;
    g->cap = max_objects;
    g->nslots = 16;
    while (g->nslots < 2 * (size_t)max_objects)
        g->nslots *= 2;
    g->refs = mem(g->cap * sizeof *g->refs);
    g->slots = mem(g->nslots * sizeof *g->slots);
    g->out_start = mem((g->cap + 1) * sizeof *g->out_start);
    g->ecap = (size_t)g->cap * 2 + 16;
    g->edge_to = mem(g->ecap * sizeof *g->edge_to);
    g->edge_label = mem(g->ecap * sizeof *g->edge_label);
    g->batch = mem(BATCH * sizeof *g->batch);
    if (!g->batch || !g->refs || !g->slots || !g->out_start || !g->edge_to || !g->edge_label) {
        hg_free(g);
        return -1;
    }
    return 0;
}

uint32_t hg_add_object(struct hg_graph *g, uintptr_t addr, int64_t refcount)
{
    if (g->n >= g->cap)
        return HG_NONE;
    size_t s = hg_slot_of(g, addr);
    while (g->slots[s].idx1) {
        if (g->slots[s].addr == addr)
            return HG_NONE;
        s = (s + 1) & (g->nslots - 1);
    }
    uint32_t i = g->n++;
    g->refs[i] = refcount;
    g->slots[s].addr = addr;
    g->slots[s].idx1 = i + 1;
    return i;
}

uint32_t hg_find(const struct hg_graph *g, uintptr_t addr)
{
    if (!g->slots)
        return HG_NONE;
    size_t s = hg_slot_of(g, addr);
    while (g->slots[s].idx1) {
        if (g->slots[s].addr == addr)
            return g->slots[s].idx1 - 1;
        s = (s + 1) & (g->nslots - 1);
    }
    return HG_NONE;
}

void hg_begin_edges(struct hg_graph *g, uint32_t from)
{
    if (from >= g->cur && from < g->n)
        g->cur = from;
}

static int grow_edges(struct hg_graph *g)
{
    size_t ncap = g->ecap * 2;
    if (ncap > 0xfffffff0u)
        return -1;
    uint32_t *to = mem(ncap * sizeof *to), *lab = mem(ncap * sizeof *lab);
    if (!to || !lab) {
        unmem(to, ncap * sizeof *to);
        unmem(lab, ncap * sizeof *lab);
        return -1;
    }
    memcpy(to, g->edge_to, g->nedges * sizeof *to);
    memcpy(lab, g->edge_label, g->nedges * sizeof *lab);
    unmem(g->edge_to, g->ecap * sizeof *g->edge_to);
    unmem(g->edge_label, g->ecap * sizeof *g->edge_label);
    g->edge_to = to;
    g->edge_label = lab;
    g->ecap = ncap;
    return 0;
}

/* Looks the waiting edges up, keeps those to known objects in order. */
static int flush(struct hg_graph *g)
{
    for (uint32_t k = 0; k < g->nbatch; k++) {
        if (k + AHEAD < g->nbatch)
            __builtin_prefetch(&g->slots[hg_slot_of(g, g->batch[k + AHEAD].to)]);
        const struct hg_pending *p = &g->batch[k];
        uint32_t j = hg_find(g, p->to);
        if (j == HG_NONE)
            continue;
        if (g->nedges == g->ecap && grow_edges(g) != 0) {
            g->failed = 1;
            return -1;
        }
        while (g->filled <= p->from)
            g->out_start[g->filled++] = (uint32_t)g->nedges;
        g->edge_to[g->nedges] = j;
        g->edge_label[g->nedges] = p->label;
        g->nedges++;
    }
    g->nbatch = 0;
    return 0;
}

int hg_add_edge(struct hg_graph *g, uintptr_t to, uint32_t label)
{
    if (g->failed)
        return -1;
    if (g->nbatch == BATCH && flush(g) != 0)
        return -1;
    struct hg_pending *p = &g->batch[g->nbatch++];
    p->to = to;
    p->label = label;
    p->from = g->cur;
    return 0;
}

int hg_search(struct hg_graph *g)
{
    if (g->failed || !g->refs || flush(g) != 0)
        return -1;
    /* Close the edge lists of the objects without (further) edges. */
    while (g->filled <= g->n)
        g->out_start[g->filled++] = (uint32_t)g->nedges;
    g->parent = mem(g->cap * sizeof *g->parent);
    g->parent_label = mem(g->cap * sizeof *g->parent_label);
    g->path = mem(g->cap * sizeof *g->path);
    g->path_label = mem(g->cap * sizeof *g->path_label);
    if (!g->parent || !g->parent_label || !g->path || !g->path_label) {
        g->failed = 1;
        return -1;
    }
    /* gc_refs: the references that do not come from tracked objects. */
    for (size_t e = 0; e < g->nedges; e++)
        g->refs[g->edge_to[e]]--;
    /* The queue reuses the path scratch array: every object enters once. */
    uint32_t *queue = g->path, head = 0, tail = 0;
    for (uint32_t i = 0; i < g->n; i++) {
        if (g->refs[i] > 0) {
            g->parent[i] = i;
            g->parent_label[i] = HG_NONE;
            queue[tail++] = i;
        } else {
            g->parent[i] = HG_NONE;
        }
    }
    g->nroots = tail;
    while (head < tail) {
        uint32_t u = queue[head++];
        for (uint32_t e = g->out_start[u]; e < g->out_start[u + 1]; e++) {
            uint32_t v = g->edge_to[e];
            if (g->parent[v] == HG_NONE) {
                g->parent[v] = u;
                g->parent_label[v] = g->edge_label[e];
                queue[tail++] = v;
            }
        }
    }
    g->nreached = tail;
    g->searched = 1;
    return 0;
}

uint32_t hg_path(struct hg_graph *g, uint32_t i, const uint32_t **nodes, const uint32_t **labels)
{
    if (!g->searched || i >= g->n || g->parent[i] == HG_NONE)
        return 0;
    /* Walk up to the root (the parent tree has no cycles: parents were
     * assigned in BFS order), then reverse. */
    uint32_t len = 0, v = i;
    for (;;) {
        g->path[len] = v;
        g->path_label[len] = g->parent_label[v];
        len++;
        if (g->parent[v] == v || len >= g->n)
            break;
        v = g->parent[v];
    }
    for (uint32_t a = 0, b = len - 1; a < b; a++, b--) {
        uint32_t t = g->path[a];
        g->path[a] = g->path[b];
        g->path[b] = t;
        t = g->path_label[a];
        g->path_label[a] = g->path_label[b];
        g->path_label[b] = t;
    }
    *nodes = g->path;
    *labels = g->path_label;
    return len;
}

void hg_free(struct hg_graph *g)
{
    unmem(g->refs, g->cap * sizeof *g->refs);
    unmem(g->slots, g->nslots * sizeof *g->slots);
    unmem(g->out_start, ((size_t)g->cap + 1) * sizeof *g->out_start);
    unmem(g->edge_to, g->ecap * sizeof *g->edge_to);
    unmem(g->edge_label, g->ecap * sizeof *g->edge_label);
    unmem(g->batch, BATCH * sizeof *g->batch);
    unmem(g->parent, g->cap * sizeof *g->parent);
    unmem(g->parent_label, g->cap * sizeof *g->parent_label);
    unmem(g->path, g->cap * sizeof *g->path);
    unmem(g->path_label, g->cap * sizeof *g->path_label);
    memset(g, 0, sizeof *g);
}
