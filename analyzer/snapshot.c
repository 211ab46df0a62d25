/* snapshot.c - the snapshot reader: JSON file -> struct ccx_snap.
 *
 * Streams the document (jsonread.h): the top-level members it knows that
 * are small (format, identity, sampling, totals, tracer, process, python)
 * are built as cJSON trees into one object and read from it at the end;
 * the big arrays go to snaptables.c as they come; any other member is
 * skipped unbuilt (DESIGN.md: adding a field keeps the version).  The file
 * is read in windows, never whole.
 *
 * Validates everything it copies (types, ranges, ids), so the rest of the
 * analyzer can trust the arrays.  What is refused besides (docs/analyzer.md
 * lists it all): anything but a regular file (infile.c, never blocking on
 * a FIFO), text after the document, a key given twice, running out of
 * memory (jsonread.c, each with its own message); a missing "sampling"
 * (mode) or "sites"; numbers beyond a double.  "format" and "version" are
 * checked as soon as they are read, so another file is told as such before
 * its arrays are.  Every string kept is escaped for printing (textsafe.h).
 */
#include "snapshot.h"
#include "holders.h"
#include "infile.h"
#include "jsonread.h"
#include "snapread.h"
#include "snaptables.h"
#include "textsafe.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ccx_format.h"

/* Files above this are refused (string pool offsets are 32-bit). */
#define CCX_MAX_FILE_BYTES (2048ull << 20)

/* The small top-level members, kept as trees until the end. */
static const char *const meta_keys[] = {
    CCX_F_FORMAT, CCX_F_VERSION, CCX_F_HOST, CCX_F_EXE, CCX_F_INSTANCE, CCX_F_CMDLINE,
    CCX_F_REASON, CCX_F_LABEL, CCX_F_TIME, CCX_F_PID, CCX_F_START_TIME, CCX_F_SEQ,
    CCX_F_UPTIME_S, CCX_F_SAMPLING, CCX_F_TOTALS, CCX_F_TRACER, CCX_F_PROCESS, CCX_F_PYTHON, NULL,
};

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


const char *ccx_layer_name(int layer)
{
    switch (layer) {
    case CCX_L_LIBC: return CCX_LAYER_LIBC;
    case CCX_L_PYTHON: return CCX_LAYER_PYTHON;
    case CCX_L_MMAP: return CCX_LAYER_MMAP;
    }
    return "other";
}


static void read_census(struct ccx_rd *r, const cJSON *list, struct ccx_census *c, const char *what)
{
    if (!list || cJSON_IsNull(list))
        return;
    if (!cJSON_IsArray(list)) {
        ccx_rd_fail(r, "python %s is not an array", what);
        return;
    }
    int n = cJSON_GetArraySize(list);
    if ((size_t)n > CCX_MAX_ITEMS) {
        ccx_rd_fail(r, "python %s has too many entries", what);
        return;
    }
    c->present = 1;
    c->types = ccx_rd_calloc(r, (size_t)n, sizeof *c->types);
    if (!c->types)
        return;
    size_t i = 0;
    const cJSON *t;
    cJSON_ArrayForEach(t, list)
    {
        char where[64];
        snprintf(where, sizeof where, "python %s entry %zu:", what, i);
        if (!cJSON_IsObject(t)) {
            ccx_rd_fail(r, "%s not an object", where);
            return;
        }
        struct ccx_type *ty = &c->types[i++];
        if (ccx_rd_str(r, t, CCX_F_TYPE_NAME, where, &ty->name) <= 0) {
            if (!r->failed)
                ccx_rd_fail(r, "%s no \"%s\"", where, CCX_F_TYPE_NAME);
            return;
        }
        double owned = 0;
        if (ccx_rd_num(r, t, CCX_F_TYPE_COUNT, where, &ty->count) < 0 ||
            ccx_rd_num(r, t, CCX_F_TYPE_BYTES, where, &ty->bytes) < 0 ||
            ccx_rd_num(r, t, CCX_F_TYPE_OWNED, where, &owned) < 0)
            return;
        /* What sys.getsizeof says: the objects and, for containers, the
         * tables they allocate separately (tracers that record them). */
        ty->bytes += owned;
    }
    c->ntypes = i;
}

static void read_triple(struct ccx_rd *r, const cJSON *o, const char *k, double out[3])
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!a || cJSON_IsNull(a))
        return;
    if (!cJSON_IsArray(a)) {
        ccx_rd_fail(r, "python gc \"%s\" is not an array", k);
        return;
    }
    int n = cJSON_GetArraySize(a);
    for (int i = 0; i < n && i < 3; i++) {
        const cJSON *v = cJSON_GetArrayItem(a, i);
        if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || v->valuedouble > CCX_MAX_NUMBER) {
            ccx_rd_fail(r, "python gc \"%s\" has a bad value", k);
            return;
        }
        out[i] = v->valuedouble;
    }
}

static void read_python(struct ccx_rd *r, const cJSON *root)
{
    const cJSON *py = ccx_rd_obj(r, root, CCX_F_PYTHON);
    if (!py)
        return;
    struct ccx_python *p = &r->s->py;
    p->present = 1;
    if (ccx_rd_str(r, py, CCX_F_PY_VERSION, "python", &p->version) < 0)
        return;
    const cJSON *gc = ccx_rd_obj(r, py, CCX_F_GC);
    if (r->failed)
        return;
    if (gc) {
        p->has_gc = 1;
        read_triple(r, gc, CCX_F_GC_COUNT, p->gc_count);
        read_triple(r, gc, CCX_F_GC_THRESHOLD, p->gc_threshold);
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(gc, CCX_F_GC_STATS);
        if (st && !cJSON_IsNull(st)) {
            if (!cJSON_IsArray(st)) {
                ccx_rd_fail(r, "python gc \"%s\" is not an array", CCX_F_GC_STATS);
                return;
            }
            const cJSON *g;
            cJSON_ArrayForEach(g, st)
            {
                if (p->gc_nstats >= 3)
                    break;
                if (!cJSON_IsObject(g)) {
                    ccx_rd_fail(r, "python gc stats entry is not an object");
                    return;
                }
                int i = p->gc_nstats++;
                if (ccx_rd_num(r, g, CCX_F_COLLECTIONS, "python gc stats", &p->gc_collections[i]) < 0 ||
                    ccx_rd_num(r, g, CCX_F_COLLECTED, "python gc stats", &p->gc_collected[i]) < 0 ||
                    ccx_rd_num(r, g, CCX_F_UNCOLLECTABLE, "python gc stats", &p->gc_uncollectable[i]) < 0)
                    return;
            }
        }
    }
    if (r->failed)
        return;
    read_census(r, cJSON_GetObjectItemCaseSensitive(py, CCX_F_TYPES), &p->types, "types");
    if (ccx_rd_num(r, py, CCX_F_CENSUS_MS, "python", &p->census_ms) < 0)
        return;
    const cJSON *ac = ccx_rd_obj(r, py, CCX_F_AFTER_COLLECT);
    if (ac) {
        p->has_after = 1;
        if (ccx_rd_num(r, ac, CCX_F_COLLECTED, "python after_collect", &p->after_collected) < 0)
            return;
        int got = ccx_rd_num(r, ac, CCX_F_LIVE_BYTES, "python after_collect", &p->after_live_bytes);
        if (got < 0 || ccx_rd_num(r, ac, CCX_F_LIVE_BLOCKS, "python after_collect", &p->after_live_blocks) < 0)
            return;
        p->has_after_live = got;
        read_census(r, cJSON_GetObjectItemCaseSensitive(ac, CCX_F_TYPES), &p->after, "after_collect types");
        if (!p->after.present && !r->failed)
            ccx_rd_fail(r, "python after_collect has no \"%s\"", CCX_F_TYPES);
    }
    const cJSON *dp = ccx_rd_obj(r, py, CCX_F_DEEP);
    if (dp && !r->failed)
        read_census(r, cJSON_GetObjectItemCaseSensitive(dp, CCX_F_TYPES), &p->deep, "deep types");
    const cJSON *ho = cJSON_GetObjectItemCaseSensitive(py, CCX_F_HOLDERS);
    if (ho && !cJSON_IsNull(ho) && !r->failed) {
        char why[200];
        if (!(p->holders = ccx_holders_parse(ho, why, sizeof why)))
            ccx_rd_fail(r, "%s", why);
    }
}


/* "sampling": required, with its mode; without it a sampled snapshot
 * would pass for an exact one. */
static void read_sampling(struct ccx_rd *r, const cJSON *root)
{
    struct ccx_snap *s = r->s;
    const cJSON *sm = ccx_rd_obj(r, root, CCX_F_SAMPLING);
    if (r->failed)
        return;
    if (!sm) {
        ccx_rd_fail(r, "no \"%s\" object: whether the figures are sampled or exact is unknown", CCX_F_SAMPLING);
        return;
    }
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(sm, CCX_F_MODE);
    if (!m || !cJSON_IsString(m)) {
        ccx_rd_fail(r, "sampling has no \"%s\" string (\"%s\" or \"%s\")", CCX_F_MODE, CCX_MODE_SAMPLE, CCX_MODE_ALL);
        return;
    }
    if (strcmp(m->valuestring, CCX_MODE_SAMPLE) == 0) {
        s->sample_mode = 1;
    } else if (strcmp(m->valuestring, CCX_MODE_ALL) != 0) {
        ccx_rd_fail(r, "sampling mode \"%.40s\" is neither \"%s\" nor \"%s\"", m->valuestring,
             CCX_MODE_SAMPLE, CCX_MODE_ALL);
        return;
    }
    if (ccx_rd_num(r, sm, CCX_F_INTERVAL_BYTES, "sampling", &s->interval) < 0)
        return;
    if (s->sample_mode && s->interval < 1) {
        ccx_rd_fail(r, "sampling mode \"%s\" with no positive \"%s\"", CCX_MODE_SAMPLE, CCX_F_INTERVAL_BYTES);
        return;
    }
    if (!s->sample_mode)
        s->interval = 0;
}


static int check_format(struct ccx_rd *r, const cJSON *f)
{
    if (!f || !cJSON_IsString(f))
        return ccx_rd_fail(r, "not a ccxtrace snapshot (no \"%s\" field)", CCX_F_FORMAT);
    if (strcmp(f->valuestring, CCX_FORMAT_NAME) != 0)
        return ccx_rd_fail(r, "format \"%.60s\" is not \"%s\"", f->valuestring, CCX_FORMAT_NAME);
    return 0;
}

static int check_version(struct ccx_rd *r, const cJSON *v)
{
    if (!v || !cJSON_IsNumber(v))
        return ccx_rd_fail(r, "no numeric \"%s\"", CCX_F_VERSION);
    if (!isfinite(v->valuedouble))
        return ccx_rd_fail(r, "format version is out of range");
    if (v->valuedouble > CCX_FORMAT_VERSION)
        return ccx_rd_fail(r, "format version %g is newer than this ccx-analyze reads (%d); upgrade ccx-analyze",
                           v->valuedouble, CCX_FORMAT_VERSION);
    if (v->valuedouble < 1 || v->valuedouble != floor(v->valuedouble))
        return ccx_rd_fail(r, "format version %g is not valid", v->valuedouble);
    return 0;
}

/* Identity: host, pid, times and the rest of the top level's scalars. */
static int read_identity(struct ccx_rd *r, const cJSON *root)
{
    struct ccx_snap *s = r->s;
    if (ccx_rd_str(r, root, CCX_F_HOST, "", &s->host) < 0 || ccx_rd_str(r, root, CCX_F_EXE, "", &s->exe) < 0 ||
        ccx_rd_str(r, root, CCX_F_INSTANCE, "", &s->instance) < 0 ||
        ccx_rd_str(r, root, CCX_F_CMDLINE, "", &s->cmdline) < 0 ||
        ccx_rd_str(r, root, CCX_F_REASON, "", &s->reason) < 0 ||
        ccx_rd_str(r, root, CCX_F_LABEL, "", &s->label) < 0 ||
        ccx_rd_str(r, root, CCX_F_TIME, "", &s->time_str) < 0 || ccx_rd_num(r, root, CCX_F_PID, "", &s->pid) < 0 ||
        ccx_rd_num(r, root, CCX_F_START_TIME, "", &s->start_time) < 0 ||
        ccx_rd_num(r, root, CCX_F_SEQ, "", &s->seq) < 0 ||
        ccx_rd_num(r, root, CCX_F_UPTIME_S, "", &s->uptime_s) < 0)
        return -1;
    s->time = -1;
    if (s->time_str && ccx_parse_utc(ccx_str(s, s->time_str), 0, &s->time) < 0)
        return ccx_rd_fail(r, "\"%s\" \"%.40s\" is not an ISO 8601 UTC time", CCX_F_TIME, ccx_str(s, s->time_str));
    if (s->time < 0)
        s->time = s->start_time + s->uptime_s;
    return 0;
}

/* totals, tracer, process. */
static void read_counters(struct ccx_rd *r, const cJSON *root)
{
    struct ccx_snap *s = r->s;
    const cJSON *t = ccx_rd_obj(r, root, CCX_F_TOTALS);
    if (r->failed)
        return;
    if (t) {
        s->has_totals = 1;
        if (ccx_rd_num(r, t, CCX_F_ALLOC_CALLS, "totals", &s->alloc_calls) < 0 ||
            ccx_rd_num(r, t, CCX_F_FREE_CALLS, "totals", &s->free_calls) < 0 ||
            ccx_rd_num(r, t, CCX_F_ALLOC_BYTES, "totals", &s->alloc_bytes) < 0 ||
            ccx_rd_num(r, t, CCX_F_FREE_BYTES, "totals", &s->free_bytes) < 0 ||
            ccx_rd_num(r, t, CCX_F_LIVE_BYTES, "totals", &s->live_bytes) < 0 ||
            ccx_rd_num(r, t, CCX_F_LIVE_BLOCKS, "totals", &s->live_blocks) < 0)
            return;
    }
    const cJSON *tr = ccx_rd_obj(r, root, CCX_F_TRACER);
    if (r->failed)
        return;
    if (tr && (ccx_rd_num(r, tr, CCX_F_SELF_BYTES, "tracer", &s->self_bytes) < 0 ||
               ccx_rd_num(r, tr, CCX_F_LIVE_SAMPLES, "tracer", &s->tracer_live_samples) < 0 ||
               ccx_rd_num(r, tr, CCX_F_STACKS, "tracer", &s->tracer_stacks) < 0 ||
               ccx_rd_num(r, tr, CCX_F_WRITE_MS, "tracer", &s->write_ms) < 0))
        return;

    s->rss = s->hwm = s->anon = s->vm = s->cgroup = s->heap_in_use = -1;
    const cJSON *p = ccx_rd_obj(r, root, CCX_F_PROCESS);
    if (r->failed)
        return;
    if (p) {
        if (ccx_rd_num(r, p, CCX_F_RSS_BYTES, "process", &s->rss) < 0 ||
            ccx_rd_num(r, p, CCX_F_HWM_BYTES, "process", &s->hwm) < 0 ||
            ccx_rd_num(r, p, CCX_F_ANON_BYTES, "process", &s->anon) < 0 ||
            ccx_rd_num(r, p, CCX_F_VM_BYTES, "process", &s->vm) < 0 ||
            ccx_rd_num(r, p, CCX_F_CGROUP_MEMORY, "process", &s->cgroup) < 0)
            return;
        const cJSON *h = ccx_rd_obj(r, p, CCX_F_HEAP);
        if (r->failed)
            return;
        if (h) {
            double u = -1, hb = -1;
            if (ccx_rd_num(r, h, CCX_F_HEAP_UORDBLKS, "process heap", &u) < 0 ||
                ccx_rd_num(r, h, CCX_F_HEAP_HBLKHD, "process heap", &hb) < 0)
                return;
            if (u >= 0)
                s->heap_in_use = u + (hb > 0 ? hb : 0);
        }
    }
}



/* The small sections, once the document is read: in the order the checks
 * always ran (format and version were checked when read). */
static void read_sections(struct ccx_rd *r, const cJSON *root)
{
    if (check_format(r, cJSON_GetObjectItemCaseSensitive(root, CCX_F_FORMAT)) < 0 ||
        check_version(r, cJSON_GetObjectItemCaseSensitive(root, CCX_F_VERSION)) < 0 ||
        read_identity(r, root) < 0)
        return;
    read_sampling(r, root);
    if (!r->failed)
        read_counters(r, root);
    if (!r->failed)
        read_python(r, root);
}

static int listed(const char *k)
{
    for (const char *const *m = meta_keys; *m; m++)
        if (strcmp(*m, k) == 0)
            return 1;
    return 0;
}

/* One top-level member (its key k, the cursor on its value). */
static int read_member(struct ccx_rd *r, cJSON *meta, const char *k)
{
    enum ccx_table tb = ccx_table_of(k);
    if (tb != CCX_TABLE_NONE)
        return ccx_tables_read(r, tb);
    if (!listed(k))
        return ccx_jr_skip(r->j) < 0 ? ccx_rd_json_failed(r) : 0;
    int is_format = strcmp(k, CCX_F_FORMAT) == 0, is_version = strcmp(k, CCX_F_VERSION) == 0;
    char *key = strdup(k);
    cJSON *v = key ? ccx_jr_tree(r->j, NULL) : NULL;
    if (!v) {
        free(key);
        return key ? ccx_rd_json_failed(r) : ccx_rd_fail(r, "out of memory");
    }
    int ok = cJSON_AddItemToObject(meta, key, v);
    free(key);
    if (!ok) {
        cJSON_Delete(v);
        return ccx_rd_fail(r, "out of memory");
    }
    if (is_format)
        return check_format(r, v);
    return is_version ? check_version(r, v) : 0;
}

/* The whole document. */
static void read_doc(struct ccx_rd *r)
{
    struct ccx_jr *j = r->j;
    enum ccx_jr_type ty = ccx_jr_peek(j);
    if (ty != CCX_JR_OBJECT) {
        if (ty == CCX_JR_ERROR || ccx_jr_skip(j) < 0 || ccx_jr_finish(j) < 0)
            ccx_rd_json_failed(r);
        else
            ccx_rd_fail(r, "not a JSON object");
        return;
    }
    cJSON *meta = cJSON_CreateObject();
    if (!meta) {
        ccx_rd_fail(r, "out of memory");
        return;
    }
    if (!(r->t = ccx_tables_new(r)) || (ccx_jr_object(j) < 0 && ccx_rd_json_failed(r))) {
        cJSON_Delete(meta);
        return;
    }
    const char *k;
    int more;
    while ((more = ccx_jr_key(j, &k)) == 1)
        if (read_member(r, meta, k) < 0)
            break;
    if (!r->failed && (more < 0 || ccx_jr_finish(j) < 0))
        ccx_rd_json_failed(r);
    if (!r->failed)
        read_sections(r, meta);
    cJSON_Delete(meta);
    if (!r->failed)
        ccx_tables_finish(r);
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


/* Reads through j into out (zeroed first); 0, or -1 with err set. */
static int parse(struct ccx_jr *j, uint64_t len, const char *name, struct ccx_snap *out, char *err,
                 size_t errlen)
{
    struct ccx_rd r = {out, j, NULL, err, errlen, 0};
    memset(out, 0, sizeof *out);
    out->path = ccx_safe_dup(name ? name : "-");
    enum ccx_strpool_err perr = CCX_STRPOOL_OK;
    ccx_strpool_add(&out->strs, "", &perr); /* offset 0: the empty string */
    if (!out->path || perr)
        ccx_rd_fail(&r, "out of memory");
    else if (len == 0)
        ccx_rd_fail(&r, "empty file");
    else
        read_doc(&r);
    ccx_tables_free(r.t);
    ccx_jr_free(j);
    if (!r.failed)
        return 0;
    ccx_snap_free(out);
    return -1;
}

int ccx_snap_parse(const char *buf, size_t len, const char *name, struct ccx_snap *out,
                   char *err, size_t errlen)
{
    struct ccx_jr j;
    ccx_jr_init_mem(&j, buf, len);
    return parse(&j, len, name, out, err, errlen);
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
    struct ccx_jr j;
    ccx_jr_init_fd(&j, fd, len);
    int rc = parse(&j, len, path, out, err, errlen);
    close(fd);
    return rc;
}
