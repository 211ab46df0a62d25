/* print_python.c - the Python section that diff, trend and report print
 * for two snapshots of a set: gc collections between them, the census
 * change by type, the after_collect split (what gc.collect() reclaimed) and
 * the holders of the newer one; as text or Markdown, and the split as JSON.
 * Printing only: the figures come from analysis.c (ccx_types_diff,
 * ccx_reclaim_split).  The HTML form of the same section is report_html.c. */
#include "print_python.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "holders.h"

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

/* "gc: collections gen0 +N, ...; collected N objects; count now [...]". */
static void print_gc(struct ccx_out *o, const struct ccx_meta *a, const struct ccx_meta *b, int md)
{
    char b1[32], b2[32];
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

static int type_changed(const struct ccx_tdelta *td)
{
    return td->dcount != 0 || td->dbytes != 0 || td->reclaim_bytes != 0;
}

/* One census row: the type, its objects in snapshot ib, the changes and,
 * when b records an after_collect census, what gc.collect() reclaimed. */
static void print_type_row(struct ccx_out *o, const struct ccx_tdelta *td, size_t ib, int has_after, int md)
{
    char b1[32], b2[32], b3[32], b4[32], b5[32];
    if (md) {
        fputs("| `", o->f);
        ccx_put_md(o->f, td->t->name);
        fprintf(o->f, "` | %s | %s | %s |", ccx_count(td->t->count[ib], b1, sizeof b1),
                ccx_counts(td->dcount, b2, sizeof b2), ccx_szs(td->dbytes, b3, sizeof b3));
        if (has_after)
            fprintf(o->f, " %s (%s objects) |", ccx_sz(td->reclaim_bytes, b4, sizeof b4),
                    ccx_count(td->reclaim_count, b5, sizeof b5));
    } else {
        size_t len = strlen(td->t->name);
        fputs("  ", o->f);
        ccx_put_cut(o->f, td->t->name, 30);
        fprintf(o->f, "%*s %14s %12s %12s", 30 - (int)(len < 30 ? len : 30), "",
                ccx_count(td->t->count[ib], b1, sizeof b1), ccx_counts(td->dcount, b2, sizeof b2),
                ccx_szs(td->dbytes, b3, sizeof b3));
        if (has_after)
            fprintf(o->f, "  %s (%s)", ccx_sz(td->reclaim_bytes, b4, sizeof b4),
                    ccx_count(td->reclaim_count, b5, sizeof b5));
    }
    fputc('\n', o->f);
}

/* The census change by type, largest growth first: at most n rows of the
 * types that changed; nothing when none did. */
static void print_types(struct ccx_out *o, const struct ccx_set *set, size_t ia, size_t ib, size_t n, int md)
{
    const struct ccx_meta *b = &set->meta[ib];
    struct ccx_tdelta *td;
    size_t ntd = ccx_types_diff(set, ia, ib, &td);
    size_t changed = 0;
    for (size_t j = 0; j < ntd; j++)
        changed += type_changed(&td[j]);
    if (changed) {
        fprintf(o->f, md ? "\n**Python objects** (gc-tracked, by type, largest growth first):\n\n"
                         : "\nPython objects (gc-tracked census, by type, largest growth first):\n");
        if (md)
            fprintf(o->f, "| type | objects | change | bytes change |%s\n|---|---:|---:|---:|%s\n",
                    b->has_after ? " reclaimable (gc.collect()) |" : "", b->has_after ? "---:|" : "");
        else
            fprintf(o->f, "%s  %-30s %14s %12s %12s%s%s\n", ccx_c_bold(o), "type", "objects", "change", "bytes",
                    b->has_after ? "  reclaimable" : "", ccx_c_off(o));
        for (size_t j = 0; j < ntd && j < n; j++)
            if (type_changed(&td[j]))
                print_type_row(o, &td[j], ib, b->has_after, md);
    }
    free(td);
}

/* The after_collect split of the census growth (and of the traced heap),
 * or a hint how to get it when b has a census but no split. */
static void print_reclaim(struct ccx_out *o, const struct ccx_set *set, size_t ia, size_t ib, int md)
{
    struct ccx_reclaim rc;
    ccx_reclaim_split(set, ia, ib, &rc);
    if (rc.have) {
        char b1[32], b2[32], b3[32], b4[32];
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
    } else if (set->meta[ib].has_census)
        fprintf(o->f, "\n(no after_collect census: run with CCXTRACE_GC_COLLECT=1 to split growth into "
                      "reclaimable garbage and reachable memory)\n");
}

/* The deep census's table (python.deep): what the gc does not track. */
static void print_deep_row(struct ccx_out *o, const struct ccx_ddelta *d, int md)
{
    char b1[32], b2[32], b3[32];
    size_t len = strlen(d->name);
    if (md) {
        fputs("| `", o->f);
        ccx_put_md(o->f, d->name);
        fprintf(o->f, "` | %s | %s | %s |\n", ccx_count(d->count, b1, sizeof b1), ccx_counts(d->dcount, b2, sizeof b2),
                ccx_szs(d->dbytes, b3, sizeof b3));
        return;
    }
    fputs("  ", o->f);
    ccx_put_cut(o->f, d->name, 30);
    fprintf(o->f, "%*s %14s %12s %12s\n", 30 - (int)(len < 30 ? len : 30), "", ccx_count(d->count, b1, sizeof b1),
            ccx_counts(d->dcount, b2, sizeof b2), ccx_szs(d->dbytes, b3, sizeof b3));
}

static void print_deep(struct ccx_out *o, const struct ccx_set *set, size_t ia, size_t ib, size_t n, int md)
{
    struct ccx_ddelta *dd;
    size_t nd = ccx_deep_diff(set, ia, ib, &dd), shown = 0;
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
        print_deep_row(o, &dd[j], md);
    }
    free(dd);
}

void ccx_print_python_changes(struct ccx_out *o, const struct ccx_set *set, size_t ia, size_t ib, size_t n, int md)
{
    assert(ia < set->k && ib < set->k);
    const struct ccx_meta *a = &set->meta[ia], *b = &set->meta[ib];
    if (!a->has_py && !b->has_py)
        return;
    if (a->has_gc && b->has_gc)
        print_gc(o, a, b, md);
    print_types(o, set, ia, ib, n, md);
    print_deep(o, set, ia, ib, n, md);
    print_reclaim(o, set, ia, ib, md);
    ccx_holders_print(o->f, b->holders, b->path, md);
}
