/* ccx_ident.h - who this process is: host, pid, start time, a random
 * instance id and the absolute output directory, which name every file the
 * tracer writes (common/ccx_format.h) and open every snapshot.  Filled
 * lazily (ccx_ident_init: helper thread or exit path, never the hot path),
 * made again in a fork child (ccx_ident_reset). */
#ifndef CCX_IDENT_H
#define CCX_IDENT_H

#include "ccx_options.h" /* CCX_PATH_MAX */

struct ccx_ident {
    char host[256];
    long pid;
    long long start;        /* process start, epoch seconds */
    double start_exact;     /* with the fraction */
    double start_boot;      /* seconds after boot (CLOCK_BOOTTIME) */
    char instance[33];      /* random per-process id, 32 hex digits (ccx_instance.c) */
    char dir[CCX_PATH_MAX]; /* absolute output directory */
};
extern struct ccx_ident ccx_id;
_Static_assert(sizeof(((struct ccx_ident *)0)->instance) == 33, "instance: 32 hex digits and a NUL");

/* The output directory: CCXTRACE_DIR made absolute against the current
 * directory (the constructor, once). */
void ccx_ident_set_dir(const char *dir);
/* Host, pid, start and instance id, once per process image. */
void ccx_ident_init(void);
/* In a fork child: ccx_ident_init finds them again (the directory stays). */
void ccx_ident_reset(void);
/* Fills out with 32 random hex digits (getrandom; never blocks). */
void ccx_instance_make(char out[33]);
/* Seconds since the process started (CLOCK_BOOTTIME), at least 0. */
double ccx_uptime(void);

#endif
