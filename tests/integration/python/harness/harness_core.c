/* harness_core.c - a minimal stand-in for the tracer, for developing the
 * Python layer on its own: what preload/iface/ccx_layer.h says the core,
 * output and control provide, implemented simply (one mutex, exact
 * tables), the option getter, a helper thread calling the layer's
 * registered helper_tick, and harness_snapshot(path) writing
 * {"python": ..., "sites": [...]} with the Python frames resolved.  Built
 * with the include path of the Python layer (base and the interface).
 * Not part of libccxtrace.so. */
#include "ccx_layer.h"    /* struct ccx_thread, the filter, the operations table */
#include "ccx_options.h"  /* the one option getter */
#include "py_holders.h"   /* the holders search this stand-in leaves out */

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

__thread int ccx_guard __attribute__((tls_model("initial-exec")));
__thread struct ccx_thread ccx_t __attribute__((tls_model("initial-exec")));

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static double interval = 65536;
static int all_mode;

struct site { ccx_frame_t f[128]; int n; double bytes; long samples; int layer; };
struct blk { void *p; int site; double w; };
#define MAXSITES 4096
#define MAXBLK (1 << 22)
static struct site *sites;
static int nsites;
static struct blk *blks;   /* open addressing by pointer */

int ccx_tracing(void) { return 1; }
/* The harness's helper never steps aside around forks (ccx_helper.c). */
int ccx_helper_gil_begin(int may_skip) { (void)may_skip; return 1; }
void ccx_helper_gil_end(void) {}
/* The harness never calls ccx_py_exit, so this only has to link. */
int ccx_helper_is_self(void) { return 0; }
void ccx_helper_resume(void) {}
/* The harness has no memory-pressure watch (ccx_pressure_watch.c). */
int ccx_under_pressure(void) { return 0; }
static int env01(const char *name, int def)
{
    const char *v = getenv(name);
    return v && *v ? strcmp(v, "0") != 0 : def;
}
const struct ccx_options *ccx_opts(void)
{
    static struct ccx_options o;
    static int set;
    if (!set) {
        o.python = env01("CCXTRACE_PYTHON", 1);
        o.census = env01("CCXTRACE_CENSUS", 1);
        o.gc_collect = env01("CCXTRACE_GC_COLLECT", 0);
        set = 1;
    }
    return &o;
}

/* The Python layer's operations, as py_layer_start registers them. */
static struct ccx_layer_ops ops;
void ccx_layer_register(const struct ccx_layer_ops *o) { ops = *o; }
static void record_alloc(void *p, size_t size, enum ccx_layer_id layer, const ccx_frame_t *frames, int n);

static uint64_t sample_next(void)
{
    static __thread uint64_t s;
    if (!s) s = (uint64_t)pthread_self() ^ 0x9e3779b97f4a7c15ULL;
    s ^= s << 13; s ^= s >> 7; s ^= s << 17;
    double u = ((double)(s >> 11) + 0.5) / 9007199254740992.0;
    return (uint64_t)(-log(u) * interval) + 1;
}

/* The core's slow path (preload/iface/ccx_layer.h): the inline fast path sends
 * the allocation that reaches the thread's countdown here, not yet counted.
 * No native frames: only the Python ones. */
void ccx_sample_slow(void *p, size_t size, int layer)
{
    struct ccx_thread *t = &ccx_t;
    if (ccx_guard)
        return;
    if (!all_mode) {   /* in `all` mode the countdown stays 0 */
        if (t->state == 0) {
            t->state = 1;
            t->countdown = (int64_t)sample_next();
        }
        t->countdown -= (int64_t)size;
        if (t->countdown > 0)
            return;
        while (t->countdown <= 0)
            t->countdown += (int64_t)sample_next();
    }
    ccx_frame_t frames[128];
    int n = ops.merge_stack ? ops.merge_stack(frames, 0, 128, layer) : 0;
    record_alloc(p, size, (enum ccx_layer_id)layer, frames, n);
}

void *ccx_mem_alloc(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}
void ccx_mem_free(void *p, size_t size) { munmap(p, size); }

/* The core's "maybe recorded" filter (preload/iface/ccx_layer.h), which the
 * Python layer tests inline: here every slot says "maybe", so every free
 * reaches ccx_record_free and its exact table. */
uint8_t ccx_filter_bits[1u << CCX_FILTER_BITS];

static size_t hslot(void *p) { return ((uintptr_t)p >> 4) * 11400714819323198485ULL >> 42; }

/* Block p of weight w joins site s (mu held). */
static void add_block(void *p, int s, double w)
{
    sites[s].bytes += w;
    sites[s].samples++;
    for (size_t i = hslot(p);; i = (i + 1) & (MAXBLK - 1))
        if (!blks[i].p || blks[i].p == (void *)1) {
            blks[i].p = p; blks[i].site = s; blks[i].w = w;
            break;
        }
}

static void record_alloc(void *p, size_t size, enum ccx_layer_id layer, const ccx_frame_t *frames, int n)
{
    double w = all_mode ? (double)size : (double)size / (1 - exp(-(double)size / interval));
    pthread_mutex_lock(&mu);
    int s;
    for (s = 0; s < nsites; s++)
        if (sites[s].n == n && sites[s].layer == (int)layer &&
            !memcmp(sites[s].f, frames, (size_t)n * sizeof *frames))
            break;
    if (s == nsites && nsites < MAXSITES) {
        memcpy(sites[s].f, frames, (size_t)n * sizeof *frames);
        sites[s].n = n;
        sites[s].layer = (int)layer;
        nsites++;
    }
    if (s < nsites)
        add_block(p, s, w);
    pthread_mutex_unlock(&mu);
}

/* realloc: the record goes out before the call and back if it fails.
 * The harness keeps its site index and weight in the core's block info. */
int ccx_take(void *p, struct ccx_block_info *info)
{
    int found = 0;
    pthread_mutex_lock(&mu);
    for (size_t i = hslot(p); blks[i].p; i = (i + 1) & (MAXBLK - 1))
        if (blks[i].p == p) {
            sites[blks[i].site].bytes -= blks[i].w;
            sites[blks[i].site].samples--;
            info->site = (void *)(uintptr_t)blks[i].site;
            memcpy(&info->w_bytes, &blks[i].w, sizeof blks[i].w);
            blks[i].p = (void *)1;
            found = 1;
            break;
        }
    pthread_mutex_unlock(&mu);
    return found;
}

void ccx_putback(void *p, const struct ccx_block_info *info)
{
    int s = (int)(uintptr_t)info->site;
    double w;
    memcpy(&w, &info->w_bytes, sizeof w);
    pthread_mutex_lock(&mu);
    add_block(p, s, w);
    pthread_mutex_unlock(&mu);
}

int ccx_record_free(void *p)
{
    struct ccx_block_info info;
    return ccx_take(p, &info);
}

void ccx_live_estimate(uint64_t *bytes, uint64_t *blocks)
{
    double b = 0;
    long k = 0;
    pthread_mutex_lock(&mu);
    for (int s = 0; s < nsites; s++) {
        b += sites[s].bytes;
        k += sites[s].samples;
    }
    pthread_mutex_unlock(&mu);
    *bytes = b > 0 ? (uint64_t)b : 0;
    *blocks = k > 0 ? (uint64_t)k : 0;
}

/* JSON */
struct ccx_json { FILE *f; int depth; int first[64]; int after_key; };
static void sep(struct ccx_json *j)
{
    if (j->after_key) { j->after_key = 0; return; }
    if (j->depth && !j->first[j->depth]) fputc(',', j->f);
    j->first[j->depth] = 0;
}
static void str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fprintf(f, "\\%c", *s);
        else if ((unsigned char)*s < 0x20) fprintf(f, "\\u%04x", *s);
        else fputc(*s, f);
    }
    fputc('"', f);
}
void ccx_json_key(struct ccx_json *j, const char *k) { sep(j); str(j->f, k); fputc(':', j->f); j->after_key = 1; }
void ccx_json_begin_object(struct ccx_json *j) { sep(j); fputc('{', j->f); j->first[++j->depth] = 1; }
void ccx_json_end_object(struct ccx_json *j) { j->depth--; fputc('}', j->f); }
void ccx_json_begin_array(struct ccx_json *j) { sep(j); fputc('[', j->f); j->first[++j->depth] = 1; }
void ccx_json_end_array(struct ccx_json *j) { j->depth--; fputc(']', j->f); }
void ccx_json_string(struct ccx_json *j, const char *s) { sep(j); if (s) str(j->f, s); else fputs("null", j->f); }
void ccx_json_u64(struct ccx_json *j, uint64_t v) { sep(j); fprintf(j->f, "%llu", (unsigned long long)v); }
void ccx_json_i64(struct ccx_json *j, int64_t v) { sep(j); fprintf(j->f, "%lld", (long long)v); }
void ccx_json_double(struct ccx_json *j, double v) { sep(j); fprintf(j->f, "%.3f", v); }
void ccx_json_bool(struct ccx_json *j, int v) { sep(j); fputs(v ? "true" : "false", j->f); }
void ccx_json_null(struct ccx_json *j) { sep(j); fputs("null", j->f); }

static int seq;
long ccx_snapshot_sync(const char *reason, const char *label)
{
    char path[512];
    const char *dir = getenv("HARNESS_DIR");
    snprintf(path, sizeof path, "%s/snap.%d.%d.json", dir ? dir : ".", (int)getpid(), seq);
    ccx_guard++;
    FILE *f = fopen(path, "w");
    if (!f) { ccx_guard--; return -1; }
    struct ccx_json j = { .f = f };
    ccx_json_begin_object(&j);
    ccx_json_key(&j, "reason"); ccx_json_string(&j, reason);
    ccx_json_key(&j, "label"); ccx_json_string(&j, label);
    ccx_json_key(&j, "python");
    if (!ops.write_section || !ops.write_section(&j)) ccx_json_null(&j);
    ccx_json_key(&j, "sites");
    ccx_json_begin_array(&j);
    pthread_mutex_lock(&mu);
    for (int s = 0; s < nsites; s++) {
        ccx_json_begin_object(&j);
        ccx_json_key(&j, "layer"); ccx_json_i64(&j, sites[s].layer);
        ccx_json_key(&j, "live_bytes"); ccx_json_double(&j, sites[s].bytes);
        ccx_json_key(&j, "live_samples"); ccx_json_i64(&j, sites[s].samples);
        ccx_json_key(&j, "frames");
        ccx_json_begin_array(&j);
        for (int i = 0; i < sites[s].n; i++) {
            const char *file, *fn; int line;
            ccx_json_begin_object(&j);
            if (ops.resolve_frame && ops.resolve_frame(sites[s].f[i], &file, &fn, &line)) {
                ccx_json_key(&j, "file"); ccx_json_string(&j, file);
                ccx_json_key(&j, "function"); ccx_json_string(&j, fn);
                ccx_json_key(&j, "line"); ccx_json_i64(&j, line);
            } else {
                ccx_json_key(&j, "raw"); ccx_json_u64(&j, sites[s].f[i]);
            }
            ccx_json_end_object(&j);
        }
        ccx_json_end_array(&j);
        ccx_json_end_object(&j);
    }
    pthread_mutex_unlock(&mu);
    ccx_json_end_array(&j);
    ccx_json_end_object(&j);
    fputc('\n', f);
    fclose(f);
    ccx_guard--;
    return seq++;
}

/* The holders search (preload/python/py_holders*.c) is not part of this test. */
enum py_holders_plan py_holders_plan(void) { return PY_HOLDERS_OFF; }
void py_holders_write(struct ccx_json *j, enum py_holders_plan plan, const struct py_types *types,
                      const struct py_objs *objs)
{
    (void)j, (void)plan, (void)types, (void)objs;
}

/* Called from Python through ctypes.CDLL (GIL released). */
int harness_snapshot(const char *label) { return (int)ccx_snapshot_sync("api", label); }

static void *helper(void *arg)
{
    (void)arg;
    for (;;) {
        if (ops.helper_tick) (void)ops.helper_tick();
        usleep(20000);
    }
    return NULL;
}

static void child(void)
{
    pthread_mutex_init(&mu, NULL);
    if (ops.atfork_child) ops.atfork_child();
    pthread_t t;
    pthread_create(&t, NULL, helper, NULL);
}

__attribute__((constructor)) static void start(void)
{
    const char *s = getenv("HARNESS_SAMPLE");
    if (s && !strcmp(s, "all")) all_mode = 1;
    else if (s) interval = atof(s);
    sites = ccx_mem_alloc(MAXSITES * sizeof *sites);
    memset(ccx_filter_bits, 1, sizeof ccx_filter_bits);
    blks = ccx_mem_alloc(MAXBLK * sizeof *blks);
    py_layer_start();
    pthread_atfork(NULL, NULL, child);
    pthread_t t;
    pthread_create(&t, NULL, helper, NULL);
}
