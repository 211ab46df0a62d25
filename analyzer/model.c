/* model.c - loading a set of snapshots (see model.h). */
#include "model.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ccx_format.h"
#include "grow.h"
#include "holders.h"
#include "infile.h"
#include "textsafe.h"

/* One line on stderr: PREFIX, then the message, whose file names and
 * quoted input are escaped (textsafe.h): no control character reaches the
 * terminal, nor a newline that would make it two lines. */
static void say(const char *prefix, const char *fmt, va_list ap)
{
    char *msg = NULL;
    fputs(prefix, stderr);
    if (vasprintf(&msg, fmt, ap) < 0)
        fputs("out of memory", stderr);
    else
        ccx_safe_fputs(msg, stderr);
    free(msg);
    fputc('\n', stderr);
}

void ccx_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say("ccx-analyze: ", fmt, ap);
    va_end(ap);
}

void ccx_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say("ccx-analyze: warning: ", fmt, ap);
    va_end(ap);
}

static int is_snapshot_name(const char *n)
{
    size_t l = strlen(n), pl = strlen(CCX_FILE_PREFIX), sl = strlen(CCX_FILE_SUFFIX);
    return l > pl + sl && strncmp(n, CCX_FILE_PREFIX, pl) == 0 &&
           strcmp(n + l - sl, CCX_FILE_SUFFIX) == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends PATH to the vector *v (n used, cap allocated).  PATH is taken
 * over: it is freed when it cannot be added.  NULL (a failed strdup or
 * malloc) is out of memory too.  Returns 0, or -1 with errno ENOMEM. */
static int push_path(char ***v, size_t *n, size_t *cap, char *path)
{
    char **p = path ? ccx_grow(*v, *n, cap, sizeof *p, 16) : NULL;
    if (!p) {
        free(path);
        errno = ENOMEM;
        return -1;
    }
    *v = p;
    p[(*n)++] = path;
    return 0;
}

long ccx_list_dir(const char *dir, int (*match)(const char *name), char ***v, size_t *n,
                  size_t *cap)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    size_t first = *n;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!match(e->d_name))
            continue;
        /* a FIFO named like a snapshot would block the reader: skip what
         * is not a regular file (or a link to one), saying so */
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, 0) == 0 && !S_ISREG(st.st_mode)) {
            ccx_warn("%s/%s: not a regular file (%s), skipped", dir, e->d_name,
                     ccx_file_kind(st.st_mode));
            continue;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *path = malloc(len);
        if (path)
            snprintf(path, len, "%s/%s", dir, e->d_name);
        if (push_path(v, n, cap, path) < 0) {
            closedir(d);
            errno = ENOMEM;
            return -1;
        }
    }
    closedir(d);
    if (*n - first > 1) /* *v may still be NULL: qsort wants an array */
        qsort(*v + first, *n - first, sizeof **v, cmp_str);
    return (long)(*n - first);
}

long ccx_expand_inputs(char **args, int nargs, char ***out)
{
    char **v = NULL;
    size_t n = 0, cap = 0;
    for (int i = 0; i < nargs; i++) {
        struct stat st;
        if (stat(args[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            long got = ccx_list_dir(args[i], is_snapshot_name, &v, &n, &cap);
            if (got < 0 && errno == ENOMEM)
                goto oom;
            if (got < 0) {
                ccx_err("%s: %s", args[i], strerror(errno));
                goto bad;
            }
            if (got == 0) {
                ccx_err("%s: no snapshots (%s*%s) in this directory", args[i], CCX_FILE_PREFIX,
                        CCX_FILE_SUFFIX);
                goto bad;
            }
        } else {
            if (push_path(&v, &n, &cap, strdup(args[i])) < 0)
                goto oom;
        }
    }
    *out = v;
    return (long)n;
oom:
    ccx_err("out of memory");
bad:
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
    return -1;
}

int ccx_load_snap(const char *path, struct ccx_snap *s)
{
    char err[512];
    if (ccx_snap_load(path, s, err, sizeof err) == 0)
        return 0;
    ccx_err("%s: %s", path, err);
    return -1;
}

static char *dup_or_null(const struct ccx_snap *s, uint32_t off)
{
    return off ? strdup(ccx_str(s, off)) : NULL;
}

static int add_types(struct ccx_set *set, size_t i, const struct ccx_snap *s, int after)
{
    const struct ccx_census *c = after ? &s->py.after : &s->py.types;
    for (size_t j = 0; j < c->ntypes; j++) {
        const char *name = ccx_str(s, c->types[j].name);
        uint64_t key = ccx_hash_bytes(name, strlen(name), 0x7e);
        struct ccx_trow *r;
        HASH_FIND(hh, set->thash, &key, sizeof key, r);
        if (!r) {
            if (set->ntypes % 256 == 0) {
                struct ccx_trow **p = realloc(set->types, (set->ntypes + 256) * sizeof *p);
                if (!p)
                    return -1;
                set->types = p;
            }
            r = calloc(1, sizeof *r);
            double *v = calloc(4 * set->k, sizeof *v);
            char *nm = strdup(name);
            if (!r || !v || !nm) {
                free(r);
                free(v);
                free(nm);
                return -1;
            }
            r->key = key;
            r->name = nm;
            r->count = v;
            r->bytes = v + set->k;
            r->acount = v + 2 * set->k;
            r->abytes = v + 3 * set->k;
            set->types[set->ntypes++] = r;
            HASH_ADD(hh, set->thash, key, sizeof r->key, r);
        }
        if (after) {
            r->acount[i] += c->types[j].count;
            r->abytes[i] += c->types[j].bytes;
        } else {
            r->count[i] += c->types[j].count;
            r->bytes[i] += c->types[j].bytes;
        }
    }
    return 0;
}

/* The deep census's types (python.deep), kept by name. */
static void fill_deep(struct ccx_meta *m, const struct ccx_snap *s)
{
    const struct ccx_census *c = &s->py.deep;
    if (!c->present || !(m->deep = calloc(c->ntypes + 1, sizeof *m->deep)))
        return;
    m->has_deep = 1;
    for (size_t j = 0; j < c->ntypes; j++) {
        struct ccx_dtype *d = &m->deep[m->ndeep];
        if (!(d->name = strdup(ccx_str(s, c->types[j].name))))
            break;
        d->count = c->types[j].count;
        d->bytes = c->types[j].bytes;
        m->ndeep++;
    }
}

static void fill_meta(struct ccx_meta *m, const struct ccx_snap *s)
{
    m->path = strdup(s->path);
    m->host = dup_or_null(s, s->host);
    m->instance = dup_or_null(s, s->instance);
    m->exe = dup_or_null(s, s->exe);
    m->cmdline = dup_or_null(s, s->cmdline);
    m->reason = dup_or_null(s, s->reason);
    m->label = dup_or_null(s, s->label);
    m->time_str = dup_or_null(s, s->time_str);
    m->pid = s->pid;
    m->start_time = s->start_time;
    m->seq = s->seq;
    m->uptime_s = s->uptime_s;
    m->time = s->time;
    m->sample_mode = s->sample_mode;
    m->interval = s->interval;
    m->has_totals = s->has_totals;
    m->live_bytes = s->live_bytes;
    m->live_blocks = s->live_blocks;
    m->alloc_bytes = s->alloc_bytes;
    m->alloc_calls = s->alloc_calls;
    m->free_calls = s->free_calls;
    m->self_bytes = s->self_bytes;
    m->write_ms = s->write_ms;
    m->rss = s->rss;
    m->hwm = s->hwm;
    m->heap_in_use = s->heap_in_use;
    m->cgroup = s->cgroup;
    m->nsites = s->nsites;
    for (size_t j = 0; j < s->nsites; j++)
        m->sites_bytes += s->sites[j].live_bytes;
    const struct ccx_python *p = &s->py;
    m->has_py = p->present;
    m->py_version = dup_or_null(s, p->version);
    m->has_gc = p->has_gc;
    for (int g = 0; g < 3; g++) {
        m->gc_count[g] = p->gc_count[g];
        m->gc_threshold[g] = p->gc_threshold[g];
        m->gc_collections[g] = p->gc_collections[g];
        m->gc_collected[g] = p->gc_collected[g];
        m->gc_uncollectable[g] = p->gc_uncollectable[g];
    }
    m->census_ms = p->census_ms;
    m->has_census = p->types.present;
    for (size_t j = 0; j < p->types.ntypes; j++) {
        m->census_bytes += p->types.types[j].bytes;
        m->census_count += p->types.types[j].count;
    }
    m->has_after = p->has_after;
    m->after_collected = p->after_collected;
    m->has_after_live = p->has_after_live;
    m->after_live_bytes = p->after_live_bytes;
    for (size_t j = 0; j < p->after.ntypes; j++) {
        m->after_bytes += p->after.types[j].bytes;
        m->after_count += p->after.types[j].count;
    }
    fill_deep(m, s);
}

static const struct ccx_set *sort_set;

static int cmp_time(const void *a, const void *b)
{
    const struct ccx_set *s = sort_set;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    if (s->t[i] != s->t[j])
        return s->t[i] < s->t[j] ? -1 : 1;
    if (s->meta[i].seq != s->meta[j].seq)
        return s->meta[i].seq < s->meta[j].seq ? -1 : 1;
    return i < j ? -1 : i > j;
}

static int str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int ccx_set_load(struct ccx_set *set, char **paths, size_t k, enum ccx_by by)
{
    memset(set, 0, sizeof *set);
    set->k = k;
    set->meta = calloc(k, sizeof *set->meta);
    set->t = calloc(k, sizeof *set->t);
    set->order = calloc(k, sizeof *set->order);
    set->sites = ccx_table_new(k, by);
    if (!set->meta || !set->t || !set->order || !set->sites) {
        ccx_err("out of memory");
        return -1;
    }
    for (size_t i = 0; i < k; i++) {
        struct ccx_snap s;
        if (ccx_load_snap(paths[i], &s) < 0)
            return -1;
        fill_meta(&set->meta[i], &s);
        set->meta[i].holders = s.py.holders; /* kept beyond the snapshot */
        s.py.holders = NULL;
        if (ccx_table_add(set->sites, i, &s) < 0 || add_types(set, i, &s, 0) < 0 ||
            add_types(set, i, &s, 1) < 0) {
            ccx_snap_free(&s);
            ccx_err("%s: out of memory", paths[i]);
            return -1;
        }
        ccx_snap_free(&s);
    }
    ccx_table_finish(set->sites);
    /* one time axis: uptime within one process (sub-second), else wall time */
    set->same_process = 1;
    for (size_t i = 1; i < k; i++)
        if (!str_eq(set->meta[i].host, set->meta[0].host) || set->meta[i].pid != set->meta[0].pid ||
            set->meta[i].start_time != set->meta[0].start_time ||
            !str_eq(set->meta[i].instance, set->meta[0].instance))
            set->same_process = 0;
    double t0 = 0;
    for (size_t i = 0; i < k; i++) {
        const struct ccx_meta *m = &set->meta[i];
        set->t[i] = set->same_process && m->uptime_s > 0 ? m->start_time + m->uptime_s : m->time;
        if (i == 0 || set->t[i] < t0)
            t0 = set->t[i];
    }
    for (size_t i = 0; i < k; i++) {
        set->t[i] -= t0;
        set->order[i] = i;
    }
    sort_set = set;
    qsort(set->order, k, sizeof *set->order, cmp_time);
    return 0;
}

void ccx_set_free(struct ccx_set *set)
{
    if (set->meta)
        for (size_t i = 0; i < set->k; i++) {
            struct ccx_meta *m = &set->meta[i];
            free(m->path);
            free(m->host);
            free(m->instance);
            free(m->exe);
            free(m->cmdline);
            free(m->reason);
            free(m->label);
            free(m->time_str);
            free(m->py_version);
            ccx_holders_free(m->holders);
            for (size_t j = 0; j < m->ndeep; j++)
                free(m->deep[j].name);
            free(m->deep);
        }
    HASH_CLEAR(hh, set->thash);
    for (size_t j = 0; j < set->ntypes; j++) {
        free(set->types[j]->name);
        free(set->types[j]->count);
        free(set->types[j]);
    }
    free(set->types);
    free(set->meta);
    free(set->t);
    free(set->order);
    ccx_table_free(set->sites);
    memset(set, 0, sizeof *set);
}
