/* opts.h - ccx-driver's command-line options: one struct, its defaults and
 * the parser of each subcommand's arguments (opts.c).  Durations and sizes
 * go through common/ccx_units.h; nothing else parses them. */
#ifndef DRV_OPTS_H
#define DRV_OPTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "idle.h"

#define DRV_DEFAULT_URL "http://localhost:3000/api/ingress/v1/upload"
#define DRV_DEFAULT_CONTENT_TYPE "application/vnd.redhat.openshift.periodic+tar"

/* Exit statuses (docs/driver.md). */
#define DRV_EXIT_OK 0
#define DRV_EXIT_ALL_FAILED 1
#define DRV_EXIT_USAGE 2

enum drv_mode { DRV_MODE_CONTINUOUS, DRV_MODE_BURSTS };

struct drv_opts {
    const char *url;
    const char *archives_dir;   /* NULL: a generated pool */
    const char *content_type;
    const char *org_id, *account, *identity_json;
    unsigned concurrency;
    uint64_t delay_ns;          /* per connection, between one answer and the next request */
    double rate;                /* uploads per second over all connections; 0: use delay */
    uint64_t duration_ns;       /* continuous mode; 0: until --max-uploads or Ctrl-C */
    uint64_t max_uploads;       /* 0: no limit */
    uint64_t timeout_ns;        /* per request */
    unsigned retries;
    enum drv_mode mode;
    unsigned bursts;
    uint64_t burst_ns, break_ns, settle_ns;
    uint64_t snapshot_every_ns; /* continuous mode; 0: start and end only */
    const char *trigger_file;
    pid_t *pids;
    size_t npids;
    int signal;                 /* what --trigger-signal sends (--signal) */
    const char *trigger_exec;
    const char *snapshot_dir;
    uint64_t snapshot_timeout_ns;
    unsigned pool;
    int keep_ids;               /* --clusters keep: each archive's own cluster id */
    unsigned clusters;          /* --clusters N: N ids in turn; 0: a new one per upload */
    uint64_t archive_size;
    int quiet;
    uint64_t progress_ns;       /* plain progress lines when not a terminal */
    const char *summary_json, *log_csv;
    const char *output;         /* make-archive -o */
    struct drv_idle_cfg idle;   /* --idle-* (settle_ns set by the run) */
    char *idle_finished_buf;    /* the --idle-finished names, split */
};

/* Fills o with the defaults. */
void drv_opts_defaults(struct drv_opts *o);

/* Parses `upload` (or `make-archive` when make_archive) arguments, argv[0]
 * being the subcommand.  Returns 0 on success, 1 when --help was asked
 * (usage already printed), DRV_EXIT_USAGE with a one-line reason in err.
 * o->pids is allocated; drv_opts_free() releases it. */
int drv_parse_upload(int argc, char **argv, struct drv_opts *o, char *err, size_t errlen);
int drv_parse_make_archive(int argc, char **argv, struct drv_opts *o, char *err, size_t errlen);
void drv_opts_free(struct drv_opts *o);

/* "10", "10/s", "600/min", "5/100ms": uploads per second (> 0). */
int drv_parse_upload_rate(const char *s, double *out);
/* "123,456": positive pids; returns the count or -1. */
int drv_parse_pids(const char *s, pid_t **out);

void drv_usage(FILE *f);
#endif
