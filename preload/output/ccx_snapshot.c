/* ccx_snapshot.c - writes one snapshot file (format: DESIGN.md, names:
 * common/ccx_format.h).
 *
 * Runs in the helper thread (or the thread that asked for a synchronous
 * snapshot) with ccx_guard raised, so it may use libc freely: nothing it
 * allocates is traced.  Order: the site counters are copied first, with the
 * totals and the process's memory, so the census that follows (Python
 * layer) does not show up in them; then modules, frames (symbolized here),
 * stacks and sites; then the "python" section; the "tracer" section comes
 * last so write_ms covers the whole write.
 *
 * The file is written to <name>.tmp (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600,
 * then CCXTRACE_FILE_MODE exactly with fchmod, whatever the umask),
 * write-locked (F_OFD_SETLK) at once so that ccx_stale.c can tell a write
 * in progress from one a kill cut short, and renamed without replacing
 * anything (RENAME_NOREPLACE, or link+unlink where the file system lacks
 * it); the lock is kept until after the rename.  Any failure gives one
 * "ccxtrace:" line on stderr and the process goes on: a name found taken
 * (something planted there) for each snapshot it skips, up to
 * SKIP_LINES_MAX per process; other failures once per kind (repeated only
 * when the error changes).
 */
#include "ccx_core.h"
#include "ccx_addrmap.h"
#include "ccx_format.h"
#include "ccx_json.h"
#include "ccx_mem.h"
#include "ccx_retention.h"
#include "ccx_sample.h"
#include "ccx_stacks.h"
#include "ccx_symbols.h"
#include "ccx_clock.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct ccx_ident ccx_id;
int ccx_exit_done;
int ccx_final;
static int ident_ok;
static int seq_scanned;    /* the directory was looked at for this image */
static long seq_taken_max; /* the highest seq found there under our name */
static pthread_mutex_t snap_lock = PTHREAD_MUTEX_INITIALIZER;
static int last_errno;
static const char *last_what;
#define SKIP_LINES_MAX 10
static int skip_lines;

int ccx_snapshot_lock(int timeout_ms)
{
    if (timeout_ms < 0)
        return pthread_mutex_lock(&snap_lock);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return pthread_mutex_timedlock(&snap_lock, &ts);
}

void ccx_snapshot_unlock(void)
{
    pthread_mutex_unlock(&snap_lock);
}

void ccx_snapshot_atfork_child(void)
{
    pthread_mutex_init(&snap_lock, NULL);
    ccx_exit_done = 0;
    ccx_final = 0;
    ident_ok = 0;
    seq_scanned = 0;
    seq_taken_max = 0;
    last_errno = 0;
    skip_lines = 0;
}

void ccx_ident_init(void)
{
    if (ident_ok)
        return;
    char buf[4096];
    if (gethostname(ccx_id.host, sizeof ccx_id.host) != 0 || !ccx_id.host[0])
        strcpy(ccx_id.host, "unknown");
    ccx_id.host[sizeof ccx_id.host - 1] = 0;
    /* a host name goes into a file name: keep it to a safe alphabet */
    for (char *p = ccx_id.host; *p; p++)
        if (*p == '/' || *p == ' ')
            *p = '_';
    ccx_id.pid = (long)getpid();
    double btime = 0, ticks = 0;
    if (ccx_slurp("/proc/stat", buf, sizeof buf) > 0) {
        char *p = strstr(buf, "\nbtime ");
        if (p)
            btime = strtod(p + 7, NULL);
    }
    if (ccx_slurp("/proc/self/stat", buf, sizeof buf) > 0) {
        char *p = strrchr(buf, ')');
        /* fields after the command: state is field 3, starttime field 22 */
        for (int field = 2; p && field < 22; field++)
            p = strchr(p + 1, ' ');
        if (p)
            ticks = strtod(p + 1, NULL);
    }
    long hz = sysconf(_SC_CLK_TCK);
    ccx_id.start_boot = ticks / (double)(hz > 0 ? hz : 100);
    ccx_id.start_exact = btime + ccx_id.start_boot;
    ccx_id.start = (long long)ccx_id.start_exact;
    ccx_instance_make(ccx_id.instance);
    ident_ok = 1;
}

double ccx_uptime(void)
{
    /* CLOCK_BOOTTIME counts from boot like the start time in /proc/self/stat
     * (btime itself is whole seconds, too coarse for an uptime). */
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    double u = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 - ccx_id.start_boot;
    return u > 0 ? u : 0;
}

static double now_real(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void warn_failure(int err, const char *what, const char *path, long seq)
{
    if (err == EEXIST) {
        /* something planted at this one name: each skipped snapshot is
         * news, up to a cap (a planted name per sequence number must not
         * flood the host's stderr either) */
        if (skip_lines >= SKIP_LINES_MAX)
            return;
        skip_lines++;
        ccx_warnf("ccxtrace: %s %s: %s; snapshot %ld skipped (tracing goes on)%s", what, path, ccx_strerror(err),
                  seq, skip_lines == SKIP_LINES_MAX ? "; further skips are not reported" : "");
        return;
    }
    /* once per kind of failure: a broken directory with a 1 s interval
     * must not flood the host's stderr */
    if (err == last_errno && what == last_what)
        return;
    last_errno = err;
    last_what = what;
    ccx_warnf("ccxtrace: %s %s: %s; snapshot %ld not written (tracing goes on)", what, path, ccx_strerror(err), seq);
}

/* Copy of one site's live counters, taken before anything is written (so
 * the sites add up to the totals); the allocation counters only grow and
 * are read as each site is written.  32 bytes a site: 100,000 sites copy
 * 3 MiB while the snapshot is written (issue 16: a snapshot near the
 * memory limit must stay small). */
struct row {
    const struct ccx_site *s;
    uint64_t live_bytes, live_blocks_fp;
    uint32_t live_samples;
};

void ccx_live_estimate(uint64_t *bytes, uint64_t *blocks)
{
    uint64_t b = 0, k = 0;
    uint32_t n = ccx_sites_count();
    for (uint32_t i = 0; i < n + 3; i++) {
        const struct ccx_site *s = ccx_site_get(i);
        if (!s)
            continue;
        b += __atomic_load_n(&s->live_bytes, __ATOMIC_RELAXED);
        k += __atomic_load_n(&s->live_blocks_fp, __ATOMIC_RELAXED);
    }
    *bytes = b;
    *blocks = (k + CCX_BLOCK_ONE / 2) / CCX_BLOCK_ONE;
}

void ccx_time_iso(double t, char *out, size_t cap)
{
    /* UTC by arithmetic (days to civil date, proleptic Gregorian):
     * gmtime_r takes glibc's tz lock, which a fork child could find held
     * by a thread that no longer exists. */
    long long secs = (long long)t, days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    long long z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    long long d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2)
        y++;
    snprintf(out, cap, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", y, m, d, rem / 3600, rem / 60 % 60, rem % 60);
}

static void read_cmdline(char *out, size_t cap)
{
    ssize_t n = ccx_slurp("/proc/self/cmdline", out, cap);
    if (n <= 0) {
        out[0] = 0;
        return;
    }
    while (n > 0 && out[n - 1] == 0)
        n--;
    for (ssize_t i = 0; i < n; i++)
        if (out[i] == 0)
            out[i] = ' ';
    out[n] = 0;
}

/* The distinct frames of all stacks, open addressing; sized by the
 * distinct frames it holds (grown at half load), not by the frames of all
 * stacks: 100,000 sites of 40 frames share a few ten thousand distinct
 * ones, and a table for 4 million cost 60 MiB while the snapshot was
 * written.  Frames are numbered in slot order when the "frames" array is
 * written (fmap_number), so no second array holds them in id order. */
struct fmap {
    ccx_frame_t *key; /* frame + 1; 0 = empty */
    uint32_t *id;     /* slot -> frame id, after fmap_number */
    size_t mask;
    uint32_t n;
};

static int fmap_init(struct fmap *m, size_t cap)
{
    m->key = calloc(cap, sizeof *m->key);
    m->id = NULL;
    m->mask = cap - 1;
    m->n = 0;
    return m->key ? 0 : -1;
}

static void fmap_free(struct fmap *m)
{
    free(m->key);
    free(m->id);
}

static size_t fmap_slot(const struct fmap *m, ccx_frame_t k)
{
    size_t i = (size_t)((k * 0x9e3779b97f4a7c15ull) >> 20) & m->mask;
    while (m->key[i] && m->key[i] != k)
        i = (i + 1) & m->mask;
    return i;
}

/* Twice the slots, every frame re-added. */
static int fmap_grow(struct fmap *m)
{
    struct fmap big;
    if (fmap_init(&big, (m->mask + 1) * 2) != 0)
        return -1;
    for (size_t i = 0; i <= m->mask; i++)
        if (m->key[i])
            big.key[fmap_slot(&big, m->key[i])] = m->key[i];
    big.n = m->n;
    fmap_free(m);
    *m = big;
    return 0;
}

/* Adds a frame (before fmap_number); -1 when out of memory. */
static int fmap_add(struct fmap *m, ccx_frame_t f)
{
    size_t i = fmap_slot(m, f + 1);
    if (m->key[i])
        return 0;
    if ((size_t)m->n * 2 >= m->mask + 1) {
        if (fmap_grow(m) != 0)
            return -1;
        i = fmap_slot(m, f + 1);
    }
    m->key[i] = f + 1;
    m->n++;
    return 0;
}

static int fmap_number(struct fmap *m)
{
    m->id = calloc(m->mask + 1, sizeof *m->id);
    return m->id ? 0 : -1;
}

/* The id of a frame that was added and numbered. */
static uint32_t fmap_id(const struct fmap *m, ccx_frame_t f)
{
    return m->id[fmap_slot(m, f + 1)];
}

/* C++ names read as written when the process has libstdc++'s demangler
 * (a C++ process has); otherwise they stay mangled. */
static char *demangle(const char *sym)
{
    typedef char *(*demangle_fn)(const char *, char *, size_t *, int *);
    static demangle_fn fn;
    static int looked;
    if (sym[0] != '_' || sym[1] != 'Z')
        return NULL;
    if (!looked && ccx_gate_enter()) {
        fn = (demangle_fn)dlsym(RTLD_DEFAULT, "__cxa_demangle");
        looked = 1;
        ccx_gate_exit();
    }
    int st = -1;
    char *out = fn ? fn(sym, NULL, NULL, &st) : NULL;
    if (st != 0) {
        free(out);
        return NULL;
    }
    return out;
}

static const char *layer_name(int l)
{
    return l == CCX_LAYER_ID_PYTHON ? CCX_LAYER_PYTHON : l == CCX_LAYER_ID_MMAP ? CCX_LAYER_MMAP : CCX_LAYER_LIBC;
}

static void write_heap(struct ccx_json *j)
{
    struct mallinfo2 mi = mallinfo2();
    ccx_json_begin_object(j);
    ccx_json_kv_u64(j, "arena", mi.arena);
    ccx_json_kv_u64(j, "ordblks", mi.ordblks);
    ccx_json_kv_u64(j, "smblks", mi.smblks);
    ccx_json_kv_u64(j, "hblks", mi.hblks);
    ccx_json_kv_u64(j, "hblkhd", mi.hblkhd);
    ccx_json_kv_u64(j, "usmblks", mi.usmblks);
    ccx_json_kv_u64(j, "fsmblks", mi.fsmblks);
    ccx_json_kv_u64(j, "uordblks", mi.uordblks);
    ccx_json_kv_u64(j, "fordblks", mi.fordblks);
    ccx_json_kv_u64(j, "keepcost", mi.keepcost);
    ccx_json_end_object(j);
}

static void write_body(struct ccx_json *j, long seq, const char *reason, const char *label, double t0)
{
    char buf[8192];
    double now = now_real();

    /* 1. copy the site counters and the totals */
    uint32_t nsites = ccx_sites_count() + 3;
    struct row *rows = calloc(nsites, sizeof *rows);
    size_t nrows = 0;
    uint64_t live_b = 0, live_k = 0, live_s = 0;
    for (uint32_t i = 0; rows && i < nsites; i++) {
        const struct ccx_site *s = ccx_site_get(i);
        if (!s)
            continue;
        struct row *r = &rows[nrows];
        r->s = s;
        if (!__atomic_load_n(&s->alloc_calls_fp, __ATOMIC_RELAXED))
            continue;
        r->live_bytes = __atomic_load_n(&s->live_bytes, __ATOMIC_RELAXED);
        r->live_blocks_fp = __atomic_load_n(&s->live_blocks_fp, __ATOMIC_RELAXED);
        uint64_t samples = __atomic_load_n(&s->live_samples, __ATOMIC_RELAXED);
        /* counters read while others update them: a transiently negative
         * (wrapped) value reads as 0 */
        if ((int64_t)r->live_bytes < 0 || (int64_t)r->live_blocks_fp < 0 || (int64_t)samples < 0)
            r->live_bytes = r->live_blocks_fp = samples = 0;
        r->live_samples = samples > UINT32_MAX ? UINT32_MAX : (uint32_t)samples;
        live_b += r->live_bytes;
        live_k += r->live_blocks_fp;
        live_s += r->live_samples;
        nrows++;
    }
    struct ccx_totals tot;
    ccx_totals_read(&tot);
    struct ccx_procmem pm;
    ccx_procmem_read(&pm);

    ccx_json_begin_object(j);
    ccx_json_kv_str(j, CCX_F_FORMAT, CCX_FORMAT_NAME);
    ccx_json_kv_i64(j, CCX_F_VERSION, CCX_FORMAT_VERSION);
    ccx_json_kv_str(j, CCX_F_HOST, ccx_id.host);
    ccx_json_kv_i64(j, CCX_F_PID, ccx_id.pid);
    ccx_json_kv_i64(j, CCX_F_START_TIME, ccx_id.start);
    ccx_json_kv_str(j, CCX_F_INSTANCE, ccx_id.instance);
    ssize_t k = readlink("/proc/self/exe", buf, sizeof buf - 1);
    buf[k > 0 ? k : 0] = 0;
    ccx_json_kv_str(j, CCX_F_EXE, buf);
    read_cmdline(buf, sizeof buf);
    ccx_json_kv_str(j, CCX_F_CMDLINE, buf);
    ccx_json_kv_i64(j, CCX_F_SEQ, seq);
    ccx_json_kv_str(j, CCX_F_REASON, reason);
    ccx_json_kv_str(j, CCX_F_LABEL, label);
    ccx_time_iso(now, buf, sizeof buf);
    ccx_json_kv_str(j, CCX_F_TIME, buf);
    ccx_json_kv_double(j, CCX_F_UPTIME_S, (double)(int64_t)(ccx_uptime() * 1000) / 1000.0);

    ccx_json_key(j, CCX_F_SAMPLING);
    ccx_json_begin_object(j);
    ccx_json_kv_str(j, CCX_F_MODE, ccx_mean ? CCX_MODE_SAMPLE : CCX_MODE_ALL);
    ccx_json_kv_u64(j, CCX_F_INTERVAL_BYTES, ccx_mean);
    ccx_json_end_object(j);

    uint64_t blocks = (live_k + CCX_BLOCK_ONE / 2) / CCX_BLOCK_ONE;
    ccx_json_key(j, CCX_F_TOTALS);
    ccx_json_begin_object(j);
    ccx_json_kv_u64(j, CCX_F_ALLOC_CALLS, tot.alloc_calls);
    ccx_json_kv_u64(j, CCX_F_FREE_CALLS, tot.free_calls);
    ccx_json_kv_u64(j, CCX_F_ALLOC_BYTES, tot.alloc_bytes);
    ccx_json_kv_u64(j, CCX_F_FREE_BYTES, tot.alloc_bytes > live_b ? tot.alloc_bytes - live_b : 0);
    ccx_json_kv_u64(j, CCX_F_LIVE_BYTES, live_b);
    ccx_json_kv_u64(j, CCX_F_LIVE_BLOCKS, blocks);
    ccx_json_end_object(j);

    ccx_json_key(j, CCX_F_PROCESS);
    ccx_json_begin_object(j);
    ccx_json_kv_u64(j, CCX_F_RSS_BYTES, pm.rss);
    ccx_json_kv_u64(j, CCX_F_HWM_BYTES, pm.hwm);
    ccx_json_kv_u64(j, CCX_F_ANON_BYTES, pm.anon);
    ccx_json_kv_u64(j, CCX_F_VM_BYTES, pm.vm);
    ccx_json_key(j, CCX_F_HEAP);
    write_heap(j);
    ccx_json_key(j, CCX_F_CGROUP_MEMORY);
    if (pm.cgroup >= 0)
        ccx_json_i64(j, pm.cgroup);
    else
        ccx_json_null(j);
    ccx_json_end_object(j);
    ccx_json_key(j, CCX_F_PRESSURE);
    ccx_pressure_write(j);

    /* 2. modules */
    struct ccx_modules ms = {NULL, 0};
    /* dl_iterate_phdr: inside the fork gate (ccx_unwind.c); a fork in
     * progress waits for this short scan */
    while (!ccx_gate_enter())
        usleep(1000);
    ccx_modules_scan(&ms);
    ccx_gate_exit();
    ccx_json_key(j, CCX_F_MODULES);
    ccx_json_begin_array(j);
    for (int i = 0; i < ms.n; i++) {
        ccx_json_begin_object(j);
        ccx_json_kv_i64(j, CCX_F_ID, i);
        ccx_json_kv_str(j, CCX_F_PATH, ms.m[i].path);
        ccx_json_kv_str(j, CCX_F_BUILD_ID, ms.m[i].build_id[0] ? ms.m[i].build_id : NULL);
        snprintf(buf, sizeof buf, "0x%lx", (unsigned long)ms.m[i].base);
        ccx_json_kv_str(j, CCX_F_BASE, buf);
        ccx_json_end_object(j);
    }
    ccx_json_end_array(j);

    /* 3. frames: every distinct one, symbolized */
    struct fmap fm;
    int fm_ok = fmap_init(&fm, 4096) == 0;
    for (size_t r = 0; r < nrows && fm_ok; r++)
        for (int f = 0; f < rows[r].s->nframes && fm_ok; f++)
            fm_ok = fmap_add(&fm, rows[r].s->frames[f]) == 0;
    fm_ok = fm_ok && fmap_number(&fm) == 0;
    ccx_json_key(j, CCX_F_FRAMES);
    ccx_json_begin_array(j);
    uint32_t next_id = 0;
    for (size_t slot = 0; fm_ok && slot <= fm.mask; slot++) {
        if (!fm.key[slot])
            continue;
        ccx_frame_t f = fm.key[slot] - 1;
        fm.id[slot] = next_id;
        ccx_json_begin_object(j);
        ccx_json_kv_i64(j, CCX_F_ID, next_id++);
        const char *file = NULL, *func = NULL;
        int line = 0;
        if ((f & CCX_FRAME_PY) && ccx_py_resolve_frame && ccx_py_resolve_frame(f, &file, &func, &line)) {
            ccx_json_kv_str(j, CCX_F_KIND, CCX_KIND_PYTHON);
            ccx_json_kv_str(j, CCX_F_FILE, file);
            ccx_json_kv_str(j, CCX_F_FUNCTION, func);
            ccx_json_kv_i64(j, CCX_F_LINE, line);
        } else if (f & CCX_FRAME_PY) {
            ccx_json_kv_str(j, CCX_F_KIND, CCX_KIND_PYTHON);
            ccx_json_kv_str(j, CCX_F_FILE, NULL);
            ccx_json_kv_str(j, CCX_F_FUNCTION, NULL);
            ccx_json_key(j, CCX_F_LINE);
            ccx_json_null(j);
        } else {
            ccx_json_kv_str(j, CCX_F_KIND, CCX_KIND_NATIVE);
            int mi = ccx_module_find(&ms, (uintptr_t)f);
            uint64_t so = 0;
            const char *sym = NULL;
            uintptr_t off = (uintptr_t)f;
            ccx_json_key(j, CCX_F_MODULE);
            if (mi >= 0) {
                off -= ms.m[mi].base;
                ccx_json_i64(j, mi);
                sym = ccx_symbolize(&ms.m[mi], off, &so);
            } else {
                ccx_json_null(j);
            }
            snprintf(buf, sizeof buf, "0x%lx", (unsigned long)off);
            ccx_json_kv_str(j, CCX_F_OFFSET, buf);
            ccx_json_key(j, CCX_F_SYMBOL);
            if (sym) {
                /* .symtab spells versioned names "name@VER" or "name@@VER" */
                const char *at = strchr(sym, '@');
                size_t sl = at ? (size_t)(at - sym) : strlen(sym);
                char nb[512];
                if (sl >= sizeof nb)
                    sl = sizeof nb - 1;
                memcpy(nb, sym, sl);
                nb[sl] = 0;
                char *dm = demangle(nb);
                ccx_json_string(j, dm ? dm : nb);
                free(dm);
            } else {
                ccx_json_null(j);
            }
            ccx_json_key(j, CCX_F_SYMBOL_OFFSET);
            if (sym)
                ccx_json_u64(j, so);
            else
                ccx_json_null(j);
        }
        ccx_json_end_object(j);
    }
    ccx_json_end_array(j);

    /* 4. stacks and sites (stack i belongs to site i) */
    ccx_json_key(j, CCX_F_STACKS);
    ccx_json_begin_array(j);
    for (size_t r = 0; r < nrows; r++) {
        ccx_json_begin_object(j);
        ccx_json_kv_u64(j, CCX_F_ID, r);
        ccx_json_key(j, CCX_F_STACK_FRAMES);
        ccx_json_begin_array(j);
        for (int f = 0; f < rows[r].s->nframes && fm_ok; f++)
            ccx_json_u64(j, fmap_id(&fm, rows[r].s->frames[f]));
        ccx_json_end_array(j);
        ccx_json_end_object(j);
    }
    ccx_json_end_array(j);
    ccx_json_key(j, CCX_F_SITES);
    ccx_json_begin_array(j);
    for (size_t r = 0; r < nrows; r++) {
        const struct row *w = &rows[r];
        ccx_json_begin_object(j);
        ccx_json_kv_u64(j, CCX_F_STACK, r);
        ccx_json_kv_str(j, CCX_F_LAYER, layer_name(w->s->layer));
        ccx_json_kv_u64(j, CCX_F_LIVE_BYTES, w->live_bytes);
        ccx_json_kv_u64(j, CCX_F_LIVE_BLOCKS, (w->live_blocks_fp + CCX_BLOCK_ONE / 2) / CCX_BLOCK_ONE);
        ccx_json_kv_u64(j, CCX_F_LIVE_SAMPLES, w->live_samples);
        uint64_t ab = __atomic_load_n(&w->s->alloc_bytes, __ATOMIC_RELAXED);
        uint64_t ac = __atomic_load_n(&w->s->alloc_calls_fp, __ATOMIC_RELAXED);
        ccx_json_kv_u64(j, CCX_F_ALLOC_BYTES, ab);
        ccx_json_kv_u64(j, CCX_F_ALLOC_CALLS, (ac + CCX_BLOCK_ONE / 2) / CCX_BLOCK_ONE);
        ccx_json_end_object(j);
    }
    ccx_json_end_array(j);
    fmap_free(&fm);
    ccx_modules_free(&ms);
    free(rows);

    /* 5. the Python layer's census */
    ccx_json_key(j, CCX_F_PYTHON);
    if (!(ccx_opt.python && ccx_py_write_section && ccx_py_write_section(j)))
        ccx_json_null(j);

    /* 6. the tracer itself */
    ccx_json_key(j, CCX_F_TRACER);
    ccx_json_begin_object(j);
    ccx_json_kv_u64(j, CCX_F_SELF_BYTES, ccx_mem_self_bytes());
    ccx_json_kv_u64(j, CCX_F_LIVE_SAMPLES, live_s);
    ccx_json_kv_u64(j, CCX_F_STACKS, nrows);
    ccx_json_kv_double(j, CCX_F_WRITE_MS, (double)(int64_t)((ccx_mono_ms() - t0) * 1000) / 1000.0);
    ccx_json_end_object(j);
    ccx_json_end_object(j);
    ccx_json_text(j, "\n", 1);
}

static locale_t c_locale;

void ccx_snapshot_init(void)
{
    /* made once, before there are threads (newlocale takes a lock) */
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* Write-locks the whole of a new temporary file (see ccx_stale.c) and
 * returns a second descriptor of the same open file, which keeps the lock
 * when fd is closed (for its error report) until after the rename; -1
 * when there is none (no descriptor left, or a file system without OFD
 * locks): the file is then kept from a sweep by its age alone. */
static int lock_tmp(int fd)
{
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl(fd, F_OFD_SETLK, &fl) != 0)
        return -1;
    return fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

/* Renames tmp to final without replacing anything; 0 or an errno. */
static int publish(const char *tmp, const char *final)
{
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_NOREPLACE) == 0)
        return 0;
    int e = errno;
    if (e == EINVAL || e == ENOSYS) {
        if (link(tmp, final) == 0) {
            unlink(tmp);
            return 0;
        }
        e = errno;
    }
    unlink(tmp);
    return e;
}

/* The highest seq of a snapshot (or temporary file) in the directory under
 * this process's host.pid.start, 0 when there is none. */
static long taken_max(void)
{
    char pre[600];
    int n = snprintf(pre, sizeof pre, CCX_FILE_PREFIX "%s.%ld.%lld.", ccx_id.host, ccx_id.pid, ccx_id.start);
    DIR *d = opendir(ccx_id.dir);
    long max = 0;
    if (!d || n <= 0 || (size_t)n >= sizeof pre) {
        if (d)
            closedir(d);
        return 0;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, pre, (size_t)n) != 0)
            continue;
        char *end;
        long s = strtol(e->d_name + n, &end, 10);
        if (end != e->d_name + n && strncmp(end, CCX_FILE_SUFFIX, strlen(CCX_FILE_SUFFIX)) == 0 && s > max)
            max = s;
    }
    closedir(d);
    return max;
}

/* A process that a fork made and that then called exec keeps its pid and
 * start time, so the image before exec (which traced too, and may have
 * written snapshots, e.g. a pressure snapshot at its first check) and the
 * image after it share one file name space.  The first write of an image
 * looks for names already taken and moves its numbering past them; the
 * instance_id inside tells the two images apart. */
static long free_seq(long seq)
{
    if (!seq_scanned) {
        seq_taken_max = taken_max();
        seq_scanned = 1;
        ccx_seq_raise(seq_taken_max + 1);
    }
    return seq <= seq_taken_max ? ccx_seq_reserve() : seq;
}

int ccx_snapshot_write(long seq, const char *reason, const char *label)
{
    double t0 = ccx_mono_ms();
    ccx_ident_init();
    seq = free_seq(seq);
    locale_t old = c_locale ? uselocale(c_locale) : (locale_t)0;
    char final[CCX_PATH_MAX + 512], tmp[CCX_PATH_MAX + 520];
    int rc = -1, lock_fd = -1;
    snprintf(final, sizeof final, "%s/" CCX_FILE_PREFIX "%s.%ld.%lld.%ld" CCX_FILE_SUFFIX, ccx_id.dir, ccx_id.host,
             ccx_id.pid, ccx_id.start, seq);
    snprintf(tmp, sizeof tmp, "%s" CCX_TMP_SUFFIX, final);
    if (ccx_retention_before(seq, reason) != 0) /* CCXTRACE_KEEP, CCXTRACE_MAX_DISK */
        goto out;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        warn_failure(errno, "cannot create", tmp, seq);
        goto out;
    }
    lock_fd = lock_tmp(fd);
    /* CCXTRACE_FILE_MODE, exactly: open's mode went through the umask */
    if (fchmod(fd, (mode_t)ccx_opt.file_mode) != 0)
        warn_failure(errno, "cannot set the mode of", tmp, seq);
    struct ccx_json *j = malloc(sizeof *j);
    if (!j) {
        close(fd);
        unlink(tmp);
        goto out;
    }
    ccx_json_init(j, fd);
    write_body(j, seq, reason, label, t0);
    int err = ccx_json_flush(j);
    free(j);
    if (close(fd) != 0 && !err)
        err = errno;
    if (err) {
        unlink(tmp);
        warn_failure(err, "cannot write", tmp, seq);
        goto out;
    }
    int e = publish(tmp, final);
    if (e) {
        warn_failure(e, "cannot rename to", final, seq);
        goto out;
    }
    rc = 0;
    last_errno = 0;
out:
    if (lock_fd >= 0)
        close(lock_fd);
    ccx_retention_after(seq, reason, final, rc == 0);
    if (c_locale)
        uselocale(old);
    return rc;
}
