/* py_holders_text.c - the holders search's words for objects: short
 * descriptions built from an object's fields (never its __repr__: no user
 * code runs), dict keys as labels, module and frame names, all cut to
 * PY_HOLD_SNIP bytes (see py_holders_int.h). */
#include "py_holders_int.h"

#include <stdio.h>
#include <string.h>

/* Copies at most PY_HOLD_SNIP bytes of s (cut on a UTF-8 boundary, "..." marking
 * the cut) with an optional prefix and suffix. */
void py_hold_snip(char *out, const char *pre, const char *s, const char *post)
{
    char tmp[PY_HOLD_SNIP * 2 + 16];
    size_t pl = strlen(pre), sl = strlen(post), room = PY_HOLD_SNIP - pl - sl;
    size_t n = strlen(s);
    int cut = 0;
    if (pl + sl + 3 >= PY_HOLD_SNIP) {
        pre = post = "";
        pl = sl = 0;
        room = PY_HOLD_SNIP;
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

const char *py_hold_str(PyObj *o)
{
    if (!o || !(py_hold_flags(py_hold_type(o)) & PY_TPFLAGS_UNICODE_SUBCLASS))
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
    const char *s = py_hold_str(v);
    if (s)
        snprintf(out, n, "%s", s);
    py.Py_DecRef(v);
}

/* A dict key as a label. */
void py_hold_key_text(PyObj *k, char *out)
{
    const char *s = py_hold_str(k);
    if (s) {
        py_hold_snip(out, "", s, "");
        return;
    }
    if (py_hold_type(k) == py.PyLong_Type) {
        long v = py.PyLong_AsLong(k);
        py.PyErr_Clear();
        snprintf(out, PY_HOLD_SNIP + 1, "%ld", v);
        return;
    }
    py_hold_snip(out, "<", py_hold_tname(py_hold_type(k)), " key>");
}

const char *py_hold_module_name(PyObj *mod, char *buf, size_t n)
{
    buf[0] = 0;
    PyObj *d = py.PyModule_GetDict(mod);
    const char *s = d ? py_hold_str(py.PyDict_GetItemString(d, "__name__")) : NULL;
    snprintf(buf, n, "%s", s ? s : "?");
    return buf;
}

/* The module whose globals dict d is (borrowed), or NULL. */
PyObj *py_hold_module_of_dict(const PyObj *d)
{
    PyObj *mods = py.PySys_GetObject("modules");
    if (!mods || !(py_hold_flags(py_hold_type(mods)) & PY_TPFLAGS_DICT_SUBCLASS))
        return NULL;
    ptrdiff_t pos = 0;
    PyObj *k, *v;
    while (py.PyDict_Next(mods, &pos, &k, &v))
        if (v && py_hold_type(v) == py.PyModule_Type && py.PyModule_GetDict(v) == d)
            return v;
    return NULL;
}

/* The name and line of the function a frame runs. */
void py_hold_frame_text(PyObj *f, char *out)
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
    py_hold_snip(out, "frame of ", tmp, "");
}

/* Exception fields (PyBaseExceptionObject): dict, args, then (3.11+)
 * notes, traceback, context, cause (py_layout.h). */
PyObj *py_hold_exc_field(PyObj *e, const char *which)
{
    const struct py_layout *l = py_layout_running();
    if (!l)
        return NULL;
    uint32_t off = !strcmp(which, "__dict__") ? PY_EXC_DICT : !strcmp(which, "args") ? PY_EXC_ARGS
                 : !strcmp(which, "__notes__") ? l->exc_notes
                 : !strcmp(which, "__traceback__") ? l->exc_traceback
                 : !strcmp(which, "__context__") ? l->exc_context
                 : !strcmp(which, "__cause__") ? l->exc_cause : PY_OFF_NONE;
    return off != PY_OFF_NONE ? (PyObj *)(uintptr_t)py_ld_ptr(e, off) : NULL;
}

/* A short description of an object, from its fields (no __repr__). */
void py_hold_describe(PyObj *o, char *out)
{
    const void *t = py_hold_type(o);
    unsigned long f = py_hold_flags(t);
    const char *tn = py_hold_tname(t);
    char buf[160];
    if (t == py.PyModule_Type) {
        char m[128];
        py_hold_snip(out, "module '", py_hold_module_name(o, m, sizeof m), "'");
    } else if (f & PY_TPFLAGS_UNICODE_SUBCLASS) {
        const char *s = py_hold_str(o);
        py_hold_snip(out, "'", s ? s : "?", "'");
    } else if (f & PY_TPFLAGS_DICT_SUBCLASS) {
        PyObj *mod = py_hold_module_of_dict(o);
        if (o == py.PySys_GetObject("modules")) {
            snprintf(buf, sizeof buf, "sys.modules (%td modules)", py.PyDict_Size(o));
            py_hold_snip(out, "", buf, "");
        } else if (mod) {
            char m[128];
            py_hold_snip(out, "globals of module '", py_hold_module_name(mod, m, sizeof m), "'");
        } else {
            snprintf(buf, sizeof buf, "%s of %td items", tn, py.PyDict_Size(o));
            py_hold_snip(out, "", buf, "");
        }
    } else if (f & (PY_TPFLAGS_LIST_SUBCLASS | PY_TPFLAGS_TUPLE_SUBCLASS)) {
        ptrdiff_t n = (f & PY_TPFLAGS_LIST_SUBCLASS) ? py.PyList_Size(o) : py.PyTuple_Size(o);
        snprintf(buf, sizeof buf, "%s of %td items", tn, n);
        py_hold_snip(out, "", buf, "");
    } else if (f & PY_TPFLAGS_TYPE_SUBCLASS) {
        py_hold_snip(out, "class '", py_hold_tname(o), "'");
    } else if (f & PY_TPFLAGS_BASE_EXC_SUBCLASS) {
        PyObj *args = py_hold_exc_field(o, "args");
        const char *msg = NULL;
        if (args && (py_hold_flags(py_hold_type(args)) & PY_TPFLAGS_TUPLE_SUBCLASS) && py.PyTuple_Size(args) > 0)
            msg = py_hold_str(py.PyTuple_GetItem(args, 0));
        py.PyErr_Clear();
        snprintf(buf, sizeof buf, "%s: %s", tn, msg ? msg : "");
        py_hold_snip(out, "", buf, "");
    } else if (t == py.PyFrame_Type) {
        py_hold_frame_text(o, out);
    } else if (t == py.PyTraceBack_Type) {
        PyObj *ln = py.PyObject_GetAttrString(o, "tb_lineno");
        long l = ln ? py.PyLong_AsLong(ln) : -1;
        if (ln)
            py.Py_DecRef(ln);
        py.PyErr_Clear();
        snprintf(buf, sizeof buf, "traceback, line %ld", l);
        py_hold_snip(out, "", buf, "");
    } else if (t == py.PyFunction_Type) {
        char q[128];
        attr_text(o, "__qualname__", q, sizeof q);
        py_hold_snip(out, "function ", q, "()");
    } else if (t == py.PyCode_Type) {
        char q[128];
        attr_text(o, "co_name", q, sizeof q);
        py_hold_snip(out, "code of ", q, "");
    } else {
        py_hold_snip(out, "", tn, " object");
    }
}

