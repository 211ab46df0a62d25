/* ccx_sample.c - sampling math (see ccx_sample.h for the derivation). */
#include "ccx_sample.h"

#include <math.h>

uint64_t ccx_rng_seed(uint64_t a, uint64_t b)
{
    /* splitmix64 finalizer of the two inputs; never 0. */
    uint64_t z = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return z ? z : 1;
}

uint64_t ccx_rng_next(uint64_t *s)
{
    /* xorshift64* : small state, good enough for sampling gaps. */
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dull;
}

uint64_t ccx_sample_draw(uint64_t *rng, uint64_t mean)
{
    /* u uniform in (0, 1] from 53 random bits; -T ln(u) is Exp(T). */
    double u = (double)((ccx_rng_next(rng) >> 11) + 1) * (1.0 / 9007199254740992.0);
    double d = -log(u) * (double)mean;
    if (d < 1.0)
        return 1;
    if (d > 4.0e18)
        return (uint64_t)4e18;
    return (uint64_t)d;
}

int64_t ccx_sample_advance(int64_t c, uint64_t *rng, uint64_t mean)
{
    if (mean == 0)
        return 0;
    while (c <= 0)
        c += (int64_t)ccx_sample_draw(rng, mean);
    return c;
}

struct ccx_weight ccx_sample_weight(uint64_t size, uint64_t mean)
{
    struct ccx_weight w;
    if (mean == 0) {
        w.bytes = size;
        w.blocks_fp = CCX_BLOCK_ONE;
        return w;
    }
    if (size == 0) {
        /* p -> 0: cannot happen with a positive countdown; count one block. */
        w.bytes = 0;
        w.blocks_fp = CCX_BLOCK_ONE;
        return w;
    }
    double x = (double)size / (double)mean;
    /* -expm1(-x) = 1 - exp(-x) without cancellation for small x. */
    double p = -expm1(-x);
    w.bytes = (uint64_t)((double)size / p + 0.5);
    w.blocks_fp = (uint64_t)((double)CCX_BLOCK_ONE / p + 0.5);
    return w;
}
