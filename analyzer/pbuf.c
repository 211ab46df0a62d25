/* pbuf.c - hand-written protocol-buffer encoding (see pbuf.h). */
#include "pbuf.h"

#include <stdlib.h>
#include <string.h>

/* Room for n more bytes; 0, or -1 (and ->oom set) when out of memory. */
static int room(struct ccx_pb *b, size_t n)
{
    if (b->oom)
        return -1;
    if (b->len + n <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n) {
        if (cap > SIZE_MAX / 2) {
            b->oom = 1;
            return -1;
        }
        cap *= 2;
    }
    uint8_t *p = realloc(b->buf, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->buf = p;
    b->cap = cap;
    return 0;
}

size_t ccx_pb_varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

void ccx_pb_varint(struct ccx_pb *b, uint64_t v)
{
    if (room(b, 10) < 0)
        return;
    /* seven bits at a time, low first; the high bit says "more follows" */
    while (v >= 0x80) {
        b->buf[b->len++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    b->buf[b->len++] = (uint8_t)v;
}

void ccx_pb_key(struct ccx_pb *b, uint32_t field, int wire)
{
    ccx_pb_varint(b, (uint64_t)field << 3 | (uint64_t)wire);
}

void ccx_pb_uint(struct ccx_pb *b, uint32_t field, uint64_t v)
{
    if (!v)
        return;
    ccx_pb_key(b, field, CCX_PB_VARINT);
    ccx_pb_varint(b, v);
}

void ccx_pb_raw(struct ccx_pb *b, const void *p, size_t n)
{
    if (n == 0 || room(b, n) < 0)
        return;
    memcpy(b->buf + b->len, p, n);
    b->len += n;
}

void ccx_pb_bytes(struct ccx_pb *b, uint32_t field, const void *p, size_t n)
{
    ccx_pb_key(b, field, CCX_PB_LEN);
    ccx_pb_varint(b, n);
    ccx_pb_raw(b, p, n);
}

void ccx_pb_str(struct ccx_pb *b, uint32_t field, const char *s)
{
    ccx_pb_bytes(b, field, s, strlen(s));
}

void ccx_pb_packed(struct ccx_pb *b, uint32_t field, const uint64_t *v, size_t n)
{
    if (!n)
        return;
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += ccx_pb_varint_len(v[i]);
    ccx_pb_key(b, field, CCX_PB_LEN);
    ccx_pb_varint(b, len);
    for (size_t i = 0; i < n; i++)
        ccx_pb_varint(b, v[i]);
}

void ccx_pb_free(struct ccx_pb *b)
{
    free(b->buf);
    memset(b, 0, sizeof *b);
}
