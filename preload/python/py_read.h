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

/* One reader per type, all of the same shape. */
#define PY_READER(name, type) \
    static inline type name(const void *base, uint32_t off) \
    { \
        type v; \
        __builtin_memcpy(&v, (const char *)base + off, sizeof v); \
        return v; \
    }

PY_READER(py_ld_ptr, const void *)
PY_READER(py_ld_ssize, ptrdiff_t)
PY_READER(py_ld_int, int)
PY_READER(py_ld_u32, uint32_t)
PY_READER(py_ld_word, uintptr_t)
PY_READER(py_ld_ulong, unsigned long) /* PyTypeObject.tp_flags */

#undef PY_READER

#endif
