/* stats.h - what a run counts: uploads and requests by outcome, latencies,
 * per-burst figures, the snapshots taken; and the summary printed from them
 * (text on stdout, optionally JSON).  No curl in here: the sender reports
 * each request as (HTTP status or error kind, latency, bytes). */
#ifndef DRV_STATS_H
#define DRV_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define DRV_MAX_KEYS 32
#define DRV_MAX_BODIES 3

struct drv_count {
    char key[24];       /* "202", "500", or an error kind: "connect", "timeout", ... */
    uint64_t n;
};

/* What the consumers reported at a snapshot point (idle.h): the counts
 * since the previous point, the wait for idle, the Broker's dict sizes. */
struct drv_consumers {
    int present;            /* idle detection ran for this point */
    int idle;               /* 1 idle; 0 --idle-timeout ran out (or Ctrl-C) */
    double wait_s;
    int metrics;            /* the counts below come from --idle-metrics */
    double received, finished, failed;  /* since the previous point */
    double behind;          /* received - finished (totals) when the wait ended */
    int expect_all;
    double not_received;    /* uploads accepted in the run not yet received */
    double broker[3];       /* instances, exceptions, tracebacks; NAN when absent */
    char note[400];         /* why not idle, when known */
};

struct drv_phase {
    char name[32];      /* "burst 1", "continuous" */
    uint64_t start_ns, end_ns;
    uint64_t uploads, accepted, failed;
    size_t lat_from, lat_to;  /* range of drv_stats.lat_us */
    struct drv_consumers consumers; /* at the snapshot point after it */
};

struct drv_snap {
    unsigned seq;
    char phase[32];     /* "baseline", "break 1", "start", "every", "end" */
    double time_s;      /* since the run started */
    char **files;       /* new snapshot files seen (--snapshot-dir) */
    size_t nfiles;
    char note[320];     /* a warning, empty when all went well */
    struct drv_consumers consumers;
};

struct drv_stats {
    uint64_t t0_ns;
    uint64_t uploads, accepted, failed, requests, retries, interrupted;
    uint64_t possible_dups; /* uploads more than one of whose requests may have been stored */
    uint64_t bytes_sent;
    double cpu_s;       /* the driver's own CPU time (user + system), set at the end */
    struct drv_count outcome[DRV_MAX_KEYS];
    size_t noutcome;
    uint32_t *lat_us;   /* one per request answered with an HTTP status */
    size_t nlat, lat_cap;
    char *bodies[DRV_MAX_BODIES];
    size_t nbodies;
    struct drv_phase *phases;
    size_t nphases;
    struct drv_snap *snaps;
    size_t nsnaps;
};

void drv_stats_init(struct drv_stats *st, uint64_t t0_ns);
void drv_stats_free(struct drv_stats *st);

/* One request's answer: key is the HTTP status or the error kind;
 * latency_ns < 0 when there was no HTTP answer. */
void drv_stats_request(struct drv_stats *st, int64_t latency_ns, uint64_t bytes);
/* An upload's final outcome (after its retries). */
void drv_stats_upload(struct drv_stats *st, const char *key, int accepted);
/* Keeps the first DRV_MAX_BODIES distinct non-2xx answers ("HTTP 500: {...}"). */
void drv_stats_body(struct drv_stats *st, int status, const char *body, size_t len);
/* The same list, for an answer that was not HTTP: "not-http: <curl's message>". */
void drv_stats_error(struct drv_stats *st, const char *kind, const char *message);
/* An upload retried after a request the server may already have stored,
 * and stored again (or maybe): it may exist more than once upstream. */
void drv_stats_possible_duplicate(struct drv_stats *st);

struct drv_phase *drv_stats_phase_begin(struct drv_stats *st, const char *name, uint64_t now_ns);
void drv_stats_phase_end(struct drv_stats *st, uint64_t now_ns);
struct drv_snap *drv_stats_snap(struct drv_stats *st, unsigned seq, const char *phase,
                                uint64_t now_ns);

/* Nearest-rank percentile (0 < p <= 100) of n values sorted ascending. */
uint32_t drv_percentile(const uint32_t *sorted, size_t n, double p);
/* p50/p90/p99/max (microseconds) of lat[from, to); zeros when empty. */
void drv_latency(const struct drv_stats *st, size_t from, size_t to, uint32_t out[4]);

/* "consumers idle after 3.2 s: received 300, finished 300 (2 failed); ..." */
void drv_consumers_text(const struct drv_consumers *c, FILE *f);

void drv_summary_text(const struct drv_stats *st, uint64_t now_ns, FILE *f);
int drv_summary_json(const struct drv_stats *st, uint64_t now_ns, const char *path, char *err,
                     size_t errlen);
#endif
