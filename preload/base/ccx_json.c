/* ccx_json.c - streaming JSON writer (see ccx_json.h). */
#include "ccx_json.h"
#include "ccx_diag.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Lower-case hex digits: \u escapes and ccx_json_hex. */
static const char hex_digits[] = "0123456789abcdef";

void ccx_json_init(struct ccx_json *j, int fd)
{
    j->fd = fd;
    j->err = 0;
    j->depth = 0;
    j->first[0] = 1;
    j->after_key = 0;
    j->len = 0;
}

int ccx_json_flush(struct ccx_json *j)
{
    size_t off = 0;
    while (!j->err && off < j->len) {
        ssize_t w = write(j->fd, j->buf + off, j->len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            j->err = errno ? errno : EIO;
        } else if (w == 0) {
            j->err = ENOSPC;
        } else {
            off += (size_t)w;
        }
    }
    j->len = 0;
    return j->err;
}

/* What does not fit the buffer (or comes after a write error). */
static __attribute__((noinline)) void put_slow(struct ccx_json *j, const char *s, size_t n)
{
    if (j->err)
        return;
    ccx_json_flush(j);
    if (n <= sizeof j->buf) {
        memcpy(j->buf + j->len, s, n);
        j->len += n;
        return;
    }
    size_t off = 0;
    while (!j->err && off < n) {
        ssize_t w = write(j->fd, s + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            j->err = w < 0 ? errno : ENOSPC;
        else
            off += (size_t)w;
    }
}

static inline void put(struct ccx_json *j, const char *s, size_t n)
{
    if (__builtin_expect(j->len + n <= sizeof j->buf && !j->err, 1)) {
        memcpy(j->buf + j->len, s, n);
        j->len += n;
    } else {
        put_slow(j, s, n);
    }
}

/* One byte: inline, the common case a store.  After a write error the
 * buffer still fills, and the next flush drops it (nothing is written once
 * err is set), so only the room is checked here. */
static inline __attribute__((always_inline)) void putc1(struct ccx_json *j, char c)
{
    if (__builtin_expect(j->len < sizeof j->buf, 1))
        j->buf[j->len++] = c;
    else
        put(j, &c, 1);
}

/* Before a value or a key: a comma unless first at this level. */
static void sep(struct ccx_json *j)
{
    if (j->after_key) {
        j->after_key = 0;
        return;
    }
    if (!j->first[j->depth])
        putc1(j, ',');
    j->first[j->depth] = 0;
}

static void put_escaped(struct ccx_json *j, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    putc1(j, '"');
    while (*p) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            putc1(j, '\\');
            putc1(j, (char)c);
            p++;
        } else if (c < 0x20) {
            char e[6] = {'\\', 'u', '0', '0', hex_digits[c >> 4], hex_digits[c & 15]};
            if (c == '\n')
                put(j, "\\n", 2);
            else if (c == '\t')
                put(j, "\\t", 2);
            else
                put(j, e, 6);
            p++;
        } else if (c < 0x80) {
            /* a run of bytes that need no escape, copied at once */
            const unsigned char *run = p;
            while (*p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
                p++;
            put(j, (const char *)run, (size_t)(p - run));
        } else {
            /* Copy a well-formed UTF-8 sequence; anything else -> U+FFFD. */
            int n = (c >= 0xc2 && c <= 0xdf) ? 2 : (c >= 0xe0 && c <= 0xef) ? 3 : (c >= 0xf0 && c <= 0xf4) ? 4 : 0;
            int ok = n > 0;
            for (int i = 1; ok && i < n; i++)
                ok = (p[i] & 0xc0) == 0x80;
            if (ok && n == 3 && ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f)))
                ok = 0;
            if (ok && n == 4 && ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f)))
                ok = 0;
            if (ok) {
                put(j, (const char *)p, (size_t)n);
                p += n;
            } else {
                put(j, "\xef\xbf\xbd", 3);
                p++;
            }
        }
    }
    putc1(j, '"');
}

void ccx_json_raw(struct ccx_json *j, const char *s, size_t n)
{
    sep(j);
    put(j, s, n);
}

void ccx_json_text(struct ccx_json *j, const char *s, size_t n)
{
    put(j, s, n);
}

void ccx_json_key(struct ccx_json *j, const char *key)
{
    sep(j);
    put_escaped(j, key);
    putc1(j, ':');
    j->after_key = 1;
}

static void open_(struct ccx_json *j, char c)
{
    sep(j);
    putc1(j, c);
    /* the snapshot nests a handful of levels; deeper is a bug (the output
     * stays well-formed in brackets, its commas may not) */
    ccx_assert(j->depth + 1 < CCX_JSON_DEPTH);
    if (j->depth + 1 < CCX_JSON_DEPTH)
        j->depth++;
    j->first[j->depth] = 1;
}

static void close_(struct ccx_json *j, char c)
{
    if (j->depth > 0)
        j->depth--;
    j->after_key = 0;
    putc1(j, c);
}

void ccx_json_begin_object(struct ccx_json *j) { open_(j, '{'); }
void ccx_json_end_object(struct ccx_json *j) { close_(j, '}'); }
void ccx_json_begin_array(struct ccx_json *j) { open_(j, '['); }
void ccx_json_end_array(struct ccx_json *j) { close_(j, ']'); }

void ccx_json_string(struct ccx_json *j, const char *s)
{
    if (!s) {
        ccx_json_null(j);
        return;
    }
    sep(j);
    put_escaped(j, s);
}

/* The decimal digits of v, written backwards from end; returns the first.
 * (snprintf's "%llu" costs about ten times as much, and a snapshot writes
 * millions of numbers.) */
static char *dec_digits(char *end, uint64_t v)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

void ccx_json_u64(struct ccx_json *j, uint64_t v)
{
    char b[20];
    _Static_assert(sizeof b >= sizeof "18446744073709551615" - 1, "room for UINT64_MAX");
    char *s = dec_digits(b + sizeof b, v);
    ccx_json_raw(j, s, (size_t)(b + sizeof b - s));
}

void ccx_json_i64(struct ccx_json *j, int64_t v)
{
    char b[20];
    /* the magnitude as unsigned, so INT64_MIN has one too */
    char *s = dec_digits(b + sizeof b, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
    if (v < 0)
        *--s = '-';
    ccx_json_raw(j, s, (size_t)(b + sizeof b - s));
}

void ccx_json_hex(struct ccx_json *j, uint64_t v)
{
    char b[20];
    _Static_assert(sizeof b >= sizeof "\"0xffffffffffffffff\"" - 1, "room for UINT64_MAX, quoted");
    char *s = b + sizeof b;
    *--s = '"';
    do {
        *--s = hex_digits[v & 15];
        v >>= 4;
    } while (v);
    *--s = 'x';
    *--s = '0';
    *--s = '"';
    ccx_json_raw(j, s, (size_t)(b + sizeof b - s));
}

void ccx_json_double(struct ccx_json *j, double v)
{
    if (!isfinite(v)) {
        ccx_json_null(j);
        return;
    }
    char b[40];
    int n = snprintf(b, sizeof b, "%.17g", v);
    /* "%.17g" gives the shortest exact form often enough; trim a few digits
     * when a shorter one reads back the same. */
    for (int prec = 6; prec < 17; prec++) {
        char t[40];
        int m = snprintf(t, sizeof t, "%.*g", prec, v);
        double back;
        if (sscanf(t, "%lf", &back) == 1 && back == v) {
            memcpy(b, t, (size_t)m + 1);
            n = m;
            break;
        }
    }
    ccx_json_raw(j, b, (size_t)n);
}

void ccx_json_bool(struct ccx_json *j, int v)
{
    ccx_json_raw(j, v ? "true" : "false", v ? 4 : 5);
}

void ccx_json_null(struct ccx_json *j)
{
    ccx_json_raw(j, "null", 4);
}

void ccx_json_kv_str(struct ccx_json *j, const char *k, const char *v)
{
    ccx_json_key(j, k);
    ccx_json_string(j, v);
}

void ccx_json_kv_u64(struct ccx_json *j, const char *k, uint64_t v)
{
    ccx_json_key(j, k);
    ccx_json_u64(j, v);
}

void ccx_json_kv_i64(struct ccx_json *j, const char *k, int64_t v)
{
    ccx_json_key(j, k);
    ccx_json_i64(j, v);
}

void ccx_json_kv_hex(struct ccx_json *j, const char *k, uint64_t v)
{
    ccx_json_key(j, k);
    ccx_json_hex(j, v);
}

void ccx_json_kv_double(struct ccx_json *j, const char *k, double v)
{
    ccx_json_key(j, k);
    ccx_json_double(j, v);
}
