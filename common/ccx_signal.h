/* ccx_signal.h - signal names, shared by the preload (CCXTRACE_SIGNAL, read
 * in its constructor by preload/base/ccx_options.c) and ccx-driver (--signal,
 * driver/opts.c; names in driver/trigger.c's messages).
 *
 * One parser for every way a signal is written ("USR2", "SIGUSR2",
 * "sigusr2", "12", "RTMIN+3", "SIGRTMAX-1"), one policy table of the
 * signals a tracer may not take, and a signal's name for messages.  Nothing
 * here allocates, takes a lock, uses stdio or the locale: safe in the
 * preload's constructor, before the process's own setup.
 */
#ifndef CCX_SIGNAL_H
#define CCX_SIGNAL_H

#include <stddef.h>

/* Flags for ccx_signal_parse(). */
#define CCX_SIGNAL_ALLOW_NONE 1u /* "none" or "off" (any case) -> 0, no signal */

/* Results of ccx_signal_parse(). */
#define CCX_SIGNAL_OK 0
#define CCX_SIGNAL_UNKNOWN (-1) /* not a signal: empty, garbage, out of range */
#define CCX_SIGNAL_REFUSED (-2) /* a signal, but one a tracer may not take */

/* Parses s: a name glibc knows (sigabbrev_np; also IO, which glibc calls
 * POLL), with or without "SIG", in any case; a number from 1 to SIGRTMAX; "RTMIN", "RTMIN+n", "RTMAX",
 * "RTMAX-n" (within SIGRTMIN..SIGRTMAX); with CCX_SIGNAL_ALLOW_NONE also
 * "none"/"off" (-> 0).  No spaces, signs or trailing characters.  Sets *out
 * only on CCX_SIGNAL_OK; a refused signal gives CCX_SIGNAL_REFUSED. */
int ccx_signal_parse(const char *s, unsigned flags, int *out);

/* 1 when a tracer may not take sig, else 0: every signal but USR1, USR2
 * and the real-time ones SIGRTMIN..SIGRTMAX (glibc's SIGRTMIN is past the
 * numbers it keeps for itself, 32 and 33).  See ccx_signal.c for why. */
int ccx_signal_refused(int sig);

/* The policy in words, for messages and --help. */
#define CCX_SIGNAL_ALLOWED_TEXT "only USR1, USR2 and RTMIN..RTMAX are taken"

/* A buffer this long holds every name ccx_signal_name() writes. */
#define CCX_SIGNAL_NAME_MAX 24

/* sig's name for messages, written in buf (len bytes, NUL-terminated,
 * cut to fit): "SIGUSR2", "SIGRTMIN+3", "none" for 0, "signal N" for a
 * number glibc has no name for.  Returns buf. */
const char *ccx_signal_name(int sig, char *buf, size_t len);

#endif
