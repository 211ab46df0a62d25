/* print_python.h - the Python section (gc, census by type, after_collect
 * split, holders) as diff, trend and report print it (print_python.c). */
#ifndef CCX_PRINT_PYTHON_H
#define CCX_PRINT_PYTHON_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "model.h"
#include "out.h"

/* The section for snapshots ia -> ib of set: gc, the census change by type
 * (at most n rows), the after_collect split, ib's holders; text, or
 * Markdown when md.  Nothing when neither snapshot has a Python section. */
void ccx_print_python_changes(struct ccx_out *o, const struct ccx_set *set, size_t ia, size_t ib, size_t n, int md);
/* The after_collect split between snapshots a and b (census bytes, and the
 * traced heap when b records it) as a JSON object; NULL when b has no
 * after_collect census. */
cJSON *ccx_json_reclaim(const struct ccx_set *set, size_t a, size_t b);

#endif
