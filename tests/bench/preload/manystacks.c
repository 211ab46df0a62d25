/* manystacks.c - 2^17 distinct allocation stacks (every path through 17
 * levels of two functions), for the snapshot-writing benchmark. */
#include <stdlib.h>

void *kept[1 << 17];
static int n;

__attribute__((noinline)) void walk_a(int depth, unsigned path);
__attribute__((noinline)) void walk_b(int depth, unsigned path);

__attribute__((noinline)) void walk_a(int depth, unsigned path)
{
    if (depth == 0) {
        kept[n++] = malloc(32);
        return;
    }
    if (path & 1)
        walk_b(depth - 1, path >> 1);
    else
        walk_a(depth - 1, path >> 1);
    __asm__ volatile("" ::: "memory"); /* not a tail call: keep the frame */
}

__attribute__((noinline)) void walk_b(int depth, unsigned path)
{
    if (depth == 0) {
        kept[n++] = malloc(48);
        return;
    }
    if (path & 1)
        walk_b(depth - 1, path >> 1);
    else
        walk_a(depth - 1, path >> 1);
    __asm__ volatile("" ::: "memory");
}

int main(void)
{
    for (unsigned p = 0; p < (1u << 17); p++)
        walk_a(17, p);
    return kept[12345] == NULL;
}
