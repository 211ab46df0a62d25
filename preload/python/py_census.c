/* py_census.c - the census of a Python process, written as the snapshot's
 * "python" member (DESIGN.md, "Census"): gc counts, thresholds and
 * per-generation stats from the gc module, then every gc-tracked object
 * (gc.get_objects()) counted by type, with bytes = tp_basicsize +
 * |ob_size| * tp_itemsize + the gc header (the object itself, as
 * sys.getsizeof counts it for fixed-size objects) and, for lists, dicts
 * and sets (and their subclasses), owned_bytes: the storage they allocate
 * separately (item array, hash tables), so bytes + owned_bytes is what
 * sys.getsizeof says of them.
 * With CCXTRACE_GC_COLLECT=1 a second census follows gc.collect(), so the
 * analyzer can tell reclaimable cyclic garbage from reachable memory.
 * Runs on the snapshot writer's thread with the GIL held and ccx_guard
 * raised, so its own allocations are not traced; the time it took is
 * recorded as census_ms.
 */
#include "py_census.h"
#include "py_holders.h"
#include "ccx_format.h"
#include "ccx_clock.h"
#include "ccx_json.h"
#include "ccx_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GC_HEAD_BYTES 16          /* PyGC_Head: two words, 3.9-3.13 */
#define TYPE_SLOTS    8192u
#define TYPE_NAME_MAX 256

CCX_INTERNAL struct py_options py_opt = { .census = 1, .gc_collect = 0 };

struct tcount {
    const void *type;
    uint64_t count, bytes;
    uint64_t owned;               /* separately allocated storage (owned_bytes()) */
    int owns;                     /* enum owns, 0 in an empty slot */
    const char *name;             /* tp_name, or a qualified copy in names[] */
};

struct census {
    struct tcount *t;             /* TYPE_SLOTS slots */
    unsigned used;
    uint64_t other_count, other_bytes, other_owned;
    char (*names)[TYPE_NAME_MAX]; /* qualified names of clashing types */
    unsigned nnames;
    const void *frame_type;       /* PyFrame_Type from 3.11 on, else NULL */
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

static void write_gc(struct ccx_json *j)
{
    ccx_json_key(j, CCX_F_GC);
    ccx_json_begin_object(j);
    PyObj *r = py_gc_call("get_count");
    clear_err(r);
    write_triple(j, CCX_F_GC_COUNT, r, NULL);
    if (r)
        py.Py_DecRef(r);
    r = py_gc_call("get_threshold");
    clear_err(r);
    write_triple(j, CCX_F_GC_THRESHOLD, r, NULL);
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

static inline const void *ld_ptr(const void *base, uint32_t off)
{
    const void *v;
    memcpy(&v, (const char *)base + off, sizeof v);
    return v;
}

static inline ptrdiff_t ld_ssize(const void *base, uint32_t off)
{
    ptrdiff_t v;
    memcpy(&v, (const char *)base + off, sizeof v);
    return v;
}

/* What a type's objects own besides themselves, decided once per type. */
enum owns { OWNS_NOTHING = 1, OWNS_LIST, OWNS_DICT, OWNS_SET };

static enum owns owns_of(const void *t)
{
    unsigned long flags;
    memcpy(&flags, (const char *)t + PY_TP_FLAGS, sizeof flags);
    if (flags & PY_TPFLAGS_LIST_SUBCLASS)
        return OWNS_LIST;
    if ((flags & PY_TPFLAGS_DICT_SUBCLASS) && py.PyDict_SizeOf)
        return OWNS_DICT;
    if (py.PyType_IsSubtype && ((py.PySet_Type && py.PyType_IsSubtype((void *)t, py.PySet_Type)) ||
                                (py.PyFrozenSet_Type && py.PyType_IsSubtype((void *)t, py.PyFrozenSet_Type))))
        return OWNS_SET;
    return OWNS_NOTHING;
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
        ptrdiff_t n = ld_ssize(o, PY_LIST_ALLOCATED);
        return n > 0 && n < ((ptrdiff_t)1 << 40) ? (uint64_t)n * sizeof(void *) : 0;
    }
    case OWNS_DICT: {
        ptrdiff_t n = py.PyDict_SizeOf((PyObj *)o) - basic;
        return n > 0 ? (uint64_t)n : 0;
    }
    case OWNS_SET: {
        if (ld_ptr(o, PY_SET_TABLE) == (const char *)o + PY_SET_SMALLTABLE)
            return 0;
        ptrdiff_t mask = ld_ssize(o, PY_SET_MASK);
        return mask > 0 && mask < ((ptrdiff_t)1 << 40) ? (uint64_t)(mask + 1) * PY_SET_ENTRY_SIZE : 0;
    }
    default:
        return 0;
    }
}

static void count_object(struct census *c, const void *o)
{
    const void *t = ld_ptr(o, PY_OB_TYPE);
    ptrdiff_t basic = ld_ssize(t, PY_TP_BASICSIZE), item = ld_ssize(t, PY_TP_ITEMSIZE);
    uint64_t bytes = (uint64_t)basic + GC_HEAD_BYTES;
    /* Variable-size objects: ob_size items.  A frame since 3.11 has an
     * item size but no ob_size (that word is f_back): counted without its
     * trailing storage.  A count beyond 2^32 cannot be one. */
    if (item && t != c->frame_type) {
        ptrdiff_t n = ld_ssize(o, PY_OB_SIZE);
        uint64_t k = (uint64_t)(n < 0 ? -n : n);
        if (k < ((uint64_t)1 << 32))
            bytes += k * (uint64_t)item;
    }
    uint32_t i = (uint32_t)(((uintptr_t)t >> 4) * 2654435761u) & (TYPE_SLOTS - 1);
    for (unsigned k = 0; k < TYPE_SLOTS / 2; k++, i = (i + 1) & (TYPE_SLOTS - 1)) {
        struct tcount *e = &c->t[i];
        if (!e->type) {
            e->type = t;
            e->name = ld_ptr(t, PY_TP_NAME);
            e->owns = owns_of(t);
            c->used++;
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

static int by_name(const void *a, const void *b)
{
    const struct tcount *x = a, *y = b;
    if (!x->type || !y->type)
        return (x->type == NULL) - (y->type == NULL);
    return strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

static int by_bytes(const void *a, const void *b)
{
    const struct tcount *x = a, *y = b;
    uint64_t bx = x->bytes + x->owned, by = y->bytes + y->owned;
    if (bx != by)
        return bx < by ? 1 : -1;
    return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

/* "module.qualname" of a type, for names that clash. */
static void qualify(struct census *c, struct tcount *e)
{
    if (!c->names || c->nnames >= 512)
        return;
    PyObj *mod = py.PyObject_GetAttrString((PyObj *)e->type, "__module__");
    PyObj *qn = py.PyObject_GetAttrString((PyObj *)e->type, "__qualname__");
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

/* Counts every gc-tracked object by type and writes "types": [...]. */
static int census_types(struct ccx_json *j, struct census *c)
{
    memset(c->t, 0, TYPE_SLOTS * sizeof *c->t);
    c->used = 0;
    c->other_count = c->other_bytes = c->other_owned = 0;
    c->nnames = 0;
    PyObj *objs = py_gc_call("get_objects");
    if (!objs) {
        py.PyErr_Clear();
        return -1;
    }
    ptrdiff_t n = py.PyList_Size(objs);
    for (ptrdiff_t i = 0; i < n; i++)
        count_object(c, py.PyList_GetItem(objs, i));
    /* Names that two different types share get module-qualified. */
    qsort(c->t, TYPE_SLOTS, sizeof *c->t, by_name);
    for (unsigned i = 0; i + 1 < c->used; i++) {
        if (c->t[i].name && c->t[i + 1].name && strcmp(c->t[i].name, c->t[i + 1].name) == 0) {
            unsigned k = i + 1;
            while (k < c->used && c->t[k].name && strcmp(c->t[k].name, c->t[i].name) == 0)
                k++;
            for (unsigned m = i; m < k; m++)
                qualify(c, &c->t[m]);
            i = k - 1;
        }
    }
    qsort(c->t, c->used, sizeof *c->t, by_bytes);
    ccx_json_key(j, CCX_F_TYPES);
    ccx_json_begin_array(j);
    for (unsigned i = 0; i < c->used; i++) {
        ccx_json_begin_object(j);
        ccx_json_key(j, CCX_F_TYPE_NAME);
        ccx_json_string(j, c->t[i].name ? c->t[i].name : "?");
        ccx_json_key(j, CCX_F_TYPE_COUNT);
        ccx_json_u64(j, c->t[i].count);
        ccx_json_key(j, CCX_F_TYPE_BYTES);
        ccx_json_u64(j, c->t[i].bytes);
        if (c->t[i].owns != OWNS_NOTHING) {
            ccx_json_key(j, CCX_F_TYPE_OWNED);
            ccx_json_u64(j, c->t[i].owned);
        }
        ccx_json_end_object(j);
    }
    if (c->other_count) {
        ccx_json_begin_object(j);
        ccx_json_key(j, CCX_F_TYPE_NAME);
        ccx_json_string(j, "<other types>");
        ccx_json_key(j, CCX_F_TYPE_COUNT);
        ccx_json_u64(j, c->other_count);
        ccx_json_key(j, CCX_F_TYPE_BYTES);
        ccx_json_u64(j, c->other_bytes);
        ccx_json_key(j, CCX_F_TYPE_OWNED);
        ccx_json_u64(j, c->other_owned);
        ccx_json_end_object(j);
    }
    ccx_json_end_array(j);
    py.Py_DecRef(objs);
    return 0;
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

void py_census_write(struct ccx_json *j)
{
    int gc_was_on = gc_pause();
    ccx_json_begin_object(j);
    ccx_json_key(j, CCX_F_PY_VERSION);
    ccx_json_string(j, py.version);
    write_gc(j);
    if (py_opt.census) {
        static struct census c;
        double t0 = ccx_mono_ms();
        if (!c.t) {
            c.t = ccx_mem_alloc(TYPE_SLOTS * sizeof *c.t);
            c.names = ccx_mem_alloc(512 * sizeof *c.names);
            c.frame_type = py.minor >= 11 ? py.PyFrame_Type : NULL;
        }
        if (c.t && census_types(j, &c) == 0) {
            ccx_json_key(j, CCX_F_CENSUS_MS);
            ccx_json_double(j, ccx_mono_ms() - t0);
            /* "Who holds it" (docs/holders.md): before gc.collect(), so
             * garbage is still there to be reported. */
            py_holders_write(j);
            /* under memory pressure (CCXTRACE_PRESSURE) no second census */
            if (py_opt.gc_collect && !ccx_under_pressure()) {
                double t1 = ccx_mono_ms();
                PyObj *r = py_gc_call("collect");
                /* The traced heap once the garbage is gone: what the
                 * collection freed includes what the garbage owned (item
                 * arrays, buffers), which the census does not count. */
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
                census_types(j, &c);
                /* gc.collect() and the second census, together. */
                ccx_json_key(j, CCX_F_CENSUS_MS);
                ccx_json_double(j, ccx_mono_ms() - t1);
                ccx_json_end_object(j);
            }
        }
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
