/* ccx_retention.c - bounded disk (see ccx_retention.h).
 *
 * CCXTRACE_KEEP=N: this process remembers its interval snapshots (sequence
 * and time); before the (N+1)th is written, one is removed as
 * ccx_thin_pick chooses, so the kept ones still span the run (the first
 * one always stays, the newest is the one being written).  Snapshots taken
 * on a signal, a trigger, the API, memory pressure or exit are never
 * thinned, nor are other processes' files.
 *
 * CCXTRACE_MAX_DISK: before each snapshot (and stats line) the sizes of all
 * ccxtrace.* files in the directory, from every process (a restarted
 * container finds its predecessors' files), are added up as allocated
 * blocks (what du and an emptyDir's size limit count); when that total plus
 * the size of our last snapshot would pass the cap, nothing more is
 * written, and one "ccxtrace:" line says so.  A snapshot that passed the
 * cap all the same (bigger than the last) is removed again.
 */
#include "ccx_retention.h"
#include "ccx_diag.h"
#include "ccx_format.h"
#include "ccx_ident.h"
#include "ccx_mem.h"
#include "ccx_options.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static double *kt;  /* this process's interval snapshots: times, oldest first, keep + 1 slots */
static long *ks;    /* and their sequence numbers */
static int nkept;
static long kept_pid;
static uint64_t last_size; /* our last snapshot's allocated size */
static int full;           /* the cap was reached: nothing more */

static void snapshot_path(long seq, char *out, size_t cap)
{
    snprintf(out, cap, "%s/" CCX_FILE_PREFIX "%s.%ld.%lld.%ld" CCX_FILE_SUFFIX, ccx_id.dir, ccx_id.host, ccx_id.pid,
             ccx_id.start, seq);
}

/* A fork child starts with no interval snapshots of its own. */
static int kept_ready(void)
{
    long pid = (long)getpid();
    if (kept_pid != pid) {
        nkept = 0;
        last_size = 0;
        full = 0;
        kept_pid = pid;
    }
    if (!kt) {
        kt = ccx_mem_alloc((size_t)(ccx_opts()->keep + 1) * sizeof *kt);
        ks = ccx_mem_alloc((size_t)(ccx_opts()->keep + 1) * sizeof *ks);
    }
    return kt && ks;
}

/* Makes room for an interval snapshot taken now; -1: do not write it
 * (CCXTRACE_KEEP=1, the first one stays). */
static int thin(double now)
{
    if (!kept_ready() || nkept < ccx_opts()->keep)
        return 0;
    if (ccx_opts()->keep == 1)
        return -1;
    kt[nkept] = now; /* the one about to be written, never picked */
    int i = ccx_thin_pick(kt, nkept + 1);
    char path[CCX_PATH_MAX + 512];
    snapshot_path(ks[i], path, sizeof path);
    unlink(path);
    memmove(&kt[i], &kt[i + 1], (size_t)(nkept - i - 1) * sizeof *kt);
    memmove(&ks[i], &ks[i + 1], (size_t)(nkept - i - 1) * sizeof *ks);
    nkept--;
    return 0;
}

static uint64_t dir_bytes(void)
{
    DIR *d = opendir(ccx_id.dir);
    if (!d)
        return 0;
    uint64_t sum = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        struct stat st;
        if (strncmp(e->d_name, CCX_FILE_PREFIX, sizeof CCX_FILE_PREFIX - 1) == 0 &&
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
            sum += (uint64_t)st.st_blocks * 512;
    }
    closedir(d);
    return sum;
}

static int over_cap(uint64_t more)
{
    if (!ccx_opts()->max_disk)
        return 0;
    if (full)
        return 1;
    uint64_t used = dir_bytes();
    if (used + more <= ccx_opts()->max_disk)
        return 0;
    full = 1;
    ccx_diag("CCXTRACE_MAX_DISK: the ccxtrace files in %s take %llu bytes, and the next would pass the "
              "cap of %llu; nothing more is written by this process",
              ccx_id.dir, (unsigned long long)used, (unsigned long long)ccx_opts()->max_disk);
    return 1;
}

int ccx_retention_before(long seq, const char *reason)
{
    (void)seq;
    if (ccx_opts()->keep && strcmp(reason, CCX_REASON_INTERVAL) == 0 && thin(ccx_uptime()) != 0)
        return -1;
    return over_cap(last_size) ? -1 : 0;
}

void ccx_retention_after(long seq, const char *reason, const char *path, int written)
{
    if (!written)
        return;
    struct stat st;
    if (stat(path, &st) == 0)
        last_size = (uint64_t)st.st_blocks * 512;
    if (ccx_opts()->max_disk && dir_bytes() > ccx_opts()->max_disk) {
        unlink(path); /* bigger than the last one: it passed the cap */
        over_cap(0);
        return;
    }
    if (ccx_opts()->keep && strcmp(reason, CCX_REASON_INTERVAL) == 0 && kept_ready() && nkept < ccx_opts()->keep) {
        kt[nkept] = ccx_uptime();
        ks[nkept] = seq;
        nkept++;
    }
}

int ccx_disk_full(void)
{
    return over_cap(0);
}
