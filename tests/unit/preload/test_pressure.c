/* test_pressure.c - CCXTRACE_PRESSURE's thresholds (preload/base/ccx_pressure.c):
 * parsing (percentages to two decimals, sizes, off, bad values), levels
 * against a limit, one firing per crossing, several crossed at once give
 * one snapshot for the highest, re-arming 5 points below, the fast checks
 * close below an armed threshold, percentages idle without a limit while
 * sizes compare with the memory given (RSS then). */
#include "check.h"
#include "ccx_pressure.h"

#define MiB (1024ull * 1024)

static void parsing(void)
{
    struct ccx_thresholds t;
    const char *why = "";
    CHECK_EQ_INT(ccx_pressure_parse("80%,95%", &t, &why), 0);
    CHECK_EQ_INT(t.n, 2);
    CHECK_EQ_INT(t.t[0].basis_points, 8000);
    CHECK_EQ_INT(t.t[1].basis_points, 9500);
    CHECK_STR(t.t[1].text, "95%");
    CHECK_EQ_INT(ccx_pressure_parse(" 97.5% , 1.5GiB,,100%", &t, &why), 0);
    CHECK_EQ_INT(t.n, 3);
    CHECK_EQ_INT(t.t[0].basis_points, 9750);
    CHECK_STR(t.t[0].text, "97.5%");
    CHECK_EQ_INT(t.t[1].basis_points, 0);
    CHECK_EQ_U64(t.t[1].bytes, 1536 * MiB);
    CHECK_STR(t.t[1].text, "1.5GiB");
    CHECK_EQ_INT(t.t[2].basis_points, 10000);
    CHECK_EQ_INT(ccx_pressure_parse("12.25%", &t, &why), 0);
    CHECK_EQ_INT(t.t[0].basis_points, 1225);
    CHECK_EQ_INT(ccx_pressure_parse("off", &t, &why), 0);
    CHECK_EQ_INT(t.n, 0);
    CHECK_EQ_INT(ccx_pressure_parse("none", &t, &why), 0);
    CHECK_EQ_INT(t.n, 0);
    static const char *bad[] = {"", ",", "0%", "101%", "100.01%", "80", "x%", "1.234%", "%", "80%%", "-5%",
                                "0", "1.5XB", "1,2,3,4,5,6,7,8,9", "123456789012345678901234"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why = NULL;
        int r = ccx_pressure_parse(bad[i], &t, &why);
        if (i == 11) { /* "0" is off */
            CHECK_EQ_INT(r, 0);
            continue;
        }
        /* "80" is a size of 80 bytes: accepted */
        if (i == 5) {
            CHECK_EQ_INT(r, 0);
            CHECK_EQ_U64(t.t[0].bytes, 80);
            continue;
        }
        CHECK_MSG(r == -1 && why && t.n == 0, "%s accepted", bad[i]);
    }
}

static void levels(void)
{
    struct ccx_thresholds t;
    const char *why;
    CHECK_EQ_INT(ccx_pressure_parse("80%,1GiB", &t, &why), 0);
    CHECK_EQ_U64(ccx_pressure_level(&t.t[0], 1000), 800);
    CHECK_EQ_U64(ccx_pressure_level(&t.t[0], 0), 0); /* no limit: idle */
    CHECK_EQ_U64(ccx_pressure_level(&t.t[1], 0), 1024 * MiB);
    CHECK_EQ_U64(ccx_pressure_level(&t.t[1], 5), 1024 * MiB);
    /* no overflow near 2^63 */
    CHECK_EQ_U64(ccx_pressure_level(&t.t[0], 9000000000000000000ull), 7200000000000000000ull);
}

static void crossing(void)
{
    struct ccx_thresholds t;
    struct ccx_pressure_state st = {{0}};
    const char *why;
    int next;
    ccx_pressure_parse("80%,95%", &t, &why);
    uint64_t lim = 1000 * MiB;
    CHECK_EQ_INT(ccx_pressure_eval(&t, &st, lim, 500 * MiB, &next), -1);
    CHECK_EQ_INT(next, CCX_PRESSURE_SLOW_MS);
    CHECK_EQ_INT(ccx_pressure_under(&t, &st), 0);
    /* within 5 points below 80%: read faster */
    CHECK_EQ_INT(ccx_pressure_eval(&t, &st, lim, 760 * MiB, &next), -1);
    CHECK_EQ_INT(next, CCX_PRESSURE_FAST_MS);
    CHECK_EQ_INT(ccx_pressure_eval(&t, &st, lim, 800 * MiB, &next), 0);
    CHECK_EQ_INT(ccx_pressure_under(&t, &st), 1);
    /* stays above, dips a little, comes back: no second snapshot */
    CHECK_EQ_INT(ccx_pressure_eval(&t, &st, lim, 850 * MiB, &next), -1);
    CHECK_EQ_INT(ccx_pressure_eval(&t, &st, lim, 760 * MiB, &next), -1);
    CHECK_EQ_INT(ccx_pressure_eval(&t, &st, lim, 810 * MiB, &next), -1);
    /* 95% */
    CHECK_EQ_INT(ccx_pressure_eval(&t, &st, lim, 960 * MiB, &next), 1);
    /* falls below 75%: 80% re-armed (95% too), fires again */
    CHECK_EQ_INT(ccx_pressure_eval(&t, &st, lim, 749 * MiB, &next), -1);
    CHECK_EQ_INT(ccx_pressure_under(&t, &st), 0);
    CHECK_EQ_INT(ccx_pressure_eval(&t, &st, lim, 805 * MiB, &next), 0);
    /* falls to 85%: 95% re-armed, 80% not */
    CHECK_EQ_INT(ccx_pressure_eval(&t, &st, lim, 850 * MiB, &next), -1);
    CHECK_EQ_INT(ccx_pressure_eval(&t, &st, lim, 999 * MiB, &next), 1);
    /* from low to past both at once: one snapshot, for the highest */
    struct ccx_pressure_state st2 = {{0}};
    CHECK_EQ_INT(ccx_pressure_eval(&t, &st2, lim, 990 * MiB, &next), 1);
    CHECK_EQ_INT(ccx_pressure_eval(&t, &st2, lim, 990 * MiB, &next), -1);
    CHECK_EQ_INT(ccx_pressure_eval(&t, &st2, lim, 960 * MiB, &next), -1);
    /* the limit changes (raised): thresholds follow it */
    CHECK_EQ_INT(ccx_pressure_eval(&t, &st2, 2000 * MiB, 960 * MiB, &next), -1);
    CHECK_EQ_INT(ccx_pressure_under(&t, &st2), 0);
}

static void no_limit(void)
{
    struct ccx_thresholds t;
    struct ccx_pressure_state st = {{0}};
    const char *why;
    int next;
    ccx_pressure_parse("80%,100MiB", &t, &why);
    /* without a limit the percentage never fires; the size compares with RSS */
    CHECK_EQ_INT(ccx_pressure_eval(&t, &st, 0, 99 * MiB, &next), -1);
    CHECK_EQ_INT(next, CCX_PRESSURE_FAST_MS); /* within 5% of 100 MiB */
    CHECK_EQ_INT(ccx_pressure_eval(&t, &st, 0, 100 * MiB, &next), 1);
    CHECK_EQ_INT(ccx_pressure_eval(&t, &st, 0, 10000 * MiB, &next), -1);
    /* re-armed 5% of the size below it */
    CHECK_EQ_INT(ccx_pressure_eval(&t, &st, 0, 96 * MiB, &next), -1);
    CHECK_EQ_INT(ccx_pressure_eval(&t, &st, 0, 100 * MiB, &next), -1);
    CHECK_EQ_INT(ccx_pressure_eval(&t, &st, 0, 94 * MiB, &next), -1);
    CHECK_EQ_INT(ccx_pressure_eval(&t, &st, 0, 101 * MiB, &next), 1);
    /* off: nothing ever */
    ccx_pressure_parse("off", &t, &why);
    CHECK_EQ_INT(ccx_pressure_eval(&t, &st, 100, 100, &next), -1);
}

int main(void)
{
    parsing();
    levels();
    crossing();
    no_limit();
    return check_done();
}
