/* py_holders.c - "who holds it": reference paths to the objects that grow
 * (docs/holders.md), written as the snapshot's python.holders member.
 *
 * Called by the census (py_census.c) after its walk over the heap, with
 * the GIL and ccx_guard held and automatic collections paused, on the
 * helper thread (or the exit snapshot's atexit callback): never in a
 * signal handler, never while the interpreter finalizes.  Steps:
 *   1. the census's counts by type (its one walk: no second one here)
 *      compared with the counts of the previous snapshot, to pick the top
 *      CCXTRACE_HOLDERS growing types (by bytes, then count) and those
 *      named in CCXTRACE_HOLDERS_TYPES;
 *   2. the object graph: every object the census's walk kept for us (with
 *      a reference each, so none goes away meanwhile) with its refcount
 *      (minus that reference, and minus the census's own on a type it
 *      counted) and the objects its tp_traverse visits, the same view the
 *      gc has;
 *   3. holders_graph.c finds the roots (refcount minus references from
 *      tracked objects > 0) and shortest root -> object paths;
 *   4. for CCXTRACE_HOLDERS_SAMPLES instances per type, spread over the
 *      instances, the path is described (py_holders_text.c) and its edges
 *      named (py_holders_edge.c); only the edges on the paths, through the
 *      C API and identity comparisons, never an object's __repr__.
 * The graph and every buffer come from ccx_mem_alloc and are freed before
 * returning; only the previous snapshot's per-type counts are kept.
 */
#include "py_holders.h"
#include "py_holders_int.h"
#include "py_census.h"
#include "py_heap.h"
#include "ccx_diag.h"
#include "ccx_format.h"
#include "ccx_clock.h"
#include "ccx_json.h"
#include "ccx_mem.h"
#include "ccx_options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NAMED    CCX_HOLDERS_TYPES_MAX
#define MAX_PICK     80
#define MAX_SAMPLES  CCX_HOLDERS_SAMPLES_MAX
#define MAX_OBJECTS  ((size_t)1 << 30)
#define SHOW_HEAD    8     /* a long path keeps its first and last elements */
#define SHOW_TAIL    15

typedef int (*visitproc)(PyObj *, void *);
typedef int (*traverseproc)(PyObj *, visitproc, void *);

static struct {
    int state;                    /* 0 unread, 1 on, -1 off */
    int top, samples, nnamed;
    char named[MAX_NAMED][CCX_HOLDERS_NAME_LEN];
} opt;

/* The previous snapshot's counts per type, keyed by the type's address
 * (open addressing as in the census's table) and checked by its name's
 * hash (an address may be a new type's by now). */
struct prev_count {
    const void *type;
    uint64_t name_hash, count, bytes;
};
static struct prev_count *prev;   /* PY_TYPE_SLOTS, persistent */
static int have_prev;

/* This search's view of a census slot (same index). */
struct tview {
    uint64_t name_hash;
    uint64_t prev_count, prev_bytes;
    int pick;                     /* index + 1 into the picked types */
    uint64_t seen;                /* instances met by the sampling pass */
};

struct pick {
    const void *type;
    const char *why;
    uint64_t count, growth_count;
    int64_t growth_bytes;
    int has_growth;
    uint32_t nsamples;
    uint32_t sample[MAX_SAMPLES]; /* object indices */
};

/* One search's working state. */
struct search {
    const struct py_types *types;
    const struct py_objs *objs;
    struct tview *view;           /* PY_TYPE_SLOTS */
    struct pick *picks;           /* MAX_PICK */
    int npicks;
    struct hg_graph g;
    uint32_t ord;                 /* the label of the next edge */
    struct py_hold_elem *el;      /* a path's elements */
    size_t el_bytes;
    double t0;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* ---- options and plan ------------------------------------------------
 * CCXTRACE_HOLDERS, CCXTRACE_HOLDERS_SAMPLES and CCXTRACE_HOLDERS_TYPES
 * are read at start, checked and reported when bad by the core's option
 * table (ccx_options.c); here they are copied once, at the first snapshot. */

static void read_options(void)
{
    const struct ccx_options *o = ccx_opts();
    opt.top = o->holders;
    opt.samples = o->holders_samples;
    int n = o->holders_types.n;
    opt.nnamed = 0;
    for (int i = 0; i < n && i < MAX_NAMED; i++)
        snprintf(opt.named[opt.nnamed++], sizeof opt.named[0], "%s", o->holders_types.name[i]);
}

/* The C-API entries of py_api.c the search needs, this version's offsets,
 * and a check that the type object fields we read are where we expect. */
static int api_ok(void)
{
    if (!py.PyDict_Next || !py.PyDict_Size || !py.PyObject_GenericGetDict || !py.PyObject_GenericGetAttr ||
        !py.PyModule_GetDict || !py.PySys_GetObject || !py.PyModule_Type || !py.PyCell_Type ||
        !py.PyTraceBack_Type || !py.PyFunction_Type || !py.PyList_Type || !py.PyDict_Type ||
        !py.PyTuple_Type || !py.PyLong_Type || !py_layout_running())
        return -1;
    /* list, dict and tuple say what they are in tp_flags, are gc types
     * (tp_traverse set) and int is not. */
    if (!(py_hold_flags(py.PyList_Type) & PY_TPFLAGS_LIST_SUBCLASS) ||
        !(py_hold_flags(py.PyDict_Type) & PY_TPFLAGS_DICT_SUBCLASS) ||
        !(py_hold_flags(py.PyTuple_Type) & PY_TPFLAGS_TUPLE_SUBCLASS) ||
        !py_ld_ptr(py.PyList_Type, PY_TP_TRAVERSE) || !py_ld_ptr(py.PyDict_Type, PY_TP_TRAVERSE) ||
        py_ld_ptr(py.PyLong_Type, PY_TP_TRAVERSE) || strcmp(py_hold_tname(py.PyList_Type), "list") != 0)
        return -1;
    return 0;
}

enum py_holders_plan py_holders_plan(void)
{
    if (opt.state == 0) {
        read_options();
        opt.state = 1;
        if (opt.top == 0 && opt.nnamed == 0) {
            opt.state = -1;
        } else if (api_ok() != 0) {
            ccx_diag("holders: this interpreter's type objects are not laid out as expected; holders are off");
            opt.state = -1;
        } else if (!(prev = ccx_mem_alloc(PY_TYPE_SLOTS * sizeof *prev))) {
            opt.state = -1;
        }
    }
    if (opt.state < 0)
        return PY_HOLDERS_OFF;
    /* CCXTRACE_PRESSURE: the graph needs about 100 MiB per million
     * objects, which a process near its limit does not have */
    if (ccx_under_pressure())
        return PY_HOLDERS_PRESSURE;
    /* nothing to compare with and nothing named: counts only */
    if (!have_prev && opt.nnamed == 0)
        return PY_HOLDERS_BASELINE;
    return PY_HOLDERS_SEARCH;
}

/* ---- 1. the types to search for ---------------------------------------- */

static const struct prev_count *prev_find(const void *t)
{
    uint32_t i = (uint32_t)(((uintptr_t)t >> 4) * 2654435761u) & (PY_TYPE_SLOTS - 1);
    for (unsigned k = 0; k < PY_TYPE_SLOTS / 2; k++, i = (i + 1) & (PY_TYPE_SLOTS - 1)) {
        if (prev[i].type == t)
            return &prev[i];
        if (!prev[i].type)
            return NULL;
    }
    return NULL;
}

/* The census's counts become the baseline of the next snapshot. */
static void keep_counts(const struct py_types *tt, const struct tview *view)
{
    memset(prev, 0, PY_TYPE_SLOTS * sizeof *prev);
    for (uint32_t i = 0; i < PY_TYPE_SLOTS; i++) {
        const struct py_tcount *c = &tt->slot[i];
        if (c->type)
            prev[i] = (struct prev_count){ c->type, view ? view[i].name_hash : hash_str(py_hold_tname(c->type)),
                                           c->count, c->bytes };
    }
    have_prev = 1;
}

static int named(const void *t)
{
    const char *n = py_hold_tname(t);
    for (int i = 0; i < opt.nnamed; i++) {
        if (!strcmp(opt.named[i], n))
            return 1;
        /* "module.Name": the last component is tp_name and the module matches */
        const char *dot = strrchr(opt.named[i], '.');
        if (dot && !strcmp(dot + 1, n) && (py_hold_flags(t) & PY_TPFLAGS_HEAPTYPE)) {
            /* __module__ from the class dict itself: no metaclass code runs */
            PyObj *d = (PyObj *)(uintptr_t)py_ld_ptr(t, PY_TP_DICT);
            const char *m = d && (py_hold_flags(py_hold_type(d)) & PY_TPFLAGS_DICT_SUBCLASS)
                                ? py_hold_str(py.PyDict_GetItemString(d, "__module__")) : NULL;
            size_t ml = (size_t)(dot - opt.named[i]);
            if (m && strlen(m) == ml && !strncmp(m, opt.named[i], ml))
                return 1;
        }
    }
    return 0;
}

/* Growth of a census slot since the previous snapshot. */
static int64_t grew_bytes(const struct search *s, uint32_t i)
{
    return (int64_t)(s->types->slot[i].bytes - s->view[i].prev_bytes);
}
static int64_t grew_count(const struct search *s, uint32_t i)
{
    return (int64_t)(s->types->slot[i].count - s->view[i].prev_count);
}

static const struct search *sorting;   /* by_growth's context (GIL held) */

static int by_growth(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int64_t dx = grew_bytes(sorting, x), dy = grew_bytes(sorting, y);
    if (dx != dy)
        return dx < dy ? 1 : -1;
    int64_t cx = grew_count(sorting, x), cy = grew_count(sorting, y);
    return cx < cy ? 1 : cx > cy ? -1 : 0;
}

static void add_pick(struct search *s, uint32_t i, const char *why)
{
    const struct py_tcount *c = &s->types->slot[i];
    struct pick *p = &s->picks[s->npicks];
    s->view[i].pick = ++s->npicks;
    p->why = why;
    p->type = c->type;
    p->count = c->count;
    p->has_growth = have_prev;
    p->growth_count = (uint64_t)grew_count(s, i);
    p->growth_bytes = grew_bytes(s, i);
    p->nsamples = c->count < (uint64_t)opt.samples ? (uint32_t)c->count : (uint32_t)opt.samples;
}

/* The top growing types (against the previous snapshot) and the named
 * ones.  order: PY_TYPE_SLOTS scratch. */
static void pick_types(struct search *s, uint32_t *order)
{
    size_t nt = 0;
    for (uint32_t i = 0; i < PY_TYPE_SLOTS; i++) {
        const struct py_tcount *c = &s->types->slot[i];
        if (!c->type)
            continue;
        struct tview *v = &s->view[i];
        v->name_hash = hash_str(py_hold_tname(c->type));
        const struct prev_count *p = have_prev ? prev_find(c->type) : NULL;
        if (p && p->name_hash == v->name_hash) {
            v->prev_count = p->count;
            v->prev_bytes = p->bytes;
        }
        if (have_prev && c->count > v->prev_count)
            order[nt++] = i;
    }
    sorting = s;
    qsort(order, nt, sizeof *order, by_growth);
    for (size_t k = 0; k < nt && s->npicks < opt.top && s->npicks < MAX_PICK; k++) {
        if (grew_bytes(s, order[k]) <= 0 && grew_count(s, order[k]) <= 0)
            break;
        add_pick(s, order[k], CCX_HOLD_WHY_GROWTH);
    }
    for (uint32_t i = 0; opt.nnamed && i < PY_TYPE_SLOTS && s->npicks < MAX_PICK; i++)
        if (s->types->slot[i].type && !s->view[i].pick && named(s->types->slot[i].type))
            add_pick(s, i, CCX_HOLD_WHY_NAMED);
}

/* Sampled instances: spread evenly over the instances, in gc order. */
static void choose_samples(struct search *s)
{
    for (size_t i = 0; i < s->objs->n; i++) {
        long k = py_types_find(s->types, py_hold_type(s->objs->v[i]));
        if (k < 0 || !s->view[k].pick)
            continue;
        struct tview *v = &s->view[k];
        struct pick *p = &s->picks[v->pick - 1];
        uint64_t seen = v->seen++, count = s->types->slot[k].count;
        /* sample m sits at instance floor((2m + 1) * count / (2 * nsamples)) */
        for (uint32_t m = 0; m < p->nsamples; m++)
            if ((2 * (uint64_t)m + 1) * count / (2 * (uint64_t)p->nsamples) == seen)
                p->sample[m] = (uint32_t)i;
    }
}

/* ---- 2. and 3. the graph, as the gc sees it, and its search ------------ */

static int visit(PyObj *o, void *arg)
{
    struct search *s = arg;
    hg_add_edge(&s->g, (uintptr_t)o, s->ord++);
    return 0;
}

/* The references we hold to o: one from the census's walk, and one more
 * when o is a type the census counted (it keeps those alive until the
 * search is over), so that neither makes o look held from outside. */
static int64_t our_refs(const struct search *s, PyObj *o)
{
    return 1 + ((py_hold_flags(py_hold_type(o)) & PY_TPFLAGS_TYPE_SUBCLASS) &&
                py_types_find(s->types, o) >= 0);
}

static int build_graph(struct search *s)
{
    PyObj *const *objs = s->objs->v;
    size_t n = s->objs->n;
    if (hg_init(&s->g, (uint32_t)n) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (i + 16 < n)
            hg_prefetch(&s->g, (uintptr_t)objs[i + 16]);
        hg_add_object(&s->g, (uintptr_t)objs[i], py_ld_ssize(objs[i], 0) - our_refs(s, objs[i]));
    }
    for (size_t i = 0; i < n; i++) {
        if (i + 8 < n)
            __builtin_prefetch(objs[i + 8]);
        traverseproc tr = (traverseproc)(uintptr_t)py_ld_ptr(py_hold_type(objs[i]), PY_TP_TRAVERSE);
        if (!tr)
            continue;
        hg_begin_edges(&s->g, (uint32_t)i);
        s->ord = 0;
        tr(objs[i], visit, s);
    }
    return hg_search(&s->g);
}

/* ---- 4. the paths, described and written -------------------------------- */

static void write_elem(struct ccx_json *j, const struct py_hold_elem *e)
{
    ccx_json_begin_object(j);
    ccx_json_key(j, CCX_F_HOLD_TYPE);
    ccx_json_string(j, e->type);
    ccx_json_key(j, CCX_F_HOLD_VIA);
    ccx_json_string(j, e->via);
    ccx_json_key(j, CCX_F_HOLD_LABEL);
    ccx_json_string(j, e->label[0] ? e->label : NULL);
    ccx_json_key(j, CCX_F_HOLD_REPR);
    ccx_json_string(j, e->repr[0] ? e->repr : NULL);
    if (py_hold_via_is(e, CCX_VIA_ROOT)) {
        ccx_json_key(j, CCX_F_HOLD_REFS);
        ccx_json_i64(j, e->refs);
        if (e->detail[0]) {
            ccx_json_key(j, CCX_F_HOLD_DETAIL);
            ccx_json_string(j, e->detail);
        }
    }
    ccx_json_end_object(j);
}

/* Whether element k of a path of len elements is written (a long path
 * keeps its first and last elements). */
static int shown_at(uint32_t k, uint32_t len)
{
    return len <= SHOW_HEAD + SHOW_TAIL + 1 || k < SHOW_HEAD || k >= len - SHOW_TAIL;
}

/* Type, description and incoming edge of the elements that will be shown. */
static void describe_path(const struct search *s, const uint32_t *nodes, uint32_t len)
{
    struct py_hold_elem *el = s->el;
    for (uint32_t k = 0; k < len; k++) {
        memset(&el[k], 0, sizeof el[k]);
        el[k].o = s->objs->v[nodes[k]];
    }
    for (uint32_t k = 0; k < len; k++) {
        struct py_hold_elem *e = &el[k];
        if (!shown_at(k, len))
            continue;
        py_hold_snip(e->type, "", py_hold_tname(py_hold_type(e->o)), "");
        py_hold_describe(e->o, e->repr);
        if (k == 0)
            py_hold_root(e, hg_gc_refs(&s->g, nodes[0]), &s->g);
        else
            py_hold_edge(el[k - 1].o, e, &s->g);
    }
}

/* Collapses "X -__dict__-> dict -key-> Y" into "X -attribute-> Y" (a
 * module's globals: "global"), and shows a module's globals dict as the
 * module. */
static void collapse_dicts(struct py_hold_elem *el, uint32_t len)
{
    for (uint32_t k = 0; k < len; k++) {
        struct py_hold_elem *e = &el[k];
        if (!e->type[0] || !(py_hold_flags(py_hold_type(e->o)) & PY_TPFLAGS_DICT_SUBCLASS))
            continue;
        int via_dict = k > 0 && py_hold_via_is(e, CCX_VIA_ATTRIBUTE) && !strcmp(e->label, "__dict__");
        PyObj *mod = py_hold_module_of_dict(e->o);
        if (k + 1 < len && py_hold_via_is(&el[k + 1], CCX_VIA_KEY)) {
            if (via_dict) {
                e->skip = 1;
                el[k + 1].via = py_hold_type(el[k - 1].o) == py.PyModule_Type ? CCX_VIA_GLOBAL : CCX_VIA_ATTRIBUTE;
            } else if (mod) {
                el[k + 1].via = CCX_VIA_GLOBAL;
            }
        }
        if (mod && !e->skip) {
            char m[128];
            py_hold_snip(e->type, "", "module", "");
            py_hold_snip(e->repr, "module '", py_hold_module_name(mod, m, sizeof m), "'");
        }
    }
}

/* The shown elements, an "elided" one standing for each run of hidden ones. */
static void write_elems(struct ccx_json *j, const struct py_hold_elem *el, uint32_t len)
{
    ccx_json_begin_array(j);
    uint32_t elided = 0;
    for (uint32_t k = 0; k < len; k++) {
        if (!shown_at(k, len)) {
            elided++;
            continue;
        }
        if (elided) {
            struct py_hold_elem x;
            memset(&x, 0, sizeof x);
            py_hold_snip(x.type, "", "...", "");
            x.via = CCX_VIA_ELIDED;
            snprintf(x.label, sizeof x.label, "%u objects", elided);
            write_elem(j, &x);
            elided = 0;
        }
        if (!el[k].skip)
            write_elem(j, &el[k]);
    }
    ccx_json_end_array(j);
}

/* Describes and writes one sample's path (root first); 0 when no root
 * reaches it (garbage), -1 out of memory, 1 written. */
static int write_sample(struct ccx_json *j, struct search *s, uint32_t obj)
{
    const uint32_t *nodes, *labels;
    uint32_t len = hg_path(&s->g, obj, &nodes, &labels);
    if (!len)
        return 0;
    size_t need = (size_t)len * sizeof *s->el;
    if (need > s->el_bytes) {
        ccx_mem_free(s->el, s->el_bytes);
        s->el_bytes = need;
        s->el = ccx_mem_alloc(s->el_bytes);
        if (!s->el) {
            s->el_bytes = 0;
            return -1;
        }
    }
    describe_path(s, nodes, len);
    collapse_dicts(s->el, len);
    write_elems(j, s->el, len);
    return 1;
}

static void write_pick(struct ccx_json *j, struct search *s, const struct pick *p)
{
    double tt = ccx_mono_ms();
    ccx_json_begin_object(j);
    ccx_json_key(j, CCX_F_TYPE_NAME);
    ccx_json_string(j, py_hold_tname(p->type));
    ccx_json_key(j, CCX_F_HOLD_WHY);
    ccx_json_string(j, p->why);
    ccx_json_key(j, CCX_F_TYPE_COUNT);
    ccx_json_u64(j, p->count);
    ccx_json_key(j, CCX_F_HOLD_GROWTH);
    if (p->has_growth)
        ccx_json_i64(j, (int64_t)p->growth_count);
    else
        ccx_json_null(j);
    uint32_t garbage = 0;
    ccx_json_key(j, CCX_F_HOLD_PATHS);
    ccx_json_begin_array(j);
    for (uint32_t m = 0; m < p->nsamples; m++)
        if (write_sample(j, s, p->sample[m]) == 0)
            garbage++;
    ccx_json_end_array(j);
    ccx_json_key(j, CCX_F_HOLD_EXAMINED);
    ccx_json_u64(j, p->nsamples);
    ccx_json_key(j, CCX_F_HOLD_GARBAGE);
    ccx_json_u64(j, garbage);
    ccx_json_key(j, CCX_F_HOLD_SEARCH_MS);
    ccx_json_double(j, ccx_mono_ms() - tt);
    ccx_json_end_object(j);
}

static void write_result(struct ccx_json *j, struct search *s, double graph_ms)
{
    ccx_json_key(j, CCX_F_HOLDERS);
    ccx_json_begin_object(j);
    ccx_json_key(j, CCX_F_HOLD_OBJECTS);
    ccx_json_u64(j, (uint64_t)s->objs->n);
    ccx_json_key(j, CCX_F_HOLD_EDGES);
    ccx_json_u64(j, s->g.nedges);
    ccx_json_key(j, CCX_F_HOLD_ROOTS);
    ccx_json_u64(j, s->g.nroots);
    ccx_json_key(j, CCX_F_HOLD_SAMPLES);
    ccx_json_i64(j, opt.samples);
    ccx_json_key(j, CCX_F_HOLD_GRAPH_MS);
    ccx_json_double(j, graph_ms);
    ccx_json_key(j, CCX_F_TYPES);
    ccx_json_begin_array(j);
    for (int pi = 0; pi < s->npicks; pi++)
        write_pick(j, s, &s->picks[pi]);
    ccx_json_end_array(j);
    ccx_json_key(j, CCX_F_HOLD_SEARCH_MS);
    ccx_json_double(j, ccx_mono_ms() - s->t0);
    ccx_json_end_object(j);
}

static void write_error(struct ccx_json *j, const char *why)
{
    ccx_json_key(j, CCX_F_HOLDERS);
    ccx_json_begin_object(j);
    ccx_json_key(j, CCX_F_HOLD_ERROR);
    ccx_json_string(j, why);
    ccx_json_end_object(j);
}

/* Steps 1 to 4 on the census's walk; the error to write, or NULL. */
static const char *search(struct ccx_json *j, struct search *s)
{
    uint32_t *order = ccx_mem_alloc(PY_TYPE_SLOTS * sizeof *order);
    s->view = ccx_mem_alloc(PY_TYPE_SLOTS * sizeof *s->view);
    s->picks = ccx_mem_alloc(MAX_PICK * sizeof *s->picks);
    if (!order || !s->view || !s->picks) {
        if (order)
            ccx_mem_free(order, PY_TYPE_SLOTS * sizeof *order);
        return "out of memory";
    }
    pick_types(s, order);
    ccx_mem_free(order, PY_TYPE_SLOTS * sizeof *order);
    if (s->npicks)
        choose_samples(s);
    keep_counts(s->types, s->view);   /* the baseline for the next snapshot */
    if (!s->npicks)
        return NULL;   /* nothing grew and nothing is named: no holders member */
    if (build_graph(s) != 0)
        return "out of memory for the object graph";
    write_result(j, s, ccx_mono_ms() - s->t0);
    return NULL;
}

void py_holders_write(struct ccx_json *j, enum py_holders_plan plan,
                      const struct py_types *types, const struct py_objs *objs)
{
    if (plan == PY_HOLDERS_OFF)
        return;
    if (plan == PY_HOLDERS_PRESSURE) {
        write_error(j, CCX_HOLD_SKIPPED_PRESSURE);
        return;
    }
    if (plan == PY_HOLDERS_BASELINE) {
        keep_counts(types, NULL);
        return;
    }
    if (!objs || objs->failed || objs->n >= MAX_OBJECTS) {
        write_error(j, "out of memory");
        return;
    }
    struct search s;
    memset(&s, 0, sizeof s);
    s.types = types;
    s.objs = objs;
    s.t0 = ccx_mono_ms();
    const char *err = search(j, &s);
    if (err)
        write_error(j, err);
    if (s.el)
        ccx_mem_free(s.el, s.el_bytes);
    hg_free(&s.g);
    if (s.picks)
        ccx_mem_free(s.picks, MAX_PICK * sizeof *s.picks);
    if (s.view)
        ccx_mem_free(s.view, PY_TYPE_SLOTS * sizeof *s.view);
    py.PyErr_Clear();
}
