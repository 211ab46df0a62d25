/* test_sample.c - the sampling math of preload/core/ccx_sample.c: draws have
 * mean T, the countdown always ends positive, weights are exact in `all`
 * mode and make the sampled sum an unbiased estimate (checked against a
 * simulated allocation stream within 4 standard errors). */
#include "check.h"
#include "ccx_sample.h"

#include <math.h>

int main(void)
{
    uint64_t rng = ccx_rng_seed(1, 2);
    CHECK(rng != 0);

    /* draws: mean T within 4 standard errors (sd of Exp(T) is T) */
    const uint64_t T = 524288;
    double sum = 0;
    const int N = 200000;
    for (int i = 0; i < N; i++) {
        uint64_t d = ccx_sample_draw(&rng, T);
        CHECK(d >= 1);
        sum += (double)d;
    }
    CHECK_NEAR(sum / N, (double)T, 4.0 * (double)T / sqrt(N));

    /* advance: from any non-positive countdown to a positive one */
    for (int64_t c = 0; c > -5000000; c -= 777777)
        CHECK(ccx_sample_advance(c, &rng, T) > 0);
    CHECK_EQ_INT(ccx_sample_advance(-5, &rng, 0), 0);

    /* weights: exact in all mode; s/p(s) otherwise, with p from expm1 */
    struct ccx_weight w = ccx_sample_weight(1000, 0);
    CHECK_EQ_U64(w.bytes, 1000);
    CHECK_EQ_U64(w.blocks_fp, CCX_BLOCK_ONE);
    w = ccx_sample_weight(16, T);
    double p = 1.0 - exp(-16.0 / (double)T);
    CHECK_NEAR((double)w.bytes, 16.0 / p, 1.0);
    CHECK_NEAR((double)w.blocks_fp, CCX_BLOCK_ONE / p, 1.0);
    w = ccx_sample_weight(64ull << 20, T); /* p ~ 1 */
    CHECK_EQ_U64(w.bytes, 64ull << 20);
    CHECK_EQ_U64(w.blocks_fp, CCX_BLOCK_ONE);

    /* unbiased: a stream of mixed sizes through the countdown, as the hooks
     * run it; sum of sampled weights vs the true total */
    const uint64_t T2 = 16384;
    int64_t countdown = (int64_t)ccx_sample_draw(&rng, T2);
    double truth = 0, est = 0, var = 0;
    uint64_t srng = 42;
    for (int i = 0; i < 2000000; i++) {
        uint64_t s = 1 + (ccx_rng_next(&srng) % 4096); /* 1 B .. 4 KiB */
        truth += (double)s;
        double ps = -expm1(-(double)s / (double)T2);
        var += (double)s * (double)s * (1 - ps) / ps;
        if ((countdown -= (int64_t)s) <= 0) {
            countdown = ccx_sample_advance(countdown, &rng, T2);
            est += (double)ccx_sample_weight(s, T2).bytes;
        }
    }
    fprintf(stderr, "stream: truth %.0f estimate %.0f (%+.3f%%, 4 sigma = %.3f%%)\n", truth, est,
            100 * (est - truth) / truth, 400 * sqrt(var) / truth);
    CHECK_NEAR(est, truth, 4 * sqrt(var));
    return check_done();
}
