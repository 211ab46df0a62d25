/* stats.h - the statistics behind "is this growth real" (see stats.c for
 * the math, written out next to the code). */
#ifndef CCX_STATS_H
#define CCX_STATS_H

#include <stddef.h>

/* Family-wise false-alarm probability of the growth rule, across all the
 * sites of one diff or trend (one-sided, Bonferroni). */
#define CCX_FAMILY_ALPHA 0.01
/* Default minimum growth a site needs to count (--min-bytes). */
#define CCX_MIN_GROWTH_DEFAULT (1024.0 * 1024.0)
/* A site whose growth over the second half of the span is below this
 * fraction of what its overall slope predicts has stopped growing. */
#define CCX_STOPPED_FRACTION 0.5

/* Variance of a site's live-bytes estimate from its sample count and the
 * sampling interval T (0 = exact, "all" mode). */
double ccx_site_var(double live_bytes, double live_samples, double interval);
/* The sampling variance of a site's change from an earlier to a later
 * snapshot of one process (the comment of stats.c, "Differences"): at most
 * the two variances' sum, less when the site allocated little in between.
 * bytes_* and alloc_* are the site's live and allocated bytes in each. */
double ccx_diff_var_one_process(double bytes_early, double bytes_late, double alloc_early, double alloc_late,
                                double var_early, double var_late, double interval);
/* Upper quantile of the standard normal: P(Z > z) = p. */
double ccx_norm_quantile_upper(double p);
/* The critical z of the family-wise rule for m tests. */
double ccx_z_familywise(size_t m, double alpha);

enum ccx_class { CCX_NOISE = 0, CCX_STEADY, CCX_STOPPED, CCX_SHRINKING };
const char *ccx_class_name(enum ccx_class c);

struct ccx_fit {
    double slope;      /* bytes per second */
    double intercept;  /* at t[0] */
    double se_samp;    /* slope SE from the sampling variances */
    double se_resid;   /* slope SE from the residuals (n >= 3) */
    double se;         /* max of the two: what the test uses */
    double r2;         /* how well a line fits (1 = perfectly) */
    double late_slope; /* slope over the second half of the span */
    double span;       /* seconds from first to last point */
    double growth;     /* slope * span: fitted growth over the span */
};

/* Least squares of y on t (seconds); var[i] the sampling variance of y[i]
 * (NULL = exact).  n >= 2 and distinct times, else returns -1. */
int ccx_fit_line(const double *t, const double *y, const double *var, size_t n, struct ccx_fit *f);
/* Plain OLS slope (plot). */
double ccx_ols_slope(const double *x, const double *y, size_t n);
/* Classifies a fitted site with the critical value z and minimum growth. */
enum ccx_class ccx_classify(const struct ccx_fit *f, double z, double min_growth);

#endif
