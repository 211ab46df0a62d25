/* diff_pair.c - `ccx-analyze diff OLD NEW` of two snapshots (cmd_diff.c
 * picks it): growth per site or group, with its sampling uncertainty, new
 * and vanished sites, totals, RSS and heap, Python types and gc;
 * --fail-above SIZE turns it into a CI gate. */
#include "diff.h"

#include "cmd.h"
#include "holders.h"
#include "print_python.h"

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

/* Two snapshots: the classic diff. */
int ccx_diff_pair(const struct ccx_opts *op, struct ccx_out *o)
{
    struct ccx_set set;
    int rc = ccx_load_inputs(op, 2, 2, "diff needs two snapshots (usage: ccx-analyze diff OLD NEW)", &set);
    if (rc)
        return rc;
    if (op->by == CCX_BY_TYPE)
        return ccx_refuse_by_type("diff", &set);
    warn_pair(&set);
    struct ccx_diff d;
    if (ccx_diff_compute(&set, 0, 1, op->min_bytes, &d) < 0) {
        ccx_set_free(&set);
        ccx_err("out of memory");
        return 2;
    }
    const struct ccx_meta *a = &set.meta[0], *b = &set.meta[1];
    const struct ccx_table *t = set.sites;
    /* rows shown: |growth| >= --min-bytes when given, top n */
    size_t *show = calloc(d.n ? d.n : 1, sizeof *show), ns = 0;
    for (size_t j = 0; j < d.n && show; j++) {
        if (op->min_set && fabs(d.g[j].delta) < op->min_bytes)
            continue;
        if (d.g[j].delta == 0 && d.g[j].old_blocks == d.g[j].new_blocks)
            continue;
        if (op->n > 0 && ns >= (size_t)op->n)
            break;
        show[ns++] = j;
    }
    double top = d.n && d.g[0].delta > 0 ? d.g[0].delta : 0;
    double total_delta = a->has_totals && b->has_totals ? b->live_bytes - a->live_bytes : d.growth_sum;
    char b1[32], b2[40], b3[32], b4[32], b5[32], b6[32];
    double dt = set.t[1] - set.t[0];

    if (o->fmt == CCX_FMT_FOLDED) {
        for (size_t j = 0; j < d.n; j++)
            ccx_folded_row(o->f, t, d.g[j].row, d.g[j].delta);
    } else if (o->fmt == CCX_FMT_PPROF) {
        rc = pprof_diff(o, &set, &d);
    } else if (o->fmt == CCX_FMT_JSON) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "command", "diff");
        cJSON_AddNumberToObject(doc, "schema", CCX_JSON_SCHEMA);
        cJSON_AddStringToObject(doc, "by", ccx_by_name(op->by));
        cJSON_AddItemToObject(doc, "old", ccx_json_meta(a, set.t[0]));
        cJSON_AddItemToObject(doc, "new", ccx_json_meta(b, set.t[1]));
        cJSON_AddNumberToObject(doc, "elapsed_s", dt);
        cJSON *s = cJSON_AddObjectToObject(doc, "significance");
        cJSON_AddNumberToObject(s, "family_alpha", CCX_FAMILY_ALPHA);
        cJSON_AddNumberToObject(s, "sites", (double)d.m);
        cJSON_AddNumberToObject(s, "z", d.z);
        cJSON_AddNumberToObject(s, "min_bytes", op->min_bytes);
        cJSON *tt = cJSON_AddObjectToObject(doc, "totals");
        cJSON_AddNumberToObject(tt, "live_bytes_delta", total_delta);
        cJSON_AddNumberToObject(tt, "sites_growth_bytes", d.growth_sum);
        cJSON_AddNumberToObject(tt, "sites_growth_se", d.growth_se);
        cJSON_AddNumberToObject(tt, "positive_growth_bytes", d.growth_pos);
        cJSON_AddNumberToObject(tt, "live_blocks_delta", b->live_blocks - a->live_blocks);
        if (a->rss >= 0 && b->rss >= 0)
            cJSON_AddNumberToObject(tt, "rss_delta", b->rss - a->rss);
        if (a->heap_in_use >= 0 && b->heap_in_use >= 0)
            cJSON_AddNumberToObject(tt, "heap_delta", b->heap_in_use - a->heap_in_use);
        cJSON_AddNumberToObject(tt, "new_sites", (double)d.n_new);
        cJSON_AddNumberToObject(tt, "new_sites_bytes", d.new_bytes);
        cJSON_AddNumberToObject(tt, "vanished_sites", (double)d.n_vanished);
        cJSON_AddNumberToObject(tt, "vanished_sites_bytes", d.vanished_bytes);
        cJSON_AddNumberToObject(tt, "significant_sites", (double)d.n_sig);
        cJSON *rows = cJSON_AddArrayToObject(doc, "rows");
        for (size_t k = 0; k < ns; k++) {
            const struct ccx_grow *g = &d.g[show[k]];
            cJSON *x = cJSON_CreateObject();
            cJSON_AddNumberToObject(x, "rank", (double)(k + 1));
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
            cJSON_AddItemToArray(rows, x);
        }
        struct ccx_tdelta *td;
        size_t ntd = ccx_types_diff(&set, 0, 1, &td);
        json_python(doc, &set, td, ntd, op->n > 0 ? (size_t)op->n : ntd);
        free(td);
        ccx_json_emit(o, doc);
    } else if (o->fmt == CCX_FMT_TEXT || o->fmt == CCX_FMT_MARKDOWN) {
        int md = o->fmt == CCX_FMT_MARKDOWN;
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
        fprintf(o->f, "%stotals%s: live %s (%s → %s)", md ? "**" : "", md ? "**" : "",
                ccx_szs(total_delta, b1, sizeof b1), ccx_sz(a->has_totals ? a->live_bytes : a->sites_bytes, b2, sizeof b2),
                ccx_sz(b->has_totals ? b->live_bytes : b->sites_bytes, b3, sizeof b3));
        if (a->sample_mode || b->sample_mode)
            fprintf(o->f, " %s", ccx_pm(d.growth_se, b4, sizeof b4));
        fprintf(o->f, ", blocks %s", ccx_counts(b->live_blocks - a->live_blocks, b5, sizeof b5));
        if (a->rss >= 0 && b->rss >= 0)
            fprintf(o->f, "; RSS %s", ccx_szs(b->rss - a->rss, b6, sizeof b6));
        if (a->heap_in_use >= 0 && b->heap_in_use >= 0)
            fprintf(o->f, "; malloc heap in use %s", ccx_szs(b->heap_in_use - a->heap_in_use, b6, sizeof b6));
        fputs(md ? "  \n" : "\n", o->f);
        fprintf(o->f, "sites: %zu compared, %zu new (%s), %zu vanished (%s)%s", d.m, d.n_new,
                ccx_sz(d.new_bytes, b1, sizeof b1), d.n_vanished, ccx_sz(d.vanished_bytes, b2, sizeof b2), md ? "  \n" : "\n");
        fprintf(o->f, "significance: growth counts when above %.2f standard errors (1%% family-wise over %zu sites) and at least %s%s",
                d.z, d.m, ccx_sz(op->min_bytes, b1, sizeof b1), md ? "  \n" : "\n");
        if (d.n_sig)
            fprintf(o->f, "%s%s%zu site%s with significant growth%s%s\n\n", md ? "**" : "", ccx_c_red(o), d.n_sig,
                    d.n_sig == 1 ? "" : "s", ccx_c_off(o), md ? "**" : "");
        else
            fprintf(o->f, "%s%sno significant growth at any site%s%s\n\n", md ? "**" : "", ccx_c_green(o), ccx_c_off(o),
                    md ? "**" : "");
        if (md)
            fprintf(o->f, "| # | growth | ± | %% of growth | blocks | old → new | status | where |\n"
                          "|---:|---:|---:|---:|---:|---|---|---|\n");
        else
            fprintf(o->f, "%s%4s  %10s  %10s  %6s  %9s  %-10s  %s%s\n", ccx_c_bold(o), "#", "growth", "±", "%",
                    "blocks", "status", "where", ccx_c_off(o));
        for (size_t k = 0; k < ns; k++) {
            const struct ccx_grow *g = &d.g[show[k]];
            const char *col = g->cls == CCX_STEADY ? ccx_c_red(o) : "";
            if (md) {
                fprintf(o->f, "| %zu | %s | %s | %.1f%% | %s | %s → %s | %s | `", k + 1, ccx_szs(g->delta, b1, sizeof b1),
                        ccx_pm(g->se, b2, sizeof b2), 100 * g->share, ccx_counts(g->new_blocks - g->old_blocks, b3, sizeof b3),
                        ccx_sz(g->old_b, b4, sizeof b4), ccx_sz(g->new_b, b5, sizeof b5), status_of(g));
                ccx_put_md(o->f, ccx_table_str(t, g->row->label));
                fputs("` |\n", o->f);
            } else {
                fprintf(o->f, "%4zu  %s%10s%s  %10s  %5.1f%%  %9s  %-10s  ", k + 1, col, ccx_szs(g->delta, b1, sizeof b1),
                        ccx_c_off(o), ccx_pm(g->se, b2, sizeof b2), 100 * g->share,
                        ccx_counts(g->new_blocks - g->old_blocks, b3, sizeof b3), status_of(g));
                ccx_put_cut(o->f, ccx_table_str(t, g->row->label), o->width - 60);
                fputc('\n', o->f);
                if (k < 3 && op->by == CCX_BY_STACK && g->delta > 0)
                    ccx_text_stack(o, t, g->row, 12);
            }
        }
        ccx_print_python_changes(o, &set, 0, 1, op->n > 0 ? (size_t)op->n : (size_t)-1, md);
    } else {
        ccx_err("diff: format %s is not available (text, json, markdown, folded, pprof)", ccx_fmt_name(o->fmt));
        rc = 2;
    }
    if (rc == 0 && op->fail_set && (total_delta > op->fail_size || top > op->fail_size)) {
        ccx_err("growth above --fail-above %s: total %s, top site %s", ccx_sz(op->fail_size, b1, sizeof b1),
                ccx_szs(total_delta, b2, sizeof b2), ccx_szs(top, b3, sizeof b3));
        rc = 1;
    }
    free(show);
    free(d.g);
    ccx_set_free(&set);
    return rc;
}
