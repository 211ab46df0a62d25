/* test_addrmap.c - the live-block table of preload/core/ccx_addrmap.c: the
 * filter never misses a recorded block, any pointer value works, removal
 * returns what was recorded exactly once, saturated filter slots stay
 * correct, and 4 threads inserting and removing their own blocks leave the
 * table empty. */
#include "check.h"
#include "ccx_addrmap.h"

#include <pthread.h>
#include <stdlib.h>

static void *worker(void *arg)
{
    uintptr_t base = (uintptr_t)arg;
    int bad = 0;
    for (int round = 0; round < 20; round++) {
        for (uintptr_t i = 0; i < 5000; i++) {
            struct ccx_block_info in = {i, i * 2, 1024, (void *)base};
            if (ccx_addrmap_insert((void *)(base + i * 48), &in) != 0)
                bad++;
        }
        for (uintptr_t i = 0; i < 5000; i++) {
            struct ccx_block_info out;
            if (!ccx_addrmap_maybe((void *)(base + i * 48)) || !ccx_addrmap_remove((void *)(base + i * 48), &out) ||
                out.size != i || out.site != (void *)base)
                bad++;
        }
    }
    ccx_addrmap_thread_exit();
    return (void *)(uintptr_t)bad;
}

int main(void)
{
    CHECK_EQ_INT(ccx_addrmap_init(12, 0), 0);
    /* arbitrary pointers, including odd ones and ones sharing a filter slot */
    void *ptrs[] = {(void *)0x1000, (void *)0x1001, (void *)0x7fffdeadbeef,
                    (void *)(0x1000 + ((uintptr_t)1 << (CCX_FILTER_BITS + CCX_FILTER_SHIFT))), (void *)0x10};
    for (int i = 0; i < 5; i++) {
        struct ccx_block_info in = {(uint64_t)i + 1, 10, CCX_FILTER_BITS, ptrs[i]};
        CHECK_EQ_INT(ccx_addrmap_insert(ptrs[i], &in), 0);
    }
    CHECK_EQ_U64(ccx_addrmap_count(), 5);
    for (int i = 0; i < 5; i++)
        CHECK(ccx_addrmap_maybe(ptrs[i]));
    CHECK(!ccx_addrmap_maybe((void *)0x2000));
    struct ccx_block_info out;
    CHECK_EQ_INT(ccx_addrmap_remove((void *)0x2000, &out), 0);
    for (int i = 4; i >= 0; i--) {
        CHECK_EQ_INT(ccx_addrmap_remove(ptrs[i], &out), 1);
        CHECK_EQ_U64(out.size, (uint64_t)i + 1);
        CHECK(out.site == ptrs[i]);
        CHECK_EQ_INT(ccx_addrmap_remove(ptrs[i], &out), 0);
    }
    CHECK_EQ_U64(ccx_addrmap_count(), 0);
    CHECK(!ccx_addrmap_maybe((void *)0x1000)); /* counts went back to zero */

    /* 300 blocks in one filter slot: the counter saturates and stays set */
    for (uintptr_t i = 0; i < 300; i++) {
        struct ccx_block_info in = {i, 0, 0, NULL};
        ccx_addrmap_insert((void *)(0x5000 + (i << (CCX_FILTER_BITS + CCX_FILTER_SHIFT))), &in);
    }
    for (uintptr_t i = 0; i < 300; i++) {
        CHECK(ccx_addrmap_maybe((void *)(0x5000 + (i << (CCX_FILTER_BITS + CCX_FILTER_SHIFT)))));
        CHECK_EQ_INT(ccx_addrmap_remove((void *)(0x5000 + (i << (CCX_FILTER_BITS + CCX_FILTER_SHIFT))), &out), 1);
        CHECK_EQ_U64(out.size, i);
    }

    pthread_t th[4];
    for (uintptr_t t = 0; t < 4; t++)
        pthread_create(&th[t], NULL, worker, (void *)(0x100000000ull * (t + 1)));
    for (int t = 0; t < 4; t++) {
        void *r;
        pthread_join(th[t], &r);
        CHECK_EQ_INT((uintptr_t)r, 0);
    }
    CHECK_EQ_U64(ccx_addrmap_count(), 0);
    ccx_addrmap_reset();
    CHECK(!ccx_addrmap_maybe((void *)0x1000));

    /* Pinned ranges (the libc hooks pin NULL and their bootstrap buffer)
     * answer "maybe" on both tests, whatever is inserted and removed there,
     * and again after a reset (a fork child); nothing next to them does. */
    static char buf[3000];
    ccx_addrmap_pin(NULL, 1);
    ccx_addrmap_pin(buf, sizeof buf);
    for (int r = 0; r < 2; r++) {
        CHECK(ccx_addrmap_maybe(NULL));
        for (size_t i = 0; i < sizeof buf; i += 97)
            CHECK(ccx_addrmap_maybe(buf + i));
        CHECK(ccx_addrmap_maybe(buf + sizeof buf - 1));
        CHECK(!ccx_addrmap_maybe((void *)0x3000));
        CHECK(!ccx_addrmap_maybe((char *)buf + sizeof buf + (4 << CCX_FILTER_SHIFT)));
        struct ccx_block_info in = {8, 8, 1, NULL};
        CHECK_EQ_INT(ccx_addrmap_insert(buf + 16, &in), 0);
        CHECK_EQ_INT(ccx_addrmap_remove(buf + 16, &out), 1);
        CHECK(ccx_addrmap_maybe(buf + 16)); /* still pinned */
        CHECK_EQ_INT(ccx_addrmap_remove(buf, &out), 0); /* pinned, not recorded */
        ccx_addrmap_reset();
    }
    return check_done();
}
