/* ccx_state.c - whether the core traces this process, and how densely:
 * the tracing state (set by control's constructor, read by the hooks, the
 * recorder and the writers) and the mean sampling interval (set from the
 * options by ccx_record_init, read by the recorder and the unwinder); and
 * each thread's own state (ccx_layer.h): the re-entrancy guard and the
 * countdown and counters of the fast path. */
#include "ccx_core.h"

int ccx_state;
uint64_t ccx_mean;
__thread int ccx_guard __attribute__((tls_model("initial-exec")));
__thread struct ccx_thread ccx_t __attribute__((tls_model("initial-exec")));

int ccx_tracing(void)
{
    return ccx_state > 0;
}

void ccx_tracing_off(void)
{
    __atomic_store_n(&ccx_state, -1, __ATOMIC_RELEASE);
}
