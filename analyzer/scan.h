/* scan.h - a quick look at a snapshot's identity (host, pid, start_time,
 * instance_id, exe, cmdline, seq, time) without building its tables.
 *
 * A fleet (trend, diff and compare over several processes) is first sorted
 * into processes from these few top-level fields, then each process is read
 * in full by the real reader (snapshot.c) and freed before the next, so
 * memory stays bounded by the largest process.  The scan only walks the
 * top level of the JSON object, skipping every other value; it validates
 * nothing beyond that walk: the real reader does, and owns the error
 * messages (a file the scan cannot walk is handed to it to say why).
 */
#ifndef CCX_SCAN_H
#define CCX_SCAN_H

#include <stddef.h>

struct ccx_ident {
    char *path;
    char *host, *instance, *exe, *cmdline; /* NULL when absent */
    double pid, start_time, seq, uptime_s;
    double time; /* epoch seconds: "time", else start_time + uptime_s */
};

/* Scans PATH.  Returns 0, or -1 after printing "ccx-analyze: FILE: problem". */
int ccx_ident_scan(const char *path, struct ccx_ident *id);
/* Same on a buffer (the unit test). */
int ccx_ident_scan_buf(const char *buf, size_t len, struct ccx_ident *id);
void ccx_ident_free(struct ccx_ident *id);

#endif
