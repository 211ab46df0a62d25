/* mbench.c - the malloc/free microbenchmark of bench_preload.sh: 2 threads,
 * each replacing random blocks of a 4096-slot ring with new ones of
 * log-uniform size 16 B .. 64 KiB.   mbench OPS_PER_THREAD */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static long ops;

static void *run(void *arg)
{
    unsigned s = (unsigned)(unsigned long)arg;
    void *ring[4096] = {0};
    unsigned long touch = 0;
    for (long i = 0; i < ops; i++) {
        s = s * 1103515245u + 12345u;
        unsigned r = s >> 8;
        size_t n = (size_t)16 << (r % 13); /* 16 B .. 64 KiB, log-uniform */
        n += (r >> 4) & (n - 1);
        int k = (int)((r >> 12) & 4095);
        free(ring[k]);
        ring[k] = malloc(n);
        ((char *)ring[k])[0] = 1;
        touch += ((char *)ring[k])[0];
    }
    for (int k = 0; k < 4096; k++)
        free(ring[k]);
    return (void *)touch;
}

int main(int argc, char **argv)
{
    ops = argc > 1 ? atol(argv[1]) : 2000000;
    pthread_t t[2];
    for (unsigned long i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, run, (void *)(i + 7));
    unsigned long sum = 0;
    for (int i = 0; i < 2; i++) {
        void *r;
        pthread_join(t[i], &r);
        sum += (unsigned long)r;
    }
    printf("%lu\n", sum);
    return 0;
}
