/* cmd_trend.c - `ccx-analyze trend SNAP...`: growth rate and fit per site
 * over three or more snapshots, classified as steady growth, growth that
 * stopped, shrinking or noise (stats.c: the family-wise rule); --fail-above
 * RATE is the leak regression gate.  Snapshots of one process are fitted
 * together; of several processes, each process on its own, then summed
 * into the fleet view (fleet.c computes it, print_fleet.c prints it). */
#include "cmd.h"
#include "holders.h"
#include "print_python.h"
#include "print_fleet.h"
#include "print_trend.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void warn_set(const struct ccx_set *set)
{
    for (size_t i = 1; i < set->k; i++)
        if (set->meta[i].exe && set->meta[0].exe && strcmp(set->meta[i].exe, set->meta[0].exe) != 0) {
            ccx_warn("%s and %s come from different executables (%s, %s)", set->meta[0].path, set->meta[i].path,
                     set->meta[0].exe, set->meta[i].exe);
            break;
        }
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

/* --format json (docs/analyzer.md): 0 or 2. */
static int json_trend(struct ccx_out *o, const struct ccx_opts *op, const struct ccx_set *set,
                      const struct ccx_trend *tr, size_t n)
{
    size_t first = set->order[0], last = set->order[set->k - 1];
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "command", "trend");
    cJSON_AddNumberToObject(doc, "schema", CCX_JSON_SCHEMA);
    cJSON_AddStringToObject(doc, "by", ccx_by_name(op->by));
    cJSON *snaps = cJSON_AddArrayToObject(doc, "snapshots");
    for (size_t i = 0; i < set->k; i++)
        cJSON_AddItemToArray(snaps, ccx_json_meta(&set->meta[set->order[i]], set->t[set->order[i]]));
    cJSON_AddNumberToObject(doc, "span_s", tr->span);
    cJSON *s = cJSON_AddObjectToObject(doc, "significance");
    cJSON_AddNumberToObject(s, "family_alpha", CCX_FAMILY_ALPHA);
    cJSON_AddNumberToObject(s, "sites", (double)tr->m);
    cJSON_AddNumberToObject(s, "z", tr->z);
    cJSON_AddNumberToObject(s, "min_bytes", op->min_bytes);
    cJSON_AddNumberToObject(s, "stopped_fraction", CCX_STOPPED_FRACTION);
    cJSON_AddItemToObject(doc, "headline", ccx_trend_json_headline(tr, set->sites));
    cJSON_AddItemToObject(doc, "rows", ccx_trend_json_rows(set, tr, n));
    if (set->ntypes)
        cJSON_AddItemToObject(doc, "python_types", ccx_trend_json_types(set));
    cJSON *rec = ccx_json_reclaim(set, first, last);
    if (rec)
        cJSON_AddItemToObject(doc, "python_after_collect", rec);
    const struct ccx_meta *lm = &set->meta[last];
    if (lm->holders)
        cJSON_AddItemToObject(doc, "python_holders", ccx_holders_json(lm->holders, lm->path));
    return ccx_json_emit(o, doc);
}

/* Text and Markdown: the span, first and last snapshot, sampling, the
 * significance rule and the headline. */
static void text_head(struct ccx_out *o, const struct ccx_opts *op, const struct ccx_set *set,
                      const struct ccx_trend *tr, int md)
{
    const struct ccx_meta *first = &set->meta[set->order[0]], *last = &set->meta[set->order[set->k - 1]];
    const char *nl = md ? "  \n" : "\n";
    char b1[48];
    fprintf(o->f, "%s%strend over %zu snapshots, %s%s%s", md ? "## " : "", ccx_c_bold(o), set->k,
            ccx_duration(tr->span, b1, sizeof b1), ccx_c_off(o), nl);
    fprintf(o->f, "first %s (%s), last %s (%s)%s%s", first->path, first->time_str ? first->time_str : "?", last->path,
            last->time_str ? last->time_str : "?",
            set->same_process ? ", one process" : ", several processes (matched by symbols)", nl);
    if (last->sample_mode)
        fprintf(o->f, "sampling every %s: rates are estimates, ± one standard error%s",
                ccx_sz(last->interval, b1, sizeof b1), nl);
    fprintf(o->f, "significance: steady growth when the slope is above %.2f standard errors (1%% family-wise over %zu sites) and the fitted growth is at least %s%s",
            tr->z, tr->m, ccx_sz(op->min_bytes, b1, sizeof b1), nl);
    fputs(md ? "\n" : "", o->f);
    fputs(tr->n_steady ? ccx_c_red(o) : ccx_c_green(o), o->f);
    ccx_trend_headline(o->f, tr, md);
    fputs(ccx_c_off(o), o->f);
    fputc('\n', o->f);
}

/* One row of the table (rank k, 1-based). */
static void text_row(struct ccx_out *o, const struct ccx_table *t, const struct ccx_grow *g, size_t k, int md)
{
    char b1[48], b2[48], b3[48];
    if (md) {
        fprintf(o->f, "| %zu | %s | %s | %.2f | %s | %s | `", k, ccx_rate(g->fit.slope, b1, sizeof b1),
                ccx_pm_rate(g->fit.se, b2, sizeof b2), g->fit.r2, ccx_szs(g->fit.growth, b3, sizeof b3),
                ccx_class_name(g->cls));
        ccx_put_md(o->f, ccx_table_str(t, g->row->label));
        fputs("` |\n", o->f);
        return;
    }
    const char *col = g->cls == CCX_STEADY ? ccx_c_red(o) : g->cls == CCX_STOPPED ? ccx_c_bold(o) : "";
    fprintf(o->f, "%4zu  %s%13s%s  %12s  %6.2f  %10s  %-9s  ", k, col, ccx_rate(g->fit.slope, b1, sizeof b1),
            ccx_c_off(o), ccx_pm_rate(g->fit.se, b2, sizeof b2), g->fit.r2, ccx_szs(g->fit.growth, b3, sizeof b3),
            ccx_class_name(g->cls));
    ccx_put_cut(o->f, ccx_table_str(t, g->row->label), o->width - 66);
    fputc('\n', o->f);
}

/* --format text or markdown: the head, the first n rows, the Python section. */
static void text_trend(struct ccx_out *o, const struct ccx_opts *op, const struct ccx_set *set,
                       const struct ccx_trend *tr, size_t n, int md)
{
    text_head(o, op, set, tr, md);
    if (md)
        fprintf(o->f, "| # | rate | ± | fit R² | growth | class | where |\n|---:|---:|---:|---:|---:|---|---|\n");
    else
        fprintf(o->f, "%s%4s  %13s  %12s  %6s  %10s  %-9s  %s%s\n", ccx_c_bold(o), "#", "rate", "±", "R²", "growth",
                "class", "where", ccx_c_off(o));
    for (size_t j = 0; j < n; j++)
        text_row(o, set->sites, &tr->g[j], j + 1, md);
    ccx_print_python_changes(o, set, set->order[0], set->order[set->k - 1],
                             op->n > 0 ? (size_t)op->n : (size_t)-1, md);
}

/* Prints the trend in o's format (n rows): 0, or 2. */
static int print_trend(struct ccx_out *o, const struct ccx_opts *op, const struct ccx_set *set,
                       const struct ccx_trend *tr, size_t n)
{
    switch (o->fmt) {
    case CCX_FMT_FOLDED:
        for (size_t j = 0; j < tr->n; j++)
            if (tr->g[j].cls == CCX_STEADY || tr->g[j].cls == CCX_STOPPED)
                ccx_folded_row(o->f, set->sites, tr->g[j].row, tr->g[j].fit.growth);
        return 0;
    case CCX_FMT_PPROF:
        return pprof_trend(o, set, tr);
    case CCX_FMT_JSON:
        return json_trend(o, op, set, tr, n);
    case CCX_FMT_TEXT:
    case CCX_FMT_MARKDOWN:
        text_trend(o, op, set, tr, n, o->fmt == CCX_FMT_MARKDOWN);
        return 0;
    default:
        ccx_err("trend: format %s is not available (text, json, markdown, folded, pprof)", ccx_fmt_name(o->fmt));
        return 2;
    }
}

/* --fail-above RATE: 1 when a steady site grows faster. */
static int gate_one(const struct ccx_opts *op, const struct ccx_set *set, const struct ccx_trend *tr)
{
    char b1[48], b2[48];
    if (!op->fail_set)
        return 0;
    for (size_t j = 0; j < tr->n; j++)
        if (tr->g[j].cls == CCX_STEADY && tr->g[j].fit.slope > op->fail_rate) {
            ccx_err("steady growth above --fail-above %s: %s at %s", ccx_rate(op->fail_rate, b1, sizeof b1) + 1,
                    ccx_rate(tr->g[j].fit.slope, b2, sizeof b2), ccx_table_str(set->sites, tr->g[j].row->label));
            return 1;
        }
    return 0;
}

/* One process (or snapshots the user asked to fit together): the classic trend. */
static int trend_one(const struct ccx_opts *op, struct ccx_out *o)
{
    struct ccx_set set;
    int rc = ccx_load_inputs(op, 3, 0, "trend needs 3 or more snapshots (usage: ccx-analyze trend SNAP SNAP SNAP...)", &set);
    if (rc)
        return rc;
    if (op->by == CCX_BY_TYPE)
        return ccx_refuse_by_type("trend", &set);
    assert(set.k >= 3); /* ccx_load_inputs(op, 3, 0, ...) */
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
    size_t n = op->n > 0 && (size_t)op->n < tr.n ? (size_t)op->n : tr.n;
    rc = print_trend(o, op, &set, &tr, n);
    if (rc == 0)
        rc = gate_one(op, &set, &tr);
    free(tr.g);
    ccx_set_free(&set);
    return rc;
}

/* --fail-above RATE: a steady fleet site (or a steady site of one process)
 * faster than RATE. */
static int gate_fleet(const struct ccx_opts *op, const struct ccx_fleet *fl)
{
    char b1[48], b2[48];
    for (size_t j = 0; j < fl->nrows; j++) {
        const struct ccx_frow *x = fl->rows[j];
        if (x->cls == CCX_STEADY && x->fit.slope > op->fail_rate) {
            ccx_err("steady growth above --fail-above %s: %s at %s (fleet: %s)", ccx_rate(op->fail_rate, b1, sizeof b1) + 1,
                    ccx_rate(x->fit.slope, b2, sizeof b2), ccx_fleet_str(fl, x->label), fl->ps->g[x->group].name);
            return 1;
        }
    }
    return 0;
}

static int trend_fleet(const struct ccx_opts *op, struct ccx_out *o, struct ccx_procs *ps)
{
    if (o->fmt != CCX_FMT_TEXT && o->fmt != CCX_FMT_MARKDOWN && o->fmt != CCX_FMT_JSON) {
        ccx_err("trend over several processes: format %s is not available (text, json, markdown)", ccx_fmt_name(o->fmt));
        return 2;
    }
    cJSON **jp = o->fmt == CCX_FMT_JSON ? calloc(ps->n, sizeof(cJSON *)) : NULL;
    struct ccx_fleet fl;
    int rc = 2;
    if (o->fmt == CCX_FMT_JSON && !jp) {
        ccx_err("out of memory");
        return 2;
    }
    rc = ccx_fleet_run(op, ps, &fl, jp);
    if (rc == 0) {
        if (o->fmt == CCX_FMT_JSON)
            rc = ccx_fleet_print_json(op, o, &fl, jp);
        else
            ccx_fleet_print(op, o, &fl);
        if (rc == 0 && op->fail_set)
            rc = gate_fleet(op, &fl);
    }
    ccx_fleet_free(&fl);
    for (size_t i = 0; jp && i < ps->n; i++)
        cJSON_Delete(jp[i]);
    free(jp);
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
        rc = trend_one(&one, o);
    } else {
        rc = trend_fleet(op, o, &ps);
    }
    ccx_procs_free(&ps);
    return rc;
}
