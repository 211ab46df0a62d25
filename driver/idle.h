/* idle.h - waiting until the consumers behind ingress are idle before a
 * snapshot (--idle-metrics, --idle-cmd; docs/driver.md "Idle detection").
 *
 * An upload's 202 only starts its way: the archive reaches the consumers
 * (ccx-messaging) through Kafka and is processed seconds later.  Idle
 * means: the received count (summed over every --idle-metrics URL) equals
 * the finished counts, neither moved for --settle, optionally the received
 * count of this run reached the uploads accepted in it
 * (--idle-expect-all), and --idle-cmd exits 0.  Bounded by
 * --idle-timeout: the snapshot is then taken anyway and the report says
 * how far behind the consumers were.  Metrics are fetched with libcurl and
 * parsed by metrics.c. */
#ifndef DRV_IDLE_H
#define DRV_IDLE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "stats.h"

#define DRV_IDLE_MAX_URLS 64
#define DRV_IDLE_MAX_FINISHED 8

struct drv_idle_cfg {
    const char *urls[DRV_IDLE_MAX_URLS];
    size_t nurls;
    const char *cmd;                 /* --idle-cmd */
    const char *received;            /* --idle-received */
    const char *finished[DRV_IDLE_MAX_FINISHED]; /* --idle-finished */
    size_t nfinished;
    int expect_all;                  /* --idle-expect-all */
    uint64_t timeout_ns, settle_ns;
};

struct drv_idle;

/* Takes the first reading of every URL: 0, or -1 with err naming the URL
 * and the problem (unreachable, not Prometheus text, a counter absent
 * altogether, NaN or Inf in a counter): the run does not start. */
struct drv_idle *drv_idle_new(const struct drv_idle_cfg *cfg, char *err, size_t errlen);
void drv_idle_free(struct drv_idle *d);
int drv_idle_enabled(const struct drv_idle_cfg *cfg);

/* Waits (from now, the uploads in flight answered) until idle or
 * --idle-timeout; accepted: the uploads accepted since the run started.
 * tick(arg, now) is called about every 100 ms.  Fills r (deltas since
 * the previous wait or the first reading).  Warnings (a counter went
 * backwards, a fetch failed) go to stderr as they happen. */
void drv_idle_wait(struct drv_idle *d, uint64_t accepted, const volatile sig_atomic_t *stop,
                   void (*tick)(void *arg, uint64_t now_ns), void *arg, struct drv_consumers *r);
#endif
