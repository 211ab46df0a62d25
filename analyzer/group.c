/* group.c - processes, groups and lineages of a fleet (see group.h). */
#include "group.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

int ccx_group_by_parse(const char *s, enum ccx_group_by *out)
{
    static const char *const names[] = {"cmd", "host", "process"};
    static_assert(sizeof names / sizeof names[0] == CCX_GROUP_PROCESS + 1, "one name per enum ccx_group_by");
    for (int i = 0; i < CCX_GROUP_PROCESS + 1; i++)
        if (!strcmp(s, names[i])) {
            *out = (enum ccx_group_by)i;
            return 0;
        }
    return -1;
}

const char *ccx_group_by_name(enum ccx_group_by g)
{
    return g == CCX_GROUP_HOST ? "host" : g == CCX_GROUP_PROCESS ? "process" : "cmd";
}

/* A snapshot's time on the fleet's axis: start + uptime (sub-second) when
 * the start is known, else the wall-clock stamp. */
static double when(const struct ccx_ident *id)
{
    return id->start_time > 0 ? id->start_time + id->uptime_s : id->time;
}

static const char *s_or(const char *s, const char *d)
{
    return s ? s : d;
}

char *ccx_command_of(const char *exe, const char *cmdline)
{
    const char *e = s_or(exe, "?"), *cl = s_or(cmdline, "");
    /* skip argv[0], then options; -m MODULE and -c are the script */
    const char *p = strchr(cl, ' '), *script = "";
    size_t slen = 0;
    while (p && *p) {
        while (*p == ' ')
            p++;
        const char *w = p;
        while (*p && *p != ' ')
            p++;
        if (p == w)
            break;
        if (p - w == 2 && w[0] == '-' && (w[1] == 'X' || w[1] == 'W')) { /* an option with an argument */
            while (*p == ' ')
                p++;
            while (*p && *p != ' ')
                p++;
            continue;
        }
        if (*w != '-' || (p - w == 2 && (w[1] == 'm' || w[1] == 'c'))) {
            script = w;
            slen = (size_t)(p - w);
            if (w[0] == '-' && w[1] == 'm') { /* take the module name too */
                while (*p == ' ')
                    p++;
                while (*p && *p != ' ')
                    p++;
                slen = (size_t)(p - w);
            }
            break;
        }
    }
    size_t n = strlen(e) + slen + 2;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, slen ? "%s %.*s" : "%s", e, (int)slen, script);
    return out;
}

/* The process key: instance_id, else host/pid/start. */
static char *proc_key(const struct ccx_ident *id)
{
    size_t n = strlen(s_or(id->instance, "")) + strlen(s_or(id->host, "")) + 64;
    char *k = malloc(n);
    if (!k)
        return NULL;
    if (id->instance)
        snprintf(k, n, "i:%s", id->instance);
    else
        snprintf(k, n, "h:%s/%.0f/%.0f", s_or(id->host, ""), id->pid, id->start_time);
    return k;
}

int ccx_same_process(const struct ccx_ident *a, const struct ccx_ident *b)
{
    char *ka = proc_key(a), *kb = proc_key(b);
    int same = ka && kb && !strcmp(ka, kb);
    free(ka);
    free(kb);
    return same;
}

struct item {
    struct ccx_ident id;
    char *key;
};

static int cmp_item(const void *x, const void *y)
{
    const struct item *a = x, *b = y;
    int c = strcmp(a->key, b->key);
    if (c)
        return c;
    if (when(&a->id) != when(&b->id))
        return when(&a->id) < when(&b->id) ? -1 : 1;
    if (a->id.seq != b->id.seq)
        return a->id.seq < b->id.seq ? -1 : 1;
    return strcmp(a->id.path, b->id.path);
}

static const char *group_key(const struct ccx_proc *p, enum ccx_group_by by)
{
    return by == CCX_GROUP_HOST ? s_or(p->id.host, "?") : by == CCX_GROUP_PROCESS ? p->name : p->command;
}

static enum ccx_group_by sort_by;

static int cmp_proc(const void *x, const void *y)
{
    const struct ccx_proc *a = x, *b = y;
    int c = strcmp(group_key(a, sort_by), group_key(b, sort_by));
    if (!c)
        c = strcmp(s_or(a->id.host, ""), s_or(b->id.host, ""));
    if (c)
        return c;
    if (a->t_first != b->t_first)
        return a->t_first < b->t_first ? -1 : 1;
    return strcmp(a->id.path, b->id.path);
}

/* Fills one process from its sorted run of items [i, j). */
static int make_proc(struct ccx_proc *p, struct item *it, size_t i, size_t j, size_t min_snaps)
{
    p->paths = calloc(j - i, sizeof *p->paths);
    if (!p->paths)
        return -1;
    for (size_t q = i; q < j; q++) {
        p->paths[p->npaths++] = it[q].id.path;
        it[q].id.path = NULL;
    }
    p->id = it[i].id; /* takes over its strings */
    p->id.path = strdup(p->paths[0]);
    memset(&it[i].id, 0, sizeof it[i].id);
    p->t_first = when(&p->id);
    p->t_last = when(&it[j - 1].id);
    p->command = ccx_command_of(p->id.exe, p->id.cmdline);
    size_t n = strlen(s_or(p->id.host, "?")) + 48;
    p->name = malloc(n);
    if (!p->command || !p->name || !p->id.path)
        return -1;
    /* two containers of one pod share host and pid: the id tells them apart */
    snprintf(p->name, n, p->id.instance ? "%s pid %.0f #%.6s" : "%s pid %.0f", s_or(p->id.host, "?"), p->id.pid,
             p->id.instance);
    if (p->npaths < min_snaps)
        p->left_out = "too few snapshots to fit a rate";
    else if (!(p->t_last > p->t_first))
        p->left_out = "all its snapshots have the same time";
    return 0;
}

static double start_of(const struct ccx_proc *p)
{
    return p->id.start_time > 0 && p->id.start_time <= p->t_first ? p->id.start_time : p->t_first;
}

/* Step 1: each fitted process continues the chain of its host that ended
 * last before it started (a restart), else starts a chain.  chain[i] for
 * each process; cstart/cend: a chain's start and its last snapshot.
 * Processes are sorted by group, host and time, so a group's chains are
 * consecutive.  Returns the number of chains. */
static size_t host_chains(const struct ccx_procs *ps, size_t *chain, size_t *last, double *cstart, double *cend)
{
    size_t nc = 0, group_first = 0;
    for (size_t i = 0; i < ps->n; i++) {
        const struct ccx_proc *p = &ps->p[i];
        if (i > 0 && p->group != ps->p[i - 1].group)
            group_first = nc;
        chain[i] = SIZE_MAX;
        if (p->left_out)
            continue;
        size_t best = SIZE_MAX;
        for (size_t c = group_first; c < nc; c++) {
            const struct ccx_proc *e = &ps->p[last[c]];
            if (!strcmp(s_or(e->id.host, ""), s_or(p->id.host, "")) && e->t_last <= start_of(p) &&
                (best == SIZE_MAX || e->t_last > cend[best]))
                best = c;
        }
        if (best == SIZE_MAX) {
            best = nc++;
            cstart[best] = start_of(p);
        }
        last[best] = i;
        cend[best] = p->t_last;
        chain[i] = best;
    }
    return nc;
}

/* Step 2: within a group, chains that do not overlap in time (a pod
 * replaced by one under another name) join one lineage: by start, each
 * chain continues the lineage that ended last before it began, else
 * starts one.  slot[c] for each chain; returns the number of lineages. */
static size_t chain_lineages(const struct ccx_procs *ps, const size_t *chain, size_t nc, const double *cstart,
                             const double *cend, size_t *slot, double *send)
{
    size_t *grp = calloc(nc ? nc : 1, sizeof *grp);
    char *done = calloc(nc ? nc : 1, 1);
    size_t ns = 0;
    if (!grp || !done) {
        free(grp);
        free(done);
        return 0;
    }
    for (size_t i = 0; i < ps->n; i++)
        if (chain[i] != SIZE_MAX)
            grp[chain[i]] = ps->p[i].group;
    for (size_t k = 0; k < nc; k++) {
        size_t c = SIZE_MAX; /* the earliest chain not yet placed */
        for (size_t q = 0; q < nc; q++)
            if (!done[q] && (c == SIZE_MAX || cstart[q] < cstart[c]))
                c = q;
        done[c] = 1;
        size_t best = SIZE_MAX;
        for (size_t q = 0; q < nc; q++) /* placed chains of its group that ended before it */
            if (done[q] && q != c && grp[q] == grp[c] && slot[q] != SIZE_MAX && send[slot[q]] <= cstart[c] &&
                (best == SIZE_MAX || send[slot[q]] > send[best]))
                best = slot[q];
        if (best == SIZE_MAX) {
            best = ns++;
            send[best] = cend[c];
        }
        slot[c] = best;
        if (cend[c] > send[best])
            send[best] = cend[c];
    }
    free(grp);
    free(done);
    return ns;
}

/* Lineages within each group (group.h), each process's weight (its span
 * over its lineage's) and whether it opens or closes its lineage. */
static void make_lineages(struct ccx_procs *ps)
{
    size_t n = ps->n ? ps->n : 1;
    size_t *chain = calloc(n, sizeof *chain), *last = calloc(n, sizeof *last), *slot = calloc(n, sizeof *slot);
    double *cstart = calloc(n, sizeof *cstart), *cend = calloc(n, sizeof *cend), *send = calloc(n, sizeof *send);
    double *total = calloc(n, sizeof *total), *lo = calloc(n, sizeof *lo), *hi = calloc(n, sizeof *hi);
    if (chain && last && slot && cstart && cend && send && total && lo && hi) {
        for (size_t c = 0; c < n; c++)
            slot[c] = SIZE_MAX;
        size_t nc = host_chains(ps, chain, last, cstart, cend);
        ps->nlineage = chain_lineages(ps, chain, nc, cstart, cend, slot, send);
        for (size_t i = 0; i < ps->n; i++) {
            struct ccx_proc *p = &ps->p[i];
            p->lineage = chain[i] == SIZE_MAX ? SIZE_MAX : slot[chain[i]];
            if (p->lineage == SIZE_MAX)
                continue;
            size_t l = p->lineage;
            if (total[l] == 0 || p->t_first < lo[l])
                lo[l] = p->t_first;
            if (total[l] == 0 || p->t_last > hi[l])
                hi[l] = p->t_last;
            total[l] += p->t_last - p->t_first;
        }
        for (size_t i = 0; i < ps->n; i++) {
            struct ccx_proc *p = &ps->p[i];
            if (p->lineage == SIZE_MAX)
                continue;
            p->weight = (p->t_last - p->t_first) / total[p->lineage];
            p->first_of_lineage = p->t_first == lo[p->lineage];
            p->last_of_lineage = p->t_last == hi[p->lineage];
        }
        for (size_t l = 0; l < ps->nlineage; l++) /* count each group's lineages */
            for (size_t i = 0; i < ps->n; i++)
                if (ps->p[i].lineage == l) {
                    ps->g[ps->p[i].group].nlineage++;
                    break;
                }
    }
    free(chain);
    free(last);
    free(slot);
    free(cstart);
    free(cend);
    free(send);
    free(total);
    free(lo);
    free(hi);
}

static int make_groups(struct ccx_procs *ps, enum ccx_group_by by)
{
    sort_by = by;
    qsort(ps->p, ps->n, sizeof *ps->p, cmp_proc);
    ps->g = calloc(ps->n ? ps->n : 1, sizeof *ps->g);
    if (!ps->g)
        return -1;
    for (size_t i = 0; i < ps->n; i++) {
        struct ccx_proc *p = &ps->p[i];
        if (i == 0 || strcmp(group_key(p, by), group_key(&ps->p[i - 1], by)) != 0) {
            ps->g[ps->ng].name = strdup(group_key(p, by));
            if (!ps->g[ps->ng].name)
                return -1;
            ps->ng++;
        }
        struct ccx_group *g = &ps->g[ps->ng - 1];
        p->group = ps->ng - 1;
        g->nproc++;
        if (p->left_out)
            continue;
        if (!g->nfit++ || p->t_first < g->t_first)
            g->t_first = p->t_first;
        if (g->nfit == 1 || p->t_last > g->t_last)
            g->t_last = p->t_last;
    }
    make_lineages(ps);
    return 0;
}

static void free_items(struct item *it, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ccx_ident_free(&it[i].id);
        free(it[i].key);
    }
    free(it);
}

int ccx_procs_build(char **paths, size_t npaths, const char *cmd, enum ccx_group_by by,
                    size_t min_snaps, struct ccx_procs *out)
{
    memset(out, 0, sizeof *out);
    struct item *it = calloc(npaths ? npaths : 1, sizeof *it);
    if (!it)
        goto oom;
    for (size_t i = 0; i < npaths; i++) {
        if (ccx_ident_scan(paths[i], &it[i].id) < 0) {
            free_items(it, npaths);
            return -1;
        }
        if (!(it[i].key = proc_key(&it[i].id)))
            goto oom;
    }
    qsort(it, npaths, sizeof *it, cmp_item);
    out->p = calloc(npaths ? npaths : 1, sizeof *out->p);
    if (!out->p)
        goto oom;
    for (size_t i = 0, j; i < npaths; i = j) {
        for (j = i + 1; j < npaths && strcmp(it[j].key, it[i].key) == 0; j++)
            ;
        const char *cl = it[i].id.cmdline ? it[i].id.cmdline : s_or(it[i].id.exe, "");
        if (cmd && !strstr(cl, cmd))
            continue;
        if (make_proc(&out->p[out->n++], it, i, j, min_snaps) < 0)
            goto oom;
    }
    free_items(it, npaths);
    it = NULL;
    if (cmd && out->n == 0) {
        ccx_err("--cmd \"%s\": no process's command line contains it", cmd);
        ccx_procs_free(out);
        return -1;
    }
    if (make_groups(out, by) < 0)
        goto oom;
    return 0;
oom:
    ccx_err("out of memory");
    if (it)
        free_items(it, npaths);
    ccx_procs_free(out);
    return -1;
}

void ccx_procs_free(struct ccx_procs *ps)
{
    for (size_t i = 0; i < ps->n; i++) {
        struct ccx_proc *p = &ps->p[i];
        ccx_ident_free(&p->id);
        free(p->command);
        free(p->name);
        for (size_t q = 0; q < p->npaths; q++)
            free(p->paths[q]);
        free(p->paths);
    }
    for (size_t i = 0; i < ps->ng; i++)
        free(ps->g[i].name);
    free(ps->p);
    free(ps->g);
    memset(ps, 0, sizeof *ps);
}
