/* analysis.c - diff, trend and census computations (see analysis.h; the
 * statistics are explained in stats.c). */
#include "analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_delta(const void *x, const void *y)
{
    const struct ccx_grow *a = x, *b = y;
    if (a->delta != b->delta)
        return a->delta > b->delta ? -1 : 1;
    return a->row->key < b->row->key ? -1 : a->row->key > b->row->key;
}

static int cmp_slope(const void *x, const void *y)
{
    const struct ccx_grow *a = x, *b = y;
    if (a->fit.slope != b->fit.slope)
        return a->fit.slope > b->fit.slope ? -1 : 1;
    return a->row->key < b->row->key ? -1 : a->row->key > b->row->key;
}

/* A site's change from snapshot a to b: its sampling variance (stats.c,
 * "Differences"). */
static double diff_var(const struct ccx_set *set, const struct ccx_row *r, size_t a, size_t b)
{
    if (!set->same_process)
        return r->var[a] + r->var[b];
    size_t e = set->t[a] <= set->t[b] ? a : b, l = e == a ? b : a; /* earlier, later */
    double T = set->sites->sample_T[e] > set->sites->sample_T[l] ? set->sites->sample_T[e] : set->sites->sample_T[l];
    return ccx_diff_var_one_process(r->bytes[e], r->bytes[l], r->alloc[e], r->alloc[l], r->var[e], r->var[l], T);
}

int ccx_diff_compute(const struct ccx_set *set, size_t a, size_t b, double min_bytes,
                     struct ccx_diff *d)
{
    const struct ccx_table *t = set->sites;
    memset(d, 0, sizeof *d);
    d->a = a;
    d->b = b;
    d->min_bytes = min_bytes;
    d->g = calloc(t->nrows ? t->nrows : 1, sizeof *d->g);
    if (!d->g)
        return -1;
    double var_sum = 0;
    for (size_t j = 0; j < t->nrows; j++) {
        struct ccx_row *r = t->rows[j];
        if (r->bytes[a] == 0 && r->bytes[b] == 0 && r->blocks[a] == 0 && r->blocks[b] == 0)
            continue; /* only in other snapshots of the set */
        struct ccx_grow *g = &d->g[d->n++];
        g->row = r;
        g->old_b = r->bytes[a];
        g->new_b = r->bytes[b];
        g->old_blocks = r->blocks[a];
        g->new_blocks = r->blocks[b];
        g->delta = g->new_b - g->old_b;
        double v = diff_var(set, r, a, b);
        g->se = sqrt(v);
        var_sum += v;
        g->is_new = r->bytes[a] == 0 && r->blocks[a] == 0;
        g->vanished = r->bytes[b] == 0 && r->blocks[b] == 0;
        if (g->delta > 0)
            d->growth_pos += g->delta;
        d->growth_sum += g->delta;
        if (g->is_new) {
            d->n_new++;
            d->new_bytes += g->new_b;
        }
        if (g->vanished) {
            d->n_vanished++;
            d->vanished_bytes += g->old_b;
        }
    }
    d->growth_se = sqrt(var_sum);
    d->m = d->n;
    d->z = ccx_z_familywise(d->m, CCX_FAMILY_ALPHA);
    for (size_t j = 0; j < d->n; j++) {
        struct ccx_grow *g = &d->g[j];
        g->share = d->growth_pos > 0 && g->delta > 0 ? g->delta / d->growth_pos : 0;
        if (g->delta > d->z * g->se && g->delta >= min_bytes && g->delta > 0) {
            g->cls = CCX_STEADY;
            d->n_sig++;
        } else if (-g->delta > d->z * g->se && -g->delta >= min_bytes) {
            g->cls = CCX_SHRINKING;
        } else {
            g->cls = CCX_NOISE;
        }
    }
    qsort(d->g, d->n, sizeof *d->g, cmp_delta);
    return 0;
}

/* Fits a per-snapshot quantity over time (absent = negative). */
static double meta_field(const struct ccx_meta *m, int which)
{
    return which == 0 ? m->rss : which == 1 ? m->heap_in_use : m->sites_bytes;
}

static int fit_meta(const struct ccx_set *set, int which, double *rate)
{
    double *x = calloc(set->k, sizeof *x), *y = calloc(set->k, sizeof *y);
    size_t n = 0;
    if (!x || !y) {
        free(x);
        free(y);
        return 0;
    }
    for (size_t i = 0; i < set->k; i++) {
        double v = meta_field(&set->meta[i], which);
        if (v < 0)
            continue;
        x[n] = set->t[i];
        y[n++] = v;
    }
    struct ccx_fit f;
    int ok = n >= 2 && ccx_fit_line(x, y, NULL, n, &f) == 0;
    if (ok)
        *rate = f.slope;
    free(x);
    free(y);
    return ok;
}

int ccx_trend_compute(const struct ccx_set *set, double min_bytes, struct ccx_trend *tr)
{
    const struct ccx_table *t = set->sites;
    memset(tr, 0, sizeof *tr);
    tr->min_bytes = min_bytes;
    tr->g = calloc(t->nrows ? t->nrows : 1, sizeof *tr->g);
    if (!tr->g)
        return -1;
    for (size_t i = 0; i < set->k; i++)
        if (set->t[i] > tr->span)
            tr->span = set->t[i];
    for (size_t j = 0; j < t->nrows; j++) {
        struct ccx_row *r = t->rows[j];
        struct ccx_grow *g = &tr->g[tr->n++];
        g->row = r;
        if (ccx_fit_line(set->t, r->bytes, r->var, set->k, &g->fit) < 0) {
            free(tr->g);
            tr->g = NULL;
            return -1;
        }
        g->old_b = r->bytes[set->order[0]];
        g->new_b = r->bytes[set->order[set->k - 1]];
        g->delta = g->new_b - g->old_b;
        if (g->fit.slope > 0)
            tr->pos_rate += g->fit.slope;
    }
    tr->m = tr->n;
    tr->z = ccx_z_familywise(tr->m, CCX_FAMILY_ALPHA);
    for (size_t j = 0; j < tr->n; j++) {
        struct ccx_grow *g = &tr->g[j];
        g->cls = ccx_classify(&g->fit, tr->z, min_bytes);
        g->share = tr->pos_rate > 0 && g->fit.slope > 0 ? g->fit.slope / tr->pos_rate : 0;
        tr->n_steady += g->cls == CCX_STEADY;
        tr->n_stopped += g->cls == CCX_STOPPED;
        tr->n_shrinking += g->cls == CCX_SHRINKING;
    }
    qsort(tr->g, tr->n, sizeof *tr->g, cmp_slope);
    double cum = 0;
    for (size_t j = 0; j < tr->n && tr->pos_rate > 0; j++) {
        cum += tr->g[j].fit.slope;
        tr->n_most = j + 1;
        if (cum >= CCX_MOST * tr->pos_rate)
            break;
    }
    tr->has_rss = fit_meta(set, 0, &tr->rss_rate);
    tr->has_heap = fit_meta(set, 1, &tr->heap_rate);
    tr->has_live = fit_meta(set, 2, &tr->live_rate);
    return 0;
}

static int cmp_tdelta(const void *x, const void *y)
{
    const struct ccx_tdelta *a = x, *b = y;
    if (a->dbytes != b->dbytes)
        return a->dbytes > b->dbytes ? -1 : 1;
    if (a->dcount != b->dcount)
        return a->dcount > b->dcount ? -1 : 1;
    return strcmp(a->t->name, b->t->name);
}

static int cmp_ddelta(const void *x, const void *y)
{
    const struct ccx_ddelta *a = x, *b = y;
    if (a->dbytes != b->dbytes)
        return a->dbytes > b->dbytes ? -1 : 1;
    if (a->dcount != b->dcount)
        return a->dcount > b->dcount ? -1 : 1;
    return strcmp(a->name, b->name);
}

size_t ccx_deep_diff(const struct ccx_set *set, size_t a, size_t b, struct ccx_ddelta **out)
{
    const struct ccx_meta *ma = &set->meta[a], *mb = &set->meta[b];
    *out = NULL;
    if (!mb->has_deep || !(*out = calloc(mb->ndeep + ma->ndeep + 1, sizeof **out)))
        return 0;
    size_t n = 0;
    for (size_t j = 0; j < mb->ndeep; j++) {
        struct ccx_ddelta *d = &(*out)[n++];
        d->name = mb->deep[j].name;
        d->count = d->dcount = mb->deep[j].count;
        d->dbytes = mb->deep[j].bytes;
        for (size_t i = 0; i < ma->ndeep; i++)
            if (strcmp(ma->deep[i].name, d->name) == 0) {
                d->dcount -= ma->deep[i].count;
                d->dbytes -= ma->deep[i].bytes;
                break;
            }
    }
    for (size_t i = 0; i < ma->ndeep; i++) {   /* gone by b */
        size_t j = 0;
        while (j < mb->ndeep && strcmp(mb->deep[j].name, ma->deep[i].name) != 0)
            j++;
        if (j == mb->ndeep)
            (*out)[n++] = (struct ccx_ddelta){ma->deep[i].name, 0, -ma->deep[i].count, -ma->deep[i].bytes};
    }
    qsort(*out, n, sizeof **out, cmp_ddelta);
    return n;
}

size_t ccx_types_diff(const struct ccx_set *set, size_t a, size_t b, struct ccx_tdelta **out)
{
    *out = NULL;
    if (!set->ntypes)
        return 0;
    struct ccx_tdelta *v = calloc(set->ntypes, sizeof *v);
    if (!v)
        return 0;
    for (size_t j = 0; j < set->ntypes; j++) {
        const struct ccx_trow *t = set->types[j];
        v[j].t = t;
        v[j].dcount = t->count[b] - t->count[a];
        v[j].dbytes = t->bytes[b] - t->bytes[a];
        if (set->meta[b].has_after) {
            v[j].reclaim_count = t->count[b] - t->acount[b];
            v[j].reclaim_bytes = t->bytes[b] - t->abytes[b];
        }
    }
    qsort(v, set->ntypes, sizeof *v, cmp_tdelta);
    *out = v;
    return set->ntypes;
}

void ccx_reclaim_split(const struct ccx_set *set, size_t a, size_t b, struct ccx_reclaim *r)
{
    const struct ccx_meta *ma = &set->meta[a], *mb = &set->meta[b];
    memset(r, 0, sizeof *r);
    if (!mb->has_after || !mb->has_census)
        return;
    r->have = 1;
    /* After a's own gc.collect() the garbage it found was gone, so the
     * baseline is a's after-collect census when it has one. */
    double base = ma->has_after ? ma->after_bytes : ma->census_bytes;
    r->growth = mb->census_bytes - base;
    r->reclaimable = mb->census_bytes - mb->after_bytes;
    r->reachable = mb->after_bytes - base;
    r->collected = mb->after_collected;
    if (mb->has_after_live && ma->has_totals && mb->has_totals) {
        double hbase = ma->has_after_live ? ma->after_live_bytes : ma->live_bytes;
        r->heap_have = 1;
        r->heap_growth = mb->live_bytes - hbase;
        r->heap_reclaimable = mb->live_bytes - mb->after_live_bytes;
        r->heap_reachable = mb->after_live_bytes - hbase;
    }
}
