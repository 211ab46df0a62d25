/* print_fleet.c - the fleet view that trend and report share over several
 * processes: ccx_fleet_run() fits each process on its own (fleet.c) and
 * keeps its headline and census line (and, for JSON, its own document);
 * ccx_fleet_print() prints the processes' table (a mark on those whose
 * rate is far from their group's others), the processes left out and why,
 * the sites ranked by fleet rate per group, and each process's own
 * headline and census change (never compared across processes), as text or
 * Markdown; ccx_fleet_print_json() the same as trend's JSON document
 * (docs/analyzer.md). */
#include "print_fleet.h"

#include "print_trend.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct fctx {
    const struct ccx_opts *op;
    cJSON **jp; /* [ps->n] each process's JSON (JSON output), or NULL */
};

static size_t rows_shown(const struct ccx_opts *op, size_t n)
{
    return op->n > 0 && (size_t)op->n < n ? (size_t)op->n : n;
}

/* "Broker +300 (+16.4 KiB), frame +600 (+234 KiB)": the census types
 * that grew most in bytes within the process, first to last snapshot. */
static char *census_line(const struct ccx_set *set)
{
    struct ccx_tdelta *td;
    size_t n = ccx_types_diff(set, set->order[0], set->order[set->k - 1], &td);
    if (!n)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        free(td);
        return NULL;
    }
    size_t shown = 0;
    for (size_t j = 0; j < n && shown < 3; j++) {
        char b1[32], b2[32];
        if (td[j].dbytes <= 0)
            break;
        fprintf(f, "%s%s %s (%s)", shown ? ", " : "", td[j].t->name, ccx_counts(td[j].dcount, b1, sizeof b1),
                ccx_szs(td[j].dbytes, b2, sizeof b2));
        shown++;
    }
    if (!shown)
        fputs("no type grew", f);
    fclose(f);
    free(td);
    return buf;
}

static char *headline_str(const struct ccx_trend *tr, int md)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    ccx_trend_headline(f, tr, md);
    fclose(f);
    if (len && buf[len - 1] == '\n')
        buf[len - 1] = 0;
    return buf;
}

static void add_str(cJSON *o, const char *k, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static cJSON *json_ident(const struct ccx_procs *ps, const struct ccx_proc *p)
{
    cJSON *x = cJSON_CreateObject();
    add_str(x, "host", p->id.host);
    cJSON_AddNumberToObject(x, "pid", p->id.pid);
    cJSON_AddNumberToObject(x, "start_time", p->id.start_time);
    add_str(x, "instance_id", p->id.instance);
    add_str(x, "exe", p->id.exe);
    add_str(x, "cmdline", p->id.cmdline);
    cJSON_AddStringToObject(x, "command", p->command);
    cJSON_AddStringToObject(x, "group", ps->g[p->group].name);
    cJSON_AddNumberToObject(x, "snapshots", (double)p->npaths);
    cJSON_AddStringToObject(x, "first_path", p->paths[0]);
    cJSON_AddStringToObject(x, "last_path", p->paths[p->npaths - 1]);
    cJSON_AddNumberToObject(x, "first_time", p->t_first);
    cJSON_AddNumberToObject(x, "last_time", p->t_last);
    cJSON_AddNumberToObject(x, "span_s", p->t_last - p->t_first);
    add_str(x, "left_out", p->left_out);
    return x;
}

static int each_proc(void *vctx, struct ccx_fleet *fl, size_t i, const struct ccx_set *set,
                     const struct ccx_trend *tr)
{
    struct fctx *c = vctx;
    struct ccx_fres *r = &fl->res[i];
    r->headline = headline_str(tr, 0);
    r->headline_md = headline_str(tr, 1);
    r->census = census_line(set);
    if (!r->headline || !r->headline_md)
        return -1;
    if (!c->jp)
        return 0;
    const struct ccx_proc *p = &fl->ps->p[i];
    cJSON *x = json_ident(fl->ps, p);
    cJSON_AddNumberToObject(x, "lineage", (double)p->lineage);
    cJSON_AddNumberToObject(x, "weight", p->weight);
    cJSON_AddItemToObject(x, "headline", ccx_trend_json_headline(tr, set->sites));
    cJSON_AddItemToObject(x, "rows", ccx_trend_json_rows(set, tr, rows_shown(c->op, tr->n)));
    if (set->ntypes)
        cJSON_AddItemToObject(x, "python_types", ccx_trend_json_types(set));
    c->jp[i] = x;
    return 0;
}

/* The group's own figures as a trend headline: its top steady row, its
 * counts, and its RSS and traced-live rates summed like the sites. */
static void group_trend(const struct ccx_fleet *fl, size_t g, struct ccx_trend *tr, struct ccx_grow *top)
{
    const struct ccx_fgroup *fg = &fl->gs[g];
    memset(tr, 0, sizeof *tr);
    tr->n_steady = fg->n_steady;
    tr->n_stopped = fg->n_stopped;
    tr->n_shrinking = fg->n_shrinking;
    tr->n_most = fg->n_most;
    tr->pos_rate = fg->pos;
    tr->m = fg->m;
    tr->z = fg->z;
    tr->span = fg->span;
    for (size_t j = 0; j < fl->nrows; j++)
        if (fl->rows[j]->group == g && fl->rows[j]->cls == CCX_STEADY) {
            memset(top, 0, sizeof *top);
            top->fit = fl->rows[j]->fit;
            top->cls = CCX_STEADY;
            tr->g = top;
            tr->n = 1;
            break;
        }
    tr->has_rss = tr->has_live = 1;
    for (size_t i = 0; i < fl->ps->n; i++) {
        const struct ccx_proc *p = &fl->ps->p[i];
        if (p->group != g || p->left_out)
            continue;
        tr->has_rss &= fl->res[i].has_rss;
        tr->has_live &= fl->res[i].has_live;
        tr->rss_rate += p->weight * fl->res[i].rss_rate;
        tr->live_rate += p->weight * fl->res[i].live_rate;
    }
}

static void text_processes(struct ccx_out *o, const struct ccx_fleet *fl, int md)
{
    const struct ccx_procs *ps = fl->ps;
    char b1[48], b2[48], b3[48];
    fprintf(o->f, md ? "\n### Processes\n\n" : "\n%sprocesses%s (each fitted on its own; ! = its rate is far from its group's others):\n",
            ccx_c_bold(o), ccx_c_off(o));
    if (md)
        fputs("| # | process | command | span | snapshots | RSS rate | top steady site | its rate | far |\n"
              "|---:|---|---|---:|---:|---:|---|---:|---|\n", o->f);
    else
        fprintf(o->f, "%s%4s  %-24s %-26s %8s %5s %13s  %-s%s\n", ccx_c_bold(o), "#", "process", "command", "span",
                "snaps", "RSS rate", "top steady site (its rate)", ccx_c_off(o));
    size_t row = 0;
    for (size_t i = 0; i < ps->n; i++) {
        const struct ccx_proc *p = &ps->p[i];
        const struct ccx_fres *r = &fl->res[i];
        if (p->left_out)
            continue;
        row++;
        const char *rss = r->has_rss ? ccx_rate(r->rss_rate, b1, sizeof b1) : "?";
        ccx_duration(p->t_last - p->t_first, b2, sizeof b2);
        if (r->top_label)
            ccx_rate(r->top_rate, b3, sizeof b3);
        if (md) {
            fprintf(o->f, "| %zu | `", row);
            ccx_put_md(o->f, p->name);
            fputs("` | `", o->f);
            ccx_put_md(o->f, p->command);
            fprintf(o->f, "` | %s | %zu | %s | ", b2, p->npaths, rss);
            if (r->top_label) {
                fputc('`', o->f);
                ccx_put_md(o->f, r->top_label);
                fprintf(o->f, "` | %s", b3);
            } else {
                fputs("none | ", o->f);
            }
            fprintf(o->f, " | %s |\n", r->outlier ? "**far**" : "");
        } else {
            fprintf(o->f, "%3zu%s  ", row, r->outlier ? "!" : " ");
            ccx_put_cut(o->f, p->name, 24);
            fprintf(o->f, "%*s ", 24 - ((int)strlen(p->name) < 24 ? (int)strlen(p->name) : 24), "");
            ccx_put_cut(o->f, p->command, 26);
            fprintf(o->f, "%*s %8s %5zu %13s  ", 26 - ((int)strlen(p->command) < 26 ? (int)strlen(p->command) : 26), "",
                    b2, p->npaths, rss);
            if (r->top_label) {
                ccx_put_cut(o->f, r->top_label, o->width - 86 > 20 ? o->width - 86 : 20);
                fprintf(o->f, " (%s)\n", b3);
            } else {
                fputs("none\n", o->f);
            }
        }
    }
}

static void text_left_out(struct ccx_out *o, const struct ccx_fleet *fl, int md)
{
    const struct ccx_procs *ps = fl->ps;
    int any = 0;
    for (size_t i = 0; i < ps->n; i++) {
        const struct ccx_proc *p = &ps->p[i];
        if (!p->left_out)
            continue;
        if (!any++)
            fputs(md ? "\n**Left out** of the fleet figures (not fitted):\n\n"
                     : "\nleft out of the fleet figures (not fitted):\n", o->f);
        fprintf(o->f, md ? "- `%s` (`%s`): %zu snapshot%s: %s (3 needed), %s\n" : "  %s (%s): %zu snapshot%s: %s (3 needed), %s\n",
                p->name, p->command, p->npaths, p->npaths == 1 ? "" : "s", p->left_out, p->paths[0]);
    }
}

static void text_group(struct ccx_out *o, const struct ccx_fleet *fl, size_t g, size_t limit, int md)
{
    const struct ccx_group *gr = &fl->ps->g[g];
    const struct ccx_fgroup *fg = &fl->gs[g];
    char b1[48], b2[48], b3[48];
    if (!gr->nfit)
        return;
    fprintf(o->f, md ? "\n### Fleet: `%s`\n\n" : "\n%sfleet: %s%s\n", md ? gr->name : ccx_c_bold(o),
            md ? "" : gr->name, md ? "" : ccx_c_off(o));
    fprintf(o->f, "%zu process%s fitted, %zu lineage%s (summed), %s; steady when above %.2f standard errors (1%% family-wise over %zu sites)%s",
            gr->nfit, gr->nfit == 1 ? "" : "es", gr->nlineage, gr->nlineage == 1 ? "" : "s",
            ccx_duration(fg->span, b1, sizeof b1), fg->z, fg->m, md ? "\n\n" : "\n");
    struct ccx_trend tr;
    struct ccx_grow top;
    group_trend(fl, g, &tr, &top);
    fputs(tr.n_steady ? ccx_c_red(o) : ccx_c_green(o), o->f);
    char *h = headline_str(&tr, md), *rss = h ? strstr(h, "process RSS") : NULL;
    if (rss) /* the group's RSS rate is summed like the sites */
        fprintf(o->f, "%.*sfleet RSS%s", (int)(rss - h), h, rss + strlen("process RSS"));
    else
        fputs(h ? h : "", o->f);
    free(h);
    fputs(ccx_c_off(o), o->f);
    fputs("\n\n", o->f);
    if (md)
        fputs("| # | fleet rate | ± | growth | class | processes | where |\n|---:|---:|---:|---:|---|---:|---|\n", o->f);
    else
        fprintf(o->f, "%s%4s  %13s  %12s  %10s  %-9s  %5s  %s%s\n", ccx_c_bold(o), "#", "fleet rate", "±", "growth",
                "class", "procs", "where", ccx_c_off(o));
    size_t shown = 0;
    for (size_t j = 0; j < fl->nrows && (!limit || shown < limit); j++) {
        const struct ccx_frow *x = fl->rows[j];
        if (x->group != g)
            continue;
        shown++;
        ccx_rate(x->fit.slope, b1, sizeof b1);
        ccx_pm_rate(x->fit.se, b2, sizeof b2);
        ccx_szs(x->fit.growth, b3, sizeof b3);
        if (md) {
            fprintf(o->f, "| %zu | %s | %s | %s | %s | %zu | `", shown, b1, b2, b3, ccx_class_name(x->cls), x->nproc);
            ccx_put_md(o->f, ccx_fleet_str(fl, x->label));
            fputs("` |\n", o->f);
        } else {
            const char *col = x->cls == CCX_STEADY ? ccx_c_red(o) : "";
            fprintf(o->f, "%4zu  %s%13s%s  %12s  %10s  %-9s  %5zu  ", shown, col, b1, ccx_c_off(o), b2, b3,
                    ccx_class_name(x->cls), x->nproc);
            ccx_put_cut(o->f, ccx_fleet_str(fl, x->label), o->width - 70);
            fputc('\n', o->f);
        }
    }
}

static void text_own(struct ccx_out *o, const struct ccx_fleet *fl, int md)
{
    const struct ccx_procs *ps = fl->ps;
    fprintf(o->f, md ? "\n### Each process on its own\n\n" : "\n%seach process on its own%s (census: first to last snapshot of the process):\n",
            ccx_c_bold(o), ccx_c_off(o));
    for (size_t i = 0; i < ps->n; i++) {
        const struct ccx_proc *p = &ps->p[i];
        const struct ccx_fres *r = &fl->res[i];
        if (p->left_out)
            continue;
        if (md) {
            fputs("- `", o->f);
            ccx_put_md(o->f, p->name);
            fprintf(o->f, "`%s: %s", r->outlier ? " (**far** from the others)" : "", r->headline_md);
            if (r->census)
                fprintf(o->f, " Census: %s.", r->census);
            fputc('\n', o->f);
        } else {
            fprintf(o->f, "  %s%s: %s\n", p->name, r->outlier ? " (!)" : "", r->headline);
            if (r->census)
                fprintf(o->f, "      census: %s\n", r->census);
        }
    }
}

void ccx_fleet_print(const struct ccx_opts *op, struct ccx_out *o, const struct ccx_fleet *fl)
{
    const struct ccx_procs *ps = fl->ps;
    int md = o->fmt == CCX_FMT_MARKDOWN;
    size_t nfit = 0, nsnap = 0;
    double t0 = 0, t1 = 0;
    for (size_t i = 0; i < ps->n; i++) {
        const struct ccx_proc *p = &ps->p[i];
        if (p->left_out)
            continue;
        if (!nfit++ || p->t_first < t0)
            t0 = p->t_first;
        if (nfit == 1 || p->t_last > t1)
            t1 = p->t_last;
        nsnap += p->npaths;
    }
    char b1[48];
    fprintf(o->f, "%s%strend over %zu processes (%zu snapshots), %s, grouped by %s%s%s", md ? "## " : "", ccx_c_bold(o),
            nfit, nsnap, ccx_duration(t1 - t0, b1, sizeof b1), ccx_group_by_name(op->group_by), ccx_c_off(o),
            md ? "  \n" : "\n");
    fprintf(o->f, "each process is fitted on its own; a fleet rate is the sum over a group's lineages (processes that ran at the same time; restarts on one host are one lineage, its rate the span-weighted mean) with the combined standard error; growth needs at least %s%s",
            ccx_sz(op->min_bytes, b1, sizeof b1), "\n");
    text_processes(o, fl, md);
    text_left_out(o, fl, md);
    for (size_t g = 0; g < ps->ng; g++)
        text_group(o, fl, g, rows_shown(op, fl->nrows), md);
    text_own(o, fl, md);
}

static cJSON *json_row(const struct ccx_fleet *fl, const struct ccx_frow *x, size_t rank)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "rank", (double)rank);
    cJSON_AddStringToObject(j, "label", ccx_fleet_str(fl, x->label));
    cJSON_AddStringToObject(j, "layer", ccx_layer_name(x->layer));
    cJSON_AddStringToObject(j, "class", ccx_class_name(x->cls));
    cJSON_AddNumberToObject(j, "rate_bytes_per_h", x->fit.slope * 3600);
    cJSON_AddNumberToObject(j, "rate_se_bytes_per_h", x->fit.se * 3600);
    cJSON_AddNumberToObject(j, "late_rate_bytes_per_h", x->fit.late_slope * 3600);
    cJSON_AddNullToObject(j, "r2");
    cJSON_AddNumberToObject(j, "fitted_growth_bytes", x->fit.growth);
    cJSON_AddNumberToObject(j, "first_bytes", x->first_b);
    cJSON_AddNumberToObject(j, "last_bytes", x->last_b);
    cJSON_AddNumberToObject(j, "share", x->share);
    cJSON_AddArrayToObject(j, "live_bytes");
    cJSON *st = cJSON_AddArrayToObject(j, "stack");
    for (uint32_t q = 0; q < x->stack_len; q++)
        cJSON_AddItemToArray(st, cJSON_CreateString(ccx_fleet_str(fl, x->stack[q])));
    cJSON_AddStringToObject(j, "group", fl->ps->g[x->group].name);
    cJSON_AddNumberToObject(j, "processes", (double)x->nproc);
    return j;
}

int ccx_fleet_print_json(const struct ccx_opts *op, struct ccx_out *o, const struct ccx_fleet *fl, cJSON **jp)
{
    const struct ccx_procs *ps = fl->ps;
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "command", "trend");
    cJSON_AddNumberToObject(doc, "schema", CCX_JSON_SCHEMA);
    cJSON_AddStringToObject(doc, "by", ccx_by_name(op->by));
    cJSON_AddStringToObject(doc, "group_by", ccx_group_by_name(op->group_by));
    cJSON *s = cJSON_AddObjectToObject(doc, "significance");
    cJSON_AddNumberToObject(s, "family_alpha", CCX_FAMILY_ALPHA);
    cJSON_AddNumberToObject(s, "min_bytes", op->min_bytes);
    cJSON_AddNumberToObject(s, "stopped_fraction", CCX_STOPPED_FRACTION);
    cJSON *groups = cJSON_AddArrayToObject(doc, "groups");
    for (size_t g = 0; g < ps->ng; g++) {
        struct ccx_trend tr;
        struct ccx_grow top;
        group_trend(fl, g, &tr, &top);
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "name", ps->g[g].name);
        cJSON_AddNumberToObject(x, "processes", (double)ps->g[g].nproc);
        cJSON_AddNumberToObject(x, "fitted", (double)ps->g[g].nfit);
        cJSON_AddNumberToObject(x, "lineages", (double)ps->g[g].nlineage);
        cJSON_AddNumberToObject(x, "span_s", fl->gs[g].span);
        cJSON_AddNumberToObject(x, "sites", (double)fl->gs[g].m);
        cJSON_AddNumberToObject(x, "z", fl->gs[g].z);
        cJSON *h = cJSON_AddObjectToObject(x, "headline");
        cJSON_AddNumberToObject(h, "steady_sites", (double)tr.n_steady);
        cJSON_AddNumberToObject(h, "stopped_sites", (double)tr.n_stopped);
        cJSON_AddNumberToObject(h, "shrinking_sites", (double)tr.n_shrinking);
        cJSON_AddNumberToObject(h, "growth_rate_bytes_per_h", tr.pos_rate * 3600);
        if (tr.has_rss)
            cJSON_AddNumberToObject(h, "rss_rate_bytes_per_h", tr.rss_rate * 3600);
        else
            cJSON_AddNullToObject(h, "rss_rate_bytes_per_h");
        cJSON_AddItemToArray(groups, x);
    }
    cJSON *rows = cJSON_AddArrayToObject(doc, "rows");
    size_t limit = rows_shown(op, fl->nrows);
    for (size_t j = 0; j < limit; j++)
        cJSON_AddItemToArray(rows, json_row(fl, fl->rows[j], j + 1));
    cJSON *procs = cJSON_AddArrayToObject(doc, "processes");
    for (size_t i = 0; i < ps->n; i++) {
        const struct ccx_proc *p = &ps->p[i];
        cJSON *x = jp[i] ? jp[i] : json_ident(ps, p);
        jp[i] = NULL;
        if (!p->left_out) {
            const struct ccx_fres *r = &fl->res[i];
            if (r->has_rss)
                cJSON_AddNumberToObject(x, "rss_rate_bytes_per_h", r->rss_rate * 3600);
            else
                cJSON_AddNullToObject(x, "rss_rate_bytes_per_h");
            add_str(x, "top_steady_label", r->top_label);
            if (r->top_label) {
                cJSON_AddNumberToObject(x, "top_steady_rate_bytes_per_h", r->top_rate * 3600);
                cJSON_AddNumberToObject(x, "top_steady_rate_se_bytes_per_h", r->top_se * 3600);
            }
            cJSON_AddBoolToObject(x, "far", r->outlier);
            cJSON_AddNumberToObject(x, "far_test_rate_bytes_per_h", r->mark_rate * 3600);
        }
        cJSON_AddItemToArray(procs, x);
    }
    return ccx_json_emit(o, doc);
}

int ccx_fleet_run(const struct ccx_opts *op, struct ccx_procs *ps, struct ccx_fleet *fl, cJSON **jp)
{
    memset(fl, 0, sizeof *fl);
    if (ccx_fleet_validate_left_out(ps) < 0)
        return 2;
    size_t nfit = 0;
    for (size_t i = 0; i < ps->n; i++)
        nfit += !ps->p[i].left_out;
    if (!nfit) {
        ccx_err("%s: no process has 3 or more snapshots at different times: no trend can be fitted", ps->p[0].paths[0]);
        return 2;
    }
    struct fctx c = {op, jp};
    return ccx_fleet_trend(fl, ps, op->by, op->min_bytes, each_proc, &c) == 0 ? 0 : 2;
}
