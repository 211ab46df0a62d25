/* py_holders_edge.c - the holders search's names for the steps of a path
 * (docs/holders.md): how each object holds the next (dict key, list or
 * tuple index, attribute, __slots__ member, module global, frame local),
 * found through the C API and identity comparisons, and what kind of root
 * the path starts at.  See py_holders_int.h. */
#include "py_holders_int.h"
#include "ccx_format.h"

#include <stdio.h>
#include <string.h>

/* A frame's local variables, read in place: the names from its code
 * object, the values from its fast locals (no f_locals: that builds a dict
 * inside the frame, which on 3.9-3.12 keeps the values alive).  Before
 * 3.11 they are the frame object's f_localsplus; from 3.11 on the frame
 * object points at its _PyInterpreterFrame (f_frame), whose localsplus
 * they are, once its code pointer is checked against PyFrame_GetCode
 * (offsets: py_layout.h).  Slot order:
 * co_varnames, then co_cellvars (from 3.11 without those that are also
 * arguments, which share their slot), then co_freevars. */
static PyObj *const *frame_slots(PyObj *fr, PyObj *code)
{
    const struct py_layout *l = py_layout_running();
    if (!l)
        return NULL;
    if (l->fo_localsplus != PY_OFF_NONE)
        return (PyObj *const *)(uintptr_t)((const char *)fr + l->fo_localsplus);
    const char *f = py_ld_ptr(fr, l->fo_frame);
    if (!f || py_ld_ptr(f, l->fr_code) != (const void *)code)
        return NULL;
    return (PyObj *const *)(uintptr_t)(f + l->if_localsplus);
}

static ptrdiff_t tuple_len(PyObj *t)
{
    return t && (py_hold_flags(py_hold_type(t)) & PY_TPFLAGS_TUPLE_SUBCLASS) ? py.PyTuple_Size(t) : 0;
}

static int in_tuple(PyObj *t, const char *s)
{
    ptrdiff_t n = tuple_len(t);
    for (ptrdiff_t i = 0; i < n; i++) {
        const char *x = py_hold_str(py.PyTuple_GetItem(t, i));
        if (x && !strcmp(x, s))
            return 1;
    }
    return 0;
}

/* Is c the value of one of frame fr's locals (or of the cell one holds)?
 * The label gets the local's name.  A slot's value is dereferenced (to see
 * whether it is a cell) only when it is an object of the graph g, which a
 * cell always is. */
static int frame_local(PyObj *fr, PyObj *c, char *label, const struct hg_graph *g)
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
            const char *nm = py_hold_str(py.PyTuple_GetItem(names[k], i));
            if (k == 1 && py.minor >= 11 && nm && in_tuple(names[0], nm))
                continue;  /* an argument's cell shares the argument's slot */
            PyObj *v = slots[slot++];
            if (!v)
                continue;
            if (v == c || (g && hg_find(g, (uintptr_t)v) != HG_NONE &&
                           py_hold_type(v) == py.PyCell_Type && py_ld_ptr(v, PY_CELL_REF) == (const void *)c)) {
                py_hold_snip(label, "", nm ? nm : "?", "");
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
            py_hold_snip(label, "", names[i], "");
            return 1;
        }
    }
    return 0;
}

/* A __slots__ member of an instance of a Python class whose attribute
 * lookup is the generic one (so reading a slot runs no user code). */
static int slot_attr(PyObj *p, PyObj *c, char *label)
{
    if (py_ld_ptr(py_hold_type(p), PY_TP_GETATTRO) != (const void *)py.PyObject_GenericGetAttr)
        return 0;
    int depth = 0;
    for (const void *t = py_hold_type(p); t && depth < 64 && (py_hold_flags(t) & PY_TPFLAGS_HEAPTYPE); t = py_ld_ptr(t, PY_TP_BASE), depth++) {
        PyObj *d = (PyObj *)py_ld_ptr(t, PY_TP_DICT);
        PyObj *sl = d && (py_hold_flags(py_hold_type(d)) & PY_TPFLAGS_DICT_SUBCLASS) ? py.PyDict_GetItemString(d, "__slots__") : NULL;
        if (!sl)
            continue;
        unsigned long f = py_hold_flags(py_hold_type(sl));
        ptrdiff_t n = (f & PY_TPFLAGS_UNICODE_SUBCLASS) ? 1 : (f & PY_TPFLAGS_TUPLE_SUBCLASS) ? py.PyTuple_Size(sl) : (f & PY_TPFLAGS_LIST_SUBCLASS) ? py.PyList_Size(sl) : 0;
        for (ptrdiff_t i = 0; i < n && i < 256; i++) {
            PyObj *nm = (f & PY_TPFLAGS_UNICODE_SUBCLASS) ? sl : (f & PY_TPFLAGS_TUPLE_SUBCLASS) ? py.PyTuple_GetItem(sl, i) : py.PyList_GetItem(sl, i);
            const char *s = py_hold_str(nm);
            if (!s || !strcmp(s, "__dict__") || !strcmp(s, "__weakref__"))
                continue;
            PyObj *v = py.PyObject_GetAttrString(p, s);
            if (!v) {
                py.PyErr_Clear();
                continue;
            }
            py.Py_DecRef(v);
            if (v == c) {
                py_hold_snip(label, "", s, "");
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
    while (py.PyDict_Next(d, &pos, &k, &v)) {
        if (v == c) {
            py_hold_key_text(k, label);
            *is_key = 0;
            return 1;
        }
        if (k == c) {
            *is_key = 1;
            py_hold_snip(label, "", "(a key)", "");
            return 1;
        }
    }
    return 0;
}

/* p is a list or tuple: the index of c. */
static void edge_sequence(PyObj *p, unsigned long f, struct py_hold_elem *e)
{
    PyObj *c = e->o;
    int list = (f & PY_TPFLAGS_LIST_SUBCLASS) != 0;
    ptrdiff_t n = list ? py.PyList_Size(p) : py.PyTuple_Size(p);
    for (ptrdiff_t i = 0; i < n; i++)
        if ((list ? py.PyList_GetItem(p, i) : py.PyTuple_GetItem(p, i)) == c) {
            snprintf(e->label, sizeof e->label, "%td", i);
            e->via = CCX_VIA_INDEX;
            break;
        }
    py.PyErr_Clear();
}

/* p is a class: c is its __dict__, __mro__, __bases__ or __base__. */
static void edge_class(PyObj *p, struct py_hold_elem *e)
{
    static const struct { uint32_t off; const char *name; } tf[] = {
        {PY_TP_DICT, "__dict__"}, {PY_TP_MRO, "__mro__"}, {PY_TP_BASES, "__bases__"}, {PY_TP_BASE, "__base__"}};
    for (size_t i = 0; i < sizeof tf / sizeof tf[0]; i++)
        if (py_ld_ptr(p, tf[i].off) == (const void *)e->o) {
            e->via = CCX_VIA_ATTRIBUTE;
            py_hold_snip(e->label, "", tf[i].name, "");
            return;
        }
}

/* p is an exception: one of its fields, or an attribute in its __dict__. */
static void edge_exception(PyObj *p, struct py_hold_elem *e)
{
    static const char *const ef[] = {"__traceback__", "__context__", "__cause__", "args", "__notes__", "__dict__"};
    int is_key = 0;
    for (size_t i = 0; i < sizeof ef / sizeof ef[0]; i++)
        if (py_hold_exc_field(p, ef[i]) == e->o) {
            e->via = CCX_VIA_ATTRIBUTE;
            py_hold_snip(e->label, "", ef[i], "");
            return;
        }
    PyObj *d = py_hold_exc_field(p, "__dict__");
    if (d && (py_hold_flags(py_hold_type(d)) & PY_TPFLAGS_DICT_SUBCLASS) &&
        dict_search(d, e->o, e->label, &is_key) && !is_key)
        e->via = CCX_VIA_ATTRIBUTE;
}

/* p is an instance of a class defined in Python: a __slots__ member, or
 * its attribute dict (built on demand for 3.11+'s inline values). */
static void edge_instance(PyObj *p, struct py_hold_elem *e)
{
    int is_key = 0;
    if (slot_attr(p, e->o, e->label)) {
        e->via = CCX_VIA_ATTRIBUTE;
        return;
    }
    PyObj *d = py.PyObject_GenericGetDict(p, NULL);
    if (!d) {
        py.PyErr_Clear();
        return;
    }
    if (d == e->o) {
        e->via = CCX_VIA_ATTRIBUTE;
        py_hold_snip(e->label, "", "__dict__", "");
    } else if ((py_hold_flags(py_hold_type(d)) & PY_TPFLAGS_DICT_SUBCLASS) &&
               dict_search(d, e->o, e->label, &is_key) && !is_key) {
        e->via = CCX_VIA_ATTRIBUTE;
    }
    py.Py_DecRef(d);
    py.PyErr_Clear();
}

void py_hold_edge(PyObj *p, struct py_hold_elem *e, const struct hg_graph *g)
{
    PyObj *c = e->o;
    const void *t = py_hold_type(p);
    unsigned long f = py_hold_flags(t);
    int is_key = 0;
    e->via = CCX_VIA_REFERENT;
    e->label[0] = 0;
    if (f & PY_TPFLAGS_DICT_SUBCLASS) {
        if (dict_search(p, c, e->label, &is_key))
            e->via = CCX_VIA_KEY;
    } else if (f & (PY_TPFLAGS_LIST_SUBCLASS | PY_TPFLAGS_TUPLE_SUBCLASS)) {
        edge_sequence(p, f, e);
    } else if (t == py.PyModule_Type) {
        if (py.PyModule_GetDict(p) == c) {
            e->via = CCX_VIA_ATTRIBUTE;
            py_hold_snip(e->label, "", "__dict__", "");
        }
    } else if (f & PY_TPFLAGS_TYPE_SUBCLASS) {
        edge_class(p, e);
    } else if (t == py.PyFrame_Type && frame_local(p, c, e->label, g)) {
        e->via = CCX_VIA_LOCAL;
    } else if ((const void *)c == t) {
        e->via = CCX_VIA_ATTRIBUTE;
        py_hold_snip(e->label, "", "__class__", "");
    } else if (f & PY_TPFLAGS_BASE_EXC_SUBCLASS) {
        edge_exception(p, e);
    } else if (f & PY_TPFLAGS_HEAPTYPE) {
        edge_instance(p, e);
    } else if (probe_attrs(p, c, e->label)) {
        e->via = CCX_VIA_ATTRIBUTE;
    }
}

/* ---- roots -------------------------------------------------------------- */

/* Is r a local of (or, 3.9/3.10, the frame of) code running on some
 * thread?  Fills detail ("name in function()"). */
static const char *running(PyObj *r, char *detail, const struct hg_graph *g)
{
    if (!py.PyInterpreterState_Get || !py.PyThreadState_GetFrame || !py.PyFrame_GetBack)
        return NULL;
    const char *kind = NULL;
    PyTState *ts = py.PyInterpreterState_ThreadHead(py.PyInterpreterState_Get());
    for (int nt = 0; ts && nt < 256 && !kind; nt++, ts = py.PyThreadState_Next(ts)) {
        PyObj *fr = py.PyThreadState_GetFrame(ts);
        for (int depth = 0; fr && depth < 256 && !kind; depth++) {
            char lab[PY_HOLD_SNIP + 4], where[PY_HOLD_SNIP + 4];
            if (fr == r) {
                kind = CCX_ROOT_RUNNING_FRAME;
                py_hold_frame_text(fr, detail);
            } else if (frame_local(fr, r, lab, g)) {
                kind = CCX_ROOT_RUNNING_LOCAL;
                py_hold_frame_text(fr, where);
                char tmp[PY_HOLD_SNIP * 2 + 16];
                snprintf(tmp, sizeof tmp, "%s in %s", lab, where + strlen("frame of "));
                py_hold_snip(detail, "", tmp, "");
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

void py_hold_root(struct py_hold_elem *e, int64_t gc_refs, const struct hg_graph *g)
{
    PyObj *r = e->o;
    e->via = CCX_VIA_ROOT;
    e->refs = gc_refs;
    e->detail[0] = 0;
    const char *k = NULL;
    PyObj *mods = py.PySys_GetObject("modules");
    if (r == mods) {
        k = CCX_ROOT_SYS_MODULES;
    } else if ((py_hold_flags(py_hold_type(r)) & PY_TPFLAGS_DICT_SUBCLASS) && py_hold_module_of_dict(r)) {
        char m[128];
        k = CCX_ROOT_MODULE;
        py_hold_snip(e->detail, "", py_hold_module_name(py_hold_module_of_dict(r), m, sizeof m), "");
    } else if (gc_refs >= ((int64_t)1 << 29)) {
        k = CCX_ROOT_IMMORTAL;   /* 3.12+ immortal objects */
    } else {
        k = running(r, e->detail, g);
    }
    py_hold_snip(e->label, "", k ? k : CCX_ROOT_EXTERNAL, "");
}

