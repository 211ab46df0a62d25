/* report_fleet.c - `ccx-analyze report` over several processes: the bug
 * attachment for a fleet.  Each process is fitted on its own (fleet.c);
 * the report shows the processes' table (a mark on those far from their
 * group's others), the processes left out and why, each group's headline
 * and its sites by fleet rate, the steady sites' whole stacks, and each
 * process's own headline and census change.  Markdown (the trend's fleet
 * view under a report title, then the stacks) or one self-contained HTML
 * file.  Kept apart from cmd_report.c, the one-process report. */
#include "report.h"

#include "fleet.h"
#include "print_fleet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void html_text(FILE *f, const char *tag, const char *s)
{
    fprintf(f, "<%s>", tag);
    ccx_put_xml(f, s);
    fprintf(f, "</%s>", tag);
}

static void html_processes(FILE *f, const struct ccx_fleet *fl)
{
    const struct ccx_procs *ps = fl->ps;
    char b1[48], b2[48], b3[48];
    fputs("<h2>Processes</h2>\n<p>Each process is fitted on its own; <b>far</b> marks a rate far from its group's others.</p>\n"
          "<table><tr><th>#</th><th>process</th><th>command</th><th>span</th><th>snapshots</th><th>RSS rate</th>"
          "<th>top steady site</th><th>its rate</th><th></th></tr>\n", f);
    size_t row = 0;
    for (size_t i = 0; i < ps->n; i++) {
        const struct ccx_proc *p = &ps->p[i];
        const struct ccx_fres *r = &fl->res[i];
        if (p->left_out)
            continue;
        fprintf(f, "<tr><td>%zu</td>", ++row);
        html_text(f, "td", p->name);
        html_text(f, "td", p->command);
        fprintf(f, "<td>%s</td><td>%zu</td><td>%s</td>", ccx_duration(p->t_last - p->t_first, b1, sizeof b1), p->npaths,
                r->has_rss ? ccx_rate(r->rss_rate, b2, sizeof b2) : "?");
        html_text(f, "td", r->top_label ? r->top_label : "none");
        fprintf(f, "<td>%s</td><td>%s</td></tr>\n", r->top_label ? ccx_rate(r->top_rate, b3, sizeof b3) : "",
                r->outlier ? "<b>far</b>" : "");
    }
    fputs("</table>\n", f);
    int any = 0;
    for (size_t i = 0; i < ps->n; i++) {
        const struct ccx_proc *p = &ps->p[i];
        if (!p->left_out)
            continue;
        fputs(any++ ? "" : "<p>Left out of the fleet figures (not fitted):</p>\n<ul>\n", f);
        fputs("<li>", f);
        ccx_put_xml(f, p->name);
        fprintf(f, " (%zu snapshot%s): %s (3 needed), <code>", p->npaths, p->npaths == 1 ? "" : "s", p->left_out);
        ccx_put_xml(f, p->paths[0]);
        fputs("</code></li>\n", f);
    }
    fputs(any ? "</ul>\n" : "", f);
}

static void html_groups(FILE *f, const struct ccx_opts *op, const struct ccx_fleet *fl)
{
    const struct ccx_procs *ps = fl->ps;
    char b1[48], b2[48], b3[48];
    for (size_t g = 0; g < ps->ng; g++) {
        const struct ccx_fgroup *fg = &fl->gs[g];
        if (!ps->g[g].nfit)
            continue;
        fputs("<h2>Fleet: <code>", f);
        ccx_put_xml(f, ps->g[g].name);
        fprintf(f, "</code></h2>\n<p>%zu process%s fitted, %zu lineage%s summed, over %s; steady when above %.2f standard "
                   "errors (1%% family-wise over %zu sites).</p>\n",
                ps->g[g].nfit, ps->g[g].nfit == 1 ? "" : "es", ps->g[g].nlineage, ps->g[g].nlineage == 1 ? "" : "s",
                ccx_duration(fg->span, b1, sizeof b1), fg->z, fg->m);
        fputs("<table><tr><th>#</th><th>fleet rate</th><th>±</th><th>growth</th><th>class</th><th>processes</th>"
              "<th>where</th></tr>\n", f);
        size_t shown = 0;
        for (size_t j = 0; j < fl->nrows && (op->n <= 0 || shown < (size_t)op->n); j++) {
            const struct ccx_frow *x = fl->rows[j];
            if (x->group != g)
                continue;
            fprintf(f, "<tr><td>%zu</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%zu</td>", ++shown,
                    ccx_rate(x->fit.slope, b1, sizeof b1), ccx_pm_rate(x->fit.se, b2, sizeof b2),
                    ccx_szs(x->fit.growth, b3, sizeof b3), ccx_class_name(x->cls), x->nproc);
            html_text(f, "td", ccx_fleet_str(fl, x->label));
            fputs("</tr>\n", f);
        }
        fputs("</table>\n", f);
    }
}

/* The whole stacks of the steady and stopped fleet sites (top n). */
static void stacks(FILE *f, const struct ccx_opts *op, const struct ccx_fleet *fl, int html)
{
    char b1[48], b2[48];
    size_t shown = 0;
    fputs(html ? "<h2>Growing sites, whole stacks</h2>\n" : "\n## Growing sites, whole stacks\n\n", f);
    for (size_t j = 0; j < fl->nrows && (op->n <= 0 || shown < (size_t)op->n); j++) {
        const struct ccx_frow *x = fl->rows[j];
        if (x->cls != CCX_STEADY && x->cls != CCX_STOPPED)
            continue;
        shown++;
        ccx_rate(x->fit.slope, b1, sizeof b1);
        ccx_pm_rate(x->fit.se, b2, sizeof b2);
        if (html) {
            fputs("<h3>", f);
            ccx_put_xml(f, ccx_fleet_str(fl, x->label));
            fprintf(f, "</h3>\n<p>%s %s over %zu processes, %s, in ", b1, b2, x->nproc, ccx_class_name(x->cls));
            ccx_put_xml(f, fl->ps->g[x->group].name);
            fputs("</p>\n<pre>", f);
        } else {
            fprintf(f, "### %zu. `", shown);
            ccx_put_md(f, ccx_fleet_str(fl, x->label));
            fprintf(f, "`\n\n%s %s over %zu processes, %s, in `", b1, b2, x->nproc, ccx_class_name(x->cls));
            ccx_put_md(f, fl->ps->g[x->group].name);
            fputs("`\n\n```\n", f);
        }
        for (uint32_t q = 0; q < x->stack_len; q++) {
            if (html)
                ccx_put_xml(f, ccx_fleet_str(fl, x->stack[q]));
            else
                fputs(ccx_fleet_str(fl, x->stack[q]), f);
            fputc('\n', f);
        }
        fputs(html ? "</pre>\n" : "```\n\n", f);
    }
    if (!shown)
        fputs(html ? "<p>No site grows steadily.</p>\n" : "No site grows steadily.\n", f);
}

static void html_own(FILE *f, const struct ccx_fleet *fl)
{
    const struct ccx_procs *ps = fl->ps;
    fputs("<h2>Each process on its own</h2>\n<ul>\n", f);
    for (size_t i = 0; i < ps->n; i++) {
        const struct ccx_fres *r = &fl->res[i];
        if (ps->p[i].left_out)
            continue;
        fputs("<li><b>", f);
        ccx_put_xml(f, ps->p[i].name);
        fputs(r->outlier ? "</b> (far from the others): " : "</b>: ", f);
        ccx_put_xml(f, r->headline);
        if (r->census) {
            fputs(" Census: ", f);
            ccx_put_xml(f, r->census);
            fputc('.', f);
        }
        fputs("</li>\n", f);
    }
    fputs("</ul>\n", f);
}

int ccx_report_fleet(const struct ccx_opts *op, struct ccx_out *o, struct ccx_procs *ps)
{
    struct ccx_fleet fl;
    int rc = ccx_fleet_run(op, ps, &fl, NULL);
    if (rc == 0 && o->fmt == CCX_FMT_HTML) {
        fputs("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>ccxtrace memory report (several processes)</title>\n"
              "<style>body{font-family:sans-serif;max-width:1250px;margin:1em auto;padding:0 1em}"
              "pre{background:#f6f6f6;padding:.5em;overflow-x:auto}table{border-collapse:collapse}"
              "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}</style>"
              "</head><body>\n<h1>ccxtrace memory report, several processes</h1>\n",
              o->f);
        html_processes(o->f, &fl);
        html_groups(o->f, op, &fl);
        stacks(o->f, op, &fl, 1);
        html_own(o->f, &fl);
        fputs("<p><small>Generated by ccx-analyze report. Each process is fitted on its own; a fleet rate sums the "
              "processes that ran at the same time (restarts on one host: one lineage); see docs/analyzer.md."
              "</small></p>\n</body></html>\n", o->f);
    } else if (rc == 0) {
        struct ccx_out md = *o;
        md.fmt = CCX_FMT_MARKDOWN;
        md.color = 0;
        fputs("# ccxtrace memory report, several processes\n\n", o->f);
        ccx_fleet_print(op, &md, &fl);
        stacks(o->f, op, &fl, 0);
        fputs("\n---\nGenerated by `ccx-analyze report`. Each process is fitted on its own; a fleet rate sums the "
              "processes that ran at the same time (restarts on one host: one lineage); see docs/analyzer.md.\n", o->f);
    }
    ccx_fleet_free(&fl);
    return rc;
}
