/* py_holders.c - "who holds it": reference paths to the objects that grow
 * (docs/holders.md), written as the snapshot's python.holders member.
 *
 * Called by the Python layer's section writer (py_census.c) after the
 * census, with the GIL and ccx_guard held, on the helper thread (or the
 * exit snapshot's atexit callback): never in a signal handler, never while
 * the interpreter finalizes.  Steps:
 *   1. gc.get_objects() (automatic collections paused meanwhile; the list
 *      keeps every object alive until we are done), counted by type and
 *      compared with the counts of the previous snapshot, to pick the top
 *      CCXTRACE_HOLDERS growing types (by bytes, then count) and those
 *      named in CCXTRACE_HOLDERS_TYPES;
 *   2. the object graph: every tracked object with its refcount (minus the
 *      list's own reference) and the objects its tp_traverse visits, the
 *      same view the gc has;
 *   3. holders_graph.c finds the roots (refcount minus references from
 *      tracked objects > 0) and shortest root -> object paths;
 *   4. for CCXTRACE_HOLDERS_SAMPLES instances per type, spread over the
 *      instances, the path is described: each object's type, a label for
 *      the edge into it (dict key, attribute or module global, list/tuple
 *      index, frame local) and a short description (<= 60 bytes) built
 *      from the object's fields, never by calling its __repr__ (no user
 *      code runs here).  Labels are looked up only for the edges on the
 *      paths, through the C API and identity comparisons.
 * The graph and every buffer come from ccx_mem_alloc and are freed before
 * returning; only the previous snapshot's per-type counts are kept.
 */
#include "py_holders.h"
#include "py_api.h"
#include "holders_graph.h"
#include "ccx_format.h"
#include "ccx_clock.h"
#include "ccx_json.h"
#include "ccx_mem.h"
#include "ccx_options.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* PyTypeObject fields, fixed in 3.9-3.13 (x86-64/aarch64 LP64). */
#define TP_GETATTRO  144u
#define TP_FLAGS     168u
#define TP_TRAVERSE  184u
#define TP_BASE      256u
#define TP_DICT      264u
#define TP_BASES     336u
#define TP_MRO       344u
#define F_HEAPTYPE   (1ul << 9)
#define F_LIST       (1ul << 25)
#define F_TUPLE      (1ul << 26)
#define F_UNICODE    (1ul << 28)
#define F_DICT       (1ul << 29)
#define F_EXC        (1ul << 30)
#define F_TYPE       (1ul << 31)
#define GC_HEAD_BYTES 16
#define CELL_REF     16u   /* PyCellObject.ob_ref */

#define SNIP         60    /* bytes of a description or label */
#define MAX_NAMED    CCX_HOLDERS_TYPES_MAX
#define MAX_PICK     80
#define MAX_SAMPLES  CCX_HOLDERS_SAMPLES_MAX
#define SHOW_HEAD    8     /* a long path keeps its first and last elements */
#define SHOW_TAIL    15
#define TSLOTS       8192u

typedef int (*visitproc)(PyObj *, void *);
typedef int (*traverseproc)(PyObj *, visitproc, void *);

/* The few C-API entries the Python layer's table (py_api.c) lacks. */
static struct {
    int (*PyDict_Next)(PyObj *, ptrdiff_t *, PyObj **, PyObj **);
    ptrdiff_t (*PyDict_Size)(PyObj *);
    PyObj *(*PyObject_GenericGetDict)(PyObj *, void *);
    PyObj *(*PyObject_GenericGetAttr)(PyObj *, PyObj *);
    PyObj *(*PyModule_GetDict)(PyObj *);
    PyObj *(*PySys_GetObject)(const char *);
    const void *PyModule_Type, *PyCell_Type, *PyTraceBack_Type, *PyFunction_Type;
    const void *PyList_Type, *PyDict_Type, *PyTuple_Type, *PyLong_Type;
} hx;

static struct {
    int state;                    /* 0 unread, 1 on, -1 off */
    int top, samples, nnamed;
    char named[MAX_NAMED][CCX_HOLDERS_NAME_LEN];
} opt;

/* Counts per type: the previous snapshot's are kept (prev), the current
 * ones are built in a scratch table. */
struct tslot {
    const void *type;
    uint64_t name_hash;
    uint64_t count, bytes;
    uint64_t prev_count, prev_bytes;
    int had_prev;
    int pick;                     /* index + 1 into the picked types */
    uint64_t seen;
};
static struct tslot *prev;        /* TSLOTS, persistent */
static int have_prev;

struct pick {
    const void *type;
    const char *why;
    uint64_t count, growth_count;
    int64_t growth_bytes;
    int has_growth;
    uint32_t nsamples;
    uint32_t sample[MAX_SAMPLES]; /* object indices */
};

static void warn(const char *msg)
{
    char buf[300];
    int n = snprintf(buf, sizeof buf, "ccxtrace: holders: %s\n", msg);
    if (n > (int)sizeof buf - 1)
        n = (int)sizeof buf - 1;
    ssize_t w = write(2, buf, (size_t)n);
    (void)w;
}

static inline const void *ld_ptr(const void *base, uint32_t off)
{
    const void *v;
    memcpy(&v, (const char *)base + off, sizeof v);
    return v;
}

static inline int64_t ld_i64(const void *base, uint32_t off)
{
    int64_t v;
    memcpy(&v, (const char *)base + off, sizeof v);
    return v;
}

static inline const void *type_of(const void *o) { return ld_ptr(o, PY_OB_TYPE); }
static inline unsigned long tflags(const void *t) { return (unsigned long)ld_i64(t, TP_FLAGS); }
static inline const char *tname(const void *t)
{
    const char *n = ld_ptr(t, PY_TP_NAME);
    return n ? n : "?";
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* ---- options ---------------------------------------------------------
 * CCXTRACE_HOLDERS, CCXTRACE_HOLDERS_SAMPLES and CCXTRACE_HOLDERS_TYPES
 * are read at start, checked and reported when bad by the core's option
 * table (ccx_options.c); here they are copied once, at the first snapshot. */

static void read_options(void)
{
    const struct ccx_options *o = ccx_opts();
    opt.top = o->holders;
    opt.samples = o->holders_samples;
    int n = o->holders_types.n;
    opt.nnamed = 0;
    for (int i = 0; i < n && i < MAX_NAMED; i++)
        snprintf(opt.named[opt.nnamed++], sizeof opt.named[0], "%s", o->holders_types.name[i]);
}

/* The entries we need beyond py_api.c's, and a check that the type
 * object fields we read are where we expect them. */
static int load_api(void)
{
#define L(f, n) (*(void **)&hx.f = dlsym(RTLD_DEFAULT, n))
    L(PyDict_Next, "PyDict_Next");
    L(PyDict_Size, "PyDict_Size");
    L(PyObject_GenericGetDict, "PyObject_GenericGetDict");
    L(PyObject_GenericGetAttr, "PyObject_GenericGetAttr");
    L(PyModule_GetDict, "PyModule_GetDict");
    L(PySys_GetObject, "PySys_GetObject");
    L(PyModule_Type, "PyModule_Type");
    L(PyCell_Type, "PyCell_Type");
    L(PyTraceBack_Type, "PyTraceBack_Type");
    L(PyFunction_Type, "PyFunction_Type");
    L(PyList_Type, "PyList_Type");
    L(PyDict_Type, "PyDict_Type");
    L(PyTuple_Type, "PyTuple_Type");
    L(PyLong_Type, "PyLong_Type");
#undef L
    if (!hx.PyDict_Next || !hx.PyDict_Size || !hx.PyObject_GenericGetDict || !hx.PyObject_GenericGetAttr ||
        !hx.PyModule_GetDict || !hx.PySys_GetObject || !hx.PyModule_Type || !hx.PyCell_Type ||
        !hx.PyTraceBack_Type || !hx.PyFunction_Type || !hx.PyList_Type || !hx.PyDict_Type ||
        !hx.PyTuple_Type || !hx.PyLong_Type)
        return -1;
    /* list, dict and tuple say what they are in tp_flags, are gc types
     * (tp_traverse set) and int is not. */
    if (!(tflags(hx.PyList_Type) & F_LIST) || !(tflags(hx.PyDict_Type) & F_DICT) ||
        !(tflags(hx.PyTuple_Type) & F_TUPLE) || !ld_ptr(hx.PyList_Type, TP_TRAVERSE) ||
        !ld_ptr(hx.PyDict_Type, TP_TRAVERSE) || ld_ptr(hx.PyLong_Type, TP_TRAVERSE) ||
        strcmp(tname(hx.PyList_Type), "list") != 0)
        return -1;
    return 0;
}

/* ---- gc module helpers -------------------------------------------------- */

static void gc_call_drop(const char *fn)
{
    PyObj *r = py_gc_call(fn);
    if (r)
        py.Py_DecRef(r);
    py.PyErr_Clear();
}

/* ---- text ------------------------------------------------------------- */

/* Copies at most SNIP bytes of s (cut on a UTF-8 boundary, "..." marking
 * the cut) with an optional prefix and suffix. */
static void snip(char *out, const char *pre, const char *s, const char *post)
{
    char tmp[SNIP * 2 + 16];
    size_t pl = strlen(pre), sl = strlen(post), room = SNIP - pl - sl;
    size_t n = strlen(s);
    int cut = 0;
    if (pl + sl + 3 >= SNIP) {
        pre = post = "";
        pl = sl = 0;
        room = SNIP;
    }
    if (n > room) {
        n = room - 3;
        while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
        cut = 1;
    }
    memcpy(tmp, pre, pl);
    memcpy(tmp + pl, s, n);
    size_t k = pl + n;
    if (cut) {
        memcpy(tmp + k, "...", 3);
        k += 3;
    }
    memcpy(tmp + k, post, sl);
    k += sl;
    tmp[k] = 0;
    for (char *p = tmp; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    memcpy(out, tmp, k + 1);
}

static const char *str_utf8(PyObj *o)
{
    if (!o || !(tflags(type_of(o)) & F_UNICODE))
        return NULL;
    const char *s = py.PyUnicode_AsUTF8(o);
    if (!s)
        py.PyErr_Clear();
    return s;
}

/* A string attribute of a built-in object (e.g. a code object's name). */
static void attr_text(PyObj *o, const char *name, char *out, size_t n)
{
    out[0] = 0;
    PyObj *v = py.PyObject_GetAttrString(o, name);
    if (!v) {
        py.PyErr_Clear();
        return;
    }
    const char *s = str_utf8(v);
    if (s)
        snprintf(out, n, "%s", s);
    py.Py_DecRef(v);
}

/* A dict key as a label. */
static void key_text(PyObj *k, char *out)
{
    const char *s = str_utf8(k);
    if (s) {
        snip(out, "", s, "");
        return;
    }
    if (type_of(k) == hx.PyLong_Type) {
        long v = py.PyLong_AsLong(k);
        py.PyErr_Clear();
        snprintf(out, SNIP + 1, "%ld", v);
        return;
    }
    snip(out, "<", tname(type_of(k)), " key>");
}

static const char *module_name(PyObj *mod, char *buf, size_t n)
{
    buf[0] = 0;
    PyObj *d = hx.PyModule_GetDict(mod);
    const char *s = d ? str_utf8(py.PyDict_GetItemString(d, "__name__")) : NULL;
    snprintf(buf, n, "%s", s ? s : "?");
    return buf;
}

/* The module whose globals dict d is (borrowed), or NULL. */
static PyObj *module_of_dict(const PyObj *d)
{
    PyObj *mods = hx.PySys_GetObject("modules");
    if (!mods || !(tflags(type_of(mods)) & F_DICT))
        return NULL;
    ptrdiff_t pos = 0;
    PyObj *k, *v;
    while (hx.PyDict_Next(mods, &pos, &k, &v))
        if (v && type_of(v) == hx.PyModule_Type && hx.PyModule_GetDict(v) == d)
            return v;
    return NULL;
}

/* The name and line of the function a frame runs. */
static void frame_text(PyObj *f, char *out)
{
    char name[128] = "?", file[256] = "";
    PyObj *code = py.PyFrame_GetCode ? py.PyFrame_GetCode(f) : NULL;
    if (code) {
        attr_text(code, py.minor >= 11 ? "co_qualname" : "co_name", name, sizeof name);
        attr_text(code, "co_filename", file, sizeof file);
        py.Py_DecRef(code);
    }
    int line = py.PyFrame_GetLineNumber(f);
    const char *base = strrchr(file, '/');
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s (%s:%d)", name, base ? base + 1 : file, line);
    snip(out, "frame of ", tmp, "");
}

/* Exception fields (PyBaseExceptionObject): dict, args, then (3.11+)
 * notes, traceback, context, cause. */
static PyObj *exc_field(PyObj *e, const char *which)
{
    int n311 = py.minor >= 11;
    uint32_t off = !strcmp(which, "__dict__") ? 16 : !strcmp(which, "args") ? 24
                 : !strcmp(which, "__notes__") ? (n311 ? 32 : 0)
                 : !strcmp(which, "__traceback__") ? (n311 ? 40 : 32)
                 : !strcmp(which, "__context__") ? (n311 ? 48 : 40)
                 : !strcmp(which, "__cause__") ? (n311 ? 56 : 48) : 0;
    return off ? (PyObj *)ld_ptr(e, off) : NULL;
}

/* A short description of an object, from its fields (no __repr__). */
static void describe(PyObj *o, char *out)
{
    const void *t = type_of(o);
    unsigned long f = tflags(t);
    const char *tn = tname(t);
    char buf[160];
    if (t == hx.PyModule_Type) {
        char m[128];
        snip(out, "module '", module_name(o, m, sizeof m), "'");
    } else if (f & F_UNICODE) {
        const char *s = str_utf8(o);
        snip(out, "'", s ? s : "?", "'");
    } else if (f & F_DICT) {
        PyObj *mod = module_of_dict(o);
        if (o == hx.PySys_GetObject("modules")) {
            snprintf(buf, sizeof buf, "sys.modules (%td modules)", hx.PyDict_Size(o));
            snip(out, "", buf, "");
        } else if (mod) {
            char m[128];
            snip(out, "globals of module '", module_name(mod, m, sizeof m), "'");
        } else {
            snprintf(buf, sizeof buf, "%s of %td items", tn, hx.PyDict_Size(o));
            snip(out, "", buf, "");
        }
    } else if (f & (F_LIST | F_TUPLE)) {
        ptrdiff_t n = (f & F_LIST) ? py.PyList_Size(o) : py.PyTuple_Size(o);
        snprintf(buf, sizeof buf, "%s of %td items", tn, n);
        snip(out, "", buf, "");
    } else if (f & F_TYPE) {
        snip(out, "class '", tname(o), "'");
    } else if (f & F_EXC) {
        PyObj *args = exc_field(o, "args");
        const char *msg = NULL;
        if (args && (tflags(type_of(args)) & F_TUPLE) && py.PyTuple_Size(args) > 0)
            msg = str_utf8(py.PyTuple_GetItem(args, 0));
        py.PyErr_Clear();
        snprintf(buf, sizeof buf, "%s: %s", tn, msg ? msg : "");
        snip(out, "", buf, "");
    } else if (t == py.PyFrame_Type) {
        frame_text(o, out);
    } else if (t == hx.PyTraceBack_Type) {
        PyObj *ln = py.PyObject_GetAttrString(o, "tb_lineno");
        long l = ln ? py.PyLong_AsLong(ln) : -1;
        if (ln)
            py.Py_DecRef(ln);
        py.PyErr_Clear();
        snprintf(buf, sizeof buf, "traceback, line %ld", l);
        snip(out, "", buf, "");
    } else if (t == hx.PyFunction_Type) {
        char q[128];
        attr_text(o, "__qualname__", q, sizeof q);
        snip(out, "function ", q, "()");
    } else if (t == py.PyCode_Type) {
        char q[128];
        attr_text(o, "co_name", q, sizeof q);
        snip(out, "code of ", q, "");
    } else {
        snip(out, "", tn, " object");
    }
}

/* ---- edge labels -------------------------------------------------------- */

struct elem {
    PyObj *o;
    const char *via;
    char label[SNIP + 4];
    char type[SNIP + 4];
    char repr[SNIP + 4];
    char detail[SNIP + 4];
    int64_t refs;
    int skip;
};

static int via_is(const struct elem *e, const char *v)
{
    return e->via && !strcmp(e->via, v);
}

/* A frame's local variables, read in place: the names from its code
 * object, the values from its fast locals (no f_locals: that builds a dict
 * inside the frame, which on 3.9-3.12 keeps the values alive).  Before
 * 3.11 they follow the frame object's fixed part (tp_basicsize minus the
 * one-slot array); from 3.11 on the frame object points at its
 * _PyInterpreterFrame (f_frame, after f_back), whose localsplus follow 72
 * bytes of fields in 3.11-3.13; the frame's code pointer (3.11: field 4;
 * 3.12+: field 0) is checked against PyFrame_GetCode first.  Slot order:
 * co_varnames, then co_cellvars (from 3.11 without those that are also
 * arguments, which share their slot), then co_freevars. */
#define FO_F_FRAME   24u
#define IF_LOCALS    72u

static PyObj *const *frame_slots(PyObj *fr, PyObj *code)
{
    if (py.minor < 11) {
        int64_t basic = ld_i64(type_of(fr), PY_TP_BASICSIZE);
        if (basic < 64 || basic > 4096)
            return NULL;
        return (PyObj *const *)((const char *)fr + basic - (int64_t)sizeof(void *));
    }
    const char *f = ld_ptr(fr, FO_F_FRAME);
    if (!f || ld_ptr(f, py.minor == 11 ? 32u : 0u) != (const void *)code)
        return NULL;
    return (PyObj *const *)(f + IF_LOCALS);
}

static ptrdiff_t tuple_len(PyObj *t)
{
    return t && (tflags(type_of(t)) & F_TUPLE) ? py.PyTuple_Size(t) : 0;
}

static int in_tuple(PyObj *t, const char *s)
{
    ptrdiff_t n = tuple_len(t);
    for (ptrdiff_t i = 0; i < n; i++) {
        const char *x = str_utf8(py.PyTuple_GetItem(t, i));
        if (x && !strcmp(x, s))
            return 1;
    }
    return 0;
}

/* The graph of the search under way: a slot's value is dereferenced (to
 * see whether it is a cell) only when it is a tracked object, which a
 * cell always is. */
static const struct hg_graph *search_graph;

static int frame_local(PyObj *fr, PyObj *c, char *label)
{
    if (!py.PyFrame_GetCode)
        return 0;
    PyObj *code = py.PyFrame_GetCode(fr);
    if (!code) {
        py.PyErr_Clear();
        return 0;
    }
    PyObj *const *slots = frame_slots(fr, code);
    PyObj *names[3] = {NULL, NULL, NULL};
    static const char *const attrs[3] = {"co_varnames", "co_cellvars", "co_freevars"};
    int found = 0;
    for (int k = 0; k < 3 && slots; k++) {
        names[k] = py.PyObject_GetAttrString(code, attrs[k]);
        if (!names[k])
            py.PyErr_Clear();
    }
    ptrdiff_t slot = 0;
    for (int k = 0; k < 3 && slots && !found; k++) {
        ptrdiff_t n = tuple_len(names[k]);
        for (ptrdiff_t i = 0; i < n && slot < 4096 && !found; i++) {
            const char *nm = str_utf8(py.PyTuple_GetItem(names[k], i));
            if (k == 1 && py.minor >= 11 && nm && in_tuple(names[0], nm))
                continue;  /* an argument's cell shares the argument's slot */
            PyObj *v = slots[slot++];
            if (!v)
                continue;
            if (v == c || (search_graph && hg_find(search_graph, (uintptr_t)v) != HG_NONE &&
                           type_of(v) == hx.PyCell_Type && ld_ptr(v, CELL_REF) == (const void *)c)) {
                snip(label, "", nm ? nm : "?", "");
                found = 1;
            }
        }
    }
    for (int k = 0; k < 3; k++)
        if (names[k])
            py.Py_DecRef(names[k]);
    py.Py_DecRef(code);
    py.PyErr_Clear();
    return found;
}

/* Which of a built-in object's attributes is c (attributes of built-in
 * types are C getters and members: no user code). */
static int probe_attrs(PyObj *p, PyObj *c, char *label)
{
    static const char *const names[] = {
        "f_back", "f_globals", "f_builtins", "f_code", "f_trace",
        "tb_frame", "tb_next", "__globals__", "__closure__", "__defaults__", "__kwdefaults__",
        "__dict__", "__annotations__", "__wrapped__", "cell_contents", "__self__", "__func__",
        "gi_frame", "cr_frame", "ag_frame", "gi_code", "cr_code", "__objclass__",
        "fget", "fset", "fdel", "default_factory", "__origin__", "__args__",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        PyObj *v = py.PyObject_GetAttrString(p, names[i]);
        if (!v) {
            py.PyErr_Clear();
            continue;
        }
        py.Py_DecRef(v);
        if (v == c) {
            snip(label, "", names[i], "");
            return 1;
        }
    }
    return 0;
}

/* A __slots__ member of an instance of a Python class whose attribute
 * lookup is the generic one (so reading a slot runs no user code). */
static int slot_attr(PyObj *p, PyObj *c, char *label)
{
    if (ld_ptr(type_of(p), TP_GETATTRO) != (const void *)hx.PyObject_GenericGetAttr)
        return 0;
    int depth = 0;
    for (const void *t = type_of(p); t && depth < 64 && (tflags(t) & F_HEAPTYPE); t = ld_ptr(t, TP_BASE), depth++) {
        PyObj *d = (PyObj *)ld_ptr(t, TP_DICT);
        PyObj *sl = d && (tflags(type_of(d)) & F_DICT) ? py.PyDict_GetItemString(d, "__slots__") : NULL;
        if (!sl)
            continue;
        unsigned long f = tflags(type_of(sl));
        ptrdiff_t n = (f & F_UNICODE) ? 1 : (f & F_TUPLE) ? py.PyTuple_Size(sl) : (f & F_LIST) ? py.PyList_Size(sl) : 0;
        for (ptrdiff_t i = 0; i < n && i < 256; i++) {
            PyObj *nm = (f & F_UNICODE) ? sl : (f & F_TUPLE) ? py.PyTuple_GetItem(sl, i) : py.PyList_GetItem(sl, i);
            const char *s = str_utf8(nm);
            if (!s || !strcmp(s, "__dict__") || !strcmp(s, "__weakref__"))
                continue;
            PyObj *v = py.PyObject_GetAttrString(p, s);
            if (!v) {
                py.PyErr_Clear();
                continue;
            }
            py.Py_DecRef(v);
            if (v == c) {
                snip(label, "", s, "");
                return 1;
            }
        }
    }
    py.PyErr_Clear();
    return 0;
}

static int dict_search(PyObj *d, PyObj *c, char *label, int *is_key)
{
    ptrdiff_t pos = 0;
    PyObj *k, *v;
    while (hx.PyDict_Next(d, &pos, &k, &v)) {
        if (v == c) {
            key_text(k, label);
            *is_key = 0;
            return 1;
        }
        if (k == c) {
            *is_key = 1;
            snip(label, "", "(a key)", "");
            return 1;
        }
    }
    return 0;
}

/* How c is reached from p: sets e->via and e->label. */
static void edge(PyObj *p, struct elem *e)
{
    PyObj *c = e->o;
    const void *t = type_of(p);
    unsigned long f = tflags(t);
    int is_key = 0;
    e->via = CCX_VIA_REFERENT;
    e->label[0] = 0;
    if (f & F_DICT) {
        if (dict_search(p, c, e->label, &is_key))
            e->via = CCX_VIA_KEY;
        return;
    }
    if (f & (F_LIST | F_TUPLE)) {
        ptrdiff_t n = (f & F_LIST) ? py.PyList_Size(p) : py.PyTuple_Size(p);
        for (ptrdiff_t i = 0; i < n; i++)
            if (((f & F_LIST) ? py.PyList_GetItem(p, i) : py.PyTuple_GetItem(p, i)) == c) {
                snprintf(e->label, sizeof e->label, "%td", i);
                e->via = CCX_VIA_INDEX;
                break;
            }
        py.PyErr_Clear();
        return;
    }
    if (t == hx.PyModule_Type) {
        if (hx.PyModule_GetDict(p) == c) {
            e->via = CCX_VIA_ATTRIBUTE;
            snip(e->label, "", "__dict__", "");
        }
        return;
    }
    if (f & F_TYPE) {
        static const struct { uint32_t off; const char *name; } tf[] = {
            {TP_DICT, "__dict__"}, {TP_MRO, "__mro__"}, {TP_BASES, "__bases__"}, {TP_BASE, "__base__"}};
        for (size_t i = 0; i < sizeof tf / sizeof tf[0]; i++)
            if (ld_ptr(p, tf[i].off) == c) {
                e->via = CCX_VIA_ATTRIBUTE;
                snip(e->label, "", tf[i].name, "");
                return;
            }
        return;
    }
    if (t == py.PyFrame_Type && frame_local(p, c, e->label)) {
        e->via = CCX_VIA_LOCAL;
        return;
    }
    if ((const void *)c == t) {
        e->via = CCX_VIA_ATTRIBUTE;
        snip(e->label, "", "__class__", "");
        return;
    }
    if (f & F_EXC) {
        static const char *const ef[] = {"__traceback__", "__context__", "__cause__", "args", "__notes__", "__dict__"};
        for (size_t i = 0; i < sizeof ef / sizeof ef[0]; i++)
            if (exc_field(p, ef[i]) == c) {
                e->via = CCX_VIA_ATTRIBUTE;
                snip(e->label, "", ef[i], "");
                return;
            }
        PyObj *d = exc_field(p, "__dict__");
        if (d && (tflags(type_of(d)) & F_DICT) && dict_search(d, c, e->label, &is_key) && !is_key)
            e->via = CCX_VIA_ATTRIBUTE;
        return;
    }
    if (f & F_HEAPTYPE) {
        /* An instance of a class defined in Python: its attribute dict
         * (built on demand for 3.11+'s inline values). */
        if (slot_attr(p, c, e->label)) {
            e->via = CCX_VIA_ATTRIBUTE;
            return;
        }
        PyObj *d = hx.PyObject_GenericGetDict(p, NULL);
        if (!d) {
            py.PyErr_Clear();
            return;
        }
        if (d == c) {
            e->via = CCX_VIA_ATTRIBUTE;
            snip(e->label, "", "__dict__", "");
        } else if ((tflags(type_of(d)) & F_DICT) && dict_search(d, c, e->label, &is_key) && !is_key) {
            e->via = CCX_VIA_ATTRIBUTE;
        }
        py.Py_DecRef(d);
        py.PyErr_Clear();
        return;
    }
    if (probe_attrs(p, c, e->label))
        e->via = CCX_VIA_ATTRIBUTE;
}

/* ---- roots -------------------------------------------------------------- */

/* Is r a local of (or, 3.9/3.10, the frame of) code running on some
 * thread?  Fills detail ("name in function()"). */
static const char *running(PyObj *r, char *detail)
{
    if (!py.PyInterpreterState_Get || !py.PyThreadState_GetFrame || !py.PyFrame_GetBack)
        return NULL;
    const char *kind = NULL;
    PyTState *ts = py.PyInterpreterState_ThreadHead(py.PyInterpreterState_Get());
    for (int nt = 0; ts && nt < 256 && !kind; nt++, ts = py.PyThreadState_Next(ts)) {
        PyObj *fr = py.PyThreadState_GetFrame(ts);
        for (int depth = 0; fr && depth < 256 && !kind; depth++) {
            char lab[SNIP + 4], where[SNIP + 4];
            if (fr == r) {
                kind = CCX_ROOT_RUNNING_FRAME;
                frame_text(fr, detail);
            } else if (frame_local(fr, r, lab)) {
                kind = CCX_ROOT_RUNNING_LOCAL;
                frame_text(fr, where);
                char tmp[SNIP * 2 + 16];
                snprintf(tmp, sizeof tmp, "%s in %s", lab, where + strlen("frame of "));
                snip(detail, "", tmp, "");
            }
            PyObj *back = py.PyFrame_GetBack(fr);
            py.Py_DecRef(fr);
            fr = back;
        }
        if (fr)
            py.Py_DecRef(fr);
    }
    py.PyErr_Clear();
    return kind;
}

static void root_kind(struct elem *e, int64_t gc_refs)
{
    PyObj *r = e->o;
    e->via = CCX_VIA_ROOT;
    e->refs = gc_refs;
    e->detail[0] = 0;
    const char *k = NULL;
    PyObj *mods = hx.PySys_GetObject("modules");
    if (r == mods) {
        k = CCX_ROOT_SYS_MODULES;
    } else if ((tflags(type_of(r)) & F_DICT) && module_of_dict(r)) {
        char m[128];
        k = CCX_ROOT_MODULE;
        snip(e->detail, "", module_name(module_of_dict(r), m, sizeof m), "");
    } else if (gc_refs >= ((int64_t)1 << 29)) {
        k = CCX_ROOT_IMMORTAL;   /* 3.12+ immortal objects */
    } else {
        k = running(r, e->detail);
    }
    snip(e->label, "", k ? k : CCX_ROOT_EXTERNAL, "");
}

/* ---- the search --------------------------------------------------------- */

struct walk {
    struct hg_graph g;
    uint32_t ord;
};

static int visit(PyObj *o, void *arg)
{
    struct walk *w = arg;
    hg_add_edge(&w->g, (uintptr_t)o, w->ord++);
    return 0;
}

static uint64_t obj_bytes(const void *o, const void *t, const void *frame_type)
{
    uint64_t b = (uint64_t)ld_i64(t, PY_TP_BASICSIZE) + GC_HEAD_BYTES;
    int64_t item = ld_i64(t, PY_TP_ITEMSIZE);
    if (item > 0 && t != frame_type) {
        int64_t n = ld_i64(o, PY_OB_SIZE);
        uint64_t k = (uint64_t)(n < 0 ? -n : n);
        if (k < ((uint64_t)1 << 32))
            b += k * (uint64_t)item;
    }
    return b;
}

static struct tslot *tfind(struct tslot *tab, const void *t, int add)
{
    uint32_t i = (uint32_t)(((uintptr_t)t >> 4) * 2654435761u) & (TSLOTS - 1);
    for (unsigned k = 0; k < TSLOTS / 2; k++, i = (i + 1) & (TSLOTS - 1)) {
        if (tab[i].type == t)
            return &tab[i];
        if (!tab[i].type) {
            if (!add)
                return NULL;
            tab[i].type = t;
            return &tab[i];
        }
    }
    return NULL;
}

static int named(const void *t)
{
    const char *n = tname(t);
    for (int i = 0; i < opt.nnamed; i++) {
        if (!strcmp(opt.named[i], n))
            return 1;
        /* "module.Name": the last component is tp_name and the module matches */
        const char *dot = strrchr(opt.named[i], '.');
        if (dot && !strcmp(dot + 1, n) && (tflags(t) & F_HEAPTYPE)) {
            /* __module__ from the class dict itself: no metaclass code runs */
            PyObj *d = (PyObj *)ld_ptr(t, TP_DICT);
            const char *m = d && (tflags(type_of(d)) & F_DICT) ? str_utf8(py.PyDict_GetItemString(d, "__module__")) : NULL;
            size_t ml = (size_t)(dot - opt.named[i]);
            if (m && strlen(m) == ml && !strncmp(m, opt.named[i], ml))
                return 1;
        }
    }
    return 0;
}

static int by_growth(const void *a, const void *b)
{
    const struct tslot *x = *(const struct tslot *const *)a, *y = *(const struct tslot *const *)b;
    int64_t dx = (int64_t)(x->bytes - x->prev_bytes), dy = (int64_t)(y->bytes - y->prev_bytes);
    if (dx != dy)
        return dx < dy ? 1 : -1;
    int64_t cx = (int64_t)(x->count - x->prev_count), cy = (int64_t)(y->count - y->prev_count);
    return cx < cy ? 1 : cx > cy ? -1 : 0;
}

static void write_elem(struct ccx_json *j, const struct elem *e)
{
    ccx_json_begin_object(j);
    ccx_json_key(j, CCX_F_HOLD_TYPE);
    ccx_json_string(j, e->type);
    ccx_json_key(j, CCX_F_HOLD_VIA);
    ccx_json_string(j, e->via);
    ccx_json_key(j, CCX_F_HOLD_LABEL);
    ccx_json_string(j, e->label[0] ? e->label : NULL);
    ccx_json_key(j, CCX_F_HOLD_REPR);
    ccx_json_string(j, e->repr[0] ? e->repr : NULL);
    if (via_is(e, CCX_VIA_ROOT)) {
        ccx_json_key(j, CCX_F_HOLD_REFS);
        ccx_json_i64(j, e->refs);
        if (e->detail[0]) {
            ccx_json_key(j, CCX_F_HOLD_DETAIL);
            ccx_json_string(j, e->detail);
        }
    }
    ccx_json_end_object(j);
}

/* Whether element k of a path of len elements is written (a long path
 * keeps its first and last elements). */
static int shown_at(uint32_t k, uint32_t len)
{
    return len <= SHOW_HEAD + SHOW_TAIL + 1 || k < SHOW_HEAD || k >= len - SHOW_TAIL;
}

/* Describes and writes one path (root first). */
static void write_path(struct ccx_json *j, struct hg_graph *g, PyObj *const *objs,
                       const uint32_t *nodes, uint32_t len, struct elem *el)
{
    /* Only the elements that will be shown are described. */
    for (uint32_t k = 0; k < len; k++) {
        struct elem *e = &el[k];
        memset(e, 0, sizeof *e);
        e->o = objs[nodes[k]];
    }
    for (uint32_t k = 0; k < len; k++) {
        struct elem *e = &el[k];
        if (!shown_at(k, len))
            continue;
        snip(e->type, "", tname(type_of(e->o)), "");
        describe(e->o, e->repr);
        if (k == 0)
            root_kind(e, hg_gc_refs(g, nodes[0]));
        else
            edge(el[k - 1].o, e);
    }
    /* Collapse "X -__dict__-> dict -key-> Y" into "X -attribute-> Y" (a
     * module's globals: "global"), and show a module's globals dict as the
     * module. */
    for (uint32_t k = 0; k < len; k++) {
        struct elem *e = &el[k];
        if (!e->type[0] || !(tflags(type_of(e->o)) & F_DICT))
            continue;
        int via_dict = k > 0 && via_is(e, CCX_VIA_ATTRIBUTE) && !strcmp(e->label, "__dict__");
        PyObj *mod = module_of_dict(e->o);
        if (k + 1 < len && via_is(&el[k + 1], CCX_VIA_KEY)) {
            if (via_dict) {
                e->skip = 1;
                el[k + 1].via = type_of(el[k - 1].o) == hx.PyModule_Type ? CCX_VIA_GLOBAL : CCX_VIA_ATTRIBUTE;
            } else if (mod) {
                el[k + 1].via = CCX_VIA_GLOBAL;
            }
        }
        if (mod && !e->skip) {
            char m[128];
            snip(e->type, "", "module", "");
            snip(e->repr, "module '", module_name(mod, m, sizeof m), "'");
        }
    }
    ccx_json_begin_array(j);
    uint32_t elided = 0;
    for (uint32_t k = 0; k < len; k++) {
        if (!shown_at(k, len)) {
            elided++;
            continue;
        }
        if (elided) {
            struct elem x;
            memset(&x, 0, sizeof x);
            snip(x.type, "", "...", "");
            x.via = CCX_VIA_ELIDED;
            snprintf(x.label, sizeof x.label, "%u objects", elided);
            write_elem(j, &x);
            elided = 0;
        }
        if (!el[k].skip)
            write_elem(j, &el[k]);
    }
    ccx_json_end_array(j);
}

static void write_error(struct ccx_json *j, const char *why)
{
    ccx_json_key(j, CCX_F_HOLDERS);
    ccx_json_begin_object(j);
    ccx_json_key(j, CCX_F_HOLD_ERROR);
    ccx_json_string(j, why);
    ccx_json_end_object(j);
}

void py_holders_write(struct ccx_json *j)
{
    if (opt.state == 0) {
        read_options();
        opt.state = 1;
        if (opt.top == 0 && opt.nnamed == 0) {
            opt.state = -1;
        } else if (load_api() != 0) {
            warn("this interpreter's type objects are not laid out as expected; holders are off");
            opt.state = -1;
        }
    }
    if (opt.state < 0)
        return;
    if (ccx_under_pressure()) {
        /* CCXTRACE_PRESSURE: the graph needs about 100 MiB per million
         * objects, which a process near its limit does not have */
        write_error(j, CCX_HOLD_SKIPPED_PRESSURE);
        return;
    }
    if (!prev) {
        prev = ccx_mem_alloc(TSLOTS * sizeof *prev);
        if (!prev)
            return;
    }
    double t0 = ccx_mono_ms();
    /* Our allocations must not start a collection (which could run
     * finalizers) while we look at the heap. */
    PyObj *en = py_gc_call("isenabled");
    int was_enabled = en ? py.PyLong_AsLong(en) != 0 : 0;
    if (en)
        py.Py_DecRef(en);
    py.PyErr_Clear();
    gc_call_drop("disable");
    PyObj *list = py_gc_call("get_objects");
    struct tslot *cur = ccx_mem_alloc(TSLOTS * sizeof *cur);
    struct pick *picks = ccx_mem_alloc(MAX_PICK * sizeof *picks);
    struct tslot **order = ccx_mem_alloc(TSLOTS * sizeof *order);
    PyObj **objs = NULL;
    size_t objs_bytes = 0;
    struct walk w;
    memset(&w, 0, sizeof w);
    struct elem *el = NULL;
    size_t el_bytes = 0;
    int npicks = 0;
    if (!list || !cur || !picks || !order) {
        py.PyErr_Clear();
        write_error(j, "out of memory or gc.get_objects() failed");
        goto out;
    }
    ptrdiff_t n = py.PyList_Size(list);
    objs_bytes = (size_t)(n > 0 ? n : 1) * sizeof *objs;
    objs = ccx_mem_alloc(objs_bytes);
    if (!objs || n >= (ptrdiff_t)1 << 30) {
        write_error(j, "out of memory");
        goto out;
    }
    /* 1. counts by type, against the previous snapshot's */
    const void *frame_type = py.minor >= 11 ? py.PyFrame_Type : NULL;
    for (ptrdiff_t i = 0; i < n; i++) {
        PyObj *o = py.PyList_GetItem(list, i);
        objs[i] = o;
        const void *t = type_of(o);
        struct tslot *s = tfind(cur, t, 1);
        if (s) {
            s->count++;
            s->bytes += obj_bytes(o, t, frame_type);
        }
    }
    size_t nt = 0;
    for (uint32_t i = 0; i < TSLOTS; i++) {
        struct tslot *s = &cur[i];
        if (!s->type)
            continue;
        s->name_hash = hash_str(tname(s->type));
        struct tslot *p = have_prev ? tfind(prev, s->type, 0) : NULL;
        if (p && p->name_hash == s->name_hash) {
            s->prev_count = p->count;
            s->prev_bytes = p->bytes;
            s->had_prev = 1;
        }
        if (have_prev && s->count > s->prev_count)
            order[nt++] = s;
    }
    qsort(order, nt, sizeof *order, by_growth);
    for (size_t i = 0; i < nt && npicks < opt.top && npicks < MAX_PICK; i++) {
        if ((int64_t)(order[i]->bytes - order[i]->prev_bytes) <= 0 && order[i]->count <= order[i]->prev_count)
            break;
        order[i]->pick = ++npicks;
        picks[npicks - 1].why = CCX_HOLD_WHY_GROWTH;
    }
    if (opt.nnamed)
        for (uint32_t i = 0; i < TSLOTS && npicks < MAX_PICK; i++)
            if (cur[i].type && !cur[i].pick && named(cur[i].type)) {
                cur[i].pick = ++npicks;
                picks[npicks - 1].why = CCX_HOLD_WHY_NAMED;
            }
    for (uint32_t i = 0; i < TSLOTS; i++) {
        struct tslot *s = &cur[i];
        if (!s->pick)
            continue;
        struct pick *p = &picks[s->pick - 1];
        p->type = s->type;
        p->count = s->count;
        p->has_growth = have_prev;
        p->growth_count = s->count - s->prev_count;
        p->growth_bytes = (int64_t)(s->bytes - s->prev_bytes);
        p->nsamples = s->count < (uint64_t)opt.samples ? (uint32_t)s->count : (uint32_t)opt.samples;
    }
    /* Sampled instances: spread evenly over the instances, in gc order. */
    if (npicks)
        for (ptrdiff_t i = 0; i < n; i++) {
            struct tslot *s = tfind(cur, type_of(objs[i]), 0);
            if (!s || !s->pick)
                continue;
            struct pick *p = &picks[s->pick - 1];
            uint64_t k = s->seen++;
            /* sample m sits at instance floor((2m + 1) * count / (2 * nsamples)) */
            for (uint32_t m = 0; m < p->nsamples; m++)
                if ((2 * (uint64_t)m + 1) * s->count / (2 * (uint64_t)p->nsamples) == k)
                    p->sample[m] = (uint32_t)i;
        }
    /* The baseline for the next snapshot. */
    memcpy(prev, cur, TSLOTS * sizeof *prev);
    have_prev = 1;
    if (!npicks)
        goto out;   /* nothing grew and nothing is named: no holders member */

    /* 2. the graph, as the gc sees it */
    if (hg_init(&w.g, (uint32_t)n) != 0) {
        write_error(j, "out of memory for the object graph");
        goto out;
    }
    for (ptrdiff_t i = 0; i < n; i++) {
        if (i + 16 < n)
            hg_prefetch(&w.g, (uintptr_t)objs[i + 16]);
        hg_add_object(&w.g, (uintptr_t)objs[i], ld_i64(objs[i], 0) - 1);  /* minus the list's reference */
    }
    for (ptrdiff_t i = 0; i < n; i++) {
        if (i + 8 < n)
            __builtin_prefetch(objs[i + 8]);
        traverseproc tr = (traverseproc)ld_ptr(type_of(objs[i]), TP_TRAVERSE);
        if (!tr)
            continue;
        hg_begin_edges(&w.g, (uint32_t)i);
        w.ord = 0;
        tr(objs[i], visit, &w);
    }
    /* 3. roots and paths */
    if (hg_search(&w.g) != 0) {
        write_error(j, "out of memory for the object graph");
        goto out;
    }
    double graph_ms = ccx_mono_ms() - t0;
    search_graph = &w.g;

    /* 4. the paths of the samples, described */
    ccx_json_key(j, CCX_F_HOLDERS);
    ccx_json_begin_object(j);
    ccx_json_key(j, CCX_F_HOLD_OBJECTS);
    ccx_json_u64(j, (uint64_t)n);
    ccx_json_key(j, CCX_F_HOLD_EDGES);
    ccx_json_u64(j, w.g.nedges);
    ccx_json_key(j, CCX_F_HOLD_ROOTS);
    ccx_json_u64(j, w.g.nroots);
    ccx_json_key(j, CCX_F_HOLD_SAMPLES);
    ccx_json_i64(j, opt.samples);
    ccx_json_key(j, CCX_F_HOLD_GRAPH_MS);
    ccx_json_double(j, graph_ms);
    ccx_json_key(j, CCX_F_TYPES);
    ccx_json_begin_array(j);
    for (int pi = 0; pi < npicks; pi++) {
        struct pick *p = &picks[pi];
        double tt = ccx_mono_ms();
        ccx_json_begin_object(j);
        ccx_json_key(j, CCX_F_TYPE_NAME);
        ccx_json_string(j, tname(p->type));
        ccx_json_key(j, CCX_F_HOLD_WHY);
        ccx_json_string(j, p->why);
        ccx_json_key(j, CCX_F_TYPE_COUNT);
        ccx_json_u64(j, p->count);
        ccx_json_key(j, CCX_F_HOLD_GROWTH);
        if (p->has_growth)
            ccx_json_i64(j, (int64_t)p->growth_count);
        else
            ccx_json_null(j);
        uint32_t garbage = 0;
        ccx_json_key(j, CCX_F_HOLD_PATHS);
        ccx_json_begin_array(j);
        for (uint32_t m = 0; m < p->nsamples; m++) {
            const uint32_t *nodes, *labels;
            uint32_t len = hg_path(&w.g, p->sample[m], &nodes, &labels);
            if (!len) {
                garbage++;
                continue;
            }
            size_t need = (size_t)len * sizeof *el;
            if (need > el_bytes) {
                ccx_mem_free(el, el_bytes);
                el_bytes = need;
                el = ccx_mem_alloc(el_bytes);
                if (!el) {
                    el_bytes = 0;
                    continue;
                }
            }
            write_path(j, &w.g, objs, nodes, len, el);
        }
        ccx_json_end_array(j);
        ccx_json_key(j, CCX_F_HOLD_EXAMINED);
        ccx_json_u64(j, p->nsamples);
        ccx_json_key(j, CCX_F_HOLD_GARBAGE);
        ccx_json_u64(j, garbage);
        ccx_json_key(j, CCX_F_HOLD_SEARCH_MS);
        ccx_json_double(j, ccx_mono_ms() - tt);
        ccx_json_end_object(j);
    }
    ccx_json_end_array(j);
    ccx_json_key(j, CCX_F_HOLD_SEARCH_MS);
    ccx_json_double(j, ccx_mono_ms() - t0);
    ccx_json_end_object(j);
out:
    search_graph = NULL;
    if (el)
        ccx_mem_free(el, el_bytes);
    hg_free(&w.g);
    if (objs)
        ccx_mem_free(objs, objs_bytes);
    if (order)
        ccx_mem_free(order, TSLOTS * sizeof *order);
    if (picks)
        ccx_mem_free(picks, MAX_PICK * sizeof *picks);
    if (cur)
        ccx_mem_free(cur, TSLOTS * sizeof *cur);
    if (list)
        py.Py_DecRef(list);
    py.PyErr_Clear();
    if (was_enabled)
        gc_call_drop("enable");
}
