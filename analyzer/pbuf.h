/* pbuf.h - the few protocol-buffer encodings the pprof writer (pprof.c)
 * needs, written by hand: varints, field keys, length-delimited fields
 * (strings, nested messages) and packed repeated varints.
 *
 * A struct ccx_pb is a growable byte buffer (a zeroed one is empty).  The
 * writers never fail on their own: when memory runs out they set ->oom and
 * stop writing, so a caller checks ->oom once at the end.  A nested
 * message is encoded into its own buffer and appended with ccx_pb_bytes.
 * Wire format: https://protobuf.dev/programming-guides/encoding/ (int64 as
 * a plain varint of its two's complement: -1 takes ten bytes).
 */
#ifndef CCX_PBUF_H
#define CCX_PBUF_H

#include <stddef.h>
#include <stdint.h>

struct ccx_pb {
    uint8_t *buf;
    size_t len, cap;
    int oom;
};

enum { CCX_PB_VARINT = 0, CCX_PB_LEN = 2 };

/* Bytes the varint encoding of v takes (1 to 10). */
size_t ccx_pb_varint_len(uint64_t v);
void ccx_pb_varint(struct ccx_pb *b, uint64_t v);
/* The key of field FIELD with wire type WIRE. */
void ccx_pb_key(struct ccx_pb *b, uint32_t field, int wire);
/* A varint field (uint64, int64 as its two's complement, bool); a zero is
 * left out, which proto3 reads as the default 0. */
void ccx_pb_uint(struct ccx_pb *b, uint32_t field, uint64_t v);
static inline void ccx_pb_int(struct ccx_pb *b, uint32_t field, int64_t v)
{
    ccx_pb_uint(b, field, (uint64_t)v);
}
/* A length-delimited field (bytes, string, nested message); always
 * written, also when empty (a repeated string's "" counts). */
void ccx_pb_bytes(struct ccx_pb *b, uint32_t field, const void *p, size_t n);
void ccx_pb_str(struct ccx_pb *b, uint32_t field, const char *s);
/* A packed repeated varint field of n values; nothing when n is 0. */
void ccx_pb_packed(struct ccx_pb *b, uint32_t field, const uint64_t *v, size_t n);
/* Appends n bytes as they are (fields encoded elsewhere). */
void ccx_pb_raw(struct ccx_pb *b, const void *p, size_t n);
/* Empties the buffer and keeps its memory (for reuse). */
static inline void ccx_pb_reset(struct ccx_pb *b)
{
    b->len = 0;
}
void ccx_pb_free(struct ccx_pb *b);

#endif
