/* clock.h - the driver's monotonic clock and sleep in nanoseconds, for the
 * polls of the trigger, command and idle waits (trigger.c, command.c,
 * idle.c). */
#ifndef DRV_CLOCK_H
#define DRV_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t drv_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void drv_sleep_ns(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull)};
    nanosleep(&ts, NULL);
}

#endif
