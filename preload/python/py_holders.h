/* py_holders.h - "who holds it" (docs/holders.md): at a snapshot, the
 * reference paths from a root to sampled instances of the growing types,
 * written as the snapshot's python.holders member (py_holders*.c), from
 * the census's walk over the heap (py_census.c). */
#ifndef PY_HOLDERS_H
#define PY_HOLDERS_H

#include "ccx_layer.h"

struct py_types;
struct py_objs;

/* What the holders search does at this snapshot; asked by the census
 * before its walk (GIL held). */
enum py_holders_plan {
    PY_HOLDERS_OFF = 0,    /* nothing (CCXTRACE_HOLDERS=0 and no type named,
                              or an interpreter whose layout did not check out) */
    PY_HOLDERS_PRESSURE,   /* skipped under memory pressure, and says so */
    PY_HOLDERS_BASELINE,   /* nothing can be picked yet (the first snapshot
                              without CCXTRACE_HOLDERS_TYPES): the counts are
                              kept for the next one, nothing is written */
    PY_HOLDERS_SEARCH      /* the census keeps the objects it walks over */
};
CCX_INTERNAL enum py_holders_plan py_holders_plan(void);

/* Writes "holders": {...} into the open python object (key and value), or
 * nothing when there is nothing to report (nothing grew and nothing is
 * named), from the census's table of types and, for PY_HOLDERS_SEARCH,
 * the objects of its walk (NULL when they could not be kept).  The caller
 * holds the GIL and ccx_guard, on the helper (or exit-snapshot) thread,
 * never in a signal handler and never while the interpreter finalizes;
 * everything allocated here is released before it returns. */
CCX_INTERNAL void py_holders_write(struct ccx_json *j, enum py_holders_plan plan,
                                   const struct py_types *types, const struct py_objs *objs);

#endif
