/* print_trend.c - a trend's figures as trend, its fleet view and report
 * print them: the one-line headline (text or Markdown) and the JSON parts
 * (headline, rows, Python types).  Printing only; the trend itself is
 * computed in analysis.c. */
#include "print_trend.h"

#include "cmd.h"

#include <assert.h>

void ccx_trend_headline(FILE *f, const struct ccx_trend *tr, int md)
{
    char b1[48], b2[48];
    const char *B = md ? "**" : "";
    if (tr->n_steady) {
        const struct ccx_grow *top = NULL;
        for (size_t j = 0; j < tr->n && !top; j++)
            if (tr->g[j].cls == CCX_STEADY)
                top = &tr->g[j];
        assert(top); /* n_steady counts the rows classed steady */
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
