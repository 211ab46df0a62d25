/* table.c - matching sites across snapshots (see table.h). */
#include "table.h"

#include <stdlib.h>
#include <string.h>

#include "stats.h"

static uint32_t t_str(struct ccx_table *t, const char *s, int *err)
{
    size_t n = strlen(s) + 1;
    if (t->strs_len + n > UINT32_MAX) {
        *err = 1;
        return 0;
    }
    if (t->strs_len + n > t->strs_cap) {
        size_t cap = t->strs_cap ? t->strs_cap * 2 : 65536;
        while (cap < t->strs_len + n)
            cap *= 2;
        char *p = realloc(t->strs, cap);
        if (!p) {
            *err = 1;
            return 0;
        }
        t->strs = p;
        t->strs_cap = cap;
    }
    uint32_t off = (uint32_t)t->strs_len;
    memcpy(t->strs + off, s, n);
    t->strs_len += n;
    return off;
}

struct ccx_table *ccx_table_new(size_t k, enum ccx_by by)
{
    struct ccx_table *t = calloc(1, sizeof *t);
    int err = 0;
    if (!t)
        return NULL;
    t->k = k;
    t->by = by;
    t->sample_T = calloc(k ? k : 1, sizeof *t->sample_T);
    t_str(t, "", &err);
    if (!t->sample_T || err) {
        ccx_table_free(t);
        return NULL;
    }
    return t;
}

static int push_u32(struct ccx_table *t, uint32_t v)
{
    if (t->nstackv == t->stackcap) {
        size_t cap = t->stackcap ? t->stackcap * 2 : 4096;
        uint32_t *p = realloc(t->stackv, cap * sizeof *p);
        if (!p)
            return -1;
        t->stackv = p;
        t->stackcap = cap;
    }
    t->stackv[t->nstackv++] = v;
    return 0;
}

/* Index of a frame in the table's frame list, adding it when new. */
static long intern_frame(struct ccx_table *t, const struct ccx_snap *s, const struct ccx_frame *f)
{
    struct ccx_tframe *tf;
    HASH_FIND(hh, t->fhash, &f->hash, sizeof f->hash, tf);
    if (tf)
        return tf->idx;
    if (t->nframes == t->fcap) {
        size_t cap = t->fcap ? t->fcap * 2 : 1024;
        struct ccx_tframe **p = realloc(t->frames, cap * sizeof *p);
        if (!p)
            return -1;
        t->frames = p;
        t->fcap = cap;
    }
    tf = calloc(1, sizeof *tf);
    if (!tf)
        return -1;
    char buf[1024];
    int err = 0;
    tf->hash = f->hash;
    tf->label = t_str(t, ccx_frame_format(s, f, buf, sizeof buf), &err);
    tf->py = f->kind == CCX_FRAME_PYTHON;
    tf->idx = (uint32_t)t->nframes;
    if (err) {
        free(tf);
        return -1;
    }
    t->frames[t->nframes++] = tf;
    HASH_ADD(hh, t->fhash, hash, sizeof tf->hash, tf);
    return tf->idx;
}

static struct ccx_row *new_row(struct ccx_table *t, uint64_t key, const struct ccx_snap *s,
                               const struct ccx_site *site)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        struct ccx_row **p = realloc(t->rows, cap * sizeof *p);
        if (!p)
            return NULL;
        t->rows = p;
        t->cap = cap;
    }
    struct ccx_row *r = calloc(1, sizeof *r);
    double *v = calloc(4 * t->k, sizeof *v);
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
    char label[1024];
    int err = 0;
    ccx_site_group(s, site, t->by, label, sizeof label);
    r->label = t_str(t, label, &err);
    r->stack_off = (uint32_t)t->nstackv;
    const uint32_t *fr = s->stack_frames + s->stack_start[site->stack];
    uint32_t n = s->stack_len[site->stack];
    for (uint32_t j = 0; j < n && !err; j++) {
        long ix = intern_frame(t, s, &s->frames[fr[j]]);
        if (ix < 0 || push_u32(t, (uint32_t)ix) < 0)
            err = 1;
    }
    r->stack_len = n;
    if (err) {
        free(v);
        free(r);
        return NULL;
    }
    t->rows[t->nrows++] = r;
    HASH_ADD(hh, t->hash, key, sizeof r->key, r);
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
        struct ccx_row *r;
        HASH_FIND(hh, t->hash, &key, sizeof key, r);
        if (!r && !(r = new_row(t, key, s, site)))
            return -1;
        r->bytes[i] += site->live_bytes;
        r->blocks[i] += site->live_blocks;
        r->samples[i] += site->live_samples;
        if (site->live_samples >= 1)
            r->var[i] += ccx_site_var(site->live_bytes, site->live_samples, t->sample_T[i]);
        r->alloc_bytes = site->alloc_bytes;
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
    HASH_CLEAR(hh, t->hash);
    HASH_CLEAR(hh, t->fhash);
    for (size_t j = 0; j < t->nrows; j++) {
        free(t->rows[j]->bytes);
        free(t->rows[j]);
    }
    for (size_t j = 0; j < t->nframes; j++)
        free(t->frames[j]);
    free(t->rows);
    free(t->frames);
    free(t->stackv);
    free(t->strs);
    free(t->sample_T);
    free(t);
}
