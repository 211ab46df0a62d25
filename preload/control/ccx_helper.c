/* ccx_helper.c - the helper thread and the snapshot triggers.
 *
 * Nothing slow happens in a signal handler or on the allocation path: the
 * signal handler (CCXTRACE_SIGNAL) and ccxtrace_snapshot() only note the
 * request and wake the helper (ccx_wake.c); the helper thread sleeps there
 * and wakes for requests, the CCXTRACE_INTERVAL timer, the once-a-second
 * poll of CCXTRACE_TRIGGER (a change of its content, size or mtime counts;
 * a "label=TEXT" line in it labels the snapshot, ccx_trigger.c) and the
 * Python layer's tick, and the stats CSV period.  The
 * helper keeps ccx_guard raised for its whole life: nothing it does is
 * traced.  All signals are blocked in it.
 */
#include "ccx_control.h"
#include "ccx_core.h"
#include "ccx_output.h"
#include "ccx_clock.h"
#include "ccx_diag.h"
#include "ccx_format.h"
#include "ccx_ident.h"
#include "ccx_options.h"
#include "ccx_procinfo.h"
#include "ccx_stale.h"
#include "ccx_trigger.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_REQ 32

static int sig_pending;
static int stop;
static pthread_mutex_t req_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    int used;
    int has_label;
    long seq;
    char label[256];
} reqs[MAX_REQ];
/* Requests taken out of reqs[] and not written yet (atomic): the exit
 * waits for them, or a request the helper took just before the exit
 * would find the exit snapshot written and be dropped. */
static int reqs_writing;

static void on_signal(int sig)
{
    (void)sig;
    int e = errno;
    __atomic_fetch_add(&sig_pending, 1, __ATOMIC_RELAXED);
    ccx_wake();
    errno = e;
}

long ccx_helper_request(const char *label)
{
    long seq = -1;
    ccx_guard++;
    pthread_mutex_lock(&req_lock);
    for (int i = 0; i < MAX_REQ; i++)
        if (!reqs[i].used) {
            reqs[i].used = 1;
            reqs[i].has_label = label != NULL;
            if (label)
                snprintf(reqs[i].label, sizeof reqs[i].label, "%s", label);
            seq = reqs[i].seq = ccx_seq_reserve();
            break;
        }
    pthread_mutex_unlock(&req_lock);
    ccx_guard--;
    if (seq >= 0)
        ccx_wake();
    return seq;
}

/* ---- trigger file ---- */
struct trig_state {
    int exists;
    off_t size;
    struct timespec mtime;
    ino_t ino;
    uint64_t hash;
    char label[256];   /* its "label=" line (ccx_trigger.h), or empty */
};

static void trig_read(struct trig_state *t)
{
    struct stat st;
    memset(t, 0, sizeof *t);
    if (stat(ccx_opts()->trigger, &st) != 0)
        return;
    t->exists = 1;
    t->size = st.st_size;
    t->mtime = st.st_mtim;
    t->ino = st.st_ino;
    t->hash = 1469598103934665603ull;
    int fd = open(ccx_opts()->trigger, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd >= 0) {
        char buf[4096];
        ssize_t n = S_ISREG(st.st_mode) ? read(fd, buf, sizeof buf) : 0;
        for (ssize_t i = 0; i < n; i++)
            t->hash = (t->hash ^ (unsigned char)buf[i]) * 1099511628211ull;
        if (n > 0)
            ccx_trigger_label(buf, (size_t)n, t->label, sizeof t->label);
        close(fd);
    }
}

static int trig_changed(const struct trig_state *a, const struct trig_state *b)
{
    return a->exists != b->exists || a->size != b->size || a->mtime.tv_sec != b->mtime.tv_sec ||
           a->mtime.tv_nsec != b->mtime.tv_nsec || a->ino != b->ino || a->hash != b->hash;
}

static int exiting;

static void snapshot(long seq, const char *reason, const char *label)
{
    if (!__atomic_load_n(&exiting, __ATOMIC_ACQUIRE))
        (void)ccx_layer_helper_tick();
    /* at exit never wait without bound (the helper could be stuck holding
     * the lock, e.g. waiting for an interpreter that is shutting down) */
    if (ccx_snapshot_lock(__atomic_load_n(&exiting, __ATOMIC_ACQUIRE) ? CCX_EXIT_WAIT_MS : -1) != 0)
        return;
    if (!ccx_final && (strcmp(reason, CCX_REASON_EXIT) != 0 || !ccx_exit_done))
        ccx_snapshot_write(seq < 0 ? ccx_seq_reserve() : seq, reason, label);
    ccx_snapshot_unlock();
}

/* Writes every pending ccxtrace_snapshot() request, oldest first (also
 * called at exit, so a request made just before exit is not lost). */
void ccx_helper_flush(void)
{
    for (;;) {
        long seq = -1;
        char label[256];
        int has_label = 0;
        pthread_mutex_lock(&req_lock);
        for (int i = 0; i < MAX_REQ; i++)
            if (reqs[i].used && (seq < 0 || reqs[i].seq < seq)) {
                seq = reqs[i].seq;
                has_label = reqs[i].has_label;
                memcpy(label, reqs[i].label, sizeof label);
            }
        for (int i = 0; i < MAX_REQ; i++)
            if (reqs[i].used && reqs[i].seq == seq)
                reqs[i].used = 0;
        if (seq >= 0)
            __atomic_fetch_add(&reqs_writing, 1, __ATOMIC_ACQ_REL);
        pthread_mutex_unlock(&req_lock);
        if (seq < 0)
            break;
        snapshot(seq, CCX_REASON_API, has_label ? label : NULL);
        __atomic_fetch_sub(&reqs_writing, 1, __ATOMIC_ACQ_REL);
    }
}

void ccx_helper_flush_at_exit(void)
{
    ccx_helper_flush();
    /* the helper's own, under way: it needs the snapshot lock, which
     * nobody holds here (bounded: the helper could be stuck) */
    double t0 = ccx_mono_ms();
    while (__atomic_load_n(&reqs_writing, __ATOMIC_ACQUIRE) > 0 && ccx_mono_ms() - t0 < CCX_EXIT_WAIT_MS)
        usleep(1000);
}

/* ---- the helper's life ----
 * The helper exists from the constructor to the exit, with one exception:
 * CPython 3.12 and later count the process's threads (/proc/self/stat) in
 * the parent right after os.fork() and warn when there is more than one.
 * When the forking thread is otherwise alone and holds the GIL of such an
 * interpreter (the Python layer's fork_hide), the prepare handler lets the
 * helper exit and waits until the kernel no longer counts it; the parent
 * handler hands the restart to the Python layer (fork_defer), which calls
 * ccx_helper_resume() once os.fork() has returned to Python code, i.e.
 * once CPython has counted.  The helper leaves only between two passes
 * over its work: a busy one is waited for, up to FORK_WAIT_MS, unless it
 * needs the GIL, which the forking thread holds (then it stays, and the
 * warning is printed as it would be with any other thread).  Nothing is
 * lost meanwhile: signals, requests and the schedule below are kept, and
 * a restarted helper starts with a pass over all of them. */
enum { H_NONE = 0, H_BUSY = 1, H_IDLE = 2 };
#define FORK_WAIT_MS 50
static pthread_mutex_t life_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t life_cond = PTHREAD_COND_INITIALIZER; /* CLOCK_REALTIME */
/* Under life_lock: */
static int h_state;      /* H_* */
static int park_req;     /* leave now (a fork) */
static int fork_waiting; /* a fork waits for the end of the helper's pass */
static int gil_held;     /* the helper holds or waits for the GIL */
static int gil_blocked;  /* the helper waits to take the GIL until the fork is done */
static int parked;       /* exited for a fork, restart pending (atomic) */
static pthread_t h_thread;
static __thread int is_helper __attribute__((tls_model("initial-exec")));

/* The schedule outlives a parked helper. */
static struct {
    int set;
    double interval, stats;  /* periods in s, 0 when off */
    double next_interval, next_stats;
    double next_tick;        /* the trigger file's poll, once a second */
    double next_py_tick;     /* the Python layer: fast until it is hooked */
    double next_pressure;    /* the memory-pressure watch (ccx_pressure_watch.c) */
    struct trig_state trig;
} sch;

static void sched_init(void)
{
    if (sch.set)
        return;
    double now = ccx_mono_s();
    sch.interval = (double)ccx_opts()->interval_ns / 1e9;
    sch.stats = (double)ccx_opts()->stats_interval_ns / 1e9;
    sch.next_interval = sch.interval > 0 ? now + sch.interval : 0;
    sch.next_stats = sch.stats > 0 ? now : 0; /* first stats line at once */
    sch.next_tick = now;
    sch.next_py_tick = now;
    sch.next_pressure = now;
    if (ccx_opts()->trigger[0])
        trig_read(&sch.trig);
    sch.set = 1;
}

/* Sleeps until the next thing is due or a wake-up comes. */
static void wait_due(void)
{
    double now = ccx_mono_s();
    double until = sch.next_tick < sch.next_py_tick ? sch.next_tick : sch.next_py_tick;
    if (sch.next_interval > 0 && sch.next_interval < until)
        until = sch.next_interval;
    if (sch.next_stats > 0 && sch.next_stats < until)
        until = sch.next_stats;
    if (sch.next_pressure < until)
        until = sch.next_pressure;
    ccx_wake_wait(until - now);
}

/* CCXTRACE_PRESSURE: the watch reads memory when due and may ask for a
 * snapshot (ccx_pressure_watch.c). */
static void pressure_work(double now)
{
    char label[48];
    if (now < sch.next_pressure)
        return;
    sch.next_pressure = now + ccx_pressure_tick(label, sizeof label) / 1000.0;
    if (label[0])
        snapshot(-1, CCX_REASON_PRESSURE, label);
}

/* One pass over everything that is due or pending. */
static void work(void)
{
    double now = ccx_mono_s();
    if (now >= sch.next_py_tick) {
        int soon = ccx_layer_helper_tick();
        sch.next_py_tick = now + (soon ? CCX_PY_TICK_FAST_MS / 1000.0 : 1.0);
    }
    if (now >= sch.next_tick) {
        sch.next_tick = now + 1.0;
        struct trig_state cur;
        if (ccx_opts()->trigger[0]) {
            trig_read(&cur);
            if (trig_changed(&sch.trig, &cur)) {
                sch.trig = cur;
                snapshot(-1, CCX_REASON_TRIGGER, cur.label[0] ? cur.label : NULL);
            }
        }
    }
    pressure_work(now);
    ccx_term_work(); /* CCXTRACE_ON_TERM (ccx_term.c) */
    if (__atomic_exchange_n(&sig_pending, 0, __ATOMIC_ACQ_REL))
        snapshot(-1, CCX_REASON_SIGNAL, NULL);
    ccx_helper_flush();
    if (sch.next_interval > 0 && ccx_mono_s() >= sch.next_interval) {
        snapshot(-1, CCX_REASON_INTERVAL, NULL);
        sch.next_interval = ccx_mono_s() + sch.interval;
    }
    if (sch.next_stats > 0 && ccx_mono_s() >= sch.next_stats) {
        ccx_stats_line();
        sch.next_stats += sch.stats;
        if (sch.next_stats < ccx_mono_s())
            sch.next_stats = ccx_mono_s() + sch.stats;
    }
}

/* The helper says what it does next; 0: it must leave (exit or fork). */
static int set_state(int st)
{
    pthread_mutex_lock(&life_lock);
    int go = !__atomic_load_n(&stop, __ATOMIC_ACQUIRE) && !park_req;
    h_state = go ? st : H_NONE;
    pthread_cond_broadcast(&life_cond);
    pthread_mutex_unlock(&life_lock);
    return go;
}

int ccx_helper_gil_begin(int may_skip)
{
    if (!is_helper)
        return 1;
    pthread_mutex_lock(&life_lock);
    if (fork_waiting && may_skip) {
        pthread_mutex_unlock(&life_lock);
        return 0;
    }
    while (fork_waiting) {
        gil_blocked = 1;
        pthread_cond_broadcast(&life_cond);
        pthread_cond_wait(&life_cond, &life_lock);
    }
    gil_blocked = 0;
    gil_held = 1;
    pthread_mutex_unlock(&life_lock);
    return 1;
}

int ccx_helper_is_self(void)
{
    return is_helper;
}

void ccx_helper_gil_end(void)
{
    if (!is_helper)
        return;
    pthread_mutex_lock(&life_lock);
    gil_held = 0;
    pthread_mutex_unlock(&life_lock);
}

static void *helper_main(void *arg)
{
    (void)arg;
    ccx_guard = 1;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    is_helper = 1;
    ccx_ident_init();
    ccx_stale_sweep_once(ccx_id.dir); /* temporary files of killed writers */
    sched_init();
    /* born idle: a fork that comes before its first pass parks it at once */
    while (set_state(H_BUSY)) {
        work();
        if (!set_state(H_IDLE))
            break;
        wait_due();
    }
    return NULL;
}

static int start_thread(void)
{
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 2 * 1024 * 1024); /* the census runs Python code here */
    pthread_mutex_lock(&life_lock);
    h_state = H_IDLE; /* it looks at park_req before its first pass */
    int r = pthread_create(&h_thread, &a, helper_main, NULL);
    if (r != 0)
        h_state = H_NONE;
    pthread_mutex_unlock(&life_lock);
    pthread_attr_destroy(&a);
    return r;
}

int ccx_helper_start(void)
{
    if (ccx_wake_init() != 0) {
        ccx_diag("cannot create the helper's semaphore: %s; no snapshots will be taken", ccx_strerror(errno));
        return -1;
    }
    if (ccx_opts()->signal) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        if (sigaction(ccx_opts()->signal, &sa, NULL) != 0)
            ccx_diag("cannot catch signal %d: %s", ccx_opts()->signal, ccx_strerror(errno));
    }
    ccx_term_install(); /* CCXTRACE_ON_TERM (ccx_term.c) */
    int r = start_thread();
    if (r != 0) {
        ccx_diag("cannot start the helper thread: %s; no snapshots but at exit", ccx_strerror(r));
        return -1;
    }
    return 0;
}

/* pthread_join returns when the thread has left user space; the kernel
 * takes it off the count a little later.  Wait for that, within 1 s. */
static void wait_uncounted(void)
{
    for (int i = 0; i < 20000 && ccx_count_threads() > 1; i++) {
        struct timespec ts = { 0, i < 100 ? 0 : 50000 };
        if (ts.tv_nsec)
            nanosleep(&ts, NULL);
        else
            sched_yield();
    }
}

/* Under life_lock: a fork waits (FORK_WAIT_MS at most) for the helper to
 * end its pass, unless it needs the GIL. */
static void wait_pass_end(void)
{
    if (h_state != H_BUSY || gil_held)
        return;
    struct timespec until;
    ccx_deadline_ms(&until, FORK_WAIT_MS);
    fork_waiting = 1;
    while (h_state == H_BUSY && !gil_blocked && !gil_held &&
           pthread_cond_timedwait(&life_cond, &life_lock, &until) == 0)
        ;
    fork_waiting = 0;
    pthread_cond_broadcast(&life_cond);
}

void ccx_helper_fork_prepare(void)
{
    if (getpid() != (pid_t)syscall(SYS_gettid)) /* not the main thread: not alone */
        return;
    pthread_mutex_lock(&life_lock);
    int park = h_state != H_NONE && !__atomic_load_n(&stop, __ATOMIC_ACQUIRE) && ccx_count_threads() == 2 &&
               ccx_layer_fork_hide();
    if (park) {
        wait_pass_end();
        park = h_state == H_IDLE;
    }
    park_req = park;
    pthread_mutex_unlock(&life_lock);
    if (!park)
        return;
    ccx_wake();
    pthread_join(h_thread, NULL);
    wait_uncounted();
    pthread_mutex_lock(&life_lock);
    park_req = 0;
    pthread_mutex_unlock(&life_lock);
    __atomic_store_n(&parked, 1, __ATOMIC_RELEASE);
}

void ccx_helper_resume(void)
{
    if (!__atomic_exchange_n(&parked, 0, __ATOMIC_ACQ_REL))
        return;
    if (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE))
        start_thread();
}

void ccx_helper_fork_parent(void)
{
    if (!__atomic_load_n(&parked, __ATOMIC_ACQUIRE))
        return;
    /* the Python layer restarts it once os.fork() has returned */
    if (!ccx_layer_fork_defer())
        ccx_helper_resume();
}

void ccx_helper_atfork_child(void)
{
    /* The parent's helper does not exist here: a new semaphore (the old one
     * may have had a waiter), a new schedule and a new helper. */
    ccx_wake_atfork_child();
    pthread_mutex_init(&req_lock, NULL);
    pthread_mutex_init(&life_lock, NULL);
    pthread_cond_init(&life_cond, NULL);
    memset(reqs, 0, sizeof reqs);
    reqs_writing = 0;
    memset(&sch, 0, sizeof sch);
    sig_pending = 0;
    stop = 0;
    exiting = 0;
    park_req = 0;
    parked = 0;
    fork_waiting = gil_held = gil_blocked = 0;
    h_state = H_NONE;
    ccx_stats_atfork_child();
    if (ccx_wake_init() == 0)
        start_thread();
}

void ccx_helper_stop(void)
{
    __atomic_store_n(&exiting, 1, __ATOMIC_RELEASE);
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    ccx_wake();
}
