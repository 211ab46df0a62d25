/* strpool.h - a growable pool of NUL-terminated strings named by offset.
 *
 * The snapshot reader (snapshot.c) and the site table (table.c) each keep
 * every string they hold in one pool and store 32-bit offsets into it
 * instead of pointers: small, and valid across the pool's reallocations.
 * A zeroed struct is an empty pool; append with ccx_strpool_add, read with
 * ccx_strpool_str, release with ccx_strpool_free.
 */
#ifndef CCX_STRPOOL_H
#define CCX_STRPOOL_H

#include <stddef.h>
#include <stdint.h>

/* Why an append failed (the error ccx_strpool_add sets). */
enum ccx_strpool_err {
    CCX_STRPOOL_OK = 0,
    CCX_STRPOOL_NOMEM = 1, /* realloc failed */
    CCX_STRPOOL_FULL = 2,  /* the pool would pass its limit */
};

struct ccx_strpool {
    char *buf;
    size_t len, cap;
    /* Most bytes the pool may hold; 0 means UINT32_MAX, the most a 32-bit
     * offset can name (the unit test sets a small one). */
    size_t limit;
};

/* Appends S with its NUL (the empty string too) and returns its offset.
 * On failure returns 0, sets *err to the reason and leaves the pool as it
 * was; *err is never cleared, so one check after many appends suffices. */
uint32_t ccx_strpool_add(struct ccx_strpool *p, const char *s, enum ccx_strpool_err *err);

static inline const char *ccx_strpool_str(const struct ccx_strpool *p, uint32_t off)
{
    return p->buf + off;
}

/* Frees the bytes and leaves an empty pool. */
void ccx_strpool_free(struct ccx_strpool *p);

#endif
