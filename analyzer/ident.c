/* ident.c - symbolic frame identity and the allocator filter (see ident.h). */
#include "ident.h"

#include <string.h>

uint64_t ccx_hash_bytes(const void *p, size_t n, uint64_t seed)
{
    /* FNV-1a over the bytes, then a final mix. */
    const unsigned char *b = p;
    uint64_t h = 0xcbf29ce484222325ull ^ seed;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return ccx_hash_mix(h, n);
}

uint64_t ccx_ident_python(const char *file, const char *function, uint32_t line)
{
    uint64_t h = ccx_hash_bytes(file, strlen(file), 0x5079);
    h = ccx_hash_mix(h, ccx_hash_bytes(function, strlen(function), 1));
    return ccx_hash_mix(h, line);
}

uint64_t ccx_ident_native(const char *module, const char *symbol, uint64_t offset)
{
    uint64_t h = ccx_hash_bytes(module, strlen(module), 0x4e61);
    if (*symbol)
        return ccx_hash_mix(h, ccx_hash_bytes(symbol, strlen(symbol), 2));
    return ccx_hash_mix(h, offset ^ 0xabcdefull);
}

int ccx_frame_is_allocator(const char *module, const char *symbol)
{
    static const char *const exact[] = {
        "malloc", "calloc", "realloc", "free", "reallocarray", "posix_memalign",
        "aligned_alloc", "memalign", "valloc", "pvalloc", "mmap", "mmap64", "munmap",
        "mremap", "malloc_usable_size", "sysmalloc", "tcache_init", "gc_alloc",
        "PyType_GenericAlloc", "new_arena", "allocate_from_new_pool",
    };
    static const char *const prefix[] = {
        "__libc_", "_int_", "_mid_memalign", "PyMem_", "_PyMem_", "PyObject_Malloc",
        "PyObject_Calloc", "PyObject_Realloc", "_PyObject_Malloc", "_PyObject_Calloc",
        "_PyObject_Realloc", "pymalloc_", "_PyObject_GC_", "PyObject_GC_", "_PyObject_New",
        "_PyType_Alloc", "ccx_", "ccxtrace_", "_Znw", "_Zna",
    };
    if (module && strncmp(module, "libccxtrace", 11) == 0)
        return 1;
    if (!symbol || !*symbol)
        return 0;
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (strcmp(symbol, exact[i]) == 0)
            return 1;
    for (size_t i = 0; i < sizeof prefix / sizeof prefix[0]; i++)
        if (strncmp(symbol, prefix[i], strlen(prefix[i])) == 0)
            return 1;
    return 0;
}
