/* group.h - snapshots sorted into processes, processes into groups and
 * lineages (docs/analyzer.md, "Several processes").
 *
 * A process is the snapshots with one instance_id (snapshots of older
 * tracers, without it: one host, pid and start_time).  Its command is the
 * executable and the script (the first argument after argv[0] that is not
 * an option or the argument of -X or -W; `-m MODULE` and `-c` count as the
 * script).  Processes are grouped by command (the default), host or
 * process (--group-by).  Within a group, a lineage is a chain of processes
 * that did not run at the same time: first the processes of one host that
 * follow each other (an OOM kill and restart), then such chains that do
 * not overlap in time (a pod replaced by a new one under another name).
 * Processes that overlap in time (pods, or two containers of one pod) are
 * in separate lineages.  A fleet figure is the sum over a group's lineages
 * of each lineage's span-weighted mean (fleet.c), i.e. the sum over the
 * processes that ran at the same time.
 */
#ifndef CCX_GROUP_H
#define CCX_GROUP_H

#include <stddef.h>

#include "scan.h"

enum ccx_group_by { CCX_GROUP_CMD = 0, CCX_GROUP_HOST, CCX_GROUP_PROCESS };

int ccx_group_by_parse(const char *s, enum ccx_group_by *out);
const char *ccx_group_by_name(enum ccx_group_by g);

struct ccx_proc {
    struct ccx_ident id;  /* of its first snapshot (paths[0]) */
    char *command;        /* executable + script */
    char *name;           /* "host pid N #instance" for the tables */
    char **paths;         /* its snapshots, by time then seq */
    size_t npaths;
    double t_first, t_last; /* epoch seconds of its first and last snapshot */
    size_t group, lineage;  /* indices into the fleet's groups and lineages */
    double weight;          /* its share of its lineage: span / lineage's total span */
    int first_of_lineage, last_of_lineage;
    const char *left_out;   /* why it is not fitted (NULL = fitted) */
};

struct ccx_group {
    char *name;             /* the command, host or process */
    size_t nproc, nfit, nlineage;
    double t_first, t_last; /* over its fitted processes */
};

struct ccx_procs {
    struct ccx_proc *p;     /* sorted by group, then host, then time */
    size_t n;
    struct ccx_group *g;
    size_t ng;
    size_t nlineage;
};

/* Scans PATHS (already expanded) and sorts them into processes; keeps the
 * processes whose command line contains CMD (NULL: all); marks as left out
 * those with fewer than MIN_SNAPS snapshots or no time between the first
 * and the last; groups by BY and builds the lineages.  Returns 0, or -1
 * after printing the error (a file that cannot be read; --cmd matching
 * nothing). */
int ccx_procs_build(char **paths, size_t npaths, const char *cmd, enum ccx_group_by by,
                    size_t min_snaps, struct ccx_procs *out);
/* Whether two identities name the same process (instance_id when both
 * have one, else host, pid and start_time). */
int ccx_same_process(const struct ccx_ident *a, const struct ccx_ident *b);
/* The command of an identity (caller frees). */
char *ccx_command_of(const char *exe, const char *cmdline);
void ccx_procs_free(struct ccx_procs *ps);

#endif
