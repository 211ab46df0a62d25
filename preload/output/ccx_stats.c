/* ccx_stats.c - the periodic stats CSV (CCXTRACE_STATS_INTERVAL).
 *
 * One line per period, appended by the helper thread to
 * ccxtrace.<host>.<pid>.<start>.stats.csv in CCXTRACE_DIR, with the header
 * CCX_STATS_HEADER (ccx_format.h) written when the file is new.  Opened
 * with O_NOFOLLOW, mode 0600, then set to CCXTRACE_FILE_MODE with fchmod
 * (whatever the umask).  gc columns come from the Python layer and
 * are empty without it.
 */
#include "ccx_output.h"
#include "ccx_core.h"
#include "ccx_clock.h"
#include "ccx_diag.h"
#include "ccx_format.h"
#include "ccx_ident.h"
#include "ccx_mem.h"
#include "ccx_options.h"
#include "ccx_procinfo.h"
#include "ccx_retention.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int fd = -1;
static int failed;

void ccx_stats_atfork_child(void)
{
    if (fd >= 0)
        close(fd);
    fd = -1;
    failed = 0;
}

void ccx_stats_line(void)
{
    if (failed)
        return;
    ccx_ident_init();
    if (ccx_disk_full()) /* CCXTRACE_MAX_DISK */
        return;
    if (fd < 0) {
        char path[CCX_PATH_MAX + 512];
        snprintf(path, sizeof path, "%s/" CCX_FILE_PREFIX "%s.%ld.%lld" CCX_STATS_SUFFIX, ccx_id.dir, ccx_id.host,
                 ccx_id.pid, ccx_id.start);
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            ccx_diag("cannot open the stats file %s: %s; no stats will be written", path,
                      fd < 0 ? ccx_strerror(errno) : "not a regular file");
            if (fd >= 0)
                close(fd);
            fd = -1;
            failed = 1;
            return;
        }
        if (fchmod(fd, (mode_t)ccx_opts()->file_mode) != 0)
            ccx_diag("cannot set the mode of the stats file %s: %s; it keeps mode %04o", path,
                      ccx_strerror(errno), (unsigned)(st.st_mode & 07777));
        if (st.st_size == 0 && write(fd, CCX_STATS_HEADER "\n", sizeof CCX_STATS_HEADER) < 0) {
            failed = 1;
            return;
        }
    }
    struct ccx_procmem pm;
    ccx_procmem_read(&pm);
    uint64_t live, blocks;
    ccx_live_estimate(&live, &blocks);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char when[48], gc[160] = ",,,,,";
    ccx_time_iso((double)ts.tv_sec, when, sizeof when);
    long count[3], coll[3];
    if (ccx_layer_gc_counts(count, coll))
        snprintf(gc, sizeof gc, "%ld,%ld,%ld,%ld,%ld,%ld", count[0], count[1], count[2], coll[0], coll[1], coll[2]);
    double uptime = ccx_uptime();
    char line[512];
    int n = snprintf(line, sizeof line, "%s,%.3f,%llu,%llu,%llu,%s\n", when, uptime, (unsigned long long)pm.rss,
                     (unsigned long long)live, (unsigned long long)ccx_mem_self_bytes(), gc);
    if (write(fd, line, (size_t)n) != n) {
        ccx_diag("cannot write the stats file: %s; no more stats lines", ccx_strerror(errno));
        failed = 1;
    }
}
