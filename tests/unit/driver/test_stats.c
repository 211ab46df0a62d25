/* test_stats.c - counting and percentiles (driver/stats.c). */
#include "../check.h"
#include "stats.h"

#include <stdlib.h>

int main(void)
{
    uint32_t v[100];
    for (int i = 0; i < 100; i++)
        v[i] = (uint32_t)(i + 1); /* 1..100 */
    CHECK_EQ_U64(drv_percentile(v, 100, 50), 50);
    CHECK_EQ_U64(drv_percentile(v, 100, 99), 99);
    CHECK_EQ_U64(drv_percentile(v, 100, 100), 100);
    CHECK_EQ_U64(drv_percentile(v, 100, 0.1), 1);
    CHECK_EQ_U64(drv_percentile(v, 1, 50), 1);
    CHECK_EQ_U64(drv_percentile(v, 0, 50), 0);
    uint32_t w[] = {10, 20, 30, 40};
    CHECK_EQ_U64(drv_percentile(w, 4, 50), 20); /* nearest rank: ceil(2) = 2nd */
    CHECK_EQ_U64(drv_percentile(w, 4, 51), 30);

    struct drv_stats st;
    drv_stats_init(&st, 1000);
    drv_stats_phase_begin(&st, "burst 1", 1000);
    /* latencies 1..10 ms in reverse order, one request without an answer */
    for (int i = 10; i >= 1; i--)
        drv_stats_request(&st, (int64_t)i * 1000000, 100);
    drv_stats_request(&st, -1, 0);
    for (int i = 0; i < 7; i++)
        drv_stats_upload(&st, "202", 1);
    drv_stats_upload(&st, "500", 0);
    drv_stats_upload(&st, "connect", 0);
    drv_stats_phase_end(&st, 5000);
    drv_stats_phase_begin(&st, "burst 2", 6000);
    drv_stats_request(&st, 50000000, 100);
    drv_stats_upload(&st, "202", 1);
    drv_stats_phase_end(&st, 7000);
    CHECK_EQ_U64(st.requests, 12);
    CHECK_EQ_U64(st.bytes_sent, 1100);
    CHECK_EQ_U64(st.nlat, 11);
    CHECK_EQ_U64(st.uploads, 10);
    CHECK_EQ_U64(st.accepted, 8);
    CHECK_EQ_U64(st.failed, 2);
    CHECK_EQ_U64(st.noutcome, 3);
    CHECK_STR(st.outcome[0].key, "202");
    CHECK_EQ_U64(st.outcome[0].n, 8);
    CHECK_EQ_U64(st.phases[0].uploads, 9);
    CHECK_EQ_U64(st.phases[0].failed, 2);
    CHECK_EQ_U64(st.phases[1].uploads, 1);
    uint32_t lat[4];
    drv_latency(&st, st.phases[0].lat_from, st.phases[0].lat_to, lat);
    CHECK_EQ_U64(lat[0], 5000);
    CHECK_EQ_U64(lat[2], 10000);
    CHECK_EQ_U64(lat[3], 10000);
    drv_latency(&st, st.phases[1].lat_from, st.phases[1].lat_to, lat);
    CHECK_EQ_U64(lat[0], 50000);

    /* more distinct outcomes than slots end in "other" */
    for (int i = 0; i < 40; i++) {
        char key[16];
        snprintf(key, sizeof key, "%d", 400 + i);
        drv_stats_upload(&st, key, 0);
    }
    CHECK_EQ_U64(st.noutcome, DRV_MAX_KEYS);
    CHECK_STR(st.outcome[DRV_MAX_KEYS - 1].key, "other");
    uint64_t sum = 0;
    for (size_t i = 0; i < st.noutcome; i++)
        sum += st.outcome[i].n;
    CHECK_EQ_U64(sum, st.uploads);

    const char body[] = "{\"message\":\"no\"}\nsecond line";
    for (int i = 0; i < 5; i++)
        drv_stats_body(&st, 500 + i % 2, body, sizeof body - 1);
    CHECK_EQ_U64(st.nbodies, 2); /* distinct answers only */
    for (int i = 0; i < 5; i++)
        drv_stats_body(&st, 502 + i, body, sizeof body - 1);
    CHECK_EQ_U64(st.nbodies, DRV_MAX_BODIES);
    CHECK_STR(st.bodies[0], "HTTP 500: {\"message\":\"no\"} second line");
    drv_stats_free(&st);

    /* an answer that is not HTTP joins the same list; duplicates counted */
    drv_stats_init(&st, 0);
    drv_stats_error(&st, "not-http", "Received HTTP/0.9 when not allowed");
    drv_stats_error(&st, "not-http", "Received HTTP/0.9 when not allowed");
    CHECK_EQ_U64(st.nbodies, 1);
    CHECK_STR(st.bodies[0], "not-http: Received HTTP/0.9 when not allowed");
    CHECK_EQ_U64(st.possible_dups, 0);
    drv_stats_possible_duplicate(&st);
    CHECK_EQ_U64(st.possible_dups, 1);
    drv_stats_free(&st);
    return check_done();
}
