/* py_runtime.c - the Python layer's life cycle, driven by the tracer's
 * helper thread through the operations py_layer_start registers
 * (ccx_layer.h, py_layer.h).
 *
 * ccx_py_helper_tick: once the interpreter is initialized (and never when
 * it is finalizing) take the GIL with PyGILState_Ensure, pick the frame
 * layout for the running version, check it against the interpreter's own
 * frame API, install the PyMem hooks and an atexit callback.  Any failure
 * leaves native-only stacks and prints one `ccxtrace: python:` line
 * (ccx_diag.h).
 *
 * The atexit callback takes the exit snapshot (names and census still
 * there), then marks the interpreter gone so nothing here touches it
 * again: a thread calling PyGILState_Ensure while the interpreter
 * finalizes is terminated by CPython, which must never happen to the
 * helper.  py_section serializes the helper's GIL sections with that
 * hand-over; the atexit callback waits for it with the GIL released.
 */
#include "py_alloc.h"
#include "py_census.h"
#include "py_frames.h"
#include "py_layer.h"
#include "ccx_clock.h"
#include "ccx_diag.h"
#include "ccx_format.h"
#include "ccx_options.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { ST_WAITING = 0, ST_ACTIVE = 1, ST_OFF = 2 };

static int state;                     /* ST_* */
static int gone;                      /* interpreter exited or finalizing */
/* The start-up check compares the walker with the interpreter's own frame
 * API on every thread, with the GIL held.  The walker skips the frames the
 * API does not count (incomplete ones, py_frames.c), which was the common
 * cause of a mismatch under a right layout (a thread paused in 3.13's
 * __init__ above its clean-up shim: "frame 8: walker saw a different code
 * object line 0" in wl_lifecycle.py with -X dev).  Measured beside four
 * threads calling closures, generators, __init__ and finalizers (gc
 * threshold 50), mismatches per check before that fix: 730/2000 (3.11.7),
 * 0/2000 (3.12.1), 1994/2000 (3.13.0), 1936/2000 (Debian 3.11); after it:
 * 0/3000 on 3.9-3.13, 1/3000 on Debian 3.11 (cause not confirmed: perhaps
 * the check's own frame objects start a collection whose finalizers run
 * Python code and release the GIL).  So a mismatch is retried at most VALIDATE_TRIES - 1 times at the
 * next (fast) ticks: three in a row, if independent, about 4e-11 with a
 * right layout, while a wrong one mismatches at every check. */
#define VALIDATE_TRIES 3
static int validate_fails;
static struct py_layout layout;
static int have_layout;

/* The frame check has neither passed nor refused the layout yet. */
static int frames_check_pending(void)
{
    return have_layout && !py_frames_on() && validate_fails < VALIDATE_TRIES;
}
static pthread_mutex_t py_section = PTHREAD_MUTEX_INITIALIZER;
static PyObj *none_obj;
/* Test only (tests/integration/python/test_py_exit_race.sh): the helper
 * sleeps this long between its last look at the interpreter and
 * PyGILState_Ensure, which widens the window an exiting interpreter could
 * use.  Read once; 0 (unset) costs one test per GIL section. */
static long test_gil_delay_ms = -1;

static void test_gil_delay(void)
{
    if (test_gil_delay_ms < 0) {
        const char *v = getenv("CCXTRACE_PY_TEST_GIL_DELAY_MS");
        test_gil_delay_ms = v && *v ? atol(v) : 0;
    }
    if (test_gil_delay_ms > 0) {
        struct timespec ts = { test_gil_delay_ms / 1000, test_gil_delay_ms % 1000 * 1000000L };
        nanosleep(&ts, NULL);
    }
}

#define warn(fmt, ...) ccx_diag("python: " fmt, __VA_ARGS__)

static PyObj *at_exit(PyObj *self, PyObj *arg)
{
    (void)self;
    (void)arg;
    /* Let other threads (and a helper waiting for the GIL) run while the
     * snapshot is written; the census takes the GIL back. */
    PyTState *ts = py.PyEval_SaveThread();
    if (!gone)  /* the core honours CCXTRACE_AT_EXIT=0 */
        ccx_snapshot_sync(CCX_REASON_EXIT, NULL);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    int locked = pthread_mutex_timedlock(&py_section, &until) == 0;
    __atomic_store_n(&gone, 1, __ATOMIC_RELEASE);
    py_frames_off();
    if (locked)
        pthread_mutex_unlock(&py_section);
    py.PyEval_RestoreThread(ts);
    py.Py_IncRef(none_obj);
    return none_obj;
}

static struct py_method_def at_exit_def = {
    "ccxtrace_at_exit", at_exit, PY_METH_NOARGS, "ccxtrace: exit snapshot"
};

static int register_at_exit(void)
{
    none_obj = py.Py_None;
    if (!none_obj)
        return -1;
    PyObj *mod = py.PyImport_ImportModule("atexit");
    PyObj *reg = mod ? py.PyObject_GetAttrString(mod, "register") : NULL;
    PyObj *fn = reg ? py.PyCFunction_NewEx(&at_exit_def, NULL, NULL) : NULL;
    PyObj *args = fn ? py.PyTuple_Pack(1, fn) : NULL;
    PyObj *r = args ? py.PyObject_CallObject(reg, args) : NULL;
    PyObj *all[] = { mod, reg, fn, args, r };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i])
            py.Py_DecRef(all[i]);
    if (!r) {
        py.PyErr_Clear();
        return -1;
    }
    return 0;
}

static void choose_layout(void)
{
    const struct py_layout *l = py_layout_for(py.minor);
    if (!py.PyThreadState_GetFrame || !py.PyFrame_GetCode || !py.PyFrame_GetBack ||
        !py.PyInterpreterState_Get)
        l = NULL;  /* before 3.9: no API to check a layout against */
    if (!l) {
        char v[48];
        snprintf(v, sizeof v, "%s", py.version);
        warn("Python %s has no known frame layout; stacks are native only", v);
        return;
    }
    layout = *l;
    if (py.minor >= 13 && py.PyRuntime &&
        py_layout_from_debug_offsets(py.PyRuntime, py.version_hex, &layout) != 0) {
        warn("Python %s: _Py_DebugOffsets not recognised; using the built-in 3.13 layout",
             py.version);
    }
    /* Test only (tests/integration/python/test_py_unsupported.sh): a
     * deliberately wrong layout, which the start-up check must refuse. */
    const char *skew = getenv("CCXTRACE_PY_TEST_SKEW");
    if (skew && *skew) {
        uint32_t k = (uint32_t)atoi(skew);
        layout.ts_frame += k;
        layout.fr_back += k;
        layout.fr_code += k;
    }
    have_layout = 1;
}

/* GIL held. */
static void activate(void)
{
    if (frames_check_pending()) {
        char why[160] = "";
        int r = py_frames_validate(&layout, why, sizeof why);
        if (r > 0) {
            py_frames_prepare_merge();
            if (py_frames_init(&layout) != 0)
                validate_fails = VALIDATE_TRIES;
        } else if (r < 0 && ++validate_fails >= VALIDATE_TRIES) {
            warn("Python %s frame layout check failed (%s); stacks are native only", py.version, why);
        }
    }
    if (state == ST_WAITING) {
        py_alloc_install();
        if (register_at_exit() != 0)
            warn("%s", "could not register the atexit callback; no exit snapshot from Python");
        state = ST_ACTIVE;
    }
}

/* Why with_gil() did not run fn (for the warning line). */
enum { GIL_RAN = 0, GIL_GONE = -1, GIL_BUSY = -2, GIL_FINALIZING = -3, GIL_LATER = -4 };

/* The start-up work's pending call (activate_pending): PEND_QUEUED from
 * Py_AddPendingCall until the main thread runs it; written under
 * py_section, read anywhere. */
enum { PEND_NONE = 0, PEND_QUEUED = 1 };
static int pending;
static double pending_since;
/* Set by ccx_py_exit (the process's exit has begun): the helper starts no
 * GIL section any more. */
static int exit_barred;
/* Where the helper's GIL section is (atomic): SEC_ENSURE from its look at
 * the interpreter until PyGILState_Ensure returns, SEC_PYTHON while it runs
 * with the GIL (which Python code inside may let go for a while). */
enum { SEC_NONE = 0, SEC_ENSURE = 1, SEC_PYTHON = 2 };
static int sec_phase;

static int lock_section(void)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    return pthread_mutex_timedlock(&py_section, &until) == 0;
}

static int interp_usable(void)
{
    return py.Py_IsInitialized() && !(py.IsFinalizing && py.IsFinalizing());
}

/* fenced: the helper's fallback for the start-up work, which may run only
 * while its pending call is still queued (see activate_soon). */
static int with_gil_section(void (*fn)(void *), void *arg, int fenced)
{
    /* Bounded: CPython ends a thread that waits for the GIL while the
     * interpreter finalizes (pthread_exit inside PyGILState_Ensure), which
     * would leave this lock held for good; then the Python layer is
     * simply skipped. */
    if (!lock_section())
        return GIL_BUSY;
    int ran;
    if (gone || (__atomic_load_n(&exit_barred, __ATOMIC_ACQUIRE) && ccx_helper_is_self()))
        ran = GIL_GONE;
    else if (fenced && __atomic_load_n(&pending, __ATOMIC_ACQUIRE) != PEND_QUEUED)
        ran = GIL_LATER;
    else if (!interp_usable())
        ran = GIL_FINALIZING;
    else {
        ccx_guard++;
        __atomic_store_n(&sec_phase, SEC_ENSURE, __ATOMIC_RELEASE);
        test_gil_delay();
        py_gilstate_t g = py.PyGILState_Ensure();
        __atomic_store_n(&sec_phase, SEC_PYTHON, __ATOMIC_RELEASE);
        /* Holding the GIL, this thread keeps the interpreter from
         * finalizing (unless fn itself lets the GIL go): look once more. */
        ran = interp_usable() ? GIL_RAN : GIL_FINALIZING;
        if (ran == GIL_RAN)
            fn(arg);
        py.PyGILState_Release(g);
        __atomic_store_n(&sec_phase, SEC_NONE, __ATOMIC_RELEASE);
        ccx_guard--;
    }
    pthread_mutex_unlock(&py_section);
    return ran;
}

/* Runs fn() with the GIL, unless the interpreter is gone or finalizing.
 * Returns GIL_RAN (0) when it ran, else why not.  While a fork waits for
 * the helper (ccx_helper_gil_begin), may_skip gives up (GIL_LATER),
 * otherwise this waits until the fork is done. */
static int with_gil(void (*fn)(void *), void *arg, int may_skip, int fenced)
{
    if (__atomic_load_n(&gone, __ATOMIC_ACQUIRE))
        return GIL_GONE;
    if (!ccx_helper_gil_begin(may_skip))
        return GIL_LATER;
    int ran = with_gil_section(fn, arg, fenced);
    ccx_helper_gil_end();
    return ran;
}

static void tick_fn(void *arg)
{
    (void)arg;
    activate();
}

/* The start-up work (activate) runs in the main thread, at its next check
 * of the eval breaker, as a pending call: the helper then does not wait
 * for the GIL while the interpreter starts, when a fork may come at any
 * moment (a helper waiting for the GIL cannot step aside, see py_fork.c).
 *
 * When the main thread runs no Python for PENDING_GRACE_S (blocked in C
 * with the GIL released), the helper takes the GIL itself, but only while
 * the pending call is still queued, and it holds py_section from that look
 * until it has released the GIL; the pending call takes py_section before
 * anything else (letting the GIL go while it waits).  Py_FinalizeEx runs
 * the pending calls (_Py_FinishPendingCalls) before the atexit callbacks
 * and before it marks the interpreter finalizing, so a main thread that
 * has not run the queued call yet cannot finalize until the helper's
 * section is over.  Without this fence the helper's look (initialized,
 * not finalizing) could be followed by PyGILState_Ensure on an interpreter
 * that had meanwhile been finalized and freed: SIGSEGV or a heap
 * corruption abort at exit in about 4 % of `python3 -c 'print(1)'` runs
 * before the pending call existed (test_py_exit_race.sh). */
#define PENDING_GRACE_S 0.02

/* The pending call, GIL released: waits for the helper's GIL section
 * while the helper has not taken the GIL yet (it may be between its look
 * at the interpreter and PyGILState_Ensure).  Once it runs Python code the
 * wait ends without the lock: that code may wait for a lock this thread
 * holds (the import lock: a pending call can run inside an import, and
 * activate() imports atexit; seen as a 10 s stall at exit on 3.10). */
static int wait_section(void)
{
    for (int ms = 0; ms < 5000; ms++) {
        if (pthread_mutex_trylock(&py_section) == 0)
            return 1;
        if (__atomic_load_n(&sec_phase, __ATOMIC_ACQUIRE) == SEC_PYTHON)
            return 0;
        struct timespec ts = { 0, 1000000L };
        nanosleep(&ts, NULL);
    }
    return 0;
}

/* Main thread, GIL held. */
static int activate_pending(void *arg)
{
    (void)arg;
    if (__atomic_load_n(&gone, __ATOMIC_ACQUIRE) || !interp_usable()) {
        __atomic_store_n(&pending, PEND_NONE, __ATOMIC_RELEASE);
        return 0;   /* finalizing: no waiting for the helper either */
    }
    int locked = pthread_mutex_trylock(&py_section) == 0;
    if (!locked) {
        PyTState *ts = py.PyEval_SaveThread();
        locked = wait_section();
        py.PyEval_RestoreThread(ts);
    }
    if (locked && !__atomic_load_n(&gone, __ATOMIC_ACQUIRE) && interp_usable()) {
        /* What activate() allocates is the tracer's, not the program's. */
        struct py_own_work own;
        py_alloc_own_begin(&own);
        activate();
        py_alloc_own_end(&own);
    }
    __atomic_store_n(&pending, PEND_NONE, __ATOMIC_RELEASE);
    if (locked)
        pthread_mutex_unlock(&py_section);
    return 0;
}

static void activate_soon(void)
{
    if (__atomic_load_n(&pending, __ATOMIC_ACQUIRE) == PEND_QUEUED) {
        if (ccx_mono_s() - pending_since >= PENDING_GRACE_S)
            with_gil(tick_fn, NULL, 1, 1);
        return;
    }
    if (!py.Py_AddPendingCall)
        return;   /* 3.9+ all have it (py_api.c), so this never happens */
    pending_since = ccx_mono_s();
    __atomic_store_n(&pending, PEND_QUEUED, __ATOMIC_RELEASE);
    if (py.Py_AddPendingCall(activate_pending, NULL) != 0)
        __atomic_store_n(&pending, PEND_NONE, __ATOMIC_RELEASE);  /* queue full: next tick */
}

/* Fast ticks while the interpreter starts, for at most 10 s: a process
 * that carries libpython but never initializes it (or keeps the GIL) must
 * not wake the helper a hundred times a second for ever. */
static int wait_fast(void)
{
    static int fast_ticks;
    return fast_ticks++ < 10000 / CCX_PY_TICK_FAST_MS;
}

int ccx_py_helper_tick(void)
{
    if (state == ST_OFF || gone || !ccx_tracing())
        return 0;
    if (state == ST_WAITING && !ccx_opts()->python) {   /* CCXTRACE_PYTHON=0 */
        state = ST_OFF;
        return 0;
    }
    const char *why = NULL;
    if (!py_api_load(&why)) {
        if (why) {
            warn("%s; the Python layer is off", why);
            state = ST_OFF;
        }
        /* Not a Python process (yet): the usual second.  An interpreter
         * that is still initializing: look again soon. */
        return py.Py_IsInitialized ? wait_fast() : 0;
    }
    if (!py.Py_IsInitialized())
        return wait_fast();
    static int layout_chosen;  /* once: a refusal is said once, not at every tick */
    if (state == ST_WAITING && !layout_chosen) {
        layout_chosen = 1;
        /* The core's option table reads and checks them. */
        py_opt.census = ccx_opts()->census;
        py_opt.gc_collect = ccx_opts()->gc_collect;
        choose_layout();
    }
    /* Until the frame check has passed (or refused the layout), look again
     * soon: the first look may find no frame to compare, or a rare
     * mismatch (VALIDATE_TRIES). */
    if (state == ST_WAITING || frames_check_pending())
        activate_soon();
    return (state == ST_WAITING || frames_check_pending()) && !gone ? wait_fast() : 0;
}

struct write_arg { struct ccx_json *j; };

static void write_fn(void *arg)
{
    py_census_write(((struct write_arg *)arg)->j);
}

int ccx_py_write_section(struct ccx_json *j)
{
    if (state != ST_ACTIVE)
        return 0;
    struct write_arg a = { j };
    int rc = with_gil(write_fn, &a, 0, 0);
    /* After the exit snapshot the interpreter is gone by design; anything
     * else that leaves a snapshot without its census is said, a few times. */
    if (rc != GIL_RAN && rc != GIL_GONE)
        CCX_DIAG_LIMIT(5, "python: a snapshot is written without the census and Python names: %s",
                       rc == GIL_BUSY ? "another Python section held the lock for 5 s"
                                      : "the interpreter is finalizing");
    return rc == GIL_RAN;
}

struct gc_arg { long *count, *coll; int rc; };

static void gc_fn(void *arg)
{
    struct gc_arg *a = arg;
    a->rc = py_census_gc_counts(a->count, a->coll);
}

int ccx_py_gc_counts(long count[3], long collections[3])
{
    if (state != ST_ACTIVE)
        return 0;
    struct gc_arg a = { count, collections, -1 };
    return with_gil(gc_fn, &a, 0, 0) == 0 && a.rc == 0;
}

void ccx_py_exit(void)
{
    __atomic_store_n(&exit_barred, 1, __ATOMIC_RELEASE);
    if (state == ST_OFF || gone || !py.PyGILState_Ensure || ccx_helper_is_self())
        return;
    /* After Py_FinalizeEx a helper section still under way can only go
     * on into a freed interpreter: no wait, so that the process ends
     * first.  A thread that holds the GIL (an embedding program calling
     * exit()) cannot have a helper running Python beside it: no wait. */
    if (!interp_usable() || (py.PyGILState_Check && py.PyGILState_Check() == 1))
        return;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 2;
    if (pthread_mutex_timedlock(&py_section, &until) == 0)
        pthread_mutex_unlock(&py_section);
}

void ccx_py_atfork_child(void)
{
    pthread_mutex_init(&py_section, NULL);
    pending = PEND_NONE;   /* the parent's queue is not the child's */
    sec_phase = SEC_NONE;
    py_api_atfork_child();
    py_frames_atfork_child();
}

void py_layer_start(void)
{
    static const struct ccx_layer_ops ops = {
        .helper_tick = ccx_py_helper_tick,
        .write_section = ccx_py_write_section,
        .resolve_frame = ccx_py_resolve_frame,
        .gc_counts = ccx_py_gc_counts,
        .fork_hide = ccx_py_fork_hide,
        .fork_defer = ccx_py_fork_defer,
        .atfork_child = ccx_py_atfork_child,
        .exit = ccx_py_exit,
        .merge_stack = ccx_py_merge_stack,
    };
    ccx_layer_register(&ops);
}
