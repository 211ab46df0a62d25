/* snaptables.c - modules, frames, stacks and sites streamed into the
 * snapshot's flat arrays (see snaptables.h).
 *
 * Modules and frames (small objects whose fields depend on each other) are
 * built one element at a time as cJSON trees of their known members only
 * and read from those; stacks and sites, the bulk of a snapshot, go
 * straight from the JSON reader into the arrays.  An id or a reference is
 * kept raw (ID_BAD when it is no integer in [0, CCX_MAX_ITEMS), the first
 * such value remembered for the message) until ccx_tables_finish checks it
 * against the table's final size, in array order, as each table is done.
 */
#include "snaptables.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccx_format.h"

#define ID_NONE UINT32_MAX        /* a frame without a module */
#define ID_BAD (UINT32_MAX - 1)   /* not an integer in [0, CCX_MAX_ITEMS) */
#define MAX_STACK_FRAMES (UINT32_MAX / 2)

/* The first id or reference of a table that was no valid integer. */
struct deferred {
    size_t pos;
    double v;
    int set;
};

struct ccx_tables {
    int present[4];
    size_t nmod, cap_mod_id, cap_mod_name;
    uint32_t *mod_id, *mod_name;          /* by position, then mod_name by id */
    size_t cap_fr, cap_fr_id;
    uint32_t *fr_id;                      /* frames: s->frames by position */
    size_t cap_st_id, cap_st_start, cap_st_len, cap_sf;
    uint32_t *st_id;                      /* stacks: s->stack_* by position */
    size_t cap_si;
    struct deferred bad_mod_id, bad_fr_id, bad_fr_mod, bad_st_id, bad_st_frame, bad_si_stack;
};

static const char *const table_names[] = {CCX_F_MODULES, CCX_F_FRAMES, CCX_F_STACKS, CCX_F_SITES};

enum ccx_table ccx_table_of(const char *key)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(key, table_names[i]) == 0)
            return (enum ccx_table)i;
    return CCX_TABLE_NONE;
}

struct ccx_tables *ccx_tables_new(struct ccx_rd *r)
{
    return ccx_rd_calloc(r, 1, sizeof(struct ccx_tables));
}

void ccx_tables_free(struct ccx_tables *t)
{
    if (!t)
        return;
    free(t->mod_id);
    free(t->mod_name);
    free(t->fr_id);
    free(t->st_id);
    free(t);
}

static uint32_t raw_id(double v, size_t pos, struct deferred *d)
{
    if (v >= 0 && v < CCX_MAX_ITEMS && v == floor(v))
        return (uint32_t)v;
    if (!d->set) {
        d->set = 1;
        d->pos = pos;
        d->v = v;
    }
    return ID_BAD;
}

static int layer_of(const char *l)
{
    if (!strcmp(l, CCX_LAYER_LIBC))
        return CCX_L_LIBC;
    if (!strcmp(l, CCX_LAYER_PYTHON))
        return CCX_L_PYTHON;
    if (!strcmp(l, CCX_LAYER_MMAP))
        return CCX_L_MMAP;
    return CCX_L_OTHER;
}

/* The next value's type, which must be an object for element i of what. */
static int element(struct ccx_rd *r, const char *what, size_t i)
{
    enum ccx_jr_type ty = ccx_jr_peek(r->j);
    if (ty == CCX_JR_ERROR)
        return ccx_rd_json_failed(r);
    return ty == CCX_JR_OBJECT ? 0 : ccx_rd_fail(r, "%s %zu is not an object", what, i);
}

/* A number member of a stack or site being streamed: 1 read, 0 null,
 * -1 another type (or a JSON error). */
static int stream_num(struct ccx_rd *r, const char *what, size_t i, const char *k, double *v)
{
    enum ccx_jr_type ty = ccx_jr_peek(r->j);
    if (ty == CCX_JR_NULL)
        return ccx_jr_skip(r->j) < 0 ? ccx_rd_json_failed(r) : 0;
    if (ty == CCX_JR_ERROR || (ty == CCX_JR_NUMBER && ccx_jr_number(r->j, v) < 0))
        return ccx_rd_json_failed(r);
    if (ty != CCX_JR_NUMBER)
        return ccx_rd_fail(r, "%s %zu: \"%s\" is not a number", what, i, k);
    return 1;
}

/* The "id" of a module or frame tree (raw: checked at the end). */
static int tree_id(struct ccx_rd *r, const cJSON *o, const char *what, size_t i, struct deferred *d,
                   uint32_t *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, CCX_F_ID);
    if (!it)
        return ccx_rd_fail(r, "%s %zu has no \"%s\"", what, i, CCX_F_ID);
    if (!cJSON_IsNumber(it))
        return ccx_rd_fail(r, "%s %zu: \"%s\" is not a number", what, i, CCX_F_ID);
    *out = raw_id(it->valuedouble, i, d);
    return 0;
}

/* ---- modules and frames: one small tree each ------------------------------ */

static int read_module(struct ccx_rd *r, size_t i)
{
    static const char *const keep[] = {CCX_F_ID, CCX_F_PATH, NULL};
    struct ccx_tables *t = r->t;
    if (element(r, "module", i) < 0 ||
        ccx_rd_grow(r, &t->mod_id, &t->cap_mod_id, t->nmod, sizeof *t->mod_id, CCX_F_MODULES) < 0 ||
        ccx_rd_grow(r, &t->mod_name, &t->cap_mod_name, t->nmod, sizeof *t->mod_name, CCX_F_MODULES) < 0)
        return -1;
    cJSON *o = ccx_jr_tree(r->j, keep);
    if (!o)
        return ccx_rd_json_failed(r);
    uint32_t name = 0;
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, CCX_F_PATH);
    if (tree_id(r, o, "module", i, &t->bad_mod_id, &t->mod_id[t->nmod]) < 0) {
        /* reported */
    } else if (p && !cJSON_IsNull(p) && !cJSON_IsString(p)) {
        ccx_rd_fail(r, "module %zu: \"%s\" is not a string", i, CCX_F_PATH);
    } else if (p && cJSON_IsString(p)) {
        /* only the basename of the path matters to the analyzer */
        const char *slash = strrchr(p->valuestring, '/');
        name = ccx_rd_pool_add(r, slash ? slash + 1 : p->valuestring);
    }
    cJSON_Delete(o);
    t->mod_name[t->nmod++] = name;
    return r->failed ? -1 : 0;
}

/* "0x1234" or a number. */
static int hexnum(struct ccx_rd *r, const cJSON *o, const char *k, size_t i, uint64_t *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!it || cJSON_IsNull(it))
        return 0;
    if (cJSON_IsNumber(it)) {
        if (!(it->valuedouble >= 0) || it->valuedouble > 1.8e19)
            return ccx_rd_fail(r, "frame %zu: \"%s\" out of range", i, k);
        *out = (uint64_t)it->valuedouble;
        return 0;
    }
    if (!cJSON_IsString(it))
        return ccx_rd_fail(r, "frame %zu: \"%s\" is not a string", i, k);
    char *end;
    errno = 0;
    unsigned long long v = strtoull(it->valuestring, &end, 0);
    if (errno || end == it->valuestring || *end)
        return ccx_rd_fail(r, "frame %zu: \"%s\" is not a hex number", i, k);
    *out = v;
    return 0;
}

static int frame_python(struct ccx_rd *r, const cJSON *o, size_t i, struct ccx_frame *f)
{
    char where[48];
    double line = 0;
    snprintf(where, sizeof where, "frame %zu:", i);
    f->kind = CCX_FRAME_PYTHON;
    if (ccx_rd_str(r, o, CCX_F_FILE, where, &f->file) < 0 || ccx_rd_str(r, o, CCX_F_FUNCTION, where, &f->name) < 0 ||
        ccx_rd_num(r, o, CCX_F_LINE, where, &line) < 0)
        return -1;
    if (line > UINT32_MAX)
        return ccx_rd_fail(r, "frame %zu: line %g out of range", i, line);
    f->line = (uint32_t)line;
    return 0;
}

static int frame_native(struct ccx_rd *r, const cJSON *o, size_t i, struct ccx_frame *f)
{
    char where[48];
    snprintf(where, sizeof where, "frame %zu:", i);
    f->kind = CCX_FRAME_NATIVE;
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, CCX_F_MODULE);
    if (m && !cJSON_IsNull(m)) {
        if (!cJSON_IsNumber(m))
            return ccx_rd_fail(r, "frame %zu: \"%s\" is not a number", i, CCX_F_MODULE);
        f->module_name = raw_id(m->valuedouble, i, &r->t->bad_fr_mod); /* raw until the end */
    }
    if (ccx_rd_str(r, o, CCX_F_SYMBOL, where, &f->name) < 0 || hexnum(r, o, CCX_F_OFFSET, i, &f->offset) < 0 ||
        hexnum(r, o, CCX_F_SYMBOL_OFFSET, i, &f->symbol_offset) < 0)
        return -1;
    return 0;
}

static int read_frame(struct ccx_rd *r, size_t i)
{
    static const char *const keep[] = {CCX_F_ID, CCX_F_KIND, CCX_F_FILE, CCX_F_FUNCTION, CCX_F_LINE,
                                       CCX_F_MODULE, CCX_F_SYMBOL, CCX_F_OFFSET, CCX_F_SYMBOL_OFFSET, NULL};
    struct ccx_tables *t = r->t;
    struct ccx_snap *s = r->s;
    if (element(r, "frame", i) < 0 ||
        ccx_rd_grow(r, &s->frames, &t->cap_fr, s->nframes, sizeof *s->frames, CCX_F_FRAMES) < 0 ||
        ccx_rd_grow(r, &t->fr_id, &t->cap_fr_id, s->nframes, sizeof *t->fr_id, CCX_F_FRAMES) < 0)
        return -1;
    cJSON *o = ccx_jr_tree(r->j, keep);
    if (!o)
        return ccx_rd_json_failed(r);
    struct ccx_frame *f = &s->frames[s->nframes];
    memset(f, 0, sizeof *f);
    f->module_name = ID_NONE;
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(o, CCX_F_KIND);
    if (tree_id(r, o, "frame", i, &t->bad_fr_id, &t->fr_id[s->nframes]) < 0) {
        /* reported */
    } else if (!k || !cJSON_IsString(k)) {
        ccx_rd_fail(r, "frame %zu has no \"%s\" string", i, CCX_F_KIND);
    } else if (!strcmp(k->valuestring, CCX_KIND_PYTHON)) {
        frame_python(r, o, i, f);
    } else if (!strcmp(k->valuestring, CCX_KIND_NATIVE)) {
        frame_native(r, o, i, f);
    } else {
        ccx_rd_fail(r, "frame %zu: unknown kind \"%.40s\"", i, k->valuestring);
    }
    cJSON_Delete(o);
    s->nframes++;
    return r->failed ? -1 : 0;
}

/* ---- stacks and sites: streamed ------------------------------------------ */

/* A stack's "frames": frame ids (raw) appended to s->stack_frames. */
static int stack_frames(struct ccx_rd *r, size_t i, size_t start)
{
    struct ccx_snap *s = r->s;
    struct ccx_jr *j = r->j;
    enum ccx_jr_type ty = ccx_jr_peek(j);
    if (ty == CCX_JR_ERROR)
        return ccx_rd_json_failed(r);
    if (ty != CCX_JR_ARRAY)
        return ccx_rd_fail(r, "stack %zu has no \"%s\" array", i, CCX_F_STACK_FRAMES);
    if (ccx_jr_array(j) < 0)
        return ccx_rd_json_failed(r);
    int more;
    while ((more = ccx_jr_next(j)) == 1) {
        if (s->nstack_frames - start >= CCX_MAX_STACK_DEPTH)
            return ccx_rd_fail(r, "stack %zu is more than %d frames deep", i, CCX_MAX_STACK_DEPTH);
        if (s->nstack_frames >= MAX_STACK_FRAMES)
            return ccx_rd_fail(r, "too many stack frames");
        if (s->nstack_frames == r->t->cap_sf) {
            size_t cap = r->t->cap_sf ? r->t->cap_sf * 2 : 1024;
            uint32_t *np = realloc(s->stack_frames, cap * sizeof *np);
            if (!np)
                return ccx_rd_fail(r, "out of memory");
            s->stack_frames = np;
            r->t->cap_sf = cap;
        }
        double v = -1; /* not a number: out of range, as -1 */
        if ((ty = ccx_jr_peek(j)) == CCX_JR_ERROR ||
            (ty == CCX_JR_NUMBER ? ccx_jr_number(j, &v) : ccx_jr_skip(j)) < 0)
            return ccx_rd_json_failed(r);
        s->stack_frames[s->nstack_frames++] = raw_id(v, i, &r->t->bad_st_frame);
    }
    return more < 0 ? ccx_rd_json_failed(r) : 0;
}

static int read_stack(struct ccx_rd *r, size_t i)
{
    struct ccx_tables *t = r->t;
    struct ccx_snap *s = r->s;
    size_t n = s->nstacks, start = s->nstack_frames;
    if (element(r, "stack", i) < 0 ||
        ccx_rd_grow(r, &t->st_id, &t->cap_st_id, n, sizeof *t->st_id, CCX_F_STACKS) < 0 ||
        ccx_rd_grow(r, &s->stack_start, &t->cap_st_start, n, sizeof *s->stack_start, CCX_F_STACKS) < 0 ||
        ccx_rd_grow(r, &s->stack_len, &t->cap_st_len, n, sizeof *s->stack_len, CCX_F_STACKS) < 0)
        return -1;
    if (ccx_jr_object(r->j) < 0)
        return ccx_rd_json_failed(r);
    int has_id = 0, has_frames = 0, more;
    const char *k;
    while ((more = ccx_jr_key(r->j, &k)) == 1) {
        if (!strcmp(k, CCX_F_ID)) {
            double v = 0;
            if (ccx_jr_peek(r->j) == CCX_JR_NULL) /* null is no number here */
                return ccx_rd_fail(r, "stack %zu: \"%s\" is not a number", i, CCX_F_ID);
            if (stream_num(r, "stack", i, CCX_F_ID, &v) < 0)
                return -1;
            t->st_id[n] = raw_id(v, i, &t->bad_st_id);
            has_id = 1;
        } else if (!strcmp(k, CCX_F_STACK_FRAMES)) {
            if (stack_frames(r, i, start) < 0)
                return -1;
            has_frames = 1;
        } else if (ccx_jr_skip(r->j) < 0) {
            return ccx_rd_json_failed(r);
        }
    }
    if (more < 0)
        return ccx_rd_json_failed(r);
    if (!has_id)
        return ccx_rd_fail(r, "stack %zu has no \"%s\"", i, CCX_F_ID);
    if (!has_frames)
        return ccx_rd_fail(r, "stack %zu has no \"%s\" array", i, CCX_F_STACK_FRAMES);
    s->stack_start[n] = (uint32_t)start;
    s->stack_len[n] = (uint32_t)(s->nstack_frames - start);
    s->nstacks++;
    return 0;
}

/* Where a site's number member goes (NULL: not one). */
static double *site_field(struct ccx_site *st, const char *k)
{
    if (!strcmp(k, CCX_F_LIVE_BYTES))
        return &st->live_bytes;
    if (!strcmp(k, CCX_F_LIVE_BLOCKS))
        return &st->live_blocks;
    if (!strcmp(k, CCX_F_LIVE_SAMPLES))
        return &st->live_samples;
    if (!strcmp(k, CCX_F_ALLOC_BYTES))
        return &st->alloc_bytes;
    if (!strcmp(k, CCX_F_ALLOC_CALLS))
        return &st->alloc_calls;
    return NULL;
}

/* A site's "layer": a string or null (libc). */
static int site_layer(struct ccx_rd *r, size_t i, struct ccx_site *st)
{
    const char *l;
    enum ccx_jr_type ty = ccx_jr_peek(r->j);
    if (ty == CCX_JR_NULL)
        return ccx_jr_skip(r->j) < 0 ? ccx_rd_json_failed(r) : 0;
    if (ty == CCX_JR_ERROR || (ty == CCX_JR_STRING && ccx_jr_string(r->j, &l, NULL) < 0))
        return ccx_rd_json_failed(r);
    if (ty != CCX_JR_STRING)
        return ccx_rd_fail(r, "site %zu: \"%s\" is not a string", i, CCX_F_LAYER);
    st->layer = (uint8_t)layer_of(l);
    return 0;
}

/* One site member (its key k); 0 or -1. */
static int site_member(struct ccx_rd *r, size_t i, struct ccx_site *st, const char *k, int *has_stack)
{
    double v = 0, *f;
    if (!strcmp(k, CCX_F_STACK)) {
        if (ccx_jr_peek(r->j) == CCX_JR_NULL) /* null is no number here */
            return ccx_rd_fail(r, "site %zu: \"%s\" is not a number", i, CCX_F_STACK);
        if (stream_num(r, "site", i, CCX_F_STACK, &v) < 0)
            return -1;
        st->stack = raw_id(v, i, &r->t->bad_si_stack);
        *has_stack = 1;
        return 0;
    }
    if (!strcmp(k, CCX_F_LAYER))
        return site_layer(r, i, st);
    if (!(f = site_field(st, k)))
        return ccx_jr_skip(r->j) < 0 ? ccx_rd_json_failed(r) : 0;
    int got = stream_num(r, "site", i, k, &v);
    char where[40];
    snprintf(where, sizeof where, "site %zu:", i);
    if (got < 0 || (got && ccx_rd_check_num(r, v, k, where) < 0))
        return -1;
    *f = v; /* null: 0 (a null live_samples is not an absent one) */
    return 0;
}

static int read_site(struct ccx_rd *r, size_t i)
{
    struct ccx_snap *s = r->s;
    if (element(r, "site", i) < 0 ||
        ccx_rd_grow(r, &s->sites, &r->t->cap_si, s->nsites, sizeof *s->sites, CCX_F_SITES) < 0)
        return -1;
    if (ccx_jr_object(r->j) < 0)
        return ccx_rd_json_failed(r);
    struct ccx_site *st = &s->sites[s->nsites];
    memset(st, 0, sizeof *st);
    st->live_samples = -1; /* absent: set once the sampling mode is known */
    int has_stack = 0, more;
    const char *k;
    while ((more = ccx_jr_key(r->j, &k)) == 1)
        if (site_member(r, i, st, k, &has_stack) < 0)
            return -1;
    if (more < 0)
        return ccx_rd_json_failed(r);
    if (!has_stack)
        return ccx_rd_fail(r, "site %zu has no \"%s\"", i, CCX_F_STACK);
    s->nsites++;
    return 0;
}

int ccx_tables_read(struct ccx_rd *r, enum ccx_table which)
{
    static int (*const read_one[])(struct ccx_rd *, size_t) = {read_module, read_frame, read_stack,
                                                                read_site};
    struct ccx_jr *j = r->j;
    enum ccx_jr_type ty = ccx_jr_peek(j);
    if (ty == CCX_JR_ERROR || (ty == CCX_JR_NULL && ccx_jr_skip(j) < 0))
        return ccx_rd_json_failed(r);
    if (ty == CCX_JR_NULL)
        return 0;
    if (ty != CCX_JR_ARRAY)
        return ccx_rd_fail(r, "\"%s\" is not an array", table_names[which]);
    r->t->present[which] = 1;
    if (ccx_jr_array(j) < 0)
        return ccx_rd_json_failed(r);
    int more;
    for (size_t i = 0; (more = ccx_jr_next(j)) == 1; i++)
        if (read_one[which](r, i) < 0)
            return -1;
    return more < 0 ? ccx_rd_json_failed(r) : 0;
}

/* ---- the end: ids, references, order, hashes ----------------------------- */

/* Every id of a table in [0, n) and given once: a permutation. */
static int check_ids(struct ccx_rd *r, const char *what, const uint32_t *id, size_t n,
                     const struct deferred *d, unsigned char *seen)
{
    memset(seen, 0, n);
    for (size_t i = 0; i < n; i++) {
        if (id[i] == ID_BAD || id[i] >= n)
            return ccx_rd_fail(r, "%s %zu: \"%s\" %g is out of range (0..%zu)", what, i, CCX_F_ID,
                               id[i] == ID_BAD ? d->v : (double)id[i], n ? n - 1 : 0);
        if (seen[id[i]])
            return ccx_rd_fail(r, "%s id %u appears twice", what, id[i]);
        seen[id[i]] = 1;
    }
    return 0;
}

static void swap(void *a, size_t size, size_t i, size_t k)
{
    unsigned char tmp[64], *x = (unsigned char *)a + i * size, *y = (unsigned char *)a + k * size;
    memcpy(tmp, x, size);
    memcpy(x, y, size);
    memcpy(y, tmp, size);
}

/* Puts entry i of up to three parallel arrays (b, c may be NULL) at
 * position id[i]; id (a permutation) ends as the identity. */
static void permute(uint32_t *id, size_t n, void *a, size_t sa, void *b, size_t sb, void *c, size_t sc)
{
    for (size_t i = 0; i < n; i++)
        while (id[i] != i) {
            size_t k = id[i];
            swap(a, sa, i, k);
            if (b)
                swap(b, sb, i, k);
            if (c)
                swap(c, sc, i, k);
            id[i] = id[k];
            id[k] = (uint32_t)k;
        }
}

static int finish_frames(struct ccx_rd *r, unsigned char *seen)
{
    struct ccx_snap *s = r->s;
    struct ccx_tables *t = r->t;
    if (check_ids(r, "frame", t->fr_id, s->nframes, &t->bad_fr_id, seen) < 0)
        return -1;
    for (size_t i = 0; i < s->nframes; i++) {
        struct ccx_frame *f = &s->frames[i];
        uint32_t m = f->module_name;
        if (f->kind != CCX_FRAME_NATIVE || m == ID_NONE) {
            f->module_name = 0;
            continue;
        }
        if (m == ID_BAD || m >= t->nmod)
            return ccx_rd_fail(r, "frame %zu: \"%s\" %g is out of range (0..%zu)", i, CCX_F_MODULE,
                               m == ID_BAD ? t->bad_fr_mod.v : (double)m, t->nmod ? t->nmod - 1 : 0);
        f->module_name = t->mod_name[m];
    }
    permute(t->fr_id, s->nframes, s->frames, sizeof *s->frames, NULL, 0, NULL, 0);
    for (size_t i = 0; i < s->nframes; i++) {
        struct ccx_frame *f = &s->frames[i];
        const char *mod = ccx_str(s, f->module_name), *name = ccx_str(s, f->name);
        if (f->kind == CCX_FRAME_PYTHON) {
            f->hash = ccx_ident_python(ccx_str(s, f->file), name, f->line);
        } else {
            f->hash = ccx_ident_native(mod, name, f->offset);
            f->skip = (uint8_t)ccx_frame_is_allocator(mod, name);
        }
    }
    return 0;
}

static int finish_stacks(struct ccx_rd *r, unsigned char *seen)
{
    struct ccx_snap *s = r->s;
    struct ccx_tables *t = r->t;
    if (check_ids(r, "stack", t->st_id, s->nstacks, &t->bad_st_id, seen) < 0 ||
        !(s->stack_hash = ccx_rd_calloc(r, s->nstacks, sizeof *s->stack_hash)))
        return -1;
    for (size_t i = 0; i < s->nstacks; i++) {
        uint64_t h = 0x5354414bull;
        const uint32_t *fr = s->stack_frames + s->stack_start[i];
        for (uint32_t k = 0; k < s->stack_len[i]; k++) {
            if (fr[k] == ID_BAD || fr[k] >= s->nframes)
                return ccx_rd_fail(r, "stack %zu: frame id %g is out of range (0..%zu)", i,
                                   fr[k] == ID_BAD ? t->bad_st_frame.v : (double)fr[k],
                                   s->nframes ? s->nframes - 1 : 0);
            h = ccx_hash_mix(h, s->frames[fr[k]].hash);
        }
        s->stack_hash[i] = h;
    }
    permute(t->st_id, s->nstacks, s->stack_start, sizeof *s->stack_start, s->stack_len,
            sizeof *s->stack_len, s->stack_hash, sizeof *s->stack_hash);
    return 0;
}

static int finish_sites(struct ccx_rd *r)
{
    struct ccx_snap *s = r->s;
    for (size_t i = 0; i < s->nsites; i++) {
        struct ccx_site *st = &s->sites[i];
        if (st->stack == ID_BAD || st->stack >= s->nstacks)
            return ccx_rd_fail(r, "site %zu: \"%s\" %g is out of range (0..%zu)", i, CCX_F_STACK,
                               st->stack == ID_BAD ? r->t->bad_si_stack.v : (double)st->stack,
                               s->nstacks ? s->nstacks - 1 : 0);
        st->key = ccx_hash_mix(s->stack_hash[st->stack], 0x51u + st->layer);
        if (st->live_samples < 0) /* absent: exact mode counts every block */
            st->live_samples = s->sample_mode ? 0 : st->live_blocks;
    }
    return 0;
}

int ccx_tables_finish(struct ccx_rd *r)
{
    struct ccx_snap *s = r->s;
    struct ccx_tables *t = r->t;
    /* The tracer always writes "sites", empty or not: without it this is a
     * damaged snapshot, not one where nothing is live.  (The other tables
     * are needed only when something refers to them: the ids say so.) */
    if (!t->present[CCX_TABLE_SITES])
        return ccx_rd_fail(r, "no \"%s\" array", CCX_F_SITES);
    /* never NULL, even when empty (as the reader always left them) */
    if ((!s->frames && !(s->frames = ccx_rd_calloc(r, 1, sizeof *s->frames))) ||
        (!s->stack_start && !(s->stack_start = ccx_rd_calloc(r, 1, sizeof *s->stack_start))) ||
        (!s->stack_len && !(s->stack_len = ccx_rd_calloc(r, 1, sizeof *s->stack_len))) ||
        (!s->stack_frames && !(s->stack_frames = ccx_rd_calloc(r, 1, sizeof *s->stack_frames))) ||
        (!s->sites && !(s->sites = ccx_rd_calloc(r, 1, sizeof *s->sites))))
        return -1;
    size_t most = t->nmod > s->nframes ? t->nmod : s->nframes;
    unsigned char *seen = ccx_rd_calloc(r, (most > s->nstacks ? most : s->nstacks) + 1, 1);
    if (!seen)
        return -1;
    int rc = -1;
    if (check_ids(r, "module", t->mod_id, t->nmod, &t->bad_mod_id, seen) == 0) {
        permute(t->mod_id, t->nmod, t->mod_name, sizeof *t->mod_name, NULL, 0, NULL, 0);
        rc = finish_frames(r, seen) < 0 || finish_stacks(r, seen) < 0 || finish_sites(r) < 0 ? -1 : 0;
    }
    free(seen);
    return rc;
}
