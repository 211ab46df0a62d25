/* idle.c - idle detection of the consumers (idle.h): fetch and parse each
 * --idle-metrics URL, add up the counts, follow restarts, and poll until
 * idle or --idle-timeout; --idle-cmd through command.c. */
#include "idle.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "command.h"
#include "metrics.h"
#include "clock.h"

#define FETCH_TIMEOUT_MS 5000L
#define BODY_MAX (64u << 20)
#define FAILED_NAME "ccx_failures_total"

static const char *const broker_names[3] = {"ccx_broker_instances_size", "ccx_broker_exceptions_size",
                                            "ccx_broker_tracebacks_size"};

struct url_state {
    int seen;                  /* a reading was taken */
    double recv, fin, failed;  /* the URL's last raw values */
};

/* Everything read at one poll, summed over the URLs. */
struct reading {
    double recv, fin, broker[3];
    int have_broker[3];
};

struct drv_idle {
    struct drv_idle_cfg cfg;
    CURL *easy;
    char *body;
    size_t len, cap;
    struct drv_metrics m;
    struct url_state st[DRV_IDLE_MAX_URLS];
    double run_recv, run_fin, run_failed;      /* counted since the first reading */
    double rep_recv, rep_fin, rep_failed;      /* at the previous report */
};

int drv_idle_enabled(const struct drv_idle_cfg *cfg)
{
    return cfg->nurls || cfg->cmd;
}

static size_t body_write(char *data, size_t size, size_t n, void *arg)
{
    struct drv_idle *d = arg;
    size_t len = size * n;
    if (d->len + len + 1 > d->cap) {
        size_t cap = d->cap ? d->cap : 65536;
        while (cap < d->len + len + 1)
            cap *= 2;
        char *b = cap <= BODY_MAX ? realloc(d->body, cap) : NULL;
        if (!b)
            return 0; /* curl reports a write error */
        d->body = b;
        d->cap = cap;
    }
    memcpy(d->body + d->len, data, len);
    d->len += len;
    return len;
}

/* GETs url and parses it into d->m; -1 with err. */
static int fetch(struct drv_idle *d, const char *url, char *err, size_t errlen)
{
    char cerr[CURL_ERROR_SIZE] = "";
    long status = 0;
    d->len = 0;
    curl_easy_setopt(d->easy, CURLOPT_URL, url);
    curl_easy_setopt(d->easy, CURLOPT_ERRORBUFFER, cerr);
    CURLcode rc = curl_easy_perform(d->easy);
    curl_easy_getinfo(d->easy, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "--idle-metrics %s: %s", url, cerr[0] ? cerr : curl_easy_strerror(rc));
        return -1;
    }
    if (status != 200) {
        snprintf(err, errlen, "--idle-metrics %s: HTTP %ld, not the metrics", url, status);
        return -1;
    }
    char why[200];
    if (drv_metrics_parse(d->body ? d->body : "", d->len, &d->m, why, sizeof why)) {
        snprintf(err, errlen, "--idle-metrics %s: not Prometheus text: %s", url, why);
        return -1;
    }
    return 0;
}

/* A counter that must be there and finite. */
static int counter(struct drv_idle *d, const char *url, const char *name, double *v, char *err,
                   size_t errlen)
{
    int rc = drv_metrics_get(&d->m, name, v);
    if (rc == DRV_METRIC_ABSENT)
        snprintf(err, errlen, "--idle-metrics %s: no %s in the metrics (no sample, HELP or TYPE line)", url, name);
    else if (rc == DRV_METRIC_NONFINITE)
        snprintf(err, errlen, "--idle-metrics %s: %s is %g, not a count", url, name, *v);
    return rc == DRV_METRIC_OK ? 0 : -1;
}

/* What a counter added since its last value; a counter that went back
 * (the pod restarted) is said so and counted on from its new value. */
static double advance(const char *url, const char *name, double last, double now, int seen)
{
    if (!seen)
        return 0;
    if (now >= last)
        return now - last;
    fprintf(stderr, "ccx-driver: warning: --idle-metrics %s: %s went back from %.0f to %.0f "
                    "(the consumer restarted?); counting on from %.0f\n", url, name, last, now, now);
    return now;
}

/* One URL into the sums; -1 with err. */
static int read_url(struct drv_idle *d, size_t i, struct reading *out, char *err, size_t errlen)
{
    const char *url = d->cfg.urls[i];
    double recv, fin = 0, failed = 0, v;
    if (fetch(d, url, err, errlen) || counter(d, url, d->cfg.received, &recv, err, errlen))
        return -1;
    for (size_t k = 0; k < d->cfg.nfinished; k++) {
        if (counter(d, url, d->cfg.finished[k], &v, err, errlen))
            return -1;
        fin += v;
    }
    if (drv_metrics_get(&d->m, FAILED_NAME, &v) == DRV_METRIC_OK)
        failed = v;
    for (int k = 0; k < 3; k++)
        if (drv_metrics_get(&d->m, broker_names[k], &v) != DRV_METRIC_ABSENT) {
            out->broker[k] = out->have_broker[k] ? out->broker[k] + v : v;
            out->have_broker[k] = 1;
        }
    struct url_state *s = &d->st[i];
    d->run_recv += advance(url, d->cfg.received, s->recv, recv, s->seen);
    d->run_fin += advance(url, "the finished count", s->fin, fin, s->seen);
    d->run_failed += s->seen ? (failed >= s->failed ? failed - s->failed : failed) : 0;
    s->recv = recv;
    s->fin = fin;
    s->failed = failed;
    s->seen = 1;
    out->recv += recv;
    out->fin += fin;
    return 0;
}

static int read_all(struct drv_idle *d, struct reading *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < d->cfg.nurls; i++)
        if (read_url(d, i, out, err, errlen))
            return -1;
    return 0;
}

void drv_idle_free(struct drv_idle *d)
{
    if (!d)
        return;
    if (d->easy)
        curl_easy_cleanup(d->easy);
    free(d->body);
    drv_metrics_free(&d->m);
    free(d);
}

struct drv_idle *drv_idle_new(const struct drv_idle_cfg *cfg, char *err, size_t errlen)
{
    struct drv_idle *d = calloc(1, sizeof *d);
    if (!d || !(d->easy = curl_easy_init())) {
        snprintf(err, errlen, "out of memory setting up --idle-metrics");
        drv_idle_free(d);
        return NULL;
    }
    d->cfg = *cfg;
    curl_easy_setopt(d->easy, CURLOPT_WRITEFUNCTION, body_write);
    curl_easy_setopt(d->easy, CURLOPT_WRITEDATA, d);
    curl_easy_setopt(d->easy, CURLOPT_TIMEOUT_MS, FETCH_TIMEOUT_MS);
    curl_easy_setopt(d->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(d->easy, CURLOPT_USERAGENT, "ccx-driver/1");
    struct reading first;
    if (read_all(d, &first, err, errlen)) {
        drv_idle_free(d);
        return NULL;
    }
    return d;
}

static void sleep_ticking(uint64_t ns, const volatile sig_atomic_t *stop,
                          void (*tick)(void *, uint64_t), void *arg)
{
    uint64_t end = drv_mono_ns() + ns;
    for (uint64_t now = drv_mono_ns(); now < end && !*stop; now = drv_mono_ns()) {
        uint64_t step = end - now < 100000000ull ? end - now : 100000000ull;
        struct timespec ts = {0, (long)step};
        nanosleep(&ts, NULL);
        if (tick)
            tick(arg, drv_mono_ns());
    }
}

/* The report: what changed since the previous one, and the state now. */
static void report(struct drv_idle *d, const struct reading *cur, int have, uint64_t accepted,
                   struct drv_consumers *r)
{
    r->metrics = d->cfg.nurls > 0;
    r->received = d->run_recv - d->rep_recv;
    r->finished = d->run_fin - d->rep_fin;
    r->failed = d->run_failed - d->rep_failed;
    d->rep_recv = d->run_recv;
    d->rep_fin = d->run_fin;
    d->rep_failed = d->run_failed;
    r->behind = have ? cur->recv - cur->fin : NAN;
    r->expect_all = d->cfg.expect_all;
    r->not_received = (double)accepted > d->run_recv ? (double)accepted - d->run_recv : 0;
    for (int k = 0; k < 3; k++)
        r->broker[k] = have && cur->have_broker[k] ? cur->broker[k] : NAN;
}

void drv_idle_wait(struct drv_idle *d, uint64_t accepted, const volatile sig_atomic_t *stop,
                   void (*tick)(void *arg, uint64_t now_ns), void *arg, struct drv_consumers *r)
{
    const struct drv_idle_cfg *c = &d->cfg;
    uint64_t start = drv_mono_ns(), deadline = start + c->timeout_ns, stable = start;
    /* a quarter of --settle, from 20 ms to 200 ms */
    uint64_t poll = c->settle_ns / 4;
    poll = poll > 200000000ull ? 200000000ull : poll < 20000000ull ? 20000000ull : poll;
    struct reading cur, prev;
    memset(&cur, 0, sizeof cur);
    memset(&prev, 0, sizeof prev);
    int have = 0;
    char err[400] = "", last_err[400] = "";
    memset(r, 0, sizeof *r);
    r->present = 1;
    for (;;) {
        uint64_t now = drv_mono_ns();
        int ok = 1;
        if (c->nurls) {
            struct reading got;
            ok = read_all(d, &got, err, sizeof err) == 0;
            if (!ok && strcmp(err, last_err) != 0) { /* each new problem once */
                fprintf(stderr, "ccx-driver: warning: %s\n", err);
                snprintf(last_err, sizeof last_err, "%s", err);
            }
            if (ok && (!have || got.recv != prev.recv || got.fin != prev.fin))
                stable = now;
            if (ok) {
                cur = prev = got;
                have = 1;
            }
        }
        int idle = ok && now - stable >= c->settle_ns &&
                   (!c->nurls || cur.recv == cur.fin) &&
                   (!c->expect_all || d->run_recv >= (double)accepted);
        if (idle && c->cmd) {
            char note[300];
            uint64_t left = deadline > now ? deadline - now : 1;
            idle = drv_shell("--idle-cmd", c->cmd, NULL, left, stop, note, sizeof note) == 0;
            if (!idle)
                snprintf(last_err, sizeof last_err, "%s", note);
        }
        if (idle || drv_mono_ns() >= deadline || *stop) {
            r->idle = idle;
            break;
        }
        sleep_ticking(poll, stop, tick, arg);
    }
    r->wait_s = (double)(drv_mono_ns() - start) / 1e9;
    report(d, &cur, have, accepted, r);
    if (!r->idle)
        snprintf(r->note, sizeof r->note, "%s", last_err);
}
