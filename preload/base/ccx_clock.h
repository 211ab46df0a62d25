/* ccx_clock.h - the clocks: monotonic seconds and milliseconds (the
 * helper's schedule, the fork and start-up waits, the pressure watch, the
 * durations a snapshot records), the real time, and UTC time stamps
 * (ccx_clock.c).  Depends on nothing else of ccxtrace. */
#ifndef CCX_CLOCK_H
#define CCX_CLOCK_H

#include <stddef.h>
#include <time.h>

static inline double ccx_mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline double ccx_mono_ms(void)
{
    return ccx_mono_s() * 1e3;
}

/* Seconds since the epoch, with the fraction. */
static inline double ccx_real_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "2026-11-26T22:40:00Z" without gmtime's tz lock. */
void ccx_time_iso(double t, char *out, size_t cap);

/* An absolute CLOCK_REALTIME deadline ms milliseconds from now (for the
 * pthread timed waits). */
void ccx_deadline_ms(struct timespec *ts, long ms);

#endif
