/* ccx_seq.c - snapshot sequence numbers: 1, 2, ... per process image,
 * reserved atomically by whoever asks for a snapshot (the API reserves
 * one when asked, the writer when it starts), raised past the numbers an
 * image before exec used (ccx_snapshot.c), and back to 1 in a fork child. */
#include "ccx_output.h"

static long next_seq = 1;

long ccx_seq_reserve(void)
{
    return __atomic_fetch_add(&next_seq, 1, __ATOMIC_RELAXED);
}

void ccx_seq_reset(void)
{
    next_seq = 1;
}

void ccx_seq_raise(long min)
{
    long cur = __atomic_load_n(&next_seq, __ATOMIC_RELAXED);
    while (cur < min && !__atomic_compare_exchange_n(&next_seq, &cur, min, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}
