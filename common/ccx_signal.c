/* ccx_signal.c - signal names for the preload's CCXTRACE_SIGNAL and
 * ccx-driver's --signal (see ccx_signal.h).
 *
 * Standard signals are named by glibc's sigabbrev_np() (glibc >= 2.32;
 * names without "SIG", NULL for real-time signals and unused numbers);
 * real-time ones are written RTMIN+n / RTMAX-n.  Case is folded by hand
 * (ASCII only) so that the result never depends on the locale.
 */
#include "ccx_signal.h"

#include <signal.h>
#include <string.h>

/* The only standard signals a tracer may take: the two that exist for
 * applications to use.  Every other standard signal has a meaning a
 * traced program relies on (INT and TERM stop it; a C handler for INT
 * installed before Python starts makes CPython skip its own
 * KeyboardInterrupt handler; HUP, QUIT, ALRM, WINCH... belong to the
 * program or its terminal; KILL and STOP cannot be caught; the faults must
 * kill it).  The real-time signals SIGRTMIN..SIGRTMAX are taken too: glibc
 * keeps the numbers below SIGRTMIN (32 and 33) for itself, so SIGRTMIN is
 * already past them.  No flag forces a refused signal. */
static const int allowed_signals[] = {SIGUSR1, SIGUSR2};

int ccx_signal_refused(int sig)
{
    for (size_t i = 0; i < sizeof allowed_signals / sizeof allowed_signals[0]; i++)
        if (allowed_signals[i] == sig)
            return 0;
    return !(sig >= SIGRTMIN && sig <= SIGRTMAX);
}

/* Names glibc's sigabbrev_np() does not give, for the same signal:
 * glibc 2.36 calls SIGIO "POLL" (both are 29 on Linux). */
static const struct {
    const char *name;
    int sig;
} signal_aliases[] = {
    {"IO", SIGIO},
};

static char ascii_upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/* Does s start with w (upper case, as sigabbrev_np writes names), in any
 * case?  Returns the rest of s, or NULL. */
static const char *skip_word(const char *s, const char *w)
{
    for (; *w; s++, w++)
        if (ascii_upper(*s) != *w)
            return NULL;
    return s;
}

/* Decimal digits to the end of s, at most max: the value, or -1. */
static int whole_number(const char *s, int max)
{
    int n = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        n = n * 10 + (*s - '0');
        if (n > max)
            return -1;
    }
    return n;
}

/* "RTMIN", "RTMIN+n", "RTMAX", "RTMAX-n": the signal, 0 if s is not of
 * that form, -1 if it is but out of range. */
static int realtime(const char *s)
{
    int lo = SIGRTMIN, hi = SIGRTMAX;
    const char *rest;
    int from_min = (rest = skip_word(s, "RTMIN")) != NULL;
    if (!from_min && (rest = skip_word(s, "RTMAX")) == NULL)
        return 0;
    if (!*rest)
        return from_min ? lo : hi;
    if (*rest != (from_min ? '+' : '-'))
        return -1;
    int n = whole_number(rest + 1, hi - lo);
    if (n < 0)
        return -1;
    return from_min ? lo + n : hi - n;
}

int ccx_signal_parse(const char *s, unsigned flags, int *out)
{
    int sig = 0;
    const char *rest;
    if (!s || !*s)
        return CCX_SIGNAL_UNKNOWN;
    if ((flags & CCX_SIGNAL_ALLOW_NONE) &&
        (((rest = skip_word(s, "NONE")) && !*rest) || ((rest = skip_word(s, "OFF")) && !*rest))) {
        *out = 0;
        return CCX_SIGNAL_OK;
    }
    if ((rest = skip_word(s, "SIG")) != NULL)
        s = rest;
    if (*s >= '0' && *s <= '9') {
        sig = whole_number(s, SIGRTMAX);
        if (sig <= 0)
            return CCX_SIGNAL_UNKNOWN;
    } else if ((sig = realtime(s)) != 0) {
        if (sig < 0)
            return CCX_SIGNAL_UNKNOWN;
    } else {
        for (int i = 1; i < SIGRTMIN && !sig; i++) {
            const char *name = sigabbrev_np(i);
            if (name && (rest = skip_word(s, name)) != NULL && !*rest)
                sig = i;
        }
        for (size_t i = 0; i < sizeof signal_aliases / sizeof signal_aliases[0] && !sig; i++)
            if ((rest = skip_word(s, signal_aliases[i].name)) != NULL && !*rest)
                sig = signal_aliases[i].sig;
        if (!sig)
            return CCX_SIGNAL_UNKNOWN;
    }
    if (ccx_signal_refused(sig))
        return CCX_SIGNAL_REFUSED;
    *out = sig;
    return CCX_SIGNAL_OK;
}

/* Appends text to buf at *at, keeping room for the NUL. */
static void put(char *buf, size_t len, size_t *at, const char *text)
{
    for (; *text && *at + 1 < len; text++)
        buf[(*at)++] = *text;
}

static void put_number(char *buf, size_t len, size_t *at, int n)
{
    char digits[12];
    size_t k = sizeof digits - 1;
    unsigned u = n < 0 ? 0u - (unsigned)n : (unsigned)n;
    digits[k] = '\0';
    do
        digits[--k] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (n < 0)
        digits[--k] = '-';
    put(buf, len, at, digits + k);
}

const char *ccx_signal_name(int sig, char *buf, size_t len)
{
    size_t at = 0;
    const char *name = sig > 0 && sig < SIGRTMIN ? sigabbrev_np(sig) : NULL;
    if (!buf || len == 0)
        return buf;
    if (sig == 0) {
        put(buf, len, &at, "none");
    } else if (name) {
        put(buf, len, &at, "SIG");
        put(buf, len, &at, name);
    } else if (sig >= SIGRTMIN && sig <= SIGRTMAX) {
        put(buf, len, &at, "SIGRTMIN+");
        put_number(buf, len, &at, sig - SIGRTMIN);
    } else {
        put(buf, len, &at, "signal ");
        put_number(buf, len, &at, sig);
    }
    buf[at] = '\0';
    return buf;
}
