/* py_holders.h - "who holds it" (docs/holders.md): at a snapshot, the
 * reference paths from a root to sampled instances of the growing types,
 * written as the snapshot's python.holders member (py_holders.c). */
#ifndef PY_HOLDERS_H
#define PY_HOLDERS_H

#include "ccx_layer.h"

/* Writes "holders": {...} into the open python object (key and value), or
 * nothing when there is nothing to report (the first snapshot without
 * CCXTRACE_HOLDERS_TYPES, CCXTRACE_HOLDERS=0 and no types named, or an
 * interpreter whose object layout did not check out).  The caller holds
 * the GIL and ccx_guard, on the helper (or exit-snapshot) thread, never in
 * a signal handler and never while the interpreter finalizes; everything
 * allocated here is released before it returns. */
CCX_INTERNAL void py_holders_write(struct ccx_json *j);

#endif
