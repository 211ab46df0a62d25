/* jsonread.c - strict parsing of a snapshot's JSON (see jsonread.h). */
#include "jsonread.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Set when a malloc cJSON asked for failed (the analyzer is one thread). */
static int alloc_failed;

static void *note_malloc(size_t n)
{
    void *p = malloc(n);
    if (!p)
        alloc_failed = 1;
    return p;
}

static void plain_free(void *p)
{
    free(p);
}

/* Whether the text ends inside a string, object or array (a cut file). */
static int unclosed(const char *b, size_t len)
{
    long depth = 0;
    int in_str = 0;
    for (size_t i = 0; i < len; i++) {
        char c = b[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return in_str || depth > 0;
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A key that appears twice among the members of object o: NULL when none;
 * *oom set when the sort array could not be allocated. */
static const char *twice(const cJSON *o, int *oom)
{
    size_t n = 0;
    const cJSON *c;
    for (c = o->child; c; c = c->next)
        n++;
    if (n <= 8) { /* the usual object: pairs */
        for (c = o->child; c; c = c->next)
            for (const cJSON *d = c->next; d; d = d->next)
                if (c->string && d->string && !strcmp(c->string, d->string))
                    return c->string;
        return NULL;
    }
    const char **k = malloc(n * sizeof *k);
    if (!k) {
        *oom = 1;
        return NULL;
    }
    size_t m = 0;
    for (c = o->child; c; c = c->next)
        if (c->string)
            k[m++] = c->string;
    qsort(k, m, sizeof *k, cmp_key);
    const char *dup = NULL;
    for (size_t i = 1; i < m && !dup; i++)
        if (!strcmp(k[i - 1], k[i]))
            dup = k[i];
    free(k);
    return dup;
}

/* Appends ".key" or "[i]" to the location in where (cut when it is full). */
static size_t at(char *where, size_t wlen, size_t pos, const cJSON *c, size_t i)
{
    int n = c->string ? snprintf(where + pos, wlen - pos, "%s%.40s", pos ? "." : "", c->string)
                      : snprintf(where + pos, wlen - pos, "[%zu]", i);
    return n < 0 || (size_t)n >= wlen - pos ? wlen - 1 : pos + (size_t)n;
}

/* Checks every object under it for a key given twice; 0, or -1 with the
 * message in err.  Depth is bounded by cJSON's nesting limit. */
static int dup_keys(const cJSON *it, char *where, size_t wlen, size_t pos, char *err, size_t errlen)
{
    if (!cJSON_IsObject(it) && !cJSON_IsArray(it))
        return 0;
    if (cJSON_IsObject(it)) {
        int oom = 0;
        const char *k = twice(it, &oom);
        if (oom || k) {
            where[pos] = '\0';
            if (oom)
                snprintf(err, errlen, "out of memory");
            else
                snprintf(err, errlen, "key \"%.60s\" appears twice in %s", k, pos ? where : "the top-level object");
            return -1;
        }
    }
    size_t i = 0;
    for (const cJSON *c = it->child; c; c = c->next, i++) {
        if (!c->child)
            continue;
        size_t p = at(where, wlen, pos, c, i);
        if (dup_keys(c, where, wlen, p, err, errlen) < 0)
            return -1;
        where[pos] = '\0';
    }
    return 0;
}

/* How many bytes from p to end are not JSON whitespace (counted from the
 * first that is not). */
static size_t trailing(const char *p, const char *end)
{
    const char *q = p;
    while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
        q++;
    return (size_t)(end - q);
}

cJSON *ccx_json_parse_strict(const char *buf, size_t len, char *err, size_t errlen)
{
    cJSON_Hooks hooks = {note_malloc, plain_free};
    cJSON_InitHooks(&hooks);
    alloc_failed = 0;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
    if (!root) {
        const char *at_ = cJSON_GetErrorPtr();
        size_t off = at_ && at_ >= buf && at_ <= buf + len ? (size_t)(at_ - buf) : len;
        if (alloc_failed)
            snprintf(err, errlen, "out of memory while parsing %zu bytes of JSON", len);
        else if (off >= len || unclosed(buf, len))
            snprintf(err, errlen, "truncated JSON (ends after %zu bytes inside an unclosed value)", len);
        else
            snprintf(err, errlen, "invalid JSON at byte %zu", off);
        return NULL;
    }
    size_t left = end && end >= buf && end <= buf + len ? trailing(end, buf + len) : 0;
    if (left) {
        snprintf(err, errlen, "%zu bytes of trailing data after the JSON document (from byte %zu)%s",
                 left, len - left, buf[len - left] == '{' ? ": a second document" : "");
        cJSON_Delete(root);
        return NULL;
    }
    char where[160];
    where[0] = '\0';
    if (dup_keys(root, where, sizeof where, 0, err, errlen) < 0) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}
