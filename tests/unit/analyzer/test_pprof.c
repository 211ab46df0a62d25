/* test_pprof.c - the profile.proto writer (analyzer/pprof.c) end to end
 * without go: a snapshot is read and put in a site table, written as a
 * profile, gunzipped with zlib and decoded by the small reader below, and
 * every part is checked against what the snapshot says: string_table[0]
 * is "", stacks start at the grouping frame (no malloc, no interpreter
 * frame under a Python line), Python frames keep "<module>" with file and
 * line, a native frame without a symbol is named "module+0xOFF", each
 * module is a mapping marked has_functions/has_filenames/has_line_numbers,
 * values, labels, time, period, comments and the default sample type.
 * Also ccx_frame_format_parts (frames.c) on a label cut at its buffer. */
#include "../check.h"
#include "pprof.h"
#include "table.h"

#include <stdlib.h>
#include <zlib.h>

static const char *snap_json =
    "{\"format\":\"ccxtrace-snapshot\",\"version\":1,\"host\":\"h\",\"pid\":7,\"start_time\":100,"
    "\"exe\":\"/usr/bin/python3\",\"cmdline\":\"python3 a.py\",\"seq\":1,\"reason\":\"signal\",\"label\":null,"
    "\"time\":\"2026-11-26T22:40:00Z\",\"uptime_s\":1,"
    "\"sampling\":{\"mode\":\"sample\",\"interval_bytes\":524288},"
    "\"modules\":[{\"id\":0,\"path\":\"/lib/libc.so.6\",\"base\":\"0x1000\"},"
    "{\"id\":1,\"path\":\"/usr/lib/libpython3.11.so\",\"base\":\"0x2000\"},"
    "{\"id\":2,\"path\":\"/usr/lib/libfoo.so\",\"base\":\"0x3000\"}],"
    "\"frames\":[{\"id\":0,\"kind\":\"native\",\"module\":0,\"offset\":\"0x10\",\"symbol\":\"malloc\",\"symbol_offset\":16},"
    "{\"id\":1,\"kind\":\"native\",\"module\":1,\"offset\":\"0x99\",\"symbol\":\"PyList_Append\",\"symbol_offset\":3},"
    "{\"id\":2,\"kind\":\"python\",\"file\":\"/app/x.py\",\"function\":\"<module>\",\"line\":42},"
    "{\"id\":3,\"kind\":\"native\",\"module\":2,\"offset\":\"0x1c\",\"symbol\":null,\"symbol_offset\":0},"
    "{\"id\":4,\"kind\":\"python\",\"file\":\"/app/y.py\",\"function\":\"Foo.bar\",\"line\":7}],"
    "\"stacks\":[{\"id\":0,\"frames\":[0,1,2]},{\"id\":1,\"frames\":[0,1,3]},{\"id\":2,\"frames\":[4,2]}],"
    "\"sites\":[{\"stack\":0,\"layer\":\"python\",\"live_bytes\":2000000,\"live_blocks\":5,\"live_samples\":4},"
    "{\"stack\":1,\"layer\":\"libc\",\"live_bytes\":1000000,\"live_blocks\":2,\"live_samples\":2},"
    "{\"stack\":2,\"layer\":\"python\",\"live_bytes\":0,\"live_blocks\":0,\"live_samples\":0}]}";

/* ---- a small profile.proto reader ---- */

#define MAXN 32
struct rd_loc { uint64_t id, mapping, function; int64_t line; };
struct rd_fn { uint64_t id; int64_t name, file, system_name; };
struct rd_map { uint64_t id; int64_t file; int flags; };
struct rd_sample { uint64_t loc[MAXN]; int64_t val[MAXN]; int64_t lab[MAXN][2]; int nloc, nval, nlab; };
struct rd {
    char *str[256]; int nstr;
    int64_t stype[4][2]; int nstype;
    struct rd_sample s[MAXN]; int ns;
    struct rd_loc l[MAXN]; int nl;
    struct rd_fn f[MAXN]; int nf;
    struct rd_map m[MAXN]; int nm;
    int64_t time_nanos, duration_nanos, period, dflt, ptype[2];
    int64_t comment[8]; int ncomment;
    int bad;
};

struct field { uint32_t num; int wire; uint64_t v; const uint8_t *p; size_t n; };

static int varint(const uint8_t *b, size_t len, size_t *at, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; *at < len && shift < 64; shift += 7) {
        uint8_t c = b[(*at)++];
        *v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return 0;
    }
    return -1;
}

/* The next field of b[0..len) from *at; 1, 0 at the end, -1 malformed. */
static int next(const uint8_t *b, size_t len, size_t *at, struct field *f)
{
    uint64_t key;
    if (*at >= len)
        return 0;
    if (varint(b, len, at, &key) < 0)
        return -1;
    f->num = (uint32_t)(key >> 3);
    f->wire = (int)(key & 7);
    if (f->wire == 0)
        return varint(b, len, at, &f->v) < 0 ? -1 : 1;
    if (f->wire != 2 || varint(b, len, at, &f->v) < 0 || f->v > len - *at)
        return -1;
    f->p = b + *at;
    f->n = (size_t)f->v;
    *at += f->n;
    return 1;
}

/* Varints of a packed field (or a single unpacked one) into out. */
static void ints(const struct field *f, uint64_t *out, int *n)
{
    if (f->wire == 0) {
        if (*n < MAXN)
            out[(*n)++] = f->v;
        return;
    }
    size_t at = 0;
    uint64_t v;
    while (at < f->n && *n < MAXN && varint(f->p, f->n, &at, &v) == 0)
        out[(*n)++] = v;
}

static void read_sample(struct rd *r, const struct field *top)
{
    struct rd_sample *s = &r->s[r->ns++];
    struct field f, g;
    size_t at = 0;
    memset(s, 0, sizeof *s);
    while (next(top->p, top->n, &at, &f) > 0) {
        if (f.num == 1)
            ints(&f, s->loc, &s->nloc);
        else if (f.num == 2)
            ints(&f, (uint64_t *)s->val, &s->nval);
        else if (f.num == 3 && s->nlab < MAXN) {
            size_t a2 = 0;
            while (next(f.p, f.n, &a2, &g) > 0)
                if (g.num == 1 || g.num == 2)
                    s->lab[s->nlab][g.num - 1] = (int64_t)g.v;
            s->nlab++;
        }
    }
}

static void read_location(struct rd *r, const struct field *top)
{
    struct rd_loc *l = &r->l[r->nl++];
    struct field f, g;
    size_t at = 0;
    memset(l, 0, sizeof *l);
    while (next(top->p, top->n, &at, &f) > 0) {
        if (f.num == 1)
            l->id = f.v;
        else if (f.num == 2)
            l->mapping = f.v;
        else if (f.num == 4) {
            size_t a2 = 0;
            while (next(f.p, f.n, &a2, &g) > 0) {
                if (g.num == 1)
                    l->function = g.v;
                else if (g.num == 2)
                    l->line = (int64_t)g.v;
            }
        }
    }
}

static void read_small(struct rd *r, const struct field *top)
{
    struct field f;
    size_t at = 0;
    if (top->num == 5) {
        struct rd_fn *func = &r->f[r->nf++];
        memset(func, 0, sizeof *func);
        while (next(top->p, top->n, &at, &f) > 0) {
            if (f.num == 1)
                func->id = f.v;
            else if (f.num == 2)
                func->name = (int64_t)f.v;
            else if (f.num == 3)
                func->system_name = (int64_t)f.v;
            else if (f.num == 4)
                func->file = (int64_t)f.v;
        }
    } else if (top->num == 3) {
        struct rd_map *m = &r->m[r->nm++];
        memset(m, 0, sizeof *m);
        while (next(top->p, top->n, &at, &f) > 0) {
            if (f.num == 1)
                m->id = f.v;
            else if (f.num == 5)
                m->file = (int64_t)f.v;
            else if (f.num >= 7 && f.num <= 9 && f.v == 1)
                m->flags |= 1 << (f.num - 7);
        }
    } else { /* ValueType: sample_type (1) or period_type (11) */
        int64_t *vt = top->num == 1 ? r->stype[r->nstype++] : r->ptype;
        while (next(top->p, top->n, &at, &f) > 0)
            if (f.num == 1 || f.num == 2)
                vt[f.num - 1] = (int64_t)f.v;
    }
}

static void read_profile(struct rd *r, const uint8_t *b, size_t len)
{
    struct field f;
    size_t at = 0;
    int rc;
    while ((rc = next(b, len, &at, &f)) > 0) {
        int full = r->ns >= MAXN || r->nl >= MAXN || r->nf >= MAXN || r->nm >= MAXN || r->nstype >= 4 ||
                   r->nstr >= 256;
        if (full)
            r->bad = 1;
        else if (f.num == 2)
            read_sample(r, &f);
        else if (f.num == 4)
            read_location(r, &f);
        else if (f.num == 1 || f.num == 3 || f.num == 5 || f.num == 11)
            read_small(r, &f);
        else if (f.num == 6)
            r->str[r->nstr++] = strndup((const char *)f.p, f.n);
        else if (f.num == 9)
            r->time_nanos = (int64_t)f.v;
        else if (f.num == 10)
            r->duration_nanos = (int64_t)f.v;
        else if (f.num == 12)
            r->period = (int64_t)f.v;
        else if (f.num == 13)
            ints(&f, (uint64_t *)r->comment, &r->ncomment);
        else if (f.num == 14)
            r->dflt = (int64_t)f.v;
    }
    if (rc < 0)
        r->bad = 1;
}

static const char *S(const struct rd *r, int64_t i)
{
    return i >= 0 && i < r->nstr ? r->str[i] : "(out of range)";
}

static const struct rd_loc *loc(const struct rd *r, uint64_t id)
{
    for (int i = 0; i < r->nl; i++)
        if (r->l[i].id == id)
            return &r->l[i];
    return NULL;
}

static const struct rd_fn *fn(const struct rd *r, uint64_t id)
{
    for (int i = 0; i < r->nf; i++)
        if (r->f[i].id == id)
            return &r->f[i];
    return NULL;
}

static const struct rd_map *map(const struct rd *r, uint64_t id)
{
    for (int i = 0; i < r->nm; i++)
        if (r->m[i].id == id)
            return &r->m[i];
    return NULL;
}

/* "name file:line [mapping]" of location id, for comparisons. */
static const char *where(const struct rd *r, uint64_t id, char *buf, size_t n)
{
    const struct rd_loc *l = loc(r, id);
    const struct rd_fn *f = l ? fn(r, l->function) : NULL;
    const struct rd_map *m = l ? map(r, l->mapping) : NULL;
    if (!f || !m) {
        snprintf(buf, n, "(location %llu incomplete)", (unsigned long long)id);
        return buf;
    }
    snprintf(buf, n, "%s %s:%lld [%s]", S(r, f->name), S(r, f->file), (long long)l->line, S(r, m->file));
    return buf;
}

/* ---- the test ---- */

static uint8_t *gunzip(const char *in, size_t n, size_t *outlen)
{
    size_t cap = 1 << 20;
    uint8_t *out = malloc(cap);
    z_stream z;
    memset(&z, 0, sizeof z);
    if (!out || inflateInit2(&z, 15 + 16) != Z_OK) { /* gzip only */
        free(out);
        return NULL;
    }
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    int rc = inflate(&z, Z_FINISH);
    *outlen = z.total_out;
    inflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}

static void check_profile(const struct rd *r)
{
    char b1[256], b2[256];
    CHECK(!r->bad);
    CHECK(r->nstr > 0 && r->str[0][0] == '\0'); /* string_table[0] is "" */
    CHECK_EQ_INT(r->nstype, 2);
    CHECK_STR(S(r, r->stype[0][0]), "live_blocks");
    CHECK_STR(S(r, r->stype[0][1]), "count");
    CHECK_STR(S(r, r->stype[1][0]), "live_bytes");
    CHECK_STR(S(r, r->stype[1][1]), "bytes");
    CHECK_STR(S(r, r->dflt), "live_bytes");
    CHECK_EQ_INT(r->time_nanos, 1795739900500000000LL);
    CHECK_EQ_INT(r->duration_nanos, 0);
    CHECK_EQ_INT(r->period, 524288);
    CHECK_STR(S(r, r->ptype[0]), "space");
    CHECK_STR(S(r, r->ptype[1]), "bytes");
    CHECK_EQ_INT(r->ncomment, 2);
    CHECK_STR(S(r, r->comment[0]), "first comment");
    CHECK_STR(S(r, r->comment[1]), "second");
    /* the empty site is left out; the others in the order added */
    CHECK_EQ_INT(r->ns, 2);
    if (r->ns != 2)
        return;
    const struct rd_sample *a = &r->s[0], *b = &r->s[1];
    CHECK(a->nval == 2 && a->val[0] == 5 && a->val[1] == 2000000);
    CHECK(b->nval == 2 && b->val[0] == 2 && b->val[1] == 1000000);
    /* Python site: malloc and PyList_Append below the Python line are cut */
    CHECK_EQ_INT(a->nloc, 1);
    CHECK_STR(where(r, a->loc[0], b1, sizeof b1), "<module> /app/x.py:42 [python3]");
    /* native site: the leaf is the first frame outside the allocator */
    CHECK_EQ_INT(b->nloc, 2);
    CHECK_STR(where(r, b->loc[0], b1, sizeof b1), "PyList_Append :0 [libpython3.11.so]");
    CHECK_STR(where(r, b->loc[1], b2, sizeof b2), "libfoo.so+0x1c :0 [libfoo.so]");
    CHECK(a->nlab == 1 && !strcmp(S(r, a->lab[0][0]), "layer") && !strcmp(S(r, a->lab[0][1]), "python"));
    CHECK(b->nlab == 1 && !strcmp(S(r, b->lab[0][1]), "libc"));
    /* mapping 1 is the executable; every mapping claims full symbols */
    CHECK_EQ_INT(r->nm, 3);
    CHECK(r->nm > 0 && r->m[0].id == 1 && !strcmp(S(r, r->m[0].file), "python3"));
    for (int i = 0; i < r->nm; i++)
        CHECK_MSG(r->m[i].flags == 7, "mapping %s flags %d", S(r, r->m[i].file), r->m[i].flags);
    for (int i = 0; i < r->nf; i++) /* pprof would "demangle" a system_name */
        CHECK_EQ_INT(r->f[i].system_name, 0);
}

static void write_and_read(const struct ccx_table *t)
{
    struct ccx_pprof_spec sp = {{"live_blocks", "live_bytes"}, {"count", "bytes"}, 1795739900.5, 0, 524288,
                                {"first comment", "second", NULL}, "python3"};
    struct ccx_pprof *p = ccx_pprof_new(t, &sp);
    CHECK(p != NULL);
    if (!p)
        return;
    for (size_t j = 0; j < t->nrows; j++) {
        const struct ccx_row *r = t->rows[j];
        const double v[2] = {r->blocks[0], r->bytes[0]};
        const char *const labels[] = {"layer", ccx_layer_name(r->layer), NULL};
        CHECK_EQ_INT(ccx_pprof_add(p, r, v, labels), 0);
    }
    char *buf = NULL;
    size_t len = 0, plen = 0;
    FILE *f = open_memstream(&buf, &len);
    CHECK_EQ_INT(ccx_pprof_write(p, f), 0);
    fclose(f);
    ccx_pprof_free(p);
    CHECK(len > 18 && (uint8_t)buf[0] == 0x1f && (uint8_t)buf[1] == 0x8b); /* gzip magic */
    uint8_t *pb = gunzip(buf, len, &plen);
    CHECK(pb != NULL);
    if (pb) {
        struct rd *r = calloc(1, sizeof *r);
        read_profile(r, pb, plen);
        check_profile(r);
        for (int i = 0; i < r->nstr; i++)
            free(r->str[i]);
        free(r);
    }
    free(pb);
    free(buf);
}

/* Label parts, also when the label is cut by its buffer. */
static void parts(const struct ccx_snap *s)
{
    char buf[64];
    size_t a, b;
    ccx_frame_format_parts(s, &s->frames[4], buf, sizeof buf, &a, &b);
    CHECK_STR(buf, "/app/y.py:7 Foo.bar");
    CHECK(a == 9 && b == 12);
    ccx_frame_format_parts(s, &s->frames[1], buf, sizeof buf, &a, &b);
    CHECK_STR(buf, "libpython3.11.so!PyList_Append+0x3");
    CHECK(a == 16 && b == 30);
    ccx_frame_format_parts(s, &s->frames[3], buf, sizeof buf, &a, &b);
    CHECK_STR(buf, "libfoo.so+0x1c");
    CHECK(a == 9 && b == 9);
    ccx_frame_format_parts(s, &s->frames[4], buf, 8, &a, &b); /* "/app/y." */
    CHECK(a == 7 && b == 7);
}

int main(void)
{
    struct ccx_snap s;
    char err[256] = "";
    int rc = ccx_snap_parse(snap_json, strlen(snap_json), "t.json", &s, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    if (rc)
        return check_done();
    parts(&s);
    struct ccx_table *t = ccx_table_new(1, CCX_BY_STACK);
    CHECK(t && ccx_table_add(t, 0, &s) == 0);
    ccx_snap_free(&s);
    if (t) {
        ccx_table_finish(t);
        CHECK_EQ_INT(t->nrows, 3);
        write_and_read(t);
        ccx_table_free(t);
    }
    return check_done();
}
