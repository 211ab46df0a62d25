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
#include "ccx_output.h"
#include "ccx_core.h"
#include "ccx_clock.h"
#include "ccx_diag.h"
#include "ccx_format.h"
#include "ccx_ident.h"
#include "ccx_json.h"
#include "ccx_mem.h"
#include "ccx_options.h"
#include "ccx_procinfo.h"
#include "ccx_retention.h"
#include "ccx_sample.h"
#include "ccx_stacks.h"
#include "ccx_symbols.h"

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

int ccx_exit_done;
int ccx_final;
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
    ccx_deadline_ms(&ts, timeout_ms);
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
    ccx_ident_reset();
    seq_scanned = 0;
    seq_taken_max = 0;
    last_errno = 0;
    skip_lines = 0;
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
        ccx_diag("%s %s: %s; snapshot %ld skipped (tracing goes on)%s", what, path, ccx_strerror(err),
                  seq, skip_lines == SKIP_LINES_MAX ? "; further skips are not reported" : "");
        return;
    }
    /* once per kind of failure: a broken directory with a 1 s interval
     * must not flood the host's stderr */
    if (err == last_errno && what == last_what)
        return;
    last_errno = err;
    last_what = what;
    ccx_diag("%s %s: %s; snapshot %ld not written (tracing goes on)", what, path, ccx_strerror(err), seq);
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
_Static_assert(sizeof(struct row) == 32, "32 bytes a site while a snapshot is written");

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

/* What the steps of one snapshot share: the copied site counters, the
 * modules and the frame map. */
struct snap {
    struct row *rows;
    size_t nrows;
    uint64_t live_b, live_k, live_s;
    struct ccx_totals tot;
    struct ccx_procmem pm;
    struct ccx_modules ms;
    struct fmap fm;
    int fm_ok;
};

/* 1. the site counters, the totals and the process's memory, copied
 * before anything is written (the census that follows must not show) */
static void copy_counters(struct snap *sn)
{
    uint32_t nsites = ccx_sites_count() + 3;
    sn->rows = calloc(nsites, sizeof *sn->rows);
    for (uint32_t i = 0; sn->rows && i < nsites; i++) {
        const struct ccx_site *s = ccx_site_get(i);
        if (!s)
            continue;
        struct row *r = &sn->rows[sn->nrows];
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
        sn->live_b += r->live_bytes;
        sn->live_k += r->live_blocks_fp;
        sn->live_s += r->live_samples;
        sn->nrows++;
    }
    ccx_assert(sn->nrows <= nsites);
    ccx_totals_read(&sn->tot);
    ccx_procmem_read(&sn->pm);
}

/* The identity of the process and of this snapshot. */
static void write_identity(struct ccx_json *j, long seq, const char *reason, const char *label, double now)
{
    char buf[8192];
    ccx_json_kv_str(j, CCX_F_FORMAT, CCX_FORMAT_NAME);
    ccx_json_kv_i64(j, CCX_F_VERSION, CCX_FORMAT_VERSION);
    ccx_json_kv_str(j, CCX_F_HOST, ccx_id.host);
    ccx_json_kv_i64(j, CCX_F_PID, ccx_id.pid);
    ccx_json_kv_i64(j, CCX_F_START_TIME, ccx_id.start);
    ccx_json_kv_str(j, CCX_F_INSTANCE, ccx_id.instance);
    ssize_t k = readlink("/proc/self/exe", buf, sizeof buf - 1);
    buf[k > 0 ? k : 0] = 0;
    ccx_json_kv_str(j, CCX_F_EXE, buf);
    ccx_read_cmdline(buf, sizeof buf);
    ccx_json_kv_str(j, CCX_F_CMDLINE, buf);
    ccx_json_kv_i64(j, CCX_F_SEQ, seq);
    ccx_json_kv_str(j, CCX_F_REASON, reason);
    ccx_json_kv_str(j, CCX_F_LABEL, label);
    ccx_time_iso(now, buf, sizeof buf);
    ccx_json_kv_str(j, CCX_F_TIME, buf);
    ccx_json_kv_double(j, CCX_F_UPTIME_S, (double)(int64_t)(ccx_uptime() * 1000) / 1000.0);
}

/* "sampling", "totals", "process" and "pressure". */
static void write_figures(struct ccx_json *j, const struct snap *sn)
{
    ccx_json_key(j, CCX_F_SAMPLING);
    ccx_json_begin_object(j);
    ccx_json_kv_str(j, CCX_F_MODE, ccx_mean ? CCX_MODE_SAMPLE : CCX_MODE_ALL);
    ccx_json_kv_u64(j, CCX_F_INTERVAL_BYTES, ccx_mean);
    ccx_json_end_object(j);

    const struct ccx_totals *tot = &sn->tot;
    ccx_json_key(j, CCX_F_TOTALS);
    ccx_json_begin_object(j);
    ccx_json_kv_u64(j, CCX_F_ALLOC_CALLS, tot->alloc_calls);
    ccx_json_kv_u64(j, CCX_F_FREE_CALLS, tot->free_calls);
    ccx_json_kv_u64(j, CCX_F_ALLOC_BYTES, tot->alloc_bytes);
    ccx_json_kv_u64(j, CCX_F_FREE_BYTES, tot->alloc_bytes > sn->live_b ? tot->alloc_bytes - sn->live_b : 0);
    ccx_json_kv_u64(j, CCX_F_LIVE_BYTES, sn->live_b);
    ccx_json_kv_u64(j, CCX_F_LIVE_BLOCKS, (sn->live_k + CCX_BLOCK_ONE / 2) / CCX_BLOCK_ONE);
    ccx_json_end_object(j);

    const struct ccx_procmem *pm = &sn->pm;
    ccx_json_key(j, CCX_F_PROCESS);
    ccx_json_begin_object(j);
    ccx_json_kv_u64(j, CCX_F_RSS_BYTES, pm->rss);
    ccx_json_kv_u64(j, CCX_F_HWM_BYTES, pm->hwm);
    ccx_json_kv_u64(j, CCX_F_ANON_BYTES, pm->anon);
    ccx_json_kv_u64(j, CCX_F_VM_BYTES, pm->vm);
    ccx_json_key(j, CCX_F_HEAP);
    write_heap(j);
    ccx_json_key(j, CCX_F_CGROUP_MEMORY);
    if (pm->cgroup >= 0)
        ccx_json_i64(j, pm->cgroup);
    else
        ccx_json_null(j);
    ccx_json_end_object(j);
    ccx_json_key(j, CCX_F_PRESSURE);
    ccx_pressure_write(j);
}

/* 2. the loaded modules */
static void write_modules(struct ccx_json *j, struct ccx_modules *ms)
{
    /* dl_iterate_phdr: inside the fork gate (ccx_unwind.c); a fork in
     * progress waits for this short scan */
    while (!ccx_gate_enter())
        usleep(1000);
    ccx_modules_scan(ms);
    ccx_gate_exit();
    ccx_json_key(j, CCX_F_MODULES);
    ccx_json_begin_array(j);
    for (int i = 0; i < ms->n; i++) {
        ccx_json_begin_object(j);
        ccx_json_kv_i64(j, CCX_F_ID, i);
        ccx_json_kv_str(j, CCX_F_PATH, ms->m[i].path);
        ccx_json_kv_str(j, CCX_F_BUILD_ID, ms->m[i].build_id[0] ? ms->m[i].build_id : NULL);
        ccx_json_kv_hex(j, CCX_F_BASE, ms->m[i].base);
        ccx_json_end_object(j);
    }
    ccx_json_end_array(j);
}

/* A Python frame: its names from the Python layer, or nulls. */
static void write_python_frame(struct ccx_json *j, ccx_frame_t f)
{
    const char *file = NULL, *func = NULL;
    int line = 0;
    ccx_json_kv_str(j, CCX_F_KIND, CCX_KIND_PYTHON);
    if (ccx_layer_resolve_frame(f, &file, &func, &line)) {
        ccx_json_kv_str(j, CCX_F_FILE, file);
        ccx_json_kv_str(j, CCX_F_FUNCTION, func);
        ccx_json_kv_i64(j, CCX_F_LINE, line);
    } else {
        ccx_json_kv_str(j, CCX_F_FILE, NULL);
        ccx_json_kv_str(j, CCX_F_FUNCTION, NULL);
        ccx_json_key(j, CCX_F_LINE);
        ccx_json_null(j);
    }
}

/* A symbol as a snapshot names it: without .symtab's "@VER"/"@@VER",
 * demangled when the process can. */
static void write_symbol(struct ccx_json *j, const char *sym)
{
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
}

/* A native frame: module, offset and symbol. */
static void write_native_frame(struct ccx_json *j, ccx_frame_t f, struct ccx_modules *ms)
{
    ccx_json_kv_str(j, CCX_F_KIND, CCX_KIND_NATIVE);
    int mi = ccx_module_find(ms, (uintptr_t)f);
    uint64_t so = 0;
    const char *sym = NULL;
    uintptr_t off = (uintptr_t)f;
    ccx_json_key(j, CCX_F_MODULE);
    if (mi >= 0) {
        off -= ms->m[mi].base;
        ccx_json_i64(j, mi);
        sym = ccx_symbolize(&ms->m[mi], off, &so);
    } else {
        ccx_json_null(j);
    }
    ccx_json_kv_hex(j, CCX_F_OFFSET, off);
    ccx_json_key(j, CCX_F_SYMBOL);
    if (sym)
        write_symbol(j, sym);
    else
        ccx_json_null(j);
    ccx_json_key(j, CCX_F_SYMBOL_OFFSET);
    if (sym)
        ccx_json_u64(j, so);
    else
        ccx_json_null(j);
}

/* 3. every distinct frame of the copied sites, numbered and symbolized */
static void write_frames(struct ccx_json *j, struct snap *sn)
{
    struct fmap *fm = &sn->fm;
    int ok = fmap_init(fm, 4096) == 0;
    for (size_t r = 0; r < sn->nrows && ok; r++)
        for (int f = 0; f < sn->rows[r].s->nframes && ok; f++)
            ok = fmap_add(fm, sn->rows[r].s->frames[f]) == 0;
    ok = ok && fmap_number(fm) == 0;
    sn->fm_ok = ok;
    ccx_json_key(j, CCX_F_FRAMES);
    ccx_json_begin_array(j);
    uint32_t next_id = 0;
    const ccx_frame_t *key = fm->key;
    uint32_t *id = fm->id;
    const size_t mask = fm->mask;
    for (size_t slot = 0; ok && slot <= mask; slot++) {
        if (!key[slot])
            continue;
        ccx_frame_t f = key[slot] - 1;
        id[slot] = next_id;
        ccx_json_begin_object(j);
        ccx_json_kv_i64(j, CCX_F_ID, next_id++);
        if (f & CCX_FRAME_PY)
            write_python_frame(j, f);
        else
            write_native_frame(j, f, &sn->ms);
        ccx_json_end_object(j);
    }
    ccx_json_end_array(j);
}

/* 4. stacks and sites (stack i belongs to site i) */
static void write_stacks_and_sites(struct ccx_json *j, const struct snap *sn)
{
    /* locals: the JSON calls would make the compiler read sn again each time */
    const struct row *rows = sn->rows;
    const size_t nrows = sn->nrows;
    const int fm_ok = sn->fm_ok;
    const struct fmap fm = sn->fm;
    ccx_json_key(j, CCX_F_STACKS);
    ccx_json_begin_array(j);
    for (size_t r = 0; r < nrows; r++) {
        const struct ccx_site *s = rows[r].s;
        ccx_json_begin_object(j);
        ccx_json_kv_u64(j, CCX_F_ID, r);
        ccx_json_key(j, CCX_F_STACK_FRAMES);
        ccx_json_begin_array(j);
        for (int f = 0; f < s->nframes && fm_ok; f++)
            ccx_json_u64(j, fmap_id(&fm, s->frames[f]));
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
}

/* 6. the tracer itself, last, so write_ms covers the whole write */
static void write_tracer(struct ccx_json *j, const struct snap *sn, double t0)
{
    ccx_json_key(j, CCX_F_TRACER);
    ccx_json_begin_object(j);
    ccx_json_kv_u64(j, CCX_F_SELF_BYTES, ccx_mem_self_bytes());
    ccx_json_kv_u64(j, CCX_F_LIVE_SAMPLES, sn->live_s);
    ccx_json_kv_u64(j, CCX_F_STACKS, sn->nrows);
    ccx_json_kv_double(j, CCX_F_WRITE_MS, (double)(int64_t)((ccx_mono_ms() - t0) * 1000) / 1000.0);
    ccx_json_end_object(j);
}

static void write_body(struct ccx_json *j, long seq, const char *reason, const char *label, double t0)
{
    double now = ccx_real_s();
    struct snap sn;
    memset(&sn, 0, sizeof sn);
    copy_counters(&sn);
    ccx_json_begin_object(j);
    write_identity(j, seq, reason, label, now);
    write_figures(j, &sn);
    write_modules(j, &sn.ms);
    write_frames(j, &sn);
    write_stacks_and_sites(j, &sn);
    fmap_free(&sn.fm);
    ccx_modules_free(&sn.ms);
    free(sn.rows);
    /* 5. the Python layer's census */
    ccx_json_key(j, CCX_F_PYTHON);
    if (!(ccx_opts()->python && ccx_layer_write_section(j)))
        ccx_json_null(j);
    write_tracer(j, &sn, t0);
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
    if (fchmod(fd, (mode_t)ccx_opts()->file_mode) != 0)
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
