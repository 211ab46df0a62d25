/* ccx_pressure_watch.c - memory-pressure snapshots on the helper thread.
 *
 * The helper calls ccx_pressure_tick() when the delay it returned last
 * time is over (about a second, faster close below a threshold): it reads
 * the cgroup (ccx_cgroup.c, found at the first tick and looked for again
 * every 10 s while unreadable) and, when needed, the RSS, and lets
 * ccx_pressure.c decide whether a threshold was crossed; the helper then
 * writes the snapshot labelled "pressure-<threshold>".  The last reading
 * is kept for the snapshot's "pressure" member (ccx_pressure_write) and
 * for ccx_under_pressure(), which the Python layer asks before the
 * expensive parts of a snapshot (the holders search, the second census).
 */
#include "ccx_output.h"
#include "ccx_cgroup.h"
#include "ccx_clock.h"
#include "ccx_format.h"
#include "ccx_json.h"
#include "ccx_options.h"
#include "ccx_pressure.h"
#include "ccx_procinfo.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static struct ccx_cgroup cg;
static int cg_found;         /* 1 found, 0 not (yet) */
static double cg_next_look;  /* monotonic seconds */
static struct ccx_pressure_state st;
static pthread_mutex_t last_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    int have;      /* a reading was taken */
    int version;   /* cgroup version, 0 = none readable */
    struct ccx_cgmem m;
    int by_rss;    /* no limit: sizes compared with the RSS */
    uint64_t rss;
} last;
static int under;

/* The cgroup's figures now; 0 when no cgroup is readable. */
static int read_cgroup(struct ccx_cgmem *m)
{
    double now = ccx_mono_s();
    if (!cg_found && now >= cg_next_look) {
        cg_found = ccx_cgroup_find("", &cg) == 0;
        cg_next_look = now + 10;
    }
    if (cg_found && ccx_cgroup_read(&cg, m) == 0)
        return cg.version;
    cg_found = 0;
    memset(m, 0, sizeof *m);
    return 0;
}

static int needs_rss(uint64_t limit)
{
    if (limit)
        return 0;
    for (int i = 0; i < ccx_opts()->pressure.n; i++)
        if (!ccx_opts()->pressure.t[i].basis_points)
            return 1;
    return 0;
}

int ccx_pressure_tick(char *label, size_t cap)
{
    label[0] = 0;
    if (!ccx_opts()->pressure.n)
        return 3600 * 1000;
    struct ccx_cgmem m;
    int version = read_cgroup(&m);
    uint64_t rss = 0;
    int by_rss = needs_rss(m.limit);
    if (by_rss) {
        struct ccx_procmem pm;
        ccx_procmem_read(&pm);
        rss = pm.rss;
    }
    int next_ms;
    int i = ccx_pressure_eval(&ccx_opts()->pressure, &st, m.limit, by_rss ? rss : m.working_set, &next_ms);
    pthread_mutex_lock(&last_lock);
    last.have = 1;
    last.version = version;
    last.m = m;
    last.by_rss = by_rss;
    last.rss = rss;
    pthread_mutex_unlock(&last_lock);
    __atomic_store_n(&under, ccx_pressure_under(&ccx_opts()->pressure, &st), __ATOMIC_RELEASE);
    if (i >= 0)
        snprintf(label, cap, "pressure-%s", ccx_opts()->pressure.t[i].text);
    return next_ms;
}

int ccx_under_pressure(void)
{
    return __atomic_load_n(&under, __ATOMIC_ACQUIRE);
}

static void kv_u64_or_null(struct ccx_json *j, const char *k, int have, uint64_t v)
{
    ccx_json_key(j, k);
    if (have)
        ccx_json_u64(j, v);
    else
        ccx_json_null(j);
}

void ccx_pressure_write(struct ccx_json *j)
{
    pthread_mutex_lock(&last_lock);
    __typeof__(last) l = last;
    pthread_mutex_unlock(&last_lock);
    if (!ccx_opts()->pressure.n || !l.have) {
        ccx_json_null(j);
        return;
    }
    ccx_json_begin_object(j);
    ccx_json_key(j, CCX_F_PR_CGROUP);
    ccx_json_string(j, l.version == 1 ? CCX_PR_CGROUP_V1 : l.version == 2 ? CCX_PR_CGROUP_V2 : NULL);
    kv_u64_or_null(j, CCX_F_PR_LIMIT, l.m.limit != 0, l.m.limit);
    kv_u64_or_null(j, CCX_F_PR_USAGE, l.version != 0, l.m.usage);
    kv_u64_or_null(j, CCX_F_PR_WORKING_SET, l.version != 0, l.m.working_set);
    ccx_json_key(j, CCX_F_PR_COMPARED);
    ccx_json_string(j, l.by_rss ? CCX_PR_BY_RSS : CCX_PR_BY_WORKING_SET);
    ccx_json_key(j, CCX_F_PR_UNDER);
    ccx_json_bool(j, ccx_under_pressure());
    ccx_json_end_object(j);
}

void ccx_pressure_atfork_child(void)
{
    pthread_mutex_init(&last_lock, NULL);
}
