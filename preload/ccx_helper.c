/* ccx_helper.c - the helper thread and the snapshot triggers.
 *
 * Nothing slow happens in a signal handler or on the allocation path: the
 * signal handler (CCXTRACE_SIGNAL) and ccxtrace_snapshot() only note the
 * request and post a semaphore (sem_post is async-signal-safe, and unlike a
 * pipe it has no file descriptor a daemonizing host could close or reuse);
 * the helper thread sleeps on it and wakes for requests, the CCXTRACE_INTERVAL timer, the
 * once-a-second poll of CCXTRACE_TRIGGER (a change of its content, size or
 * mtime counts) and the Python layer's tick, and the stats CSV period.  The
 * helper keeps ccx_guard raised for its whole life: nothing it does is
 * traced.  All signals are blocked in it.
 */
#include "ccx_core.h"
#include "ccx_format.h"
#include "ccx_stale.h"

#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void ccx_stats_line(void);
void ccx_stats_atfork_child(void);

#define MAX_REQ 32

static sem_t wake_sem;
static int wake_ok;
static int sig_pending;
static int stop;
static long next_seq = 1;
static pthread_mutex_t req_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    int used;
    int has_label;
    long seq;
    char label[256];
} reqs[MAX_REQ];

long ccx_seq_reserve(void)
{
    return __atomic_fetch_add(&next_seq, 1, __ATOMIC_RELAXED);
}

void ccx_seq_reset(void)
{
    next_seq = 1;
}

static void wake(void)
{
    int v = 0;
    /* one pending post is enough to wake the helper */
    if (__atomic_load_n(&wake_ok, __ATOMIC_ACQUIRE) && sem_getvalue(&wake_sem, &v) == 0 && v < 8)
        sem_post(&wake_sem);
}

static void on_signal(int sig)
{
    (void)sig;
    int e = errno;
    __atomic_fetch_add(&sig_pending, 1, __ATOMIC_RELAXED);
    wake();
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
        wake();
    return seq;
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- trigger file ---- */
struct trig_state {
    int exists;
    off_t size;
    struct timespec mtime;
    ino_t ino;
    uint64_t hash;
};

static void trig_read(struct trig_state *t)
{
    struct stat st;
    memset(t, 0, sizeof *t);
    if (stat(ccx_opt.trigger, &st) != 0)
        return;
    t->exists = 1;
    t->size = st.st_size;
    t->mtime = st.st_mtim;
    t->ino = st.st_ino;
    t->hash = 1469598103934665603ull;
    int fd = open(ccx_opt.trigger, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd >= 0) {
        char buf[4096];
        ssize_t n = S_ISREG(st.st_mode) ? read(fd, buf, sizeof buf) : 0;
        for (ssize_t i = 0; i < n; i++)
            t->hash = (t->hash ^ (unsigned char)buf[i]) * 1099511628211ull;
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
    if (ccx_py_helper_tick && !__atomic_load_n(&exiting, __ATOMIC_ACQUIRE))
        (void)ccx_py_helper_tick();
    /* at exit never wait without bound (the helper could be stuck holding
     * the lock, e.g. waiting for an interpreter that is shutting down) */
    if (ccx_snapshot_lock(__atomic_load_n(&exiting, __ATOMIC_ACQUIRE) ? 10000 : -1) != 0)
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
        pthread_mutex_unlock(&req_lock);
        if (seq < 0)
            break;
        snapshot(seq, CCX_REASON_API, has_label ? label : NULL);
    }
}

static void *helper_main(void *arg)
{
    (void)arg;
    ccx_guard = 1;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    ccx_ident_init();
    ccx_stale_sweep_once(ccx_id.dir); /* temporary files of killed writers */
    double now = mono();
    double interval = (double)ccx_opt.interval_ns / 1e9, stats = (double)ccx_opt.stats_interval_ns / 1e9;
    double next_interval = interval > 0 ? now + interval : 0;
    double next_stats = stats > 0 ? now : 0; /* first stats line at once */
    double next_tick = now;      /* the trigger file's poll, once a second */
    double next_py_tick = now;   /* the Python layer: fast until it is hooked */
    struct trig_state trig, cur;
    if (ccx_opt.trigger[0])
        trig_read(&trig);
    while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
        now = mono();
        double until = next_tick < next_py_tick ? next_tick : next_py_tick;
        if (next_interval > 0 && next_interval < until)
            until = next_interval;
        if (next_stats > 0 && next_stats < until)
            until = next_stats;
        if (until > now) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            double wait = until - now;
            ts.tv_sec += (time_t)wait;
            ts.tv_nsec += (long)((wait - (double)(time_t)wait) * 1e9) + 1000000L;
            while (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            while (sem_clockwait(&wake_sem, CLOCK_MONOTONIC, &ts) != 0 && errno == EINTR)
                ;
        }
        while (sem_trywait(&wake_sem) == 0)
            ;
        if (__atomic_load_n(&stop, __ATOMIC_ACQUIRE))
            break;
        now = mono();
        if (now >= next_py_tick) {
            int soon = ccx_py_helper_tick ? ccx_py_helper_tick() : 0;
            next_py_tick = now + (soon ? CCX_PY_TICK_FAST_MS / 1000.0 : 1.0);
        }
        if (now >= next_tick) {
            next_tick = now + 1.0;
            if (ccx_opt.trigger[0]) {
                trig_read(&cur);
                if (trig_changed(&trig, &cur)) {
                    trig = cur;
                    snapshot(-1, CCX_REASON_TRIGGER, NULL);
                }
            }
        }
        if (__atomic_exchange_n(&sig_pending, 0, __ATOMIC_ACQ_REL))
            snapshot(-1, CCX_REASON_SIGNAL, NULL);
        ccx_helper_flush();
        if (next_interval > 0 && mono() >= next_interval) {
            snapshot(-1, CCX_REASON_INTERVAL, NULL);
            next_interval = mono() + interval;
        }
        if (next_stats > 0 && mono() >= next_stats) {
            ccx_stats_line();
            next_stats += stats;
            if (next_stats < mono())
                next_stats = mono() + stats;
        }
    }
    return NULL;
}

static int start_thread(void)
{
    pthread_t t;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&a, 2 * 1024 * 1024); /* the census runs Python code here */
    int r = pthread_create(&t, &a, helper_main, NULL);
    pthread_attr_destroy(&a);
    return r;
}

static int make_sem(void)
{
    if (sem_init(&wake_sem, 0, 0) != 0)
        return -1;
    __atomic_store_n(&wake_ok, 1, __ATOMIC_RELEASE);
    return 0;
}

int ccx_helper_start(void)
{
    if (make_sem() != 0) {
        ccx_warnf("ccxtrace: cannot create the helper's semaphore: %s; no snapshots will be taken", ccx_strerror(errno));
        return -1;
    }
    if (ccx_opt.signal) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        if (sigaction(ccx_opt.signal, &sa, NULL) != 0)
            ccx_warnf("ccxtrace: cannot catch signal %d: %s", ccx_opt.signal, ccx_strerror(errno));
    }
    int r = start_thread();
    if (r != 0) {
        ccx_warnf("ccxtrace: cannot start the helper thread: %s; no snapshots but at exit", ccx_strerror(r));
        return -1;
    }
    return 0;
}

void ccx_helper_atfork_child(void)
{
    /* The parent's helper does not exist here: a new semaphore (the old one
     * may have had a waiter) and a new helper. */
    __atomic_store_n(&wake_ok, 0, __ATOMIC_RELEASE);
    pthread_mutex_init(&req_lock, NULL);
    memset(reqs, 0, sizeof reqs);
    sig_pending = 0;
    stop = 0;
    exiting = 0;
    ccx_stats_atfork_child();
    if (make_sem() == 0)
        start_thread();
}

void ccx_helper_stop(void)
{
    __atomic_store_n(&exiting, 1, __ATOMIC_RELEASE);
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    wake();
}
