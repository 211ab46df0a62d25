/* snapshot.c - the snapshot reader: JSON file -> struct ccx_snap.
 *
 * Validates everything it copies (types, ranges, ids), so the rest of the
 * analyzer can trust the arrays.  Unknown fields are ignored (DESIGN.md:
 * adding a field keeps the version).  Ids of modules, frames and stacks are
 * array positions: each must be in [0, count) and unique, the order of the
 * array is free.  The cJSON tree is freed before returning.
 *
 * What is refused besides (docs/analyzer.md lists it all): anything but a
 * regular file (infile.c, never blocking on a FIFO), text after the
 * document, a key given twice, running out of memory (jsonread.c, each with
 * its own message); a missing "sampling" (mode) or "sites"; numbers beyond
 * a double.  Every string kept is escaped for printing (textsafe.h).
 */
#include "snapshot.h"
#include "frames.h"
#include "holders.h"
#include "infile.h"
#include "jsonread.h"
#include "textsafe.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ccx_format.h"

/* Files above this are refused (a snapshot of 100k sites is about 30 MB). */
#define CCX_MAX_FILE_BYTES (2048ull << 20)

struct rd {
    struct ccx_snap *s;
    char *err;
    size_t errlen;
    int failed;
};

static int fail(struct rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct rd *r, const char *fmt, ...)
{
    if (!r->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err, r->errlen, fmt, ap);
        va_end(ap);
        /* one line: input quoted into the message may hold control characters */
        for (char *p = r->err; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                *p = '?';
        r->failed = 1;
    }
    return -1;
}

static void *xcalloc(struct rd *r, size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        fail(r, "out of memory");
    return p;
}

/* Appends a string to the snapshot's pool, control characters and invalid
 * UTF-8 escaped (textsafe.h); returns its offset (0, the empty string at
 * the start of the pool, for NULL/empty). */
static uint32_t pool_add(struct rd *r, const char *str)
{
    if (!str || !*str)
        return 0;
    char *fresh;
    const char *safe = ccx_safe_str(str, &fresh);
    if (!safe) {
        fail(r, "out of memory");
        return 0;
    }
    enum ccx_strpool_err err = CCX_STRPOOL_OK;
    uint32_t off = ccx_strpool_add(&r->s->strs, safe, &err);
    free(fresh);
    if (err)
        fail(r, err == CCX_STRPOOL_FULL ? "strings too large" : "out of memory");
    return off;
}

/* ---- typed getters: absent is fine (returns 0), wrong type is an error ---- */

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* A number >= 0 and not absurd.  *out is untouched when absent. */
static int num(struct rd *r, const cJSON *o, const char *k, const char *where, double *out)
{
    const cJSON *it = get(o, k);
    if (!it || cJSON_IsNull(it))
        return 0;
    if (!cJSON_IsNumber(it))
        return fail(r, "%s%s\"%s\" is not a number", where, *where ? " " : "", k);
    double v = it->valuedouble;
    if (!isfinite(v)) /* 1e400: cJSON gives inf */
        return fail(r, "%s%s\"%s\" is out of range (beyond a double's 1.8e308)", where, *where ? " " : "", k);
    if (v < 0)
        return fail(r, "%s%s\"%s\" is negative (%g)", where, *where ? " " : "", k, v);
    if (v > CCX_MAX_NUMBER)
        return fail(r, "%s%s\"%s\" is absurdly large (%g)", where, *where ? " " : "", k, v);
    *out = v;
    return 1;
}

static int str(struct rd *r, const cJSON *o, const char *k, const char *where, uint32_t *out)
{
    const cJSON *it = get(o, k);
    if (!it || cJSON_IsNull(it))
        return 0;
    if (!cJSON_IsString(it))
        return fail(r, "%s%s\"%s\" is not a string", where, *where ? " " : "", k);
    *out = pool_add(r, it->valuestring);
    return r->failed ? -1 : 1;
}

static const cJSON *obj(struct rd *r, const cJSON *o, const char *k)
{
    const cJSON *it = get(o, k);
    if (!it || cJSON_IsNull(it))
        return NULL;
    if (!cJSON_IsObject(it)) {
        fail(r, "\"%s\" is not an object", k);
        return NULL;
    }
    return it;
}

static const cJSON *arr(struct rd *r, const cJSON *o, const char *k, size_t *n)
{
    const cJSON *it = get(o, k);
    *n = 0;
    if (!it || cJSON_IsNull(it))
        return NULL;
    if (!cJSON_IsArray(it)) {
        fail(r, "\"%s\" is not an array", k);
        return NULL;
    }
    int c = cJSON_GetArraySize(it);
    if (c < 0 || (size_t)c > CCX_MAX_ITEMS) {
        fail(r, "\"%s\" has too many entries", k);
        return NULL;
    }
    *n = (size_t)c;
    return it;
}

/* An id field that must index an array of n entries. */
static int id_of(struct rd *r, const cJSON *o, const char *k, size_t n, const char *what,
                 size_t i, uint32_t *out)
{
    const cJSON *it = get(o, k);
    if (!it)
        return fail(r, "%s %zu has no \"%s\"", what, i, k);
    if (!cJSON_IsNumber(it))
        return fail(r, "%s %zu: \"%s\" is not a number", what, i, k);
    double v = it->valuedouble;
    if (!(v >= 0) || v >= (double)n || v != floor(v))
        return fail(r, "%s %zu: \"%s\" %g is out of range (0..%zu)", what, i, k, v,
                    n ? n - 1 : 0);
    *out = (uint32_t)v;
    return 0;
}

/* The "id" of entry I of the modules, frames or stacks: in [0, n) and not
 * taken by an earlier entry (seen[] marks the ids taken). */
static int new_id(struct rd *r, const cJSON *o, size_t n, const char *what, size_t i,
                  unsigned char *seen, uint32_t *out)
{
    if (id_of(r, o, CCX_F_ID, n, what, i, out) < 0)
        return -1;
    if (seen[*out])
        return fail(r, "%s id %u appears twice", what, *out);
    seen[*out] = 1;
    return 0;
}

/* "0x1234" or a number. */
static int hexnum(struct rd *r, const cJSON *o, const char *k, size_t i, uint64_t *out)
{
    const cJSON *it = get(o, k);
    if (!it || cJSON_IsNull(it))
        return 0;
    if (cJSON_IsNumber(it)) {
        if (!(it->valuedouble >= 0) || it->valuedouble > 1.8e19)
            return fail(r, "frame %zu: \"%s\" out of range", i, k);
        *out = (uint64_t)it->valuedouble;
        return 0;
    }
    if (!cJSON_IsString(it))
        return fail(r, "frame %zu: \"%s\" is not a string", i, k);
    char *end;
    errno = 0;
    unsigned long long v = strtoull(it->valuestring, &end, 0);
    if (errno || end == it->valuestring || *end)
        return fail(r, "frame %zu: \"%s\" is not a hex number", i, k);
    *out = v;
    return 0;
}

/* "2026-11-26T22:40:00Z" (fractional seconds allowed; then Z, +00:00 or
 * nothing) -> epoch.  loose (other tools' CSV stamps): a space may stand
 * for the T, as in "2025-12-11 09:10:22", and what follows is not checked. */
int ccx_parse_utc(const char *t, int loose, double *out)
{
    int y, mo, d, h, mi, n = 0;
    double sec;
    char sep;
    if (sscanf(t, "%4d-%2d-%2d%c%2d:%2d:%lf%n", &y, &mo, &d, &sep, &h, &mi, &sec, &n) != 7)
        return -1;
    if (sep != 'T' && !(loose && sep == ' '))
        return -1;
    if (!loose && t[n] != 'Z' && t[n] != '\0' && strcmp(t + n, "+00:00") != 0)
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || !(sec >= 0 && sec < 61))
        return -1;
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    *out = (double)timegm(&tm) + sec;
    return 0;
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

const char *ccx_layer_name(int layer)
{
    switch (layer) {
    case CCX_L_LIBC: return CCX_LAYER_LIBC;
    case CCX_L_PYTHON: return CCX_LAYER_PYTHON;
    case CCX_L_MMAP: return CCX_LAYER_MMAP;
    }
    return "other";
}

uint64_t ccx_hash_bytes(const void *p, size_t n, uint64_t seed)
{
    /* FNV-1a over the bytes, then a final mix. */
    const unsigned char *b = p;
    uint64_t h = 0xcbf29ce484222325ull ^ seed;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return ccx_hash_mix(h, n);
}

/* ---- sections ---- */

static void read_census(struct rd *r, const cJSON *list, struct ccx_census *c, const char *what)
{
    if (!list || cJSON_IsNull(list))
        return;
    if (!cJSON_IsArray(list)) {
        fail(r, "python %s is not an array", what);
        return;
    }
    int n = cJSON_GetArraySize(list);
    if ((size_t)n > CCX_MAX_ITEMS) {
        fail(r, "python %s has too many entries", what);
        return;
    }
    c->present = 1;
    c->types = xcalloc(r, (size_t)n, sizeof *c->types);
    if (!c->types)
        return;
    size_t i = 0;
    const cJSON *t;
    cJSON_ArrayForEach(t, list)
    {
        char where[64];
        snprintf(where, sizeof where, "python %s entry %zu:", what, i);
        if (!cJSON_IsObject(t)) {
            fail(r, "%s not an object", where);
            return;
        }
        struct ccx_type *ty = &c->types[i++];
        if (str(r, t, CCX_F_TYPE_NAME, where, &ty->name) <= 0) {
            if (!r->failed)
                fail(r, "%s no \"%s\"", where, CCX_F_TYPE_NAME);
            return;
        }
        double owned = 0;
        if (num(r, t, CCX_F_TYPE_COUNT, where, &ty->count) < 0 ||
            num(r, t, CCX_F_TYPE_BYTES, where, &ty->bytes) < 0 ||
            num(r, t, CCX_F_TYPE_OWNED, where, &owned) < 0)
            return;
        /* What sys.getsizeof says: the objects and, for containers, the
         * tables they allocate separately (tracers that record them). */
        ty->bytes += owned;
    }
    c->ntypes = i;
}

static void read_triple(struct rd *r, const cJSON *o, const char *k, double out[3])
{
    const cJSON *a = get(o, k);
    if (!a || cJSON_IsNull(a))
        return;
    if (!cJSON_IsArray(a)) {
        fail(r, "python gc \"%s\" is not an array", k);
        return;
    }
    int n = cJSON_GetArraySize(a);
    for (int i = 0; i < n && i < 3; i++) {
        const cJSON *v = cJSON_GetArrayItem(a, i);
        if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || v->valuedouble > CCX_MAX_NUMBER) {
            fail(r, "python gc \"%s\" has a bad value", k);
            return;
        }
        out[i] = v->valuedouble;
    }
}

static void read_python(struct rd *r, const cJSON *root)
{
    const cJSON *py = obj(r, root, CCX_F_PYTHON);
    if (!py)
        return;
    struct ccx_python *p = &r->s->py;
    p->present = 1;
    if (str(r, py, CCX_F_PY_VERSION, "python", &p->version) < 0)
        return;
    const cJSON *gc = obj(r, py, CCX_F_GC);
    if (r->failed)
        return;
    if (gc) {
        p->has_gc = 1;
        read_triple(r, gc, CCX_F_GC_COUNT, p->gc_count);
        read_triple(r, gc, CCX_F_GC_THRESHOLD, p->gc_threshold);
        const cJSON *st = get(gc, CCX_F_GC_STATS);
        if (st && !cJSON_IsNull(st)) {
            if (!cJSON_IsArray(st)) {
                fail(r, "python gc \"%s\" is not an array", CCX_F_GC_STATS);
                return;
            }
            const cJSON *g;
            cJSON_ArrayForEach(g, st)
            {
                if (p->gc_nstats >= 3)
                    break;
                if (!cJSON_IsObject(g)) {
                    fail(r, "python gc stats entry is not an object");
                    return;
                }
                int i = p->gc_nstats++;
                if (num(r, g, CCX_F_COLLECTIONS, "python gc stats", &p->gc_collections[i]) < 0 ||
                    num(r, g, CCX_F_COLLECTED, "python gc stats", &p->gc_collected[i]) < 0 ||
                    num(r, g, CCX_F_UNCOLLECTABLE, "python gc stats", &p->gc_uncollectable[i]) < 0)
                    return;
            }
        }
    }
    if (r->failed)
        return;
    read_census(r, get(py, CCX_F_TYPES), &p->types, "types");
    if (num(r, py, CCX_F_CENSUS_MS, "python", &p->census_ms) < 0)
        return;
    const cJSON *ac = obj(r, py, CCX_F_AFTER_COLLECT);
    if (ac) {
        p->has_after = 1;
        if (num(r, ac, CCX_F_COLLECTED, "python after_collect", &p->after_collected) < 0)
            return;
        int got = num(r, ac, CCX_F_LIVE_BYTES, "python after_collect", &p->after_live_bytes);
        if (got < 0 || num(r, ac, CCX_F_LIVE_BLOCKS, "python after_collect", &p->after_live_blocks) < 0)
            return;
        p->has_after_live = got;
        read_census(r, get(ac, CCX_F_TYPES), &p->after, "after_collect types");
        if (!p->after.present && !r->failed)
            fail(r, "python after_collect has no \"%s\"", CCX_F_TYPES);
    }
    const cJSON *dp = obj(r, py, CCX_F_DEEP);
    if (dp && !r->failed)
        read_census(r, get(dp, CCX_F_TYPES), &p->deep, "deep types");
    const cJSON *ho = get(py, CCX_F_HOLDERS);
    if (ho && !cJSON_IsNull(ho) && !r->failed) {
        char why[200];
        if (!(p->holders = ccx_holders_parse(ho, why, sizeof why)))
            fail(r, "%s", why);
    }
}

static void read_tables(struct rd *r, const cJSON *root)
{
    struct ccx_snap *s = r->s;
    size_t nmod, nfr, nst, nsi;
    const cJSON *mods = arr(r, root, CCX_F_MODULES, &nmod);
    const cJSON *frs = arr(r, root, CCX_F_FRAMES, &nfr);
    const cJSON *sts = arr(r, root, CCX_F_STACKS, &nst);
    const cJSON *sis = arr(r, root, CCX_F_SITES, &nsi);
    if (r->failed)
        return;
    /* The tracer always writes "sites", empty or not: without it this is a
     * damaged snapshot, not one where nothing is live.  (The other tables
     * are needed only when something refers to them: the ids say so.) */
    if (!sis) {
        fail(r, "no \"%s\" array", CCX_F_SITES);
        return;
    }

    /* modules: only the basename of the path matters to the analyzer */
    uint32_t *modname = xcalloc(r, nmod, sizeof *modname);
    unsigned char *seen = xcalloc(r, nmod + nfr + nst + 1, 1);
    if (!modname || !seen)
        goto out;
    size_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, mods)
    {
        uint32_t id;
        if (!cJSON_IsObject(it)) {
            fail(r, "module %zu is not an object", i);
            goto out;
        }
        if (new_id(r, it, nmod, "module", i, seen, &id) < 0)
            goto out;
        const cJSON *p = get(it, CCX_F_PATH);
        if (p && !cJSON_IsNull(p) && !cJSON_IsString(p)) {
            fail(r, "module %zu: \"%s\" is not a string", i, CCX_F_PATH);
            goto out;
        }
        if (p && cJSON_IsString(p)) {
            const char *slash = strrchr(p->valuestring, '/');
            modname[id] = pool_add(r, slash ? slash + 1 : p->valuestring);
        }
        i++;
    }

    /* frames */
    s->nframes = nfr;
    s->frames = xcalloc(r, nfr, sizeof *s->frames);
    if (!s->frames)
        goto out;
    memset(seen, 0, nmod + nfr + nst + 1);
    i = 0;
    cJSON_ArrayForEach(it, frs)
    {
        uint32_t id;
        if (!cJSON_IsObject(it)) {
            fail(r, "frame %zu is not an object", i);
            goto out;
        }
        if (new_id(r, it, nfr, "frame", i, seen, &id) < 0)
            goto out;
        struct ccx_frame *f = &s->frames[id];
        const cJSON *k = get(it, CCX_F_KIND);
        if (!k || !cJSON_IsString(k)) {
            fail(r, "frame %zu has no \"%s\" string", i, CCX_F_KIND);
            goto out;
        }
        char where[48];
        snprintf(where, sizeof where, "frame %zu:", i);
        if (!strcmp(k->valuestring, CCX_KIND_PYTHON)) {
            double line = 0;
            f->kind = CCX_FRAME_PYTHON;
            if (str(r, it, CCX_F_FILE, where, &f->file) < 0 ||
                str(r, it, CCX_F_FUNCTION, where, &f->name) < 0 ||
                num(r, it, CCX_F_LINE, where, &line) < 0)
                goto out;
            if (line > UINT32_MAX) {
                fail(r, "frame %zu: line %g out of range", i, line);
                goto out;
            }
            f->line = (uint32_t)line;
        } else if (!strcmp(k->valuestring, CCX_KIND_NATIVE)) {
            f->kind = CCX_FRAME_NATIVE;
            const cJSON *m = get(it, CCX_F_MODULE);
            if (m && !cJSON_IsNull(m)) {
                uint32_t mid;
                if (id_of(r, it, CCX_F_MODULE, nmod, "frame", i, &mid) < 0)
                    goto out;
                f->module_name = modname[mid];
            }
            if (str(r, it, CCX_F_SYMBOL, where, &f->name) < 0 ||
                hexnum(r, it, CCX_F_OFFSET, i, &f->offset) < 0 ||
                hexnum(r, it, CCX_F_SYMBOL_OFFSET, i, &f->symbol_offset) < 0)
                goto out;
        } else {
            fail(r, "frame %zu: unknown kind \"%.40s\"", i, k->valuestring);
            goto out;
        }
        i++;
    }
    for (size_t j = 0; j < nfr; j++) {
        struct ccx_frame *f = &s->frames[j];
        f->hash = ccx_frame_hash(s, f);
        f->skip = f->kind == CCX_FRAME_NATIVE &&
                  ccx_frame_is_allocator(ccx_str(s, f->module_name), ccx_str(s, f->name));
    }

    /* stacks: one pass, the frame-id vector grows as needed */
    s->nstacks = nst;
    s->stack_start = xcalloc(r, nst, sizeof *s->stack_start);
    s->stack_len = xcalloc(r, nst, sizeof *s->stack_len);
    s->stack_hash = xcalloc(r, nst, sizeof *s->stack_hash);
    if (r->failed)
        goto out;
    size_t cap = nst * 8 + 16;
    s->stack_frames = xcalloc(r, cap, sizeof *s->stack_frames);
    if (!s->stack_frames)
        goto out;
    memset(seen, 0, nmod + nfr + nst + 1);
    size_t pos = 0;
    i = 0;
    cJSON_ArrayForEach(it, sts)
    {
        uint32_t id;
        if (!cJSON_IsObject(it)) {
            fail(r, "stack %zu is not an object", i);
            goto out;
        }
        if (new_id(r, it, nst, "stack", i, seen, &id) < 0)
            goto out;
        const cJSON *fl = get(it, CCX_F_STACK_FRAMES);
        if (!fl || !cJSON_IsArray(fl)) {
            fail(r, "stack %zu has no \"%s\" array", i, CCX_F_STACK_FRAMES);
            goto out;
        }
        s->stack_start[id] = (uint32_t)pos;
        uint64_t h = 0x5354414bull;
        const cJSON *fr;
        cJSON_ArrayForEach(fr, fl)
        {
            if (pos - s->stack_start[id] >= CCX_MAX_STACK_DEPTH) {
                fail(r, "stack %zu is more than %d frames deep", i, CCX_MAX_STACK_DEPTH);
                goto out;
            }
            if (pos == cap) {
                if (cap > UINT32_MAX / 2) {
                    fail(r, "too many stack frames");
                    goto out;
                }
                cap *= 2;
                uint32_t *np = realloc(s->stack_frames, cap * sizeof *np);
                if (!np) {
                    fail(r, "out of memory");
                    goto out;
                }
                s->stack_frames = np;
            }
            if (!cJSON_IsNumber(fr) || !(fr->valuedouble >= 0) ||
                fr->valuedouble >= (double)nfr || fr->valuedouble != floor(fr->valuedouble)) {
                fail(r, "stack %zu: frame id %g is out of range (0..%zu)", i,
                     cJSON_IsNumber(fr) ? fr->valuedouble : -1.0, nfr ? nfr - 1 : 0);
                goto out;
            }
            uint32_t f = (uint32_t)fr->valuedouble;
            s->stack_frames[pos++] = f;
            h = ccx_hash_mix(h, s->frames[f].hash);
        }
        s->stack_len[id] = (uint32_t)(pos - s->stack_start[id]);
        s->stack_hash[id] = h;
        i++;
    }
    s->nstack_frames = pos;

    /* sites */
    s->nsites = nsi;
    s->sites = xcalloc(r, nsi, sizeof *s->sites);
    if (!s->sites)
        goto out;
    i = 0;
    cJSON_ArrayForEach(it, sis)
    {
        if (!cJSON_IsObject(it)) {
            fail(r, "site %zu is not an object", i);
            goto out;
        }
        struct ccx_site *st = &s->sites[i];
        if (id_of(r, it, CCX_F_STACK, nst, "site", i, &st->stack) < 0)
            goto out;
        const cJSON *l = get(it, CCX_F_LAYER);
        if (l && !cJSON_IsNull(l) && !cJSON_IsString(l)) {
            fail(r, "site %zu: \"%s\" is not a string", i, CCX_F_LAYER);
            goto out;
        }
        st->layer = (uint8_t)(l && cJSON_IsString(l) ? layer_of(l->valuestring) : CCX_L_LIBC);
        char where[40];
        snprintf(where, sizeof where, "site %zu:", i);
        if (num(r, it, CCX_F_LIVE_BYTES, where, &st->live_bytes) < 0 ||
            num(r, it, CCX_F_LIVE_BLOCKS, where, &st->live_blocks) < 0 ||
            num(r, it, CCX_F_LIVE_SAMPLES, where, &st->live_samples) < 0 ||
            num(r, it, CCX_F_ALLOC_BYTES, where, &st->alloc_bytes) < 0 ||
            num(r, it, CCX_F_ALLOC_CALLS, where, &st->alloc_calls) < 0)
            goto out;
        if (!s->sample_mode && !get(it, CCX_F_LIVE_SAMPLES))
            st->live_samples = st->live_blocks;
        st->key = ccx_hash_mix(s->stack_hash[st->stack], 0x51u + st->layer);
        i++;
    }
out:
    free(modname);
    free(seen);
}

/* "sampling": required, with its mode; without it a sampled snapshot
 * would pass for an exact one. */
static void read_sampling(struct rd *r, const cJSON *root)
{
    struct ccx_snap *s = r->s;
    const cJSON *sm = obj(r, root, CCX_F_SAMPLING);
    if (r->failed)
        return;
    if (!sm) {
        fail(r, "no \"%s\" object: whether the figures are sampled or exact is unknown", CCX_F_SAMPLING);
        return;
    }
    const cJSON *m = get(sm, CCX_F_MODE);
    if (!m || !cJSON_IsString(m)) {
        fail(r, "sampling has no \"%s\" string (\"%s\" or \"%s\")", CCX_F_MODE, CCX_MODE_SAMPLE, CCX_MODE_ALL);
        return;
    }
    if (strcmp(m->valuestring, CCX_MODE_SAMPLE) == 0) {
        s->sample_mode = 1;
    } else if (strcmp(m->valuestring, CCX_MODE_ALL) != 0) {
        fail(r, "sampling mode \"%.40s\" is neither \"%s\" nor \"%s\"", m->valuestring,
             CCX_MODE_SAMPLE, CCX_MODE_ALL);
        return;
    }
    if (num(r, sm, CCX_F_INTERVAL_BYTES, "sampling", &s->interval) < 0)
        return;
    if (s->sample_mode && s->interval < 1) {
        fail(r, "sampling mode \"%s\" with no positive \"%s\"", CCX_MODE_SAMPLE, CCX_F_INTERVAL_BYTES);
        return;
    }
    if (!s->sample_mode)
        s->interval = 0;
}

static void read_root(struct rd *r, const cJSON *root)
{
    struct ccx_snap *s = r->s;
    if (!cJSON_IsObject(root)) {
        fail(r, "not a JSON object");
        return;
    }
    const cJSON *f = get(root, CCX_F_FORMAT);
    if (!f || !cJSON_IsString(f)) {
        fail(r, "not a ccxtrace snapshot (no \"%s\" field)", CCX_F_FORMAT);
        return;
    }
    if (strcmp(f->valuestring, CCX_FORMAT_NAME) != 0) {
        fail(r, "format \"%.60s\" is not \"%s\"", f->valuestring, CCX_FORMAT_NAME);
        return;
    }
    const cJSON *v = get(root, CCX_F_VERSION);
    if (!v || !cJSON_IsNumber(v)) {
        fail(r, "no numeric \"%s\"", CCX_F_VERSION);
        return;
    }
    if (!isfinite(v->valuedouble)) {
        fail(r, "format version is out of range");
        return;
    }
    if (v->valuedouble > CCX_FORMAT_VERSION) {
        fail(r, "format version %g is newer than this ccx-analyze reads (%d); upgrade ccx-analyze",
             v->valuedouble, CCX_FORMAT_VERSION);
        return;
    }
    if (v->valuedouble < 1 || v->valuedouble != floor(v->valuedouble)) {
        fail(r, "format version %g is not valid", v->valuedouble);
        return;
    }
    if (str(r, root, CCX_F_HOST, "", &s->host) < 0 || str(r, root, CCX_F_EXE, "", &s->exe) < 0 ||
        str(r, root, CCX_F_INSTANCE, "", &s->instance) < 0 ||
        str(r, root, CCX_F_CMDLINE, "", &s->cmdline) < 0 ||
        str(r, root, CCX_F_REASON, "", &s->reason) < 0 ||
        str(r, root, CCX_F_LABEL, "", &s->label) < 0 ||
        str(r, root, CCX_F_TIME, "", &s->time_str) < 0 || num(r, root, CCX_F_PID, "", &s->pid) < 0 ||
        num(r, root, CCX_F_START_TIME, "", &s->start_time) < 0 ||
        num(r, root, CCX_F_SEQ, "", &s->seq) < 0 ||
        num(r, root, CCX_F_UPTIME_S, "", &s->uptime_s) < 0)
        return;
    s->time = -1;
    if (s->time_str && ccx_parse_utc(ccx_str(s, s->time_str), 0, &s->time) < 0) {
        fail(r, "\"%s\" \"%.40s\" is not an ISO 8601 UTC time", CCX_F_TIME, ccx_str(s, s->time_str));
        return;
    }
    if (s->time < 0)
        s->time = s->start_time + s->uptime_s;

    read_sampling(r, root);
    if (r->failed)
        return;

    const cJSON *t = obj(r, root, CCX_F_TOTALS);
    if (r->failed)
        return;
    if (t) {
        s->has_totals = 1;
        if (num(r, t, CCX_F_ALLOC_CALLS, "totals", &s->alloc_calls) < 0 ||
            num(r, t, CCX_F_FREE_CALLS, "totals", &s->free_calls) < 0 ||
            num(r, t, CCX_F_ALLOC_BYTES, "totals", &s->alloc_bytes) < 0 ||
            num(r, t, CCX_F_FREE_BYTES, "totals", &s->free_bytes) < 0 ||
            num(r, t, CCX_F_LIVE_BYTES, "totals", &s->live_bytes) < 0 ||
            num(r, t, CCX_F_LIVE_BLOCKS, "totals", &s->live_blocks) < 0)
            return;
    }
    const cJSON *tr = obj(r, root, CCX_F_TRACER);
    if (r->failed)
        return;
    if (tr && (num(r, tr, CCX_F_SELF_BYTES, "tracer", &s->self_bytes) < 0 ||
               num(r, tr, CCX_F_LIVE_SAMPLES, "tracer", &s->tracer_live_samples) < 0 ||
               num(r, tr, CCX_F_STACKS, "tracer", &s->tracer_stacks) < 0 ||
               num(r, tr, CCX_F_WRITE_MS, "tracer", &s->write_ms) < 0))
        return;

    s->rss = s->hwm = s->anon = s->vm = s->cgroup = s->heap_in_use = -1;
    const cJSON *p = obj(r, root, CCX_F_PROCESS);
    if (r->failed)
        return;
    if (p) {
        if (num(r, p, CCX_F_RSS_BYTES, "process", &s->rss) < 0 ||
            num(r, p, CCX_F_HWM_BYTES, "process", &s->hwm) < 0 ||
            num(r, p, CCX_F_ANON_BYTES, "process", &s->anon) < 0 ||
            num(r, p, CCX_F_VM_BYTES, "process", &s->vm) < 0 ||
            num(r, p, CCX_F_CGROUP_MEMORY, "process", &s->cgroup) < 0)
            return;
        const cJSON *h = obj(r, p, CCX_F_HEAP);
        if (r->failed)
            return;
        if (h) {
            double u = -1, hb = -1;
            if (num(r, h, CCX_F_HEAP_UORDBLKS, "process heap", &u) < 0 ||
                num(r, h, CCX_F_HEAP_HBLKHD, "process heap", &hb) < 0)
                return;
            if (u >= 0)
                s->heap_in_use = u + (hb > 0 ? hb : 0);
        }
    }
    read_python(r, root);
    if (r->failed)
        return;
    read_tables(r, root);
}

void ccx_snap_free(struct ccx_snap *s)
{
    if (!s)
        return;
    free(s->path);
    free(s->frames);
    free(s->stack_start);
    free(s->stack_len);
    free(s->stack_hash);
    free(s->stack_frames);
    free(s->sites);
    ccx_strpool_free(&s->strs);
    free(s->py.types.types);
    free(s->py.after.types);
    free(s->py.deep.types);
    ccx_holders_free(s->py.holders);
    memset(s, 0, sizeof *s);
}

int ccx_snap_parse(const char *buf, size_t len, const char *name, struct ccx_snap *out,
                   char *err, size_t errlen)
{
    struct rd r = {out, err, errlen, 0};
    memset(out, 0, sizeof *out);
    out->path = ccx_safe_dup(name ? name : "-");
    enum ccx_strpool_err perr = CCX_STRPOOL_OK;
    ccx_strpool_add(&out->strs, "", &perr); /* offset 0: the empty string */
    if (!out->path || perr) {
        fail(&r, "out of memory");
        goto bad;
    }
    if (len == 0) {
        fail(&r, "empty file");
        goto bad;
    }
    char why[256];
    cJSON *root = ccx_json_parse_strict(buf, len, why, sizeof why);
    if (!root) {
        fail(&r, "%s", why);
        goto bad;
    }
    read_root(&r, root);
    cJSON_Delete(root);
    if (r.failed)
        goto bad;
    return 0;
bad:
    ccx_snap_free(out);
    return -1;
}

int ccx_snap_load(const char *path, struct ccx_snap *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    size_t len;
    int fd = ccx_open_input(path, &len, err, errlen);
    if (fd < 0)
        return -1;
    if ((uint64_t)len > CCX_MAX_FILE_BYTES) {
        snprintf(err, errlen, "file too large");
        close(fd);
        return -1;
    }
    char *buf = malloc(len + 1);
    if (!buf) {
        snprintf(err, errlen, "out of memory (reading %zu bytes)", len);
        close(fd);
        return -1;
    }
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(err, errlen, "%s", n < 0 ? strerror(errno) : "file shrank while reading");
            free(buf);
            close(fd);
            return -1;
        }
        got += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    int rc = ccx_snap_parse(buf, len, path, out, err, errlen);
    free(buf);
    return rc;
}
