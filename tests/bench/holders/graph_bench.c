/* graph_bench.c - the pure search (preload/python/holders_graph.c) on a synthetic
 * heap shaped like heap.py's: N objects at scattered 16-byte-aligned
 * addresses, a root list holding them all and two references each (one
 * to a shared object, one to a neighbour), so 3N edges.  Prints the median
 * of 5 runs of build + search, per million objects (built and run by
 * bench_holders.sh). */
#include "holders_graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    uint32_t n = argc > 1 ? (uint32_t)atol(argv[1]) : 1000000;
    uintptr_t *addr = malloc(n * sizeof *addr);
    uint64_t x = 88172645463325252ull;
    for (uint32_t i = 0; i < n; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        addr[i] = 0x7f0000000000ull + (uintptr_t)i * 64 + (uintptr_t)(x % 4) * 16;
    }
    /* scatter: a random permutation of the visiting order */
    for (uint32_t i = n - 1; i > 0; i--) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        uint32_t j = (uint32_t)(x % (i + 1));
        uintptr_t t = addr[i]; addr[i] = addr[j]; addr[j] = t;
    }
    double t[5];
    uint32_t reached = 0;
    for (int r = 0; r < 5; r++) {
        double t0 = now();
        struct hg_graph g;
        if (hg_init(&g, n) != 0)
            return 1;
        hg_add_object(&g, addr[0], 1);          /* the root list */
        hg_add_object(&g, addr[1], n);          /* the shared object */
        for (uint32_t i = 2; i < n; i++) {
            if (i + 16 < n)
                hg_prefetch(&g, addr[i + 16]);
            hg_add_object(&g, addr[i], 2);
        }
        hg_begin_edges(&g, 0);
        for (uint32_t i = 2; i < n; i++)
            hg_add_edge(&g, addr[i], i - 2);
        for (uint32_t i = 2; i < n; i++) {
            hg_begin_edges(&g, i);
            hg_add_edge(&g, addr[1], 0);
            hg_add_edge(&g, addr[2 + (i - 1) % (n - 2)], 1);
        }
        hg_search(&g);
        reached = g.nreached;
        hg_free(&g);
        t[r] = now() - t0;
    }
    qsort(t, 5, sizeof t[0], cmp);
    printf("graph only: %u objects, %u reached: build + search %.1f ms (median of 5; min %.1f)\n",
           n, reached, t[2] * 1e3, t[0] * 1e3);
    free(addr);
    return 0;
}
