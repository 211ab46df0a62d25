/* ccx_control.h - the files of control (start-up, helper thread, wake-up,
 * SIGTERM, API) among themselves.  Control sees every other part; nothing
 * but control includes this.
 */
#ifndef CCX_CONTROL_H
#define CCX_CONTROL_H

/* At exit no wait is without bound (the helper, or whoever holds the
 * snapshot lock, could be stuck): each wait there gives up after this. */
#define CCX_EXIT_WAIT_MS 10000

/* ---- ccx_helper.c ---- */
/* Starts the helper thread (and the signal handlers); 0, or -1 (said). */
int ccx_helper_start(void);
void ccx_helper_atfork_child(void);
/* Around fork (pthread_atfork): the helper may exit before a fork of an
 * otherwise single-threaded CPython 3.12+ and come back afterwards. */
void ccx_helper_fork_prepare(void);
void ccx_helper_fork_parent(void);
void ccx_helper_stop(void);
/* Writes every pending ccxtrace_snapshot() request. */
void ccx_helper_flush(void);
/* At exit, before the exit snapshot: the same, and waits (up to
 * CCX_EXIT_WAIT_MS) for the requests the helper took and is still writing. */
void ccx_helper_flush_at_exit(void);
/* A snapshot request from the API: the reserved sequence number, or -1. */
long ccx_helper_request(const char *label);

/* ---- ccx_wake.c: the helper's wake-up ---- */
/* 0, or -1 with errno (the semaphore could not be made). */
int ccx_wake_init(void);
/* Wakes the helper; async-signal-safe. */
void ccx_wake(void);
/* Helper thread: sleeps until wait_s seconds have passed or a wake-up
 * came, then drops the wake-ups pending. */
void ccx_wake_wait(double wait_s);
/* In a fork child, before ccx_wake_init: the old semaphore is not used. */
void ccx_wake_atfork_child(void);

/* ---- ccx_term.c (CCXTRACE_ON_TERM) ---- */
void ccx_term_install(void); /* at start, before the helper */
void ccx_term_work(void);    /* helper thread: a pending SIGTERM's snapshot, then SIGTERM again */

#endif
