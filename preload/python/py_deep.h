/* py_deep.h - the deep census (py_deep.c): the objects the gc does not
 * track (str, bytes, int, float, untracked tuples and dicts, ...) that
 * the tracked ones refer to, by type, written as the snapshot's
 * python.deep member.  The census (py_census.c) drives it: begin with the
 * number of tracked objects, visit each tracked object once, write, end.
 * All with the GIL held and ccx_guard raised, on the snapshot's thread. */
#ifndef PY_DEEP_H
#define PY_DEEP_H

#include <stddef.h>
#include "py_api.h"

/* Decides the census's form for this snapshot (CCXTRACE_CENSUS, memory
 * pressure) and, for the deep form, takes its memory.  1 when the deep
 * census runs: then py_deep_visit for each tracked object. */
CCX_INTERNAL int py_deep_begin(size_t ntracked);
CCX_INTERNAL void py_deep_visit(const void *tracked);
/* Writes python.census_form (and census_form_why when the deep form was
 * wanted but not taken) and, after a deep census, python.deep. */
CCX_INTERNAL void py_deep_write(struct ccx_json *j);
/* Gives back the memory; safe to call after any begin. */
CCX_INTERNAL void py_deep_end(void);

/* For the tracked census's owned_bytes: what objects of type t own that
 * the census's own kinds do not cover, decided once per type (0: nothing;
 * a collections.deque's blocks, as its __sizeof__ counts them; 3.11+ an
 * instance's pre-header and attribute values, as tracemalloc sees them
 * allocated), and how many bytes o owns.  Read from memory only. */
enum { PY_DEEP_OWNS_DEQUE = 1, PY_DEEP_OWNS_VALUES = 2 };
CCX_INTERNAL int py_deep_owns(const void *t);
CCX_INTERNAL uint64_t py_deep_owned(int kind, const void *o);

#endif
