/* py_alloc.h - the PyMem MEM/OBJ domain hooks (py_alloc.c). */
#ifndef PY_ALLOC_H
#define PY_ALLOC_H

#include "py_api.h"

/* Wrap the MEM and OBJ domains; the caller holds the GIL.  0 on success. */
CCX_INTERNAL int py_alloc_install(void);
CCX_INTERNAL int py_alloc_installed(void);

/* The tracer's own Python work on a program thread (a pending call in the
 * main thread): the hooks over pymalloc count without testing the guard,
 * and a program thread's counters go into the totals, so begin() raises
 * the guard and keeps the thread's counts, end() puts them back. */
struct py_own_work {
    unsigned long long alloc_calls, alloc_bytes, free_calls;
};
CCX_INTERNAL void py_alloc_own_begin(struct py_own_work *w);
CCX_INTERNAL void py_alloc_own_end(const struct py_own_work *w);

#endif
