/* test_grow.c - ccx_grow (analyzer/grow.h), the doubling behind the
 * analyzer's growable arrays: the first capacity, doubling only when full,
 * contents kept across moves, and a refused size leaving the array as it
 * was. */
#include "check.h"
#include "grow.h"

#include <stdint.h>
#include <stdlib.h>

int main(void)
{
    uint32_t *v = NULL;
    size_t n = 0, cap = 0, grew = 0, moved = 0;
    for (uint32_t i = 0; i < 10000; i++) {
        size_t before = cap;
        uint32_t *p = ccx_grow(v, n, &cap, sizeof *p, 16);
        if (!p) {
            CHECK_MSG(p != NULL, "out of memory at %u", i);
            break;
        }
        if (cap != before) {
            grew++;
            /* 16 first, then twice the old capacity, and only when full */
            CHECK_EQ_U64(cap, before ? before * 2 : 16);
            CHECK_EQ_U64(n, before);
        } else {
            moved += p != v;
        }
        v = p;
        v[n++] = i * 7u;
    }
    CHECK_EQ_U64(n, 10000);
    CHECK_EQ_U64(cap, 16384); /* 16 << 10 */
    CHECK_EQ_U64(grew, 11);
    CHECK_EQ_U64(moved, 0); /* no realloc while there is room */
    int bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += v[i] != (uint32_t)i * 7u;
    CHECK_EQ_INT(bad, 0);

    /* a capacity whose bytes would not fit in size_t: NULL, nothing changed */
    size_t huge = SIZE_MAX / 4;
    size_t hcap = huge;
    CHECK(ccx_grow(v, huge, &hcap, 4, 16) == NULL);
    CHECK_EQ_U64(hcap, huge);
    CHECK_EQ_U64(v[9999], 9999u * 7u);
    free(v);
    return check_done();
}
