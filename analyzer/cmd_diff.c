/* cmd_diff.c - `ccx-analyze diff OLD NEW`: growth per site or group,
 * with its sampling uncertainty, new and vanished sites, totals, RSS and
 * heap, Python types and gc; --fail-above SIZE turns it into a CI gate. */
#include "cmd.h"
#include "holders.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

cJSON *ccx_json_reclaim(const struct ccx_set *set, size_t a, size_t b)
{
    struct ccx_reclaim rc;
    ccx_reclaim_split(set, a, b, &rc);
    if (!rc.have)
        return NULL;
    cJSON *r = cJSON_CreateObject();
    cJSON_AddNumberToObject(r, "census_growth_bytes", rc.growth);
    cJSON_AddNumberToObject(r, "reclaimable_bytes", rc.reclaimable);
    cJSON_AddNumberToObject(r, "reachable_growth_bytes", rc.reachable);
    cJSON_AddNumberToObject(r, "collected", rc.collected);
    if (rc.heap_have) {
        cJSON_AddNumberToObject(r, "heap_growth_bytes", rc.heap_growth);
        cJSON_AddNumberToObject(r, "heap_reclaimable_bytes", rc.heap_reclaimable);
        cJSON_AddNumberToObject(r, "heap_reachable_growth_bytes", rc.heap_reachable);
    }
    return r;
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
    struct ccx_ddelta *dd;
    size_t nd = ccx_deep_diff(set, 0, 1, &dd);
    if (b->has_deep) {
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
    cJSON *r = ccx_json_reclaim(set, 0, 1);
    if (r)
        cJSON_AddItemToObject(py, "after_collect", r);
    if (b->holders)
        cJSON_AddItemToObject(py, "holders", ccx_holders_json(b->holders, b->path));
}

/* The deep census's table (python.deep): what the gc does not track. */
static void print_deep(struct ccx_out *o, const struct ccx_set *set, size_t ia, size_t ib, size_t n, int md)
{
    struct ccx_ddelta *dd;
    size_t nd = ccx_deep_diff(set, ia, ib, &dd), shown = 0;
    char b1[32], b2[32], b3[32];
    for (size_t j = 0; j < nd && shown < n; j++) {
        if (dd[j].dcount == 0 && dd[j].dbytes == 0)
            continue;
        if (!shown++) {
            if (md)
                fputs("\n**Python objects the gc does not track** (deep census, by type, largest growth first):\n\n"
                      "| type | objects | change | bytes change |\n|---|---:|---:|---:|\n", o->f);
            else
                fprintf(o->f, "\nPython objects the gc does not track (deep census, by type, largest growth first):\n"
                              "%s  %-30s %14s %12s %12s%s\n", ccx_c_bold(o), "type", "objects", "change", "bytes",
                        ccx_c_off(o));
        }
        size_t len = strlen(dd[j].name);
        if (md) {
            fputs("| `", o->f);
            ccx_put_md(o->f, dd[j].name);
            fprintf(o->f, "` | %s | %s | %s |\n", ccx_count(dd[j].count, b1, sizeof b1),
                    ccx_counts(dd[j].dcount, b2, sizeof b2), ccx_szs(dd[j].dbytes, b3, sizeof b3));
        } else {
            fputs("  ", o->f);
            ccx_put_cut(o->f, dd[j].name, 30);
            fprintf(o->f, "%*s %14s %12s %12s\n", 30 - (int)(len < 30 ? len : 30), "",
                    ccx_count(dd[j].count, b1, sizeof b1), ccx_counts(dd[j].dcount, b2, sizeof b2),
                    ccx_szs(dd[j].dbytes, b3, sizeof b3));
        }
    }
    free(dd);
}

void ccx_print_python_changes(struct ccx_out *o, const struct ccx_set *set, size_t ia, size_t ib, size_t n, int md)
{
    const struct ccx_meta *a = &set->meta[ia], *b = &set->meta[ib];
    char b1[32], b2[32], b3[32], b4[32];
    if (!a->has_py && !b->has_py)
        return;
    if (a->has_gc && b->has_gc) {
        fprintf(o->f, md ? "\n**gc**: collections " : "\ngc: collections ");
        for (int g = 0; g < 3; g++)
            fprintf(o->f, "gen%d %s%s", g, ccx_counts(b->gc_collections[g] - a->gc_collections[g], b1, sizeof b1),
                    g < 2 ? ", " : "");
        fprintf(o->f, "; collected %s objects; count now [%.0f, %.0f, %.0f] (thresholds %.0f, %.0f, %.0f)\n",
                ccx_counts(b->gc_collected[0] + b->gc_collected[1] + b->gc_collected[2] - a->gc_collected[0] -
                               a->gc_collected[1] - a->gc_collected[2], b2, sizeof b2),
                b->gc_count[0], b->gc_count[1], b->gc_count[2], b->gc_threshold[0], b->gc_threshold[1],
                b->gc_threshold[2]);
    }
    struct ccx_tdelta *td;
    size_t ntd = ccx_types_diff(set, ia, ib, &td);
    size_t changed = 0;
    for (size_t j = 0; j < ntd; j++)
        changed += td[j].dcount != 0 || td[j].dbytes != 0 || td[j].reclaim_bytes != 0;
    if (changed) {
        fprintf(o->f, md ? "\n**Python objects** (gc-tracked, by type, largest growth first):\n\n"
                         : "\nPython objects (gc-tracked census, by type, largest growth first):\n");
        if (md)
            fprintf(o->f, "| type | objects | change | bytes change |%s\n|---|---:|---:|---:|%s\n",
                    b->has_after ? " reclaimable (gc.collect()) |" : "", b->has_after ? "---:|" : "");
        else
            fprintf(o->f, "%s  %-30s %14s %12s %12s%s%s\n", ccx_c_bold(o), "type", "objects", "change", "bytes",
                    b->has_after ? "  reclaimable" : "", ccx_c_off(o));
        for (size_t j = 0; j < ntd && j < n; j++) {
            if (td[j].dcount == 0 && td[j].dbytes == 0 && td[j].reclaim_bytes == 0)
                continue;
            if (md) {
                fputs("| `", o->f);
                ccx_put_md(o->f, td[j].t->name);
                fprintf(o->f, "` | %s | %s | %s |", ccx_count(td[j].t->count[ib], b1, sizeof b1),
                        ccx_counts(td[j].dcount, b2, sizeof b2), ccx_szs(td[j].dbytes, b3, sizeof b3));
                if (b->has_after) {
                    char b5[32];
                    fprintf(o->f, " %s (%s objects) |", ccx_sz(td[j].reclaim_bytes, b4, sizeof b4),
                            ccx_count(td[j].reclaim_count, b5, sizeof b5));
                }
                fputc('\n', o->f);
            } else {
                fputs("  ", o->f);
                ccx_put_cut(o->f, td[j].t->name, 30);
                fprintf(o->f, "%*s %14s %12s %12s", 30 - (int)(strlen(td[j].t->name) < 30 ? strlen(td[j].t->name) : 30), "",
                        ccx_count(td[j].t->count[ib], b1, sizeof b1), ccx_counts(td[j].dcount, b2, sizeof b2),
                        ccx_szs(td[j].dbytes, b3, sizeof b3));
                if (b->has_after) {
                    char b5[32];
                    fprintf(o->f, "  %s (%s)", ccx_sz(td[j].reclaim_bytes, b4, sizeof b4),
                            ccx_count(td[j].reclaim_count, b5, sizeof b5));
                }
                fputc('\n', o->f);
            }
        }
    }
    free(td);
    print_deep(o, set, ia, ib, n, md);
    struct ccx_reclaim rc;
    ccx_reclaim_split(set, ia, ib, &rc);
    if (rc.have) {
        fprintf(o->f,
                "\n%sAfter gc.collect()%s: of the census growth %s, %s was cyclic garbage (reclaimable, "
                "%s objects collected) and %s is still reachable.\n",
                md ? "**" : "", md ? "**" : "", ccx_szs(rc.growth, b1, sizeof b1),
                ccx_sz(rc.reclaimable, b2, sizeof b2), ccx_count(rc.collected, b4, sizeof b4),
                ccx_szs(rc.reachable, b3, sizeof b3));
        if (rc.heap_have)
            fprintf(o->f,
                    "%sTraced heap%s (the objects with what they own): of the growth %s, gc.collect() freed "
                    "%s and %s is still reachable.\n",
                    md ? "\n**" : "", md ? "**" : "", ccx_szs(rc.heap_growth, b1, sizeof b1),
                    ccx_sz(rc.heap_reclaimable, b2, sizeof b2), ccx_szs(rc.heap_reachable, b3, sizeof b3));
    } else if (b->has_census)
        fprintf(o->f, "\n(no after_collect census: run with CCXTRACE_GC_COLLECT=1 to split growth into "
                      "reclaimable garbage and reachable memory)\n");
    ccx_holders_print(o->f, b->holders, b->path, md);
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

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int ccx_cmd_diff(const struct ccx_opts *op, struct ccx_out *o)
{
    if (op->split)
        return ccx_diff_sets(op, o);
    if (op->ninputs == 2 && (is_dir(op->inputs[0]) || is_dir(op->inputs[1]))) {
        struct ccx_opts two = *op;
        two.inputs = op->inputs;
        two.ninputs = 1;
        two.inputs2 = op->inputs + 1;
        two.ninputs2 = 1;
        return ccx_diff_sets(&two, o);
    }
    return ccx_diff_pair(op, o);
}
