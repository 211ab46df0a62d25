/* svg.h - self-contained SVG drawings: a line chart of memory over time
 * (plot, report) and a flame graph of growth (report). */
#ifndef CCX_SVG_H
#define CCX_SVG_H

#include <stddef.h>
#include <stdio.h>

struct ccx_series {
    char *name;
    double *x;   /* seconds since the chart's origin */
    double *y;   /* bytes */
    size_t n;
    double rate; /* fitted bytes per second */
};

void ccx_svg_lines(FILE *f, const struct ccx_series *s, size_t ns, const char *title);
/* The same where series i is a count over time when count[i] (count may be
 * NULL): counts are drawn dashed against a second axis on the right. */
void ccx_svg_chart(FILE *f, const struct ccx_series *s, size_t ns, const int *count, const char *title);

struct ccx_flame;
struct ccx_flame *ccx_flame_new(const char *root);
/* frames root first */
int ccx_flame_add(struct ccx_flame *fl, const char *const *frames, size_t n, double value);
void ccx_flame_svg(FILE *f, const struct ccx_flame *fl, const char *title);
void ccx_flame_free(struct ccx_flame *fl);

#endif
