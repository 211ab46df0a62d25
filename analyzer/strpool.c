/* strpool.c - the string pool behind snapshot and table offsets (see
 * strpool.h): appends copy the string to the end, doubling the buffer as it
 * fills, and refuse to pass the limit that keeps offsets within 32 bits. */
#include "strpool.h"

#include <stdlib.h>
#include <string.h>

#define STRPOOL_FIRST_CAP 4096

uint32_t ccx_strpool_add(struct ccx_strpool *p, const char *s, enum ccx_strpool_err *err)
{
    size_t n = strlen(s) + 1;
    size_t limit = p->limit && p->limit < UINT32_MAX ? p->limit : UINT32_MAX;
    if (n > limit - p->len) {
        *err = CCX_STRPOOL_FULL;
        return 0;
    }
    if (n > p->cap - p->len) {
        /* never more than the limit, which len + n fits in */
        size_t cap = p->cap ? p->cap : STRPOOL_FIRST_CAP < limit ? STRPOOL_FIRST_CAP : limit;
        while (cap - p->len < n)
            cap = cap > limit / 2 ? limit : cap * 2;
        char *b = realloc(p->buf, cap);
        if (!b) {
            *err = CCX_STRPOOL_NOMEM;
            return 0;
        }
        p->buf = b;
        p->cap = cap;
    }
    uint32_t off = (uint32_t)p->len;
    memcpy(p->buf + off, s, n);
    p->len += n;
    return off;
}

void ccx_strpool_free(struct ccx_strpool *p)
{
    free(p->buf);
    p->buf = NULL;
    p->len = p->cap = 0;
}
