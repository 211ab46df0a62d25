/* report_html.c - the "Python objects and gc" section of the HTML report
 * (see report_html.h).  Text goes through ccx_put_xml (out.h) everywhere:
 * type names, reprs, labels and file names come from the traced program.
 *
 * Layout, inside the report's <h2>:
 *   <h3>gc</h3>           table: generation, collections, objects collected
 *                         (both between the snapshots), count now, threshold
 *   <h3>Python objects by type</h3>
 *                         table: type, objects, change, bytes change and,
 *                         with an after_collect census, what gc.collect()
 *                         reclaimed (bytes, objects); one row per type
 *   <h3>After gc.collect()</h3>   the split as sentences
 *   <h3>Who holds them</h3>       per type an <h4>, per group of identical
 *                         paths a sentence and an <ol class="path">: one
 *                         <li> per object, root first, the way it is reached
 *                         from the item above in <code class="via">. */
#include "report_html.h"

#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "ccx_format.h"
#include "out.h"

/* <td class="n">TEXT</td>: a right-aligned figure (our own digits). */
static void num(FILE *f, const char *text)
{
    fprintf(f, "<td class=\"n\">%s</td>", text);
}

static void gc_table(FILE *f, const struct ccx_meta *a, const struct ccx_meta *b)
{
    char b1[32], b2[32], b3[32], b4[32];
    fputs("<h3>gc</h3>\n<table class=\"gc\"><tr><th>generation</th><th>collections</th>"
          "<th>objects collected</th><th>count now</th><th>threshold</th></tr>\n",
          f);
    double call = 0, coll = 0;
    for (int g = 0; g < 3; g++) {
        double c = b->gc_collections[g] - a->gc_collections[g], k = b->gc_collected[g] - a->gc_collected[g];
        call += c;
        coll += k;
        fprintf(f, "<tr><td>gen%d</td>", g);
        num(f, ccx_counts(c, b1, sizeof b1));
        num(f, ccx_counts(k, b2, sizeof b2));
        num(f, ccx_count(b->gc_count[g], b3, sizeof b3));
        num(f, ccx_count(b->gc_threshold[g], b4, sizeof b4));
        fputs("</tr>\n", f);
    }
    fputs("<tr><th>all</th>", f);
    num(f, ccx_counts(call, b1, sizeof b1));
    num(f, ccx_counts(coll, b2, sizeof b2));
    fputs("<td></td><td></td></tr>\n</table>\n<p>Collections and objects collected: the change from the first "
          "to the last snapshot; count and threshold: the last snapshot's.</p>\n",
          f);
}

static int changed(const struct ccx_tdelta *t)
{
    return t->dcount != 0 || t->dbytes != 0 || t->reclaim_bytes != 0;
}

static void census_table(FILE *f, const struct ccx_set *set, size_t ia, size_t ib, size_t n)
{
    const struct ccx_meta *b = &set->meta[ib];
    char b1[32], b2[32], b3[32];
    struct ccx_tdelta *td = NULL;
    size_t ntd = ccx_types_diff(set, ia, ib, &td), nchanged = 0;
    for (size_t j = 0; j < ntd; j++)
        nchanged += changed(&td[j]);
    if (!nchanged) {
        if (b->has_census)
            fputs("<p>No gc-tracked type changed between the first and the last snapshot.</p>\n", f);
        free(td);
        return;
    }
    fputs("<h3>Python objects by type</h3>\n<p>The gc-tracked census, largest growth in bytes first; objects: "
          "the last snapshot's count.</p>\n<table class=\"census\"><tr><th>type</th><th>objects</th>"
          "<th>change</th><th>bytes change</th>",
          f);
    if (b->has_after)
        fputs("<th>reclaimable by gc.collect()</th><th>reclaimable objects</th>", f);
    fputs("</tr>\n", f);
    for (size_t j = 0; j < ntd && j < n; j++) {
        if (!changed(&td[j]))
            continue;
        fputs("<tr><td><code>", f);
        ccx_put_xml(f, td[j].t->name);
        fputs("</code></td>", f);
        num(f, ccx_count(td[j].t->count[ib], b1, sizeof b1));
        num(f, ccx_counts(td[j].dcount, b2, sizeof b2));
        num(f, ccx_szs(td[j].dbytes, b3, sizeof b3));
        if (b->has_after) {
            num(f, ccx_sz(td[j].reclaim_bytes, b1, sizeof b1));
            num(f, ccx_count(td[j].reclaim_count, b2, sizeof b2));
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
    free(td);
}

static void reclaim(FILE *f, const struct ccx_set *set, size_t ia, size_t ib)
{
    char b1[48], b2[48], b3[48], b4[48];
    struct ccx_reclaim rc;
    ccx_reclaim_split(set, ia, ib, &rc);
    if (!rc.have) {
        if (set->meta[ib].has_census)
            fputs("<p>(no after_collect census: run with <code>CCXTRACE_GC_COLLECT=1</code> to split growth into "
                  "reclaimable garbage and reachable memory)</p>\n",
                  f);
        return;
    }
    fprintf(f,
            "<h3>After gc.collect()</h3>\n<p>Of the census growth %s, %s was cyclic garbage (reclaimable, %s "
            "objects collected) and %s is still reachable.</p>\n",
            ccx_szs(rc.growth, b1, sizeof b1), ccx_sz(rc.reclaimable, b2, sizeof b2),
            ccx_count(rc.collected, b4, sizeof b4), ccx_szs(rc.reachable, b3, sizeof b3));
    if (rc.heap_have)
        fprintf(f,
                "<p>Traced heap (the objects with what they own): of the growth %s, gc.collect() freed %s and %s "
                "is still reachable.</p>\n",
                ccx_szs(rc.heap_growth, b1, sizeof b1), ccx_sz(rc.heap_reclaimable, b2, sizeof b2),
                ccx_szs(rc.heap_reachable, b3, sizeof b3));
}

void ccx_html_python_changes(FILE *f, const struct ccx_set *set, size_t ia, size_t ib, size_t n)
{
    const struct ccx_meta *a = &set->meta[ia], *b = &set->meta[ib];
    if (!a->has_py && !b->has_py) {
        fputs("<p>(no Python section in the snapshots)</p>\n", f);
        return;
    }
    if (a->has_gc && b->has_gc)
        gc_table(f, a, b);
    census_table(f, set, ia, ib, n);
    reclaim(f, set, ia, ib);
    ccx_html_holders(f, b->holders, b->path);
}

/* ---- holders ------------------------------------------------------------- */

/* The root item: what it is, then which root and how many references
 * from outside the gc heap hold it. */
static void root_item(FILE *f, const struct ccx_hold_elem *e)
{
    fputs("<li class=\"root\"><code class=\"via\"></code> <span class=\"obj\">", f);
    ccx_put_xml(f, e->repr ? e->repr : e->type);
    fputs("</span> <span class=\"how\">&lt;- root: ", f);
    ccx_put_xml(f, e->label ? e->label : "?");
    if (e->detail) {
        fputs(" (", f);
        ccx_put_xml(f, e->detail);
        fputc(')', f);
    }
    if (e->refs >= 0) {
        char b1[32];
        fprintf(f, ", %s reference%s from outside the gc heap", ccx_count(e->refs, b1, sizeof b1),
                e->refs == 1 ? "" : "s");
    }
    fputs("</span></li>\n", f);
}

static void path_list(FILE *f, const struct ccx_hold_path *p)
{
    fputs("<ol class=\"path\">\n", f);
    for (size_t k = 0; k < p->n; k++) {
        const struct ccx_hold_elem *e = &p->e[k];
        if (k == 0) {
            root_item(f, e);
            continue;
        }
        char acc[96];
        ccx_holders_accessor(e, acc, sizeof acc);
        fputs("<li><code class=\"via\">", f);
        ccx_put_xml(f, acc);
        fputs("</code> <span class=\"obj\">", f);
        ccx_put_xml(f, e->repr ? e->repr : e->type);
        fputs("</span>", f);
        if (e->repr && e->type && !strstr(e->repr, e->type)) {
            fputs(" <span class=\"how\">(", f);
            ccx_put_xml(f, e->type);
            fputs(")</span>", f);
        }
        fputs("</li>\n", f);
    }
    fputs("</ol>\n", f);
}

static void holder_type(FILE *f, const struct ccx_hold_type *t)
{
    char b1[32], b2[32];
    fputs("<h4><code>", f);
    ccx_put_xml(f, t->name);
    fprintf(f, "</code>: %s instances", ccx_count(t->count, b1, sizeof b1));
    if (t->has_growth)
        fprintf(f, " (%s since the previous snapshot)", ccx_counts(t->growth, b2, sizeof b2));
    if (t->why && strcmp(t->why, CCX_HOLD_WHY_NAMED) == 0)
        fputs(", named in <code>CCXTRACE_HOLDERS_TYPES</code>", f);
    fputs("</h4>\n", f);
    struct ccx_hold_group *g = calloc(t->npaths ? t->npaths : 1, sizeof *g);
    size_t ng = g ? ccx_holders_groups(t, g) : 0;
    for (size_t k = 0; k < ng; k++) {
        fprintf(f, "<div class=\"holder\"><p>%zu of %s ", g[k].count, ccx_count(t->examined, b1, sizeof b1));
        ccx_put_xml(f, t->name);
        fprintf(f, " instances: held by%s</p>\n",
                g[k].labels_vary ? " (indices or keys differ; the first one shown)" : "");
        path_list(f, g[k].path);
        fputs("</div>\n", f);
    }
    free(g);
    if (t->garbage > 0) {
        fprintf(f, "<p class=\"holder\">%s of %s ", ccx_count(t->garbage, b1, sizeof b1),
                ccx_count(t->examined, b2, sizeof b2));
        ccx_put_xml(f, t->name);
        fputs(" instances: cyclic garbage (no root reaches them; the next collection of their generation "
              "frees them)</p>\n",
              f);
    }
    if (t->examined == 0)
        fputs("<p class=\"holder\">(no instance examined)</p>\n", f);
}

void ccx_html_holders(FILE *f, const struct ccx_holders *h, const char *snapshot)
{
    if (!h)
        return;
    char b1[32];
    const char *base = snapshot ? strrchr(snapshot, '/') : NULL;
    base = base ? base + 1 : snapshot ? snapshot : "?";
    fputs("<h3>Who holds them</h3>\n<p><code>python.holders</code> in <code>", f);
    ccx_put_xml(f, base);
    fputs("</code>: ", f);
    if (h->error) {
        fputs("the tracer could not search: ", f);
        ccx_put_xml(f, h->error);
        fputs("</p>\n", f);
        return;
    }
    fprintf(f, "%s objects searched in %.1f ms. Each path starts at a root; every line below it is reached from "
               "the line above by the attribute, key, index or local named on its left.</p>\n",
            ccx_count(h->objects, b1, sizeof b1), h->search_ms);
    for (size_t i = 0; i < h->ntypes; i++)
        holder_type(f, &h->types[i]);
}
