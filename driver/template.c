/* template.c - one gzip member whose cluster id changes per upload
 * (template.h): the tar walk that finds the id in file data, the pieces
 * compressed once, the stored blocks the ids live in, and the CRC. */
#include "template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

struct buf {
    unsigned char *d;
    size_t len, cap;
};

/* Room for n more bytes after len. */
static int buf_reserve(struct buf *b, size_t n)
{
    if (b->len + n <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n)
        cap *= 2;
    unsigned char *d = realloc(b->d, cap);
    if (!d)
        return -1;
    b->d = d;
    b->cap = cap;
    return 0;
}

static int buf_put(struct buf *b, const void *data, size_t n)
{
    if (buf_reserve(b, n))
        return -1;
    memcpy(b->d + b->len, data, n);
    b->len += n;
    return 0;
}

/* A tar number field: octal text, or base-256 when the high bit is set. */
static int tar_number(const unsigned char *f, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (f[0] & 0x80) {
        for (size_t i = 1; i < n; i++)
            v = v << 8 | f[i];
        *out = v;
        return 0;
    }
    size_t i = 0;
    while (i < n && (f[i] == ' ' || f[i] == '\0'))
        i++;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++)
        v = v << 3 | (uint64_t)(f[i] - '0');
    for (; i < n; i++)
        if (f[i] != ' ' && f[i] != '\0')
            return -1;
    *out = v;
    return 0;
}

static int zero_block(const unsigned char *b)
{
    for (int i = 0; i < 512; i++)
        if (b[i])
            return 0;
    return 1;
}

int drv_tar_walk(const unsigned char *tar, size_t len,
                 int (*fn)(void *arg, const char *name, size_t off, size_t size), void *arg)
{
    size_t pos = 0;
    while (pos + 512 <= len) {
        const unsigned char *h = tar + pos;
        if (zero_block(h))
            return 0;
        uint64_t size, sum, want = 0;
        if (tar_number(h + 124, 12, &size) || tar_number(h + 148, 8, &sum))
            return -1;
        for (int i = 0; i < 512; i++)
            want += (i >= 148 && i < 156) ? ' ' : h[i];
        if (sum != want || size > len - pos - 512)
            return -1;
        char name[256 + 2];
        if (memcmp(h + 257, "ustar", 5) == 0 && h[345])
            snprintf(name, sizeof name, "%.155s/%.100s", (const char *)h + 345, (const char *)h);
        else
            snprintf(name, sizeof name, "%.100s", (const char *)h);
        char type = (char)h[156];
        if ((type == '0' || type == '\0' || type == '7') && fn(arg, name, pos + 512, (size_t)size))
            return 0;
        pos += 512 + ((size_t)size + 511) / 512 * 512;
    }
    return 0;
}

struct finder {
    const unsigned char *tar;
    const char *id;
    size_t *off;
    size_t n, cap;
    int oom;
};

/* Every occurrence of the id inside one file's data. */
static int find_in_file(void *arg, const char *name, size_t off, size_t size)
{
    (void)name;
    struct finder *f = arg;
    for (size_t i = 0; i + DRV_ID_LEN <= size; i++) {
        if (f->tar[off + i] != (unsigned char)f->id[0] ||
            memcmp(f->tar + off + i, f->id, DRV_ID_LEN) != 0)
            continue;
        if (f->n == f->cap) {
            size_t cap = f->cap ? 2 * f->cap : 8;
            size_t *o = realloc(f->off, cap * sizeof *o);
            if (!o) {
                f->oom = 1;
                return 1;
            }
            f->off = o;
            f->cap = cap;
        }
        f->off[f->n++] = off + i;
        i += DRV_ID_LEN - 1;
    }
    return 0;
}

/* Raw deflate of data, ended by a full flush (byte-aligned, not final). */
static int deflate_piece(const unsigned char *data, size_t len, struct buf *out)
{
    if (!len)
        return 0;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    size_t bound = deflateBound(&z, (uLong)len) + 64; /* + the flush's empty stored block */
    if (buf_reserve(out, bound)) {
        deflateEnd(&z);
        return -1;
    }
    z.next_in = (unsigned char *)data;
    z.avail_in = (uInt)len;
    z.next_out = out->d + out->len;
    z.avail_out = (uInt)bound;
    int rc = deflate(&z, Z_FULL_FLUSH);
    int ok = rc == Z_OK && z.avail_in == 0 && z.avail_out > 0;
    out->len += bound - z.avail_out;
    deflateEnd(&z);
    return ok ? 0 : -1;
}

static void put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* Lays out head and rest from the id offsets found in tar. */
static int build_pieces(const unsigned char *tar, size_t len, const size_t *off, size_t n,
                        struct drv_template *t)
{
    static const unsigned char gzip_header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    static const unsigned char stored_hdr[5] = {0x00, DRV_ID_LEN, 0x00, (unsigned char)~DRV_ID_LEN, 0xff};
    static const unsigned char final_block[2] = {0x03, 0x00}; /* empty fixed-Huffman block, BFINAL */
    struct buf head = {0}, rest = {0};
    size_t first = n ? off[0] : len;
    t->slot_off = calloc(n ? n : 1, sizeof *t->slot_off);
    t->piece_crc = calloc(n ? n : 1, sizeof *t->piece_crc);
    t->piece_op = calloc(n ? n : 1, sizeof *t->piece_op);
    if (!t->slot_off || !t->piece_crc || !t->piece_op || buf_put(&head, gzip_header, 10) ||
        deflate_piece(tar, first, &head))
        goto fail;
    t->head_crc = crc32(0L, tar, (uInt)first);
    for (size_t i = 0; i < n; i++) {
        size_t from = off[i] + DRV_ID_LEN, to = i + 1 < n ? off[i + 1] : len;
        if (buf_put(&rest, stored_hdr, sizeof stored_hdr))
            goto fail;
        t->slot_off[i] = rest.len;
        if (buf_put(&rest, tar + off[i], DRV_ID_LEN) || deflate_piece(tar + from, to - from, &rest))
            goto fail;
        t->piece_crc[i] = crc32(0L, tar + from, (uInt)(to - from));
        t->piece_op[i] = crc32_combine_gen((z_off_t)(to - from));
    }
    unsigned char trailer[8];
    put_le32(trailer, (uint32_t)crc32(0L, tar, (uInt)len));
    put_le32(trailer + 4, (uint32_t)len);
    if (buf_put(&rest, final_block, 2))
        goto fail;
    t->crc_off = rest.len;
    if (buf_put(&rest, trailer, 8))
        goto fail;
    t->nslots = n;
    t->head_len = head.len;
    t->rest_len = rest.len;
    if (buf_put(&head, rest.d, rest.len))
        goto fail;
    free(rest.d);
    t->data = head.d;
    t->len = head.len;
    return 0;
fail:
    free(head.d);
    free(rest.d);
    return -1;
}

int drv_template_build(const unsigned char *tar, size_t len, const char *id,
                       struct drv_template *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    struct finder f = {.tar = tar, .id = id};
    if (strlen(id) != DRV_ID_LEN) {
        snprintf(err, errlen, "cluster id '%s' is not 36 characters", id);
        return -1;
    }
    if (drv_tar_walk(tar, len, find_in_file, &f) != 0) {
        free(f.off);
        snprintf(err, errlen, "not a tar archive this driver can rewrite (a malformed header)");
        return -1;
    }
    int rc = f.oom ? -1 : build_pieces(tar, len, f.off, f.n, t);
    free(f.off);
    if (rc) {
        drv_template_free(t);
        snprintf(err, errlen, "out of memory compressing the archive");
        return -1;
    }
    snprintf(t->id, sizeof t->id, "%s", f.n ? id : "");
    return 0;
}

void drv_template_render(const struct drv_template *t, const char *id, unsigned char *rest)
{
    unsigned long crc = t->head_crc;
    for (size_t i = 0; i < t->nslots; i++) {
        memcpy(rest + t->slot_off[i], id, DRV_ID_LEN);
        crc = crc32(crc, (const unsigned char *)id, DRV_ID_LEN);
        crc = crc32_combine_op(crc, t->piece_crc[i], t->piece_op[i]);
    }
    if (t->nslots)
        put_le32(rest + t->crc_off, (uint32_t)crc);
}

int drv_gunzip(const unsigned char *gz, size_t len, unsigned char **out, size_t *outlen, char *err,
               size_t errlen)
{
    struct buf b = {0};
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + 15) != Z_OK) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    z.next_in = (unsigned char *)gz;
    z.avail_in = (uInt)len;
    int rc = Z_OK;
    while (rc != Z_STREAM_END || z.avail_in > 0) {
        if (rc == Z_STREAM_END) /* another gzip member follows */
            inflateReset(&z);
        if (buf_reserve(&b, 65536)) {
            rc = Z_MEM_ERROR;
            break;
        }
        z.next_out = b.d + b.len;
        z.avail_out = (uInt)(b.cap - b.len);
        rc = inflate(&z, Z_NO_FLUSH);
        b.len = b.cap - z.avail_out;
        if (rc == Z_STREAM_END) { /* zero bytes after the last member are padding */
            size_t k = 0;
            while (k < z.avail_in && z.next_in[k] == 0)
                k++;
            if (k == z.avail_in)
                z.avail_in = 0;
        }
        if (rc != Z_OK && rc != Z_STREAM_END)
            break;
        if (rc == Z_OK && z.avail_in == 0 && z.avail_out > 0) {
            rc = Z_DATA_ERROR; /* truncated */
            break;
        }
    }
    inflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(b.d);
        snprintf(err, errlen, "gzip data is %s", rc == Z_MEM_ERROR ? "too big for memory" : "corrupt or truncated");
        return -1;
    }
    *out = b.d;
    *outlen = b.len;
    return 0;
}

void drv_template_free(struct drv_template *t)
{
    free(t->data);
    free(t->slot_off);
    free(t->piece_crc);
    free(t->piece_op);
    memset(t, 0, sizeof *t);
}
