/* diff.h - the two halves of `ccx-analyze diff`, picked by cmd_diff.c:
 * two snapshots (diff_pair.c), or two sets process by process, OLD in
 * op->inputs and NEW in op->inputs2 (diff_sets.c; one snapshot on each
 * side goes to the pair).  Each returns the exit status (0, 1 or 2). */
#ifndef CCX_DIFF_H
#define CCX_DIFF_H

#include "cmd.h"

int ccx_diff_pair(const struct ccx_opts *op, struct ccx_out *o);
int ccx_diff_sets(const struct ccx_opts *op, struct ccx_out *o);

#endif
