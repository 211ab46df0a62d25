/* py_census.c - the census of a Python process, written as the snapshot's
 * "python" member (DESIGN.md, "Census"): gc counts, thresholds and
 * per-generation stats from the gc module, then every gc-tracked object
 * counted by type in one walk over the gc's lists (py_heap.c: the objects
 * gc.get_objects() would list, without the list), with bytes = tp_basicsize +
 * |ob_size| * tp_itemsize + the gc header (the object itself, as
 * sys.getsizeof counts it for fixed-size objects) and, for lists, dicts
 * and sets (and their subclasses), deques and 3.11+ instances (py_deep.c),
 * owned_bytes: the storage they allocate
 * separately (item array, hash tables), so bytes + owned_bytes is what
 * sys.getsizeof says of them.
 * With CCXTRACE_GC_COLLECT=1 a second census follows gc.collect(), so the
 * analyzer can tell reclaimable cyclic garbage from reachable memory.
 * The holders search (py_holders.c) works on the first census's walk: its
 * table of types and, when it searches, the objects the walk kept for it.
 * Runs on the snapshot writer's thread with the GIL held and ccx_guard
 * raised, so its own allocations are not traced; the time it took is
 * recorded as census_ms.
 */
#include "py_census.h"
#include "py_holders.h"
#include "py_deep.h"
#include "py_heap.h"
#include "py_read.h"
#include "ccx_format.h"
#include "ccx_clock.h"
#include "ccx_json.h"
#include "ccx_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TYPE_NAME_MAX 256
#define NAMES_MAX     512

CCX_INTERNAL struct py_options py_opt = { .census = 1, .gc_collect = 0 };

struct census {
    struct py_tcount *t;          /* PY_TYPE_SLOTS slots: the table by type */
    struct py_tcount **order;     /* PY_TYPE_SLOTS: the used slots, sorted to write */
    unsigned used;
    uint64_t other_count, other_bytes, other_owned;
    char (*names)[TYPE_NAME_MAX]; /* qualified names of clashing types */
    unsigned nnames;
    const void *frame_type;       /* PyFrame_Type from 3.11 on, else NULL */
    long thresholds[3];           /* gc.get_threshold(), for the walk's check */
    int have_thresholds;
    uint64_t last_total;          /* objects the last walk saw */
};

static void clear_err(const PyObj *r)
{
    if (!r)
        py.PyErr_Clear();
}

static void write_triple(struct ccx_json *j, const char *key, PyObj *tuple, long out[3])
{
    ccx_json_key(j, key);
    if (!tuple || py.PyTuple_Size(tuple) != 3) {
        ccx_json_null(j);
        return;
    }
    ccx_json_begin_array(j);
    for (int i = 0; i < 3; i++) {
        long v = py.PyLong_AsLong(py.PyTuple_GetItem(tuple, i));
        if (out)
            out[i] = v;
        ccx_json_i64(j, v);
    }
    ccx_json_end_array(j);
}

static long dict_long(PyObj *d, const char *k)
{
    PyObj *v = py.PyDict_GetItemString(d, k);
    return v ? py.PyLong_AsLong(v) : -1;
}

/* Writes "gc": {...}; thr gets gc.get_threshold() (-1 each when unknown). */
static void write_gc(struct ccx_json *j, long thr[3])
{
    thr[0] = thr[1] = thr[2] = -1;
    ccx_json_key(j, CCX_F_GC);
    ccx_json_begin_object(j);
    PyObj *r = py_gc_call("get_count");
    clear_err(r);
    write_triple(j, CCX_F_GC_COUNT, r, NULL);
    if (r)
        py.Py_DecRef(r);
    r = py_gc_call("get_threshold");
    clear_err(r);
    write_triple(j, CCX_F_GC_THRESHOLD, r, thr);
    if (r)
        py.Py_DecRef(r);
    r = py_gc_call("get_stats");
    clear_err(r);
    ccx_json_key(j, CCX_F_GC_STATS);
    if (r) {
        ccx_json_begin_array(j);
        ptrdiff_t n = py.PyList_Size(r);
        for (ptrdiff_t i = 0; i < n; i++) {
            PyObj *d = py.PyList_GetItem(r, i);
            ccx_json_begin_object(j);
            ccx_json_key(j, CCX_F_COLLECTIONS);
            ccx_json_i64(j, dict_long(d, "collections"));
            ccx_json_key(j, CCX_F_COLLECTED);
            ccx_json_i64(j, dict_long(d, "collected"));
            ccx_json_key(j, CCX_F_UNCOLLECTABLE);
            ccx_json_i64(j, dict_long(d, "uncollectable"));
            ccx_json_end_object(j);
        }
        ccx_json_end_array(j);
        py.Py_DecRef(r);
        py.PyErr_Clear();
    } else {
        ccx_json_null(j);
    }
    ccx_json_end_object(j);
}

/* What a type's objects own besides themselves, decided once per type. */
enum owns { OWNS_NOTHING = 1, OWNS_LIST, OWNS_DICT, OWNS_SET, OWNS_DEEP };

static enum owns owns_of(const void *t)
{
    unsigned long flags = py_ld_ulong(t, PY_TP_FLAGS);
    if (flags & PY_TPFLAGS_LIST_SUBCLASS)
        return OWNS_LIST;
    if ((flags & PY_TPFLAGS_DICT_SUBCLASS) && py.PyDict_SizeOf)
        return OWNS_DICT;
    if (py.PyType_IsSubtype && ((py.PySet_Type && py.PyType_IsSubtype((void *)t, py.PySet_Type)) ||
                                (py.PyFrozenSet_Type && py.PyType_IsSubtype((void *)t, py.PyFrozenSet_Type))))
        return OWNS_SET;
    int deep = py_deep_owns(t);  /* a deque's blocks, instances' values (py_deep.c) */
    return deep ? (enum owns)(OWNS_DEEP + deep) : OWNS_NOTHING;
}

/* Bytes an object owns in separate allocations, as its __sizeof__ (and so
 * sys.getsizeof) counts them: a list's item array, a dict's keys and
 * values tables (unless shared), a set's hash table once it outgrew the
 * inline one.  Read from the object (or _PyDict_SizeOf, which only does
 * arithmetic); nothing here runs Python code or allocates. */
static uint64_t owned_bytes(enum owns kind, const void *o, ptrdiff_t basic)
{
    switch (kind) {
    case OWNS_LIST: {
        ptrdiff_t n = py_ld_ssize(o, PY_LIST_ALLOCATED);
        return n > 0 && n < ((ptrdiff_t)1 << 40) ? (uint64_t)n * sizeof(void *) : 0;
    }
    case OWNS_DICT: {
        ptrdiff_t n = py.PyDict_SizeOf((PyObj *)o) - basic;
        return n > 0 ? (uint64_t)n : 0;
    }
    case OWNS_SET: {
        if (py_ld_ptr(o, PY_SET_TABLE) == (const char *)o + PY_SET_SMALLTABLE)
            return 0;
        ptrdiff_t mask = py_ld_ssize(o, PY_SET_MASK);
        return mask > 0 && mask < ((ptrdiff_t)1 << 40) ? (uint64_t)(mask + 1) * PY_SET_ENTRY_SIZE : 0;
    }
    default:
        return kind > OWNS_DEEP ? py_deep_owned(kind - OWNS_DEEP, o) : 0;
    }
}

/* The census's step per object: counted under its type, with the bytes
 * formula of the file's top comment.  Reads the object and its type only:
 * no Python code runs and nothing is allocated (the walk relies on it).  A
 * type seen for the first time gets a reference, dropped once the census
 * and the holders search are over (release_types), so the names and the
 * table stay valid whatever runs meanwhile. */
static void count_object(struct census *c, const void *o)
{
    const void *t = py_ld_ptr(o, PY_OB_TYPE);
    ptrdiff_t basic = py_ld_ssize(t, PY_TP_BASICSIZE), item = py_ld_ssize(t, PY_TP_ITEMSIZE);
    uint64_t bytes = (uint64_t)basic + PY_GC_HEAD_SIZE;
    /* Variable-size objects: ob_size items.  A frame since 3.11 has an
     * item size but no ob_size (that word is f_back): counted without its
     * trailing storage.  A count beyond 2^32 cannot be one. */
    if (item && t != c->frame_type) {
        ptrdiff_t n = py_ld_ssize(o, PY_OB_SIZE);
        uint64_t k = (uint64_t)(n < 0 ? -n : n);
        if (k < ((uint64_t)1 << 32))
            bytes += k * (uint64_t)item;
    }
    uint32_t i = (uint32_t)(((uintptr_t)t >> 4) * 2654435761u) & (PY_TYPE_SLOTS - 1);
    for (unsigned k = 0; k < PY_TYPE_SLOTS / 2; k++, i = (i + 1) & (PY_TYPE_SLOTS - 1)) {
        struct py_tcount *e = &c->t[i];
        if (!e->type) {
            e->type = t;
            e->name = py_ld_ptr(t, PY_TP_NAME);
            e->owns = owns_of(t);
            py.Py_IncRef((PyObj *)(uintptr_t)t);
            c->order[c->used++] = e;
        }
        if (e->type == t) {
            e->count++;
            e->bytes += bytes;
            if (e->owns != OWNS_NOTHING)
                e->owned += owned_bytes(e->owns, o, basic);
            return;
        }
    }
    c->other_count++;
    c->other_bytes += bytes;
    c->other_owned += owned_bytes(owns_of(t), o, basic);
}

/* The walk: every gc-tracked object counted, and kept for the holders
 * search when it asked (keep).  0, or -1 when there was no walk. */
static int count_heap(struct census *c, struct py_objs *keep, int deep)
{
    memset(c->t, 0, PY_TYPE_SLOTS * sizeof *c->t);
    c->used = 0;
    c->other_count = c->other_bytes = c->other_owned = 0;
    c->nnames = 0;
    struct py_heap h;
    if (py_heap_begin(&h, c->have_thresholds ? c->thresholds : NULL) != 0)
        return -1;
    for (PyObj *o; (o = py_heap_next(&h)) != NULL;) {
        count_object(c, o);
        if (deep)
            py_deep_visit(o);
        if (keep)
            py_objs_add(keep, o);
    }
    py_heap_end(&h);
    return 0;
}

static void release_types(struct census *c)
{
    for (unsigned i = 0; i < c->used; i++)
        py.Py_DecRef((PyObj *)(uintptr_t)c->order[i]->type);
    c->used = 0;
}

static int by_name(const void *a, const void *b)
{
    const struct py_tcount *x = *(const struct py_tcount *const *)a;
    const struct py_tcount *y = *(const struct py_tcount *const *)b;
    return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

static int by_bytes(const void *a, const void *b)
{
    const struct py_tcount *x = *(const struct py_tcount *const *)a;
    const struct py_tcount *y = *(const struct py_tcount *const *)b;
    uint64_t bx = x->bytes + x->owned, by = y->bytes + y->owned;
    if (bx != by)
        return bx < by ? 1 : -1;
    return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

/* "module.qualname" of a type, for names that clash. */
static void qualify(struct census *c, struct py_tcount *e)
{
    if (!c->names || c->nnames >= NAMES_MAX)
        return;
    PyObj *mod = py.PyObject_GetAttrString((PyObj *)(uintptr_t)e->type, "__module__");
    PyObj *qn = py.PyObject_GetAttrString((PyObj *)(uintptr_t)e->type, "__qualname__");
    const char *m = mod ? py.PyUnicode_AsUTF8(mod) : NULL;
    const char *q = qn ? py.PyUnicode_AsUTF8(qn) : NULL;
    py.PyErr_Clear();
    char *d = c->names[c->nnames];
    snprintf(d, TYPE_NAME_MAX, "%s.%s", m ? m : "?", q ? q : (e->name ? e->name : "?"));
    if (mod)
        py.Py_DecRef(mod);
    if (qn)
        py.Py_DecRef(qn);
    e->name = d;
    c->nnames++;
}

/* Names that two different types share get module-qualified. */
static void qualify_clashes(struct census *c)
{
    qsort(c->order, c->used, sizeof *c->order, by_name);
    for (unsigned i = 0; i + 1 < c->used; i++) {
        const char *n = c->order[i]->name;
        if (!n || !c->order[i + 1]->name || strcmp(n, c->order[i + 1]->name) != 0)
            continue;
        unsigned k = i + 1;
        while (k < c->used && c->order[k]->name && strcmp(c->order[k]->name, n) == 0)
            k++;
        for (unsigned m = i; m < k; m++)
            qualify(c, c->order[m]);
        i = k - 1;
    }
}

static void write_type(struct ccx_json *j, const char *name, uint64_t count, uint64_t bytes,
                       int has_owned, uint64_t owned)
{
    ccx_json_begin_object(j);
    ccx_json_key(j, CCX_F_TYPE_NAME);
    ccx_json_string(j, name);
    ccx_json_key(j, CCX_F_TYPE_COUNT);
    ccx_json_u64(j, count);
    ccx_json_key(j, CCX_F_TYPE_BYTES);
    ccx_json_u64(j, bytes);
    if (has_owned) {
        ccx_json_key(j, CCX_F_TYPE_OWNED);
        ccx_json_u64(j, owned);
    }
    ccx_json_end_object(j);
}

/* "types": [...], largest first. */
static void write_types(struct ccx_json *j, struct census *c)
{
    qualify_clashes(c);
    qsort(c->order, c->used, sizeof *c->order, by_bytes);
    ccx_json_key(j, CCX_F_TYPES);
    ccx_json_begin_array(j);
    for (unsigned i = 0; i < c->used; i++) {
        const struct py_tcount *e = c->order[i];
        write_type(j, e->name ? e->name : "?", e->count, e->bytes, e->owns != OWNS_NOTHING, e->owned);
    }
    if (c->other_count)
        write_type(j, "<other types>", c->other_count, c->other_bytes, 1, c->other_owned);
    ccx_json_end_array(j);
}

/* One census: the walk, "types" and census_ms (since t0); the first of a
 * snapshot also the deep census (python.deep, visited in the same walk)
 * and the "who holds it" search on the same walk's objects.  -1 with
 * nothing written when there was no walk. */
static int census_pass(struct ccx_json *j, struct census *c, double t0, int first)
{
    enum py_holders_plan plan = first ? py_holders_plan() : PY_HOLDERS_OFF;
    struct py_objs objs;
    int keep = plan == PY_HOLDERS_SEARCH && py_objs_init(&objs, c->last_total + c->last_total / 8) == 0;
    /* the deep census (py_deep.c) visits the same walk's objects */
    int deep = first && py_deep_begin(c->last_total);
    if (count_heap(c, keep ? &objs : NULL, deep) != 0) {
        if (keep)
            py_objs_release(&objs);
        if (first)
            py_deep_end();
        release_types(c);
        return -1;
    }
    c->last_total = c->other_count;
    for (unsigned i = 0; i < c->used; i++)
        c->last_total += c->order[i]->count;
    write_types(j, c);
    if (first) {
        py_deep_write(j);
        py_deep_end();
    }
    ccx_json_key(j, CCX_F_CENSUS_MS);
    ccx_json_double(j, ccx_mono_ms() - t0);
    if (plan != PY_HOLDERS_OFF) {
        struct py_types tt = { c->t };
        py_holders_write(j, plan, &tt, keep ? &objs : NULL);
    }
    if (keep)
        py_objs_release(&objs);
    release_types(c);
    return 0;
}

/* CCXTRACE_GC_COLLECT=1: gc.collect(), then the census once more (a
 * second walk: the heap changed), as "after_collect". */
static void after_collect(struct ccx_json *j, struct census *c)
{
    double t1 = ccx_mono_ms();
    PyObj *r = py_gc_call("collect");
    /* The traced heap once the garbage is gone: what the collection freed
     * includes what the garbage owned (item arrays, buffers), which the
     * census does not count. */
    uint64_t live_bytes, live_blocks;
    ccx_live_estimate(&live_bytes, &live_blocks);
    ccx_json_key(j, CCX_F_AFTER_COLLECT);
    ccx_json_begin_object(j);
    ccx_json_key(j, CCX_F_COLLECTED);
    if (r) {
        ccx_json_i64(j, py.PyLong_AsLong(r));
        py.Py_DecRef(r);
    } else {
        py.PyErr_Clear();
        ccx_json_null(j);
    }
    ccx_json_key(j, CCX_F_LIVE_BYTES);
    ccx_json_u64(j, live_bytes);
    ccx_json_key(j, CCX_F_LIVE_BLOCKS);
    ccx_json_u64(j, live_blocks);
    /* census_ms: gc.collect() and the second census, together */
    if (census_pass(j, c, t1, 0) != 0) {
        ccx_json_key(j, CCX_F_CENSUS_MS);
        ccx_json_double(j, ccx_mono_ms() - t1);
    }
    ccx_json_end_object(j);
}

/* Automatic collections off while the census runs: no finalizer (user
 * code) runs on the snapshot thread, and the heap holds still while it is
 * counted.  Returns whether they were on. */
static int gc_pause(void)
{
    PyObj *r = py_gc_call("isenabled");
    int was = r ? py.PyObject_IsTrue(r) == 1 : 0;
    if (r)
        py.Py_DecRef(r);
    if (was) {
        r = py_gc_call("disable");
        if (r)
            py.Py_DecRef(r);
    }
    py.PyErr_Clear();
    return was;
}

static void gc_resume(int was)
{
    if (!was)
        return;
    PyObj *r = py_gc_call("enable");
    if (r)
        py.Py_DecRef(r);
    py.PyErr_Clear();
}

static struct census *census_state(void)
{
    static struct census c;
    if (!c.t) {
        c.t = ccx_mem_alloc(PY_TYPE_SLOTS * sizeof *c.t);
        c.order = ccx_mem_alloc(PY_TYPE_SLOTS * sizeof *c.order);
        c.names = ccx_mem_alloc(NAMES_MAX * sizeof *c.names);
        c.frame_type = py.minor >= 11 ? py.PyFrame_Type : NULL;
    }
    return c.t && c.order ? &c : NULL;
}

/* Writes "interpreter": {"id", "main"}: the one whose GIL this thread
 * holds (the helper's PyGILState_Ensure takes the main interpreter's), so
 * the one whose gc lists the census walks (py_heap.c).  Sub-interpreters'
 * objects are not counted; their allocations still are, with their own
 * frames (py_frames.c). */
static void write_interpreter(struct ccx_json *j)
{
    void *interp = py.PyInterpreterState_Get ? py.PyInterpreterState_Get() : NULL;
    if (!interp || !py.PyInterpreterState_GetID || !py.PyInterpreterState_Main)
        return;
    ccx_json_key(j, CCX_F_PY_INTERP);
    ccx_json_begin_object(j);
    ccx_json_key(j, CCX_F_PY_INTERP_ID);
    ccx_json_i64(j, py.PyInterpreterState_GetID(interp));
    ccx_json_key(j, CCX_F_PY_INTERP_MAIN);
    ccx_json_bool(j, interp == py.PyInterpreterState_Main());
    ccx_json_end_object(j);
}

void py_census_write(struct ccx_json *j)
{
    int gc_was_on = gc_pause();
    long thr[3];
    ccx_json_begin_object(j);
    ccx_json_key(j, CCX_F_PY_VERSION);
    ccx_json_string(j, py.version);
    write_interpreter(j);
    write_gc(j, thr);
    struct census *c = py_opt.census ? census_state() : NULL;
    if (c) {
        memcpy(c->thresholds, thr, sizeof thr);
        c->have_thresholds = thr[0] >= 0;
        /* "Who holds it" (docs/holders.md) in the same pass: before
         * gc.collect(), so garbage is still there to be reported.  Under
         * memory pressure (CCXTRACE_PRESSURE) no second census. */
        if (census_pass(j, c, ccx_mono_ms(), 1) == 0 && py_opt.gc_collect && !ccx_under_pressure())
            after_collect(j, c);
    }
    ccx_json_end_object(j);
    gc_resume(gc_was_on);
}

int py_census_gc_counts(long count[3], long collections[3])
{
    PyObj *r = py_gc_call("get_count");
    if (!r || py.PyTuple_Size(r) != 3) {
        if (r)
            py.Py_DecRef(r);
        py.PyErr_Clear();
        return -1;
    }
    for (int i = 0; i < 3; i++)
        count[i] = py.PyLong_AsLong(py.PyTuple_GetItem(r, i));
    py.Py_DecRef(r);
    r = py_gc_call("get_stats");
    if (!r) {
        py.PyErr_Clear();
        return -1;
    }
    for (int i = 0; i < 3; i++)
        collections[i] = i < py.PyList_Size(r) ? dict_long(py.PyList_GetItem(r, i), "collections") : 0;
    py.Py_DecRef(r);
    py.PyErr_Clear();
    return 0;
}
