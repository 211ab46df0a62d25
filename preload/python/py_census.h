/* py_census.h - the snapshot's "python" section: version, gc figures and
 * the census of gc-tracked objects by type (py_census.c), whose one walk
 * over the heap (py_heap.h) also serves the holders search. */
#ifndef PY_CENSUS_H
#define PY_CENSUS_H

#include "py_api.h"

struct py_options {
    int census;        /* CCXTRACE_CENSUS, default 1 */
    int gc_collect;    /* CCXTRACE_GC_COLLECT, default 0 */
};
CCX_INTERNAL extern struct py_options py_opt;

/* Write the section's value; the caller holds the GIL and ccx_guard. */
CCX_INTERNAL void py_census_write(struct ccx_json *j);
/* gc.get_count() and the collections per generation; GIL held.  0 on success. */
CCX_INTERNAL int py_census_gc_counts(long count[3], long collections[3]);

/* The census's count of one type. */
struct py_tcount {
    const void *type;             /* NULL in an empty slot */
    uint64_t count;
    uint64_t bytes;               /* the objects themselves, gc header included */
    uint64_t owned;               /* separately allocated storage (lists, dicts, sets) */
    int owns;                     /* what kind of storage they own, 0 in an empty slot */
    const char *name;             /* tp_name, or a module-qualified copy */
};

/* The census's table of types as its walk left it: an open-addressing
 * table keyed by the type object's address (PY_TYPE_SLOTS slots, at most
 * PY_TYPE_SLOTS / 2 probes; a type beyond that is counted with "<other
 * types>" only).  Handed to the holders search; valid until the next
 * census, and every type in it is alive until then. */
#define PY_TYPE_SLOTS 8192u
struct py_types {
    const struct py_tcount *slot;  /* PY_TYPE_SLOTS */
};
/* The slot of type t, or -1. */
static inline long py_types_find(const struct py_types *tt, const void *t)
{
    uint32_t i = (uint32_t)(((uintptr_t)t >> 4) * 2654435761u) & (PY_TYPE_SLOTS - 1);
    for (unsigned k = 0; k < PY_TYPE_SLOTS / 2; k++, i = (i + 1) & (PY_TYPE_SLOTS - 1)) {
        if (tt->slot[i].type == t)
            return (long)i;
        if (!tt->slot[i].type)
            return -1;
    }
    return -1;
}

#endif
