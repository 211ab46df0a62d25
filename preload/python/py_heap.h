/* py_heap.h - the census's one walk over the gc-tracked objects, and the
 * holders' copy of what it saw (py_heap.c).
 *
 * The walk follows the gc's own lists: generations 0, 1 and 2 in order,
 * each a circular list of PyGC_Heads from the interpreter's gc state (the
 * offsets in py_layout.h, checked at every walk against the gc's
 * thresholds and the lists' back links).  That is the order and the set
 * gc.get_objects() returns (not gc.freeze()'s permanent generation), but
 * without building a list of 8 bytes per object.  When the check fails, or
 * the version has no table, the walk reads gc.get_objects() instead.
 *
 * Sound only while the heap holds still: the caller holds the GIL, has
 * paused automatic collections, and runs no Python code between
 * py_heap_begin() and py_heap_end() (reading an object's memory and
 * CPython calls that only do arithmetic are fine); nothing can then be
 * freed, allocated or moved between lists under the walk.  Whoever uses
 * the objects after the walk keeps them alive itself (struct py_objs).
 */
#ifndef PY_HEAP_H
#define PY_HEAP_H

#include "py_api.h"
#include "py_read.h"

struct py_heap {
    const char *gens;       /* &generations[0].head, NULL when reading a list */
    const char *head, *cur; /* the generation's sentinel, the next PyGC_Head */
    unsigned gen;
    uint64_t steps;         /* a corrupt list ends the walk, never hangs it */
    PyObj *list;            /* gc.get_objects(), the fallback */
    ptrdiff_t i, n;
};

/* Starts a walk; thresholds: what gc.get_threshold() said just before (the
 * check of the lists' place), NULL when unknown.  0 on success, -1 when
 * not even gc.get_objects() worked (Python error cleared). */
CCX_INTERNAL int py_heap_begin(struct py_heap *h, const long *thresholds);
/* The walk went over the gc's lists (1) or a gc.get_objects() list (0). */
static inline int py_heap_direct(const struct py_heap *h) { return h->gens != NULL; }
CCX_INTERNAL void py_heap_end(struct py_heap *h);

#define PY_HEAP_MAX_STEPS ((uint64_t)1 << 32)

/* The next object (borrowed), NULL at the end. */
static inline PyObj *py_heap_next(struct py_heap *h)
{
    if (!h->gens)
        return h->i < h->n ? py.PyList_GetItem(h->list, h->i++) : NULL;
    while (h->cur == h->head) {
        if (++h->gen >= PY_GC_NGEN)
            return NULL;
        h->head = h->gens + h->gen * PY_GC_GEN_SIZE;
        h->cur = (const char *)py_ld_word(h->head, 0);
    }
    if (++h->steps > PY_HEAP_MAX_STEPS)
        return NULL;
    const char *g = h->cur;
    h->cur = (const char *)py_ld_word(g, 0);   /* _gc_next */
    return (PyObj *)(uintptr_t)(g + PY_GC_HEAD_SIZE);
}

/* Strong references to the objects of one walk, for the holders search,
 * which calls into the interpreter after the walk (memory from
 * ccx_mem_alloc; 8 bytes per object). */
struct py_objs {
    PyObj **v;
    size_t n, cap;           /* cap * sizeof *v bytes allocated */
    int failed;              /* out of memory: incomplete, do not use */
};
/* Sized for about `expect` objects (it grows when needed). */
CCX_INTERNAL int py_objs_init(struct py_objs *a, size_t expect);
/* Takes a reference to o (Py_IncRef). */
CCX_INTERNAL void py_objs_add(struct py_objs *a, PyObj *o);
/* Drops every reference (objects may be freed: their finalizers may run)
 * and the memory. */
CCX_INTERNAL void py_objs_release(struct py_objs *a);

#endif
