/* ccx_unwind.c - native stacks through a privately loaded libunwind.
 *
 * libunwind.so.8 exports _Unwind_* and a weak backtrace(); linked into the
 * preload they would join the process's global symbol scope and C++
 * exceptions of the host would run through libunwind.  So it is opened
 * with dlopen(RTLD_LOCAL): nothing of it is visible to anyone but us
 * (tests/integration/preload/test_unwind_isolation.sh checks that
 * exceptions and backtrace() behave identically under the tracer).
 * unw_backtrace uses libunwind's per-thread cache of unwind information.
 * Frames inside libccxtrace.so itself (the hooks) are dropped.
 */
#include "ccx_core.h"
#include "ccx_mem.h"

#define UNW_LOCAL_ONLY
#include <libunwind.h>   /* types and register numbers only: nothing is linked */

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>

typedef int (*unw_backtrace_fn)(void **buf, int size);
typedef int (*unw_getcontext_fn)(unw_context_t *ctx);
typedef int (*unw_init_local_fn)(unw_cursor_t *c, unw_context_t *ctx);
typedef int (*unw_step_fn)(unw_cursor_t *c);
typedef int (*unw_get_reg_fn)(unw_cursor_t *c, int reg, unw_word_t *val);
typedef int (*unw_set_policy_fn)(void *as, int policy);
typedef int (*unw_set_cache_size_fn)(void *as, size_t size, int flag);

static unw_backtrace_fn bt;
static unw_getcontext_fn u_getcontext;
static unw_init_local_fn u_init_local;
static unw_step_fn u_step;
static unw_get_reg_fn u_get_reg;

/* The fork gate.  Unwinding walks the loaded objects under the dynamic
 * loader's lock (dl_iterate_phdr), which fork() does not reset: a child
 * forked while another thread was inside it would wait for that lock
 * forever.  So the fork prepare handler closes the gate and waits until no
 * thread is inside (unwinds are microseconds); while it is closed, other
 * threads wait at the gate, and the forking thread itself (other fork
 * handlers may allocate) goes on without a stack. */
static int gate_closed, gate_inside;
static pthread_t gate_owner;

int ccx_gate_enter(void)
{
    for (;;) {
        __atomic_fetch_add(&gate_inside, 1, __ATOMIC_SEQ_CST);
        if (!__atomic_load_n(&gate_closed, __ATOMIC_SEQ_CST))
            return 1;
        __atomic_fetch_sub(&gate_inside, 1, __ATOMIC_SEQ_CST);
        if (pthread_equal(gate_owner, pthread_self()))
            return 0;
        while (__atomic_load_n(&gate_closed, __ATOMIC_SEQ_CST))
            sched_yield();
    }
}

void ccx_gate_exit(void)
{
    __atomic_fetch_sub(&gate_inside, 1, __ATOMIC_SEQ_CST);
}

void ccx_gate_fork_prepare(void)
{
    gate_owner = pthread_self();
    __atomic_store_n(&gate_closed, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&gate_inside, __ATOMIC_SEQ_CST))
        sched_yield();
}

void ccx_gate_fork_parent(void)
{
    __atomic_store_n(&gate_closed, 0, __ATOMIC_SEQ_CST);
}

void ccx_gate_fork_child(void)
{
    gate_inside = 0;
    __atomic_store_n(&gate_closed, 0, __ATOMIC_SEQ_CST);
}
static uintptr_t self_lo[4], self_hi[4];
static int nself;

static int find_self(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    uintptr_t me = (uintptr_t)arg;
    for (int pass = 0; pass < 2; pass++) {
        int found = 0;
        for (int i = 0; i < info->dlpi_phnum; i++) {
            const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
            if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
                continue;
            uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
            if (pass == 0 && me >= lo && me < hi)
                found = 1;
            if (pass == 1 && nself < 4) {
                self_lo[nself] = lo;
                self_hi[nself] = hi;
                nself++;
            }
        }
        if (pass == 0 && !found)
            return 0;
    }
    return 1;
}

int ccx_in_self(uintptr_t pc)
{
    for (int i = 0; i < nself; i++)
        if (pc >= self_lo[i] && pc < self_hi[i])
            return 1;
    return 0;
}

int ccx_unwind_init(void)
{
    dl_iterate_phdr(find_self, (void *)(uintptr_t)&ccx_unwind_init);
    /* First a libunwind.so.8 next to libccxtrace.so (a copy shipped with
     * it into an image that has none), then the usual search. */
    void *h = NULL;
    Dl_info self;
    if (dladdr((void *)(uintptr_t)&ccx_unwind_init, &self) && self.dli_fname) {
        char path[4096];
        const char *slash = strrchr(self.dli_fname, '/');
        if (slash && (size_t)(slash - self.dli_fname) + sizeof "/libunwind.so.8" <= sizeof path) {
            memcpy(path, self.dli_fname, (size_t)(slash - self.dli_fname));
            memcpy(path + (slash - self.dli_fname), "/libunwind.so.8", sizeof "/libunwind.so.8");
            h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        }
    }
    if (!h)
        h = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return -1;
    unw_backtrace_fn b = (unw_backtrace_fn)dlsym(h, "unw_backtrace");
    unw_set_policy_fn pol = (unw_set_policy_fn)dlsym(h, "_ULx86_64_set_caching_policy");
    unw_set_cache_size_fn csz = (unw_set_cache_size_fn)dlsym(h, "_ULx86_64_set_cache_size");
    void **as = (void **)dlsym(h, "_ULx86_64_local_addr_space");
    if (!b)
        return -1;
    u_getcontext = (unw_getcontext_fn)dlsym(h, "_Ux86_64_getcontext");
    u_init_local = (unw_init_local_fn)dlsym(h, "_ULx86_64_init_local");
    u_step = (unw_step_fn)dlsym(h, "_ULx86_64_step");
    u_get_reg = (unw_get_reg_fn)dlsym(h, "_ULx86_64_get_reg");
    if (pol && as)
        pol(*as, 2 /* UNW_CACHE_PER_THREAD */);
    if (csz && as)
        csz(*as, 1024, 0);
    __atomic_store_n(&bt, b, __ATOMIC_RELEASE);
    return 0;
}

/* ---- the per-thread stack cache (`all` mode) -----------------------------
 *
 * In `all` mode every allocation unwinds, and libunwind's unw_backtrace
 * takes about 1000 instructions for it (half of all the instructions of
 * the Python workload of make bench, callgrind), while a program allocates
 * from a few thousand distinct places.  So each thread keeps the stacks it
 * unwound, keyed by where ccx_unwind_native was called from (its return
 * address and frame address: the stack depth), together with where on the
 * stack each frame's return address lies (from unw_step's stack pointers).
 * A stack is reused only if every one of those stack slots still holds the
 * same return address: the same caller at the same stack pointer whose
 * return addresses all sit in the same places is the same chain of calls.
 * A stack whose slots do not check out while it is unwound (a signal
 * frame, an alternate stack) is never cached.  Reading the slots is safe:
 * they lie between the frame address and the top of this thread's own
 * stack, which stays mapped while the thread lives.  A set holds 8 stacks
 * of the same (caller, depth); 128 sets of 8 entries of up to 80 frames,
 * about 1 MiB per thread (counted in self_bytes), hit 99% of the time on
 * the Python workload and took its instructions from 3.39 G to 2.52 G. */
#define UC_SETS 128
#define UC_WAYS 8
#define UC_ENTRIES (UC_SETS * UC_WAYS)
#define UC_FRAMES 80

struct uc_entry {
    uintptr_t ra, fp;
    uint32_t n;       /* frames (from the caller of ccx_unwind_native up) */
    uint16_t full;    /* the walk reached the end of the stack */
    uint16_t first;   /* frames inside the tracer at the start */
    uint32_t off[UC_FRAMES];  /* slot of frame i's return address, minus fp */
    ccx_frame_t ip[UC_FRAMES];
};

static __thread struct uc_entry *uc_table __attribute__((tls_model("initial-exec")));
static __thread int uc_failed __attribute__((tls_model("initial-exec")));

void ccx_unwind_thread_exit(void)
{
    if (uc_table)
        ccx_mem_unmap(uc_table, sizeof(struct uc_entry) * UC_ENTRIES);
    uc_table = NULL;
}

static __thread unsigned uc_next __attribute__((tls_model("initial-exec")));

/* The first entry of the set of (ra, fp): the tracer's call path is fixed
 * per hook, so fp tells the stack depth; the ways hold different callers
 * at the same depth. */
static struct uc_entry *uc_set(uintptr_t ra, uintptr_t fp)
{
    uintptr_t h = (ra ^ (fp >> 4) ^ (fp >> 13)) * 0x9e3779b97f4a7c15ull;
    return &uc_table[(h >> 56 & (UC_SETS - 1)) * UC_WAYS];
}

/* Walks with unw_step from here, keeps the frames above fp (the frame of
 * ccx_unwind_native), checks their slots, fills e.
 * Returns the number of frames, or -1 (then e is left empty). */
__attribute__((noinline)) static int uc_walk(struct uc_entry *e, uintptr_t ra, uintptr_t fp, int want)
{
    unw_context_t ctx;
    unw_cursor_t cur;
    if (u_getcontext(&ctx) != 0 || u_init_local(&cur, &ctx) != 0)
        return -1;
    int n = 0, started = 0, full = 0;
    for (;;) {
        unw_word_t ip, sp;
        if (u_get_reg(&cur, UNW_REG_IP, &ip) != 0 || u_get_reg(&cur, UNW_REG_SP, &sp) != 0)
            return -1;
        if (!started) {
            if (sp == fp + 16) {
                if (ip != ra)
                    return -1;
                started = 1;
            } else if (sp > fp + 16) {
                return -1;
            }
        }
        if (started) {
            if (n == want)
                break;
            if (n == UC_FRAMES)
                return -1; /* deeper than an entry holds */
            uintptr_t slot = (uintptr_t)sp - 8;
            if (slot - fp >= UINT32_MAX || *(const uintptr_t *)slot != (uintptr_t)ip)
                return -1;
            e->off[n] = (uint32_t)(slot - fp);
            e->ip[n] = (uintptr_t)ip;
            n++;
        }
        int r = u_step(&cur);
        if (r < 0)
            return -1;
        if (r == 0) {
            full = 1;
            break;
        }
    }
    if (!started) {
        uc_failed = 1; /* no frame pointer where expected: never again */
        return -1;
    }
    int first = 0;
    while (first < n && ccx_in_self(e->ip[first]))
        first++;
    e->n = (uint32_t)n;
    e->full = (uint16_t)full;
    e->first = (uint16_t)first;
    e->fp = fp;
    e->ra = ra;
    return n;
}

/* The frames of a checked entry, as ccx_unwind_native returns them. */
static int uc_output(const struct uc_entry *e, int want, ccx_frame_t *out, int max, int skip)
{
    int n = (int)e->n < want ? (int)e->n : want;
    int i = (int)e->first + (skip > 0 ? skip : 0);
    int k = n - i < max ? n - i : max;
    if (k <= 0)
        return 0;
    memcpy(out, &e->ip[i], sizeof(ccx_frame_t) * (size_t)k);
    return k;
}

/* This call's stack from the cache (unwound into it on a miss), or -1. */
static int uc_lookup(uintptr_t ra, uintptr_t fp, int want, ccx_frame_t *out, int max, int skip)
{
    if (uc_failed)
        return -1;
    if (!uc_table) {
        if (ccx_t.state != 1 || !u_getcontext || !u_init_local || !u_step || !u_get_reg)
            return -1; /* unregistered threads would leak the table at exit */
        uc_table = ccx_mem_map(sizeof(struct uc_entry) * UC_ENTRIES);
        if (!uc_table) {
            uc_failed = 1;
            return -1;
        }
    }
    struct uc_entry *set = uc_set(ra, fp);
    for (int w = 0; w < UC_WAYS; w++) {
        const struct uc_entry *e = &set[w];
        if (e->ra != ra || e->fp != fp || !(e->full || (int)e->n >= want))
            continue;
        int n = (int)e->n < want ? (int)e->n : want;
        int i = 0;
        while (i < n && *(const uintptr_t *)(fp + e->off[i]) == e->ip[i])
            i++;
        if (i == n)
            return uc_output(e, want, out, max, skip);
    }
    struct uc_entry *e = &set[uc_next++ % UC_WAYS];
    e->ra = 0;
    if (!ccx_gate_enter())
        return -1;
    int n = uc_walk(e, ra, fp, want);
    ccx_gate_exit();
    return n < 0 ? -1 : uc_output(e, want, out, max, skip);
}

__attribute__((noinline)) int ccx_unwind_native(ccx_frame_t *out, int max, int skip)
{
    void *buf[320];
    unw_backtrace_fn b = __atomic_load_n(&bt, __ATOMIC_ACQUIRE);
    if (!b || max <= 0)
        return 0;
    /* the frames of the tracer itself, dropped below, are a handful */
    int want = max + (skip > 0 ? skip : 0) + 8;
    if (want > (int)(sizeof buf / sizeof buf[0]))
        want = (int)(sizeof buf / sizeof buf[0]);
    if (ccx_mean == 0) {
        int k = uc_lookup((uintptr_t)__builtin_return_address(0), (uintptr_t)__builtin_frame_address(0), want,
                          out, max, skip);
        if (k >= 0)
            return k;
    }
    if (!ccx_gate_enter())
        return 0;
    int n = b(buf, want);
    ccx_gate_exit();
    int i = 0;
    while (i < n && ccx_in_self((uintptr_t)buf[i]))
        i++;
    if (skip > 0)
        i += skip;
    int k = 0;
    for (; i < n && k < max; i++)
        out[k++] = (ccx_frame_t)(uintptr_t)buf[i];
    return k;
}
