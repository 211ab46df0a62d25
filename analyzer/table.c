/* table.c - matching sites across snapshots (see table.h). */
#include "table.h"

#include <stdlib.h>

#include "grow.h"
#include "stats.h"

/* ---- the map ---- */

static long map_find(const struct ccx_u64map *m, uint64_t key)
{
    if (!m->cap)
        return -1;
    size_t mask = m->cap - 1;
    for (size_t i = (size_t)(key * 0x9e3779b97f4a7c15ull >> 20) & mask;; i = (i + 1) & mask) {
        if (!m->vals[i])
            return -1;
        if (m->keys[i] == key)
            return (long)m->vals[i] - 1;
    }
}

static int map_put(struct ccx_u64map *m, uint64_t key, uint32_t val)
{
    if ((m->n + 1) * 4 > m->cap * 3) { /* keep the load under 3/4 */
        size_t cap = m->cap ? m->cap * 2 : 1024;
        uint64_t *k = calloc(cap, sizeof *k);
        uint32_t *v = calloc(cap, sizeof *v);
        if (!k || !v) {
            free(k);
            free(v);
            return -1;
        }
        for (size_t j = 0; j < m->cap; j++) {
            if (!m->vals[j])
                continue;
            size_t i = (size_t)(m->keys[j] * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1);
            while (v[i])
                i = (i + 1) & (cap - 1);
            k[i] = m->keys[j];
            v[i] = m->vals[j];
        }
        free(m->keys);
        free(m->vals);
        m->keys = k;
        m->vals = v;
        m->cap = cap;
    }
    size_t mask = m->cap - 1, i = (size_t)(key * 0x9e3779b97f4a7c15ull >> 20) & mask;
    while (m->vals[i])
        i = (i + 1) & mask;
    m->keys[i] = key;
    m->vals[i] = val + 1;
    m->n++;
    return 0;
}

struct ccx_table *ccx_table_new(size_t k, enum ccx_by by)
{
    struct ccx_table *t = calloc(1, sizeof *t);
    enum ccx_strpool_err err = CCX_STRPOOL_OK;
    if (!t)
        return NULL;
    t->k = k;
    t->by = by;
    t->sample_T = calloc(k ? k : 1, sizeof *t->sample_T);
    ccx_strpool_add(&t->strs, "", &err);
    if (!t->sample_T || err) {
        ccx_table_free(t);
        return NULL;
    }
    return t;
}

static int push_u32(struct ccx_table *t, uint32_t v)
{
    uint32_t *p = ccx_grow(t->stackv, t->nstackv, &t->stackcap, sizeof *p, 4096);
    if (!p)
        return -1;
    t->stackv = p;
    t->stackv[t->nstackv++] = v;
    return 0;
}

/* Index of a frame in the table's frame list, adding it when new. */
static long intern_frame(struct ccx_table *t, const struct ccx_snap *s, const struct ccx_frame *f)
{
    long found = map_find(&t->framemap, f->hash);
    if (found >= 0)
        return found;
    struct ccx_tframe **p = ccx_grow(t->frames, t->nframes, &t->fcap, sizeof *p, 1024);
    if (!p)
        return -1;
    t->frames = p;
    struct ccx_tframe *tf = calloc(1, sizeof *tf);
    if (!tf)
        return -1;
    char buf[1024];
    enum ccx_strpool_err err = CCX_STRPOOL_OK;
    size_t a, b;
    tf->hash = f->hash;
    tf->label = ccx_strpool_add(&t->strs, ccx_frame_format_parts(s, f, buf, sizeof buf, &a, &b), &err);
    tf->part_a = (uint16_t)a; /* < sizeof buf */
    tf->part_b = (uint16_t)b;
    tf->line = f->line;
    tf->py = f->kind == CCX_FRAME_PYTHON;
    tf->idx = (uint32_t)t->nframes;
    if (err || map_put(&t->framemap, tf->hash, tf->idx) < 0) {
        free(tf);
        return -1;
    }
    t->frames[t->nframes++] = tf;
    return tf->idx;
}

static struct ccx_row *new_row(struct ccx_table *t, uint64_t key, const struct ccx_snap *s,
                               const struct ccx_site *site)
{
    struct ccx_row **p = ccx_grow(t->rows, t->nrows, &t->cap, sizeof *p, 1024);
    if (!p)
        return NULL;
    t->rows = p;
    struct ccx_row *r = calloc(1, sizeof *r);
    double *v = calloc(5 * t->k, sizeof *v);
    if (!r || !v) {
        free(r);
        free(v);
        return NULL;
    }
    r->key = key;
    r->layer = site->layer;
    r->bytes = v;
    r->blocks = v + t->k;
    r->samples = v + 2 * t->k;
    r->var = v + 3 * t->k;
    r->alloc = v + 4 * t->k;
    char label[1024];
    enum ccx_strpool_err serr = CCX_STRPOOL_OK;
    ccx_site_group(s, site, t->by, label, sizeof label);
    r->label = ccx_strpool_add(&t->strs, label, &serr);
    int err = serr != CCX_STRPOOL_OK;
    r->stack_off = (uint32_t)t->nstackv;
    const uint32_t *fr = s->stack_frames + s->stack_start[site->stack];
    uint32_t n = s->stack_len[site->stack];
    long kf = ccx_stack_key_frame(s, site->stack);
    r->key_pos = n;
    for (uint32_t j = 0; j < n && !err; j++) {
        if (r->key_pos == n && (long)fr[j] == kf)
            r->key_pos = j;
        long ix = intern_frame(t, s, &s->frames[fr[j]]);
        if (ix < 0 || push_u32(t, (uint32_t)ix) < 0)
            err = 1;
    }
    r->stack_len = n;
    if (err || map_put(&t->rowmap, key, (uint32_t)t->nrows) < 0) {
        free(v);
        free(r);
        return NULL;
    }
    t->rows[t->nrows++] = r;
    return r;
}

int ccx_table_add(struct ccx_table *t, size_t i, const struct ccx_snap *s)
{
    t->sample_T[i] = s->sample_mode ? s->interval : 0;
    for (size_t j = 0; j < s->nsites; j++) {
        const struct ccx_site *site = &s->sites[j];
        uint64_t key;
        if (t->by == CCX_BY_STACK || t->by == CCX_BY_TYPE) {
            key = site->key;
        } else {
            char label[1024];
            key = ccx_site_group(s, site, t->by, label, sizeof label);
        }
        long ix = map_find(&t->rowmap, key);
        struct ccx_row *r = ix >= 0 ? t->rows[ix] : new_row(t, key, s, site);
        if (!r)
            return -1;
        r->bytes[i] += site->live_bytes;
        r->blocks[i] += site->live_blocks;
        r->samples[i] += site->live_samples;
        if (site->live_samples >= 1)
            r->var[i] += ccx_site_var(site->live_bytes, site->live_samples, t->sample_T[i]);
        r->alloc[i] += site->alloc_bytes;
    }
    return 0;
}

void ccx_table_finish(struct ccx_table *t)
{
    for (size_t j = 0; j < t->nrows; j++) {
        struct ccx_row *r = t->rows[j];
        for (size_t i = 0; i < t->k; i++)
            if (r->samples[i] < 1 && t->sample_T[i] > 0)
                r->var[i] = t->sample_T[i] * t->sample_T[i];
    }
}

void ccx_table_free(struct ccx_table *t)
{
    if (!t)
        return;
    free(t->rowmap.keys);
    free(t->rowmap.vals);
    free(t->framemap.keys);
    free(t->framemap.vals);
    for (size_t j = 0; j < t->nrows; j++) {
        free(t->rows[j]->bytes);
        free(t->rows[j]);
    }
    for (size_t j = 0; j < t->nframes; j++)
        free(t->frames[j]);
    free(t->rows);
    free(t->frames);
    free(t->stackv);
    ccx_strpool_free(&t->strs);
    free(t->sample_T);
    free(t);
}
