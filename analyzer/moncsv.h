/* moncsv.h - the layouts of monitoring CSVs that `plot` reads (cmd_plot.c).
 *
 * Real monitoring leaves files of several shapes behind: the tracer's own
 * stats CSV, the seed's per-container `<c>_docker_stats.csv` with a header,
 * a combined `docker_stats.csv` with the container's name in its first
 * column and YYYY-MM-DD_HH:MM:SS times, a header-less `docker_stats.csv` of
 * one container in `docker stats` units ("242.8MiB / 7.654GiB"), the
 * cgroup memory CSV of scripts/monitor_local.sh, and counts
 * over time (`archive_count.csv`, `broker_stats.csv`).  This file tells the
 * layout from a file's name and first line, and turns one data line into a
 * time and up to three values, each bytes or a count.  Pure: no I/O, so the
 * unit tests (tests/unit/analyzer/test_moncsv.c) cover every layout.
 */
#ifndef CCX_MONCSV_H
#define CCX_MONCSV_H

enum ccx_mon_layout {
    CCX_MON_UNKNOWN,  /* not a layout plot reads */
    CCX_MON_GC,       /* the seed's <c>_gc_stats.csv: a fresh interpreter's, not the service's */
    CCX_MON_STATS,    /* the tracer's stats CSV (CCX_STATS_HEADER): RSS, traced live */
    CCX_MON_SEED,     /* timestamp,elapsed_min,cpu_perc,mem_usage_mb,... (MiB) */
    CCX_MON_SEED2,    /* timestamp,minutes_elapsed,cpu_percent,memory_mb,... (MiB) */
    CCX_MON_CGROUP,   /* scripts/monitor_local.sh's <t>_cgroup_memory.csv: memory_current_bytes */
    CCX_MON_COMBINED, /* container,YYYY-MM-DD_HH:MM:SS,cpu%,USAGE / LIMIT,... (no header) */
    CCX_MON_DOCKER1,  /* timestamp,USAGE / LIMIT,mem%,cpu%,... (no header, one container) */
    CCX_MON_COUNTS,   /* timestamp,N[,N...] (no header): counts over time */
    CCX_MON_COUNTS_H, /* timestamp,minutes_elapsed,archives_processed */
};

#define CCX_MON_MAXVAL 3

struct ccx_mon_val {
    const char *label; /* NULL: the file's own series (its container) */
    double v;          /* bytes, or a count */
    int count;         /* 1: a count, 0: bytes */
};

struct ccx_mon_row {
    double t; /* epoch seconds (UTC) */
    int n;
    struct ccx_mon_val v[CCX_MON_MAXVAL];
};

/* What ccx_mon_detect found out about a file. */
struct ccx_mon_file {
    enum ccx_mon_layout layout;
    int header;       /* the first line is a header, not data */
    int ncols;        /* header-less counts: the columns of every row */
    const char *base; /* the file's name without its directory (not owned) */
};

/* The layout of a file named BASE (no directory) whose first line is FIRST
 * (without its line end), into *mf; returns mf->layout. */
enum ccx_mon_layout ccx_mon_detect(const char *base, const char *first, struct ccx_mon_file *mf);
/* A short name of the layout ("per-container docker stats", ...). */
const char *ccx_mon_layout_name(enum ccx_mon_layout l);
/* One data line of the file MF, split in place: 0, or -1 with *why saying
 * what is wrong with it. */
int ccx_mon_parse(const struct ccx_mon_file *mf, char *line, struct ccx_mon_row *r, const char **why);
/* "242.8MiB / 7.654GiB" (or "242.8MiB") -> bytes of the first figure:
 * docker's units, binary (KiB, MiB, GiB) and decimal (kB, MB, GB); 0 or -1. */
int ccx_mon_size(const char *s, double *bytes);

#endif
