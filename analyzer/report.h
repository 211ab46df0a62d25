/* report.h - the part of `ccx-analyze report` (cmd_report.c) kept in its
 * own file: the report over several processes (report_fleet.c).  The HTML
 * Python section is report_html.h. */
#ifndef CCX_REPORT_H
#define CCX_REPORT_H

#include "cmd.h"

/* The report of ps (several processes, one or more fitted) as Markdown or
 * HTML into o; the exit status (0 or 2). */
int ccx_report_fleet(const struct ccx_opts *op, struct ccx_out *o, struct ccx_procs *ps);

#endif
