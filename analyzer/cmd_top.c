/* cmd_top.c - `ccx-analyze top SNAP`: the sites (or functions, lines,
 * files, modules, Python types) holding the most live memory. */
#include "cmd.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_live(const void *x, const void *y)
{
    const struct ccx_row *a = *(struct ccx_row *const *)x, *b = *(struct ccx_row *const *)y;
    if (a->bytes[0] != b->bytes[0])
        return a->bytes[0] > b->bytes[0] ? -1 : 1;
    return a->key < b->key ? -1 : a->key > b->key;
}

static int cmp_type(const void *x, const void *y)
{
    const struct ccx_trow *a = *(struct ccx_trow *const *)x, *b = *(struct ccx_trow *const *)y;
    if (a->bytes[0] != b->bytes[0])
        return a->bytes[0] > b->bytes[0] ? -1 : 1;
    if (a->count[0] != b->count[0])
        return a->count[0] > b->count[0] ? -1 : 1;
    return strcmp(a->name, b->name);
}

static int top_types(const struct ccx_opts *op, struct ccx_out *o, struct ccx_set *set)
{
    const struct ccx_meta *m = &set->meta[0];
    if (!m->has_census) {
        ccx_err("%s: --by type needs a Python census, and this snapshot has none", m->path);
        return 2;
    }
    qsort(set->types, set->ntypes, sizeof *set->types, cmp_type);
    size_t n = op->n > 0 && (size_t)op->n < set->ntypes ? (size_t)op->n : set->ntypes;
    char b1[32], b2[32], b3[32], b4[32];
    if (o->fmt == CCX_FMT_JSON) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "command", "top");
        cJSON_AddNumberToObject(doc, "schema", CCX_JSON_SCHEMA);
        cJSON_AddStringToObject(doc, "by", "type");
        cJSON_AddItemToObject(doc, "snapshot", ccx_json_meta(m, 0));
        cJSON_AddNumberToObject(doc, "census_objects", m->census_count);
        cJSON_AddNumberToObject(doc, "census_bytes", m->census_bytes);
        cJSON *rows = cJSON_AddArrayToObject(doc, "rows");
        for (size_t j = 0; j < n; j++) {
            cJSON *r = cJSON_CreateObject();
            cJSON_AddNumberToObject(r, "rank", (double)(j + 1));
            cJSON_AddStringToObject(r, "type", set->types[j]->name);
            cJSON_AddNumberToObject(r, "count", set->types[j]->count[0]);
            cJSON_AddNumberToObject(r, "bytes", set->types[j]->bytes[0]);
            if (m->has_after) {
                cJSON_AddNumberToObject(r, "after_collect_count", set->types[j]->acount[0]);
                cJSON_AddNumberToObject(r, "after_collect_bytes", set->types[j]->abytes[0]);
            }
            cJSON_AddItemToArray(rows, r);
        }
        return ccx_json_emit(o, doc);
    }
    if (o->fmt == CCX_FMT_MARKDOWN) {
        fprintf(o->f, "| # | type | objects | bytes |%s\n|---:|---|---:|---:|%s\n",
                m->has_after ? " reclaimable by gc.collect() |" : "", m->has_after ? "---:|" : "");
        for (size_t j = 0; j < n; j++) {
            const struct ccx_trow *t = set->types[j];
            fprintf(o->f, "| %zu | `", j + 1);
            ccx_put_md(o->f, t->name);
            fprintf(o->f, "` | %s | %s |", ccx_count(t->count[0], b1, sizeof b1), ccx_sz(t->bytes[0], b2, sizeof b2));
            if (m->has_after)
                fprintf(o->f, " %s |", ccx_sz(t->bytes[0] - t->abytes[0], b3, sizeof b3));
            fputc('\n', o->f);
        }
        return 0;
    }
    if (o->fmt != CCX_FMT_TEXT) {
        ccx_err("top --by type: format %s is not available (text, json, markdown)", ccx_fmt_name(o->fmt));
        return 2;
    }
    ccx_text_meta(o, "snapshot", m);
    fprintf(o->f, "Python census: %s gc-tracked objects, %s\n\n", ccx_count(m->census_count, b1, sizeof b1),
            ccx_sz(m->census_bytes, b2, sizeof b2));
    fprintf(o->f, "%s%4s  %12s  %10s  %6s  %s%s\n", ccx_c_bold(o), "#", "objects", "bytes", "%", "type", ccx_c_off(o));
    for (size_t j = 0; j < n; j++) {
        const struct ccx_trow *t = set->types[j];
        fprintf(o->f, "%4zu  %12s  %10s  %5.1f%%  ", j + 1, ccx_count(t->count[0], b1, sizeof b1),
                ccx_sz(t->bytes[0], b2, sizeof b2), m->census_bytes > 0 ? 100 * t->bytes[0] / m->census_bytes : 0);
        ccx_put_cut(o->f, t->name, o->width - 40);
        if (m->has_after && t->bytes[0] > t->abytes[0])
            fprintf(o->f, "  (%s reclaimable, %s objects)", ccx_sz(t->bytes[0] - t->abytes[0], b3, sizeof b3),
                    ccx_count(t->count[0] - t->acount[0], b4, sizeof b4));
        fputc('\n', o->f);
    }
    return 0;
}

/* --format pprof: every site's live blocks and bytes. */
static int pprof_top(struct ccx_out *o, const struct ccx_set *set, struct ccx_row *const *rows, size_t n)
{
    static const char *const tv[4] = {"live_blocks", "count", "live_bytes", "bytes"};
    struct ccx_pprof *p = ccx_pprof_start(set, 0, 0, "top", tv);
    for (size_t j = 0; j < n && p; j++) {
        const double v[2] = {rows[j]->blocks[0], rows[j]->bytes[0]};
        const char *const labels[] = {"layer", ccx_layer_name(rows[j]->layer), NULL};
        if (ccx_pprof_add(p, rows[j], v, labels) < 0) {
            ccx_pprof_free(p);
            ccx_err("out of memory");
            return 2;
        }
    }
    return p ? ccx_pprof_finish(o, p) : 2;
}

/* The rows of one snapshot as its printers see them. */
struct top {
    const struct ccx_opts *op;
    const struct ccx_set *set;
    struct ccx_row **rows; /* every row, most live bytes first */
    size_t nrows, n;       /* all; shown (-n) */
    double total;          /* the sites' live bytes */
};

static double share_of(const struct top *tp, const struct ccx_row *r)
{
    return tp->total > 0 ? r->bytes[0] / tp->total : 0;
}

static double percent_of(const struct top *tp, const struct ccx_row *r)
{
    return tp->total > 0 ? 100 * r->bytes[0] / tp->total : 0;
}

/* --format json (docs/analyzer.md): 0 or 2. */
static int json_top(struct ccx_out *o, const struct top *tp)
{
    const struct ccx_table *t = tp->set->sites;
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "command", "top");
    cJSON_AddNumberToObject(doc, "schema", CCX_JSON_SCHEMA);
    cJSON_AddStringToObject(doc, "by", ccx_by_name(tp->op->by));
    cJSON_AddItemToObject(doc, "snapshot", ccx_json_meta(&tp->set->meta[0], 0));
    cJSON_AddNumberToObject(doc, "groups", (double)tp->nrows);
    cJSON_AddNumberToObject(doc, "total_live_bytes", tp->total);
    cJSON *a = cJSON_AddArrayToObject(doc, "rows");
    for (size_t j = 0; j < tp->n; j++) {
        const struct ccx_row *r = tp->rows[j];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "rank", (double)(j + 1));
        cJSON_AddStringToObject(x, "label", ccx_table_str(t, r->label));
        cJSON_AddStringToObject(x, "layer", ccx_layer_name(r->layer));
        cJSON_AddNumberToObject(x, "live_bytes", r->bytes[0]);
        cJSON_AddNumberToObject(x, "live_bytes_se", sqrt(r->var[0]));
        cJSON_AddNumberToObject(x, "live_blocks", r->blocks[0]);
        cJSON_AddNumberToObject(x, "live_samples", r->samples[0]);
        cJSON_AddNumberToObject(x, "share", share_of(tp, r));
        cJSON_AddItemToObject(x, "stack", ccx_json_stack(t, r));
        cJSON_AddItemToArray(a, x);
    }
    return ccx_json_emit(o, doc);
}

static void md_top(struct ccx_out *o, const struct top *tp)
{
    const struct ccx_table *t = tp->set->sites;
    const struct ccx_meta *m = &tp->set->meta[0];
    char b1[32], b2[40], b3[32];
    fprintf(o->f, "Top %zu of %zu %s groups in `", tp->n, tp->nrows, ccx_by_name(tp->op->by));
    ccx_put_md(o->f, m->path);
    fprintf(o->f, "` (live %s%s)\n\n", ccx_sz(tp->total, b1, sizeof b1), m->sample_mode ? ", sampled estimates" : "");
    fprintf(o->f, "| # | live | ± | %% | blocks | where |\n|---:|---:|---:|---:|---:|---|\n");
    for (size_t j = 0; j < tp->n; j++) {
        const struct ccx_row *r = tp->rows[j];
        fprintf(o->f, "| %zu | %s | %s | %.1f%% | %s | `", j + 1, ccx_sz(r->bytes[0], b1, sizeof b1),
                ccx_pm(sqrt(r->var[0]), b2, sizeof b2), percent_of(tp, r), ccx_count(r->blocks[0], b3, sizeof b3));
        ccx_put_md(o->f, ccx_table_str(t, r->label));
        fputs("` |\n", o->f);
    }
}

static void text_top(struct ccx_out *o, const struct top *tp)
{
    const struct ccx_table *t = tp->set->sites;
    const struct ccx_meta *m = &tp->set->meta[0];
    char b1[32], b2[40], b4[32];
    ccx_text_meta(o, "snapshot", m);
    if (m->sample_mode)
        fprintf(o->f, "sampling every %s: figures are estimates, ± one standard error\n",
                ccx_sz(m->interval, b1, sizeof b1));
    else
        fprintf(o->f, "every allocation recorded: figures are exact\n");
    fprintf(o->f, "live %s in %zu sites (%zu %s groups)\n\n", ccx_sz(tp->total, b1, sizeof b1), m->nsites, tp->nrows,
            ccx_by_name(tp->op->by));
    fprintf(o->f, "%s%4s  %10s  %11s  %6s  %10s  %s%s\n", ccx_c_bold(o), "#", "live", "±", "%", "blocks", "where",
            ccx_c_off(o));
    for (size_t j = 0; j < tp->n; j++) {
        const struct ccx_row *r = tp->rows[j];
        fprintf(o->f, "%4zu  %10s  %11s  %5.1f%%  %10s  ", j + 1, ccx_sz(r->bytes[0], b1, sizeof b1),
                ccx_pm(sqrt(r->var[0]), b2, sizeof b2), percent_of(tp, r), ccx_count(r->blocks[0], b4, sizeof b4));
        ccx_put_cut(o->f, ccx_table_str(t, r->label), o->width - 52);
        fputc('\n', o->f);
        if (j < 3 && tp->op->by == CCX_BY_STACK)
            ccx_text_stack(o, t, r, 12);
    }
}

/* Prints the rows in o's format: 0, or 2. */
static int print_top(struct ccx_out *o, const struct top *tp)
{
    switch (o->fmt) {
    case CCX_FMT_FOLDED:
        for (size_t j = 0; j < tp->nrows; j++)
            ccx_folded_row(o->f, tp->set->sites, tp->rows[j], tp->rows[j]->bytes[0]);
        return 0;
    case CCX_FMT_PPROF:
        return pprof_top(o, tp->set, tp->rows, tp->nrows);
    case CCX_FMT_JSON:
        return json_top(o, tp);
    case CCX_FMT_MARKDOWN:
        md_top(o, tp);
        return 0;
    case CCX_FMT_TEXT:
        text_top(o, tp);
        return 0;
    default:
        ccx_err("top: format %s is not available (text, json, markdown, folded, pprof)", ccx_fmt_name(o->fmt));
        return 2;
    }
}

int ccx_cmd_top(const struct ccx_opts *op, struct ccx_out *o)
{
    struct ccx_set set;
    int rc = ccx_load_inputs(op, 1, 1, "top needs exactly one snapshot (usage: ccx-analyze top SNAP [-n N] [--by ...])", &set);
    if (rc)
        return rc;
    if (op->by == CCX_BY_TYPE) {
        rc = top_types(op, o, &set);
        ccx_set_free(&set);
        return rc;
    }
    assert(set.k == 1); /* ccx_load_inputs(op, 1, 1, ...) */
    const struct ccx_table *t = set.sites;
    struct top tp = {op, &set, malloc((t->nrows ? t->nrows : 1) * sizeof *tp.rows), t->nrows, 0, set.meta[0].sites_bytes};
    if (!tp.rows) {
        ccx_set_free(&set);
        ccx_err("out of memory");
        return 2;
    }
    memcpy(tp.rows, t->rows, t->nrows * sizeof *tp.rows);
    qsort(tp.rows, t->nrows, sizeof *tp.rows, cmp_live);
    tp.n = op->n > 0 && (size_t)op->n < t->nrows ? (size_t)op->n : t->nrows;
    rc = print_top(o, &tp);
    free(tp.rows);
    ccx_set_free(&set);
    return rc;
}
