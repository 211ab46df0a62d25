/* fleet.c - summing per-process figures into fleet figures (see fleet.h;
 * the rules are in docs/analyzer.md, "Several processes"). */
#include "fleet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "model.h"

/* A frame label interned once in the fleet's pool. */
struct ccx_fframe {
    uint64_t hash;
    uint32_t label;
    UT_hash_handle hh;
};

static uint32_t intern_frame(struct ccx_fleet *fl, const struct ccx_table *t, const struct ccx_tframe *f,
                             enum ccx_strpool_err *err)
{
    struct ccx_fframe *e;
    HASH_FIND(hh, fl->fhash, &f->hash, sizeof f->hash, e);
    if (e)
        return e->label;
    e = calloc(1, sizeof *e);
    if (!e) {
        *err = CCX_STRPOOL_NOMEM;
        return 0;
    }
    e->hash = f->hash;
    e->label = ccx_strpool_add(&fl->strs, ccx_table_str(t, f->label), err);
    HASH_ADD(hh, fl->fhash, hash, sizeof e->hash, e);
    return e->label;
}

static struct ccx_frow *new_row(struct ccx_fleet *fl, uint64_t hkey, size_t group, const struct ccx_table *t,
                                const struct ccx_row *r)
{
    struct ccx_frow *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    enum ccx_strpool_err err = CCX_STRPOOL_OK;
    x->hkey = hkey;
    x->key = r->key;
    x->group = group;
    x->layer = r->layer;
    x->label = ccx_strpool_add(&fl->strs, ccx_table_str(t, r->label), &err);
    x->stack = calloc(r->stack_len ? r->stack_len : 1, sizeof *x->stack);
    if (!x->stack) {
        free(x);
        return NULL;
    }
    for (uint32_t j = 0; j < r->stack_len; j++)
        x->stack[x->stack_len++] = intern_frame(fl, t, ccx_row_frame(t, r, j), &err);
    if (err) {
        free(x->stack);
        free(x);
        return NULL;
    }
    HASH_ADD(hh, fl->hash, hkey, sizeof x->hkey, x);
    return x;
}

int ccx_fleet_add(struct ccx_fleet *fl, size_t group, const struct ccx_table *t, const struct ccx_row *r,
                  double w, double value, double se, double late, double first_b, double last_b)
{
    uint64_t hkey = ccx_hash_mix(r->key, (uint64_t)group + 1);
    struct ccx_frow *x;
    HASH_FIND(hh, fl->hash, &hkey, sizeof hkey, x);
    if (!x && !(x = new_row(fl, hkey, group, t, r)))
        return -1;
    x->value += w * value;
    x->var += w * w * se * se;
    x->late += w * late;
    x->first_b += first_b;
    x->last_b += last_b;
    x->nproc++;
    return 0;
}

int ccx_fleet_check_ident(const struct ccx_proc *p, const struct ccx_set *set)
{
    for (size_t i = 0; i < set->k; i++) {
        const struct ccx_meta *m = &set->meta[i];
        int same_inst = (!m->instance && !p->id.instance) ||
                        (m->instance && p->id.instance && !strcmp(m->instance, p->id.instance));
        if (m->pid != p->id.pid || m->start_time != p->id.start_time || !same_inst) {
            ccx_err("%s: its identity changed while it was being read (pid, start_time or %s)", m->path,
                    "instance_id");
            return -1;
        }
    }
    return 0;
}

/* Reads a left-out process's snapshots with the real reader: a malformed
 * file is an error even when it would not be fitted. */
int ccx_fleet_validate_left_out(const struct ccx_procs *ps)
{
    for (size_t i = 0; i < ps->n; i++) {
        const struct ccx_proc *p = &ps->p[i];
        if (!p->left_out)
            continue;
        for (size_t q = 0; q < p->npaths; q++) {
            struct ccx_snap s;
            if (ccx_load_snap(p->paths[q], &s) < 0)
                return -1;
            ccx_snap_free(&s);
        }
    }
    return 0;
}

static const struct ccx_grow *top_steady(const struct ccx_trend *tr)
{
    for (size_t j = 0; j < tr->n; j++)
        if (tr->g[j].cls == CCX_STEADY)
            return &tr->g[j];
    return NULL;
}

static int fit_one(struct ccx_fleet *fl, size_t i, enum ccx_by by, ccx_fleet_each each, void *ctx)
{
    struct ccx_proc *p = &fl->ps->p[i];
    struct ccx_fres *res = &fl->res[i];
    struct ccx_set set;
    struct ccx_trend tr = {0};
    int rc = -1;
    if (ccx_set_load(&set, p->paths, p->npaths, by) < 0 || ccx_fleet_check_ident(p, &set) < 0)
        goto out;
    if (ccx_trend_compute(&set, fl->min_bytes, &tr) < 0) {
        ccx_err("out of memory");
        goto out;
    }
    res->k = set.k;
    res->span = tr.span;
    res->has_rss = tr.has_rss;
    res->rss_rate = tr.rss_rate;
    res->has_live = tr.has_live;
    res->live_rate = tr.live_rate;
    res->n_steady = tr.n_steady;
    const struct ccx_grow *top = top_steady(&tr);
    if (top) {
        res->top_label = strdup(ccx_table_str(set.sites, top->row->label));
        res->top_rate = top->fit.slope;
        res->top_se = top->fit.se;
    }
    for (size_t j = 0; j < tr.n; j++) {
        const struct ccx_grow *g = &tr.g[j];
        if (ccx_fleet_add(fl, p->group, set.sites, g->row, p->weight, g->fit.slope, g->fit.se, g->fit.late_slope,
                          p->first_of_lineage ? g->old_b : 0, p->last_of_lineage ? g->new_b : 0) < 0) {
            ccx_err("out of memory");
            goto out;
        }
    }
    rc = each ? each(ctx, fl, i, &set, &tr) : 0;
out:
    free(tr.g);
    ccx_set_free(&set);
    return rc;
}

int ccx_fleet_init(struct ccx_fleet *fl, struct ccx_procs *ps, double min_bytes, int is_diff)
{
    memset(fl, 0, sizeof *fl);
    fl->ps = ps;
    fl->min_bytes = min_bytes;
    fl->is_diff = is_diff;
    fl->res = calloc(ps->n ? ps->n : 1, sizeof *fl->res);
    fl->gs = calloc(ps->ng ? ps->ng : 1, sizeof *fl->gs);
    if (!fl->res || !fl->gs) {
        ccx_err("out of memory");
        return -1;
    }
    return 0;
}

int ccx_fleet_trend(struct ccx_fleet *fl, struct ccx_procs *ps, enum ccx_by by, double min_bytes,
                    ccx_fleet_each each, void *ctx)
{
    if (ccx_fleet_init(fl, ps, min_bytes, 0) < 0)
        return -1;
    for (size_t i = 0; i < ps->n; i++) {
        if (!ps->p[i].left_out && fit_one(fl, i, by, each, ctx) < 0)
            return -1;
    }
    ccx_fleet_finish(fl);
    return 0;
}

static int cmp_row(const void *x, const void *y)
{
    const struct ccx_frow *a = *(struct ccx_frow *const *)x, *b = *(struct ccx_frow *const *)y;
    if (a->value != b->value)
        return a->value > b->value ? -1 : 1;
    if (a->group != b->group)
        return a->group < b->group ? -1 : 1;
    return a->key < b->key ? -1 : a->key > b->key;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* The middle of v[0..n) (sorts v). */
static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Marks the processes whose rate (RSS when every fitted process of the
 * group has it, else traced live) is far from the group's median: further
 * than 3 scaled median absolute deviations, than half the median, and than
 * --min-bytes over the process's span.  Groups of 3 or more only. */
static void mark_outliers(struct ccx_fleet *fl, size_t g)
{
    const struct ccx_procs *ps = fl->ps;
    double *v = calloc(ps->n ? ps->n : 1, sizeof *v), *dev = calloc(ps->n ? ps->n : 1, sizeof *dev);
    size_t n = 0;
    int all_rss = 1;
    for (size_t i = 0; i < ps->n; i++)
        if (ps->p[i].group == g && !ps->p[i].left_out)
            all_rss &= fl->res[i].has_rss;
    for (size_t i = 0; v && dev && i < ps->n; i++)
        if (ps->p[i].group == g && !ps->p[i].left_out) {
            fl->res[i].mark_rate = all_rss ? fl->res[i].rss_rate : fl->res[i].live_rate;
            v[n++] = fl->res[i].mark_rate;
        }
    if (v && dev && n >= 3) {
        double med = median(v, n);
        for (size_t q = 0; q < n; q++)
            dev[q] = fabs(v[q] - med);
        double mad = 1.4826 * median(dev, n);
        for (size_t i = 0; i < ps->n; i++) {
            const struct ccx_fres *r = &fl->res[i];
            double d = fabs(r->mark_rate - med);
            if (ps->p[i].group == g && !ps->p[i].left_out && d > 3 * mad && d > 0.5 * fabs(med) &&
                d * r->span >= fl->min_bytes)
                fl->res[i].outlier = 1;
        }
    }
    free(v);
    free(dev);
}

static void classify(struct ccx_fleet *fl, struct ccx_frow *x)
{
    const struct ccx_fgroup *g = &fl->gs[x->group];
    struct ccx_fit *f = &x->fit;
    f->slope = x->value;
    f->se = f->se_samp = sqrt(x->var);
    f->late_slope = x->late;
    f->span = g->span;
    if (fl->is_diff) {
        f->growth = x->value;
        double d = x->value;
        x->cls = d > 0 && d > g->z * f->se && d >= fl->min_bytes ? CCX_STEADY
                 : -d > g->z * f->se && -d >= fl->min_bytes   ? CCX_SHRINKING
                                                               : CCX_NOISE;
    } else {
        f->growth = x->value * g->span;
        x->cls = ccx_classify(f, g->z, fl->min_bytes);
    }
}

void ccx_fleet_finish(struct ccx_fleet *fl)
{
    const struct ccx_procs *ps = fl->ps;
    fl->nrows = HASH_COUNT(fl->hash);
    fl->rows = calloc(fl->nrows ? fl->nrows : 1, sizeof *fl->rows);
    if (!fl->rows) {
        fl->nrows = 0;
        return;
    }
    size_t j = 0;
    for (struct ccx_frow *x = fl->hash; x; x = x->hh.next) {
        fl->rows[j++] = x;
        fl->gs[x->group].m++;
        if (x->value > 0)
            fl->gs[x->group].pos += x->value;
    }
    for (size_t g = 0; g < ps->ng; g++) {
        fl->gs[g].z = ccx_z_familywise(fl->gs[g].m, CCX_FAMILY_ALPHA);
        fl->gs[g].span = ps->g[g].nfit ? ps->g[g].t_last - ps->g[g].t_first : 0;
        if (!fl->is_diff)
            mark_outliers(fl, g);
    }
    for (j = 0; j < fl->nrows; j++) {
        struct ccx_frow *x = fl->rows[j];
        struct ccx_fgroup *g = &fl->gs[x->group];
        classify(fl, x);
        x->share = g->pos > 0 && x->value > 0 ? x->value / g->pos : 0;
        g->n_steady += x->cls == CCX_STEADY;
        g->n_stopped += x->cls == CCX_STOPPED;
        g->n_shrinking += x->cls == CCX_SHRINKING;
    }
    qsort(fl->rows, fl->nrows, sizeof *fl->rows, cmp_row);
    double *cum = calloc(ps->ng ? ps->ng : 1, sizeof *cum);
    for (j = 0; cum && j < fl->nrows; j++) {
        struct ccx_frow *x = fl->rows[j];
        struct ccx_fgroup *g = &fl->gs[x->group];
        if (x->value <= 0 || cum[x->group] >= CCX_MOST * g->pos)
            continue;
        cum[x->group] += x->value;
        g->n_most++;
    }
    free(cum);
}

void ccx_fleet_free(struct ccx_fleet *fl)
{
    struct ccx_frow *x, *tmp;
    HASH_ITER(hh, fl->hash, x, tmp) {
        HASH_DEL(fl->hash, x);
        free(x->stack);
        free(x);
    }
    struct ccx_fframe *f, *ftmp;
    HASH_ITER(hh, fl->fhash, f, ftmp) {
        HASH_DEL(fl->fhash, f);
        free(f);
    }
    if (fl->res && fl->ps)
        for (size_t i = 0; i < fl->ps->n; i++) {
            free(fl->res[i].top_label);
            free(fl->res[i].headline);
            free(fl->res[i].headline_md);
            free(fl->res[i].census);
        }
    free(fl->res);
    free(fl->gs);
    free(fl->rows);
    ccx_strpool_free(&fl->strs);
    memset(fl, 0, sizeof *fl);
}
