/* print_fleet.h - the fleet view of trend and report over several
 * processes (print_fleet.c): run the per-process fits, print the result. */
#ifndef CCX_PRINT_FLEET_H
#define CCX_PRINT_FLEET_H

#include <cjson/cJSON.h>

#include "cmd.h"
#include "fleet.h"

/* Fits each process of ps that has enough snapshots into fl (with each
 * one's headline and census line; its JSON into jp[i] when jp is given,
 * jp having ps->n slots).  0, or 2 after printing the error. */
int ccx_fleet_run(const struct ccx_opts *op, struct ccx_procs *ps, struct ccx_fleet *fl, cJSON **jp);
/* The fleet view as text, or Markdown when o->fmt is Markdown. */
void ccx_fleet_print(const struct ccx_opts *op, struct ccx_out *o, const struct ccx_fleet *fl);
/* The fleet view as trend's JSON document; takes the documents in jp
 * (from ccx_fleet_run) and NULLs them.  0 or 2. */
int ccx_fleet_print_json(const struct ccx_opts *op, struct ccx_out *o, const struct ccx_fleet *fl, cJSON **jp);

#endif
