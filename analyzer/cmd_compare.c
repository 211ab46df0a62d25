/* cmd_compare.c - placeholder, replaced below */
#include "cmd.h"
int ccx_cmd_compare(const struct ccx_opts *op, struct ccx_out *o)
{
    (void)op;
    (void)o;
    ccx_err("compare: not yet");
    return 2;
}
