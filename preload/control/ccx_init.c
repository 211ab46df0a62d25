/* ccx_init.c - start and end of tracing, and fork.
 *
 * The constructor reads the options (ccx_options.c), decides whether this
 * process is traced at all (CCXTRACE_ONLY, ccx_only.c), loads libunwind,
 * sets up the tables, starts the Python layer (it registers its
 * operations with the core) and the helper thread.  The destructor writes
 * the exit snapshot unless one was written already (the Python layer
 * writes it from an atexit callback, before the interpreter is
 * finalized).  In a fork child everything starts afresh: tables,
 * numbering, pid, helper thread; around a fork the parent's helper may
 * step aside (ccx_helper.c).  Messages go through ccx_diag.h.
 */
#include "ccx_control.h"
#include "ccx_core.h"
#include "ccx_output.h"
#include "ccx_diag.h"
#include "ccx_format.h"
#include "ccx_ident.h"
#include "ccx_only.h"
#include "ccx_options.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static const char *env_get(const char *name)
{
    return getenv(name);
}

/* CCXTRACE_ONLY (ccx_only.c); a refused value says so in one line. */
static int selected(int argc, char **argv)
{
    if (ccx_opts()->only.refused) {
        ccx_options_check("CCXTRACE_ONLY", env_get, ccx_diag_line);
        return 0;
    }
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    return ccx_only_match(&ccx_opts()->only, exe, argc, argv);
}

static void atfork_prepare(void)
{
    if (ccx_state > 0) {
        ccx_guard++;
        ccx_helper_fork_prepare();
        ccx_guard--;
    }
    ccx_gate_fork_prepare();
}

static void atfork_parent(void)
{
    ccx_gate_fork_parent();
    if (ccx_state > 0) {
        ccx_guard++;
        ccx_helper_fork_parent();
        ccx_guard--;
    }
}

static void atfork_child(void)
{
    ccx_gate_fork_child();
    if (ccx_state <= 0)
        return;
    ccx_guard++;
    ccx_diag_atfork_child();
    ccx_record_atfork_child();
    ccx_snapshot_atfork_child();
    ccx_pressure_atfork_child();
    ccx_seq_reset();
    ccx_helper_atfork_child();
    ccx_layer_atfork_child();
    ccx_guard--;
}

/* Not tracing after all: the hooks only forward from now on. */
static void refuse(void)
{
    ccx_state = -1;
    ccx_guard--;
}

__attribute__((constructor)) static void ccx_init(int argc, char **argv, char **envp)
{
    (void)envp;
    if (ccx_state != 0)
        return;
    ccx_guard++;
    ccx_hooks_resolve();
    /* Quietly first: a process CCXTRACE_ONLY leaves alone prints nothing. */
    ccx_options_load(env_get, NULL);
    if (!selected(argc, argv)) {
        refuse();
        return;
    }
    ccx_options_load(env_get, ccx_diag_line);
    ccx_diag_on_broken(ccx_tracing_off);
    ccx_ident_set_dir(ccx_opts()->dir);
    ccx_snapshot_init();
    if (ccx_unwind_init() != 0)
        ccx_diag("cannot load libunwind.so.8 (install libunwind8); native stacks are off");
    if (ccx_record_init() != 0) {
        ccx_diag("cannot map the tracer's tables; tracing is off");
        refuse();
        return;
    }
    py_layer_start();
    pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
    __atomic_store_n(&ccx_state, 1, __ATOMIC_RELEASE);
    ccx_helper_start();
    ccx_guard--;
}

__attribute__((destructor)) static void ccx_fini(void)
{
    if (ccx_state <= 0)
        return;
    ccx_guard++;
    ccx_helper_stop();
    ccx_layer_exit();
    ccx_helper_flush_at_exit();
    if (ccx_snapshot_lock(CCX_EXIT_WAIT_MS) == 0) {
        if (ccx_opts()->at_exit && !ccx_exit_done) {
            ccx_snapshot_write(ccx_seq_reserve(), CCX_REASON_EXIT, NULL);
            ccx_exit_done = 1;
        }
        /* the helper may be waiting for the lock with a snapshot of its
         * own: it must not start one the exit would cut short */
        ccx_final = 1;
        ccx_snapshot_unlock();
    }
    ccx_guard--;
}
