/* py_holders_int.h - what the three files of the holders search share
 * (docs/holders.md): py_holders.c runs the search and writes it,
 * py_holders_text.c describes objects from their fields, and
 * py_holders_edge.c names the edges of a path and its root.  Everything
 * here runs with the GIL held on the snapshot thread, never calls an
 * object's __repr__ and runs no user code on purpose (only C getters of
 * built-in types and identity comparisons). */
#ifndef PY_HOLDERS_INT_H
#define PY_HOLDERS_INT_H

#include "py_api.h"
#include "py_read.h"
#include "holders_graph.h"

#define PY_HOLD_SNIP 60   /* bytes of a description or label */

static inline const void *py_hold_type(const void *o) { return py_ld_ptr(o, PY_OB_TYPE); }
static inline unsigned long py_hold_flags(const void *t) { return py_ld_ulong(t, PY_TP_FLAGS); }
static inline const char *py_hold_tname(const void *t)
{
    const char *n = py_ld_ptr(t, PY_TP_NAME);
    return n ? n : "?";
}

/* One element of a path, as written (CCX_F_HOLD_*). */
struct py_hold_elem {
    PyObj *o;
    const char *via;              /* CCX_VIA_* */
    char label[PY_HOLD_SNIP + 4];
    char type[PY_HOLD_SNIP + 4];
    char repr[PY_HOLD_SNIP + 4];
    char detail[PY_HOLD_SNIP + 4];
    int64_t refs;
    int skip;
};

static inline int py_hold_via_is(const struct py_hold_elem *e, const char *v)
{
    return e->via && !__builtin_strcmp(e->via, v);
}

/* ---- py_holders_text.c ---- */
/* At most PY_HOLD_SNIP bytes of s (cut on a UTF-8 boundary, "..." marking
 * the cut) between an optional prefix and suffix, into out. */
CCX_INTERNAL void py_hold_snip(char *out, const char *pre, const char *s, const char *post);
/* The UTF-8 of a str object (NULL for anything else). */
CCX_INTERNAL const char *py_hold_str(PyObj *o);
/* A dict key as a label. */
CCX_INTERNAL void py_hold_key_text(PyObj *k, char *out);
CCX_INTERNAL const char *py_hold_module_name(PyObj *mod, char *buf, size_t n);
/* The module whose globals dict d is (borrowed), or NULL. */
CCX_INTERNAL PyObj *py_hold_module_of_dict(const PyObj *d);
/* "frame of f (file:line)" */
CCX_INTERNAL void py_hold_frame_text(PyObj *f, char *out);
/* An exception's field by its Python name (borrowed), or NULL. */
CCX_INTERNAL PyObj *py_hold_exc_field(PyObj *e, const char *which);
/* A short description of an object, from its fields. */
CCX_INTERNAL void py_hold_describe(PyObj *o, char *out);

/* ---- py_holders_edge.c ---- */
/* How e->o is reached from p: sets e->via and e->label.  g: the searched
 * graph (a value is looked into only when it is one of its objects). */
CCX_INTERNAL void py_hold_edge(PyObj *p, struct py_hold_elem *e, const struct hg_graph *g);
/* What kind of root e->o is (sys.modules, a module's globals, a running
 * frame or its local, immortal, external): sets via, label, refs, detail. */
CCX_INTERNAL void py_hold_root(struct py_hold_elem *e, int64_t gc_refs, const struct hg_graph *g);

#endif
