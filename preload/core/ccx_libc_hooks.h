/* ccx_libc_hooks.h - every libc function libccxtrace.so interposes, listed
 * once (the X-macro idea of memray's hooks.h).  ccx_hooks_libc.c expands
 * the list three times: the exported declarations of the interposers, the
 * table of the real functions (a pointer per name) and their resolution
 * with dlsym(RTLD_NEXT).  Adding a hook is adding a line here and writing
 * its interposer; a name missing from either does not build.
 *
 * X(name, return type, parameter list).  CCX_LIBC_BOOT_HOOKS are the ones
 * dlsym itself may call before the real functions are known: their
 * pointers start at bootstrap functions and are published together once
 * all three are found.  reallocarray is interposed (it must reach our
 * realloc, not libc's own call to realloc inside libc) and its real
 * pointer resolved like the others, though our version never calls it.
 */
#ifndef CCX_LIBC_HOOKS_H
#define CCX_LIBC_HOOKS_H

#define CCX_LIBC_BOOT_HOOKS(X) \
    X(malloc, void *, (size_t n)) \
    X(calloc, void *, (size_t k, size_t n)) \
    X(free, void, (void *p))

#define CCX_LIBC_OTHER_HOOKS(X) \
    X(realloc, void *, (void *p, size_t n)) \
    X(reallocarray, void *, (void *p, size_t k, size_t n)) \
    X(posix_memalign, int, (void **out, size_t align, size_t n)) \
    X(aligned_alloc, void *, (size_t align, size_t n)) \
    X(memalign, void *, (size_t align, size_t n)) \
    X(valloc, void *, (size_t n)) \
    X(pvalloc, void *, (size_t n)) \
    X(malloc_usable_size, size_t, (void *p)) \
    X(mmap, void *, (void *a, size_t n, int prot, int flags, int fd, off_t off)) \
    X(mmap64, void *, (void *a, size_t n, int prot, int flags, int fd, off_t off)) \
    X(munmap, int, (void *p, size_t n)) \
    X(mremap, void *, (void *old, size_t oldlen, size_t newlen, int flags, ...))

#define CCX_LIBC_HOOKS(X) CCX_LIBC_BOOT_HOOKS(X) CCX_LIBC_OTHER_HOOKS(X)

#endif
