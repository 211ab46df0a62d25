/* signame.h - signal names for ccx-driver's --signal: parsing them as the
 * tracer's CCXTRACE_SIGNAL does, and naming a signal in messages.  The
 * preload has its own parser (preload/ccx_options.c); a shared one would
 * belong in common/. */
#ifndef DRV_SIGNAME_H
#define DRV_SIGNAME_H

#include <stddef.h>

/* --signal: a signal as CCXTRACE_SIGNAL names it ("USR2", "SIGUSR1",
 * "12", "RTMIN+3", any case): 0 with *out set, or -1 for a signal that is
 * unknown or that the tracer refuses (KILL, STOP, the fault signals SEGV,
 * BUS, FPE, ILL, ABRT, and CHLD, PIPE).  "none" is refused too: without
 * --trigger-signal nothing is sent.  Names come from glibc's
 * sigabbrev_np(); the preload's ccx_parse_signal() accepts the same
 * numbers but a shorter list of names (see docs/driver.md). */
int drv_parse_signal(const char *s, int *out);
/* "SIGUSR2", "SIGRTMIN+3": sig's name for messages, in buf. */
const char *drv_signal_name(int sig, char *buf, size_t len);

#endif
