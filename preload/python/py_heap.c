/* py_heap.c - the census's walk over the gc-tracked objects and the
 * holders' references to them (see py_heap.h for the contract). */
#include "py_heap.h"
#include "ccx_mem.h"

#include <stdlib.h>
#include <string.h>

/* Test only (tests/integration/python/test_py_census_walk.sh): read
 * gc.get_objects() as when the lists' check fails. */
static int forced_list(void)
{
    static int v = -1;
    if (v < 0) {
        const char *e = getenv("CCXTRACE_PY_TEST_GC_OBJECTS");
        v = e && *e && *e != '0';
    }
    return v;
}

/* One generation's list as the gc keeps it: its threshold is the one
 * gc.get_threshold() reported, and the first and last heads link back to
 * the sentinel. */
static int generation_ok(const char *head, long threshold)
{
    uintptr_t first = py_ld_word(head, 0);
    uintptr_t last = py_ld_word(head, sizeof(void *)) & ~(uintptr_t)PY_GC_PREV_FLAGS;
    if (py_ld_int(head, PY_GC_GEN_THRESHOLD) != threshold || !first || !last)
        return 0;
    return (py_ld_word((const void *)first, sizeof(void *)) & ~(uintptr_t)PY_GC_PREV_FLAGS) ==
               (uintptr_t)head &&
           py_ld_word((const void *)last, 0) == (uintptr_t)head;
}

/* &generations[0].head of this thread's interpreter, or NULL when the
 * table does not check out. */
static const char *gc_lists(const long *thresholds)
{
    const struct py_layout *l = py_layout_running();
    if (forced_list() || !l || !thresholds || !py.PyInterpreterState_Get)
        return NULL;
    const char *interp = py.PyInterpreterState_Get();
    if (!interp)
        return NULL;
    const char *gens = interp + l->interp_gc + PY_GC_GENERATIONS;
    /* generation0 points at generations[0].head */
    if (py_ld_ptr(gens, PY_GC_GENERATION0 - PY_GC_GENERATIONS) != (const void *)gens)
        return NULL;
    for (unsigned g = 0; g < PY_GC_NGEN; g++)
        if (!generation_ok(gens + g * PY_GC_GEN_SIZE, thresholds[g]))
            return NULL;
    return gens;
}

int py_heap_begin(struct py_heap *h, const long *thresholds)
{
    memset(h, 0, sizeof *h);
    h->gens = gc_lists(thresholds);
    if (h->gens) {
        h->head = h->gens;
        h->cur = (const char *)py_ld_word(h->head, 0);
        return 0;
    }
    h->list = py_gc_call("get_objects");
    if (!h->list) {
        py.PyErr_Clear();
        return -1;
    }
    h->n = py.PyList_Size(h->list);
    return 0;
}

void py_heap_end(struct py_heap *h)
{
    if (h->list)
        py.Py_DecRef(h->list);
    h->list = NULL;
    h->gens = NULL;
}

int py_objs_init(struct py_objs *a, size_t expect)
{
    memset(a, 0, sizeof *a);
    a->cap = expect < 4096 ? 4096 : expect;
    a->v = ccx_mem_alloc(a->cap * sizeof *a->v);
    if (!a->v) {
        a->cap = 0;
        a->failed = 1;
        return -1;
    }
    return 0;
}

static int grow(struct py_objs *a)
{
    size_t cap = a->cap * 2;
    PyObj **v = ccx_mem_alloc(cap * sizeof *v);
    if (!v)
        return -1;
    memcpy(v, a->v, a->n * sizeof *v);
    ccx_mem_free(a->v, a->cap * sizeof *a->v);
    a->v = v;
    a->cap = cap;
    return 0;
}

void py_objs_add(struct py_objs *a, PyObj *o)
{
    if (a->failed || (a->n == a->cap && grow(a) != 0)) {
        a->failed = 1;
        return;
    }
    py.Py_IncRef(o);
    a->v[a->n++] = o;
}

void py_objs_release(struct py_objs *a)
{
    for (size_t i = 0; i < a->n; i++)
        py.Py_DecRef(a->v[i]);
    if (a->v)
        ccx_mem_free(a->v, a->cap * sizeof *a->v);
    memset(a, 0, sizeof *a);
}
