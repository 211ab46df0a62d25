/* ccx_ident.c - the process identity (see ccx_ident.h): host name made
 * safe for a file name, pid, start time from /proc (boot time plus the
 * process's start in clock ticks), and the instance id. */
#include "ccx_ident.h"
#include "ccx_procinfo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct ccx_ident ccx_id;
static int ident_ok;

void ccx_ident_set_dir(const char *d)
{
    char cwd[CCX_PATH_MAX];
    if (d[0] == '/') {
        snprintf(ccx_id.dir, sizeof ccx_id.dir, "%s", d);
        return;
    }
    if (!getcwd(cwd, sizeof cwd))
        strcpy(cwd, ".");
    if (!d[0])
        snprintf(ccx_id.dir, sizeof ccx_id.dir, "%s", cwd);
    else
        snprintf(ccx_id.dir, sizeof ccx_id.dir, "%.*s/%.*s", 500, cwd, 500, d);
}

static void read_host(void)
{
    if (gethostname(ccx_id.host, sizeof ccx_id.host) != 0 || !ccx_id.host[0])
        strcpy(ccx_id.host, "unknown");
    ccx_id.host[sizeof ccx_id.host - 1] = 0;
    /* a host name goes into a file name: keep it to a safe alphabet */
    for (char *p = ccx_id.host; *p; p++)
        if (*p == '/' || *p == ' ')
            *p = '_';
}

void ccx_ident_init(void)
{
    if (ident_ok)
        return;
    char buf[4096];
    read_host();
    ccx_id.pid = (long)getpid();
    double btime = 0, ticks = 0;
    if (ccx_slurp("/proc/stat", buf, sizeof buf) > 0) {
        char *p = strstr(buf, "\nbtime ");
        if (p)
            btime = strtod(p + 7, NULL);
    }
    if (ccx_slurp("/proc/self/stat", buf, sizeof buf) > 0) {
        char *p = strrchr(buf, ')');
        /* fields after the command: state is field 3, starttime field 22 */
        for (int field = 2; p && field < 22; field++)
            p = strchr(p + 1, ' ');
        if (p)
            ticks = strtod(p + 1, NULL);
    }
    long hz = sysconf(_SC_CLK_TCK);
    ccx_id.start_boot = ticks / (double)(hz > 0 ? hz : 100);
    ccx_id.start_exact = btime + ccx_id.start_boot;
    ccx_id.start = (long long)ccx_id.start_exact;
    ccx_instance_make(ccx_id.instance);
    ident_ok = 1;
}

void ccx_ident_reset(void)
{
    ident_ok = 0;
}

double ccx_uptime(void)
{
    /* CLOCK_BOOTTIME counts from boot like the start time in /proc/self/stat
     * (btime itself is whole seconds, too coarse for an uptime). */
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    double u = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 - ccx_id.start_boot;
    return u > 0 ? u : 0;
}
