/* report_html.h - the "Python objects and gc" section of the HTML report
 * (cmd_report.c) as the tables and blocks it is: gc per generation and the
 * census change by type as <table>s with headers, the after_collect split
 * as paragraphs, and each holder path as an ordered list, root first, one
 * object per item.  The text and markdown forms of the same figures are
 * ccx_print_python_changes (print_python.c) and ccx_holders_print (holders.c);
 * the numbers come from the same computations (analysis.h). */
#ifndef CCX_REPORT_HTML_H
#define CCX_REPORT_HTML_H

#include <stddef.h>
#include <stdio.h>

#include "holders.h"
#include "model.h"

/* The section's body for snapshots ia -> ib of set: gc, at most n census
 * rows, the after_collect split, ib's holders.  Every text is escaped. */
void ccx_html_python_changes(FILE *f, const struct ccx_set *set, size_t ia, size_t ib, size_t n);
/* The "Who holds them" part alone (h may be NULL: nothing). */
void ccx_html_holders(FILE *f, const struct ccx_holders *h, const char *snapshot);

#endif
