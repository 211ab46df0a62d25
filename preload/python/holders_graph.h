/* holders_graph.h - "who holds it": the reference-path search, as pure C.
 *
 * The Python glue (py_holders.c) describes the gc-tracked heap to this
 * module as a graph: every object with its address and reference count,
 * then, object by object in the order they were added, the objects it
 * refers to (what its tp_traverse visits), each edge with an opaque label
 * (the glue passes the referent's ordinal in the traversal).  hg_search()
 * then finds the roots the way CPython's gc does (refcount minus the
 * references coming from tracked objects > 0: something outside the
 * tracked heap holds the object: a module table, a running frame, a C
 * extension) and runs one breadth-first search from all roots at once, so
 * hg_path() gives a shortest root -> object path for any object, or says
 * the object is reachable from no root (cyclic garbage awaiting
 * collection).
 *
 * No Python headers and no interpreter calls: unit-tested on its own
 * (tests/unit/holders).  Memory comes from ccx_mem_alloc (the tracer's own
 * allocator, never the traced malloc) and is all released by hg_free().
 * Cost: O(objects + edges) time; 60 to 90 bytes per object (the hash
 * table is a power of two of 16-byte slots) and 8 per edge.
 */
#ifndef HOLDERS_GRAPH_H
#define HOLDERS_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#define HG_NONE 0xffffffffu

/* Address -> index, open addressing; the address sits in the slot, so a
 * lookup that hits touches one cache line. */
struct hg_slot {
    uintptr_t addr;
    uint32_t idx1;            /* index + 1; 0 = empty */
};

struct hg_graph {
    uint32_t n, cap;          /* objects added, capacity (fixed by hg_init) */
    int64_t *refs;            /* [cap] refcount; after hg_search, gc_refs */
    struct hg_slot *slots;
    size_t nslots;            /* a power of two >= 2 * cap */
    uint32_t *out_start;      /* [cap + 1] first edge of each object */
    uint32_t *edge_to;        /* [ecap] */
    uint32_t *edge_label;     /* [ecap] */
    size_t nedges, ecap;      /* edges kept (to known objects) */
    uint32_t cur;             /* object whose edges are being added */
    uint32_t filled;          /* out_start[0..filled) are final */
    /* Edges wait here until a batch is full, then are looked up together
     * (prefetching the hash slots ahead: the lookups are what costs). */
    struct hg_pending { uintptr_t to; uint32_t label, from; } *batch;
    uint32_t nbatch;
    uint32_t *parent;         /* [cap] after hg_search: BFS parent, HG_NONE = unreached */
    uint32_t *parent_label;   /* [cap] label of the edge parent -> object */
    uint32_t *path;           /* [cap] scratch for hg_path: nodes */
    uint32_t *path_label;     /* [cap] scratch for hg_path: labels */
    uint32_t nroots, nreached;
    int searched, failed;
};

/* The hash slot of an address; hg_prefetch() before adding or finding it
 * some objects ahead hides the cache miss of a big table. */
static inline size_t hg_slot_of(const struct hg_graph *g, uintptr_t a)
{
    uint64_t h = (uint64_t)(a >> 4) * 0x9e3779b97f4a7c15ull;
    return (size_t)(h >> 32) & (g->nslots - 1);
}
static inline void hg_prefetch(const struct hg_graph *g, uintptr_t a)
{
    __builtin_prefetch(&g->slots[hg_slot_of(g, a)], 1);
}

/* Room for up to max_objects objects.  0 on success, -1 when out of memory. */
int hg_init(struct hg_graph *g, uint32_t max_objects);
/* Adds an object (addresses must be distinct); returns its index, or
 * HG_NONE when the graph is full or the address is already present. */
uint32_t hg_add_object(struct hg_graph *g, uintptr_t addr, int64_t refcount);
/* The index of the object at addr, or HG_NONE. */
uint32_t hg_find(const struct hg_graph *g, uintptr_t addr);
/* Edges of object `from` follow; objects must be visited in index order
 * (0, 1, 2, ...), each once, after every object has been added. */
void hg_begin_edges(struct hg_graph *g, uint32_t from);
/* An edge from the current object to the object at addr (dropped when no
 * object is at addr: an untracked object, which the gc does not see
 * either).  Returns 0, or -1 when out of memory (the graph is then marked
 * failed). */
int hg_add_edge(struct hg_graph *g, uintptr_t to, uint32_t label);
/* Roots and shortest paths.  0 on success, -1 on failure. */
int hg_search(struct hg_graph *g);

/* After hg_search: */
static inline int64_t hg_gc_refs(const struct hg_graph *g, uint32_t i) { return g->refs[i]; }
static inline int hg_is_root(const struct hg_graph *g, uint32_t i) { return g->refs[i] > 0; }
/* The path from a root to object i, root first, i last: returns its length
 * (>= 1; 1 when i is itself a root) and points *nodes at the object indices
 * and *labels at the label of the edge into each node (HG_NONE for the
 * root).  Valid until the next hg_path call.  0 when no root reaches i
 * (garbage). */
uint32_t hg_path(struct hg_graph *g, uint32_t i, const uint32_t **nodes, const uint32_t **labels);

void hg_free(struct hg_graph *g);

#endif
