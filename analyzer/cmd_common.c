/* cmd_common.c - printing shared by the subcommands (see cmd.h). */
#include "cmd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ccx_format.h"

static void add_str(cJSON *o, const char *k, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static void add_opt(cJSON *o, const char *k, double v)
{
    if (v >= 0)
        cJSON_AddNumberToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

cJSON *ccx_json_meta(const struct ccx_meta *m, double t)
{
    cJSON *o = cJSON_CreateObject();
    add_str(o, "path", m->path);
    add_str(o, CCX_F_HOST, m->host);
    cJSON_AddNumberToObject(o, CCX_F_PID, m->pid);
    cJSON_AddNumberToObject(o, CCX_F_START_TIME, m->start_time);
    if (m->instance) /* newer tracers only */
        cJSON_AddStringToObject(o, CCX_F_INSTANCE, m->instance);
    add_str(o, CCX_F_EXE, m->exe);
    add_str(o, CCX_F_CMDLINE, m->cmdline);
    cJSON_AddNumberToObject(o, CCX_F_SEQ, m->seq);
    add_str(o, CCX_F_REASON, m->reason);
    add_str(o, CCX_F_LABEL, m->label);
    add_str(o, CCX_F_TIME, m->time_str);
    cJSON_AddNumberToObject(o, CCX_F_UPTIME_S, m->uptime_s);
    cJSON_AddNumberToObject(o, "t_s", t);
    cJSON_AddStringToObject(o, "sampling", m->sample_mode ? CCX_MODE_SAMPLE : CCX_MODE_ALL);
    cJSON_AddNumberToObject(o, CCX_F_INTERVAL_BYTES, m->interval);
    cJSON_AddNumberToObject(o, "sites", (double)m->nsites);
    cJSON_AddNumberToObject(o, "sites_live_bytes", m->sites_bytes);
    if (m->has_totals)
        cJSON_AddNumberToObject(o, CCX_F_LIVE_BYTES, m->live_bytes);
    else
        cJSON_AddNullToObject(o, CCX_F_LIVE_BYTES);
    add_opt(o, CCX_F_RSS_BYTES, m->rss);
    add_opt(o, "heap_in_use_bytes", m->heap_in_use);
    add_str(o, "python", m->py_version);
    return o;
}

cJSON *ccx_json_stack(const struct ccx_table *t, const struct ccx_row *r)
{
    cJSON *a = cJSON_CreateArray();
    for (uint32_t j = 0; j < r->stack_len; j++)
        cJSON_AddItemToArray(a, cJSON_CreateString(ccx_table_str(t, ccx_row_frame(t, r, j)->label)));
    return a;
}

void ccx_text_meta(struct ccx_out *o, const char *tag, const struct ccx_meta *m)
{
    char up[32];
    fprintf(o->f, "%s%s%s %s\n", ccx_c_bold(o), tag, ccx_c_off(o), m->path);
    fprintf(o->f, "    %s (pid %.0f on %s), seq %.0f (%s) at %s, uptime %s", m->cmdline ? m->cmdline : m->exe ? m->exe : "?",
            m->pid, m->host ? m->host : "?", m->seq, m->reason ? m->reason : "?",
            m->time_str ? m->time_str : "?", ccx_duration(m->uptime_s, up, sizeof up));
    if (m->rss >= 0) {
        char rss[32];
        fprintf(o->f, ", RSS %s", ccx_sz(m->rss, rss, sizeof rss));
    }
    fputc('\n', o->f);
}

void ccx_text_stack(struct ccx_out *o, const struct ccx_table *t, const struct ccx_row *r, int max)
{
    for (uint32_t j = 0; j < r->stack_len && (int)j < max; j++) {
        const struct ccx_tframe *f = ccx_row_frame(t, r, j);
        fprintf(o->f, "          %s%s%s\n", f->py ? "" : ccx_c_dim(o), ccx_table_str(t, f->label),
                f->py ? "" : ccx_c_off(o));
    }
    if ((int)r->stack_len > max)
        fprintf(o->f, "          ... %u more frames\n", r->stack_len - (uint32_t)max);
}

char *ccx_pm(double se, char *buf, size_t len)
{
    if (se <= 0) {
        snprintf(buf, len, "exact");
        return buf;
    }
    if (se < 1) {
        snprintf(buf, len, "±<1 B");
        return buf;
    }
    char b[32];
    snprintf(buf, len, "±%s", ccx_sz(se, b, sizeof b));
    return buf;
}

char *ccx_pm_rate(double se, char *buf, size_t len)
{
    if (se <= 0) {
        snprintf(buf, len, "exact");
        return buf;
    }
    char b[48];
    snprintf(buf, len, "±%s", ccx_rate(se, b, sizeof b) + 1);
    return buf;
}

void ccx_folded_row(FILE *f, const struct ccx_table *t, const struct ccx_row *r, double value)
{
    long long v = llround(value);
    if (v <= 0)
        return;
    if (r->stack_len == 0)
        fputs("(empty stack)", f);
    for (uint32_t j = r->stack_len; j-- > 0;) { /* root first */
        ccx_put_folded(f, ccx_table_str(t, ccx_row_frame(t, r, j)->label));
        if (j)
            fputc(';', f);
    }
    fprintf(f, ";[%s] %lld\n", ccx_layer_name(r->layer), v);
}

int ccx_json_emit(struct ccx_out *o, cJSON *doc)
{
    char *s = cJSON_Print(doc);
    cJSON_Delete(doc);
    if (!s) {
        ccx_err("out of memory");
        return 2;
    }
    fputs(s, o->f);
    fputc('\n', o->f);
    free(s);
    return 0;
}

int ccx_load_inputs(const struct ccx_opts *op, size_t min_k, size_t max_k, const char *usage,
                    struct ccx_set *set)
{
    char **paths = NULL;
    memset(set, 0, sizeof *set);
    long n = ccx_expand_inputs(op->inputs, op->ninputs, &paths);
    if (n < 0)
        return 2;
    int rc = 0;
    if ((size_t)n < min_k || (max_k && (size_t)n > max_k)) {
        ccx_err("%s", usage);
        rc = 2;
    } else if (ccx_set_load(set, paths, (size_t)n, op->by == CCX_BY_TYPE ? CCX_BY_STACK : op->by) < 0) {
        rc = 2;
    }
    for (long i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    if (rc)
        ccx_set_free(set);
    return rc;
}

struct ccx_pprof *ccx_pprof_start(const struct ccx_set *set, size_t first, size_t last, const char *cmd,
                                  const char *const tv[4])
{
    const struct ccx_meta *a = &set->meta[first], *b = &set->meta[last];
    struct ccx_pprof_spec sp = {{tv[0], tv[2]}, {tv[1], tv[3]}, a->time, set->t[last] - set->t[first],
                                b->sample_mode ? b->interval : 0, {NULL}, NULL};
    char what[128], sampling[96];
    snprintf(what, sizeof what, "ccx-analyze %s (ccxtrace snapshots, one sample per allocation site)", cmd);
    if (b->sample_mode)
        snprintf(sampling, sizeof sampling, "sampling every %.0f bytes: values are estimates", b->interval);
    else
        snprintf(sampling, sizeof sampling, "every allocation recorded: values are exact");
    size_t n = 0;
    sp.comment[n++] = what;
    sp.comment[n++] = a->path;
    if (last != first)
        sp.comment[n++] = b->path;
    sp.comment[n++] = sampling;
    const char *slash = b->exe ? strrchr(b->exe, '/') : NULL;
    sp.main_file = slash ? slash + 1 : b->exe;
    struct ccx_pprof *p = ccx_pprof_new(set->sites, &sp);
    if (!p)
        ccx_err("out of memory");
    return p;
}

int ccx_pprof_finish(struct ccx_out *o, struct ccx_pprof *p)
{
    int rc = ccx_pprof_write(p, o->f) < 0 ? 2 : 0;
    ccx_pprof_free(p);
    return rc;
}

int ccx_refuse_by_type(const char *cmd, struct ccx_set *set)
{
    ccx_set_free(set);
    ccx_err("%s --by type: the type changes are always shown; use --by stack|function|line|file|module", cmd);
    return 2;
}

int ccx_load_procs_of(const struct ccx_opts *op, char **inputs, int ninputs, size_t min_snaps,
                      struct ccx_procs *ps)
{
    char **paths = NULL;
    memset(ps, 0, sizeof *ps);
    long n = ccx_expand_inputs(inputs, ninputs, &paths);
    if (n < 0)
        return 2;
    int rc = ccx_procs_build(paths, (size_t)n, op->cmd, op->group_by, min_snaps, ps) < 0 ? 2 : 0;
    for (long i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    return rc;
}
