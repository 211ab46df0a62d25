/* test_moncsv.c - the monitoring CSV layouts plot reads (analyzer/moncsv.c):
 * each layout told from its file name and first line (lines as the
 * investigation's runs wrote them), its rows turned into time and values
 * in bytes or counts, and the malformed rows real monitoring leaves (the
 * seed's "0B", bare "0" lines, short rows) refused with a reason. */
#include "../check.h"
#include "moncsv.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define MiB 1048576.0
/* 2025-12-23 14:45:02 UTC */
#define T_1445 1766501102.0

static enum ccx_mon_layout detect(const char *base, const char *first, struct ccx_mon_file *mf)
{
    return ccx_mon_detect(base, first, mf);
}

/* Parses LINE of file MF into r; 0 or -1. */
static int row(const struct ccx_mon_file *mf, const char *line, struct ccx_mon_row *r)
{
    static char buf[512]; /* the labels point into it */
    const char *why = NULL;
    snprintf(buf, sizeof buf, "%s", line);
    int rc = ccx_mon_parse(mf, buf, r, &why);
    CHECK_MSG(rc == 0 || (why && *why), "a refused row without a reason: %s", line);
    return rc;
}

static int near(double a, double b)
{
    return fabs(a - b) <= 1e-9 * fmax(1, fabs(b));
}

static void sizes(void)
{
    double v = -1;
    CHECK(ccx_mon_size("242.8MiB / 7.654GiB", &v) == 0 && near(v, 242.8 * MiB));
    CHECK(ccx_mon_size("1.5GiB", &v) == 0 && near(v, 1.5 * 1024 * MiB));
    CHECK(ccx_mon_size("47.4kB / 50kB", &v) == 0 && near(v, 47400));
    CHECK(ccx_mon_size("2MB / 2.25MB", &v) == 0 && near(v, 2e6));
    CHECK(ccx_mon_size("0B / 0B", &v) == 0 && v == 0);
    CHECK(ccx_mon_size("lots", &v) < 0);
    CHECK(ccx_mon_size("12parsecs", &v) < 0);
    CHECK(ccx_mon_size("12", &v) < 0); /* docker always gives a unit */
    CHECK(ccx_mon_size("-3MiB", &v) < 0);
}

static void seed(void)
{
    struct ccx_mon_file mf;
    struct ccx_mon_row r;
    CHECK(detect("rules-processing_docker_stats.csv",
                 "timestamp,elapsed_min,cpu_perc,mem_usage_mb,mem_limit_mb,mem_perc,net_io,block_io", &mf) == CCX_MON_SEED);
    CHECK(mf.header == 1);
    CHECK(row(&mf, "2025-12-23 14:45:02,0,99.57,263.1,7837.7,3.36,17.7MB / 1.58MB,125MB / 111kB\n", &r) == 0);
    CHECK(r.n == 1 && r.t == T_1445 && near(r.v[0].v, 263.1 * MiB) && !r.v[0].label && !r.v[0].count);
    /* what the seed's parser wrote when a container was down */
    CHECK(row(&mf, "2025-12-18 13:40:59,80,0.00,0B,0,0.00,0B / 0B,0B / 0B", &r) < 0);
    CHECK(row(&mf, "2025-12-18 13:40:59,80", &r) < 0);
    CHECK(row(&mf, "yesterday,80,0.00,12.5,0", &r) < 0);
    CHECK(detect("x_gc_stats.csv", "timestamp,elapsed_min,gen0,gen1,gen2,collected,total_objects", &mf) == CCX_MON_GC);
    CHECK(detect("docker_stats.csv",
                 "timestamp,minutes_elapsed,cpu_percent,memory_mb,memory_limit_mb,memory_percent,net_io,block_io",
                 &mf) == CCX_MON_SEED2);
    CHECK(row(&mf, "2025-12-23 14:45:02,0,0.24,236,7837.7,,,", &r) == 0 && near(r.v[0].v, 236 * MiB));
    /* scripts/monitor_local.sh's cgroup CSV */
    CHECK(detect("web_cgroup_memory.csv",
                 "timestamp,elapsed_min,memory_current_bytes,anon_bytes,file_bytes,kernel_bytes,memory_max_bytes",
                 &mf) == CCX_MON_CGROUP);
    CHECK(row(&mf, "2025-12-23 14:45:02,3,104857600,1,2,3,max", &r) == 0 && r.v[0].v == 104857600 && !r.v[0].count &&
          !strcmp(r.v[0].label, "cgroup memory.current"));
    CHECK(row(&mf, "2025-12-23 14:45:02,3,", &r) < 0);
}

static void combined(void)
{
    struct ccx_mon_file mf;
    struct ccx_mon_row r;
    const char *first = "rules-processing,2025-12-23_14:45:02,101.46%,242.8MiB / 7.654GiB,3.10%,2.81MB / 1.25MB,136MB / 295kB";
    CHECK(detect("docker_stats.csv", first, &mf) == CCX_MON_COMBINED && mf.header == 0);
    CHECK(row(&mf, first, &r) == 0);
    CHECK(r.n == 1 && r.t == T_1445 && r.v[0].label && !strcmp(r.v[0].label, "rules-processing") &&
          near(r.v[0].v, 242.8 * MiB));
    CHECK(row(&mf, "archive-sync,2025-12-23_14:45:02,0.19%,85.86MiB / 7.654GiB,1.10%,46kB / 46kB,32MB / 65kB", &r) == 0 &&
          !strcmp(r.v[0].label, "archive-sync"));
    CHECK(row(&mf, "archive-sync,2025-12-23_14:45:02,0.19%,--,1.10%", &r) < 0);
    CHECK(row(&mf, ",2025-12-23_14:45:02,0.19%,85.86MiB / 7.654GiB", &r) < 0); /* no name */
}

static void docker1(void)
{
    struct ccx_mon_file mf;
    struct ccx_mon_row r;
    const char *first = "2025-12-23 14:45:02,293.7MiB / 7.654GiB,3.75%,71.17%,2.73MB / 1.34MB,148MB / 287kB";
    CHECK(detect("docker_stats.csv", first, &mf) == CCX_MON_DOCKER1 && mf.header == 0);
    CHECK(row(&mf, first, &r) == 0 && r.n == 1 && r.t == T_1445 && near(r.v[0].v, 293.7 * MiB) && !r.v[0].label);
    CHECK(row(&mf, "2025-12-23 14:45:02,--,3.75%", &r) < 0);
}

static void counts(void)
{
    struct ccx_mon_file mf;
    struct ccx_mon_row r;
    CHECK(detect("archive_count.csv", "2025-12-23 14:45:02,106", &mf) == CCX_MON_COUNTS && mf.ncols == 2);
    CHECK(row(&mf, "2025-12-23 14:45:02,119", &r) == 0 && r.n == 1 && r.v[0].count && r.v[0].v == 119 &&
          !strcmp(r.v[0].label, "archives processed"));
    CHECK(row(&mf, "0", &r) < 0);
    CHECK(row(&mf, "2025-12-23 14:45:02,119,3", &r) < 0); /* not the first line's columns */
    CHECK(detect("broker_stats.csv", "2025-12-22 13:58:21,100,98,2", &mf) == CCX_MON_COUNTS && mf.ncols == 4);
    CHECK(row(&mf, "2025-12-23 14:45:02,200,198,2", &r) == 0 && r.n == 3 && !strcmp(r.v[0].label, "brokers created") &&
          !strcmp(r.v[2].label, "brokers live") && r.v[1].v == 198 && r.v[2].count);
    CHECK(detect("other.csv", "2025-12-22 13:58:21,5,6", &mf) == CCX_MON_COUNTS);
    CHECK(row(&mf, "2025-12-22 13:58:21,5,6", &r) == 0 && !strcmp(r.v[1].label, "column 3"));
    CHECK(detect("archive_count.csv", "timestamp,minutes_elapsed,archives_processed", &mf) == CCX_MON_COUNTS_H);
    CHECK(row(&mf, "2025-12-23 14:45:02,0,7", &r) == 0 && r.v[0].v == 7 && r.v[0].count);
    CHECK(row(&mf, "0", &r) < 0);
}

static void unknown(void)
{
    struct ccx_mon_file mf;
    CHECK(detect("bad.csv", "a,b,c", &mf) == CCX_MON_UNKNOWN);
    CHECK(detect("bad.csv", "", &mf) == CCX_MON_UNKNOWN);
    CHECK(detect("notes.csv", "2025-12-23 14:45:02,started the load", &mf) == CCX_MON_UNKNOWN);
    CHECK(detect("wide.csv", "2025-12-23 14:45:02,1,2,3,4,5", &mf) == CCX_MON_UNKNOWN);
}

int main(void)
{
    sizes();
    seed();
    combined();
    docker1();
    counts();
    unknown();
    return check_done();
}
