/* ccx_only.h - CCXTRACE_ONLY's matching (ccx_only.c), used by the
 * constructor (ccx_init.c) and unit-tested on its own. */
#ifndef CCX_ONLY_H
#define CCX_ONLY_H

#include "ccx_options.h"

/* 1 when only selects a process with this executable path (may be NULL)
 * and argv; always 0 for a refused value, always 1 for an empty one. */
int ccx_only_match(const struct ccx_only *only, const char *exe, int argc, char *const *argv);

#endif
