/* py_fork.c - keeping the helper thread out of CPython's fork-time thread
 * count (the Python layer's side of ccx_helper.c's fork handling).
 *
 * CPython 3.12 and later count the process's threads in the parent right
 * after fork() returns inside os.fork() (and os.forkpty(), os.fork1()),
 * and print "DeprecationWarning: This process ... is multi-threaded" when
 * there are several.  3.12 counts before the os.register_at_fork
 * after_in_parent callbacks run, 3.13.0 after them.  Both count before
 * os.fork() returns to the Python code that called it, with the GIL held.
 *
 * ccx_py_fork_hide says whether a fork is such a fork (the forking thread
 * holds the GIL of an initialized 3.12+ interpreter); the core then lets
 * its helper exit.  ccx_py_fork_defer (parent handler) notes the caller's
 * frame and queues a pending call: the interpreter runs it in the main
 * thread at its next check of the eval breaker, which comes at the latest
 * right after os.fork() returns to that frame (the CALL instruction checks
 * it).  It can come earlier, in an after_in_parent callback written in
 * Python (3.13.0 still has to count then): the callback's frame is on top
 * of the caller's, so the pending call queues itself again and waits for
 * the caller's frame to be on top, or gone.  Then ccx_helper_resume()
 * restarts the helper.
 */
#include "py_api.h"
#include "py_read.h"
#include "py_layer.h"
#include "ccx_clock.h"

#include <time.h>


/* Re-queued for at most REQUEUE_S after the fork (a long after_in_parent
 * callback in Python); then the helper comes back regardless.  Each of
 * the callback's eval-breaker checks runs the pending call up to 32 times
 * meanwhile (the interpreter runs the queue until it is empty, 32 calls
 * at most): about 3 us per check, measured below in docs/preload.md. */
#define REQUEUE_S 1.0
#define CHAIN_MAX 256

static struct py_layout fl;     /* enough of it to find a thread's frames */
static int have_fl;
static PyTState *fork_ts;       /* the forking thread */
static const void *fork_frame;  /* its top frame: os.fork()'s caller */
static double fork_time;

static void choose_layout(void)
{
    if (have_fl)
        return;
    const struct py_layout *l = py_layout_for(py.minor);
    if (!l)
        return;  /* a version without a known layout: no frame check */
    fl = *l;
    if (py.minor >= 13 && py.PyRuntime)
        (void)py_layout_from_debug_offsets(py.PyRuntime, py.version_hex, &fl);
    have_fl = 1;
}

static const void *top_frame(const PyTState *ts)
{
    const void *f = py_ld_ptr(ts, fl.ts_frame);
    if (fl.cframe_current != PY_OFF_NONE && f)
        f = py_ld_ptr(f, fl.cframe_current);
    return f;
}

/* Is os.fork() still running: its caller's frame below the top one? */
static int inside_fork(void)
{
    if (!have_fl || !fork_ts || !fork_frame)
        return 0;
    const void *f = top_frame(fork_ts);
    if (f == fork_frame)
        return 0;  /* back in the caller */
    for (int i = 0; f && i < CHAIN_MAX; i++) {
        f = py_ld_ptr(f, fl.fr_back);
        if (f == fork_frame)
            return 1;
    }
    return 0;      /* the caller's frame is gone: long returned */
}

int ccx_py_fork_hide(void)
{
    const char *why = NULL;
    if (!py_api_load(&why) || py.minor < 12 || !py.Py_AddPendingCall || !py.PyGILState_Check)
        return 0;
    if (py.IsFinalizing && py.IsFinalizing())
        return 0;
    return py.PyGILState_Check() == 1;
}

static int resume(void *arg)
{
    (void)arg;
    if (inside_fork() && ccx_mono_s() - fork_time < REQUEUE_S && py.Py_AddPendingCall(resume, NULL) == 0)
        return 0;
    fork_ts = NULL;
    fork_frame = NULL;
    ccx_helper_resume();
    return 0;
}

int ccx_py_fork_defer(void)
{
    /* ccx_py_fork_hide said yes in the prepare handler, so py is loaded
     * and this thread holds the GIL. */
    choose_layout();
    fork_ts = py.PyGILState_GetThisThreadState();
    fork_frame = have_fl && fork_ts ? top_frame(fork_ts) : NULL;
    fork_time = ccx_mono_s();
    return py.Py_AddPendingCall(resume, NULL) == 0;
}
