/* ccx_wake.c - how the helper thread sleeps and is woken.  A semaphore:
 * sem_post is async-signal-safe (the signal handlers of ccx_helper.c and
 * ccx_term.c post it), and unlike a pipe it has no file descriptor a
 * daemonizing host could close or reuse. */
#include "ccx_control.h"

#include <errno.h>
#include <semaphore.h>
#include <time.h>

static sem_t wake_sem;
static int wake_ok;

int ccx_wake_init(void)
{
    if (sem_init(&wake_sem, 0, 0) != 0)
        return -1;
    __atomic_store_n(&wake_ok, 1, __ATOMIC_RELEASE);
    return 0;
}

void ccx_wake(void)
{
    int v = 0;
    /* one pending post is enough to wake the helper */
    if (__atomic_load_n(&wake_ok, __ATOMIC_ACQUIRE) && sem_getvalue(&wake_sem, &v) == 0 && v < 8)
        sem_post(&wake_sem);
}

void ccx_wake_wait(double wait)
{
    if (wait > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += (time_t)wait;
        ts.tv_nsec += (long)((wait - (double)(time_t)wait) * 1e9) + 1000000L;
        while (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        while (sem_clockwait(&wake_sem, CLOCK_MONOTONIC, &ts) != 0 && errno == EINTR)
            ;
    }
    while (sem_trywait(&wake_sem) == 0)
        ;
}

void ccx_wake_atfork_child(void)
{
    __atomic_store_n(&wake_ok, 0, __ATOMIC_RELEASE);
}
