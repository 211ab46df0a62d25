/* stats.c - sampling error, line fits and the growth rule.
 *
 * Sampling math (DESIGN.md, as in tcmalloc/jemalloc).  The tracer samples
 * by bytes with mean interval T: a block of s bytes is sampled with
 * probability p(s) = 1 - exp(-s/T) and a sample stands for w = s/p bytes, so
 * a site's estimate S^ = sum over its sampled live blocks of w is unbiased.
 * Its variance is sum over all live blocks of s^2 (1-p)/p; the
 * Horvitz-Thompson estimate of that variance from the samples we have is
 *
 *     Var^ = sum over samples of w^2 (1 - p)  =  sum of w (w - s).
 *
 * A snapshot only carries a site's totals (live_bytes = S^, live_samples =
 * n), so we take its samples to be alike: w = S^/n, s solves
 * s / (1 - exp(-s/T)) = w, and Var^ = n w (w - s).  For blocks much smaller
 * than T, w ~ T and Var^ ~ n T^2 = T S^ (relative SE sqrt(T/S): 48 MiB at
 * 512 KiB is +-10%); for blocks much larger than T, w ~ s and the variance
 * vanishes (every such block is sampled).  A site with no sample in a
 * snapshot has an estimate of 0 but may still hold up to a few T: we give
 * it the variance of one small sample, T^2, so absence is not certainty.
 * In "all" mode the figures are exact and the variance is 0.
 *
 * Differences: for a diff of two snapshots of different processes the two
 * variances add.  Within one process the samples that survive in both
 * snapshots cancel (a block is sampled once, when it is allocated): the
 * change  D^ = sum over sampled blocks allocated in between and still live
 * of w  -  sum over sampled blocks live before and freed since of w,  two
 * disjoint sets of blocks, so its variance is the sum over those blocks of
 * s^2 (1-p)/p, and s (1-p)/p = T x/(e^x - 1) <= T (x = s/T): at most
 * T (N + F), N the bytes allocated in between and still live, F the bytes
 * freed of those live before.  With A the bytes allocated in between and
 * D the true change, N <= A and F = N - D, so  Var <= T (2A - D).  A is the
 * difference of the site's alloc_bytes (an estimate itself, with variance
 * at most T A): we take A^ + 2 sqrt(T A^) + T for A, D^ (when positive)
 * for D, add one small sample's T^2 as absence is not certainty, and keep
 * the two variances' sum when that is smaller (a site that allocates and
 * frees much, where the bound says nothing new).  A leak that only
 * allocates gets about T D instead of T (2S + D) for a site of S bytes: a
 * 25 MB growth of a 160 MB site at 512 KiB is +-4.6 MB instead of
 * +-13 MB.  The same-process test is the snapshots' host, pid, start time
 * and instance id (a new image after exec has a new instance id and its
 * counters start again); counters fewer than the live bytes (snapshots
 * that do not carry them) keep the sum.
 *
 * Trends: y_i = a site's estimate at time t_i, least squares slope
 *     b = sum (t_i - tbar) y_i / Sxx,  Sxx = sum (t_i - tbar)^2,
 * whose variance from sampling alone is  sum (t_i - tbar)^2 Var_i / Sxx^2.
 * Real fluctuation (a site that goes up and down) is not sampling error, so
 * we also estimate the slope's variance from the residuals,
 * RSS / (n - 2) / Sxx, and use the larger of the two.
 *
 * The family-wise rule.  A trend covers m sites (hundreds or thousands);
 * testing each at a 1% level would flag about m/100 noise sites as leaks.
 * We control the probability of even one false "steady growth" over the
 * whole report at alpha = 1% (Bonferroni, one-sided): a site grows when
 *     b > z * SE(b)   with   P(Z > z) = alpha / m
 * (m = 1000 gives z = 4.26, consistent with DESIGN.md's four standard
 * errors), and when its fitted growth over the span is at least the
 * minimum size (--min-bytes, default 1 MiB), so a statistically certain
 * but tiny growth (exact "all" mode) is not called a leak either.  A
 * significant site whose slope over the second half of the span is below
 * half its overall slope is "growth that stopped" (a cache warming up);
 * the rest are "steady growth".
 */
#include "stats.h"

#include <math.h>

static double g_of(double x) /* x / (1 - exp(-x)), increasing from 1 */
{
    return x < 1e-9 ? 1.0 + x / 2 : x / -expm1(-x);
}

double ccx_site_var(double live_bytes, double live_samples, double interval)
{
    double T = interval;
    if (T <= 0)
        return 0;
    if (live_samples < 1 || live_bytes <= 0)
        return T * T;
    double n = live_samples, w = live_bytes / n;
    if (w <= T)
        return n * T * T; /* at or below the small-block limit */
    /* solve g(x) = w/T for x = s/T by bisection (g is monotone) */
    double target = w / T, lo = 0, hi = target + 1;
    for (int i = 0; i < 100 && hi - lo > 1e-12 * hi; i++) {
        double mid = (lo + hi) / 2;
        if (g_of(mid) < target)
            lo = mid;
        else
            hi = mid;
    }
    double s = (lo + hi) / 2 * T;
    double v = n * w * (w - s);
    return v > 0 ? v : 0;
}

double ccx_diff_var_one_process(double bytes_early, double bytes_late, double alloc_early, double alloc_late,
                                double var_early, double var_late, double interval)
{
    double T = interval, sum = var_early + var_late;
    /* exact ("all" mode); or counters that cannot be the site's (a live
     * byte was allocated once, so the allocated bytes are never fewer, up
     * to rounding; snapshots without them read 0): keep the sum */
    if (T <= 0 || alloc_late < alloc_early || alloc_early < bytes_early * 0.999 || alloc_late < bytes_late * 0.999)
        return sum;
    double A = alloc_late - alloc_early;
    double a_up = A + 2 * sqrt(T * A) + T;
    double d = bytes_late - bytes_early;
    double bound = T * (2 * a_up - (d > 0 ? d : 0)) + T * T;
    return bound < sum ? bound : sum;
}

double ccx_norm_quantile_upper(double p)
{
    if (p >= 0.5)
        return 0;
    if (p <= 0)
        return 40;
    double lo = 0, hi = 40;
    for (int i = 0; i < 200; i++) {
        double mid = (lo + hi) / 2;
        if (0.5 * erfc(mid / sqrt(2.0)) > p)
            lo = mid;
        else
            hi = mid;
    }
    return (lo + hi) / 2;
}

double ccx_z_familywise(size_t m, double alpha)
{
    return ccx_norm_quantile_upper(alpha / (double)(m ? m : 1));
}

const char *ccx_class_name(enum ccx_class c)
{
    switch (c) {
    case CCX_STEADY: return "steady";
    case CCX_STOPPED: return "stopped";
    case CCX_SHRINKING: return "shrinking";
    default: return "noise";
    }
}

double ccx_ols_slope(const double *x, const double *y, size_t n)
{
    double mx = 0, my = 0, sxx = 0, sxy = 0;
    if (n < 2)
        return 0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= (double)n;
    my /= (double)n;
    for (size_t i = 0; i < n; i++) {
        sxx += (x[i] - mx) * (x[i] - mx);
        sxy += (x[i] - mx) * (y[i] - my);
    }
    return sxx > 0 ? sxy / sxx : 0;
}

int ccx_fit_line(const double *t, const double *y, const double *var, size_t n, struct ccx_fit *f)
{
    *f = (struct ccx_fit){0};
    if (n < 2)
        return -1;
    double tbar = 0, ybar = 0;
    for (size_t i = 0; i < n; i++) {
        tbar += t[i];
        ybar += y[i];
    }
    tbar /= (double)n;
    ybar /= (double)n;
    double sxx = 0, sxy = 0, syy = 0, vs = 0;
    for (size_t i = 0; i < n; i++) {
        double dt = t[i] - tbar;
        sxx += dt * dt;
        sxy += dt * (y[i] - ybar);
        syy += (y[i] - ybar) * (y[i] - ybar);
        if (var)
            vs += dt * dt * var[i];
    }
    if (!(sxx > 0))
        return -1;
    f->slope = sxy / sxx;
    f->intercept = ybar - f->slope * (tbar - t[0]);
    f->se_samp = sqrt(vs) / sxx;
    double rss = syy - f->slope * sxy;
    if (rss < 0)
        rss = 0;
    f->se_resid = n > 2 ? sqrt(rss / (double)(n - 2) / sxx) : 0;
    f->se = f->se_samp > f->se_resid ? f->se_samp : f->se_resid;
    f->r2 = syy > 0 ? 1 - rss / syy : 1;
    double tmin = t[0], tmax = t[0];
    for (size_t i = 1; i < n; i++) {
        if (t[i] < tmin)
            tmin = t[i];
        if (t[i] > tmax)
            tmax = t[i];
    }
    f->span = tmax - tmin;
    f->growth = f->slope * f->span;
    /* the second half of the span (at least the last two points) */
    double half = tmin + f->span / 2;
    size_t nl = 0;
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++)
        if (t[i] >= half) {
            mx += t[i];
            my += y[i];
            nl++;
        }
    if (nl >= 2) {
        mx /= (double)nl;
        my /= (double)nl;
        double lxx = 0, lxy = 0;
        for (size_t i = 0; i < n; i++)
            if (t[i] >= half) {
                lxx += (t[i] - mx) * (t[i] - mx);
                lxy += (t[i] - mx) * (y[i] - my);
            }
        f->late_slope = lxx > 0 ? lxy / lxx : f->slope;
    } else {
        /* the two latest points */
        size_t a = 0, b = 0;
        for (size_t i = 0; i < n; i++)
            if (t[i] > t[b])
                b = i;
        a = b == 0 ? 1 : 0;
        for (size_t i = 0; i < n; i++)
            if (i != b && t[i] > t[a])
                a = i;
        f->late_slope = t[b] > t[a] ? (y[b] - y[a]) / (t[b] - t[a]) : f->slope;
    }
    return 0;
}

enum ccx_class ccx_classify(const struct ccx_fit *f, double z, double min_growth)
{
    if (f->slope > z * f->se && f->growth >= min_growth && f->growth > 0)
        return f->late_slope < CCX_STOPPED_FRACTION * f->slope ? CCX_STOPPED : CCX_STEADY;
    if (-f->slope > z * f->se && -f->growth >= min_growth && f->growth < 0)
        return CCX_SHRINKING;
    return CCX_NOISE;
}
