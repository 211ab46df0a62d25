/* test_opts.c - ccx-driver's option parsing (driver/opts.c): defaults,
 * durations and sizes through ccx_units, the upload-rate syntax, pids,
 * --signal through common/ccx_signal and every usage error being one clear
 * message. */
#include "../check.h"
#include "opts.h"

#include <signal.h>
#include <stdlib.h>

static int parse(struct drv_opts *o, char *err, size_t errlen, const char **args)
{
    char *argv[64];
    int argc = 0;
    argv[argc++] = (char *)"upload";
    for (; *args; args++)
        argv[argc++] = (char *)*args;
    argv[argc] = NULL;
    drv_opts_defaults(o);
    err[0] = '\0';
    return drv_parse_upload(argc, argv, o, err, errlen);
}

#define ARGS(...) ((const char *[]){__VA_ARGS__, NULL})

static void bad(const char **args, const char *needle)
{
    struct drv_opts o;
    char err[512];
    int rc = parse(&o, err, sizeof err, args);
    CHECK_MSG(rc == DRV_EXIT_USAGE, "%s: rc %d", args[0], rc);
    CHECK_MSG(strstr(err, needle) != NULL, "error '%s' lacks '%s'", err, needle);
    drv_opts_free(&o);
}

int main(void)
{
    struct drv_opts o;
    char err[512];

    CHECK_EQ_INT(parse(&o, err, sizeof err, ARGS("--quiet")), 0);
    CHECK_STR(o.url, "http://localhost:3000/api/ingress/v1/upload");
    CHECK_STR(o.content_type, "application/vnd.redhat.openshift.periodic+tar");
    CHECK_EQ_U64(o.delay_ns, 100000000ull);
    CHECK_EQ_U64(o.concurrency, 1);
    CHECK_EQ_U64(o.archive_size, 102400);
    CHECK(o.mode == DRV_MODE_CONTINUOUS && o.quiet);

    CHECK_EQ_INT(parse(&o, err, sizeof err,
                       ARGS("--mode", "bursts", "--bursts", "3", "--burst-length", "15m",
                            "--break-length", "5m", "--settle", "1.5s", "--concurrency", "8",
                            "--archive-size", "64k", "--timeout", "500ms", "--retries", "0",
                            "--trigger-signal", "12,345", "--max-uploads", "1000")),
                 0);
    CHECK(o.mode == DRV_MODE_BURSTS);
    CHECK_EQ_U64(o.bursts, 3);
    CHECK_EQ_U64(o.burst_ns, 900000000000ull);
    CHECK_EQ_U64(o.break_ns, 300000000000ull);
    CHECK_EQ_U64(o.settle_ns, 1500000000ull);
    CHECK_EQ_U64(o.concurrency, 8);
    CHECK_EQ_U64(o.archive_size, 65536);
    CHECK_EQ_U64(o.timeout_ns, 500000000ull);
    CHECK_EQ_U64(o.retries, 0);
    CHECK_EQ_U64(o.max_uploads, 1000);
    CHECK_EQ_U64(o.npids, 2);
    CHECK(o.npids == 2 && o.pids[0] == 12 && o.pids[1] == 345);
    drv_opts_free(&o);

    double r = 0;
    CHECK(drv_parse_upload_rate("10", &r) == 0 && r == 10.0);
    CHECK(drv_parse_upload_rate("10/s", &r) == 0 && r == 10.0);
    CHECK(drv_parse_upload_rate("600/min", &r) == 0 && r == 10.0);
    CHECK(drv_parse_upload_rate("5/100ms", &r) == 0 && r == 50.0);
    CHECK(drv_parse_upload_rate("3600/h", &r) == 0 && r == 1.0);
    CHECK(drv_parse_upload_rate("0", &r) != 0);
    CHECK(drv_parse_upload_rate("-1", &r) != 0);
    CHECK(drv_parse_upload_rate("10/parsec", &r) != 0);
    CHECK(drv_parse_upload_rate("ten", &r) != 0);
    CHECK(drv_parse_upload_rate("10x", &r) != 0);

    pid_t *p = NULL;
    CHECK_EQ_INT(drv_parse_pids("1,2,3", &p), 3);
    free(p);
    CHECK_EQ_INT(drv_parse_pids("1,,3", &p), -1);
    CHECK_EQ_INT(drv_parse_pids("0", &p), -1);
    CHECK_EQ_INT(drv_parse_pids("12a", &p), -1);
    CHECK_EQ_INT(drv_parse_pids("", &p), -1);

    bad(ARGS("--delay", "10 parsecs"), "--delay '10 parsecs'");
    bad(ARGS("--duration", "-5s"), "--duration");
    bad(ARGS("--duration", "0"), "more than 0");
    bad(ARGS("--archive-size", "12 bananas"), "--archive-size");
    bad(ARGS("--archive-size", "10"), "between 1k and 1GiB");
    bad(ARGS("--concurrency", "0"), "--concurrency");
    bad(ARGS("--concurrency", "many"), "--concurrency");
    bad(ARGS("--retries", "-1"), "--retries");
    bad(ARGS("--mode", "sometimes"), "--mode");
    bad(ARGS("--delay", "1s", "--rate", "5"), "exclude");
    bad(ARGS("--mode", "bursts", "--duration", "1m"), "--duration is for --mode continuous");
    bad(ARGS("--bursts", "2"), "need --mode bursts");
    bad(ARGS("--mode", "bursts", "--snapshot-every", "1m"), "--snapshot-every");
    bad(ARGS("--trigger-signal", "abc"), "--trigger-signal");

    /* --signal: the forms CCXTRACE_SIGNAL takes; "none" and the refused
     * signals are usage errors. */
    drv_opts_defaults(&o);
    CHECK_EQ_INT(o.signal, SIGUSR2);
    const struct { const char *arg; int sig; } sigs[] = {
        {"USR1", SIGUSR1}, {"SIGUSR1", SIGUSR1}, {"sigusr1", SIGUSR1}, {"10", SIGUSR1},
        {"USR2", SIGUSR2}, {"RTMIN+3", SIGRTMIN + 3}, {"SIGRTMAX-1", SIGRTMAX - 1},
    };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        int rc = parse(&o, err, sizeof err, ARGS("--trigger-signal", "12", "--signal", sigs[i].arg));
        CHECK_MSG(rc == 0, "--signal %s: rc %d (%s)", sigs[i].arg, rc, err);
        CHECK_MSG(o.signal == sigs[i].sig, "--signal %s -> %d, want %d", sigs[i].arg, o.signal, sigs[i].sig);
        drv_opts_free(&o);
    }
    /* the tracer takes only USR1, USR2 and the real-time signals, so the
     * driver sends no other (common/ccx_signal.c) */
    const char *refused[] = {"none", "off", "KILL", "SIGSTOP", "segv", "13", "0", "FOO", "", "USR2x", "99999999999",
                             "TERM", "INT", "HUP", "sigquit", "ALRM", "15"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        bad(ARGS("--trigger-signal", "12", "--signal", refused[i]), "--signal '");
    bad(ARGS("--signal", "USR1"), "--signal is for --trigger-signal");
    bad(ARGS("--no-such-option"), "unknown option '--no-such-option'");
    bad(ARGS("--url"), "--url needs a value");
    bad(ARGS("extra"), "unexpected argument 'extra'");
    bad(ARGS("--identity-json", "{}", "--org-id", "5"), "exclude");

    /* cluster ids and idle detection */
    CHECK_EQ_INT(parse(&o, err, sizeof err, ARGS("--quiet")), 0);
    CHECK(!o.keep_ids && o.clusters == 0 && o.idle.nurls == 0 && !drv_idle_enabled(&o.idle));
    CHECK_STR(o.idle.received, "ccx_consumer_received_total");
    CHECK(o.idle.nfinished == 2 && strcmp(o.idle.finished[1], "ccx_failures_total") == 0);
    CHECK_EQ_U64(o.idle.timeout_ns, 300000000000ull);
    CHECK_EQ_INT(parse(&o, err, sizeof err, ARGS("--clusters", "250", "--idle-metrics", "http://a:1/metrics",
                                                 "--idle-metrics", "http://b:2/metrics", "--idle-finished",
                                                 "x_total,y_total,z", "--idle-timeout", "90s",
                                                 "--idle-expect-all", "--idle-received", "r_total")),
                 0);
    CHECK(o.clusters == 250 && !o.keep_ids && o.idle.nurls == 2 && o.idle.expect_all);
    CHECK(o.idle.nfinished == 3 && strcmp(o.idle.finished[2], "z") == 0);
    CHECK_STR(o.idle.received, "r_total");
    CHECK_EQ_U64(o.idle.timeout_ns, 90000000000ull);
    drv_opts_free(&o);
    CHECK_EQ_INT(parse(&o, err, sizeof err, ARGS("--clusters", "keep", "--idle-cmd", "true")), 0);
    CHECK(o.keep_ids && drv_idle_enabled(&o.idle));
    bad(ARGS("--clusters", "many"), "--clusters 'many'");
    bad(ARGS("--idle-metrics", "localhost:8000/metrics"), "not an http");
    bad(ARGS("--idle-timeout", "10s"), "need --idle-metrics or --idle-cmd");
    bad(ARGS("--idle-cmd", "true", "--idle-expect-all"), "--idle-expect-all needs --idle-metrics");
    bad(ARGS("--idle-cmd", "true", "--idle-finished", "a,,b c"), "--idle-finished 'a,,b c'");
    bad(ARGS("--idle-cmd", "true", "--idle-received", "9lives"), "not a metric name");

    char *argv[] = {(char *)"make-archive", (char *)"-o", (char *)"x.tar.gz", (char *)"--archive-size",
                    (char *)"2MiB", NULL};
    drv_opts_defaults(&o);
    CHECK_EQ_INT(drv_parse_make_archive(5, argv, &o, err, sizeof err), 0);
    CHECK_STR(o.output, "x.tar.gz");
    CHECK_EQ_U64(o.archive_size, 2u << 20);
    char *argv2[] = {(char *)"make-archive", NULL};
    drv_opts_defaults(&o);
    CHECK_EQ_INT(drv_parse_make_archive(1, argv2, &o, err, sizeof err), DRV_EXIT_USAGE);
    CHECK(strstr(err, "-o FILE") != NULL);
    return check_done();
}
