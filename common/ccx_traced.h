/* ccx_traced.h - whether a process runs with ccxtrace and catches a signal,
 * read from /proc text: ccx-driver checks a --trigger-signal process
 * (driver/trigger.c), and ccxtrace-hook checks pid 1 before it signals it
 * (scripts/k8s/ccxtrace_hook.c).  A signal the process does not catch
 * would kill it, so both check before every signal.  Pure functions on
 * text the caller read; nothing here allocates.
 */
#ifndef CCX_TRACED_H
#define CCX_TRACED_H

/* 1 when a /proc/PID/maps line maps a file named libccxtrace.so (or
 * libccxtrace.so.N); 0 otherwise. */
int ccx_maps_line_is_tracer(const char *line);
/* 1 when the "SigCgt:" line of /proc/PID/status text says sig is caught,
 * 0 when not, -1 when there is no such line. */
int ccx_status_catches(const char *status_text, int sig);

#endif
