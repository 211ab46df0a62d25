/* py_alloc.h - the PyMem MEM/OBJ domain hooks (py_alloc.c). */
#ifndef PY_ALLOC_H
#define PY_ALLOC_H

#include "py_api.h"

/* Wrap the MEM and OBJ domains; the caller holds the GIL.  0 on success. */
CCX_INTERNAL int py_alloc_install(void);
CCX_INTERNAL int py_alloc_installed(void);

#endif
