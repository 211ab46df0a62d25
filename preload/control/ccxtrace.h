/* ccxtrace.h - the public API of libccxtrace.so (for programs that want
 * to ask for a snapshot themselves; from Python use ctypes:
 * ctypes.CDLL(None).ccxtrace_snapshot(b"label")).
 *
 * Wakes the tracer's helper thread and returns at once with the sequence
 * number the snapshot will carry, or -1 when tracing is off (or 32 requests
 * are already pending).  Never waits, so it cannot deadlock on the GIL.
 * Declare it weak to run with and without the preload.
 */
#ifndef CCXTRACE_H
#define CCXTRACE_H

int ccxtrace_snapshot(const char *label);

#endif
