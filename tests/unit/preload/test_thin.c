/* test_thin.c - CCXTRACE_KEEP's choice (preload/output/ccx_thin.c), run as the
 * tracer runs it: snapshots every second for a long run, at most N kept,
 * one removed before each new one.  The first and the newest always stay,
 * the kept ones span the run, no gap between kept ones is much wider than
 * an even spread would give, and small cases pick what the rule says. */
#include "check.h"
#include "ccx_retention.h"

static void simulate(int keep, int total)
{
    double t[10001];
    int n = 0;
    for (int k = 0; k < total; k++) {
        double now = (double)k;
        if (n >= keep) {
            t[n] = now;
            int i = ccx_thin_pick(t, n + 1);
            CHECK_MSG(i >= 1 && i < n, "keep %d: picked %d of %d", keep, i, n + 1);
            if (i < 1 || i >= n)
                return;
            for (int j = i; j < n; j++)
                t[j] = t[j + 1];
            n--;
        }
        t[n++] = now;
        CHECK_MSG(n <= keep, "keep %d: %d kept", keep, n);
    }
    CHECK_NEAR(t[0], 0, 0);
    CHECK_NEAR(t[n - 1], total - 1, 0);
    CHECK_EQ_INT(n, keep < total ? keep : total);
    /* spread: an even spread has gaps of (total-1)/(keep-1); none here is
     * more than 3 times that (the greedy rule's worst seen is about 2) */
    double even = (double)(total - 1) / (keep - 1), widest = 0;
    for (int i = 1; i < n; i++)
        if (t[i] - t[i - 1] > widest)
            widest = t[i] - t[i - 1];
    CHECK_MSG(widest <= 3 * even, "keep %d of %d: widest gap %g, even %g", keep, total, widest, even);
    fprintf(stderr, "keep %d of %d: widest gap %.0f (even %.1f)\n", keep, total, widest, even);
}

int main(void)
{
    CHECK_EQ_INT(ccx_thin_pick((double[]){0, 1}, 2), -1);
    CHECK_EQ_INT(ccx_thin_pick((double[]){0, 1, 2}, 3), 1);
    /* 0 2 3 4 5: removing 3 leaves the smallest gap (2..4) */
    CHECK_EQ_INT(ccx_thin_pick((double[]){0, 2, 3, 4, 5}, 5), 2);
    /* equal gaps: the oldest */
    CHECK_EQ_INT(ccx_thin_pick((double[]){0, 1, 2, 3, 4}, 5), 1);
    /* never the first or the last, however close to their neighbours */
    CHECK_EQ_INT(ccx_thin_pick((double[]){0, 0.1, 5, 10, 10.1}, 5), 1);
    CHECK_EQ_INT(ccx_thin_pick((double[]){0, 4, 5, 6, 6.1}, 5), 3);
    simulate(2, 100);
    simulate(3, 100);
    simulate(5, 1000);
    simulate(10, 3600);
    simulate(24, 86400 / 60);
    simulate(100, 10000);
    return check_done();
}
