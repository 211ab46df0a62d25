/* run.h - one `ccx-driver upload` run: the continuous or burst schedule,
 * the snapshot triggers at their points, progress while it runs and the
 * summary at the end.  Returns the exit status (opts.h). */
#ifndef DRV_RUN_H
#define DRV_RUN_H

#include "archives.h"
#include "opts.h"

#include "sender.h"

/* identity: the fixed x-rh-identity value (uploads without a cluster id);
 * clusters: which id each upload carries. */
int drv_run(const struct drv_opts *o, const char *identity, const struct drv_archive *archives,
            size_t narchives, const struct drv_clusters *clusters);
#endif
