/* ident.h - the symbolic identity of frames, as plain strings and numbers.
 *
 * What survives a restart: module basename + symbol (module basename +
 * offset when there is no symbol) for a native frame, file + function +
 * line for a Python frame (DESIGN.md), hashed to 64 bits; and whether a
 * native frame belongs to the allocator or the tracer.  The snapshot
 * reader (snaptables.c) stamps each frame with both; frames.c formats and
 * groups frames.  Neither of them is needed here, so the dependencies run
 * one way: snapshot -> ident, frames -> snapshot -> ident.
 */
#ifndef CCX_IDENT_H
#define CCX_IDENT_H

#include <stddef.h>
#include <stdint.h>

/* 64-bit hashing shared by the symbolic identities. */
uint64_t ccx_hash_bytes(const void *p, size_t n, uint64_t seed);
static inline uint64_t ccx_hash_mix(uint64_t a, uint64_t b)
{
    uint64_t x = a ^ (b + 0x9e3779b97f4a7c15ull + (a << 6) + (a >> 2));
    x ^= x >> 31;
    x *= 0x7fb5d329728ea185ull;
    x ^= x >> 27;
    return x;
}

/* The identity of a Python frame (file, function, line) and of a native
 * one (module basename, symbol or "", offset in the module). */
uint64_t ccx_ident_python(const char *file, const char *function, uint32_t line);
uint64_t ccx_ident_native(const char *module, const char *symbol, uint64_t offset);

/* Native frames of the allocator (malloc family, PyMem/PyObject allocators,
 * pymalloc internals) or of the tracer itself (libccxtrace.so, ccx_*). */
int ccx_frame_is_allocator(const char *module, const char *symbol);

#endif
