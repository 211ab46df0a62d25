/* ccx_sample.h - Poisson sampling by bytes: the math, in one place.
 *
 * Sample points form a Poisson process of rate 1/T over the stream of
 * allocated bytes (T = CCXTRACE_SAMPLE).  Each thread keeps a countdown of
 * bytes to the next point; an allocation of s bytes that reaches it is
 * sampled.  The probability that an allocation of s bytes contains at least
 * one point is p(s) = 1 - exp(-s/T), so it is recorded with the weight
 * s / p(s) bytes and 1 / p(s) blocks: E[weight * [sampled]] = s exactly,
 * whatever the mix of sizes (unbiased).  The variance of a site's estimate
 * is sum s^2 (1-p)/p over its blocks, about T * S for blocks much smaller
 * than T: relative standard error sqrt(T/S).
 *
 * After a crossing the next interval is drawn from the crossing point (the
 * countdown keeps its overshoot: c' = c - s + Exp(T), repeated while <= 0),
 * not from the end of the allocation: restarting at the end would make the
 * gaps between points too long by part of an allocation and bias the sample
 * counts low (about -3% measured on a prototype).
 */
#ifndef CCX_SAMPLE_H
#define CCX_SAMPLE_H

#include <stdint.h>

/* Fixed-point scale of block weights (1/p), so per-site counters stay integers. */
#define CCX_BLOCK_ONE 1024u

struct ccx_weight {
    uint64_t bytes;     /* s / p(s), rounded */
    uint64_t blocks_fp; /* CCX_BLOCK_ONE / p(s), rounded */
};

/* xoshiro-style generator state, one per thread. */
uint64_t ccx_rng_next(uint64_t *state);
uint64_t ccx_rng_seed(uint64_t a, uint64_t b);

/* An exponential draw with mean T bytes, at least 1. */
uint64_t ccx_sample_draw(uint64_t *rng, uint64_t mean);

/* Advances a countdown that an allocation took to <= 0 (c is its value
 * after subtracting the size) to the next sample point: c + Exp(T), repeated
 * while not positive.  Returns the new countdown. */
int64_t ccx_sample_advance(int64_t c, uint64_t *rng, uint64_t mean);

/* Weight of a sampled allocation of `size` bytes at mean interval T;
 * mean == 0 means every allocation is recorded (weight = size, 1 block). */
struct ccx_weight ccx_sample_weight(uint64_t size, uint64_t mean);

#endif
