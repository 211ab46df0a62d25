/* cmd_trend.c - `ccx-analyze trend SNAP...`: growth rate and fit per site
 * over three or more snapshots, classified as steady growth, growth that
 * stopped, shrinking or noise (stats.c: the family-wise rule); --fail-above
 * RATE is the leak regression gate. */
#include "cmd.h"
#include "holders.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


/* Shared with report: the one-line headline. */
void ccx_trend_headline(FILE *f, const struct ccx_trend *tr, int md);
void ccx_trend_headline(FILE *f, const struct ccx_trend *tr, int md)
{
    char b1[48], b2[48];
    const char *B = md ? "**" : "";
    if (tr->n_steady) {
        const struct ccx_grow *top = NULL;
        for (size_t j = 0; j < tr->n && !top; j++)
            if (tr->g[j].cls == CCX_STEADY)
                top = &tr->g[j];
        fprintf(f, "%s%zu site%s grow%s steadily%s; top site %s (%s)", B, tr->n_steady,
                tr->n_steady == 1 ? "" : "s", tr->n_steady == 1 ? "s" : "", B,
                ccx_rate(top->fit.slope, b1, sizeof b1), ccx_pm_rate(top->fit.se, b2, sizeof b2));
    } else {
        fprintf(f, "%sno steady growth%s", B, B);
    }
    if (tr->n_stopped)
        fprintf(f, "; %zu site%s grew and stopped", tr->n_stopped, tr->n_stopped == 1 ? "" : "s");
    if (tr->pos_rate > 0) {
        char b3[48];
        fprintf(f, "; %zu site%s make%s up %.0f%% of the growth (%s in all)", tr->n_most, tr->n_most == 1 ? "" : "s",
                tr->n_most == 1 ? "s" : "", CCX_MOST * 100, ccx_rate(tr->pos_rate, b3, sizeof b3));
    }
    if (tr->has_rss)
        fprintf(f, "; process RSS %s", ccx_rate(tr->rss_rate, b1, sizeof b1));
    if (tr->has_live)
        fprintf(f, ", traced live %s", ccx_rate(tr->live_rate, b2, sizeof b2));
    fputs(".\n", f);
}

static void warn_set(const struct ccx_set *set)
{
    for (size_t i = 1; i < set->k; i++)
        if (set->meta[i].exe && set->meta[0].exe && strcmp(set->meta[i].exe, set->meta[0].exe) != 0) {
            ccx_warn("%s and %s come from different executables (%s, %s)", set->meta[0].path, set->meta[i].path,
                     set->meta[0].exe, set->meta[i].exe);
            break;
        }
}

static cJSON *json_fit(const struct ccx_grow *g)
{
    cJSON *x = cJSON_CreateObject();
    cJSON_AddStringToObject(x, "class", ccx_class_name(g->cls));
    cJSON_AddNumberToObject(x, "rate_bytes_per_h", g->fit.slope * 3600);
    cJSON_AddNumberToObject(x, "rate_se_bytes_per_h", g->fit.se * 3600);
    cJSON_AddNumberToObject(x, "late_rate_bytes_per_h", g->fit.late_slope * 3600);
    cJSON_AddNumberToObject(x, "r2", g->fit.r2);
    cJSON_AddNumberToObject(x, "fitted_growth_bytes", g->fit.growth);
    cJSON_AddNumberToObject(x, "first_bytes", g->old_b);
    cJSON_AddNumberToObject(x, "last_bytes", g->new_b);
    cJSON_AddNumberToObject(x, "share", g->share);
    return x;
}

/* --format pprof: every site's fitted growth over the span and its rate. */
static int pprof_trend(struct ccx_out *o, const struct ccx_set *set, const struct ccx_trend *tr)
{
    static const char *const tv[4] = {"growth_bytes", "bytes", "growth_rate", "bytes_per_hour"};
    struct ccx_pprof *p = ccx_pprof_start(set, set->order[0], set->order[set->k - 1], "trend", tv);
    for (size_t j = 0; j < tr->n && p; j++) {
        const struct ccx_grow *g = &tr->g[j];
        const double v[2] = {g->fit.growth, g->fit.slope * 3600};
        const char *const labels[] = {"layer", ccx_layer_name(g->row->layer), "class", ccx_class_name(g->cls), NULL};
        if (ccx_pprof_add(p, g->row, v, labels) < 0) {
            ccx_pprof_free(p);
            ccx_err("out of memory");
            return 2;
        }
    }
    return p ? ccx_pprof_finish(o, p) : 2;
}

cJSON *ccx_trend_json_headline(const struct ccx_trend *tr, const struct ccx_table *t)
{
    cJSON *h = cJSON_CreateObject();
    cJSON_AddNumberToObject(h, "steady_sites", (double)tr->n_steady);
    cJSON_AddNumberToObject(h, "stopped_sites", (double)tr->n_stopped);
    cJSON_AddNumberToObject(h, "shrinking_sites", (double)tr->n_shrinking);
    cJSON_AddNumberToObject(h, "sites_for_most_growth", (double)tr->n_most);
    cJSON_AddNumberToObject(h, "most_fraction", CCX_MOST);
    cJSON_AddNumberToObject(h, "growth_rate_bytes_per_h", tr->pos_rate * 3600);
    const struct ccx_grow *top = NULL;
    for (size_t j = 0; j < tr->n && !top; j++)
        if (tr->g[j].cls == CCX_STEADY)
            top = &tr->g[j];
    if (top) {
        cJSON_AddNumberToObject(h, "top_steady_rate_bytes_per_h", top->fit.slope * 3600);
        cJSON_AddStringToObject(h, "top_steady_label", ccx_table_str(t, top->row->label));
    } else {
        cJSON_AddNullToObject(h, "top_steady_rate_bytes_per_h");
        cJSON_AddNullToObject(h, "top_steady_label");
    }
    if (tr->has_rss)
        cJSON_AddNumberToObject(h, "rss_rate_bytes_per_h", tr->rss_rate * 3600);
    else
        cJSON_AddNullToObject(h, "rss_rate_bytes_per_h");
    if (tr->has_live)
        cJSON_AddNumberToObject(h, "live_rate_bytes_per_h", tr->live_rate * 3600);
    return h;
}

cJSON *ccx_trend_json_rows(const struct ccx_set *set, const struct ccx_trend *tr, size_t n)
{
    const struct ccx_table *t = set->sites;
    cJSON *rows = cJSON_CreateArray();
    for (size_t j = 0; j < n && j < tr->n; j++) {
        const struct ccx_grow *g = &tr->g[j];
        cJSON *x = json_fit(g);
        cJSON_AddNumberToObject(x, "rank", (double)(j + 1));
        cJSON_AddStringToObject(x, "label", ccx_table_str(t, g->row->label));
        cJSON_AddStringToObject(x, "layer", ccx_layer_name(g->row->layer));
        cJSON *ser = cJSON_AddArrayToObject(x, "live_bytes");
        for (size_t i = 0; i < set->k; i++)
            cJSON_AddItemToArray(ser, cJSON_CreateNumber(g->row->bytes[set->order[i]]));
        cJSON_AddItemToObject(x, "stack", ccx_json_stack(t, g->row));
        cJSON_AddItemToArray(rows, x);
    }
    return rows;
}

/* Python census over time: per-type fits */
cJSON *ccx_trend_json_types(const struct ccx_set *set)
{
    size_t first = set->order[0], last = set->order[set->k - 1];
    cJSON *ty = cJSON_CreateArray();
    for (size_t j = 0; j < set->ntypes; j++) {
        struct ccx_fit fc, fb;
        const struct ccx_trow *r = set->types[j];
        if (ccx_fit_line(set->t, r->count, NULL, set->k, &fc) < 0 ||
            ccx_fit_line(set->t, r->bytes, NULL, set->k, &fb) < 0)
            continue;
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "type", r->name);
        cJSON_AddNumberToObject(x, "first_count", r->count[first]);
        cJSON_AddNumberToObject(x, "last_count", r->count[last]);
        cJSON_AddNumberToObject(x, "count_per_h", fc.slope * 3600);
        cJSON_AddNumberToObject(x, "bytes_per_h", fb.slope * 3600);
        cJSON_AddItemToArray(ty, x);
    }
    return ty;
}

/* One process (or snapshots the user asked to fit together): the classic trend. */
int ccx_trend_one(const struct ccx_opts *op, struct ccx_out *o)
{
    struct ccx_set set;
    int rc = ccx_load_inputs(op, 3, 0, "trend needs 3 or more snapshots (usage: ccx-analyze trend SNAP SNAP SNAP...)", &set);
    if (rc)
        return rc;
    if (op->by == CCX_BY_TYPE)
        return ccx_refuse_by_type("trend", &set);
    warn_set(&set);
    struct ccx_trend tr;
    if (set.t[set.order[set.k - 1]] <= 0) {
        ccx_err("%s: all snapshots have the same time: no trend can be fitted", set.meta[0].path);
        ccx_set_free(&set);
        return 2;
    }
    if (ccx_trend_compute(&set, op->min_bytes, &tr) < 0) {
        ccx_err("out of memory");
        ccx_set_free(&set);
        return 2;
    }
    const struct ccx_table *t = set.sites;
    size_t n = op->n > 0 && (size_t)op->n < tr.n ? (size_t)op->n : tr.n;
    size_t first = set.order[0], last = set.order[set.k - 1];
    char b1[48], b2[48], b3[48];
    if (o->fmt == CCX_FMT_FOLDED) {
        for (size_t j = 0; j < tr.n; j++)
            if (tr.g[j].cls == CCX_STEADY || tr.g[j].cls == CCX_STOPPED)
                ccx_folded_row(o->f, t, tr.g[j].row, tr.g[j].fit.growth);
    } else if (o->fmt == CCX_FMT_PPROF) {
        rc = pprof_trend(o, &set, &tr);
    } else if (o->fmt == CCX_FMT_JSON) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "command", "trend");
        cJSON_AddNumberToObject(doc, "schema", CCX_JSON_SCHEMA);
        cJSON_AddStringToObject(doc, "by", ccx_by_name(op->by));
        cJSON *snaps = cJSON_AddArrayToObject(doc, "snapshots");
        for (size_t i = 0; i < set.k; i++)
            cJSON_AddItemToArray(snaps, ccx_json_meta(&set.meta[set.order[i]], set.t[set.order[i]]));
        cJSON_AddNumberToObject(doc, "span_s", tr.span);
        cJSON *s = cJSON_AddObjectToObject(doc, "significance");
        cJSON_AddNumberToObject(s, "family_alpha", CCX_FAMILY_ALPHA);
        cJSON_AddNumberToObject(s, "sites", (double)tr.m);
        cJSON_AddNumberToObject(s, "z", tr.z);
        cJSON_AddNumberToObject(s, "min_bytes", op->min_bytes);
        cJSON_AddNumberToObject(s, "stopped_fraction", CCX_STOPPED_FRACTION);
        cJSON_AddItemToObject(doc, "headline", ccx_trend_json_headline(&tr, t));
        cJSON_AddItemToObject(doc, "rows", ccx_trend_json_rows(&set, &tr, n));
        if (set.ntypes)
            cJSON_AddItemToObject(doc, "python_types", ccx_trend_json_types(&set));
        cJSON *rec = ccx_json_reclaim(&set, first, last);
        if (rec)
            cJSON_AddItemToObject(doc, "python_after_collect", rec);
        const struct ccx_meta *lm = &set.meta[set.order[set.k - 1]];
        if (lm->holders)
            cJSON_AddItemToObject(doc, "python_holders", ccx_holders_json(lm->holders, lm->path));
        ccx_json_emit(o, doc);
    } else if (o->fmt == CCX_FMT_TEXT || o->fmt == CCX_FMT_MARKDOWN) {
        int md = o->fmt == CCX_FMT_MARKDOWN;
        const char *nl = md ? "  \n" : "\n";
        fprintf(o->f, "%s%strend over %zu snapshots, %s%s%s", md ? "## " : "", ccx_c_bold(o), set.k,
                ccx_duration(tr.span, b1, sizeof b1), ccx_c_off(o), nl);
        fprintf(o->f, "first %s (%s), last %s (%s)%s%s", set.meta[first].path,
                set.meta[first].time_str ? set.meta[first].time_str : "?", set.meta[last].path,
                set.meta[last].time_str ? set.meta[last].time_str : "?",
                set.same_process ? ", one process" : ", several processes (matched by symbols)", nl);
        if (set.meta[last].sample_mode)
            fprintf(o->f, "sampling every %s: rates are estimates, ± one standard error%s",
                    ccx_sz(set.meta[last].interval, b1, sizeof b1), nl);
        fprintf(o->f, "significance: steady growth when the slope is above %.2f standard errors (1%% family-wise over %zu sites) and the fitted growth is at least %s%s",
                tr.z, tr.m, ccx_sz(op->min_bytes, b1, sizeof b1), nl);
        fputs(md ? "\n" : "", o->f);
        fputs(tr.n_steady ? ccx_c_red(o) : ccx_c_green(o), o->f);
        ccx_trend_headline(o->f, &tr, md);
        fputs(ccx_c_off(o), o->f);
        fputc('\n', o->f);
        if (md)
            fprintf(o->f, "| # | rate | ± | fit R² | growth | class | where |\n|---:|---:|---:|---:|---:|---|---|\n");
        else
            fprintf(o->f, "%s%4s  %13s  %12s  %6s  %10s  %-9s  %s%s\n", ccx_c_bold(o), "#", "rate", "±", "R²", "growth",
                    "class", "where", ccx_c_off(o));
        for (size_t j = 0; j < n; j++) {
            const struct ccx_grow *g = &tr.g[j];
            if (md) {
                fprintf(o->f, "| %zu | %s | %s | %.2f | %s | %s | `", j + 1, ccx_rate(g->fit.slope, b1, sizeof b1),
                        ccx_pm_rate(g->fit.se, b2, sizeof b2), g->fit.r2, ccx_szs(g->fit.growth, b3, sizeof b3),
                        ccx_class_name(g->cls));
                ccx_put_md(o->f, ccx_table_str(t, g->row->label));
                fputs("` |\n", o->f);
            } else {
                const char *col = g->cls == CCX_STEADY ? ccx_c_red(o) : g->cls == CCX_STOPPED ? ccx_c_bold(o) : "";
                fprintf(o->f, "%4zu  %s%13s%s  %12s  %6.2f  %10s  %-9s  ", j + 1, col, ccx_rate(g->fit.slope, b1, sizeof b1),
                        ccx_c_off(o), ccx_pm_rate(g->fit.se, b2, sizeof b2), g->fit.r2,
                        ccx_szs(g->fit.growth, b3, sizeof b3), ccx_class_name(g->cls));
                ccx_put_cut(o->f, ccx_table_str(t, g->row->label), o->width - 66);
                fputc('\n', o->f);
            }
        }
        ccx_print_python_changes(o, &set, first, last, op->n > 0 ? (size_t)op->n : (size_t)-1, md);
    } else {
        ccx_err("trend: format %s is not available (text, json, markdown, folded, pprof)", ccx_fmt_name(o->fmt));
        rc = 2;
    }
    if (rc == 0 && op->fail_set)
        for (size_t j = 0; j < tr.n; j++)
            if (tr.g[j].cls == CCX_STEADY && tr.g[j].fit.slope > op->fail_rate) {
                ccx_err("steady growth above --fail-above %s: %s at %s", ccx_rate(op->fail_rate, b1, sizeof b1) + 1,
                        ccx_rate(tr.g[j].fit.slope, b2, sizeof b2), ccx_table_str(t, tr.g[j].row->label));
                rc = 1;
                break;
            }
    free(tr.g);
    ccx_set_free(&set);
    return rc;
}

int ccx_cmd_trend(const struct ccx_opts *op, struct ccx_out *o)
{
    if (op->by == CCX_BY_TYPE) {
        ccx_err("trend --by type: the type changes are always shown; use --by stack|function|line|file|module");
        return 2;
    }
    struct ccx_procs ps;
    int rc = ccx_load_procs(op, &ps);
    if (rc)
        return rc;
    if (ps.n == 1) { /* one process: the classic trend over its snapshots */
        struct ccx_opts one = *op;
        one.inputs = ps.p[0].paths;
        one.ninputs = (int)ps.p[0].npaths;
        rc = ccx_trend_one(&one, o);
    } else {
        rc = ccx_trend_fleet(op, o, &ps);
    }
    ccx_procs_free(&ps);
    return rc;
}
