/* ccx_cgroup.h - the memory cgroup of this process: where it is, its
 * effective limit, its usage and working set (ccx_cgroup.c).
 *
 * Used by the memory-pressure watch (ccx_pressure_watch.c) on the helper
 * thread.  Every path is read under a root directory ("" on a real
 * system), so the unit tests run the same code on fake /proc and
 * /sys/fs/cgroup trees.  Nothing here allocates.
 */
#ifndef CCX_CGROUP_H
#define CCX_CGROUP_H

#include <stdint.h>

#define CCX_CG_PATH 1024

/* v1 reports "no limit" as this (PAGE_COUNTER_MAX pages of 4 KiB); any
 * value at or above it is no limit. */
#define CCX_CG_V1_UNLIMITED 9223372036854771712ull

struct ccx_cgroup {
    int version;           /* 1 or 2; 0 = no memory cgroup found */
    char dir[CCX_CG_PATH]; /* the process's cgroup directory, root included */
    int mnt_len;           /* length of dir's mount point part: ancestors stop there */
};

struct ccx_cgmem {
    uint64_t limit;         /* the smallest limit of the cgroup and its ancestors; 0 = none */
    uint64_t usage;         /* memory.current / memory.usage_in_bytes */
    uint64_t inactive_file; /* memory.stat inactive_file (v1: total_inactive_file) */
    uint64_t working_set;   /* usage - inactive_file (at least 0), as the kubelet computes it */
};

/* Finds the process's memory cgroup from ROOT/proc/self/cgroup and
 * ROOT/proc/self/mountinfo: v1 when a cgroup (v1) mount carries the memory
 * controller, else v2 when mountinfo has a cgroup2 mount (a "0::" line
 * alone proves nothing: a podman container lists one without any cgroup2
 * mounted).  0 when found, -1 when not (cg->version 0). */
int ccx_cgroup_find(const char *root, struct ccx_cgroup *cg);

/* Reads the figures; 0 on success, -1 when the usage is unreadable. */
int ccx_cgroup_read(const struct ccx_cgroup *cg, struct ccx_cgmem *m);

#endif
