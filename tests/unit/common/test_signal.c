/* test_signal.c - the shared signal parser, refusal table and names
 * (common/ccx_signal.c), used by the preload's CCXTRACE_SIGNAL and
 * ccx-driver's --signal.
 *
 * common/build.mk's COMMON_SRC does not list ccx_signal.c (the preload and
 * the driver add it to their own source lists), so the unit test builds it
 * in here. */
#include "../check.h"
#include "ccx_signal.h"
#include <signal.h>

#include <stdio.h>

static void ok(const char *s, unsigned flags, int want)
{
    int v = -12345;
    int rc = ccx_signal_parse(s, flags, &v);
    CHECK_MSG(rc == CCX_SIGNAL_OK, "\"%s\": rc %d, want OK", s, rc);
    CHECK_MSG(v == want, "\"%s\" -> %d, want %d", s, v, want);
}

static void bad(const char *s, unsigned flags, int want)
{
    int v = -12345;
    int rc = ccx_signal_parse(s, flags, &v);
    CHECK_MSG(rc == want, "\"%s\": rc %d, want %d", s ? s : "(null)", rc, want);
    CHECK_MSG(v == -12345, "\"%s\" changed the output on error", s ? s : "(null)");
}

int main(void)
{
    const unsigned N = CCX_SIGNAL_ALLOW_NONE;
    char buf[64], name[CCX_SIGNAL_NAME_MAX];

    /* names, with or without SIG, any case */
    ok("USR2", 0, SIGUSR2);
    ok("SIGUSR2", 0, SIGUSR2);
    ok("sigusr1", 0, SIGUSR1);
    ok("SigUsr1", 0, SIGUSR1);
    ok("usr1", N, SIGUSR1);
    ok("usr2", 0, SIGUSR2);

    /* numbers, also after SIG */
    ok("12", 0, 12);
    ok("10", 0, 10);
    ok("SIG12", 0, 12);
    bad("1", 0, CCX_SIGNAL_REFUSED);
    snprintf(buf, sizeof buf, "%d", SIGRTMAX);
    ok(buf, 0, SIGRTMAX);
    snprintf(buf, sizeof buf, "%d", SIGRTMAX + 1);
    bad(buf, 0, CCX_SIGNAL_UNKNOWN);
    bad("0", 0, CCX_SIGNAL_UNKNOWN);
    bad("0", N, CCX_SIGNAL_UNKNOWN);
    bad("99999999999", 0, CCX_SIGNAL_UNKNOWN);
    bad("99999999999999999999999999", N, CCX_SIGNAL_UNKNOWN);
    bad("-12", 0, CCX_SIGNAL_UNKNOWN);
    bad("+12", 0, CCX_SIGNAL_UNKNOWN);
    bad("12 ", 0, CCX_SIGNAL_UNKNOWN);
    bad(" 12", 0, CCX_SIGNAL_UNKNOWN);
    bad("0x0c", 0, CCX_SIGNAL_UNKNOWN);

    /* real-time signals and their bounds */
    int span = SIGRTMAX - SIGRTMIN;
    ok("RTMIN", 0, SIGRTMIN);
    ok("RTMIN+0", 0, SIGRTMIN);
    ok("RTMIN+3", 0, SIGRTMIN + 3);
    ok("SIGRTMIN+2", N, SIGRTMIN + 2);
    ok("rtmin+1", 0, SIGRTMIN + 1);
    ok("RTMAX", 0, SIGRTMAX);
    ok("RTMAX-0", 0, SIGRTMAX);
    ok("SIGRTMAX-1", 0, SIGRTMAX - 1);
    snprintf(buf, sizeof buf, "RTMIN+%d", span);
    ok(buf, 0, SIGRTMAX);
    snprintf(buf, sizeof buf, "RTMIN+%d", span + 1);
    bad(buf, 0, CCX_SIGNAL_UNKNOWN);
    snprintf(buf, sizeof buf, "RTMAX-%d", span);
    ok(buf, 0, SIGRTMIN);
    snprintf(buf, sizeof buf, "RTMAX-%d", span + 1);
    bad(buf, 0, CCX_SIGNAL_UNKNOWN);
    bad("RTMIN-1", 0, CCX_SIGNAL_UNKNOWN);
    bad("RTMAX+1", 0, CCX_SIGNAL_UNKNOWN);
    bad("RTMIN+", 0, CCX_SIGNAL_UNKNOWN);
    bad("RTMAX-", 0, CCX_SIGNAL_UNKNOWN);
    bad("RTMIN+1x", 0, CCX_SIGNAL_UNKNOWN);
    bad("RTMIN++1", 0, CCX_SIGNAL_UNKNOWN);
    bad("RTMIN+99999999999", 0, CCX_SIGNAL_UNKNOWN);
    bad("RTMINX", 0, CCX_SIGNAL_UNKNOWN);

    /* every standard signal but USR1 and USR2 is refused, by name and by
     * number, for both callers: a tracer that took INT or TERM would keep
     * the program from stopping (issue 12) */
    const int refused[] = {SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGKILL,
                           SIGSEGV, SIGPIPE, SIGALRM, SIGTERM, SIGSTKFLT, SIGCHLD, SIGCONT, SIGSTOP,
                           SIGTSTP, SIGTTIN, SIGTTOU, SIGURG, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF,
                           SIGWINCH, SIGIO, SIGPWR, SIGSYS};
    CHECK_EQ_INT((int)(sizeof refused / sizeof refused[0]), 31 - 2);
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        CHECK_MSG(ccx_signal_refused(refused[i]), "signal %d not refused", refused[i]);
        snprintf(buf, sizeof buf, "%d", refused[i]);
        bad(buf, 0, CCX_SIGNAL_REFUSED);
        bad(buf, N, CCX_SIGNAL_REFUSED);
        bad(ccx_signal_name(refused[i], buf, sizeof buf), 0, CCX_SIGNAL_REFUSED);
        bad(buf + 3, N, CCX_SIGNAL_REFUSED);
    }
    for (int i = 1; i < SIGRTMIN; i++)
        CHECK_MSG(ccx_signal_refused(i) == !(i == SIGUSR1 || i == SIGUSR2), "signal %d: wrong policy", i);
    for (int i = SIGRTMIN; i <= SIGRTMAX; i++)
        CHECK_MSG(!ccx_signal_refused(i), "real-time signal %d refused", i);
    CHECK(ccx_signal_refused(0));
    CHECK(ccx_signal_refused(SIGRTMAX + 1));
    CHECK(ccx_signal_refused(-1));
    bad("KILL", N, CCX_SIGNAL_REFUSED);
    bad("sigsegv", 0, CCX_SIGNAL_REFUSED);
    bad("CHLD", 0, CCX_SIGNAL_REFUSED);
    bad("PIPE", 0, CCX_SIGNAL_REFUSED);
    bad("TERM", 0, CCX_SIGNAL_REFUSED);
    bad("sigterm", N, CCX_SIGNAL_REFUSED);
    bad("INT", 0, CCX_SIGNAL_REFUSED);
    bad("HUP", 0, CCX_SIGNAL_REFUSED);
    bad("QUIT", 0, CCX_SIGNAL_REFUSED);
    bad("ALRM", 0, CCX_SIGNAL_REFUSED);
    bad("WINCH", 0, CCX_SIGNAL_REFUSED);
    /* glibc's own numbers between the standard and real-time signals */
    for (int i = 32; i < SIGRTMIN; i++) {
        CHECK_MSG(ccx_signal_refused(i), "glibc's signal %d not refused", i);
        snprintf(buf, sizeof buf, "%d", i);
        bad(buf, 0, CCX_SIGNAL_REFUSED);
    }
    CHECK(SIGRTMIN > 32);   /* so the loop above checked something */
    CHECK(ccx_signal_refused(31));
    CHECK(!ccx_signal_refused(SIGRTMIN));
    /* IO, which glibc calls POLL: known, and refused like every other */
    bad("IO", 0, CCX_SIGNAL_REFUSED);
    bad("SIGIO", N, CCX_SIGNAL_REFUSED);
    bad("POLL", 0, CCX_SIGNAL_REFUSED);
    bad("IOX", 0, CCX_SIGNAL_UNKNOWN);
    CHECK(!ccx_signal_refused(SIGUSR2));
    CHECK(!ccx_signal_refused(SIGUSR1));
    CHECK(!ccx_signal_refused(SIGRTMAX));

    /* "none"/"off": no signal for the preload, refused for the driver */
    int v = 99;
    CHECK_EQ_INT(ccx_signal_parse("none", N, &v), CCX_SIGNAL_OK);
    CHECK_EQ_INT(v, 0);
    ok("NONE", N, 0);
    ok("Off", N, 0);
    bad("none", 0, CCX_SIGNAL_UNKNOWN);
    bad("off", 0, CCX_SIGNAL_UNKNOWN);
    bad("SIGNONE", N, CCX_SIGNAL_UNKNOWN);
    bad("nonex", N, CCX_SIGNAL_UNKNOWN);

    /* empty, garbage, trailing junk */
    bad(NULL, N, CCX_SIGNAL_UNKNOWN);
    bad("", N, CCX_SIGNAL_UNKNOWN);
    bad("SIG", 0, CCX_SIGNAL_UNKNOWN);
    bad("SIGSIGUSR1", 0, CCX_SIGNAL_UNKNOWN);
    bad("FOO", 0, CCX_SIGNAL_UNKNOWN);
    bad("SIGFOO", N, CCX_SIGNAL_UNKNOWN);
    bad("USR9", 0, CCX_SIGNAL_UNKNOWN);
    bad("USR", 0, CCX_SIGNAL_UNKNOWN);
    bad("USR2x", 0, CCX_SIGNAL_UNKNOWN);
    bad("USR2 ", 0, CCX_SIGNAL_UNKNOWN);
    bad(" USR2", 0, CCX_SIGNAL_UNKNOWN);
    bad("SIG_USR2", 0, CCX_SIGNAL_UNKNOWN);
    bad("12abc", 0, CCX_SIGNAL_UNKNOWN);

    /* every name glibc gives parses back to its signal (or is refused) */
    for (int i = 1; i <= SIGRTMAX; i++) {
        ccx_signal_name(i, name, sizeof name);
        if (strncmp(name, "signal ", 7) == 0) {
            CHECK_MSG(ccx_signal_refused(i), "signal %d has no name but is not refused", i);
            continue; /* a number without a name (glibc's own 32, 33) */
        }
        int got = -1;
        int rc = ccx_signal_parse(name, 0, &got);
        if (ccx_signal_refused(i))
            CHECK_MSG(rc == CCX_SIGNAL_REFUSED, "%s: rc %d, want refused", name, rc);
        else
            CHECK_MSG(rc == CCX_SIGNAL_OK && got == i, "%s -> %d (rc %d), want %d", name, got, rc, i);
    }

    /* names for messages */
    CHECK_STR(ccx_signal_name(SIGUSR2, name, sizeof name), "SIGUSR2");
    CHECK_STR(ccx_signal_name(SIGHUP, name, sizeof name), "SIGHUP");
    CHECK_STR(ccx_signal_name(SIGRTMIN + 3, name, sizeof name), "SIGRTMIN+3");
    snprintf(buf, sizeof buf, "SIGRTMIN+%d", span);
    CHECK_STR(ccx_signal_name(SIGRTMAX, name, sizeof name), buf);
    CHECK_STR(ccx_signal_name(0, name, sizeof name), "none");
    CHECK_STR(ccx_signal_name(SIGRTMAX + 1, name, sizeof name), "signal 65");
    CHECK_STR(ccx_signal_name(-3, name, sizeof name), "signal -3");
    CHECK_STR(ccx_signal_name(SIGUSR2, name, 5), "SIGU");
    CHECK_STR(ccx_signal_name(SIGUSR2, name, 1), "");
    return check_done();
}
