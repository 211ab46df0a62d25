/* metrics.h - a strict parser of the Prometheus text exposition format
 * (version 0.0.4, what prometheus_client's generate_latest() writes), for
 * the consumers' /metrics endpoints that --idle-metrics reads.
 *
 * It keeps, per exact sample name, the sum of its samples over all label
 * sets and their count, and the names that HELP or TYPE lines declare (a
 * labelled counter that has not counted yet shows only those: 0, not
 * absent).  Values may use exponents, NaN, +Inf and -Inf; a line that is
 * none of comment, HELP, TYPE or sample (a sample without a name, an
 * unbalanced quote, a bad escape, a value that is not a number, trailing
 * garbage) is an error naming the line.  No curl in here (idle.c fetches). */
#ifndef DRV_METRICS_H
#define DRV_METRICS_H

#include <stddef.h>

struct drv_metric {
    char name[128];
    double sum;         /* over the samples of this exact name */
    size_t samples;
    int declared;       /* a HELP or TYPE line names it */
};

struct drv_metrics {
    struct drv_metric *v;
    size_t n, cap;
};

/* Parses body[0, len) into m (emptied first).  0, or -1 with err ("line N:
 * the problem: 'the line'"). */
int drv_metrics_parse(const char *body, size_t len, struct drv_metrics *m, char *err, size_t errlen);

enum { DRV_METRIC_OK = 0, DRV_METRIC_ABSENT = -1, DRV_METRIC_NONFINITE = -2 };

/* The sum of the samples named name: DRV_METRIC_OK (0 when the family is
 * declared but has no sample yet, e.g. a labelled counter not counted yet;
 * a counter "X_total" also counts as declared by "# TYPE X counter"),
 * DRV_METRIC_ABSENT when nothing names it, DRV_METRIC_NONFINITE when the
 * sum is NaN or infinite (*out still set). */
int drv_metrics_get(const struct drv_metrics *m, const char *name, double *out);

void drv_metrics_free(struct drv_metrics *m);
#endif
