/* ccx_api.c - snapshots on request: the public ccxtrace_snapshot()
 * (ccxtrace.h: noted and written by the helper thread) and
 * ccx_snapshot_sync() (ccx_layer.h: written on the calling thread and
 * waited for; the Python layer's atexit callback). */
#include "ccx_control.h"
#include "ccx_core.h"
#include "ccx_output.h"
#include "ccx_diag.h"
#include "ccx_format.h"
#include "ccx_options.h"
#include "ccxtrace.h"

#include <string.h>

/* Under the snapshot lock: the exit snapshot is written once, and not at
 * all with CCXTRACE_AT_EXIT=0. */
static long write_locked(const char *reason, const char *label)
{
    int is_exit = strcmp(reason, CCX_REASON_EXIT) == 0;
    long seq = -1;
    if (is_exit && ccx_exit_done)
        return -1;
    if (is_exit && !ccx_opts()->at_exit) {
        ccx_exit_done = 1; /* CCXTRACE_AT_EXIT=0: none at all */
        return -1;
    }
    seq = ccx_seq_reserve();
    if (ccx_snapshot_write(seq, reason, label) != 0)
        seq = -1;
    if (is_exit)
        ccx_exit_done = 1;
    return seq;
}

long ccx_snapshot_sync(const char *reason, const char *label)
{
    if (ccx_state <= 0)
        return -1;
    long seq = -1;
    ccx_guard++;
    if (ccx_snapshot_lock(10000) != 0) {
        ccx_diag("%s snapshot not taken here: the snapshot under way did not finish within 10 s", reason);
    } else {
        seq = write_locked(reason, label);
        ccx_snapshot_unlock();
    }
    ccx_guard--;
    return seq;
}

CCX_EXPORT int ccxtrace_snapshot(const char *label)
{
    if (ccx_state <= 0)
        return -1;
    return (int)ccx_helper_request(label);
}
