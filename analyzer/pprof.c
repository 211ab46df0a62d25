/* pprof.c - the profile.proto writer behind --format pprof (see pprof.h).
 *
 * Strings, functions, mappings and locations are numbered as rows bring
 * them; samples are encoded as they are added, everything else (and the
 * string table) when the profile is written.  Field numbers are those of
 * github.com/google/pprof's proto/profile.proto; the encoder is pbuf.c,
 * the compression zlib's gzip.
 */
#include "pprof.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>
#include <zlib.h>

#include "model.h"
#include "pbuf.h"

/* profile.proto field numbers */
enum {
    P_SAMPLE_TYPE = 1, P_SAMPLE = 2, P_MAPPING = 3, P_LOCATION = 4, P_FUNCTION = 5,
    P_STRING_TABLE = 6, P_TIME_NANOS = 9, P_DURATION_NANOS = 10, P_PERIOD_TYPE = 11,
    P_PERIOD = 12, P_COMMENT = 13, P_DEFAULT_SAMPLE_TYPE = 14,
    VT_TYPE = 1, VT_UNIT = 2,
    S_LOCATION_ID = 1, S_VALUE = 2, S_LABEL = 3,
    L_KEY = 1, L_STR = 2,
    M_ID = 1, M_FILENAME = 5, M_HAS_FUNCTIONS = 7, M_HAS_FILENAMES = 8, M_HAS_LINE_NUMBERS = 9,
    LOC_ID = 1, LOC_MAPPING_ID = 2, LOC_LINE = 4,
    LN_FUNCTION_ID = 1, LN_LINE = 2,
    F_ID = 1, F_NAME = 2, F_FILENAME = 4, /* no system_name (3): pprof would "demangle" it,
                                          * cutting <module> and <lambda> to nothing */
};

struct pstr {          /* a string of the string table */
    char *s;
    int64_t idx;
    UT_hash_handle hh;
};

struct pkey {          /* string indices: a function (name, file, module), a mapping (file) */
    int64_t name, file, module;
};

struct pent {
    struct pkey key;
    uint64_t id;
    UT_hash_handle hh;
};

struct ploc {          /* a location: one table frame */
    uint64_t mapping, function;
    int64_t line;
};

struct ccx_pprof {
    const struct ccx_table *t;
    struct ccx_pprof_spec spec;
    struct pstr *strs;   /* hash by text */
    char **strv;         /* by index */
    size_t nstr, strcap;
    struct pent *funcs, *maps;
    struct pkey *funcv, *mapv; /* by id - 1 */
    size_t nfunc, funccap, nmap, mapcap;
    uint64_t *loc_of;    /* [t->nframes]: location id of a table frame, 0 = none yet */
    struct ploc *locv;   /* by id - 1 */
    size_t nloc, loccap;
    int64_t type_idx[CCX_PPROF_VALUES], unit_idx[CCX_PPROF_VALUES];
    int64_t comment_idx[CCX_PPROF_COMMENTS], space_idx, bytes_idx;
    struct ccx_pb samples; /* the encoded Sample fields */
    struct ccx_pb scratch, scratch2;
    int oom;
};

/* Index of the first n bytes of s in the string table, added when new. */
static int64_t intern_n(struct ccx_pprof *p, const char *s, size_t n)
{
    struct pstr *e;
    HASH_FIND(hh, p->strs, s, n, e);
    if (e)
        return e->idx;
    if (p->nstr == p->strcap) {
        size_t c = p->strcap ? 2 * p->strcap : 256;
        char **v = realloc(p->strv, c * sizeof *v);
        if (!v) {
            p->oom = 1;
            return 0;
        }
        p->strv = v;
        p->strcap = c;
    }
    e = calloc(1, sizeof *e);
    char *c = malloc(n + 1);
    if (!e || !c) {
        free(e);
        free(c);
        p->oom = 1;
        return 0;
    }
    memcpy(c, s, n);
    c[n] = '\0';
    e->s = c;
    e->idx = (int64_t)p->nstr;
    p->strv[p->nstr++] = c;
    HASH_ADD_KEYPTR(hh, p->strs, e->s, n, e);
    return e->idx;
}

static int64_t intern(struct ccx_pprof *p, const char *s)
{
    return intern_n(p, s, strlen(s));
}

/* Id (from 1) of the entry with key k in *head, numbered in *vec. */
static uint64_t entry(struct ccx_pprof *p, struct pent **head, struct pkey **vec, size_t *n,
                      size_t *cap, struct pkey k)
{
    struct pent *e;
    HASH_FIND(hh, *head, &k, sizeof k, e);
    if (e)
        return e->id;
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 64;
        struct pkey *v = realloc(*vec, c * sizeof *v);
        if (!v) {
            p->oom = 1;
            return 0;
        }
        *vec = v;
        *cap = c;
    }
    e = calloc(1, sizeof *e);
    if (!e) {
        p->oom = 1;
        return 0;
    }
    e->key = k;
    (*vec)[*n] = k;
    e->id = ++*n;
    HASH_ADD(hh, *head, key, sizeof e->key, e);
    return e->id;
}

/* The location of table frame f: a Python frame is function (its name)
 * in its file at its line; a native frame is its symbol (or the whole
 * label without one) in the mapping of its module. */
static struct ploc frame_location(struct ccx_pprof *p, const struct ccx_tframe *f)
{
    const char *label = ccx_table_str(p->t, f->label);
    struct ploc l = {1, 0, 0}; /* Python frames: the executable's mapping */
    struct pkey fk = {0, 0, 0};
    if (f->py) {
        fk.name = intern(p, label + f->part_b);
        fk.file = intern_n(p, label, f->part_a);
        l.line = f->line;
    } else {
        struct pkey mk = {intern_n(p, label, f->part_a), 0, 0};
        l.mapping = entry(p, &p->maps, &p->mapv, &p->nmap, &p->mapcap, mk);
        if (f->part_b > f->part_a)
            fk.name = intern_n(p, label + f->part_a + 1, (size_t)(f->part_b - f->part_a - 1));
        else
            fk.name = intern(p, label);
        fk.module = mk.name;
    }
    l.function = entry(p, &p->funcs, &p->funcv, &p->nfunc, &p->funccap, fk);
    return l;
}

/* Location id of table frame ix, numbered when first used. */
static uint64_t location_id(struct ccx_pprof *p, uint32_t ix)
{
    if (p->loc_of[ix])
        return p->loc_of[ix];
    if (p->nloc == p->loccap) {
        size_t c = p->loccap ? 2 * p->loccap : 256;
        struct ploc *v = realloc(p->locv, c * sizeof *v);
        if (!v) {
            p->oom = 1;
            return 0;
        }
        p->locv = v;
        p->loccap = c;
    }
    p->locv[p->nloc] = frame_location(p, p->t->frames[ix]);
    p->loc_of[ix] = ++p->nloc;
    return p->loc_of[ix];
}

struct ccx_pprof *ccx_pprof_new(const struct ccx_table *t, const struct ccx_pprof_spec *spec)
{
    struct ccx_pprof *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->t = t;
    p->spec = *spec;
    p->loc_of = calloc(t->nframes ? t->nframes : 1, sizeof *p->loc_of);
    if (!p->loc_of) {
        free(p);
        return NULL;
    }
    intern(p, ""); /* string_table[0] must be "" */
    for (int i = 0; i < CCX_PPROF_VALUES; i++) {
        p->type_idx[i] = intern(p, spec->type[i]);
        p->unit_idx[i] = intern(p, spec->unit[i]);
    }
    for (int i = 0; i < CCX_PPROF_COMMENTS && spec->comment[i]; i++)
        p->comment_idx[i] = intern(p, spec->comment[i]);
    struct pkey mk = {intern(p, spec->main_file ? spec->main_file : "python"), 0, 0};
    entry(p, &p->maps, &p->mapv, &p->nmap, &p->mapcap, mk); /* id 1 */
    p->space_idx = intern(p, "space");
    p->bytes_idx = intern(p, "bytes");
    if (p->oom) {
        ccx_pprof_free(p);
        return NULL;
    }
    return p;
}

static int64_t to_int64(double v)
{
    if (!(v == v))
        return 0;
    if (v >= 9.2e18)
        return INT64_MAX;
    if (v <= -9.2e18)
        return INT64_MIN;
    return llround(v);
}

int ccx_pprof_add(struct ccx_pprof *p, const struct ccx_row *r, const double *values,
                  const char *const *labels)
{
    uint64_t v[CCX_PPROF_VALUES];
    int any = 0;
    for (int i = 0; i < CCX_PPROF_VALUES; i++) {
        v[i] = (uint64_t)to_int64(values[i]);
        any |= v[i] != 0;
    }
    if (!any)
        return 0;
    struct ccx_pb *s = &p->scratch;
    ccx_pb_reset(s);
    /* location ids, leaf first, from the grouping frame to the root */
    size_t len = 0;
    for (uint32_t j = r->key_pos; j < r->stack_len; j++)
        len += ccx_pb_varint_len(location_id(p, p->t->stackv[r->stack_off + j]));
    if (len) {
        ccx_pb_key(s, S_LOCATION_ID, CCX_PB_LEN);
        ccx_pb_varint(s, len);
        for (uint32_t j = r->key_pos; j < r->stack_len; j++)
            ccx_pb_varint(s, p->loc_of[p->t->stackv[r->stack_off + j]]);
    }
    ccx_pb_packed(s, S_VALUE, v, CCX_PPROF_VALUES);
    for (size_t i = 0; labels && labels[i] && labels[i + 1]; i += 2) {
        struct ccx_pb *l = &p->scratch2;
        ccx_pb_reset(l);
        ccx_pb_int(l, L_KEY, intern(p, labels[i]));
        ccx_pb_int(l, L_STR, intern(p, labels[i + 1]));
        ccx_pb_bytes(s, S_LABEL, l->buf, l->len);
    }
    ccx_pb_bytes(&p->samples, P_SAMPLE, s->buf, s->len);
    return p->oom || s->oom || p->scratch2.oom || p->samples.oom ? -1 : 0;
}

/* A nested message built in p->scratch2, appended to b as field FIELD. */
static void nested_end(struct ccx_pprof *p, struct ccx_pb *b, uint32_t field)
{
    ccx_pb_bytes(b, field, p->scratch2.buf, p->scratch2.len);
}

static void value_type(struct ccx_pprof *p, struct ccx_pb *b, uint32_t field, int64_t type, int64_t unit)
{
    struct ccx_pb *m = &p->scratch2;
    ccx_pb_reset(m);
    ccx_pb_int(m, VT_TYPE, type);
    ccx_pb_int(m, VT_UNIT, unit);
    nested_end(p, b, field);
}

/* Mappings, locations and functions. */
static void encode_tables(struct ccx_pprof *p, struct ccx_pb *b)
{
    struct ccx_pb *m = &p->scratch2, *ln = &p->scratch;
    for (size_t i = 0; i < p->nmap; i++) {
        ccx_pb_reset(m);
        ccx_pb_uint(m, M_ID, i + 1);
        ccx_pb_int(m, M_FILENAME, p->mapv[i].name);
        ccx_pb_uint(m, M_HAS_FUNCTIONS, 1);
        ccx_pb_uint(m, M_HAS_FILENAMES, 1);
        ccx_pb_uint(m, M_HAS_LINE_NUMBERS, 1);
        nested_end(p, b, P_MAPPING);
    }
    for (size_t i = 0; i < p->nloc; i++) {
        const struct ploc *l = &p->locv[i];
        ccx_pb_reset(ln);
        ccx_pb_uint(ln, LN_FUNCTION_ID, l->function);
        ccx_pb_int(ln, LN_LINE, l->line);
        ccx_pb_reset(m);
        ccx_pb_uint(m, LOC_ID, i + 1);
        ccx_pb_uint(m, LOC_MAPPING_ID, l->mapping);
        ccx_pb_bytes(m, LOC_LINE, ln->buf, ln->len);
        nested_end(p, b, P_LOCATION);
    }
    for (size_t i = 0; i < p->nfunc; i++) {
        ccx_pb_reset(m);
        ccx_pb_uint(m, F_ID, i + 1);
        ccx_pb_int(m, F_NAME, p->funcv[i].name);
        ccx_pb_int(m, F_FILENAME, p->funcv[i].file);
        nested_end(p, b, P_FUNCTION);
    }
}

/* The whole Profile message into b. */
static void encode(struct ccx_pprof *p, struct ccx_pb *b)
{
    for (int i = 0; i < CCX_PPROF_VALUES; i++)
        value_type(p, b, P_SAMPLE_TYPE, p->type_idx[i], p->unit_idx[i]);
    ccx_pb_raw(b, p->samples.buf, p->samples.len); /* already Profile fields */
    encode_tables(p, b);
    for (size_t i = 0; i < p->nstr; i++)
        ccx_pb_str(b, P_STRING_TABLE, p->strv[i]);
    ccx_pb_int(b, P_TIME_NANOS, to_int64(p->spec.time_s * 1e9));
    ccx_pb_int(b, P_DURATION_NANOS, to_int64(p->spec.duration_s * 1e9));
    if (p->spec.period > 0) {
        value_type(p, b, P_PERIOD_TYPE, p->space_idx, p->bytes_idx);
        ccx_pb_int(b, P_PERIOD, to_int64(p->spec.period));
    }
    uint64_t com[CCX_PPROF_COMMENTS];
    size_t nc = 0;
    for (; nc < CCX_PPROF_COMMENTS && p->spec.comment[nc]; nc++)
        com[nc] = (uint64_t)p->comment_idx[nc];
    ccx_pb_packed(b, P_COMMENT, com, nc);
    ccx_pb_int(b, P_DEFAULT_SAMPLE_TYPE, p->type_idx[CCX_PPROF_VALUES - 1]);
}

/* gzip of in[0..n) into a new buffer *out (*outlen bytes); 0 or -1. */
static int gzip_buf(const uint8_t *in, size_t n, uint8_t **out, size_t *outlen)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    /* windowBits 15 + 16: a gzip header and trailer around the deflate stream */
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    uLong bound = deflateBound(&z, (uLong)n);
    uint8_t *buf = malloc(bound ? bound : 1);
    if (!buf || n > UINT32_MAX || bound > UINT32_MAX) { /* avail_* are 32-bit */
        free(buf);
        deflateEnd(&z);
        return -1;
    }
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    z.next_out = buf;
    z.avail_out = (uInt)bound;
    int rc = deflate(&z, Z_FINISH);
    *outlen = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(buf);
        return -1;
    }
    *out = buf;
    return 0;
}

int ccx_pprof_write(struct ccx_pprof *p, FILE *f)
{
    struct ccx_pb b = {0};
    encode(p, &b);
    if (p->oom || b.oom || p->scratch.oom || p->scratch2.oom) {
        ccx_pb_free(&b);
        ccx_err("out of memory");
        return -1;
    }
    uint8_t *gz = NULL;
    size_t n = 0;
    int rc = gzip_buf(b.buf, b.len, &gz, &n);
    ccx_pb_free(&b);
    if (rc < 0) {
        ccx_err("pprof: cannot compress the profile (out of memory, or above 4 GiB)");
        return -1;
    }
    if (fwrite(gz, 1, n, f) != n) {
        free(gz);
        ccx_err("out of memory");
        return -1;
    }
    free(gz);
    return 0;
}

void ccx_pprof_free(struct ccx_pprof *p)
{
    if (!p)
        return;
    struct pstr *e, *tmp;
    HASH_ITER(hh, p->strs, e, tmp) {
        HASH_DEL(p->strs, e);
        free(e->s);
        free(e);
    }
    struct pent *x, *y;
    HASH_ITER(hh, p->funcs, x, y) {
        HASH_DEL(p->funcs, x);
        free(x);
    }
    HASH_ITER(hh, p->maps, x, y) {
        HASH_DEL(p->maps, x);
        free(x);
    }
    free(p->strv);
    free(p->funcv);
    free(p->mapv);
    free(p->loc_of);
    free(p->locv);
    ccx_pb_free(&p->samples);
    ccx_pb_free(&p->scratch);
    ccx_pb_free(&p->scratch2);
    free(p);
}
