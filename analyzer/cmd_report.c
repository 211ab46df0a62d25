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
#include "svg.h"

void ccx_trend_headline(FILE *f, const struct ccx_trend *tr, int md);

struct rep {
    struct ccx_set set;
    struct ccx_diff d;    /* k == 2 */
    struct ccx_trend tr;  /* k >= 3 */
    struct ccx_grow *g;   /* rows to show, by growth */
    size_t ng;
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

static void sites(FILE *f, const struct rep *r, int html)
{
    const struct ccx_table *t = r->set.sites;
    char fig[200];
    for (size_t j = 0; j < r->ng; j++) {
        const struct ccx_grow *g = &r->g[j];
        figure_of(r, g, fig, sizeof fig);
        if (html) {
            fprintf(f, "<h3>%zu. <code>", j + 1);
            ccx_put_xml(f, ccx_table_str(t, g->row->label));
            fputs("</code></h3>\n<p>", f);
            ccx_put_xml(f, fig);
            fputs("</p>\n<pre>", f);
        } else {
            fprintf(f, "### %zu. `", j + 1);
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
    if (r->ng == 0)
        fputs(html ? "<p>No site grew.</p>\n" : "No site grew.\n\n", f);
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
        fputs("<table><tr><th>seq</th><th>time (UTC)</th><th>uptime</th><th>RSS</th><th>traced live</th><th>malloc heap in use</th></tr>\n", f);
    else
        fputs("| seq | time (UTC) | uptime | RSS | traced live | malloc heap in use |\n|---:|---|---:|---:|---:|---:|\n", f);
    for (size_t i = 0; i < r->set.k; i++) {
        const struct ccx_meta *m = &r->set.meta[r->set.order[i]];
        const char *fmt = html ? "<tr><td>%.0f</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n"
                               : "| %.0f | %s | %s | %s | %s | %s |\n";
        fprintf(f, fmt, m->seq, s_or(m->time_str), ccx_duration(m->uptime_s, b1, sizeof b1),
                m->rss >= 0 ? ccx_sz(m->rss, b2, sizeof b2) : "-",
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
    size_t k = r.set.k;
    r.first = r.set.order[0];
    r.last = r.set.order[k - 1];
    size_t lim = op->n > 0 ? (size_t)op->n : 20;
    r.kind = k >= 3 && r.set.t[r.last] > 0 ? 3 : k >= 2 ? 2 : 1;
    if (r.kind == 3) {
        if (ccx_trend_compute(&r.set, op->min_bytes, &r.tr) < 0)
            rc = 2;
        r.g = r.tr.g;
        for (r.ng = 0; r.ng < r.tr.n && r.ng < lim && r.tr.g[r.ng].fit.slope > 0; r.ng++)
            ;
    } else if (r.kind == 2) {
        /* two snapshots, or several with one time: diff first -> last */
        if (ccx_diff_compute(&r.set, r.first, r.last, op->min_bytes, &r.d) < 0)
            rc = 2;
        r.g = r.d.g;
        for (r.ng = 0; r.ng < r.d.n && r.ng < lim && r.d.g[r.ng].delta > 0; r.ng++)
            ;
    } else {
        /* one snapshot: rows by live bytes, reuse the diff machinery against itself */
        if (ccx_diff_compute(&r.set, 0, 0, op->min_bytes, &r.d) < 0)
            rc = 2;
        for (size_t j = 0; j < r.d.n; j++)
            r.d.g[j].se = sqrt(r.d.g[j].row->var[0]);
        r.g = r.d.g;
        /* sort by live bytes: insertion into the first lim places */
        for (size_t j = 0; j < r.d.n && rc == 0; j++)
            for (size_t q = j; q > 0 && r.g[q].new_b > r.g[q - 1].new_b; q--) {
                struct ccx_grow tmp = r.g[q];
                r.g[q] = r.g[q - 1];
                r.g[q - 1] = tmp;
            }
        r.ng = r.d.n < lim ? r.d.n : lim;
    }
    if (rc) {
        ccx_err("out of memory");
        free(r.tr.g);
        free(r.d.g);
        ccx_set_free(&r.set);
        return 2;
    }
    FILE *f = o->f;
    int html = o->fmt == CCX_FMT_HTML;
    const struct ccx_meta *m = &r.set.meta[r.last];
    char *flame_path = NULL, *mem_path = NULL;
    if (html) {
        fputs("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>ccxtrace memory report</title>\n"
              "<style>body{font-family:sans-serif;max-width:1250px;margin:1em auto;padding:0 1em}"
              "pre{background:#f6f6f6;padding:.5em;overflow-x:auto}table{border-collapse:collapse}"
              "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}.env th{background:#f0f0f0}</style>"
              "</head><body>\n<h1>ccxtrace memory report</h1>\n<h2>Environment</h2>\n",
              f);
        environment(f, &r, 1);
        fputs("<h2>Headline</h2>\n<p>", f);
        char *hb = NULL;
        size_t hl = 0;
        FILE *hf = open_memstream(&hb, &hl);
        if (hf) {
            headline(hf, &r, 0);
            fclose(hf);
            ccx_put_xml(f, hb);
            free(hb);
        }
        fprintf(f, "</p>\n<h2>%s</h2>\n", k >= 2 ? "Top growing sites" : "Top sites");
        sites(f, &r, 1);
        fputs("<h2>Flame graph of the growth</h2>\n", f);
        flame(f, &r);
        fputs("<h2>Memory over time</h2>\n", f);
        memory_chart(f, &r);
        memory_table(f, &r, 1);
        fputs("<h2>Python objects and gc</h2>\n<pre>", f);
        struct ccx_out tmp = {0};
        tmp.f = open_memstream(&tmp.buf, &tmp.len);
        tmp.width = 120;
        if (tmp.f) {
            if (k >= 2)
                ccx_print_python_changes(&tmp, &r.set, r.first, r.last, lim, 0);
            else if (!m->has_py)
                fputs("(no Python section in the snapshot)\n", tmp.f);
            else
                ccx_holders_print(tmp.f, m->holders, m->path, 0);
            fclose(tmp.f);
            ccx_put_xml(f, tmp.buf ? tmp.buf : "");
            free(tmp.buf);
        }
        fputs("</pre>\n<p><small>Generated by ccx-analyze report. Significance: growth counts when above the "
              "family-wise (1%) threshold of sampling standard errors and the minimum size; see docs/analyzer.md."
              "</small></p>\n</body></html>\n",
              f);
    } else {
        fputs("# ccxtrace memory report\n\n## Environment\n\n", f);
        environment(f, &r, 0);
        fputs("\n## Headline\n\n", f);
        headline(f, &r, 1);
        fprintf(f, "\n## %s\n\n", k >= 2 ? "Top growing sites" : "Top sites");
        sites(f, &r, 0);
        fputs("## Flame graph of the growth\n\n", f);
        if (op->outfile) {
            flame_path = sidecar(op->outfile, ".flame.svg");
            mem_path = sidecar(op->outfile, ".memory.svg");
            if (!flame_path || !mem_path) {
                rc = 2;
            } else {
                fprintf(f, "![flame graph of the growth](%s)\n\n", strrchr(flame_path, '/') ? strrchr(flame_path, '/') + 1 : flame_path);
            }
        } else {
            fputs("(with `-o FILE.md` the SVG is written beside the report; `--format html` embeds it)\n\n", f);
        }
        fputs("## Memory over time\n\n", f);
        if (mem_path)
            fprintf(f, "![memory over time](%s)\n\n", strrchr(mem_path, '/') ? strrchr(mem_path, '/') + 1 : mem_path);
        memory_table(f, &r, 0);
        fputs("## Python objects and gc\n", f);
        if (k >= 2)
            ccx_print_python_changes(o, &r.set, r.first, r.last, lim, 1);
        else if (!m->has_py)
            fputs("\n(no Python section in the snapshot)\n", f);
        else
            ccx_holders_print(f, m->holders, m->path, 1);
        fputs("\n---\nGenerated by `ccx-analyze report`. Significance: growth counts when above the family-wise (1%) "
              "threshold of sampling standard errors and the minimum size; see docs/analyzer.md.\n",
              f);
    }
    if (rc == 0 && flame_path && mem_path) {
        if (render_svg_file(flame_path, &r, 0) < 0 || render_svg_file(mem_path, &r, 1) < 0) {
            ccx_err("%s: cannot write: %m", flame_path);
            unlink(flame_path);
            rc = 2;
        }
    }
    free(flame_path);
    free(mem_path);
    free(r.tr.g);
    free(r.d.g);
    ccx_set_free(&r.set);
    return rc;
}
