/* ccx_hooks_libc.c - the interposed libc allocator and mmap functions.
 *
 * Each hook does the least possible and calls the next definition
 * (dlsym(RTLD_NEXT)): count the call in the thread's counters and take the
 * size off its sampling countdown (alloc), or one filter load (free).
 * Everything else is out of line (ccx_record.c).
 *
 * malloc, calloc and free are the hot ones, written so that the real
 * function is reached by a tail jump (no stack frame, no test of the
 * result): malloc decides before the call whether this allocation reaches
 * the sample point (size >= countdown, one unsigned compare, which also
 * sends every absurd size to the slow path), and only then calls the real
 * malloc itself, out of line, to record the block.  The price: an
 * allocation below the countdown that fails (out of memory) is still
 * counted in alloc_calls/alloc_bytes.  free answers everything that is
 * not an unsampled block - NULL, the bootstrap buffer, a recorded block -
 * with the one filter test (NULL and the buffer have pinned slots).
 * Together this took the hooks from about 22 and 28 instructions per
 * malloc and free to about 12 (callgrind).
 *
 * Bootstrap: dlsym itself may call malloc/calloc (dlerror's buffer) before
 * the real functions are known; the function pointers start at boot_*
 * functions that resolve them; while resolving, allocations come from a
 * static buffer, which free() ignores and realloc() copies out of.
 * Re-entrancy: while ccx_guard is raised (inside the tracer, or around the
 * Python layer's calls) hooks only forward.
 *
 * The hooked names are listed once, in ccx_libc_hooks.h: the exported
 * declarations, the table of real functions (real.NAME) and the
 * resolution below are generated from that list.
 */
#include "ccx_core.h"
#include "ccx_addrmap.h"
#include "ccx_libc_hooks.h"
#include "ccx_options.h"

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The interposers, exported (everything else in the library is hidden;
 * the definitions below say CCX_EXPORT again, for the reader). */
#define DECLARE(name, ret, params) CCX_EXPORT ret name params;
CCX_LIBC_HOOKS(DECLARE)
#undef DECLARE

static void *boot_malloc(size_t n);
static void *boot_calloc(size_t k, size_t n);
static void boot_free(void *p);

/* The real functions; NULL until resolved, but for the bootstrap ones. */
#define POINTER(name, ret, params) ret (*name) params;
static struct {
    CCX_LIBC_HOOKS(POINTER)
} real = { .malloc = boot_malloc, .calloc = boot_calloc, .free = boot_free };
#undef POINTER
static int resolved;

/* ---- bootstrap ---------------------------------------------------------- */

static _Alignas(64) char boot_buf[128 * 1024];
static size_t boot_used;
static int resolving;

static inline int is_boot(const void *p)
{
    /* one unsigned compare on the free path */
    return (uintptr_t)p - (uintptr_t)boot_buf < sizeof boot_buf;
}

static void *boot_alloc(size_t n, size_t align)
{
    /* 16-byte header holding the size, then the block. */
    if (align < 16)
        align = 16;
    size_t start = (boot_used + 16 + align - 1) & ~(align - 1);
    if (n > sizeof boot_buf || start + n > sizeof boot_buf)
        return NULL;
    boot_used = start + n;
    *(size_t *)(boot_buf + start - 8) = n;
    return boot_buf + start;
}

static size_t boot_size(const void *p)
{
    return *(const size_t *)((const char *)p - 8);
}

static void resolve(void)
{
    if (__atomic_load_n(&resolved, __ATOMIC_ACQUIRE))
        return;
    resolving = 1;
    /* free() finds NULL and the bootstrap buffer on its slow path */
    ccx_addrmap_pin(NULL, 1);
    ccx_addrmap_pin(boot_buf, sizeof boot_buf);
    /* the others at once; the bootstrap ones together, once all are known */
#define RESOLVE_OTHER(name, ret, params) real.name = (__typeof__(real.name))dlsym(RTLD_NEXT, #name);
    CCX_LIBC_OTHER_HOOKS(RESOLVE_OTHER)
#undef RESOLVE_OTHER
#define RESOLVE_BOOT(name, ret, params) __typeof__(real.name) found_##name = (__typeof__(real.name))dlsym(RTLD_NEXT, #name);
    CCX_LIBC_BOOT_HOOKS(RESOLVE_BOOT)
#undef RESOLVE_BOOT
    if (found_malloc && found_calloc && found_free) {
#define PUBLISH(name, ret, params) __atomic_store_n(&real.name, found_##name, __ATOMIC_RELEASE);
        CCX_LIBC_BOOT_HOOKS(PUBLISH)
#undef PUBLISH
        __atomic_store_n(&resolved, 1, __ATOMIC_RELEASE);
    }
    resolving = 0;
}

/* The first calls (and every call if the real functions cannot be found,
 * which does not happen with a libc): resolve, or serve from the buffer. */
static void *boot_malloc(size_t n)
{
    if (!resolving)
        resolve();
    if (real.malloc != boot_malloc)
        return real.malloc(n);
    return boot_alloc(n, 16);
}

static void *boot_calloc(size_t k, size_t n)
{
    if (!resolving)
        resolve();
    if (real.calloc != boot_calloc)
        return real.calloc(k, n);
    return boot_alloc(k * n, 16); /* callers checked the product; the buffer is zeroed */
}

static void boot_free(void *p)
{
    if (!p || is_boot(p))
        return;
    if (!resolving)
        resolve();
    if (real.free != boot_free)
        real.free(p);
}

void ccx_hooks_resolve(void)
{
    resolve();
}

/* ---- the fast path ------------------------------------------------------ */

/* An allocation already made (the less frequent functions). */
static inline __attribute__((always_inline)) void on_alloc(void *p, size_t n, int layer)
{
    if (unlikely(ccx_guard))
        return;
    ccx_fast_alloc(p, n, layer);
}

static inline __attribute__((always_inline)) void on_free(void *p)
{
    if (unlikely(ccx_guard))
        return;
    ccx_t.free_calls++;
    if (unlikely(ccx_addrmap_maybe(p)))
        ccx_free_slow(p);
}

#define READY(fn, ...) \
    do { \
        if (unlikely(!fn)) { \
            if (resolving) \
                return __VA_ARGS__; \
            resolve(); \
            if (!fn) \
                return __VA_ARGS__; \
        } \
    } while (0)

/* ---- libc allocator ----------------------------------------------------- */

/* malloc/calloc reaching the sample point, and free of a pinned or maybe
 * recorded pointer: out of line, so the hooks stay a few instructions. */
__attribute__((noinline, cold)) static void *malloc_slow(size_t n)
{
    void *p = real.malloc(n);
    if (likely(p != NULL) && !is_boot(p))
        ccx_sample_slow(p, n, CCX_LAYER_ID_LIBC);
    return p;
}

__attribute__((noinline, cold)) static void *calloc_slow(size_t k, size_t n, size_t total)
{
    void *p = real.calloc(k, n);
    if (likely(p != NULL) && !is_boot(p))
        ccx_sample_slow(p, total, CCX_LAYER_ID_LIBC);
    return p;
}

__attribute__((noinline)) static void free_slow(void *p)
{
    if (!p || is_boot(p))
        return;
    if (likely(!ccx_guard)) {
        ccx_t.free_calls++;
        ccx_free_slow(p);
    }
    real.free(p);
}

CCX_EXPORT void *malloc(size_t n)
{
    if (likely(!ccx_guard)) {
        if (unlikely(ccx_fast_reaches(n)))
            return malloc_slow(n);
        ccx_fast_count(n);
    }
    return real.malloc(n);
}

CCX_EXPORT void *calloc(size_t k, size_t n)
{
    size_t total;
    if (__builtin_mul_overflow(k, n, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    if (likely(!ccx_guard)) {
        if (unlikely(ccx_fast_reaches(total)))
            return calloc_slow(k, n, total);
        ccx_fast_count(total);
    }
    return real.calloc(k, n);
}

CCX_EXPORT void free(void *p)
{
    if (unlikely(ccx_addrmap_maybe(p))) {
        free_slow(p);
        return;
    }
    if (likely(!ccx_guard))
        ccx_fast_free_count(p);
    real.free(p);
}

CCX_EXPORT void *realloc(void *p, size_t n)
{
    if (!p)
        return malloc(n);
    if (unlikely(is_boot(p))) {
        void *q = malloc(n);
        if (q) {
            size_t old = boot_size(p);
            memcpy(q, p, old < n ? old : n);
        }
        return q;
    }
    READY(real.realloc, NULL);
    if (unlikely(ccx_guard))
        return real.realloc(p, n);
    struct ccx_block_info ib, *info = &ib;
    int had = ccx_take(p, info);
    void *q = real.realloc(p, n);
    if (unlikely(!q && n != 0)) {
        if (had)
            ccx_putback(p, info);
        return NULL;
    }
    ccx_t.free_calls++;
    if (q)
        on_alloc(q, n, CCX_LAYER_ID_LIBC);
    return q;
}

CCX_EXPORT void *reallocarray(void *p, size_t k, size_t n)
{
    size_t total;
    if (__builtin_mul_overflow(k, n, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, total);
}

CCX_EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
    if (unlikely(!real.posix_memalign)) {
        if (resolving) {
            void *p = boot_alloc(n, align);
            if (!p)
                return ENOMEM;
            *out = p;
            return 0;
        }
        resolve();
    }
    int r = real.posix_memalign(out, align, n);
    if (likely(r == 0))
        on_alloc(*out, n, CCX_LAYER_ID_LIBC);
    return r;
}

CCX_EXPORT void *aligned_alloc(size_t align, size_t n)
{
    READY(real.aligned_alloc, boot_alloc(n, align));
    void *p = real.aligned_alloc(align, n);
    if (likely(p != NULL))
        on_alloc(p, n, CCX_LAYER_ID_LIBC);
    return p;
}

CCX_EXPORT void *memalign(size_t align, size_t n)
{
    READY(real.memalign, boot_alloc(n, align));
    void *p = real.memalign(align, n);
    if (likely(p != NULL))
        on_alloc(p, n, CCX_LAYER_ID_LIBC);
    return p;
}

CCX_EXPORT void *valloc(size_t n)
{
    READY(real.valloc, boot_alloc(n, 4096));
    void *p = real.valloc(n);
    if (likely(p != NULL))
        on_alloc(p, n, CCX_LAYER_ID_LIBC);
    return p;
}

CCX_EXPORT void *pvalloc(size_t n)
{
    READY(real.pvalloc, boot_alloc((n + 4095) & ~(size_t)4095, 4096));
    void *p = real.pvalloc(n);
    if (likely(p != NULL))
        on_alloc(p, (n + 4095) & ~(size_t)4095, CCX_LAYER_ID_LIBC);
    return p;
}

CCX_EXPORT size_t malloc_usable_size(void *p)
{
    if (!p)
        return 0;
    if (is_boot(p))
        return boot_size(p);
    READY(real.malloc_usable_size, 0);
    return real.malloc_usable_size(p);
}

/* ---- anonymous mappings ------------------------------------------------- */

static void *sys_mmap(void *a, size_t n, int prot, int flags, int fd, off_t off)
{
    long r = syscall(SYS_mmap, a, n, prot, flags, fd, off);
    if (r < 0 && r > -4096) {
        errno = (int)-r;
        return MAP_FAILED;
    }
    return (void *)r;
}

static size_t page_len(size_t n)
{
    return (n + 4095) & ~(size_t)4095;
}

static void *mmap_common(void *(*real)(void *, size_t, int, int, int, off_t), void *a, size_t n, int prot,
                         int flags, int fd, off_t off)
{
    void *p = real ? real(a, n, prot, flags, fd, off) : sys_mmap(a, n, prot, flags, fd, off);
    if (p != MAP_FAILED && (flags & MAP_ANONYMOUS) && ccx_state > 0 && ccx_opts()->mmap)
        on_alloc(p, page_len(n), CCX_LAYER_ID_MMAP);
    return p;
}

CCX_EXPORT void *mmap(void *a, size_t n, int prot, int flags, int fd, off_t off)
{
    if (unlikely(!real.mmap) && !resolving)
        resolve();
    return mmap_common(real.mmap, a, n, prot, flags, fd, off);
}

CCX_EXPORT void *mmap64(void *a, size_t n, int prot, int flags, int fd, off_t off)
{
    if (unlikely(!real.mmap64) && !resolving)
        resolve();
    return mmap_common(real.mmap64, a, n, prot, flags, fd, off);
}

CCX_EXPORT int munmap(void *p, size_t n)
{
    if (unlikely(!real.munmap) && !resolving)
        resolve();
    if (ccx_state > 0)
        on_free(p);
    if (!real.munmap) {
        long r = syscall(SYS_munmap, p, n);
        if (r < 0) {
            errno = (int)-r;
            return -1;
        }
        return 0;
    }
    return real.munmap(p, n);
}

CCX_EXPORT void *mremap(void *old, size_t oldlen, size_t newlen, int flags, ...)
{
    void *want = NULL;
    if (flags & MREMAP_FIXED) {
        va_list ap;
        va_start(ap, flags);
        want = va_arg(ap, void *);
        va_end(ap);
    }
    if (unlikely(!real.mremap)) {
        if (!resolving)
            resolve();
        if (!real.mremap) {
            errno = ENOSYS;
            return MAP_FAILED;
        }
    }
    struct ccx_block_info ib, *info = &ib;
    int had = !ccx_guard && ccx_state > 0 && ccx_take(old, info);
    void *q = real.mremap(old, oldlen, newlen, flags, want);
    if (had) {
        if (q == MAP_FAILED)
            ccx_putback(old, info);
        else
            ccx_rerecord(q, page_len(newlen), info);
    }
    return q;
}
