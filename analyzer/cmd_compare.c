/* cmd_compare.c - `ccx-analyze compare BEFORE... -- AFTER...`: two runs
 * (e.g. without and with a fix), each one or more processes.  Each run is
 * a fleet as trend sees it (fleet.c: every process fitted on its own,
 * concurrent lineages summed); sites are matched across the runs by group
 * and symbolic identity.  Per site: the rate in each run and the
 * difference AFTER - BEFORE with its standard error (the runs are
 * independent: variances add), significant by the family-wise rule of
 * stats.c over the sites compared and when the difference over the shorter
 * run's span is at least --min-bytes.  --fail-above RATE gates on AFTER: a
 * steady site of AFTER faster than RATE exits 1.  Text, JSON, Markdown and
 * one self-contained HTML page. */
#include "cmd.h"
#include "fleet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct crow {
    const struct ccx_fleet *fl; /* the run the label and stack come from */
    const struct ccx_frow *b, *a; /* BEFORE, AFTER (NULL: absent) */
    double diff, se;             /* bytes/s */
    int sig;                     /* -1 removed, +1 added, 0 not significant */
};

struct run {
    struct ccx_procs ps;
    struct ccx_fleet fl;
    size_t nfit, nsnap;
    double span;
    int loaded;
};

static uint64_t match_key(const struct ccx_fleet *fl, const struct ccx_frow *x)
{
    const char *g = fl->ps->g[x->group].name;
    return ccx_hash_mix(x->key, ccx_hash_bytes(g, strlen(g), 0x9c));
}

static int load_run(const struct ccx_opts *op, char **in, int n, const char *side, struct run *r)
{
    memset(r, 0, sizeof *r);
    if (ccx_load_procs_of(op, in, n, 3, &r->ps))
        return -1;
    r->loaded = 1;
    if (ccx_fleet_validate_left_out(&r->ps) < 0)
        return -1;
    double t0 = 0, t1 = 0;
    for (size_t i = 0; i < r->ps.n; i++) {
        const struct ccx_proc *p = &r->ps.p[i];
        if (p->left_out)
            continue;
        if (!r->nfit++ || p->t_first < t0)
            t0 = p->t_first;
        if (r->nfit == 1 || p->t_last > t1)
            t1 = p->t_last;
        r->nsnap += p->npaths;
    }
    r->span = t1 - t0;
    if (!r->nfit) {
        ccx_err("compare: %s: no process has 3 or more snapshots at different times (%s)", side, r->ps.p[0].paths[0]);
        return -1;
    }
    return ccx_fleet_trend(&r->fl, &r->ps, op->by, op->min_bytes, NULL, NULL);
}

static void free_run(struct run *r)
{
    if (r->loaded) {
        ccx_fleet_free(&r->fl);
        ccx_procs_free(&r->ps);
    }
}

static int cmp_crow(const void *x, const void *y)
{
    const struct crow *a = x, *b = y;
    if (fabs(a->diff) != fabs(b->diff))
        return fabs(a->diff) > fabs(b->diff) ? -1 : 1;
    return strcmp(ccx_fleet_str(a->fl, (a->a ? a->a : a->b)->label), ccx_fleet_str(b->fl, (b->a ? b->a : b->b)->label));
}

/* Matches the runs' rows; returns the rows (sorted, largest difference
 * first) and their count in *n, or NULL when out of memory. */
static struct crow *match(const struct run *before, const struct run *after, size_t *n)
{
    size_t cap = before->fl.nrows + after->fl.nrows;
    struct crow *v = calloc(cap ? cap : 1, sizeof *v);
    uint64_t *bk = calloc(before->fl.nrows ? before->fl.nrows : 1, sizeof *bk);
    char *used = calloc(before->fl.nrows ? before->fl.nrows : 1, 1);
    *n = 0;
    if (!v || !bk || !used) {
        free(v);
        free(bk);
        free(used);
        return NULL;
    }
    for (size_t j = 0; j < before->fl.nrows; j++)
        bk[j] = match_key(&before->fl, before->fl.rows[j]);
    for (size_t j = 0; j < after->fl.nrows; j++) {
        const struct ccx_frow *a = after->fl.rows[j];
        uint64_t k = match_key(&after->fl, a);
        struct crow *c = &v[(*n)++];
        c->fl = &after->fl;
        c->a = a;
        for (size_t q = 0; q < before->fl.nrows; q++) /* small: the sites of one service */
            if (!used[q] && bk[q] == k) {
                c->b = before->fl.rows[q];
                used[q] = 1;
                break;
            }
    }
    for (size_t q = 0; q < before->fl.nrows; q++)
        if (!used[q])
            v[(*n)++] = (struct crow){.fl = &before->fl, .b = before->fl.rows[q]};
    free(bk);
    free(used);
    return v;
}

static void judge(struct crow *v, size_t n, double z, double span, double min_bytes)
{
    for (size_t j = 0; j < n; j++) {
        struct crow *c = &v[j];
        double ra = c->a ? c->a->fit.slope : 0, rb = c->b ? c->b->fit.slope : 0;
        double sa = c->a ? c->a->fit.se : 0, sb = c->b ? c->b->fit.se : 0;
        c->diff = ra - rb;
        c->se = sqrt(sa * sa + sb * sb);
        if (fabs(c->diff) > z * c->se && fabs(c->diff) * span >= min_bytes)
            c->sig = c->diff < 0 ? -1 : 1;
    }
    qsort(v, n, sizeof *v, cmp_crow);
}

static const char *verdict(const struct crow *c)
{
    return c->sig < 0 ? "removed" : c->sig > 0 ? "added" : "same";
}

static const char *label_of(const struct crow *c)
{
    return ccx_fleet_str(c->fl, (c->a ? c->a : c->b)->label);
}

static void headline(FILE *f, const struct crow *v, size_t n, int md)
{
    char b1[48], b2[48], b3[48], b4[48];
    size_t nrem = 0, nadd = 0;
    for (size_t j = 0; j < n; j++)
        nrem += v[j].sig < 0, nadd += v[j].sig > 0;
    const struct crow *top = NULL;
    for (size_t j = 0; j < n && !top; j++)
        if (v[j].sig)
            top = &v[j];
    if (!top) {
        fprintf(f, "%sno significant difference%s between the runs.\n", md ? "**" : "", md ? "**" : "");
        return;
    }
    fprintf(f, "%sthe change %s %s at %s%s (%s; before %s, after %s)", md ? "**" : "", top->sig < 0 ? "removed" : "added",
            ccx_rate(fabs(top->diff), b1, sizeof b1), label_of(top), md ? "**" : "", ccx_pm_rate(top->se, b2, sizeof b2),
            ccx_rate(top->b ? top->b->fit.slope : 0, b3, sizeof b3), ccx_rate(top->a ? top->a->fit.slope : 0, b4, sizeof b4));
    fprintf(f, "; %zu site%s removed, %zu added.\n", nrem, nrem == 1 ? "" : "s", nadd);
}

static void print_text(const struct ccx_opts *op, struct ccx_out *o, const struct run *rb, const struct run *ra,
                       const struct crow *v, size_t n, double z)
{
    int md = o->fmt == CCX_FMT_MARKDOWN;
    char b[6][48];
    fprintf(o->f, "%s%scompare%s: BEFORE %zu process%s (%zu snapshots, %s), AFTER %zu process%s (%zu snapshots, %s)%s",
            md ? "## " : "", ccx_c_bold(o), ccx_c_off(o), rb->nfit, rb->nfit == 1 ? "" : "es", rb->nsnap,
            ccx_duration(rb->span, b[0], sizeof b[0]), ra->nfit, ra->nfit == 1 ? "" : "es", ra->nsnap,
            ccx_duration(ra->span, b[1], sizeof b[1]), md ? "  \n" : "\n");
    fprintf(o->f, "each process fitted on its own, each run's rates summed over its concurrent lineages as trend does; a difference counts when above %.2f standard errors (1%% family-wise over %zu sites) and at least %s over the shorter run%s",
            z, n, ccx_sz(op->min_bytes, b[0], sizeof b[0]), "\n\n");
    fputs(ccx_c_bold(o), o->f);
    headline(o->f, v, n, md);
    fputs(ccx_c_off(o), o->f);
    if (md)
        fputs("\n| # | before | ± | after | ± | difference | ± | verdict | where |\n|---:|---:|---:|---:|---:|---:|---:|---|---|\n", o->f);
    else
        fprintf(o->f, "\n%s%4s  %13s %12s  %13s %12s  %13s %12s  %-7s  %s%s\n", ccx_c_bold(o), "#", "before", "±", "after", "±",
                "difference", "±", "verdict", "where", ccx_c_off(o));
    size_t lim = op->n > 0 && (size_t)op->n < n ? (size_t)op->n : n;
    for (size_t j = 0; j < lim; j++) {
        const struct crow *c = &v[j];
        ccx_rate(c->b ? c->b->fit.slope : 0, b[0], sizeof b[0]);
        ccx_pm_rate(c->b ? c->b->fit.se : 0, b[1], sizeof b[1]);
        ccx_rate(c->a ? c->a->fit.slope : 0, b[2], sizeof b[2]);
        ccx_pm_rate(c->a ? c->a->fit.se : 0, b[3], sizeof b[3]);
        ccx_rate(c->diff, b[4], sizeof b[4]);
        ccx_pm_rate(c->se, b[5], sizeof b[5]);
        if (md) {
            fprintf(o->f, "| %zu | %s | %s | %s | %s | %s | %s | %s | `", j + 1, b[0], b[1], b[2], b[3], b[4], b[5], verdict(c));
            ccx_put_md(o->f, label_of(c));
            fputs("` |\n", o->f);
        } else {
            fprintf(o->f, "%4zu  %13s %12s  %13s %12s  %s%13s%s %12s  %-7s  ", j + 1, b[0], b[1], b[2], b[3],
                    c->sig ? ccx_c_bold(o) : "", b[4], ccx_c_off(o), b[5], verdict(c));
            ccx_put_cut(o->f, label_of(c), o->width - 108 > 20 ? o->width - 108 : 20);
            fputc('\n', o->f);
        }
    }
}

static void print_html(const struct ccx_opts *op, struct ccx_out *o, const struct run *rb, const struct run *ra,
                       const struct crow *v, size_t n, double z)
{
    FILE *f = o->f;
    char b[6][48];
    fputs("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>ccxtrace: compare two runs</title>\n"
          "<style>body{font-family:sans-serif;max-width:1250px;margin:1em auto;padding:0 1em}table{border-collapse:collapse}"
          "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}td.l{text-align:left}</style>"
          "</head><body>\n<h1>ccxtrace: compare two runs</h1>\n", f);
    fprintf(f, "<p>BEFORE: %zu process%s, %zu snapshots over %s. AFTER: %zu process%s, %zu snapshots over %s. Each process "
               "fitted on its own; a difference counts when above %.2f standard errors (1%% family-wise over %zu sites) "
               "and at least %s over the shorter run.</p>\n<p><b>",
            rb->nfit, rb->nfit == 1 ? "" : "es", rb->nsnap, ccx_duration(rb->span, b[0], sizeof b[0]), ra->nfit,
            ra->nfit == 1 ? "" : "es", ra->nsnap, ccx_duration(ra->span, b[1], sizeof b[1]), z, n,
            ccx_sz(op->min_bytes, b[2], sizeof b[2]));
    char *hb = NULL;
    size_t hl = 0;
    FILE *hf = open_memstream(&hb, &hl);
    if (hf) {
        headline(hf, v, n, 0);
        fclose(hf);
        ccx_put_xml(f, hb);
        free(hb);
    }
    fputs("</b></p>\n<table><tr><th>#</th><th>before</th><th>±</th><th>after</th><th>±</th><th>difference</th><th>±</th>"
          "<th>verdict</th><th>where</th></tr>\n", f);
    size_t lim = op->n > 0 && (size_t)op->n < n ? (size_t)op->n : n;
    for (size_t j = 0; j < lim; j++) {
        const struct crow *c = &v[j];
        fprintf(f, "<tr><td>%zu</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s%s%s</td><td>%s</td><td class=\"l\">%s</td>"
                   "<td class=\"l\"><code>",
                j + 1, ccx_rate(c->b ? c->b->fit.slope : 0, b[0], sizeof b[0]), ccx_pm_rate(c->b ? c->b->fit.se : 0, b[1], sizeof b[1]),
                ccx_rate(c->a ? c->a->fit.slope : 0, b[2], sizeof b[2]), ccx_pm_rate(c->a ? c->a->fit.se : 0, b[3], sizeof b[3]),
                c->sig ? "<b>" : "", ccx_rate(c->diff, b[4], sizeof b[4]), c->sig ? "</b>" : "",
                ccx_pm_rate(c->se, b[5], sizeof b[5]), verdict(c));
        ccx_put_xml(f, label_of(c));
        fputs("</code></td></tr>\n", f);
    }
    fputs("</table>\n<p><small>Generated by ccx-analyze compare; see docs/analyzer.md.</small></p>\n</body></html>\n", f);
}

static cJSON *json_side(const struct run *r)
{
    cJSON *x = cJSON_CreateObject();
    cJSON_AddNumberToObject(x, "processes", (double)r->nfit);
    cJSON_AddNumberToObject(x, "left_out", (double)(r->ps.n - r->nfit));
    cJSON_AddNumberToObject(x, "snapshots", (double)r->nsnap);
    cJSON_AddNumberToObject(x, "span_s", r->span);
    cJSON *g = cJSON_AddArrayToObject(x, "groups");
    for (size_t i = 0; i < r->ps.ng; i++)
        cJSON_AddItemToArray(g, cJSON_CreateString(r->ps.g[i].name));
    return x;
}

static void json_rate(cJSON *x, const char *side, const struct ccx_frow *r)
{
    char k[64];
    snprintf(k, sizeof k, "%s_rate_bytes_per_h", side);
    cJSON_AddNumberToObject(x, k, r ? r->fit.slope * 3600 : 0);
    snprintf(k, sizeof k, "%s_rate_se_bytes_per_h", side);
    cJSON_AddNumberToObject(x, k, r ? r->fit.se * 3600 : 0);
    snprintf(k, sizeof k, "%s_class", side);
    if (r)
        cJSON_AddStringToObject(x, k, ccx_class_name(r->cls));
    else
        cJSON_AddNullToObject(x, k);
}

static int print_json(const struct ccx_opts *op, struct ccx_out *o, const struct run *rb, const struct run *ra,
                      const struct crow *v, size_t n, double z)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "command", "compare");
    cJSON_AddNumberToObject(doc, "schema", CCX_JSON_SCHEMA);
    cJSON_AddStringToObject(doc, "by", ccx_by_name(op->by));
    cJSON_AddItemToObject(doc, "before", json_side(rb));
    cJSON_AddItemToObject(doc, "after", json_side(ra));
    cJSON *s = cJSON_AddObjectToObject(doc, "significance");
    cJSON_AddNumberToObject(s, "family_alpha", CCX_FAMILY_ALPHA);
    cJSON_AddNumberToObject(s, "sites", (double)n);
    cJSON_AddNumberToObject(s, "z", z);
    cJSON_AddNumberToObject(s, "min_bytes", op->min_bytes);
    cJSON *rows = cJSON_AddArrayToObject(doc, "rows");
    size_t lim = op->n > 0 && (size_t)op->n < n ? (size_t)op->n : n;
    for (size_t j = 0; j < lim; j++) {
        const struct crow *c = &v[j];
        const struct ccx_frow *r = c->a ? c->a : c->b;
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "rank", (double)(j + 1));
        cJSON_AddStringToObject(x, "label", label_of(c));
        cJSON_AddStringToObject(x, "layer", ccx_layer_name(r->layer));
        cJSON_AddStringToObject(x, "group", c->fl->ps->g[r->group].name);
        json_rate(x, "before", c->b);
        json_rate(x, "after", c->a);
        cJSON_AddNumberToObject(x, "difference_bytes_per_h", c->diff * 3600);
        cJSON_AddNumberToObject(x, "difference_se_bytes_per_h", c->se * 3600);
        cJSON_AddBoolToObject(x, "significant", c->sig != 0);
        cJSON_AddStringToObject(x, "verdict", verdict(c));
        cJSON *st = cJSON_AddArrayToObject(x, "stack");
        for (uint32_t q = 0; q < r->stack_len; q++)
            cJSON_AddItemToArray(st, cJSON_CreateString(ccx_fleet_str(c->fl, r->stack[q])));
        cJSON_AddItemToArray(rows, x);
    }
    return ccx_json_emit(o, doc);
}

/* --fail-above RATE: a steady AFTER site faster than RATE. */
static int gate(const struct ccx_opts *op, const struct run *ra)
{
    char b1[48], b2[48];
    for (size_t j = 0; j < ra->fl.nrows; j++) {
        const struct ccx_frow *x = ra->fl.rows[j];
        if (x->cls == CCX_STEADY && x->fit.slope > op->fail_rate) {
            ccx_err("AFTER grows steadily above --fail-above %s: %s at %s", ccx_rate(op->fail_rate, b1, sizeof b1) + 1,
                    ccx_rate(x->fit.slope, b2, sizeof b2), ccx_fleet_str(&ra->fl, x->label));
            return 1;
        }
    }
    return 0;
}

int ccx_cmd_compare(const struct ccx_opts *op, struct ccx_out *o)
{
    if (!op->split || op->ninputs == 0 || op->ninputs2 == 0) {
        ccx_err("compare needs two runs (usage: ccx-analyze compare BEFORE... -- AFTER...)");
        return 2;
    }
    if (op->by == CCX_BY_TYPE) {
        ccx_err("compare --by type: use --by stack|function|line|file|module");
        return 2;
    }
    if (o->fmt != CCX_FMT_TEXT && o->fmt != CCX_FMT_MARKDOWN && o->fmt != CCX_FMT_JSON && o->fmt != CCX_FMT_HTML) {
        ccx_err("compare: format %s is not available (text, json, markdown, html)", ccx_fmt_name(o->fmt));
        return 2;
    }
    struct run rb, ra;
    int rc = 2;
    memset(&ra, 0, sizeof ra);
    if (load_run(op, op->inputs, op->ninputs, "BEFORE", &rb) < 0 ||
        load_run(op, op->inputs2, op->ninputs2, "AFTER", &ra) < 0)
        goto out;
    size_t n;
    struct crow *v = match(&rb, &ra, &n);
    if (!v) {
        ccx_err("out of memory");
        goto out;
    }
    double z = ccx_z_familywise(n, CCX_FAMILY_ALPHA);
    judge(v, n, z, rb.span < ra.span ? rb.span : ra.span, op->min_bytes);
    if (o->fmt == CCX_FMT_JSON)
        rc = print_json(op, o, &rb, &ra, v, n, z);
    else if (o->fmt == CCX_FMT_HTML) {
        print_html(op, o, &rb, &ra, v, n, z);
        rc = 0;
    } else {
        print_text(op, o, &rb, &ra, v, n, z);
        rc = 0;
    }
    if (rc == 0 && op->fail_set)
        rc = gate(op, &ra);
    free(v);
out:
    free_run(&rb);
    free_run(&ra);
    return rc;
}
