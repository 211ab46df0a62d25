/* diff_sets.c - `ccx-analyze diff OLD... -- NEW...` (or two
 * directories): like with like.  Each process found in both sets (by
 * instance_id, else host, pid and start time) is diffed on its own, from
 * its latest snapshot in OLD to its latest in NEW; the changes are summed
 * per site within each group of processes (--group-by, --cmd: group.h) with
 * their variances, and classified by diff's family-wise rule.  Processes in
 * only one set are named and left out; the output says what was done.  Two
 * single snapshots are the classic diff (diff_pair.c). */
#include "diff.h"

#include "cmd.h"
#include "fleet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct pair {
    size_t io, in; /* process in OLD, in NEW */
    double growth; /* its summed change over all sites */
    size_t n_sig;
};

static int expand(char **in, int n, char ***out, long *k)
{
    *k = ccx_expand_inputs(in, n, out);
    return *k < 0 ? -1 : 0;
}

static void free_paths(char **v, long n)
{
    for (long i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* One side given as one snapshot on each side: the classic diff. */
static int classic(const struct ccx_opts *op, struct ccx_out *o, char *a, char *b)
{
    char *two[2] = {a, b};
    struct ccx_opts p = *op;
    p.inputs = two;
    p.ninputs = 2;
    p.split = 0;
    return ccx_diff_pair(&p, o);
}

static int diff_one(struct ccx_fleet *fl, const struct ccx_procs *po, struct pair *pr, enum ccx_by by)
{
    const struct ccx_proc *a = &po->p[pr->io], *b = &fl->ps->p[pr->in];
    char *paths[2] = {a->paths[a->npaths - 1], b->paths[b->npaths - 1]};
    struct ccx_set set;
    struct ccx_diff d = {0};
    int rc = -1;
    if (ccx_set_load(&set, paths, 2, by) < 0)
        goto out;
    if (ccx_diff_compute(&set, 0, 1, fl->min_bytes, &d) < 0) {
        ccx_err("out of memory");
        goto out;
    }
    pr->growth = d.growth_sum;
    pr->n_sig = d.n_sig;
    for (size_t j = 0; j < d.n; j++) {
        const struct ccx_grow *g = &d.g[j];
        if (ccx_fleet_add(fl, b->group, set.sites, g->row, 1, g->delta, g->se, 0, g->old_b, g->new_b) < 0) {
            ccx_err("out of memory");
            goto out;
        }
    }
    rc = 0;
out:
    free(d.g);
    ccx_set_free(&set);
    return rc;
}

static const char *status_of(const struct ccx_frow *x)
{
    return x->cls == CCX_STEADY ? "GROWTH" : x->cls == CCX_SHRINKING ? "shrank" : "noise";
}

static void print_text(const struct ccx_opts *op, struct ccx_out *o, const struct ccx_fleet *fl,
                       const struct ccx_procs *po, const struct pair *pr, size_t np)
{
    const struct ccx_procs *pn = fl->ps;
    int md = o->fmt == CCX_FMT_MARKDOWN;
    char b1[48], b2[48];
    fprintf(o->f, "%s%sdiff of two sets%s: %zu process%s in both, each diffed from its latest snapshot in OLD to its latest in NEW (matched by instance_id, else host, pid and start time); changes summed per %s%s",
            md ? "## " : "", ccx_c_bold(o), ccx_c_off(o), np, np == 1 ? "" : "es",
            op->group_by == CCX_GROUP_CMD ? "command" : ccx_group_by_name(op->group_by), md ? "\n\n" : "\n");
    for (size_t q = 0; q < np; q++)
        fprintf(o->f, "%s%s: %s -> %s, traced %s, %zu significant site%s\n", md ? "- " : "  ", pn->p[pr[q].in].name,
                po->p[pr[q].io].paths[po->p[pr[q].io].npaths - 1], pn->p[pr[q].in].paths[pn->p[pr[q].in].npaths - 1],
                ccx_szs(pr[q].growth, b1, sizeof b1), pr[q].n_sig, pr[q].n_sig == 1 ? "" : "s");
    for (int side = 0; side < 2; side++) {
        const struct ccx_procs *ps = side ? pn : po;
        for (size_t i = 0; i < ps->n; i++) {
            int found = 0;
            for (size_t q = 0; q < np && !found; q++)
                found = (side ? pr[q].in : pr[q].io) == i;
            if (!found)
                fprintf(o->f, "%sonly in %s, not compared: %s (%s)\n", md ? "- " : "  ", side ? "NEW" : "OLD",
                        ps->p[i].name, ps->p[i].command);
        }
    }
    for (size_t g = 0; g < pn->ng; g++) {
        const struct ccx_fgroup *fg = &fl->gs[g];
        if (!fg->m)
            continue;
        fprintf(o->f, md ? "\n### `%s`\n\n" : "\n%s%s%s\n", md ? pn->g[g].name : ccx_c_bold(o), md ? "" : pn->g[g].name,
                md ? "" : ccx_c_off(o));
        fprintf(o->f, "%zu site%s grew significantly (above %.2f standard errors, 1%% family-wise over %zu sites, and at least %s)%s",
                fg->n_steady, fg->n_steady == 1 ? "" : "s", fg->z, fg->m, ccx_sz(op->min_bytes, b1, sizeof b1),
                md ? "\n\n| # | growth | ± | status | processes | where |\n|---:|---:|---:|---|---:|---|\n" : "\n");
        if (!md)
            fprintf(o->f, "%s%4s  %12s  %12s  %-7s %5s  %s%s\n", ccx_c_bold(o), "#", "growth", "±", "status", "procs",
                    "where", ccx_c_off(o));
        size_t shown = 0;
        for (size_t j = 0; j < fl->nrows && (op->n <= 0 || shown < (size_t)op->n); j++) {
            const struct ccx_frow *x = fl->rows[j];
            if (x->group != g || (x->value == 0 && x->var == 0))
                continue;
            shown++;
            ccx_szs(x->value, b1, sizeof b1);
            ccx_pm(sqrt(x->var), b2, sizeof b2);
            if (md) {
                fprintf(o->f, "| %zu | %s | %s | %s | %zu | `", shown, b1, b2, status_of(x), x->nproc);
                ccx_put_md(o->f, ccx_fleet_str(fl, x->label));
                fputs("` |\n", o->f);
            } else {
                fprintf(o->f, "%4zu  %s%12s%s  %12s  %-7s %5zu  ", shown, x->cls == CCX_STEADY ? ccx_c_red(o) : "", b1,
                        ccx_c_off(o), b2, status_of(x), x->nproc);
                ccx_put_cut(o->f, ccx_fleet_str(fl, x->label), o->width - 52);
                fputc('\n', o->f);
            }
        }
    }
}

static cJSON *json_proc(const struct ccx_proc *p)
{
    cJSON *x = cJSON_CreateObject();
    cJSON_AddStringToObject(x, "host", p->id.host ? p->id.host : "");
    cJSON_AddNumberToObject(x, "pid", p->id.pid);
    cJSON_AddNumberToObject(x, "start_time", p->id.start_time);
    if (p->id.instance)
        cJSON_AddStringToObject(x, "instance_id", p->id.instance);
    cJSON_AddStringToObject(x, "command", p->command);
    return x;
}

static int print_json(const struct ccx_opts *op, struct ccx_out *o, const struct ccx_fleet *fl,
                      const struct ccx_procs *po, const struct pair *pr, size_t np)
{
    const struct ccx_procs *pn = fl->ps;
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "command", "diff");
    cJSON_AddNumberToObject(doc, "schema", CCX_JSON_SCHEMA);
    cJSON_AddStringToObject(doc, "by", ccx_by_name(op->by));
    cJSON_AddStringToObject(doc, "group_by", ccx_group_by_name(op->group_by));
    cJSON_AddStringToObject(doc, "method", "per process in both sets: its latest snapshot in OLD to its latest in NEW, summed per group");
    cJSON *m = cJSON_AddArrayToObject(doc, "matched");
    for (size_t q = 0; q < np; q++) {
        const struct ccx_proc *a = &po->p[pr[q].io], *b = &pn->p[pr[q].in];
        cJSON *x = json_proc(b);
        cJSON_AddStringToObject(x, "old", a->paths[a->npaths - 1]);
        cJSON_AddStringToObject(x, "new", b->paths[b->npaths - 1]);
        cJSON_AddStringToObject(x, "group", pn->g[b->group].name);
        cJSON_AddNumberToObject(x, "growth_bytes", pr[q].growth);
        cJSON_AddNumberToObject(x, "significant_sites", (double)pr[q].n_sig);
        cJSON_AddItemToArray(m, x);
    }
    for (int side = 0; side < 2; side++) {
        const struct ccx_procs *ps = side ? pn : po;
        cJSON *a = cJSON_AddArrayToObject(doc, side ? "only_new" : "only_old");
        for (size_t i = 0; i < ps->n; i++) {
            int found = 0;
            for (size_t q = 0; q < np && !found; q++)
                found = (side ? pr[q].in : pr[q].io) == i;
            if (!found)
                cJSON_AddItemToArray(a, json_proc(&ps->p[i]));
        }
    }
    cJSON *rows = cJSON_AddArrayToObject(doc, "rows");
    size_t shown = 0;
    for (size_t j = 0; j < fl->nrows && (op->n <= 0 || shown < (size_t)op->n); j++) {
        const struct ccx_frow *x = fl->rows[j];
        cJSON *r = cJSON_CreateObject();
        cJSON_AddNumberToObject(r, "rank", (double)++shown);
        cJSON_AddStringToObject(r, "label", ccx_fleet_str(fl, x->label));
        cJSON_AddStringToObject(r, "layer", ccx_layer_name(x->layer));
        cJSON_AddNumberToObject(r, "old_bytes", x->first_b);
        cJSON_AddNumberToObject(r, "new_bytes", x->last_b);
        cJSON_AddNumberToObject(r, "growth_bytes", x->value);
        cJSON_AddNumberToObject(r, "growth_se", sqrt(x->var));
        cJSON_AddNumberToObject(r, "share", x->share);
        cJSON_AddBoolToObject(r, "significant", x->cls == CCX_STEADY);
        cJSON_AddStringToObject(r, "status", status_of(x));
        cJSON *st = cJSON_AddArrayToObject(r, "stack");
        for (uint32_t q = 0; q < x->stack_len; q++)
            cJSON_AddItemToArray(st, cJSON_CreateString(ccx_fleet_str(fl, x->stack[q])));
        cJSON_AddStringToObject(r, "group", pn->g[x->group].name);
        cJSON_AddNumberToObject(r, "processes", (double)x->nproc);
        cJSON_AddItemToArray(rows, r);
    }
    return ccx_json_emit(o, doc);
}

static int run_sets(const struct ccx_opts *op, struct ccx_out *o, struct ccx_procs *po, struct ccx_procs *pn)
{
    struct pair *pr = calloc(pn->n ? pn->n : 1, sizeof *pr);
    size_t np = 0;
    struct ccx_fleet fl;
    int rc = 2;
    if (!pr || ccx_fleet_init(&fl, pn, op->min_bytes, 1) < 0) {
        free(pr);
        return 2;
    }
    for (size_t j = 0; j < pn->n; j++)
        for (size_t i = 0; i < po->n; i++)
            if (ccx_same_process(&po->p[i].id, &pn->p[j].id)) {
                pr[np++] = (struct pair){.io = i, .in = j};
                break;
            }
    if (!np) {
        ccx_err("diff: no process is in both OLD and NEW (diff follows a process over time; for two runs use ccx-analyze compare BEFORE... -- AFTER...)");
        goto out;
    }
    for (size_t q = 0; q < np; q++)
        if (diff_one(&fl, po, &pr[q], op->by) < 0)
            goto out;
    ccx_fleet_finish(&fl);
    if (o->fmt == CCX_FMT_JSON)
        rc = print_json(op, o, &fl, po, pr, np);
    else {
        print_text(op, o, &fl, po, pr, np);
        rc = 0;
    }
    char b1[48], b2[48];
    for (size_t j = 0; rc == 0 && op->fail_set && j < fl.nrows; j++)
        if (fl.rows[j]->cls == CCX_STEADY && fl.rows[j]->value > op->fail_size) {
            ccx_err("growth above --fail-above %s: %s at %s", ccx_sz(op->fail_size, b1, sizeof b1),
                    ccx_szs(fl.rows[j]->value, b2, sizeof b2), ccx_fleet_str(&fl, fl.rows[j]->label));
            rc = 1;
        }
out:
    ccx_fleet_free(&fl);
    free(pr);
    return rc;
}

int ccx_diff_sets(const struct ccx_opts *op, struct ccx_out *o)
{
    if (op->by == CCX_BY_TYPE) {
        ccx_err("diff --by type: the type changes are always shown; use --by stack|function|line|file|module");
        return 2;
    }
    if (o->fmt != CCX_FMT_TEXT && o->fmt != CCX_FMT_MARKDOWN && o->fmt != CCX_FMT_JSON) {
        ccx_err("diff of two sets: format %s is not available (text, json, markdown)", ccx_fmt_name(o->fmt));
        return 2;
    }
    if (op->ninputs == 0 || op->ninputs2 == 0) {
        ccx_err("diff OLD... -- NEW...: both sides need a snapshot or a directory");
        return 2;
    }
    char **a = NULL, **b = NULL;
    long na = 0, nb = 0;
    int rc = 2;
    if (expand(op->inputs, op->ninputs, &a, &na) < 0 || expand(op->inputs2, op->ninputs2, &b, &nb) < 0)
        goto out;
    if (na == 1 && nb == 1) {
        rc = classic(op, o, a[0], b[0]);
        goto out;
    }
    struct ccx_procs po, pn;
    if (ccx_load_procs_of(op, op->inputs, op->ninputs, 1, &po))
        goto out;
    if (ccx_load_procs_of(op, op->inputs2, op->ninputs2, 1, &pn)) {
        ccx_procs_free(&po);
        goto out;
    }
    rc = run_sets(op, o, &po, &pn);
    ccx_procs_free(&po);
    ccx_procs_free(&pn);
out:
    free_paths(a, na);
    free_paths(b, nb);
    return rc;
}
