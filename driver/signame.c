/* signame.c - signal names for --signal (see signame.h).  Names come from
 * glibc's sigabbrev_np(); numbers and RTMIN+N are read here. */
#include "signame.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Signals never sent: KILL and STOP cannot be caught; the others are the
 * ones the tracer refuses as CCXTRACE_SIGNAL (faults, and signals the
 * process itself relies on). */
static int signal_refused(int sig)
{
    return sig == SIGKILL || sig == SIGSTOP || sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE ||
           sig == SIGILL || sig == SIGABRT || sig == SIGCHLD || sig == SIGPIPE;
}

static int parse_small_number(const char *s, int *out)
{
    int n = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || n > 1000)
            return -1;
        n = n * 10 + (*s - '0');
    }
    *out = n;
    return 0;
}

int drv_parse_signal(const char *s, int *out)
{
    int sig = 0;
    if (!s)
        return -1;
    if (strncasecmp(s, "SIG", 3) == 0)
        s += 3;
    if (*s >= '0' && *s <= '9') {
        if (parse_small_number(s, &sig))
            return -1;
    } else if (strncasecmp(s, "RTMIN+", 6) == 0) {
        if (parse_small_number(s + 6, &sig))
            return -1;
        sig += SIGRTMIN;
    } else {
        /* sigabbrev_np (glibc >= 2.32) names the standard signals 1 to
         * SIGRTMIN-1 without the "SIG" prefix; real-time ones have none. */
        for (int i = 1; i < SIGRTMIN && !sig; i++) {
            const char *name = sigabbrev_np(i);
            if (name && strcasecmp(s, name) == 0)
                sig = i;
        }
    }
    if (sig <= 0 || sig > SIGRTMAX || signal_refused(sig))
        return -1;
    *out = sig;
    return 0;
}

const char *drv_signal_name(int sig, char *buf, size_t len)
{
    const char *name = sig > 0 && sig < SIGRTMIN ? sigabbrev_np(sig) : NULL;
    if (name)
        snprintf(buf, len, "SIG%s", name);
    else if (sig >= SIGRTMIN && sig <= SIGRTMAX)
        snprintf(buf, len, "SIGRTMIN+%d", sig - SIGRTMIN);
    else
        snprintf(buf, len, "signal %d", sig);
    return buf;
}

