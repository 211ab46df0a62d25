/* holders.c - python.holders in the analyzer (see holders.h): reading,
 * collapsing identical paths, and printing them beside the growing types.
 *
 * Text and markdown show, per examined type, each group of identical paths
 * as "N of M <type> instances: held by" followed by the path, root first,
 * one object per line, with how it is reached from the line above:
 *
 *     sys.modules (114 modules)                 root: sys.modules
 *     [hmonitor]        module 'hmonitor'
 *     ._errors          list of 300 items
 *     [31]              ValueError: cannot parse
 *     ...
 *
 * and the instances no root reaches as cyclic garbage.
 */
#include "holders.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ccx_format.h"
#include "textsafe.h"

/* 1234567 -> "1,234,567"; with sign, "+1,234".  (Here rather than out.c's
 * so the snapshot reader links without the output code, e.g. in the fuzzer.) */
static char *count_str(double v, int sign, char *buf, size_t len)
{
    char digits[32];
    long long x = llround(fabs(v));
    int n = snprintf(digits, sizeof digits, "%lld", x), k = 0;
    char tmp[48];
    if (v < 0 && x)
        tmp[k++] = '-';
    else if (sign)
        tmp[k++] = '+';
    for (int i = 0; i < n; i++) {
        tmp[k++] = digits[i];
        if ((n - i - 1) % 3 == 0 && i != n - 1)
            tmp[k++] = ',';
    }
    tmp[k] = 0;
    snprintf(buf, len, "%s", tmp);
    return buf;
}

static int fail(char *err, size_t n, const char *what)
{
    snprintf(err, n, "python %s: %s", CCX_F_HOLDERS, what);
    return -1;
}

/* A copy of a string member: 0 absent/null, 1 copied, -1 wrong type or
 * out of memory. */
static int take_str(const cJSON *o, const char *k, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    *out = NULL;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v) || !v->valuestring)
        return -1;
    *out = ccx_safe_dup(v->valuestring); /* printable: textsafe.h */
    return *out ? 1 : -1;
}

/* A number member >= 0 (or, signed, any finite one): 0 absent, 1 read, -1 bad. */
static int take_num(const cJSON *o, const char *k, int is_signed, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || (!is_signed && v->valuedouble < 0) ||
        fabs(v->valuedouble) > 9.0e15)
        return -1;
    *out = v->valuedouble;
    return 1;
}

static int read_path(const cJSON *a, struct ccx_hold_path *p, char *err, size_t errlen)
{
    if (!cJSON_IsArray(a))
        return fail(err, errlen, "a path is not an array");
    int n = cJSON_GetArraySize(a);
    if (n < 1 || n > CCX_HOLD_MAX_ELEMS)
        return fail(err, errlen, "a path is empty or too long");
    p->e = calloc((size_t)n, sizeof *p->e);
    if (!p->e)
        return fail(err, errlen, "out of memory");
    const cJSON *x;
    cJSON_ArrayForEach(x, a)
    {
        struct ccx_hold_elem *e = &p->e[p->n++];
        e->refs = -1;
        if (!cJSON_IsObject(x))
            return fail(err, errlen, "a path element is not an object");
        if (take_str(x, CCX_F_HOLD_TYPE, &e->type) != 1 || take_str(x, CCX_F_HOLD_VIA, &e->via) != 1)
            return fail(err, errlen, "a path element has no \"type\" or \"via\" string");
        if (take_str(x, CCX_F_HOLD_LABEL, &e->label) < 0 || take_str(x, CCX_F_HOLD_REPR, &e->repr) < 0 ||
            take_str(x, CCX_F_HOLD_DETAIL, &e->detail) < 0 || take_num(x, CCX_F_HOLD_REFS, 1, &e->refs) < 0)
            return fail(err, errlen, "a path element has a field of the wrong type");
    }
    return 0;
}

static int read_type(const cJSON *o, struct ccx_hold_type *t, char *err, size_t errlen)
{
    if (!cJSON_IsObject(o))
        return fail(err, errlen, "a types entry is not an object");
    if (take_str(o, CCX_F_TYPE_NAME, &t->name) != 1)
        return fail(err, errlen, "a types entry has no \"name\" string");
    t->growth = -1;
    int g;
    if (take_str(o, CCX_F_HOLD_WHY, &t->why) < 0 || take_num(o, CCX_F_TYPE_COUNT, 0, &t->count) < 0 ||
        (g = take_num(o, CCX_F_HOLD_GROWTH, 1, &t->growth)) < 0 ||
        take_num(o, CCX_F_HOLD_EXAMINED, 0, &t->examined) < 0 ||
        take_num(o, CCX_F_HOLD_GARBAGE, 0, &t->garbage) < 0 ||
        take_num(o, CCX_F_HOLD_SEARCH_MS, 0, &t->search_ms) < 0)
        return fail(err, errlen, "a types entry has a field of the wrong type");
    t->has_growth = g == 1;
    if (t->garbage > t->examined)
        return fail(err, errlen, "a types entry has more garbage than instances examined");
    const cJSON *ps = cJSON_GetObjectItemCaseSensitive(o, CCX_F_HOLD_PATHS);
    if (!ps || cJSON_IsNull(ps))
        return 0;
    if (!cJSON_IsArray(ps))
        return fail(err, errlen, "\"paths\" is not an array");
    int n = cJSON_GetArraySize(ps);
    if (n > CCX_HOLD_MAX_PATHS)
        return fail(err, errlen, "too many paths for one type");
    t->paths = calloc(n ? (size_t)n : 1, sizeof *t->paths);
    if (!t->paths)
        return fail(err, errlen, "out of memory");
    const cJSON *p;
    cJSON_ArrayForEach(p, ps)
    {
        if (read_path(p, &t->paths[t->npaths++], err, errlen) < 0)
            return -1;
    }
    return 0;
}

struct ccx_holders *ccx_holders_parse(const cJSON *h, char *err, size_t errlen)
{
    struct ccx_holders *r = calloc(1, sizeof *r);
    if (!r) {
        fail(err, errlen, "out of memory");
        return NULL;
    }
    if (!cJSON_IsObject(h)) {
        fail(err, errlen, "is not an object");
        goto bad;
    }
    if (take_num(h, CCX_F_HOLD_OBJECTS, 0, &r->objects) < 0 || take_num(h, CCX_F_HOLD_EDGES, 0, &r->edges) < 0 ||
        take_num(h, CCX_F_HOLD_ROOTS, 0, &r->roots) < 0 || take_num(h, CCX_F_HOLD_SAMPLES, 0, &r->samples) < 0 ||
        take_num(h, CCX_F_HOLD_SEARCH_MS, 0, &r->search_ms) < 0 ||
        take_num(h, CCX_F_HOLD_GRAPH_MS, 0, &r->graph_ms) < 0 || take_str(h, CCX_F_HOLD_ERROR, &r->error) < 0) {
        fail(err, errlen, "a field has the wrong type");
        goto bad;
    }
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(h, CCX_F_TYPES);
    if (ts && !cJSON_IsNull(ts)) {
        if (!cJSON_IsArray(ts)) {
            fail(err, errlen, "\"types\" is not an array");
            goto bad;
        }
        int n = cJSON_GetArraySize(ts);
        if (n > CCX_HOLD_MAX_TYPES) {
            fail(err, errlen, "too many types");
            goto bad;
        }
        r->types = calloc(n ? (size_t)n : 1, sizeof *r->types);
        if (!r->types) {
            fail(err, errlen, "out of memory");
            goto bad;
        }
        const cJSON *t;
        cJSON_ArrayForEach(t, ts)
        {
            if (read_type(t, &r->types[r->ntypes++], err, errlen) < 0)
                goto bad;
        }
    }
    return r;
bad:
    ccx_holders_free(r);
    return NULL;
}

void ccx_holders_free(struct ccx_holders *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->ntypes; i++) {
        struct ccx_hold_type *t = &h->types[i];
        for (size_t j = 0; j < t->npaths; j++) {
            for (size_t k = 0; k < t->paths[j].n; k++) {
                struct ccx_hold_elem *e = &t->paths[j].e[k];
                free(e->type);
                free(e->via);
                free(e->label);
                free(e->repr);
                free(e->detail);
            }
            free(t->paths[j].e);
        }
        free(t->paths);
        free(t->name);
        free(t->why);
    }
    free(h->types);
    free(h->error);
    free(h);
}

/* ---- collapsing ---------------------------------------------------------- */

static int str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Labels that differ between instances of one path shape. */
static int varies(const struct ccx_hold_elem *e)
{
    return str_eq(e->via, CCX_VIA_INDEX) || str_eq(e->via, CCX_VIA_KEY) || str_eq(e->via, CCX_VIA_ELIDED);
}

/* Same shape: same length, types and ways; the same labels except list
 * indices and dict keys; the same root kind. */
static int same_shape(const struct ccx_hold_path *a, const struct ccx_hold_path *b, int *labels_differ)
{
    if (a->n != b->n)
        return 0;
    int differ = 0;
    for (size_t k = 0; k < a->n; k++) {
        const struct ccx_hold_elem *x = &a->e[k], *y = &b->e[k];
        if (!str_eq(x->type, y->type) || !str_eq(x->via, y->via))
            return 0;
        if (!str_eq(x->label, y->label)) {
            if (!varies(x))
                return 0;
            differ = 1;
        }
    }
    *labels_differ = differ;
    return 1;
}

static int by_count(const void *a, const void *b)
{
    const struct ccx_hold_group *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return x->path < y->path ? -1 : x->path > y->path;
}

size_t ccx_holders_groups(const struct ccx_hold_type *t, struct ccx_hold_group *out)
{
    size_t ng = 0;
    for (size_t i = 0; i < t->npaths; i++) {
        const struct ccx_hold_path *p = &t->paths[i];
        size_t g;
        int differ = 0;
        for (g = 0; g < ng; g++)
            if (same_shape(out[g].path, p, &differ))
                break;
        if (g == ng) {
            out[ng].path = p;
            out[ng].count = 0;
            out[ng].labels_vary = 0;
            ng++;
        }
        out[g].count++;
        out[g].labels_vary |= differ;
    }
    qsort(out, ng, sizeof *out, by_count);
    return ng;
}

/* ---- printing ------------------------------------------------------------ */

void ccx_holders_accessor(const struct ccx_hold_elem *e, char *buf, size_t n)
{
    const char *l = e->label ? e->label : "?";
    if (str_eq(e->via, CCX_VIA_GLOBAL) || str_eq(e->via, CCX_VIA_ATTRIBUTE))
        snprintf(buf, n, ".%s", l);
    else if (str_eq(e->via, CCX_VIA_KEY) || str_eq(e->via, CCX_VIA_INDEX))
        snprintf(buf, n, "[%s]", l);
    else if (str_eq(e->via, CCX_VIA_LOCAL))
        snprintf(buf, n, "local %s", l);
    else if (str_eq(e->via, CCX_VIA_ELIDED))
        snprintf(buf, n, "(%s)", l);
    else if (str_eq(e->via, CCX_VIA_ROOT))
        snprintf(buf, n, "%s", "");
    else
        snprintf(buf, n, "(%s)", e->via ? e->via : "?");
}

static void print_path(FILE *f, const struct ccx_hold_path *p, const char *indent)
{
    for (size_t k = 0; k < p->n; k++) {
        const struct ccx_hold_elem *e = &p->e[k];
        char acc[96];
        ccx_holders_accessor(e, acc, sizeof acc);
        const char *what = e->repr ? e->repr : e->type;
        if (k == 0) {
            fprintf(f, "%s%-18s%s", indent, "", what);
            fprintf(f, "    <- root: %s", e->label ? e->label : "?");
            if (e->detail)
                fprintf(f, " (%s)", e->detail);
            if (e->refs >= 0)
                fprintf(f, ", %.0f reference%s from outside the gc heap", e->refs, e->refs == 1 ? "" : "s");
            fputc('\n', f);
        } else {
            fprintf(f, "%s%-17s %s", indent, acc, what);
            if (e->repr && e->type && !strstr(e->repr, e->type))
                fprintf(f, " (%s)", e->type);
            fputc('\n', f);
        }
    }
}

void ccx_holders_print(FILE *f, const struct ccx_holders *h, const char *snapshot, int md)
{
    if (!h)
        return;
    char b1[32];
    const char *base = snapshot ? strrchr(snapshot, '/') : NULL;
    base = base ? base + 1 : snapshot ? snapshot : "?";
    if (md)
        fprintf(f, "\n**Who holds them** (python.holders in `%s`):\n\n", base);
    else
        fprintf(f, "\nWho holds them (python.holders in %s):\n", base);
    if (h->error) {
        fprintf(f, "  the tracer could not search: %s\n", h->error);
        return;
    }
    fprintf(f, "%s%s objects searched in %.1f ms%s\n", md ? "" : "  ", count_str(h->objects, 0, b1, sizeof b1),
            h->search_ms, md ? "\n" : "");
    if (md)
        fputs("```\n", f);
    for (size_t i = 0; i < h->ntypes; i++) {
        const struct ccx_hold_type *t = &h->types[i];
        fprintf(f, "%s%s: %s instances", md ? "" : "  ", t->name, count_str(t->count, 0, b1, sizeof b1));
        if (t->has_growth) {
            char b2[32];
            fprintf(f, " (%s since the previous snapshot)", count_str(t->growth, 1, b2, sizeof b2));
        }
        if (t->why && str_eq(t->why, CCX_HOLD_WHY_NAMED))
            fputs(", named in CCXTRACE_HOLDERS_TYPES", f);
        fputc('\n', f);
        struct ccx_hold_group *g = calloc(t->npaths ? t->npaths : 1, sizeof *g);
        size_t ng = g ? ccx_holders_groups(t, g) : 0;
        for (size_t k = 0; k < ng; k++) {
            fprintf(f, "    %zu of %.0f %s instances: held by%s\n", g[k].count, t->examined, t->name,
                    g[k].labels_vary ? " (indices or keys differ; the first one shown)" : "");
            print_path(f, g[k].path, "      ");
        }
        free(g);
        if (t->garbage > 0)
            fprintf(f, "    %.0f of %.0f %s instances: cyclic garbage (no root reaches them; the next "
                       "collection of their generation frees them)\n",
                    t->garbage, t->examined, t->name);
        if (t->examined == 0)
            fputs("    (no instance examined)\n", f);
    }
    if (md)
        fputs("```\n", f);
}

static cJSON *elem_json(const struct ccx_hold_elem *e)
{
    cJSON *x = cJSON_CreateObject();
    cJSON_AddStringToObject(x, "type", e->type);
    cJSON_AddStringToObject(x, "via", e->via);
    if (e->label)
        cJSON_AddStringToObject(x, "label", e->label);
    else
        cJSON_AddNullToObject(x, "label");
    if (e->repr)
        cJSON_AddStringToObject(x, "repr", e->repr);
    else
        cJSON_AddNullToObject(x, "repr");
    if (e->refs >= 0)
        cJSON_AddNumberToObject(x, "refs", e->refs);
    if (e->detail)
        cJSON_AddStringToObject(x, "detail", e->detail);
    return x;
}

cJSON *ccx_holders_json(const struct ccx_holders *h, const char *snapshot)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "snapshot", snapshot ? snapshot : "");
    if (h->error)
        cJSON_AddStringToObject(o, "error", h->error);
    cJSON_AddNumberToObject(o, "objects", h->objects);
    cJSON_AddNumberToObject(o, "search_ms", h->search_ms);
    cJSON *ts = cJSON_AddArrayToObject(o, "types");
    for (size_t i = 0; i < h->ntypes; i++) {
        const struct ccx_hold_type *t = &h->types[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "type", t->name);
        if (t->why)
            cJSON_AddStringToObject(x, "why", t->why);
        else
            cJSON_AddNullToObject(x, "why");
        cJSON_AddNumberToObject(x, "count", t->count);
        if (t->has_growth)
            cJSON_AddNumberToObject(x, "growth", t->growth);
        else
            cJSON_AddNullToObject(x, "growth");
        cJSON_AddNumberToObject(x, "examined", t->examined);
        cJSON_AddNumberToObject(x, "garbage", t->garbage);
        cJSON_AddNumberToObject(x, "search_ms", t->search_ms);
        cJSON *gs = cJSON_AddArrayToObject(x, "groups");
        struct ccx_hold_group *g = calloc(t->npaths ? t->npaths : 1, sizeof *g);
        size_t ng = g ? ccx_holders_groups(t, g) : 0;
        for (size_t k = 0; k < ng; k++) {
            cJSON *gj = cJSON_CreateObject();
            cJSON_AddNumberToObject(gj, "instances", (double)g[k].count);
            cJSON_AddBoolToObject(gj, "labels_vary", g[k].labels_vary);
            cJSON *pa = cJSON_AddArrayToObject(gj, "path");
            for (size_t e = 0; e < g[k].path->n; e++)
                cJSON_AddItemToArray(pa, elem_json(&g[k].path->e[e]));
            cJSON_AddItemToArray(gs, gj);
        }
        free(g);
        cJSON_AddItemToArray(ts, x);
    }
    return o;
}
