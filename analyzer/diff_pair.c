/* diff_pair.c - `ccx-analyze diff OLD NEW` of two snapshots (cmd_diff.c
 * picks it): growth per site or group, with its sampling uncertainty, new
 * and vanished sites, totals, RSS and heap, Python types and gc;
 * --fail-above SIZE turns it into a CI gate. */
#include "diff.h"

#include "cmd.h"
#include "holders.h"
#include "print_python.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *status_of(const struct ccx_grow *g)
{
    if (g->cls == CCX_STEADY)
        return g->is_new ? "GROWTH,new" : "GROWTH";
    if (g->cls == CCX_SHRINKING)
        return g->vanished ? "shrank,gone" : "shrank";
    if (g->is_new)
        return "new";
    if (g->vanished)
        return "gone";
    return "noise";
}

static void warn_pair(const struct ccx_set *set)
{
    const struct ccx_meta *a = &set->meta[0], *b = &set->meta[1];
    if (a->exe && b->exe && strcmp(a->exe, b->exe) != 0)
        ccx_warn("%s and %s come from different executables (%s, %s)", a->path, b->path, a->exe, b->exe);
    if (set->t[0] > set->t[1] || (set->t[0] == set->t[1] && set->same_process && a->seq > b->seq))
        ccx_warn("OLD %s is newer than NEW %s: growth is negative of what you may expect", a->path, b->path);
}

/* The deep census's change per type (python.deep): what the gc does not track. */
static void json_deep(cJSON *py, const struct ccx_set *set, size_t n)
{
    struct ccx_ddelta *dd;
    size_t nd = ccx_deep_diff(set, 0, 1, &dd);
    if (set->meta[1].has_deep) {
        cJSON *deep = cJSON_AddArrayToObject(py, "deep_types");
        for (size_t j = 0; j < nd && j < n; j++) {
            cJSON *x = cJSON_CreateObject();
            cJSON_AddStringToObject(x, "type", dd[j].name);
            cJSON_AddNumberToObject(x, "new_count", dd[j].count);
            cJSON_AddNumberToObject(x, "count_delta", dd[j].dcount);
            cJSON_AddNumberToObject(x, "bytes_delta", dd[j].dbytes);
            cJSON_AddItemToArray(deep, x);
        }
    }
    free(dd);
}

static void json_python(cJSON *doc, const struct ccx_set *set, struct ccx_tdelta *td, size_t ntd, size_t n)
{
    const struct ccx_meta *a = &set->meta[0], *b = &set->meta[1];
    if (!a->has_py && !b->has_py)
        return;
    cJSON *py = cJSON_AddObjectToObject(doc, "python");
    if (a->has_gc && b->has_gc) {
        cJSON *gc = cJSON_AddObjectToObject(py, "gc");
        double c[3], col[3], cnt[3];
        for (int g = 0; g < 3; g++) {
            c[g] = b->gc_collections[g] - a->gc_collections[g];
            col[g] = b->gc_collected[g] - a->gc_collected[g];
            cnt[g] = b->gc_count[g];
        }
        cJSON_AddItemToObject(gc, "collections_delta", cJSON_CreateDoubleArray(c, 3));
        cJSON_AddItemToObject(gc, "collected_delta", cJSON_CreateDoubleArray(col, 3));
        cJSON_AddItemToObject(gc, "count_new", cJSON_CreateDoubleArray(cnt, 3));
    }
    cJSON *types = cJSON_AddArrayToObject(py, "types");
    for (size_t j = 0; j < ntd && j < n; j++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "type", td[j].t->name);
        cJSON_AddNumberToObject(x, "old_count", td[j].t->count[0]);
        cJSON_AddNumberToObject(x, "new_count", td[j].t->count[1]);
        cJSON_AddNumberToObject(x, "count_delta", td[j].dcount);
        cJSON_AddNumberToObject(x, "bytes_delta", td[j].dbytes);
        if (b->has_after) {
            cJSON_AddNumberToObject(x, "reclaimable_count", td[j].reclaim_count);
            cJSON_AddNumberToObject(x, "reclaimable_bytes", td[j].reclaim_bytes);
        }
        cJSON_AddItemToArray(types, x);
    }
    json_deep(py, set, n);
    cJSON *r = ccx_json_reclaim(set, 0, 1);
    if (r)
        cJSON_AddItemToObject(py, "after_collect", r);
    if (b->holders)
        cJSON_AddItemToObject(py, "holders", ccx_holders_json(b->holders, b->path));
}

/* --format pprof: every site's growth in blocks and bytes, both signs. */
static int pprof_diff(struct ccx_out *o, const struct ccx_set *set, const struct ccx_diff *d)
{
    static const char *const tv[4] = {"growth_blocks", "count", "growth_bytes", "bytes"};
    struct ccx_pprof *p = ccx_pprof_start(set, 0, 1, "diff", tv);
    for (size_t j = 0; j < d->n && p; j++) {
        const struct ccx_grow *g = &d->g[j];
        const double v[2] = {g->new_blocks - g->old_blocks, g->delta};
        const char *const labels[] = {"layer", ccx_layer_name(g->row->layer), "status", status_of(g), NULL};
        if (ccx_pprof_add(p, g->row, v, labels) < 0) {
            ccx_pprof_free(p);
            ccx_err("out of memory");
            return 2;
        }
    }
    return p ? ccx_pprof_finish(o, p) : 2;
}

/* One pair diff as its printers see it. */
struct pair {
    const struct ccx_opts *op;
    struct ccx_set set;
    struct ccx_diff d;
    size_t *show, ns;   /* the rows shown: indices into d.g */
    double total_delta; /* live bytes (the sites' sum when a snapshot has no totals) */
};

/* The rows shown: |growth| >= --min-bytes when given, unchanged rows left
 * out, the top -n. */
static void choose_rows(struct pair *p)
{
    const struct ccx_diff *d = &p->d;
    const struct ccx_opts *op = p->op;
    p->show = calloc(d->n ? d->n : 1, sizeof *p->show);
    p->ns = 0;
    for (size_t j = 0; j < d->n && p->show; j++) {
        if (op->min_set && fabs(d->g[j].delta) < op->min_bytes)
            continue;
        if (d->g[j].delta == 0 && d->g[j].old_blocks == d->g[j].new_blocks)
            continue;
        if (op->n > 0 && p->ns >= (size_t)op->n)
            break;
        p->show[p->ns++] = j;
    }
    assert(p->ns <= d->n);
}

static cJSON *json_totals(const struct pair *p)
{
    const struct ccx_diff *d = &p->d;
    const struct ccx_meta *a = &p->set.meta[0], *b = &p->set.meta[1];
    cJSON *tt = cJSON_CreateObject();
    cJSON_AddNumberToObject(tt, "live_bytes_delta", p->total_delta);
    cJSON_AddNumberToObject(tt, "sites_growth_bytes", d->growth_sum);
    cJSON_AddNumberToObject(tt, "sites_growth_se", d->growth_se);
    cJSON_AddNumberToObject(tt, "positive_growth_bytes", d->growth_pos);
    cJSON_AddNumberToObject(tt, "live_blocks_delta", b->live_blocks - a->live_blocks);
    if (a->rss >= 0 && b->rss >= 0)
        cJSON_AddNumberToObject(tt, "rss_delta", b->rss - a->rss);
    if (a->heap_in_use >= 0 && b->heap_in_use >= 0)
        cJSON_AddNumberToObject(tt, "heap_delta", b->heap_in_use - a->heap_in_use);
    cJSON_AddNumberToObject(tt, "new_sites", (double)d->n_new);
    cJSON_AddNumberToObject(tt, "new_sites_bytes", d->new_bytes);
    cJSON_AddNumberToObject(tt, "vanished_sites", (double)d->n_vanished);
    cJSON_AddNumberToObject(tt, "vanished_sites_bytes", d->vanished_bytes);
    cJSON_AddNumberToObject(tt, "significant_sites", (double)d->n_sig);
    return tt;
}

static cJSON *json_row(const struct ccx_table *t, const struct ccx_grow *g, size_t rank)
{
    cJSON *x = cJSON_CreateObject();
    cJSON_AddNumberToObject(x, "rank", (double)rank);
    cJSON_AddStringToObject(x, "label", ccx_table_str(t, g->row->label));
    cJSON_AddStringToObject(x, "layer", ccx_layer_name(g->row->layer));
    cJSON_AddNumberToObject(x, "old_bytes", g->old_b);
    cJSON_AddNumberToObject(x, "new_bytes", g->new_b);
    cJSON_AddNumberToObject(x, "growth_bytes", g->delta);
    cJSON_AddNumberToObject(x, "growth_se", g->se);
    cJSON_AddNumberToObject(x, "share", g->share);
    cJSON_AddNumberToObject(x, "old_blocks", g->old_blocks);
    cJSON_AddNumberToObject(x, "new_blocks", g->new_blocks);
    cJSON_AddBoolToObject(x, "new", g->is_new);
    cJSON_AddBoolToObject(x, "vanished", g->vanished);
    cJSON_AddBoolToObject(x, "significant", g->cls == CCX_STEADY);
    cJSON_AddStringToObject(x, "status", status_of(g));
    cJSON_AddItemToObject(x, "stack", ccx_json_stack(t, g->row));
    return x;
}

/* --format json (docs/analyzer.md): 0 or 2. */
static int json_diff(struct ccx_out *o, const struct pair *p)
{
    const struct ccx_opts *op = p->op;
    const struct ccx_diff *d = &p->d;
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "command", "diff");
    cJSON_AddNumberToObject(doc, "schema", CCX_JSON_SCHEMA);
    cJSON_AddStringToObject(doc, "by", ccx_by_name(op->by));
    cJSON_AddItemToObject(doc, "old", ccx_json_meta(&p->set.meta[0], p->set.t[0]));
    cJSON_AddItemToObject(doc, "new", ccx_json_meta(&p->set.meta[1], p->set.t[1]));
    cJSON_AddNumberToObject(doc, "elapsed_s", p->set.t[1] - p->set.t[0]);
    cJSON *s = cJSON_AddObjectToObject(doc, "significance");
    cJSON_AddNumberToObject(s, "family_alpha", CCX_FAMILY_ALPHA);
    cJSON_AddNumberToObject(s, "sites", (double)d->m);
    cJSON_AddNumberToObject(s, "z", d->z);
    cJSON_AddNumberToObject(s, "min_bytes", op->min_bytes);
    cJSON_AddItemToObject(doc, "totals", json_totals(p));
    cJSON *rows = cJSON_AddArrayToObject(doc, "rows");
    for (size_t k = 0; k < p->ns; k++)
        cJSON_AddItemToArray(rows, json_row(p->set.sites, &d->g[p->show[k]], k + 1));
    struct ccx_tdelta *td;
    size_t ntd = ccx_types_diff(&p->set, 0, 1, &td);
    json_python(doc, &p->set, td, ntd, op->n > 0 ? (size_t)op->n : ntd);
    free(td);
    return ccx_json_emit(o, doc);
}

/* Text and Markdown: which snapshots, how long apart. */
static void text_title(struct ccx_out *o, const struct pair *p, int md)
{
    const struct ccx_meta *a = &p->set.meta[0], *b = &p->set.meta[1];
    char b1[32];
    double dt = p->set.t[1] - p->set.t[0];
    if (md) {
        fprintf(o->f, "## Memory growth: `");
        ccx_put_md(o->f, a->path);
        fprintf(o->f, "` → `");
        ccx_put_md(o->f, b->path);
        fprintf(o->f, "` (%s)\n\n", ccx_duration(dt, b1, sizeof b1));
    } else {
        ccx_text_meta(o, "old", a);
        ccx_text_meta(o, "new", b);
        fprintf(o->f, "elapsed %s\n", ccx_duration(dt, b1, sizeof b1));
    }
}

/* The totals, sites, significance and verdict lines. */
static void text_summary(struct ccx_out *o, const struct pair *p, int md)
{
    const struct ccx_diff *d = &p->d;
    const struct ccx_meta *a = &p->set.meta[0], *b = &p->set.meta[1];
    char b1[32], b2[40], b3[32], b5[32], b6[32];
    fprintf(o->f, "%stotals%s: live %s (%s → %s)", md ? "**" : "", md ? "**" : "",
            ccx_szs(p->total_delta, b1, sizeof b1), ccx_sz(a->has_totals ? a->live_bytes : a->sites_bytes, b2, sizeof b2),
            ccx_sz(b->has_totals ? b->live_bytes : b->sites_bytes, b3, sizeof b3));
    if (a->sample_mode || b->sample_mode) {
        char b4[32];
        fprintf(o->f, " %s", ccx_pm(d->growth_se, b4, sizeof b4));
    }
    fprintf(o->f, ", blocks %s", ccx_counts(b->live_blocks - a->live_blocks, b5, sizeof b5));
    if (a->rss >= 0 && b->rss >= 0)
        fprintf(o->f, "; RSS %s", ccx_szs(b->rss - a->rss, b6, sizeof b6));
    if (a->heap_in_use >= 0 && b->heap_in_use >= 0)
        fprintf(o->f, "; malloc heap in use %s", ccx_szs(b->heap_in_use - a->heap_in_use, b6, sizeof b6));
    fputs(md ? "  \n" : "\n", o->f);
    fprintf(o->f, "sites: %zu compared, %zu new (%s), %zu vanished (%s)%s", d->m, d->n_new,
            ccx_sz(d->new_bytes, b1, sizeof b1), d->n_vanished, ccx_sz(d->vanished_bytes, b2, sizeof b2), md ? "  \n" : "\n");
    fprintf(o->f, "significance: growth counts when above %.2f standard errors (1%% family-wise over %zu sites) and at least %s%s",
            d->z, d->m, ccx_sz(p->op->min_bytes, b1, sizeof b1), md ? "  \n" : "\n");
    if (d->n_sig)
        fprintf(o->f, "%s%s%zu site%s with significant growth%s%s\n\n", md ? "**" : "", ccx_c_red(o), d->n_sig,
                d->n_sig == 1 ? "" : "s", ccx_c_off(o), md ? "**" : "");
    else
        fprintf(o->f, "%s%sno significant growth at any site%s%s\n\n", md ? "**" : "", ccx_c_green(o), ccx_c_off(o),
                md ? "**" : "");
}

/* One row of the table (rank k, 1-based); in text the top three growing
 * stacks follow their rows with --by stack. */
static void text_row(struct ccx_out *o, const struct pair *p, const struct ccx_grow *g, size_t k, int md)
{
    const struct ccx_table *t = p->set.sites;
    char b1[32], b2[40], b3[32];
    if (md) {
        char b4[32], b5[32];
        fprintf(o->f, "| %zu | %s | %s | %.1f%% | %s | %s → %s | %s | `", k, ccx_szs(g->delta, b1, sizeof b1),
                ccx_pm(g->se, b2, sizeof b2), 100 * g->share, ccx_counts(g->new_blocks - g->old_blocks, b3, sizeof b3),
                ccx_sz(g->old_b, b4, sizeof b4), ccx_sz(g->new_b, b5, sizeof b5), status_of(g));
        ccx_put_md(o->f, ccx_table_str(t, g->row->label));
        fputs("` |\n", o->f);
        return;
    }
    const char *col = g->cls == CCX_STEADY ? ccx_c_red(o) : "";
    fprintf(o->f, "%4zu  %s%10s%s  %10s  %5.1f%%  %9s  %-10s  ", k, col, ccx_szs(g->delta, b1, sizeof b1),
            ccx_c_off(o), ccx_pm(g->se, b2, sizeof b2), 100 * g->share,
            ccx_counts(g->new_blocks - g->old_blocks, b3, sizeof b3), status_of(g));
    ccx_put_cut(o->f, ccx_table_str(t, g->row->label), o->width - 60);
    fputc('\n', o->f);
    if (k <= 3 && p->op->by == CCX_BY_STACK && g->delta > 0)
        ccx_text_stack(o, t, g->row, 12);
}

/* --format text or markdown. */
static void text_diff(struct ccx_out *o, const struct pair *p, int md)
{
    text_title(o, p, md);
    text_summary(o, p, md);
    if (md)
        fprintf(o->f, "| # | growth | ± | %% of growth | blocks | old → new | status | where |\n"
                      "|---:|---:|---:|---:|---:|---|---|---|\n");
    else
        fprintf(o->f, "%s%4s  %10s  %10s  %6s  %9s  %-10s  %s%s\n", ccx_c_bold(o), "#", "growth", "±", "%",
                "blocks", "status", "where", ccx_c_off(o));
    for (size_t k = 0; k < p->ns; k++)
        text_row(o, p, &p->d.g[p->show[k]], k + 1, md);
    ccx_print_python_changes(o, &p->set, 0, 1, p->op->n > 0 ? (size_t)p->op->n : (size_t)-1, md);
}

/* Prints the diff in o's format: 0, or 2 (format not available, out of
 * memory). */
static int print_diff(struct ccx_out *o, const struct pair *p)
{
    const struct ccx_diff *d = &p->d;
    switch (o->fmt) {
    case CCX_FMT_FOLDED:
        for (size_t j = 0; j < d->n; j++)
            ccx_folded_row(o->f, p->set.sites, d->g[j].row, d->g[j].delta);
        return 0;
    case CCX_FMT_PPROF:
        return pprof_diff(o, &p->set, d);
    case CCX_FMT_JSON:
        return json_diff(o, p);
    case CCX_FMT_TEXT:
    case CCX_FMT_MARKDOWN:
        text_diff(o, p, o->fmt == CCX_FMT_MARKDOWN);
        return 0;
    default:
        ccx_err("diff: format %s is not available (text, json, markdown, folded, pprof)", ccx_fmt_name(o->fmt));
        return 2;
    }
}

/* --fail-above SIZE: 1 when the total or the top site grew more. */
static int gate(const struct pair *p)
{
    const struct ccx_opts *op = p->op;
    double top = p->d.n && p->d.g[0].delta > 0 ? p->d.g[0].delta : 0;
    char b1[32], b2[40], b3[32];
    if (!op->fail_set || !(p->total_delta > op->fail_size || top > op->fail_size))
        return 0;
    ccx_err("growth above --fail-above %s: total %s, top site %s", ccx_sz(op->fail_size, b1, sizeof b1),
            ccx_szs(p->total_delta, b2, sizeof b2), ccx_szs(top, b3, sizeof b3));
    return 1;
}

/* Two snapshots: the classic diff. */
int ccx_diff_pair(const struct ccx_opts *op, struct ccx_out *o)
{
    struct pair p = {.op = op};
    int rc = ccx_load_inputs(op, 2, 2, "diff needs two snapshots (usage: ccx-analyze diff OLD NEW)", &p.set);
    if (rc)
        return rc;
    if (op->by == CCX_BY_TYPE)
        return ccx_refuse_by_type("diff", &p.set);
    assert(p.set.k == 2); /* ccx_load_inputs(op, 2, 2, ...) */
    warn_pair(&p.set);
    if (ccx_diff_compute(&p.set, 0, 1, op->min_bytes, &p.d) < 0) {
        ccx_set_free(&p.set);
        ccx_err("out of memory");
        return 2;
    }
    const struct ccx_meta *a = &p.set.meta[0], *b = &p.set.meta[1];
    p.total_delta = a->has_totals && b->has_totals ? b->live_bytes - a->live_bytes : p.d.growth_sum;
    choose_rows(&p);
    rc = print_diff(o, &p);
    if (rc == 0)
        rc = gate(&p);
    free(p.show);
    free(p.d.g);
    ccx_set_free(&p.set);
    return rc;
}
