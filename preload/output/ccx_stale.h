/* ccx_stale.h - removing the temporary snapshot files of writers that
 * died (ccx_stale.c); the helper thread calls ccx_stale_sweep_once(). */
#ifndef CCX_STALE_H
#define CCX_STALE_H

#define CCX_STALE_AGE_S 60 /* a .tmp modified more recently is never removed */

/* Is name the tracer's temporary snapshot name,
 * ccxtrace.<host>.<pid>.<start>.<seq>.json.tmp? */
int ccx_stale_name_ok(const char *name);

/* Removes dir's stale temporary snapshot files (ccx_stale.c says which);
 * returns how many. */
int ccx_stale_sweep(const char *dir);

/* ccx_stale_sweep(dir), once per process image (not again after fork). */
void ccx_stale_sweep_once(const char *dir);

#endif
