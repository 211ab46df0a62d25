/* test_holders_graph.c - the reference-path search (preload/python/holders_graph.c):
 * roots found the gc's way (refcount minus references from tracked
 * objects), the Broker pattern's path with its labels, a cycle reported as
 * garbage, an object held only from outside (a C reference) as its own
 * root, the shortest of two paths, edges to untracked objects ignored,
 * and on random graphs every path checked against a brute-force search
 * (lengths, existing edges, garbage = unreachable); all memory returned. */
#include "check.h"
#include "holders_graph.h"
#include "ccx_mem.h"

#include <stdlib.h>

/* Object "addresses" as a real heap would have them (16-byte aligned). */
#define A(k) ((uintptr_t)0x7f0000100000ull + (uintptr_t)(k) * 48)

enum { MOD, LIST, EXC, TB, FRAME, BROKER, BDICT, EXCLIST, NOBJ };

static void broker_pattern(void)
{
    /* module -[._errors]-> list -[0]-> ValueError -[__traceback__]-> traceback
     * -[tb_frame]-> frame -[broker]-> Broker -[__dict__]-> dict -> list of
     * exceptions -> ValueError (the cycle).  The module is held by
     * sys.modules (outside the tracked heap here: refcount 1, no tracked
     * referrer). */
    struct hg_graph g;
    CHECK_EQ_INT(hg_init(&g, NOBJ), 0);
    int64_t rc[NOBJ] = {1, 1, 2, 1, 1, 1, 1, 1};
    for (int i = 0; i < NOBJ; i++)
        CHECK_EQ_INT(hg_add_object(&g, A(i), rc[i]), i);
    CHECK_EQ_INT(hg_add_object(&g, A(3), 1), HG_NONE);  /* duplicate */
    CHECK_EQ_INT(hg_add_object(&g, A(99), 1), HG_NONE); /* full */
    CHECK_EQ_INT(hg_find(&g, A(5)), 5);
    CHECK_EQ_INT(hg_find(&g, A(77)), HG_NONE);
    hg_begin_edges(&g, MOD);
    CHECK_EQ_INT(hg_add_edge(&g, A(LIST), 101), 0);
    CHECK_EQ_INT(hg_add_edge(&g, A(1234), 5), 0); /* an untracked object: dropped */
    hg_begin_edges(&g, LIST);
    hg_add_edge(&g, A(EXC), 102);
    hg_begin_edges(&g, EXC);
    hg_add_edge(&g, A(TB), 103);
    hg_begin_edges(&g, TB);
    hg_add_edge(&g, A(FRAME), 104);
    hg_begin_edges(&g, FRAME);
    hg_add_edge(&g, A(BROKER), 105);
    hg_begin_edges(&g, BROKER);
    hg_add_edge(&g, A(BDICT), 106);
    hg_begin_edges(&g, BDICT);
    hg_add_edge(&g, A(EXCLIST), 107);
    hg_begin_edges(&g, EXCLIST);
    hg_add_edge(&g, A(EXC), 108);
    CHECK_EQ_INT(hg_search(&g), 0);
    CHECK_EQ_U64(g.nedges, 8);
    CHECK_EQ_INT(g.nroots, 1);
    CHECK(hg_is_root(&g, MOD));
    for (int i = 1; i < NOBJ; i++)
        CHECK_EQ_INT(hg_gc_refs(&g, (uint32_t)i), 0);
    const uint32_t *nodes, *labels;
    uint32_t len = hg_path(&g, BROKER, &nodes, &labels);
    CHECK_EQ_INT(len, 6);
    uint32_t want[6] = {MOD, LIST, EXC, TB, FRAME, BROKER};
    uint32_t wlab[6] = {HG_NONE, 101, 102, 103, 104, 105};
    for (uint32_t k = 0; k < 6 && k < len; k++) {
        CHECK_EQ_INT(nodes[k], want[k]);
        CHECK_EQ_INT(labels[k], wlab[k]);
    }
    len = hg_path(&g, MOD, &nodes, &labels);
    CHECK_EQ_INT(len, 1);
    CHECK_EQ_INT(nodes[0], MOD);
    hg_free(&g);

    /* The same without the module's list: only the cycle is left, which is
     * garbage (the module no longer refers to the list; nothing else does). */
    CHECK_EQ_INT(hg_init(&g, NOBJ), 0);
    int64_t rc2[NOBJ] = {1, 0, 1, 1, 1, 1, 1, 1};
    for (int i = 0; i < NOBJ; i++)
        hg_add_object(&g, A(i), rc2[i]);
    hg_begin_edges(&g, EXC);
    hg_add_edge(&g, A(TB), 0);
    hg_begin_edges(&g, TB);
    hg_add_edge(&g, A(FRAME), 0);
    hg_begin_edges(&g, FRAME);
    hg_add_edge(&g, A(BROKER), 0);
    hg_begin_edges(&g, BROKER);
    hg_add_edge(&g, A(BDICT), 0);
    hg_begin_edges(&g, BDICT);
    hg_add_edge(&g, A(EXCLIST), 0);
    hg_begin_edges(&g, EXCLIST);
    hg_add_edge(&g, A(EXC), 0);
    CHECK_EQ_INT(hg_search(&g), 0);
    CHECK_EQ_INT(hg_path(&g, BROKER, &nodes, &labels), 0);
    CHECK_EQ_INT(hg_path(&g, EXC, &nodes, &labels), 0);
    CHECK_EQ_INT(g.nroots, 1); /* the module */
    CHECK_EQ_INT(g.nreached, 1);
    hg_free(&g);
}

static void external_and_shortest(void)
{
    /* 0: held by C code only (refcount 1, no tracked referrer) -> a root.
     * 1 <- 0 and 1 <- 2: refcount 3 = 2 tracked + 1 external -> also a root;
     * 2 <- 1 only: not a root, but reached.
     * 3: reachable from root 4 in one step and from root 0 in three
     * (0 -> 5 -> 6 -> 3): the path is the short one. */
    struct hg_graph g;
    CHECK_EQ_INT(hg_init(&g, 7), 0);
    int64_t rc[7] = {1, 3, 1, 2, 1, 1, 1};
    for (int i = 0; i < 7; i++)
        hg_add_object(&g, A(i), rc[i]);
    hg_begin_edges(&g, 0);
    hg_add_edge(&g, A(1), 1);
    hg_add_edge(&g, A(5), 2);
    hg_begin_edges(&g, 1);
    hg_add_edge(&g, A(2), 3);
    hg_begin_edges(&g, 2);
    hg_add_edge(&g, A(1), 1);
    hg_begin_edges(&g, 4);
    hg_add_edge(&g, A(3), 9);
    hg_begin_edges(&g, 5);
    hg_add_edge(&g, A(6), 1);
    hg_begin_edges(&g, 6);
    hg_add_edge(&g, A(3), 1);
    CHECK_EQ_INT(hg_search(&g), 0);
    CHECK(hg_is_root(&g, 0));
    CHECK(hg_is_root(&g, 1));
    CHECK_EQ_INT(hg_gc_refs(&g, 1), 1);
    CHECK(!hg_is_root(&g, 2));
    CHECK_EQ_INT(g.nreached, 7);
    const uint32_t *nodes, *labels;
    CHECK_EQ_INT(hg_path(&g, 1, &nodes, &labels), 1);
    CHECK_EQ_INT(hg_path(&g, 3, &nodes, &labels), 2);
    CHECK_EQ_INT(nodes[0], 4);
    CHECK_EQ_INT(labels[1], 9);
    hg_free(&g);
}

/* Random graphs against a brute-force reference. */
static void random_graphs(void)
{
    srand(12345);
    for (int round = 0; round < 20; round++) {
        uint32_t n = 50 + (uint32_t)(rand() % 2000);
        uint32_t m = n * (uint32_t)(1 + rand() % 3);
        uint32_t *from = calloc(m, sizeof *from), *to = calloc(m, sizeof *to);
        int64_t *rc = calloc(n, sizeof *rc);
        int *dist = malloc(n * sizeof *dist);
        for (uint32_t e = 0; e < m; e++) {
            from[e] = (uint32_t)rand() % n;
            to[e] = (uint32_t)rand() % n;
        }
        /* sort edges by source (the glue adds them object by object) */
        for (uint32_t e = 1; e < m; e++)
            for (uint32_t k = e; k > 0 && from[k - 1] > from[k]; k--) {
                uint32_t t = from[k]; from[k] = from[k - 1]; from[k - 1] = t;
                t = to[k]; to[k] = to[k - 1]; to[k - 1] = t;
            }
        for (uint32_t e = 0; e < m; e++)
            rc[to[e]]++;
        /* a few external references make roots */
        for (uint32_t r = 0; r < 1 + n / 200; r++)
            rc[(uint32_t)rand() % n]++;
        /* the scrambled address order is not the index order */
        struct hg_graph g;
        CHECK_EQ_INT(hg_init(&g, n), 0);
        for (uint32_t i = 0; i < n; i++)
            CHECK_EQ_INT(hg_add_object(&g, A((i * 7919u) % 100003u), rc[i]), i);
        for (uint32_t e = 0; e < m; e++) {
            if (e == 0 || from[e] != from[e - 1])
                hg_begin_edges(&g, from[e]);
            hg_add_edge(&g, A((to[e] * 7919u) % 100003u), e);
        }
        CHECK_EQ_INT(hg_search(&g), 0);
        /* reference: gc_refs and distances by repeated relaxation */
        int64_t *gcr = calloc(n, sizeof *gcr);
        for (uint32_t i = 0; i < n; i++)
            gcr[i] = rc[i];
        for (uint32_t e = 0; e < m; e++)
            gcr[to[e]]--;
        for (uint32_t i = 0; i < n; i++) {
            dist[i] = gcr[i] > 0 ? 0 : -1;
            CHECK_EQ_INT(hg_gc_refs(&g, i), gcr[i]);
        }
        for (int changed = 1; changed;) {
            changed = 0;
            for (uint32_t e = 0; e < m; e++)
                if (dist[from[e]] >= 0 && (dist[to[e]] < 0 || dist[to[e]] > dist[from[e]] + 1)) {
                    dist[to[e]] = dist[from[e]] + 1;
                    changed = 1;
                }
        }
        int bad = 0;
        for (uint32_t i = 0; i < n; i++) {
            const uint32_t *nodes, *labels;
            uint32_t len = hg_path(&g, i, &nodes, &labels);
            if (dist[i] < 0) {
                bad += len != 0;
                continue;
            }
            if (len != (uint32_t)dist[i] + 1 || nodes[len - 1] != i || gcr[nodes[0]] <= 0) {
                bad++;
                continue;
            }
            for (uint32_t k = 1; k < len; k++) {
                uint32_t e = labels[k]; /* the label is the edge number */
                if (e >= m || from[e] != nodes[k - 1] || to[e] != nodes[k])
                    bad++;
            }
        }
        CHECK_MSG(bad == 0, "round %d: %d objects with a wrong path", round, bad);
        hg_free(&g);
        free(gcr);
        free(from);
        free(to);
        free(rc);
        free(dist);
    }
}

/* Growth of the edge array, and every byte handed back. */
static void memory(void)
{
    uint64_t before = ccx_mem_self_bytes();
    struct hg_graph g;
    uint32_t n = 200000;
    CHECK_EQ_INT(hg_init(&g, n), 0);
    for (uint32_t i = 0; i < n; i++)
        hg_add_object(&g, A(i), 1);
    for (uint32_t i = 0; i < n; i++) {
        hg_begin_edges(&g, i);
        for (uint32_t k = 1; k <= 5; k++) /* 5 edges each: the array grows twice */
            hg_add_edge(&g, A((i + k) % n), k);
    }
    CHECK_EQ_INT(hg_search(&g), 0);
    CHECK_EQ_U64(g.nedges, (uint64_t)n * 5);
    CHECK_EQ_INT(g.nroots, 0); /* refcount 1, five referrers each */
    CHECK(ccx_mem_self_bytes() > before);
    hg_free(&g);
    CHECK_EQ_U64(ccx_mem_self_bytes(), before);
    /* an empty graph */
    CHECK_EQ_INT(hg_init(&g, 0), 0);
    CHECK_EQ_INT(hg_search(&g), 0);
    const uint32_t *nodes, *labels;
    CHECK_EQ_INT(hg_path(&g, 0, &nodes, &labels), 0);
    hg_free(&g);
}

int main(void)
{
    broker_pattern();
    external_and_shortest();
    random_graphs();
    memory();
    return check_done();
}
