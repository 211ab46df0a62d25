/* cmd_report.c - `ccx-analyze report SNAP... [-o FILE]`: the bug
 * attachment.  Markdown (default) or one self-contained HTML file
 * (--format html: inline SVG, no scripts, no network).  Sections:
 * environment, headline, top growing sites with whole stacks, a flame
 * graph of the growth, memory over time, Python census and gc changes and
 * what gc.collect() could reclaim.  One snapshot reports what is live,
 * two a diff, three or more a trend.  With Markdown and -o FILE, the two
 * SVGs are written beside it (FILE.flame.svg, FILE.memory.svg) and linked. */
#include "cmd.h"
#include "holders.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ccx_format.h"
#include "print_python.h"
#include "print_trend.h"
#include "report.h"
#include "report_html.h"
#include "svg.h"

struct rep {
    struct ccx_set set;
    struct ccx_diff d;    /* k == 2 */
    struct ccx_trend tr;  /* k >= 3 */
    struct ccx_grow *g;   /* rows, by growth (one snapshot: by live bytes) */
    size_t npos;          /* leading rows that grew (one snapshot: are live) */
    size_t ng;            /* of those, the first lim: the flame graph */
    size_t lim;           /* -n: sites with stacks, noise rows, census types */
    size_t first, last;
    int kind; /* 1 snapshot, 2 a diff, 3 a trend */
};

static const char *s_or(const char *s)
{
    return s ? s : "?";
}

/* Environment as "key: value" pairs; md/html decide the markup. */
static void environment(FILE *f, const struct rep *r, int html)
{
    const struct ccx_meta *m = &r->set.meta[r->last];
    char b2[48];
    const char *keys[8], *vals[8];
    char sampling[96], snaps[160], proc[128];
    if (m->sample_mode) {
        char b1[48];
        snprintf(sampling, sizeof sampling, "sampling, mean interval %s", ccx_sz(m->interval, b1, sizeof b1));
    } else
        snprintf(sampling, sizeof sampling, "every allocation (all)");
    snprintf(snaps, sizeof snaps, "%zu over %s%s", r->set.k, ccx_duration(r->set.t[r->last] - r->set.t[r->first], b2, sizeof b2),
             r->set.same_process ? ", one process" : ", several processes");
    snprintf(proc, sizeof proc, "pid %.0f on %s", m->pid, s_or(m->host));
    int n = 0;
    keys[n] = "executable", vals[n++] = s_or(m->exe);
    keys[n] = "command line", vals[n++] = s_or(m->cmdline);
    keys[n] = "process", vals[n++] = proc;
    keys[n] = "Python", vals[n++] = m->py_version ? m->py_version : "(not a Python process)";
    keys[n] = "tracing", vals[n++] = sampling;
    keys[n] = "snapshots", vals[n++] = snaps;
    if (html) {
        fputs("<table class=\"env\">\n", f);
        for (int i = 0; i < n; i++) {
            fprintf(f, "<tr><th>%s</th><td><code>", keys[i]);
            ccx_put_xml(f, vals[i]);
            fputs("</code></td></tr>\n", f);
        }
        fputs("</table>\n", f);
    } else {
        fputs("| | |\n|---|---|\n", f);
        for (int i = 0; i < n; i++) {
            fprintf(f, "| %s | `", keys[i]);
            ccx_put_md(f, vals[i]);
            fputs("` |\n", f);
        }
    }
}

static void headline(FILE *f, const struct rep *r, int md)
{
    char b1[48], b2[48], b3[48];
    if (r->kind == 3) {
        ccx_trend_headline(f, &r->tr, md);
    } else if (r->kind == 2) {
        const struct ccx_diff *d = &r->d;
        const struct ccx_meta *a = &r->set.meta[r->first], *b = &r->set.meta[r->last];
        fprintf(f, "%s%zu site%s with significant growth%s; traced live %s (%s) in %s", md ? "**" : "", d->n_sig,
                d->n_sig == 1 ? "" : "s", md ? "**" : "", ccx_szs(d->growth_sum, b1, sizeof b1), ccx_pm(d->growth_se, b2, sizeof b2),
                ccx_duration(r->set.t[r->last] - r->set.t[r->first], b3, sizeof b3));
        if (a->rss >= 0 && b->rss >= 0)
            fprintf(f, "; process RSS %s", ccx_szs(b->rss - a->rss, b1, sizeof b1));
        fputs(".\n", f);
    } else {
        const struct ccx_meta *m = &r->set.meta[0];
        fprintf(f, "One snapshot: %s traced live in %zu sites", ccx_sz(m->sites_bytes, b1, sizeof b1), m->nsites);
        if (m->rss >= 0)
            fprintf(f, ", RSS %s", ccx_sz(m->rss, b2, sizeof b2));
        fputs(" (give two or more snapshots to see growth).\n", f);
    }
}

static double value_of(const struct rep *r, const struct ccx_grow *g)
{
    return r->kind == 3 ? g->fit.growth : r->kind == 2 ? g->delta : g->new_b;
}

static void figure_of(const struct rep *r, const struct ccx_grow *g, char *buf, size_t len)
{
    char b1[48], b2[48], b3[48];
    if (r->kind == 3)
        snprintf(buf, len, "%s %s, %s, fit R² %.2f, now %s", ccx_rate(g->fit.slope, b1, sizeof b1),
                 ccx_pm_rate(g->fit.se, b2, sizeof b2), ccx_class_name(g->cls), g->fit.r2, ccx_sz(g->new_b, b3, sizeof b3));
    else if (r->kind == 2)
        snprintf(buf, len, "%s %s%s, now %s", ccx_szs(g->delta, b1, sizeof b1), ccx_pm(g->se, b2, sizeof b2),
                 g->cls == CCX_STEADY ? ", significant" : ", not significant", ccx_sz(g->new_b, b3, sizeof b3));
    else
        snprintf(buf, len, "%s live %s", ccx_sz(g->new_b, b1, sizeof b1), ccx_pm(g->se, b2, sizeof b2));
}

/* Whether a row is shown with its whole stack: every row of a
 * one-snapshot report, significant growth otherwise (steady or stopped in
 * a trend, significant in a diff).  The rest, noise, go in one table. */
static int with_stack(const struct rep *r, const struct ccx_grow *g)
{
    return r->kind == 1 || g->cls == CCX_STEADY || g->cls == CCX_STOPPED;
}

static void site_stack(FILE *f, const struct rep *r, const struct ccx_grow *g, size_t num, int html)
{
    const struct ccx_table *t = r->set.sites;
    char fig[200];
    figure_of(r, g, fig, sizeof fig);
    if (html) {
        fprintf(f, "<h3>%zu. <code>", num);
        ccx_put_xml(f, ccx_table_str(t, g->row->label));
        fputs("</code></h3>\n<p>", f);
        ccx_put_xml(f, fig);
        fputs("</p>\n<pre class=\"stack\">", f);
    } else {
        fprintf(f, "### %zu. `", num);
        ccx_put_md(f, ccx_table_str(t, g->row->label));
        fprintf(f, "`\n\n%s\n\n```\n", fig);
    }
    for (uint32_t q = 0; q < g->row->stack_len; q++) {
        const struct ccx_tframe *fr = ccx_row_frame(t, g->row, q);
        if (html) {
            fputs(fr->py ? "<b>" : "", f);
            ccx_put_xml(f, ccx_table_str(t, fr->label));
            fputs(fr->py ? "</b>\n" : "\n", f);
        } else {
            fprintf(f, "%s\n", ccx_table_str(t, fr->label));
        }
    }
    fputs(html ? "</pre>\n" : "```\n\n", f);
}

/* One cell: escaped text, in a code span when code, right-aligned when
 * a figure (html), or a Markdown cell. */
static void cell(FILE *f, const char *text, int code, int html)
{
    if (html) {
        fputs(code ? "<td><code>" : "<td class=\"n\">", f);
        ccx_put_xml(f, text);
        fputs(code ? "</code></td>" : "</td>", f);
    } else {
        fputs(code ? " `" : " ", f);
        ccx_put_md(f, text);
        fputs(code ? "` |" : " |", f);
    }
}

static void noise_row(FILE *f, const struct rep *r, const struct ccx_grow *g, int html)
{
    const struct ccx_table *t = r->set.sites;
    char b1[48], b2[48], b3[48];
    fputs(html ? "<tr>" : "|", f);
    cell(f, ccx_table_str(t, g->row->label), 1, html);
    cell(f, g->row->stack_len ? ccx_table_str(t, ccx_row_frame(t, g->row, 0)->label) : "?", 1, html);
    if (r->kind == 3) {
        char r2[16];
        cell(f, ccx_rate(g->fit.slope, b1, sizeof b1), 0, html);
        cell(f, ccx_pm_rate(g->fit.se, b2, sizeof b2), 0, html);
        snprintf(r2, sizeof r2, "%.2f", g->fit.r2);
        cell(f, r2, 0, html);
    } else {
        cell(f, ccx_szs(g->delta, b1, sizeof b1), 0, html);
        cell(f, ccx_pm(g->se, b2, sizeof b2), 0, html);
    }
    cell(f, ccx_sz(g->new_b, b3, sizeof b3), 0, html);
    fputs(html ? "</tr>\n" : "\n", f);
}

/* The noise rows in one table: site, the frame that allocated, growth,
 * its uncertainty, the fit (trend) and the size now. */
static void noise_table(FILE *f, const struct rep *r, size_t npos, size_t lim, int html)
{
    size_t n = 0;
    for (size_t j = 0; j < npos && n < lim; j++)
        n += !with_stack(r, &r->g[j]);
    if (n == 0)
        return;
    const char *grow = r->kind == 3 ? "rate" : "change";
    char intro[256];
    snprintf(intro, sizeof intro, "%zu site%s grew, but not significantly (within the uncertainty, or below the "
             "minimum size): no leak on this evidence. Largest growth first, stacks left out.", n, n == 1 ? "" : "s");
    if (html)
        fprintf(f, "<h3>Other sites that grew: noise</h3>\n<p>%s</p>\n<table class=\"noise\"><tr><th>site</th>"
                   "<th>allocated in</th><th>%s</th><th>&#177;</th>%s<th>now</th></tr>\n",
                intro, grow, r->kind == 3 ? "<th>fit R&#178;</th>" : "");
    else
        fprintf(f, "### Other sites that grew: noise\n\n%s\n\n| site | allocated in | %s | ± |%s now |\n"
                   "|---|---|---:|---:|%s---:|\n",
                intro, grow, r->kind == 3 ? " fit R² |" : "", r->kind == 3 ? "---:|" : "");
    size_t shown = 0;
    for (size_t j = 0; j < npos && shown < n; j++) {
        const struct ccx_grow *g = &r->g[j];
        if (with_stack(r, g))
            continue;
        shown++;
        noise_row(f, r, g, html);
    }
    fputs(html ? "</table>\n" : "\n", f);
}

/* The top rows: significant growth with whole stacks, then the noise in
 * one table; at most lim of each. */
static void sites(FILE *f, const struct rep *r, int html)
{
    size_t n = 0;
    for (size_t j = 0; j < r->npos && n < r->lim; j++)
        if (with_stack(r, &r->g[j]))
            site_stack(f, r, &r->g[j], ++n, html);
    if (n == 0 && r->npos == 0)
        fputs(html ? "<p>No site grew.</p>\n" : "No site grew.\n\n", f);
    else if (n == 0)
        fputs(html ? "<p>No site grew significantly.</p>\n" : "No site grew significantly.\n\n", f);
    if (r->kind > 1)
        noise_table(f, r, r->npos, r->lim, html);
}

static int flame(FILE *f, const struct rep *r)
{
    const struct ccx_table *t = r->set.sites;
    struct ccx_flame *fl = ccx_flame_new("all");
    const char **fr = NULL;
    size_t cap = 0;
    int rc = fl ? 0 : -1;
    for (size_t j = 0; j < r->ng && rc == 0; j++) {
        const struct ccx_grow *g = &r->g[j];
        double v = value_of(r, g);
        if (!(v > 0))
            continue;
        size_t n = g->row->stack_len + 1;
        if (n > cap) {
            const char **p = realloc(fr, n * sizeof *p);
            if (!p) {
                rc = -1;
                break;
            }
            fr = p;
            cap = n;
        }
        for (uint32_t q = 0; q < g->row->stack_len; q++) /* root first */
            fr[g->row->stack_len - 1 - q] = ccx_table_str(t, ccx_row_frame(t, g->row, q)->label);
        fr[n - 1] = ccx_layer_name(g->row->layer);
        rc = ccx_flame_add(fl, fr, n, v);
    }
    if (rc == 0)
        ccx_flame_svg(f, fl, r->kind >= 2 ? "growth by stack (width = bytes grown)" : "live memory by stack");
    free(fr);
    ccx_flame_free(fl);
    return rc;
}

static void memory_chart(FILE *f, const struct rep *r)
{
    struct ccx_series s[2];
    size_t k = r->set.k, ns = 0;
    double *x = calloc(4 * k, sizeof *x);
    if (!x)
        return;
    double *y1 = x + k, *y2 = x + 2 * k, *x1 = x + 3 * k;
    size_t n1 = 0, n2 = 0;
    for (size_t i = 0; i < k; i++) {
        const struct ccx_meta *m = &r->set.meta[r->set.order[i]];
        double t = r->set.t[r->set.order[i]];
        if (m->rss >= 0) {
            x1[n1] = t;
            y1[n1++] = m->rss;
        }
        x[n2] = t;
        y2[n2++] = m->has_totals ? m->live_bytes : m->sites_bytes;
    }
    if (n1) {
        s[ns++] = (struct ccx_series){(char *)"process RSS", x1, y1, n1, ccx_ols_slope(x1, y1, n1)};
    }
    s[ns++] = (struct ccx_series){(char *)"traced live (estimate)", x, y2, n2, ccx_ols_slope(x, y2, n2)};
    ccx_svg_lines(f, s, ns, "memory over the snapshots");
    free(x);
}

static void memory_table(FILE *f, const struct rep *r, int html)
{
    char b1[48], b2[48], b3[48], b4[48];
    if (html)
        fputs("<table class=\"memory\"><tr><th>seq</th><th>time (UTC)</th><th>uptime</th><th>RSS</th><th>traced live</th>"
              "<th>malloc heap in use</th></tr>\n", f);
    else
        fputs("| seq | time (UTC) | uptime | RSS | traced live | malloc heap in use |\n|---:|---|---:|---:|---:|---:|\n", f);
    for (size_t i = 0; i < r->set.k; i++) {
        const struct ccx_meta *m = &r->set.meta[r->set.order[i]];
        fprintf(f, html ? "<tr><td class=\"n\">%.0f</td><td>" : "| %.0f | ", m->seq);
        if (html) /* the snapshot's own string */
            ccx_put_xml(f, s_or(m->time_str));
        else
            ccx_put_md(f, s_or(m->time_str));
        fprintf(f, html ? "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n"
                        : " | %s | %s | %s | %s |\n",
                ccx_duration(m->uptime_s, b1, sizeof b1), m->rss >= 0 ? ccx_sz(m->rss, b2, sizeof b2) : "-",
                ccx_sz(m->has_totals ? m->live_bytes : m->sites_bytes, b3, sizeof b3),
                m->heap_in_use >= 0 ? ccx_sz(m->heap_in_use, b4, sizeof b4) : "-");
    }
    fputs(html ? "</table>\n" : "\n", f);
}

static char *sidecar(const char *out, const char *what)
{
    size_t n = strlen(out) + strlen(what) + 8;
    char *p = malloc(n);
    if (!p)
        return NULL;
    snprintf(p, n, "%s", out);
    size_t l = strlen(p);
    if (l > 3 && strcmp(p + l - 3, ".md") == 0)
        p[l - 3] = '\0';
    strcat(p, what);
    return p;
}

static int render_svg_file(const char *path, const struct rep *r, int which)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return -1;
    if (which)
        memory_chart(f, r);
    else
        flame(f, r);
    fclose(f);
    int rc = ccx_write_file_atomic(path, buf, len);
    free(buf);
    return rc;
}

/* The rows to show: a trend (three or more snapshots with times), a diff
 * (two, or several with one time) or what is live (one).  0, or -1 when
 * out of memory. */
static int compute(struct rep *r, const struct ccx_opts *op)
{
    size_t k = r->set.k;
    r->first = r->set.order[0];
    r->last = r->set.order[k - 1];
    r->lim = op->n > 0 ? (size_t)op->n : 20;
    r->kind = k >= 3 && r->set.t[r->last] > 0 ? 3 : k >= 2 ? 2 : 1;
    if (r->kind == 3) {
        if (ccx_trend_compute(&r->set, op->min_bytes, &r->tr) < 0)
            return -1;
        r->g = r->tr.g;
        for (r->npos = 0; r->npos < r->tr.n && r->tr.g[r->npos].fit.slope > 0; r->npos++)
            ;
    } else if (r->kind == 2) {
        /* two snapshots, or several with one time: diff first -> last */
        if (ccx_diff_compute(&r->set, r->first, r->last, op->min_bytes, &r->d) < 0)
            return -1;
        r->g = r->d.g;
        for (r->npos = 0; r->npos < r->d.n && r->d.g[r->npos].delta > 0; r->npos++)
            ;
    } else {
        /* one snapshot: rows by live bytes, reuse the diff machinery against itself */
        if (ccx_diff_compute(&r->set, 0, 0, op->min_bytes, &r->d) < 0)
            return -1;
        for (size_t j = 0; j < r->d.n; j++)
            r->d.g[j].se = sqrt(r->d.g[j].row->var[0]);
        r->g = r->d.g;
        for (size_t j = 0; j < r->d.n; j++) /* insertion sort by live bytes */
            for (size_t q = j; q > 0 && r->g[q].new_b > r->g[q - 1].new_b; q--) {
                struct ccx_grow tmp = r->g[q];
                r->g[q] = r->g[q - 1];
                r->g[q - 1] = tmp;
            }
        r->npos = r->d.n;
    }
    r->ng = r->npos < r->lim ? r->npos : r->lim;
    return 0;
}

/* Right-aligned figures, holder paths as indented monospace lists. */
#define HTML_STYLE                                                                                                     \
    "body{font-family:sans-serif;max-width:1250px;margin:1em auto;padding:0 1em}"                                     \
    "pre{background:#f6f6f6;padding:.5em;overflow-x:auto}table{border-collapse:collapse;margin:.5em 0}"                \
    "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}th{background:#f0f0f0;white-space:nowrap}"           \
    "td.n{text-align:right;white-space:nowrap}h4{margin:1em 0 .3em}h4 code{font-size:1.1em}.holder p{margin:.4em 0 .2em}"                     \
    "ol.path{font-family:monospace;background:#f6f6f6;margin:0 0 .6em;padding:.4em .5em .4em 2.5em}"                 \
    "ol.path code.via{display:inline-block;min-width:16ch;margin-right:1ch}.how{color:#666}"

static void html_report(FILE *f, const struct rep *r)
{
    const struct ccx_meta *m = &r->set.meta[r->last];
    fputs("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>ccxtrace memory report</title>\n"
          "<style>" HTML_STYLE "</style></head><body>\n<h1>ccxtrace memory report</h1>\n<h2>Environment</h2>\n",
          f);
    environment(f, r, 1);
    fputs("<h2>Headline</h2>\n<p>", f);
    char *hb = NULL;
    size_t hl = 0;
    FILE *hf = open_memstream(&hb, &hl);
    if (hf) {
        headline(hf, r, 0);
        fclose(hf);
        ccx_put_xml(f, hb);
        free(hb);
    }
    fprintf(f, "</p>\n<h2 id=\"sites\">%s</h2>\n", r->set.k >= 2 ? "Top growing sites" : "Top sites");
    sites(f, r, 1);
    fputs("<h2 id=\"flame\">Flame graph of the growth</h2>\n", f);
    flame(f, r);
    fputs("<h2 id=\"memory\">Memory over time</h2>\n", f);
    memory_chart(f, r);
    memory_table(f, r, 1);
    fputs("<h2 id=\"python\">Python objects and gc</h2>\n", f);
    if (r->set.k >= 2)
        ccx_html_python_changes(f, &r->set, r->first, r->last, r->lim);
    else if (!m->has_py)
        fputs("<p>(no Python section in the snapshot)</p>\n", f);
    else
        ccx_html_holders(f, m->holders, m->path);
    fputs("<p><small>Generated by ccx-analyze report. Significance: growth counts when above the "
          "family-wise (1%) threshold of sampling standard errors and the minimum size; see docs/analyzer.md."
          "</small></p>\n</body></html>\n",
          f);
}

static const char *base_name(const char *p)
{
    return strrchr(p, '/') ? strrchr(p, '/') + 1 : p;
}

/* Markdown; with -o FILE the two SVGs are written beside it.  0 or 2. */
static int md_report(struct ccx_out *o, const struct rep *r, const char *outfile)
{
    FILE *f = o->f;
    const struct ccx_meta *m = &r->set.meta[r->last];
    char *flame_path = NULL, *mem_path = NULL;
    int rc = 0;
    fputs("# ccxtrace memory report\n\n## Environment\n\n", f);
    environment(f, r, 0);
    fputs("\n## Headline\n\n", f);
    headline(f, r, 1);
    fprintf(f, "\n## %s\n\n", r->set.k >= 2 ? "Top growing sites" : "Top sites");
    sites(f, r, 0);
    fputs("## Flame graph of the growth\n\n", f);
    if (outfile) {
        flame_path = sidecar(outfile, ".flame.svg");
        mem_path = sidecar(outfile, ".memory.svg");
        if (!flame_path || !mem_path) {
            ccx_err("out of memory");
            rc = 2;
        } else
            fprintf(f, "![flame graph of the growth](%s)\n\n", base_name(flame_path));
    } else {
        fputs("(with `-o FILE.md` the SVG is written beside the report; `--format html` embeds it)\n\n", f);
    }
    fputs("## Memory over time\n\n", f);
    if (mem_path)
        fprintf(f, "![memory over time](%s)\n\n", base_name(mem_path));
    memory_table(f, r, 0);
    fputs("## Python objects and gc\n", f);
    if (r->set.k >= 2)
        ccx_print_python_changes(o, &r->set, r->first, r->last, r->lim, 1);
    else if (!m->has_py)
        fputs("\n(no Python section in the snapshot)\n", f);
    else
        ccx_holders_print(f, m->holders, m->path, 1);
    fputs("\n---\nGenerated by `ccx-analyze report`. Significance: growth counts when above the family-wise (1%) "
          "threshold of sampling standard errors and the minimum size; see docs/analyzer.md.\n",
          f);
    if (rc == 0 && flame_path && mem_path) {
        if (render_svg_file(flame_path, r, 0) < 0 || render_svg_file(mem_path, r, 1) < 0) {
            ccx_err("%s: cannot write: %m", flame_path);
            unlink(flame_path);
            rc = 2;
        }
    }
    free(flame_path);
    free(mem_path);
    return rc;
}

/* Several processes, one of them with a trend: the fleet report
 * (report_fleet.c).  Returns its exit status, or -1 for the one-process
 * report below. */
static int report_several(const struct ccx_opts *op, struct ccx_out *o)
{
    struct ccx_procs ps;
    int rc = ccx_load_procs_of(op, op->inputs, op->ninputs, 3, &ps);
    if (rc)
        return rc;
    size_t nfit = 0;
    for (size_t i = 0; i < ps.n; i++)
        nfit += !ps.p[i].left_out;
    rc = ps.n > 1 && nfit ? ccx_report_fleet(op, o, &ps) : -1;
    ccx_procs_free(&ps);
    return rc;
}

int ccx_cmd_report(const struct ccx_opts *op, struct ccx_out *o)
{
    if (o->fmt != CCX_FMT_MARKDOWN && o->fmt != CCX_FMT_HTML) {
        ccx_err("report: format %s is not available (markdown, html)", ccx_fmt_name(o->fmt));
        return 2;
    }
    int rc = report_several(op, o);
    if (rc >= 0)
        return rc;
    struct rep r;
    memset(&r, 0, sizeof r);
    rc = ccx_load_inputs(op, 1, 0, "report needs one or more snapshots", &r.set);
    if (rc)
        return rc;
    if (compute(&r, op) < 0) {
        ccx_err("out of memory");
        rc = 2;
    } else if (o->fmt == CCX_FMT_HTML) {
        html_report(o->f, &r);
    } else {
        rc = md_report(o, &r, op->outfile);
    }
    free(r.tr.g);
    free(r.d.g);
    ccx_set_free(&r.set);
    return rc;
}
