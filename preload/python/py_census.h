/* py_census.h - the snapshot's "python" section: version, gc figures and
 * the census of gc-tracked objects by type (py_census.c). */
#ifndef PY_CENSUS_H
#define PY_CENSUS_H

#include "py_api.h"

struct py_options {
    int census;        /* CCXTRACE_CENSUS, default 1 */
    int gc_collect;    /* CCXTRACE_GC_COLLECT, default 0 */
};
CCX_INTERNAL extern struct py_options py_opt;

/* Write the section's value; the caller holds the GIL and ccx_guard. */
CCX_INTERNAL void py_census_write(struct ccx_json *j);
/* gc.get_count() and the collections per generation; GIL held.  0 on success. */
CCX_INTERNAL int py_census_gc_counts(long count[3], long collections[3]);

#endif
