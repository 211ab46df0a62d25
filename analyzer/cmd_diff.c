/* cmd_diff.c - `ccx-analyze diff`: two snapshots are the classic diff
 * (diff_pair.c); OLD... -- NEW... or two directories are two sets, diffed
 * process by process (diff_sets.c). */
#include "cmd.h"
#include "diff.h"

#include <sys/stat.h>

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int ccx_cmd_diff(const struct ccx_opts *op, struct ccx_out *o)
{
    if (op->split)
        return ccx_diff_sets(op, o);
    if (op->ninputs == 2 && (is_dir(op->inputs[0]) || is_dir(op->inputs[1]))) {
        struct ccx_opts two = *op;
        two.inputs = op->inputs;
        two.ninputs = 1;
        two.inputs2 = op->inputs + 1;
        two.ninputs2 = 1;
        return ccx_diff_sets(&two, o);
    }
    return ccx_diff_pair(op, o);
}
