/* ccx_retention.h - bounded disk: CCXTRACE_KEEP (interval snapshots of this
 * process, thinned evenly) and CCXTRACE_MAX_DISK (all ccxtrace files in the
 * directory, from every process) (ccx_retention.c).
 */
#ifndef CCX_RETENTION_H
#define CCX_RETENTION_H

/* Pure: of n snapshot times t[0..n-1] (ascending), the index to remove so
 * that the rest stay spread over the run: never the first or the last;
 * the one whose removal leaves the smallest gap between its neighbours
 * (the oldest of equals).  -1 when n < 3. */
int ccx_thin_pick(const double *t, int n);

/* Before a snapshot with sequence seq and reason: thins this process's
 * interval snapshots (CCXTRACE_KEEP) to make room for it, and returns -1
 * when CCXTRACE_MAX_DISK is reached (the snapshot must not be written; said
 * once on stderr).  Helper thread or the exit path, snapshot lock held. */
int ccx_retention_before(long seq, const char *reason);
/* After it: records a written interval snapshot; a file that took the
 * directory past CCXTRACE_MAX_DISK is removed again. */
void ccx_retention_after(long seq, const char *reason, const char *path, int written);
/* The stats CSV asks before each line: 1 once the cap is reached. */
int ccx_disk_full(void);

#endif
