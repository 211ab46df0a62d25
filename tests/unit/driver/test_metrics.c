/* test_metrics.c - the Prometheus text parser (driver/metrics.c): a body as
 * Debian's python3-prometheus-client 0.16 writes it (generate_latest() of
 * the consumers' counters: _created gauge families, a labelled counter not
 * counted yet, escaped label values, an exponent, a NaN gauge), the other
 * valid forms (+Inf, -Inf, timestamps, comments, a trailing comma), and
 * malformed bodies, each refused with the line named.  Bodies served over
 * HTTP by the library itself are read in tests/integration/driver/. */
#include "../check.h"
#include "metrics.h"

#include <math.h>
#include <string.h>

/* Written by prometheus_client 0.16.0 (Debian 12) for a Counter
 * ccx_published incremented by 1234567, a labelled Counter
 * ccx_failures_total with no child, ccx_engine_processed with the three
 * archive series at 0 and one with an escaped label value at 2, and a
 * Gauge ccx_broker_tracebacks_size set to NaN. */
static const char client_body[] =
    "# HELP ccx_published_total published\n"
    "# TYPE ccx_published_total counter\n"
    "ccx_published_total 1.234567e+06\n"
    "# HELP ccx_published_created published\n"
    "# TYPE ccx_published_created gauge\n"
    "ccx_published_created 1.7962371487154942e+09\n"
    "# HELP ccx_failures_total failures\n"
    "# TYPE ccx_failures_total counter\n"
    "# HELP ccx_engine_processed_total x\n"
    "# TYPE ccx_engine_processed_total counter\n"
    "ccx_engine_processed_total{archive=\"ocp\"} 0.0\n"
    "ccx_engine_processed_total{archive=\"hypershift\"} 0.0\n"
    "ccx_engine_processed_total{archive=\"ols\"} 0.0\n"
    "ccx_engine_processed_total{archive=\"we\\\"ird\\\\x\\nq\"} 2.0\n"
    "# HELP ccx_engine_processed_created x\n"
    "# TYPE ccx_engine_processed_created gauge\n"
    "ccx_engine_processed_created{archive=\"ocp\"} 1.7962371487155344e+09\n"
    "ccx_engine_processed_created{archive=\"hypershift\"} 1.7962371487155414e+09\n"
    "ccx_engine_processed_created{archive=\"ols\"} 1.796237148715546e+09\n"
    "ccx_engine_processed_created{archive=\"we\\\"ird\\\\x\\nq\"} 1.7962371487155514e+09\n"
    "# HELP ccx_broker_tracebacks_size g\n"
    "# TYPE ccx_broker_tracebacks_size gauge\n"
    "ccx_broker_tracebacks_size NaN\n";

static int refused(const char *body, const char *needle)
{
    struct drv_metrics m = {0};
    char err[256] = "";
    int rc = drv_metrics_parse(body, strlen(body), &m, err, sizeof err);
    drv_metrics_free(&m);
    CHECK_MSG(rc == -1 && strstr(err, needle), "body %s: err '%s'", body, err);
    return rc == -1;
}

int main(void)
{
    struct drv_metrics m = {0};
    char err[256];
    double v;
    CHECK(drv_metrics_parse(client_body, strlen(client_body), &m, err, sizeof err) == 0);
    CHECK(drv_metrics_get(&m, "ccx_published_total", &v) == DRV_METRIC_OK && v == 1234567.0);
    CHECK(drv_metrics_get(&m, "ccx_failures_total", &v) == DRV_METRIC_OK && v == 0.0); /* HELP/TYPE only */
    CHECK(drv_metrics_get(&m, "ccx_engine_processed_total", &v) == DRV_METRIC_OK && v == 2.0);
    CHECK(drv_metrics_get(&m, "ccx_broker_tracebacks_size", &v) == DRV_METRIC_NONFINITE && isnan(v));
    CHECK(drv_metrics_get(&m, "ccx_consumer_received_total", &v) == DRV_METRIC_ABSENT);
    CHECK(drv_metrics_get(&m, "ccx_published", &v) == DRV_METRIC_ABSENT); /* exact names only */

    /* Other valid text: TYPE without _total declares X_total, +Inf, -Inf,
     * timestamps, comments, blank lines, a trailing comma, no final newline. */
    static const char other[] =
        "# a comment\n\n"
        "# TYPE ccx_consumer_received counter\n"
        "up{job=\"a\",} 1 1700000000000\n"
        "hot +Inf\n"
        "cold -Inf -5\n"
        "tiny 1.5E-3\n"
        "dot .5\n"
        "sum_total{a=\"1\"} 3\n"
        "sum_total{a=\"2\"} 4.25";
    CHECK(drv_metrics_parse(other, strlen(other), &m, err, sizeof err) == 0);
    CHECK(drv_metrics_get(&m, "ccx_consumer_received_total", &v) == DRV_METRIC_OK && v == 0.0);
    CHECK(drv_metrics_get(&m, "up", &v) == DRV_METRIC_OK && v == 1.0);
    CHECK(drv_metrics_get(&m, "hot", &v) == DRV_METRIC_NONFINITE && v > 0 && isinf(v));
    CHECK(drv_metrics_get(&m, "cold", &v) == DRV_METRIC_NONFINITE && v < 0 && isinf(v));
    CHECK(drv_metrics_get(&m, "tiny", &v) == DRV_METRIC_OK && fabs(v - 0.0015) < 1e-12);
    CHECK(drv_metrics_get(&m, "dot", &v) == DRV_METRIC_OK && v == 0.5);
    CHECK(drv_metrics_get(&m, "sum_total", &v) == DRV_METRIC_OK && v == 7.25); /* over labels */
    CHECK(drv_metrics_get(&m, "ccx_published_total", &v) == DRV_METRIC_ABSENT); /* emptied first */
    drv_metrics_free(&m);

    /* Malformed: each names its line and the problem. */
    refused("ok 1\nccx_published_total 1.2.3\n", "line 2: a value that is not a number");
    refused("ccx_published_tot", "line 1: a sample without a value");
    refused("ccx_x{archive=\"ocp} 1\n", "unterminated label value");
    refused("ccx_x{archive=ocp} 1\n", "not in double quotes");
    refused("ccx_x{archive=\"a\\q\"} 1\n", "invalid escape");
    refused("ccx_x{archive=\"a\" b=\"c\"} 1\n", "not separated");
    refused("{archive=\"ocp\"} 1\n", "without a valid metric name");
    refused(" 5\n", "without a valid metric name");
    refused("ccx_x 1 2 3\n", "trailing text");
    refused("ccx_x one\n", "not a number");
    refused("ccx_x -NaN\n", "not a number");
    refused("ccx_x 1e\n", "not a number");
    refused("# TYPE ccx_x countre\n", "unknown type");
    refused("# HELP\n", "HELP line without");
    refused("<html><body>Not Found</body></html>\n", "line 1: a sample without a valid metric name");
    return check_done();
}
