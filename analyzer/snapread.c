/* snapread.c - the snapshot reader's shared state and checks (see
 * snapread.h). */
#include "snapread.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textsafe.h"

int ccx_rd_fail(struct ccx_rd *r, const char *fmt, ...)
{
    if (!r->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err, r->errlen, fmt, ap);
        va_end(ap);
        /* one line: input quoted into the message may hold control characters */
        for (char *p = r->err; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                *p = '?';
        r->failed = 1;
    }
    return -1;
}

int ccx_rd_json_failed(struct ccx_rd *r)
{
    return ccx_rd_fail(r, "%s", r->j->failed ? r->j->err : "invalid JSON");
}

void *ccx_rd_calloc(struct ccx_rd *r, size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        ccx_rd_fail(r, "out of memory");
    return p;
}

int ccx_rd_grow(struct ccx_rd *r, void *p, size_t *cap, size_t n, size_t size, const char *what)
{
    if (n < *cap)
        return 0;
    if (n >= CCX_MAX_ITEMS)
        return ccx_rd_fail(r, "\"%s\" has too many entries", what);
    size_t nc = *cap ? *cap * 2 : 256;
    if (nc > CCX_MAX_ITEMS)
        nc = CCX_MAX_ITEMS;
    void *np = realloc(*(void **)p, nc * size);
    if (!np)
        return ccx_rd_fail(r, "out of memory");
    *(void **)p = np;
    *cap = nc;
    return 0;
}

uint32_t ccx_rd_pool_add(struct ccx_rd *r, const char *str)
{
    if (!str || !*str)
        return 0;
    char *fresh;
    const char *safe = ccx_safe_str(str, &fresh);
    if (!safe) {
        ccx_rd_fail(r, "out of memory");
        return 0;
    }
    enum ccx_strpool_err err = CCX_STRPOOL_OK;
    uint32_t off = ccx_strpool_add(&r->s->strs, safe, &err);
    free(fresh);
    if (err)
        ccx_rd_fail(r, err == CCX_STRPOOL_FULL ? "strings too large" : "out of memory");
    return off;
}

int ccx_rd_check_num(struct ccx_rd *r, double v, const char *k, const char *where)
{
    const char *sp = *where ? " " : "";
    if (!isfinite(v)) /* 1e400 reads as inf */
        return ccx_rd_fail(r, "%s%s\"%s\" is out of range (beyond a double's 1.8e308)", where, sp, k);
    if (v < 0)
        return ccx_rd_fail(r, "%s%s\"%s\" is negative (%g)", where, sp, k, v);
    if (v > CCX_MAX_NUMBER)
        return ccx_rd_fail(r, "%s%s\"%s\" is absurdly large (%g)", where, sp, k, v);
    return 0;
}

int ccx_rd_num(struct ccx_rd *r, const cJSON *o, const char *k, const char *where, double *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!it || cJSON_IsNull(it))
        return 0;
    if (!cJSON_IsNumber(it))
        return ccx_rd_fail(r, "%s%s\"%s\" is not a number", where, *where ? " " : "", k);
    if (ccx_rd_check_num(r, it->valuedouble, k, where) < 0)
        return -1;
    *out = it->valuedouble;
    return 1;
}

int ccx_rd_str(struct ccx_rd *r, const cJSON *o, const char *k, const char *where, uint32_t *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!it || cJSON_IsNull(it))
        return 0;
    if (!cJSON_IsString(it))
        return ccx_rd_fail(r, "%s%s\"%s\" is not a string", where, *where ? " " : "", k);
    *out = ccx_rd_pool_add(r, it->valuestring);
    return r->failed ? -1 : 1;
}

const cJSON *ccx_rd_obj(struct ccx_rd *r, const cJSON *o, const char *k)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!it || cJSON_IsNull(it))
        return NULL;
    if (!cJSON_IsObject(it)) {
        ccx_rd_fail(r, "\"%s\" is not an object", k);
        return NULL;
    }
    return it;
}
