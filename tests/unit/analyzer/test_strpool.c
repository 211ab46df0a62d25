/* test_strpool.c - the analyzer's string pool (analyzer/strpool.c): offsets,
 * contents, the empty string, growth over many appends, and the refusal to
 * pass the pool's limit (a small artificial one, so nothing huge is
 * allocated). */
#include "check.h"
#include "strpool.h"

#include <stdio.h>
#include <stdlib.h>

/* Offsets and contents of a few appends, the empty string included. */
static void test_basic(void)
{
    struct ccx_strpool p = {0};
    enum ccx_strpool_err err = CCX_STRPOOL_OK;
    uint32_t e0 = ccx_strpool_add(&p, "", &err);
    uint32_t a = ccx_strpool_add(&p, "alpha", &err);
    uint32_t e1 = ccx_strpool_add(&p, "", &err);
    uint32_t b = ccx_strpool_add(&p, "b", &err);
    CHECK_EQ_INT(err, CCX_STRPOOL_OK);
    CHECK_EQ_U64(e0, 0);
    CHECK_EQ_U64(a, 1);            /* after "" and its NUL */
    CHECK_EQ_U64(e1, 1 + 6);       /* after "alpha\0" */
    CHECK_EQ_U64(b, 1 + 6 + 1);
    CHECK_EQ_U64(p.len, 1 + 6 + 1 + 2);
    CHECK(p.cap >= p.len);
    CHECK_STR(ccx_strpool_str(&p, e0), "");
    CHECK_STR(ccx_strpool_str(&p, a), "alpha");
    CHECK_STR(ccx_strpool_str(&p, e1), "");
    CHECK_STR(ccx_strpool_str(&p, b), "b");
    /* an offset into the middle of a string names its tail */
    CHECK_STR(ccx_strpool_str(&p, a + 2), "pha");
    ccx_strpool_free(&p);
    CHECK(p.buf == NULL);
    CHECK_EQ_U64(p.len, 0);
    CHECK_EQ_U64(p.cap, 0);
    /* a freed pool is empty and usable again */
    CHECK_EQ_U64(ccx_strpool_add(&p, "again", &err), 0);
    CHECK_STR(ccx_strpool_str(&p, 0), "again");
    CHECK_EQ_INT(err, CCX_STRPOOL_OK);
    ccx_strpool_free(&p);
}

/* Many appends: the buffer moves as it grows, the offsets stay valid. */
static void test_growth(void)
{
    enum { N = 20000 };
    struct ccx_strpool p = {0};
    enum ccx_strpool_err err = CCX_STRPOOL_OK;
    uint32_t *off = malloc(N * sizeof *off);
    CHECK(off != NULL);
    if (!off)
        return;
    size_t want_len = 0, grew = 0, cap = 0;
    char buf[64];
    for (int i = 0; i < N; i++) {
        /* lengths vary from 0 to 40 characters */
        int n = snprintf(buf, sizeof buf, "%d:%.*s", i, i % 37, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        off[i] = ccx_strpool_add(&p, buf, &err);
        if (off[i] != want_len)
            CHECK_EQ_U64(off[i], want_len);
        want_len += (size_t)n + 1;
        if (p.cap != cap) {
            grew++;
            cap = p.cap;
        }
    }
    CHECK_EQ_INT(err, CCX_STRPOOL_OK);
    CHECK_EQ_U64(p.len, want_len);
    CHECK(p.cap >= p.len);
    CHECK_MSG(grew > 3, "the pool grew %zu times for %zu bytes", grew, want_len);
    int bad = 0;
    for (int i = 0; i < N; i++) {
        snprintf(buf, sizeof buf, "%d:%.*s", i, i % 37, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        if (strcmp(ccx_strpool_str(&p, off[i]), buf) != 0 && bad++ < 5)
            CHECK_STR(ccx_strpool_str(&p, off[i]), buf);
    }
    CHECK_EQ_INT(bad, 0);
    free(off);
    ccx_strpool_free(&p);
}

/* A pool with a limit of 16 bytes: appends up to it succeed, the one that
 * would pass it fails with CCX_STRPOOL_FULL and changes nothing. */
static void test_limit(void)
{
    struct ccx_strpool p = {.limit = 16};
    enum ccx_strpool_err err = CCX_STRPOOL_OK;
    CHECK_EQ_U64(ccx_strpool_add(&p, "0123456", &err), 0); /* 8 bytes */
    CHECK_EQ_U64(ccx_strpool_add(&p, "abcdef", &err), 8);  /* 15 */
    CHECK_EQ_INT(err, CCX_STRPOOL_OK);
    CHECK(p.cap <= 16);
    CHECK_EQ_U64(ccx_strpool_add(&p, "xy", &err), 0);      /* would be 18 */
    CHECK_EQ_INT(err, CCX_STRPOOL_FULL);
    CHECK_EQ_U64(p.len, 15);
    CHECK_STR(ccx_strpool_str(&p, 0), "0123456");
    CHECK_STR(ccx_strpool_str(&p, 8), "abcdef");
    /* the error is sticky, and a string that still fits goes in:
     * the empty string takes the last byte */
    CHECK_EQ_U64(ccx_strpool_add(&p, "", &err), 15);
    CHECK_EQ_INT(err, CCX_STRPOOL_FULL);
    CHECK_EQ_U64(p.len, 16);
    err = CCX_STRPOOL_OK;
    CHECK_EQ_U64(ccx_strpool_add(&p, "", &err), 0);        /* full: not even a NUL */
    CHECK_EQ_INT(err, CCX_STRPOOL_FULL);
    CHECK_EQ_U64(p.len, 16);
    ccx_strpool_free(&p);

    /* a string longer than the whole limit fails on an empty pool */
    struct ccx_strpool q = {.limit = 4};
    err = CCX_STRPOOL_OK;
    CHECK_EQ_U64(ccx_strpool_add(&q, "four", &err), 0);
    CHECK_EQ_INT(err, CCX_STRPOOL_FULL);
    CHECK_EQ_U64(q.len, 0);
    CHECK(q.buf == NULL);
    ccx_strpool_free(&q);
}

int main(void)
{
    test_basic();
    test_growth();
    test_limit();
    return check_done();
}
