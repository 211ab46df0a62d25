/* jsonread.c - the strict streaming JSON reader (see jsonread.h).
 *
 * Input: a window over the bytes (all of them in memory, or the last 1 MiB
 * read from the descriptor), refilled as the cursor reaches its end, so a
 * string or number may span windows: both are copied into j->s as read.
 * Nesting: one level per open object or array; an object's keys are kept
 * (NUL-separated, in one arena shared by the open objects, truncated when
 * an object closes) to refuse a key given twice: compared one by one in a
 * small object, through a hash index past JR_LINEAR keys.
 */
#include "jsonread.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef CCX_JR_WINDOW            /* the fuzz build makes it tiny (analyzer/build.mk) */
#define CCX_JR_WINDOW (1u << 20)
#endif
#define JR_MAX_DEPTH 1000    /* as cJSON's nesting limit */
#define JR_MAX_NUMBER 512    /* characters of one number */
#define JR_LINEAR 16         /* keys compared one by one up to this many */
#define JR_EOF (-1)
#define JR_IOERR (-2)        /* a read failed: j->err says why */

struct ccx_jr_level {
    char kind;               /* '{' or '[' */
    char started;            /* a member or element was begun */
    size_t index;            /* arrays: elements begun */
    size_t kstart, nkeys;    /* objects: their keys in j->keys */
    size_t kcur;             /* the current member's key (offset in j->keys) */
    uint32_t *hidx;          /* past JR_LINEAR keys: offset from kstart + 1 per slot */
    size_t hcap;
};

__attribute__((format(printf, 2, 3))) static int fail(struct ccx_jr *j, const char *fmt, ...)
{
    if (!j->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(j->err, sizeof j->err, fmt, ap);
        va_end(ap);
        j->failed = 1;
    }
    return -1;
}

uint64_t ccx_jr_offset(const struct ccx_jr *j)
{
    return j->base + (uint64_t)(j->p - j->w0);
}

void ccx_jr_init_mem(struct ccx_jr *j, const char *buf, size_t len)
{
    memset(j, 0, sizeof *j);
    j->w0 = j->p = (const unsigned char *)buf;
    j->end = j->p + len;
    j->size = len;
    j->fd = -1;
}

void ccx_jr_init_fd(struct ccx_jr *j, int fd, uint64_t len)
{
    memset(j, 0, sizeof *j);
    j->fd = fd;
    j->size = len;
}

void ccx_jr_free(struct ccx_jr *j)
{
    for (size_t i = 0; i < j->depth; i++)
        free(j->lv[i].hidx);
    free(j->lv);
    free(j->keys);
    free(j->s);
    free(j->win);
    j->lv = NULL;
    j->keys = j->s = NULL;
    j->win = NULL;
    j->depth = j->lvcap = j->klen = j->kcap = j->slen = j->scap = 0;
}

/* The next window: 1, 0 at the end of the input, -1 when a read failed. */
static int refill(struct ccx_jr *j)
{
    uint64_t done = ccx_jr_offset(j);
    if (j->failed)
        return -1;
    if (j->fd < 0 || done >= j->size)
        return 0;
    if (!j->win && !(j->win = malloc(CCX_JR_WINDOW)))
        return fail(j, "out of memory");
    size_t want = j->size - done < CCX_JR_WINDOW ? (size_t)(j->size - done) : CCX_JR_WINDOW;
    ssize_t n;
    do
        n = read(j->fd, j->win, want);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return fail(j, "%s", strerror(errno));
    if (n == 0)
        return fail(j, "file shrank while reading");
    j->base = done;
    j->w0 = j->p = j->win;
    j->end = j->win + n;
    return 1;
}

/* The next byte without taking it; JR_EOF or JR_IOERR. */
static inline int peekc(struct ccx_jr *j)
{
    if (j->p == j->end) {
        int r = refill(j);
        if (r <= 0)
            return r < 0 ? JR_IOERR : JR_EOF;
    }
    return *j->p;
}

/* The error for byte c where something else was due. */
static int bad(struct ccx_jr *j, int c)
{
    if (c == JR_IOERR)
        return -1;
    if (c == JR_EOF)
        return fail(j, "truncated JSON (ends after %llu bytes inside an unclosed value)",
                    (unsigned long long)j->size);
    return fail(j, "invalid JSON at byte %llu", (unsigned long long)ccx_jr_offset(j));
}

/* Skips whitespace; the byte after it (not taken), JR_EOF or JR_IOERR. */
static int ws(struct ccx_jr *j)
{
    for (;;) {
        while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t'))
            j->p++;
        if (j->p < j->end)
            return *j->p;
        int c = peekc(j);
        if (c < 0)
            return c;
    }
}

/* Appends n bytes to j->s (kept NUL-terminated). */
static int put(struct ccx_jr *j, const void *b, size_t n)
{
    if (n >= j->scap - j->slen || !j->s) {
        size_t cap = j->scap ? j->scap : 256;
        while (n >= cap - j->slen)
            cap *= 2;
        char *ns = realloc(j->s, cap);
        if (!ns)
            return fail(j, "out of memory");
        j->s = ns;
        j->scap = cap;
    }
    memcpy(j->s + j->slen, b, n);
    j->slen += n;
    j->s[j->slen] = '\0';
    return 0;
}

/* ---- levels and keys ---------------------------------------------------- */

static int push(struct ccx_jr *j, char kind)
{
    if (j->depth >= JR_MAX_DEPTH)
        return fail(j, "invalid JSON at byte %llu (nested more than %d deep)",
                    (unsigned long long)ccx_jr_offset(j), JR_MAX_DEPTH);
    if (j->depth == j->lvcap) {
        size_t cap = j->lvcap ? j->lvcap * 2 : 16;
        struct ccx_jr_level *nl = realloc(j->lv, cap * sizeof *nl);
        if (!nl)
            return fail(j, "out of memory");
        j->lv = nl;
        j->lvcap = cap;
    }
    struct ccx_jr_level *l = &j->lv[j->depth++];
    memset(l, 0, sizeof *l);
    l->kind = kind;
    l->kstart = j->klen;
    j->p++; /* the '{' or '[' */
    return 0;
}

static void pop(struct ccx_jr *j)
{
    struct ccx_jr_level *l = &j->lv[--j->depth];
    if (l->kind == '{')
        j->klen = l->kstart;
    free(l->hidx);
    j->p++; /* the '}' or ']' */
}

/* "sites[1]", "frames[0].future", "process.heap": where the innermost
 * open object is, as the old tree walk named it. */
static void path(const struct ccx_jr *j, char *buf, size_t len)
{
    size_t pos = 0;
    buf[0] = '\0';
    for (size_t i = 0; i + 1 < j->depth && pos + 1 < len; i++) {
        const struct ccx_jr_level *l = &j->lv[i];
        int n = l->kind == '{' ? snprintf(buf + pos, len - pos, "%s%.40s", pos ? "." : "", j->keys + l->kcur)
                               : snprintf(buf + pos, len - pos, "[%zu]", l->index ? l->index - 1 : 0);
        pos = n < 0 || (size_t)n >= len - pos ? len - 1 : pos + (size_t)n;
    }
}

static uint64_t key_hash(const char *k)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *k; k++)
        h = (h ^ (unsigned char)*k) * 0x100000001b3ull;
    return h;
}

/* Puts key offset off into the level's hash index (which has room). */
static void index_put(const struct ccx_jr *j, struct ccx_jr_level *l, size_t off)
{
    size_t m = l->hcap - 1, i = (size_t)key_hash(j->keys + off) & m;
    while (l->hidx[i])
        i = (i + 1) & m;
    l->hidx[i] = (uint32_t)(off - l->kstart + 1);
}

/* Whether key k is among the level's keys. */
static int known(const struct ccx_jr *j, const struct ccx_jr_level *l, const char *k)
{
    if (!l->hidx) {
        size_t off = l->kstart;
        for (size_t n = 0; n < l->nkeys; n++) {
            if (strcmp(j->keys + off, k) == 0)
                return 1;
            off += strlen(j->keys + off) + 1;
        }
        return 0;
    }
    size_t m = l->hcap - 1;
    for (size_t i = (size_t)key_hash(k) & m; l->hidx[i]; i = (i + 1) & m)
        if (strcmp(j->keys + l->kstart + l->hidx[i] - 1, k) == 0)
            return 1;
    return 0;
}

/* (Re)builds the hash index, at most half full. */
static int reindex(struct ccx_jr *j, struct ccx_jr_level *l)
{
    size_t cap = 64;
    while (cap < 2 * (l->nkeys + 1))
        cap *= 2;
    if (j->klen - l->kstart >= UINT32_MAX) /* never in a file below 2 GiB */
        return fail(j, "an object with more than 4 GiB of keys");
    uint32_t *h = calloc(cap, sizeof *h);
    if (!h)
        return fail(j, "out of memory");
    free(l->hidx);
    l->hidx = h;
    l->hcap = cap;
    size_t off = l->kstart;
    for (size_t n = 0; n < l->nkeys; n++) {
        index_put(j, l, off);
        off += strlen(j->keys + off) + 1;
    }
    return 0;
}

/* Records the key just read (j->s) as the object's next member: refused
 * when the object has it already. */
static int add_key(struct ccx_jr *j, struct ccx_jr_level *l)
{
    if (known(j, l, j->s)) {
        char where[160];
        path(j, where, sizeof where);
        return fail(j, "key \"%.60s\" appears twice in %s", j->s, *where ? where : "the top-level object");
    }
    size_t n = strlen(j->s) + 1;
    if (n > j->kcap - j->klen) {
        size_t cap = j->kcap ? j->kcap : 1024;
        while (n > cap - j->klen)
            cap *= 2;
        char *nk = realloc(j->keys, cap);
        if (!nk)
            return fail(j, "out of memory");
        j->keys = nk;
        j->kcap = cap;
    }
    memcpy(j->keys + j->klen, j->s, n);
    l->kcur = j->klen;
    j->klen += n;
    l->nkeys++;
    if (l->nkeys > JR_LINEAR && (!l->hidx || 2 * l->nkeys > l->hcap))
        return reindex(j, l);
    if (l->hidx)
        index_put(j, l, l->kcur);
    return 0;
}

/* ---- scalars ------------------------------------------------------------ */

static int hex4(struct ccx_jr *j, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int c = peekc(j);
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return bad(j, c);
        v = v * 16 + (unsigned)d;
        j->p++;
    }
    *out = v;
    return 0;
}

/* After "\u": a code point (a surrogate pair joined), as UTF-8. */
static int unicode(struct ccx_jr *j, int keep)
{
    unsigned cp, lo;
    if (hex4(j, &cp) < 0)
        return -1;
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return bad(j, 0);
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        int c = peekc(j);
        if (c != '\\')
            return bad(j, c);
        j->p++;
        if ((c = peekc(j)) != 'u')
            return bad(j, c);
        j->p++;
        if (hex4(j, &lo) < 0)
            return -1;
        if (lo < 0xDC00 || lo > 0xDFFF)
            return bad(j, 0);
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    unsigned char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (unsigned char)(0xC0 | cp >> 6);
        u[1] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (unsigned char)(0xE0 | cp >> 12);
        u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (unsigned char)(0xF0 | cp >> 18);
        u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return keep ? put(j, u, n) : 0;
}

/* After a backslash. */
static int escape(struct ccx_jr *j, int keep)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    int c = peekc(j);
    if (c == 'u') {
        j->p++;
        return unicode(j, keep);
    }
    const char *e = c > 0 ? strchr(from, c) : NULL;
    if (!e)
        return bad(j, c);
    j->p++;
    return keep ? put(j, &to[e - from], 1) : 0;
}

/* A string (the cursor on its quote) into j->s, or only checked. */
static int read_str(struct ccx_jr *j, int keep)
{
    j->slen = 0;
    if (keep && put(j, "", 0) < 0)
        return -1;
    j->p++;
    for (;;) {
        const unsigned char *q = j->p;
        while (q < j->end && *q != '"' && *q != '\\')
            q++;
        if (keep && put(j, j->p, (size_t)(q - j->p)) < 0)
            return -1;
        j->p = q;
        int c = peekc(j);
        if (c < 0)
            return bad(j, c);
        if (c == '"' || c == '\\') {
            j->p++;
            if (c == '"')
                return 0;
            if (escape(j, keep) < 0)
                return -1;
        }
    }
}

/* Takes digits (at least one when need); -1 on an error. */
static int digits(struct ccx_jr *j, int need)
{
    int c, n = 0;
    while ((c = peekc(j)) >= '0' && c <= '9') {
        if (j->slen >= JR_MAX_NUMBER)
            return fail(j, "invalid JSON at byte %llu (a number longer than %d characters)",
                        (unsigned long long)ccx_jr_offset(j), JR_MAX_NUMBER);
        char d = (char)c;
        if (put(j, &d, 1) < 0)
            return -1;
        j->p++;
        n++;
    }
    return need && !n ? bad(j, c) : 0;
}

/* Takes c if it is the next byte: 1 taken, 0 not, -1 on an error. */
static int take(struct ccx_jr *j, const char *set)
{
    int c = peekc(j);
    if (c == JR_IOERR)
        return -1;
    if (c <= 0 || !strchr(set, c))
        return 0;
    char ch = (char)c;
    j->p++;
    return put(j, &ch, 1) < 0 ? -1 : 1;
}

static const unsigned char *skip_digits(const unsigned char *q, const unsigned char *e)
{
    while (q < e && *q >= '0' && *q <= '9')
        q++;
    return q;
}

/* The usual case of read_num: a valid number that ends inside the window.
 * 1 read, 0 not so (read_num's byte-by-byte path then reads or refuses it). */
static int num_fast(struct ccx_jr *j, double *v)
{
    const unsigned char *q = j->p, *e = j->end, *d;
    if (q < e && *q == '-')
        q++;
    if (q < e && *q == '0')
        q++;
    else if ((d = skip_digits(q, e)) > q)
        q = d;
    else
        return 0;
    if (q < e && *q == '.') {
        if ((d = skip_digits(q + 1, e)) == q + 1)
            return 0;
        q = d;
    }
    if (q < e && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < e && (*q == '+' || *q == '-'))
            q++;
        if ((d = skip_digits(q, e)) == q)
            return 0;
        q = d;
    }
    if (q >= e || q - j->p > JR_MAX_NUMBER)
        return 0;
    if (v) {
        j->slen = 0;
        if (put(j, j->p, (size_t)(q - j->p)) < 0)
            return -1;
        *v = strtod(j->s, NULL);
    }
    j->p = q;
    return 1;
}

/* A number in JSON's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?,
 * its value in *v (unless v is NULL). */
static int read_num(struct ccx_jr *j, double *v)
{
    int t = num_fast(j, v);
    if (t != 0)
        return t < 0 ? -1 : 0;
    j->slen = 0;
    if (put(j, "", 0) < 0 || take(j, "-") < 0)
        return -1;
    if ((t = take(j, "0")) < 0 || (!t && digits(j, 1) < 0))
        return -1;
    if ((t = take(j, ".")) < 0 || (t && digits(j, 1) < 0))
        return -1;
    if ((t = take(j, "eE")) < 0 || (t && (take(j, "+-") < 0 || digits(j, 1) < 0)))
        return -1;
    if (v) /* NULL: skipped */
        *v = strtod(j->s, NULL); /* the analyzer keeps the C locale */
    return 0;
}

static int literal(struct ccx_jr *j, const char *word)
{
    for (; *word; word++) {
        int c = peekc(j);
        if (c != (unsigned char)*word)
            return bad(j, c);
        j->p++;
    }
    return 0;
}

/* ---- values ------------------------------------------------------------- */

enum ccx_jr_type ccx_jr_peek(struct ccx_jr *j)
{
    int c = ws(j);
    switch (c) {
    case '{': return CCX_JR_OBJECT;
    case '[': return CCX_JR_ARRAY;
    case '"': return CCX_JR_STRING;
    case 't': return CCX_JR_TRUE;
    case 'f': return CCX_JR_FALSE;
    case 'n': return CCX_JR_NULL;
    default:
        if (c == '-' || (c >= '0' && c <= '9'))
            return CCX_JR_NUMBER;
        bad(j, c);
        return CCX_JR_ERROR;
    }
}

/* The next value must be of type t: 0, or -1 (an error) when not. */
static int expect(struct ccx_jr *j, enum ccx_jr_type t)
{
    enum ccx_jr_type got = ccx_jr_peek(j);
    if (got == CCX_JR_ERROR)
        return -1;
    return got == t ? 0 : bad(j, *j->p);
}

int ccx_jr_object(struct ccx_jr *j)
{
    return expect(j, CCX_JR_OBJECT) < 0 ? -1 : push(j, '{');
}

int ccx_jr_array(struct ccx_jr *j)
{
    return expect(j, CCX_JR_ARRAY) < 0 ? -1 : push(j, '[');
}

/* The separator before the next member or element: 1 one follows, 0 the
 * container closed (close: '}' or ']'), -1 on an error. */
static int separator(struct ccx_jr *j, struct ccx_jr_level *l, int close)
{
    int c = ws(j);
    if (c == close) {
        pop(j);
        return 0;
    }
    if (l->started) {
        if (c != ',')
            return bad(j, c);
        j->p++;
    }
    l->started = 1;
    return 1;
}

int ccx_jr_key(struct ccx_jr *j, const char **key)
{
    struct ccx_jr_level *l = &j->lv[j->depth - 1];
    int r = separator(j, l, '}');
    if (r <= 0)
        return r;
    int c = ws(j);
    if (c != '"')
        return bad(j, c);
    if (read_str(j, 1) < 0)
        return -1;
    if ((c = ws(j)) != ':')
        return bad(j, c);
    j->p++;
    if (add_key(j, l) < 0)
        return -1;
    *key = j->keys + l->kcur;
    return 1;
}

int ccx_jr_next(struct ccx_jr *j)
{
    struct ccx_jr_level *l = &j->lv[j->depth - 1];
    int r = separator(j, l, ']');
    if (r == 1)
        l->index++;
    return r;
}

int ccx_jr_string(struct ccx_jr *j, const char **s, size_t *len)
{
    if (expect(j, CCX_JR_STRING) < 0 || read_str(j, 1) < 0)
        return -1;
    *s = j->s;
    if (len)
        *len = j->slen;
    return 0;
}

int ccx_jr_number(struct ccx_jr *j, double *v)
{
    return expect(j, CCX_JR_NUMBER) < 0 ? -1 : read_num(j, v);
}

int ccx_jr_skip(struct ccx_jr *j)
{
    const char *k;
    int r;
    switch (ccx_jr_peek(j)) {
    case CCX_JR_OBJECT:
        if (push(j, '{') < 0)
            return -1;
        while ((r = ccx_jr_key(j, &k)) == 1)
            if (ccx_jr_skip(j) < 0)
                return -1;
        return r;
    case CCX_JR_ARRAY:
        if (push(j, '[') < 0)
            return -1;
        while ((r = ccx_jr_next(j)) == 1)
            if (ccx_jr_skip(j) < 0)
                return -1;
        return r;
    case CCX_JR_STRING: return read_str(j, 0);
    case CCX_JR_NUMBER: return read_num(j, NULL);
    case CCX_JR_TRUE: return literal(j, "true");
    case CCX_JR_FALSE: return literal(j, "false");
    case CCX_JR_NULL: return literal(j, "null");
    default: return -1;
    }
}

static int listed(const char *const *keep, const char *k)
{
    for (; *keep; keep++)
        if (strcmp(*keep, k) == 0)
            return 1;
    return 0;
}

/* Adds the next value as a member or element of c; 0 or -1. */
static int add_child(struct ccx_jr *j, cJSON *c, size_t level)
{
    cJSON *v = ccx_jr_tree(j, NULL);
    if (!v)
        return -1;
    int ok = cJSON_IsObject(c) ? cJSON_AddItemToObject(c, j->keys + j->lv[level].kcur, v)
                               : cJSON_AddItemToArray(c, v);
    if (!ok) {
        cJSON_Delete(v);
        return fail(j, "out of memory");
    }
    return 0;
}

/* An object or array, its members (those in keep, if given) built. */
static cJSON *container(struct ccx_jr *j, int object, const char *const *keep)
{
    cJSON *c = object ? cJSON_CreateObject() : cJSON_CreateArray();
    if (!c) {
        fail(j, "out of memory");
        return NULL;
    }
    if (push(j, object ? '{' : '[') < 0)
        goto bad;
    size_t level = j->depth - 1;
    const char *k;
    int r;
    while ((r = object ? ccx_jr_key(j, &k) : ccx_jr_next(j)) == 1) {
        if (object && keep && !listed(keep, k) ? ccx_jr_skip(j) < 0 : add_child(j, c, level) < 0)
            goto bad;
    }
    if (r == 0)
        return c;
bad:
    cJSON_Delete(c);
    return NULL;
}

cJSON *ccx_jr_tree(struct ccx_jr *j, const char *const *keep)
{
    cJSON *v = NULL;
    double d;
    switch (ccx_jr_peek(j)) {
    case CCX_JR_OBJECT: return container(j, 1, keep);
    case CCX_JR_ARRAY: return container(j, 0, NULL);
    case CCX_JR_STRING:
        if (read_str(j, 1) < 0)
            return NULL;
        v = cJSON_CreateString(j->s);
        break;
    case CCX_JR_NUMBER:
        if (read_num(j, &d) < 0)
            return NULL;
        v = cJSON_CreateNumber(d);
        break;
    case CCX_JR_TRUE:
        v = literal(j, "true") < 0 ? NULL : cJSON_CreateTrue();
        break;
    case CCX_JR_FALSE:
        v = literal(j, "false") < 0 ? NULL : cJSON_CreateFalse();
        break;
    case CCX_JR_NULL:
        v = literal(j, "null") < 0 ? NULL : cJSON_CreateNull();
        break;
    default: return NULL;
    }
    if (!v && !j->failed)
        fail(j, "out of memory");
    return v;
}

int ccx_jr_finish(struct ccx_jr *j)
{
    int c = ws(j);
    if (c == JR_EOF)
        return 0;
    if (c == JR_IOERR)
        return -1;
    uint64_t at = ccx_jr_offset(j);
    return fail(j, "%llu bytes of trailing data after the JSON document (from byte %llu)%s",
                (unsigned long long)(j->size - at), (unsigned long long)at,
                c == '{' ? ": a second document" : "");
}
