/* py_read.h - the Python layer's readers of CPython's memory: one word at
 * base + off, read with a fixed-size copy (no alignment or aliasing
 * assumption; the compiler makes it one load).  The offsets come from
 * py_layout.h.  Used by the frame walker (py_frames.c, on the allocation
 * path: so these stay static inline and call nothing), the census, the
 * holders and the fork hooks. */
#ifndef PY_READ_H
#define PY_READ_H

#include <stddef.h>
#include <stdint.h>

static inline const void *py_ld_ptr(const void *base, uint32_t off)
{
    const void *v;
    __builtin_memcpy(&v, (const char *)base + off, sizeof v);
    return v;
}

static inline ptrdiff_t py_ld_ssize(const void *base, uint32_t off)
{
    ptrdiff_t v;
    __builtin_memcpy(&v, (const char *)base + off, sizeof v);
    return v;
}

static inline int py_ld_int(const void *base, uint32_t off)
{
    int v;
    __builtin_memcpy(&v, (const char *)base + off, sizeof v);
    return v;
}

static inline uint32_t py_ld_u32(const void *base, uint32_t off)
{
    uint32_t v;
    __builtin_memcpy(&v, (const char *)base + off, sizeof v);
    return v;
}

static inline uintptr_t py_ld_word(const void *base, uint32_t off)
{
    uintptr_t v;
    __builtin_memcpy(&v, (const char *)base + off, sizeof v);
    return v;
}

/* PyTypeObject.tp_flags (an unsigned long). */
static inline unsigned long py_ld_ulong(const void *base, uint32_t off)
{
    unsigned long v;
    __builtin_memcpy(&v, (const char *)base + off, sizeof v);
    return v;
}

#endif
