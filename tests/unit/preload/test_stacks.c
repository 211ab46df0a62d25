/* test_stacks.c - stack interning (preload/core/ccx_stacks.c): one site per
 * distinct (layer, frames), stable ids, the overflow site once the table is
 * full, and 4 threads interning the same stacks concurrently agree. */
#include "check.h"
#include "ccx_stacks.h"

#include <pthread.h>

#define NSTACKS 3000
static struct ccx_site *seen[4][NSTACKS];

static void *worker(void *arg)
{
    int t = (int)(uintptr_t)arg;
    for (int i = 0; i < NSTACKS; i++) {
        int k = (i * 7 + t * 13) % NSTACKS;
        ccx_frame_t f[3] = {0x1000 + (ccx_frame_t)k, 0x2000, CCX_FRAME_PY | (ccx_frame_t)k};
        seen[t][k] = ccx_site_intern(CCX_LAYER_ID_LIBC, f, 3);
    }
    return NULL;
}

int main(void)
{
    CHECK_EQ_INT(ccx_sites_init(4096), 0);
    ccx_frame_t a[3] = {1, 2, 3}, b[3] = {1, 2, 4};
    struct ccx_site *sa = ccx_site_intern(CCX_LAYER_ID_LIBC, a, 3);
    CHECK(sa == ccx_site_intern(CCX_LAYER_ID_LIBC, a, 3));
    CHECK(sa != ccx_site_intern(CCX_LAYER_ID_LIBC, b, 3));
    CHECK(sa != ccx_site_intern(CCX_LAYER_ID_PYTHON, a, 3));
    CHECK(sa != ccx_site_intern(CCX_LAYER_ID_LIBC, a, 2));
    CHECK(!sa->overflow);
    CHECK_EQ_INT(sa->nframes, 3);
    CHECK(sa->frames[2] == 3);
    CHECK(ccx_site_get(sa->id) == sa);
    struct ccx_site *empty = ccx_site_intern(CCX_LAYER_ID_MMAP, NULL, 0);
    CHECK(empty == ccx_site_intern(CCX_LAYER_ID_MMAP, NULL, 0));
    CHECK_EQ_INT(ccx_sites_count(), 5);

    pthread_t th[4];
    for (uintptr_t t = 0; t < 4; t++)
        pthread_create(&th[t], NULL, worker, (void *)t);
    for (int t = 0; t < 4; t++)
        pthread_join(th[t], NULL);
    int agree = 1;
    for (int k = 0; k < NSTACKS; k++)
        for (int t = 1; t < 4; t++)
            agree &= seen[t][k] == seen[0][k] && !seen[0][k]->overflow;
    CHECK(agree);
    uint32_t live = 0;
    for (uint32_t i = 0; i < ccx_sites_count(); i++)
        live += ccx_site_get(i) != NULL;
    CHECK_EQ_INT(live, 5 + NSTACKS);

    /* fill the table: further stacks go to the overflow site of their layer */
    struct ccx_site *last = NULL;
    for (int i = 0; i < 2000; i++) {
        ccx_frame_t f[1] = {0x900000 + (ccx_frame_t)i};
        last = ccx_site_intern(CCX_LAYER_ID_PYTHON, f, 1);
    }
    CHECK(last == ccx_site_overflow(CCX_LAYER_ID_PYTHON));
    CHECK(last->overflow && last->layer == CCX_LAYER_ID_PYTHON);
    CHECK(ccx_site_intern(CCX_LAYER_ID_LIBC, a, 3) == sa); /* old ones still found */

    ccx_sites_reset();
    CHECK_EQ_INT(ccx_sites_count(), 0);
    struct ccx_site *again = ccx_site_intern(CCX_LAYER_ID_LIBC, a, 3);
    CHECK(again && again->id == 0 && again->live_bytes == 0);
    return check_done();
}
