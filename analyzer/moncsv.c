/* moncsv.c - monitoring CSV layouts: detection and rows (see moncsv.h). */
#include "moncsv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccx_format.h"
#include "snapshot.h" /* ccx_parse_utc */

#define HDR_SEED "timestamp,elapsed_min,cpu_perc,mem_usage_mb"
#define HDR_SEED2 "timestamp,minutes_elapsed,cpu_percent,memory_mb"
#define HDR_COUNTS "timestamp,minutes_elapsed,archives_processed"
#define HDR_GC "timestamp,elapsed_min,gen0"
#define HDR_CGROUP "timestamp,elapsed_min,memory_current_bytes"
#define MAXF 16

static int starts(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

/* Splits LINE in place on commas (these files never quote); the count. */
static int split(char *line, char **f)
{
    int n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *p = line; n < MAXF;) {
        f[n++] = p;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

/* "2025-12-11 09:10:22" or the combined file's "2025-12-23_14:45:02". */
static int stamp(const char *s, double *t)
{
    char b[40];
    size_t n = strlen(s);
    if (n < 19 || n >= sizeof b)
        return -1;
    memcpy(b, s, n + 1);
    if (b[10] == '_')
        b[10] = ' ';
    return ccx_parse_utc(b, 1, t);
}

static int number(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return end != s && *end == '\0' && !errno && isfinite(*v) && *v >= 0 ? 0 : -1;
}

int ccx_mon_size(const char *s, double *bytes)
{
    static const struct {
        const char *u;
        double f;
    } units[] = {{"B", 1},           {"kB", 1e3},          {"KB", 1e3},           {"KiB", 1024},
                 {"MB", 1e6},        {"MiB", 1048576.0},   {"GB", 1e9},           {"GiB", 1073741824.0},
                 {"TB", 1e12},       {"TiB", 1099511627776.0}};
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !isfinite(v) || v < 0)
        return -1;
    size_t ul = strcspn(end, " /");
    const char *rest = end + ul;
    if (*rest && !starts(rest, " / "))
        return -1;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strlen(units[i].u) == ul && strncmp(end, units[i].u, ul) == 0) {
            *bytes = v * units[i].f;
            return 0;
        }
    return -1;
}

static enum ccx_mon_layout by_header(const char *first)
{
    if (starts(first, CCX_STATS_HEADER))
        return CCX_MON_STATS;
    if (starts(first, HDR_SEED))
        return CCX_MON_SEED;
    if (starts(first, HDR_SEED2))
        return CCX_MON_SEED2;
    if (starts(first, HDR_COUNTS))
        return CCX_MON_COUNTS_H;
    if (starts(first, HDR_GC))
        return CCX_MON_GC;
    if (starts(first, HDR_CGROUP))
        return CCX_MON_CGROUP;
    return CCX_MON_UNKNOWN;
}

/* The layout of a header-less file from its first data line. */
static enum ccx_mon_layout by_data(const char *first, int *ncols)
{
    char copy[512], *f[MAXF];
    snprintf(copy, sizeof copy, "%s", first);
    int nf = split(copy, f);
    double t, v;
    if (nf >= 4 && stamp(f[0], &t) < 0 && stamp(f[1], &t) == 0 && ccx_mon_size(f[3], &v) == 0)
        return CCX_MON_COMBINED;
    if (nf >= 2 && stamp(f[0], &t) == 0 && ccx_mon_size(f[1], &v) == 0 && strstr(f[1], " / "))
        return CCX_MON_DOCKER1;
    if (nf >= 2 && nf <= 1 + CCX_MON_MAXVAL && stamp(f[0], &t) == 0) {
        for (int i = 1; i < nf; i++)
            if (number(f[i], &v) < 0)
                return CCX_MON_UNKNOWN;
        *ncols = nf;
        return CCX_MON_COUNTS;
    }
    return CCX_MON_UNKNOWN;
}

enum ccx_mon_layout ccx_mon_detect(const char *base, const char *first, struct ccx_mon_file *mf)
{
    memset(mf, 0, sizeof *mf);
    mf->base = base;
    mf->header = 1;
    if ((mf->layout = by_header(first)) != CCX_MON_UNKNOWN)
        return mf->layout;
    mf->header = 0;
    mf->layout = by_data(first, &mf->ncols);
    return mf->layout;
}

const char *ccx_mon_layout_name(enum ccx_mon_layout l)
{
    switch (l) {
    case CCX_MON_GC: return "gc stats of a fresh interpreter (not the service's)";
    case CCX_MON_STATS: return "tracer stats";
    case CCX_MON_SEED: return "per-container docker stats";
    case CCX_MON_SEED2: return "docker stats (memory_mb)";
    case CCX_MON_CGROUP: return "cgroup memory";
    case CCX_MON_COMBINED: return "combined docker stats";
    case CCX_MON_DOCKER1: return "header-less docker stats";
    case CCX_MON_COUNTS: return "counts";
    case CCX_MON_COUNTS_H: return "counts (archives_processed)";
    default: return "unknown";
    }
}

/* The label of count column I (1-based) of a header-less counts file. */
static const char *count_label(const char *base, int i, int nf)
{
    static const char *const broker[] = {"brokers created", "brokers collected", "brokers live"};
    static const char *const col[] = {"column 2", "column 3", "column 4"};
    if (starts(base, "archive_count") && nf == 2)
        return "archives processed";
    if (starts(base, "broker_stats") && nf == 4)
        return broker[i - 1];
    return col[i - 1];
}

static void put(struct ccx_mon_row *r, const char *label, double v, int count)
{
    r->v[r->n++] = (struct ccx_mon_val){label, v, count};
}

int ccx_mon_parse(const struct ccx_mon_file *mf, char *line, struct ccx_mon_row *r, const char **why)
{
    enum ccx_mon_layout l = mf->layout;
    char *f[MAXF];
    int nf = split(line, f);
    double v, v2;
    r->n = 0;
    *why = "bad time stamp";
    switch (l) {
    case CCX_MON_STATS:
        *why = "bad row (want " CCX_STATS_HEADER ")";
        if (nf < 4 || ccx_parse_utc(f[0], 1, &r->t) < 0 || number(f[2], &v) < 0 || number(f[3], &v2) < 0)
            return -1;
        put(r, "RSS", v, 0);
        put(r, "traced live", v2, 0);
        return 0;
    case CCX_MON_SEED:
    case CCX_MON_SEED2:
        *why = l == CCX_MON_SEED ? "bad row (want timestamp,elapsed_min,cpu_perc,mem_usage_mb,... in MiB)"
                                 : "bad row (want timestamp,minutes_elapsed,cpu_percent,memory_mb,... in MiB)";
        if (nf < 4 || stamp(f[0], &r->t) < 0 || number(f[3], &v) < 0)
            return -1;
        put(r, NULL, v * 1048576.0, 0);
        return 0;
    case CCX_MON_CGROUP:
        *why = "bad row (want timestamp,elapsed_min,memory_current_bytes,...)";
        if (nf < 3 || stamp(f[0], &r->t) < 0 || number(f[2], &v) < 0)
            return -1;
        put(r, "cgroup memory.current", v, 0);
        return 0;
    case CCX_MON_COMBINED:
        *why = "bad row (want container,YYYY-MM-DD_HH:MM:SS,cpu%,USAGE / LIMIT,...)";
        if (nf < 4 || !*f[0] || stamp(f[1], &r->t) < 0 || ccx_mon_size(f[3], &v) < 0)
            return -1;
        put(r, f[0], v, 0);
        return 0;
    case CCX_MON_DOCKER1:
        *why = "bad row (want YYYY-MM-DD HH:MM:SS,USAGE / LIMIT,...)";
        if (nf < 2 || stamp(f[0], &r->t) < 0 || ccx_mon_size(f[1], &v) < 0)
            return -1;
        put(r, NULL, v, 0);
        return 0;
    case CCX_MON_COUNTS_H:
        *why = "bad row (want timestamp,minutes_elapsed,archives_processed)";
        if (nf != 3 || stamp(f[0], &r->t) < 0 || number(f[2], &v) < 0)
            return -1;
        put(r, "archives processed", v, 1);
        return 0;
    case CCX_MON_COUNTS:
        *why = "bad row (want timestamp,count[,count...] as on the first line)";
        if (nf != mf->ncols || stamp(f[0], &r->t) < 0)
            return -1;
        for (int i = 1; i < nf; i++) {
            if (number(f[i], &v) < 0)
                return -1;
            put(r, count_label(mf->base, i, nf), v, 1);
        }
        return 0;
    default:
        *why = "layout not supported";
        return -1;
    }
}
