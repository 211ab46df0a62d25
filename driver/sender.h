/* sender.h - the uploads themselves: a libcurl multi loop on one thread with
 * up to `concurrency` requests in flight, each connection reused (keep-alive),
 * paced by a per-connection delay or a global rate, with retries and backoff
 * on connection errors and 5xx answers (never on 4xx).  Each request is
 * counted in drv_stats and, optionally, logged as a CSV line. */
#ifndef DRV_SENDER_H
#define DRV_SENDER_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "archives.h"
#include "stats.h"

/* Which cluster id each upload carries. */
struct drv_clusters {
    int rewrite;                /* each upload its own id (archives that have one) */
    char (*ids)[DRV_ID_LEN + 1]; /* --clusters N: these in turn; NULL: a new one each time */
    size_t nids;
    const char *identity_doc;   /* identity JSON with a slot at id_off (identity.h), or NULL */
    size_t id_off;
};

struct drv_sender_cfg {
    const char *url;
    const char *content_type;
    const char *identity;       /* x-rh-identity value */
    unsigned concurrency;
    uint64_t delay_ns;
    double rate;                /* uploads/s, 0: pace by delay_ns */
    uint64_t timeout_ns;
    unsigned retries;
    uint64_t max_uploads;       /* 0: no limit */
    const struct drv_archive *archives;
    size_t narchives;
    FILE *csv;                  /* per-request log, or NULL */
    struct drv_clusters clusters;
};

struct drv_sender;

struct drv_sender *drv_sender_new(const struct drv_sender_cfg *cfg, struct drv_stats *st,
                                  char *err, size_t errlen);
void drv_sender_free(struct drv_sender *s);
/* The phase name written into the CSV log. */
void drv_sender_label(struct drv_sender *s, const char *label);

/* Starts uploads until deadline_ns (CLOCK_MONOTONIC; 0: none), the upload
 * limit or *stop, and returns once nothing is in flight (on *stop, requests
 * in flight are abandoned and counted as interrupted), or once the URL
 * proves unreachable (drv_sender_unreachable).  tick(arg, now) is
 * called about every 100 ms.  Returns 1 when the upload limit is reached,
 * else 0. */
int drv_sender_run(struct drv_sender *s, uint64_t deadline_ns, const volatile sig_atomic_t *stop,
                   void (*tick)(void *arg, uint64_t now_ns), void *arg);
uint64_t drv_sender_inflight(const struct drv_sender *s);
/* Non-NULL (curl's reason, e.g. "Failed to connect to ... Connection
 * refused") once an upload failed to connect or resolve after its retries
 * before anything ever answered: the run stops, the URL is wrong or dead. */
const char *drv_sender_unreachable(const struct drv_sender *s);
/* Uploads started so far. */
uint64_t drv_sender_started(const struct drv_sender *s);

/* Retry policy: connection-level errors and 5xx are retried, 4xx and
 * other 2xx/3xx never.  curl_code is a CURLcode, status 0 when no answer. */
int drv_retryable(int curl_code, long status);
/* The wait before retry number `attempt` (1, 2, ...): 200 ms doubling up
 * to 5 s, plus up to 25% jitter drawn from r (any 32-bit value). */
uint64_t drv_backoff_ns(unsigned attempt, uint32_t r);
/* The small error vocabulary of the summary: "connect", "resolve",
 * "timeout", "send", "recv", "empty-reply", "not-http", "url", "other". */
const char *drv_error_kind(int curl_code);
/* The same for a finished transfer: connected says a connection was made,
 * so CURLE_UNSUPPORTED_PROTOCOL (curl's "Received HTTP/0.9 when not
 * allowed") is an answer that is not HTTP: "not-http". */
const char *drv_outcome_kind(int curl_code, int connected);
/* 1 when the server may have stored a request: it answered 2xx (whole or
 * cut off), or the whole body was sent (body_sent) and the connection
 * closed, broke or timed out before any answer.  status is the HTTP status
 * curl saw, even when the transfer then failed. */
int drv_maybe_stored(int curl_code, long status, int body_sent);

uint64_t drv_mono_ns(void);
#endif
