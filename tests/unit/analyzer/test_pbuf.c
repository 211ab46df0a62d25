/* test_pbuf.c - the hand-written protocol-buffer encoder (analyzer/pbuf.c)
 * against bytes computed by hand from the wire format
 * (https://protobuf.dev/programming-guides/encoding/): varints of every
 * length, negative int64 (ten bytes), field keys past field 15, strings,
 * the empty string, packed repeated varints, a nested message, zeros left
 * out, and a buffer that grows over many fields. */
#include "../check.h"
#include "pbuf.h"

#include <stdlib.h>

/* b holds exactly the n bytes of want. */
static int same(const struct ccx_pb *b, const uint8_t *want, size_t n)
{
    if (b->oom || b->len != n)
        return 0;
    return n == 0 || memcmp(b->buf, want, n) == 0;
}

#define EXPECT(b, ...)                                                           \
    do {                                                                         \
        static const uint8_t w_[] = {__VA_ARGS__};                               \
        CHECK_MSG(same(b, w_, sizeof w_), "%zu bytes, want %zu", (b)->len, sizeof w_); \
        ccx_pb_reset(b);                                                         \
    } while (0)

static void varints(struct ccx_pb *b)
{
    ccx_pb_varint(b, 0);
    EXPECT(b, 0x00);
    ccx_pb_varint(b, 1);
    EXPECT(b, 0x01);
    ccx_pb_varint(b, 127);
    EXPECT(b, 0x7f);
    ccx_pb_varint(b, 128); /* 1 0000000: low seven bits first, then 1 */
    EXPECT(b, 0x80, 0x01);
    ccx_pb_varint(b, 150); /* the encoding guide's example */
    EXPECT(b, 0x96, 0x01);
    ccx_pb_varint(b, 300); /* 10 0101100 -> ac 02 */
    EXPECT(b, 0xac, 0x02);
    ccx_pb_varint(b, 16384); /* 2^14 -> three bytes */
    EXPECT(b, 0x80, 0x80, 0x01);
    ccx_pb_varint(b, UINT64_MAX); /* 64 ones: nine full groups and a single 1 */
    EXPECT(b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
    CHECK_EQ_U64(ccx_pb_varint_len(0), 1);
    CHECK_EQ_U64(ccx_pb_varint_len(127), 1);
    CHECK_EQ_U64(ccx_pb_varint_len(128), 2);
    CHECK_EQ_U64(ccx_pb_varint_len(16383), 2);
    CHECK_EQ_U64(ccx_pb_varint_len(16384), 3);
    CHECK_EQ_U64(ccx_pb_varint_len((uint64_t)1 << 63), 10);
    CHECK_EQ_U64(ccx_pb_varint_len(UINT64_MAX), 10);
}

static void fields(struct ccx_pb *b)
{
    ccx_pb_key(b, 1, CCX_PB_VARINT); /* (1 << 3) | 0 */
    EXPECT(b, 0x08);
    ccx_pb_key(b, 15, CCX_PB_LEN); /* (15 << 3) | 2 = 122 */
    EXPECT(b, 0x7a);
    ccx_pb_key(b, 16, CCX_PB_LEN); /* 130: two bytes */
    EXPECT(b, 0x82, 0x01);
    ccx_pb_uint(b, 1, 150);
    EXPECT(b, 0x08, 0x96, 0x01);
    ccx_pb_uint(b, 3, 0); /* proto3 default: left out */
    CHECK_EQ_U64(b->len, 0);
    ccx_pb_int(b, 2, 0);
    CHECK_EQ_U64(b->len, 0);
    ccx_pb_int(b, 2, -1); /* two's complement, ten bytes */
    EXPECT(b, 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
    ccx_pb_int(b, 2, -2);
    EXPECT(b, 0x10, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
    ccx_pb_int(b, 14, 5); /* (14 << 3) = 0x70 */
    EXPECT(b, 0x70, 0x05);
    ccx_pb_str(b, 2, "testing");
    EXPECT(b, 0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g');
    ccx_pb_str(b, 6, ""); /* string_table[0]: written though empty */
    EXPECT(b, 0x32, 0x00);
    static const uint64_t v[] = {3, 270, 86942};
    ccx_pb_packed(b, 4, v, 3); /* 1 + 2 + 3 bytes of payload */
    EXPECT(b, 0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05);
    ccx_pb_packed(b, 4, v, 0);
    CHECK_EQ_U64(b->len, 0);
    uint64_t neg = (uint64_t)(int64_t)-3;
    ccx_pb_packed(b, 2, &neg, 1);
    EXPECT(b, 0x12, 0x0a, 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
}

static void nested(struct ccx_pb *b)
{
    /* Profile { sample_type { type: 1 unit: 2 } } */
    struct ccx_pb vt = {0};
    ccx_pb_int(&vt, 1, 1);
    ccx_pb_int(&vt, 2, 2);
    ccx_pb_bytes(b, 1, vt.buf, vt.len);
    EXPECT(b, 0x0a, 0x04, 0x08, 0x01, 0x10, 0x02);
    ccx_pb_raw(b, vt.buf, vt.len);
    EXPECT(b, 0x08, 0x01, 0x10, 0x02);
    ccx_pb_free(&vt);
    CHECK(vt.buf == NULL && vt.len == 0 && vt.cap == 0);
}

/* Many fields: the buffer grows and keeps every byte. */
static void growth(struct ccx_pb *b)
{
    for (uint64_t i = 0; i < 100000; i++)
        ccx_pb_uint(b, 5, i * 1000003 + 1);
    CHECK(!b->oom);
    size_t at = 0, bad = 0;
    for (uint64_t i = 0; i < 100000 && at < b->len; i++) {
        bad += b->buf[at++] != 0x28; /* (5 << 3) | 0 */
        uint64_t v = 0;
        int shift = 0;
        while (at < b->len) {
            uint8_t c = b->buf[at++];
            v |= (uint64_t)(c & 0x7f) << shift;
            shift += 7;
            if (!(c & 0x80))
                break;
        }
        bad += v != i * 1000003 + 1;
    }
    CHECK_EQ_U64(bad, 0);
    CHECK_EQ_U64(at, b->len);
}

int main(void)
{
    struct ccx_pb b = {0};
    varints(&b);
    fields(&b);
    nested(&b);
    growth(&b);
    ccx_pb_free(&b);
    return check_done();
}
