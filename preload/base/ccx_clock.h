/* ccx_clock.h - the monotonic clock in seconds and in milliseconds, for the
 * helper's schedule, the fork and start-up waits, the pressure watch and
 * the durations a snapshot records.  Depends on nothing else of ccxtrace,
 * so the core and the Python layer alike may include it. */
#ifndef CCX_CLOCK_H
#define CCX_CLOCK_H

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

#endif
