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

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>

typedef int (*unw_backtrace_fn)(void **buf, int size);
typedef int (*unw_set_policy_fn)(void *as, int policy);
typedef int (*unw_set_cache_size_fn)(void *as, size_t size, int flag);

static unw_backtrace_fn bt;

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
    if (pol && as)
        pol(*as, 2 /* UNW_CACHE_PER_THREAD */);
    if (csz && as)
        csz(*as, 1024, 0);
    __atomic_store_n(&bt, b, __ATOMIC_RELEASE);
    return 0;
}

int ccx_unwind_native(ccx_frame_t *out, int max, int skip)
{
    void *buf[320];
    unw_backtrace_fn b = __atomic_load_n(&bt, __ATOMIC_ACQUIRE);
    if (!b || max <= 0)
        return 0;
    int want = max + (skip > 0 ? skip : 0) + 24;
    if (want > (int)(sizeof buf / sizeof buf[0]))
        want = (int)(sizeof buf / sizeof buf[0]);
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
