/* leak.c - ground truth for the sampling test: leak_here keeps 64 MiB in
 * 1 KiB blocks, churn_here allocates and frees 2 GiB in blocks of 1-8 KiB,
 * interleaved; prints the exact numbers it made. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEAK_BLOCKS 65536
void *leaked[LEAK_BLOCKS]; /* global: the compiler must keep the blocks */
static void *ring[64];
static unsigned long long churn_bytes, churn_calls;

__attribute__((noinline)) void leak_here(int i)
{
    leaked[i] = malloc(1024);
    memset(leaked[i], 1, 16);
}

__attribute__((noinline)) void churn_here(unsigned long long budget, unsigned *seed)
{
    while (budget > 0) {
        *seed = *seed * 1103515245u + 12345u;
        size_t n = 1024 + (*seed >> 8) % 7169; /* 1 KiB .. 8 KiB */
        if (n > budget)
            n = budget;
        int slot = (int)(churn_calls % 64);
        free(ring[slot]);
        ring[slot] = malloc(n);
        ((char *)ring[slot])[0] = 1;
        churn_bytes += n;
        churn_calls++;
        budget -= n;
    }
}

int main(void)
{
    unsigned seed = 12345;
    unsigned long long total = 2ull << 30, per = total / LEAK_BLOCKS;
    for (int i = 0; i < LEAK_BLOCKS; i++) {
        leak_here(i);
        churn_here(i == LEAK_BLOCKS - 1 ? total - churn_bytes : per, &seed);
    }
    for (int i = 0; i < 64; i++) {
        free(ring[i]);
        ring[i] = NULL;
    }
    unsigned long sum = 0;
    for (int i = 0; i < LEAK_BLOCKS; i++)
        sum += ((unsigned char *)leaked[i])[0];
    printf("check=%lu ", sum);
    printf("leak_bytes=%d leak_blocks=%d churn_bytes=%llu churn_calls=%llu\n", LEAK_BLOCKS * 1024, LEAK_BLOCKS,
           churn_bytes, churn_calls);
    return 0;
}
