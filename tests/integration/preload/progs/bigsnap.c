/* bigsnap.c - a process whose snapshots take a while to write: 2^16
 * distinct stacks (a binary tree of calls through two call sites, 16
 * deep), each holding one block; prints "ready" and waits to be killed
 * (or for MS milliseconds).
 *   bigsnap [MS] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define DEPTH 16
void *kept[1 << DEPTH];
static int n;

__attribute__((noinline)) static void down(int depth, unsigned path);

__attribute__((noinline)) static void left(int depth, unsigned path)
{
    down(depth + 1, path << 1);
    __asm__ volatile("" ::: "memory"); /* keep the call a call, not a tail jump */
}

__attribute__((noinline)) static void right(int depth, unsigned path)
{
    down(depth + 1, path << 1 | 1);
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void down(int depth, unsigned path)
{
    if (depth == DEPTH) {
        kept[n++] = malloc(32);
        return;
    }
    left(depth, path);
    right(depth, path);
    __asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
    down(0, 0);
    printf("ready %d\n", n);
    fflush(stdout);
    long ms = argc > 1 ? atol(argv[1]) : 600000;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
    return 0;
}
