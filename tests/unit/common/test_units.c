/* test_units.c - the shared size/duration/rate parser (common/ccx_units.c). */
#include "../check.h"
#include "ccx_units.h"

static void size_ok(const char *s, unsigned flags, uint64_t want)
{
    uint64_t v = 12345;
    int rc = ccx_parse_size(s, flags, &v);
    CHECK_MSG(rc == CCX_PARSE_OK, "\"%s\": %s", s, ccx_parse_strerror(rc));
    CHECK_MSG(v == want, "\"%s\" -> %" PRIu64 ", want %" PRIu64, s, v, want);
}

static void size_bad(const char *s, unsigned flags, int want)
{
    uint64_t v = 777;
    int rc = ccx_parse_size(s, flags, &v);
    CHECK_MSG(rc == want, "\"%s\" -> %s, want %s", s ? s : "(null)",
              ccx_parse_strerror(rc), ccx_parse_strerror(want));
    CHECK_MSG(v == 777, "\"%s\" changed the output on error", s ? s : "(null)");
}

static void dur_ok(const char *s, uint64_t want_ns)
{
    uint64_t v = 0;
    int rc = ccx_parse_duration(s, &v);
    CHECK_MSG(rc == CCX_PARSE_OK, "\"%s\": %s", s, ccx_parse_strerror(rc));
    CHECK_MSG(v == want_ns, "\"%s\" -> %" PRIu64 " ns, want %" PRIu64, s, v, want_ns);
}

static void dur_bad(const char *s, int want)
{
    uint64_t v = 0;
    int rc = ccx_parse_duration(s, &v);
    CHECK_MSG(rc == want, "\"%s\" -> %s, want %s", s, ccx_parse_strerror(rc),
              ccx_parse_strerror(want));
}

static void rate_ok(const char *s, double want)
{
    double v = -1;
    int rc = ccx_parse_rate(s, &v);
    CHECK_MSG(rc == CCX_PARSE_OK, "\"%s\": %s", s, ccx_parse_strerror(rc));
    CHECK_MSG(v >= want * 0.999999 && v <= want * 1.000001, "\"%s\" -> %g, want %g", s, v, want);
}

static void rate_bad(const char *s, int want)
{
    double v = 0;
    int rc = ccx_parse_rate(s, &v);
    CHECK_MSG(rc == want, "\"%s\" -> %s, want %s", s, ccx_parse_strerror(rc),
              ccx_parse_strerror(want));
}

int main(void)
{
    const uint64_t K = 1024, M = K * K, G = M * K;

    /* sizes: the forms DESIGN.md names */
    size_ok("512", 0, 512);
    size_ok("0", 0, 0);
    size_ok("64k", 0, 64 * K);
    size_ok("64K", 0, 64 * K);
    size_ok("64KiB", 0, 64 * K);
    size_ok("64kb", 0, 64 * K); /* our own flags: binary */
    size_ok("1m", 0, M);
    size_ok("1MiB", 0, M);
    size_ok("2GiB", 0, 2 * G);
    size_ok("2g", 0, 2 * G);
    size_ok("1t", 0, 1024 * G);
    size_ok("100B", 0, 100);
    size_ok("1.5m", 0, 3 * M / 2);
    size_ok(".5k", 0, 512);
    size_ok(" 16k ", 0, 16 * K);
    size_ok("16 KiB", 0, 16 * K);
    size_ok("all", CCX_SIZE_ALLOW_ALL, CCX_SIZE_ALL);
    size_ok("ALL", CCX_SIZE_ALLOW_ALL, CCX_SIZE_ALL);
    /* other tools' output: decimal kB/MB/GB, binary KiB/MiB */
    size_ok("5.2MB", CCX_SIZE_SI, 5200000);
    size_ok("147kB", CCX_SIZE_SI, 147000);
    size_ok("68.04MiB", CCX_SIZE_SI, (uint64_t)(68.04 * 1048576)); /* 71345111.04 -> floor */
    size_ok("7.654GiB", CCX_SIZE_SI, 8218419920ull); /* 7.654 * 2^30 = 8218419920.9 */
    size_ok("0B", CCX_SIZE_SI, 0);
    /* boundaries */
    size_ok("18446744073709551615", 0, UINT64_MAX);
    size_ok("16383p", 0, 16383ull << 50);
    size_bad("18446744073709551616", 0, CCX_PARSE_OVERFLOW);
    size_bad("16384p", 0, CCX_PARSE_OVERFLOW);
    size_bad("99999999999999999999999", 0, CCX_PARSE_OVERFLOW);
    size_bad("17179869184g", 0, CCX_PARSE_OVERFLOW);
    /* malformed */
    size_bad(NULL, 0, CCX_PARSE_EMPTY);
    size_bad("", 0, CCX_PARSE_EMPTY);
    size_bad("   ", 0, CCX_PARSE_EMPTY);
    size_bad("-1", 0, CCX_PARSE_NEGATIVE);
    size_bad(" -64k", 0, CCX_PARSE_NEGATIVE);
    size_bad("k", 0, CCX_PARSE_SYNTAX);
    size_bad("+5", 0, CCX_PARSE_SYNTAX);
    size_bad("1.", 0, CCX_PARSE_SYNTAX);
    size_bad("1.k", 0, CCX_PARSE_SYNTAX);
    size_bad("all", 0, CCX_PARSE_SYNTAX);
    size_bad("64q", 0, CCX_PARSE_UNIT);
    size_bad("64kibi", 0, CCX_PARSE_UNIT);
    size_bad("64e", 0, CCX_PARSE_UNIT);
    size_bad("64k!", 0, CCX_PARSE_TRAILING);
    size_bad("64 k x", 0, CCX_PARSE_TRAILING);
    size_bad("1.2.3", 0, CCX_PARSE_TRAILING);
    size_bad("64k/h", 0, CCX_PARSE_TRAILING);
    size_bad("0x10", 0, CCX_PARSE_TRAILING);

    /* durations, in ns */
    dur_ok("500ms", 500000000ull);
    dur_ok("30s", 30000000000ull);
    dur_ok("30", 30000000000ull);
    dur_ok("10m", 600000000000ull);
    dur_ok("4h", 4ull * 3600 * 1000000000ull);
    dur_ok("2d", 2ull * 86400 * 1000000000ull);
    dur_ok("250us", 250000ull);
    dur_ok("7ns", 7);
    dur_ok("1.5s", 1500000000ull);
    dur_ok("0.1", 100000000ull);
    dur_ok("0", 0);
    dur_ok("15min", 900000000000ull);
    dur_ok("18446744073709551615ns", UINT64_MAX);
    dur_bad("", CCX_PARSE_EMPTY);
    dur_bad("-5s", CCX_PARSE_NEGATIVE);
    dur_bad("s", CCX_PARSE_SYNTAX);
    dur_bad("5x", CCX_PARSE_UNIT);
    dur_bad("5 years", CCX_PARSE_UNIT);
    dur_bad("5s5", CCX_PARSE_TRAILING);
    dur_bad("10000000000h", CCX_PARSE_OVERFLOW);
    dur_bad("18446744073709551616ns", CCX_PARSE_OVERFLOW);

    /* rates, in bytes per second */
    rate_ok("2MiB/h", 2.0 * M / 3600.0);
    rate_ok("2MB/h", 2.0 * M / 3600.0);
    rate_ok("512k/s", 512.0 * K);
    rate_ok("1m/min", (double)M / 60.0);
    rate_ok("10 MiB / hour", 10.0 * M / 3600.0);
    rate_ok("24k/d", 24.0 * K / 86400.0);
    rate_ok("0/h", 0.0);
    rate_bad("", CCX_PARSE_EMPTY);
    rate_bad("2MiB", CCX_PARSE_UNIT);
    rate_bad("/h", CCX_PARSE_SYNTAX);
    rate_bad("-2MiB/h", CCX_PARSE_NEGATIVE);
    rate_bad("2MiB/", CCX_PARSE_SYNTAX);
    rate_bad("2MiB/ms", CCX_PARSE_UNIT);
    rate_bad("2MiB/week", CCX_PARSE_UNIT);
    rate_bad("2MiB/h!", CCX_PARSE_TRAILING);
    rate_bad("2XB/h", CCX_PARSE_UNIT);
    rate_bad("99999999999999999999/h", CCX_PARSE_OVERFLOW);

    /* formatting for reports */
    char buf[32];
    CHECK_STR(ccx_format_size(512, buf, sizeof buf), "512 B");
    CHECK_STR(ccx_format_size(64 * K, buf, sizeof buf), "64.0 KiB");
    CHECK_STR(ccx_format_size(1.5 * M, buf, sizeof buf), "1.5 MiB");
    CHECK_STR(ccx_format_size_signed(3.0 * G, buf, sizeof buf), "+3.0 GiB");
    CHECK_STR(ccx_format_size_signed(-2048, buf, sizeof buf), "-2.0 KiB");
    CHECK_STR(ccx_parse_strerror(CCX_PARSE_UNIT), "unknown unit");
    return check_done();
}
