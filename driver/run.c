/* run.c - the schedule of a run (run.h).
 *
 * Continuous: one phase for --duration (or until --max-uploads / Ctrl-C),
 * a snapshot at the start, every --snapshot-every (the load pauses while
 * uploads in flight finish and the snapshot is taken) and at the end.
 * Bursts: a baseline snapshot, then N x [burst of --burst-length, break of
 * --break-length]; in each break, once the uploads in flight have finished
 * and --settle has passed, a snapshot: N bursts give N + 1 snapshots. */
#include "run.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "idle.h"
#include "sender.h"
#include "stats.h"
#include "trigger.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

struct run {
    const struct drv_opts *o;
    struct drv_stats st;
    struct drv_sender *sender;
    struct drv_trigger trig;
    struct drv_idle *idle;          /* NULL without --idle-metrics / --idle-cmd */
    struct drv_consumers pending;   /* the idle wait's report, for the next snapshot */
    unsigned snap_seq;
    char phase[48];
    int tty;
    uint64_t last_print, prev_t;
    uint64_t prev_uploads;
    int line_open;
};

static void clear_line(struct run *r)
{
    if (r->line_open) {
        fputs("\r\033[K", stderr);
        r->line_open = 0;
    }
}

static void progress(void *arg, uint64_t now)
{
    struct run *r = arg;
    if (r->o->quiet)
        return;
    uint64_t every = r->tty ? 500000000ull : r->o->progress_ns;
    if (now - r->last_print < every)
        return;
    r->last_print = now;
    double dt = (double)(now - r->prev_t) / 1e9;
    double rate = dt > 0 ? (double)(r->st.uploads - r->prev_uploads) / dt : 0;
    r->prev_t = now;
    r->prev_uploads = r->st.uploads;
    uint32_t lat[4];
    size_t n = r->st.nlat;
    drv_latency(&r->st, n > 1000 ? n - 1000 : 0, n, lat);
    char line[256];
    snprintf(line, sizeof line,
             "[%7.1fs] %-12s sent %llu, accepted %llu, failed %llu, %.1f/s, p50 %.1f ms, p99 %.1f ms",
             (double)(now - r->st.t0_ns) / 1e9, r->phase,
             (unsigned long long)(r->sender ? drv_sender_started(r->sender) : 0),
             (unsigned long long)r->st.accepted, (unsigned long long)r->st.failed, rate,
             lat[0] / 1e3, lat[2] / 1e3);
    if (r->tty) {
        fprintf(stderr, "\r\033[K%s", line);
        r->line_open = 1;
    } else {
        fprintf(stderr, "%s\n", line);
    }
    fflush(stderr);
}

/* Waits until `until` (monotonic), showing progress; returns early on Ctrl-C. */
static void wait_until(struct run *r, uint64_t until)
{
    for (;;) {
        uint64_t now = drv_mono_ns();
        if (stop_flag || now >= until)
            return;
        uint64_t step = until - now < 100000000ull ? until - now : 100000000ull;
        struct timespec ts = {0, (long)step};
        nanosleep(&ts, NULL);
        progress(r, drv_mono_ns());
    }
}

static void snapshot(struct run *r, const char *phase)
{
    if (!drv_trigger_enabled(&r->trig) || stop_flag)
        return;
    unsigned seq = r->snap_seq++;
    char **files = NULL, note[300];
    size_t nfiles = 0;
    drv_trigger_fire(&r->trig, seq, phase, &stop_flag, &files, &nfiles, note, sizeof note);
    uint64_t now = drv_mono_ns();
    struct drv_snap *s = drv_stats_snap(&r->st, seq, phase, now);
    if (s && r->pending.present)
        s->consumers = r->pending;
    memset(&r->pending, 0, sizeof r->pending);
    if (s) {
        s->files = files;
        s->nfiles = nfiles;
        snprintf(s->note, sizeof s->note, "%s", note);
    } else {
        for (size_t i = 0; i < nfiles; i++)
            free(files[i]);
        free(files);
        nfiles = 0;
    }
    { /* an event, not progress: printed with --quiet too */
        clear_line(r);
        fprintf(stderr, "ccx-driver: snapshot %u (%s) triggered at %.1f s", seq, phase,
                (double)(now - r->st.t0_ns) / 1e9);
        for (size_t i = 0; s && i < s->nfiles; i++)
            fprintf(stderr, "%s %s", i ? "," : ":", s->files[i]);
        fputc('\n', stderr);
    }
    if (note[0])
        fprintf(stderr, "ccx-driver: warning: snapshot %u: %s\n", seq, note);
}

/* Once the uploads in flight are answered (at `drained`): --settle, or
 * with idle detection the wait until the consumers are idle, reported on
 * the phase that just ended and kept for the next snapshot. */
static void settle_or_idle(struct run *r, uint64_t drained, const char *after)
{
    if (!r->idle) {
        wait_until(r, drained + r->o->settle_ns);
        return;
    }
    struct drv_consumers c;
    drv_idle_wait(r->idle, r->st.accepted, &stop_flag, progress, r, &c);
    if (r->st.nphases)
        r->st.phases[r->st.nphases - 1].consumers = c;
    r->pending = c;
    clear_line(r);
    if (!r->o->quiet || !c.idle) {
        fprintf(stderr, "ccx-driver: %safter %s: ", c.idle ? "" : "warning: ", after);
        drv_consumers_text(&c, stderr);
        fputc('\n', stderr);
    }
}

static void run_continuous(struct run *r)
{
    const struct drv_opts *o = r->o;
    uint64_t now = drv_mono_ns();
    uint64_t end = o->duration_ns ? now + o->duration_ns : 0;
    snprintf(r->phase, sizeof r->phase, "continuous");
    snapshot(r, "start");
    uint64_t next_snap = o->snapshot_every_ns ? drv_mono_ns() + o->snapshot_every_ns : 0;
    drv_sender_label(r->sender, "continuous");
    drv_stats_phase_begin(&r->st, "continuous", drv_mono_ns());
    for (;;) {
        uint64_t seg = end;
        if (next_snap && (!end || next_snap < end))
            seg = next_snap;
        int limit = drv_sender_run(r->sender, seg, &stop_flag, progress, r);
        now = drv_mono_ns();
        if (stop_flag || limit || (end && now >= end) || drv_sender_unreachable(r->sender))
            break;
        if (next_snap && now >= next_snap) {
            snapshot(r, "every");
            next_snap += o->snapshot_every_ns;
            if (next_snap <= drv_mono_ns())
                next_snap = drv_mono_ns() + o->snapshot_every_ns;
        }
    }
    drv_stats_phase_end(&r->st, drv_mono_ns());
    if ((drv_trigger_enabled(&r->trig) || r->idle) && !stop_flag && !drv_sender_unreachable(r->sender)) {
        snprintf(r->phase, sizeof r->phase, "settle");
        settle_or_idle(r, drv_mono_ns(), "the run");
        snapshot(r, "end");
    }
}

static void run_bursts(struct run *r)
{
    const struct drv_opts *o = r->o;
    snapshot(r, "baseline");
    for (unsigned b = 1; b <= o->bursts && !stop_flag; b++) {
        char name[32];
        snprintf(name, sizeof name, "burst %u", b);
        snprintf(r->phase, sizeof r->phase, "burst %u/%u", b, o->bursts);
        drv_sender_label(r->sender, name);
        uint64_t start = drv_mono_ns(), burst_end = start + o->burst_ns;
        drv_stats_phase_begin(&r->st, name, start);
        int limit = drv_sender_run(r->sender, burst_end, &stop_flag, progress, r);
        uint64_t drained = drv_mono_ns();
        drv_stats_phase_end(&r->st, drained);
        if (drv_sender_unreachable(r->sender))
            break;
        /* The break starts when the burst's sending window closes (or, with
         * --max-uploads, when the last upload was answered). */
        uint64_t break_start = drained < burst_end ? drained : burst_end;
        snprintf(r->phase, sizeof r->phase, "break %u/%u", b, o->bursts);
        snprintf(name, sizeof name, "burst %u", b);
        settle_or_idle(r, drained, name);
        snprintf(name, sizeof name, "break %u", b);
        snapshot(r, name);
        uint64_t break_end = break_start + o->break_ns;
        if (drv_mono_ns() > break_end && !stop_flag)
            fprintf(stderr, "ccx-driver: warning: break %u ran %.1f s over --break-length "
                            "(uploads in flight, --settle and the snapshot took longer)\n",
                    b, (double)(drv_mono_ns() - break_end) / 1e9);
        wait_until(r, break_end);
        if (limit) {
            if (b < o->bursts && !o->quiet)
                fprintf(stderr, "ccx-driver: --max-uploads reached after burst %u of %u\n", b,
                        o->bursts);
            break;
        }
    }
}

static double cpu_seconds(const struct rusage *ru)
{
    return (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec / 1e6 +
           (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec / 1e6;
}

/* The trigger, the idle wait and the --log-csv file (*csv, NULL without
 * it) of a run: 0, or DRV_EXIT_USAGE after the message, nothing left open. */
static int open_run(struct run *r, FILE **csv)
{
    const struct drv_opts *o = r->o;
    char err[512] = "";
    r->trig.file = o->trigger_file;
    r->trig.pids = o->pids;
    r->trig.npids = o->npids;
    r->trig.sig = o->signal;
    r->trig.exec = o->trigger_exec;
    r->trig.snapdir = o->snapshot_dir;
    r->trig.timeout_ns = o->snapshot_timeout_ns;
    if (drv_trigger_check(&r->trig, err, sizeof err)) {
        fprintf(stderr, "ccx-driver: %s\n", err);
        return DRV_EXIT_USAGE;
    }
    if (drv_idle_enabled(&o->idle)) {
        struct drv_idle_cfg ic = o->idle;
        ic.settle_ns = o->settle_ns;
        if (!(r->idle = drv_idle_new(&ic, err, sizeof err))) {
            fprintf(stderr, "ccx-driver: %s\n", err);
            return DRV_EXIT_USAGE;
        }
    }
    *csv = NULL;
    if (o->log_csv) {
        *csv = fopen(o->log_csv, "w");
        if (!*csv) {
            fprintf(stderr, "ccx-driver: --log-csv %s: %s\n", o->log_csv, strerror(errno));
            drv_idle_free(r->idle);
            r->idle = NULL;
            return DRV_EXIT_USAGE;
        }
        fputs("time_utc,phase,upload,attempt,status,error,latency_ms,bytes,request_id,cluster_id\n", *csv);
    }
    return 0;
}

/* Ctrl-C and SIGTERM end the run (stop_flag); a closed connection is no
 * signal. */
static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    stop_flag = 0;
}

/* After the run: why it stopped early, the summary (stdout and
 * --summary-json; its CPU time counted from cpu0), the --log-csv file
 * closed; the exit status. */
static int finish(struct run *r, FILE *csv, double cpu0)
{
    const struct drv_opts *o = r->o;
    char err[512] = "";
    clear_line(r);
    const char *unreachable = drv_sender_unreachable(r->sender);
    if (unreachable)
        fprintf(stderr, "ccx-driver: cannot reach %s: %s; stopped\n", o->url, unreachable);
    if (stop_flag)
        fprintf(stderr, "ccx-driver: interrupted; uploads in flight abandoned\n");
    uint64_t end = drv_mono_ns();
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        r->st.cpu_s = cpu_seconds(&ru) - cpu0; /* the run only, not the archive pool */
    drv_summary_text(&r->st, end, stdout);
    fflush(stdout);
    int status = DRV_EXIT_OK;
    if (r->st.uploads > 0 && r->st.accepted == 0) {
        fprintf(stderr, "ccx-driver: every upload to %s failed", o->url);
        if (r->st.noutcome)
            fprintf(stderr, " (%s)", r->st.outcome[0].key);
        fputc('\n', stderr);
        status = DRV_EXIT_ALL_FAILED;
    }
    if (o->summary_json && drv_summary_json(&r->st, end, o->summary_json, err, sizeof err)) {
        fprintf(stderr, "ccx-driver: %s\n", err);
        if (status == DRV_EXIT_OK)
            status = DRV_EXIT_USAGE;
    }
    if (csv && fclose(csv) != 0) {
        fprintf(stderr, "ccx-driver: --log-csv %s: %s\n", o->log_csv, strerror(errno));
        if (status == DRV_EXIT_OK)
            status = DRV_EXIT_USAGE;
    }
    return status;
}

int drv_run(const struct drv_opts *o, const char *identity, const struct drv_archive *archives,
            size_t narchives, const struct drv_clusters *clusters)
{
    struct run r;
    memset(&r, 0, sizeof r);
    r.o = o;
    r.tty = isatty(STDERR_FILENO);
    FILE *csv;
    if (open_run(&r, &csv))
        return DRV_EXIT_USAGE;
    struct drv_sender_cfg cfg = {
        .url = o->url, .content_type = o->content_type, .identity = identity,
        .concurrency = o->concurrency, .delay_ns = o->rate > 0 ? 0 : o->delay_ns,
        .rate = o->rate, .timeout_ns = o->timeout_ns, .retries = o->retries,
        .max_uploads = o->max_uploads, .archives = archives, .narchives = narchives, .csv = csv,
        .clusters = *clusters,
    };
    struct rusage ru;
    double cpu0 = getrusage(RUSAGE_SELF, &ru) == 0 ? cpu_seconds(&ru) : 0;
    uint64_t t0 = drv_mono_ns();
    drv_stats_init(&r.st, t0);
    r.prev_t = r.last_print = t0;
    char err[512] = "";
    r.sender = drv_sender_new(&cfg, &r.st, err, sizeof err);
    if (!r.sender) {
        fprintf(stderr, "ccx-driver: %s\n", err);
        if (csv)
            fclose(csv);
        drv_idle_free(r.idle);
        return DRV_EXIT_USAGE;
    }
    catch_signals();
    if (o->mode == DRV_MODE_BURSTS)
        run_bursts(&r);
    else
        run_continuous(&r);
    int status = finish(&r, csv, cpu0);
    drv_sender_free(r.sender);
    drv_idle_free(r.idle);
    drv_stats_free(&r.st);
    return status;
}
