/* stress.c - 4 threads mix every interposed function (malloc, calloc and its
 * overflow, realloc growing and shrinking, reallocarray, posix_memalign,
 * aligned_alloc, memalign, valloc, pvalloc, malloc_usable_size, mmap,
 * mremap, munmap) while a thread sends SIGUSR2 every 10 ms and the main
 * thread forks children that allocate and exit.  Every block carries a
 * pattern that is checked before it is freed.  At the end it prints, per
 * allocating function, how many of its blocks are still live (they stay
 * live until exit, so the exit snapshot must show the same numbers).
 *   stress OPS_PER_THREAD FORKS */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum tag { T_NONE, T_MALLOC, T_CALLOC, T_REALLOC, T_REALLOCARRAY, T_POSIX_MEMALIGN, T_ALIGNED, T_MEMALIGN,
           T_VALLOC, T_PVALLOC, T_MMAP, NTAGS };
static const char *tag_name[NTAGS] = {"none", "stress_malloc", "stress_calloc", "stress_realloc",
                                      "stress_reallocarray", "stress_posix_memalign", "stress_aligned_alloc",
                                      "stress_memalign", "stress_valloc", "stress_pvalloc", "stress_mmap"};

#define SLOTS 256
struct slot {
    unsigned char *p;
    size_t n;
    int tag;
};
struct worker {
    struct slot s[SLOTS];
    unsigned seed;
    long ops;
    int id;
};

static volatile int done;
static int errors;

static unsigned rnd(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

static size_t rsize(unsigned *s)
{
    /* log-uniform 1 B .. 64 KiB */
    return (size_t)1 << (rnd(s) % 17) | (rnd(s) & 15);
}

static void fill(struct slot *sl, int id)
{
    if (sl->n) {
        sl->p[sl->n - 1] = (unsigned char)(id ^ 0x5a);
        if (sl->n > 1)
            sl->p[0] = (unsigned char)id;
    }
}

static void verify(struct slot *sl, int id)
{
    if (sl->n && ((sl->n > 1 && sl->p[0] != (unsigned char)id) || sl->p[sl->n - 1] != (unsigned char)(id ^ 0x5a))) {
        fprintf(stderr, "corrupted block %p size %zu\n", (void *)sl->p, sl->n);
        __atomic_fetch_add(&errors, 1, __ATOMIC_RELAXED);
    }
}

__attribute__((noinline)) void *stress_malloc(size_t n) { return malloc(n); }
__attribute__((noinline)) void *stress_calloc(size_t k, size_t n) { return calloc(k, n); }
__attribute__((noinline)) void *stress_realloc(void *p, size_t n) { return realloc(p, n); }
__attribute__((noinline)) void *stress_reallocarray(void *p, size_t k, size_t n) { return reallocarray(p, k, n); }
__attribute__((noinline)) void *stress_posix_memalign(size_t a, size_t n)
{
    void *p;
    return posix_memalign(&p, a, n) == 0 ? p : NULL;
}
__attribute__((noinline)) void *stress_aligned_alloc(size_t a, size_t n) { return aligned_alloc(a, (n + a - 1) / a * a); }
__attribute__((noinline)) void *stress_memalign(size_t a, size_t n) { return memalign(a, n); }
__attribute__((noinline)) void *stress_valloc(size_t n) { return valloc(n); }
__attribute__((noinline)) void *stress_pvalloc(size_t n) { return pvalloc(n); }
__attribute__((noinline)) void *stress_mmap(size_t n)
{
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void release(struct slot *sl, int id)
{
    if (!sl->p)
        return;
    verify(sl, id);
    if (sl->tag == T_MMAP)
        munmap(sl->p, sl->n);
    else
        free(sl->p);
    sl->p = NULL;
    sl->n = 0;
    sl->tag = T_NONE;
}

static void one_op(struct worker *w)
{
    struct slot *sl = &w->s[rnd(&w->seed) % SLOTS];
    unsigned op = rnd(&w->seed) % 16;
    size_t n = rsize(&w->seed);
    size_t align = (size_t)16 << (rnd(&w->seed) % 6);
    void *q = NULL;
    int tag = T_NONE;
    if (op == 0 && sl->p && sl->tag != T_MMAP) { /* grow or shrink */
        verify(sl, w->id);
        size_t nn = (rnd(&w->seed) & 1) ? sl->n * 2 + 1 : sl->n / 2 + 1;
        unsigned char first = sl->p[0];
        int use_array = rnd(&w->seed) & 1;
        q = use_array ? stress_reallocarray(sl->p, 1, nn) : stress_realloc(sl->p, nn);
        if (!q) {
            __atomic_fetch_add(&errors, 1, __ATOMIC_RELAXED);
            return;
        }
        if (((unsigned char *)q)[0] != first) {
            fprintf(stderr, "realloc lost the content\n");
            __atomic_fetch_add(&errors, 1, __ATOMIC_RELAXED);
        }
        sl->p = q;
        sl->n = nn;
        sl->tag = use_array ? T_REALLOCARRAY : T_REALLOC;
        fill(sl, w->id);
        return;
    }
    if (op == 1) { /* calloc overflow must fail with ENOMEM; so must reallocarray's */
        errno = 0;
        void *big = stress_calloc(SIZE_MAX / 2, 4);
        if (big != NULL || errno != ENOMEM)
            __atomic_fetch_add(&errors, 1, __ATOMIC_RELAXED);
        free(big); /* only if it wrongly succeeded: then no live block is left behind */
        errno = 0;
        big = stress_reallocarray(NULL, SIZE_MAX / 2, 4);
        if (big != NULL || errno != ENOMEM)
            __atomic_fetch_add(&errors, 1, __ATOMIC_RELAXED);
        free(big);
        return;
    }
    release(sl, w->id);
    switch (op) {
    case 2: case 3: case 4: q = stress_malloc(n); tag = T_MALLOC; break;
    case 5: q = stress_calloc(1 + n / 64, 64); n = (1 + n / 64) * 64; tag = T_CALLOC; break;
    case 6: q = stress_posix_memalign(align, n); tag = T_POSIX_MEMALIGN; break;
    case 7: q = stress_aligned_alloc(align, n); n = (n + align - 1) / align * align; tag = T_ALIGNED; break;
    case 8: q = stress_memalign(align, n); tag = T_MEMALIGN; break;
    case 9: q = stress_valloc(n); tag = T_VALLOC; break;
    case 10: q = stress_pvalloc(n); n = (n + 4095) & ~(size_t)4095; tag = T_PVALLOC; break;
    case 11: q = stress_mmap(n); tag = T_MMAP; break;
    default: return; /* a free only */
    }
    if (!q) {
        __atomic_fetch_add(&errors, 1, __ATOMIC_RELAXED);
        return;
    }
    if (tag != T_MMAP && malloc_usable_size(q) < n) {
        fprintf(stderr, "malloc_usable_size too small\n");
        __atomic_fetch_add(&errors, 1, __ATOMIC_RELAXED);
    }
    if (tag != T_MMAP && tag != T_MALLOC && ((uintptr_t)q & (16 - 1)))
        __atomic_fetch_add(&errors, 1, __ATOMIC_RELAXED);
    if (tag == T_MMAP && (rnd(&w->seed) & 1)) { /* grow it with mremap */
        void *r = mremap(q, n, n * 2, MREMAP_MAYMOVE);
        if (r == MAP_FAILED) {
            __atomic_fetch_add(&errors, 1, __ATOMIC_RELAXED);
        } else {
            q = r;
            n *= 2;
        }
    }
    sl->p = q;
    sl->n = n;
    sl->tag = tag;
    fill(sl, w->id);
}

static void *work(void *arg)
{
    struct worker *w = arg;
    for (long i = 0; i < w->ops; i++)
        one_op(w);
    return NULL;
}

int ccxtrace_snapshot(const char *label) __attribute__((weak));

static void *signaller(void *arg)
{
    (void)arg;
    if (!ccxtrace_snapshot)
        return NULL; /* untraced: SIGUSR2 would kill us */
    struct timespec ts = {0, 10 * 1000000L};
    while (!done) {
        kill(getpid(), SIGUSR2);
        nanosleep(&ts, NULL);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    long ops = argc > 1 ? atol(argv[1]) : 20000;
    int forks = argc > 2 ? atoi(argv[2]) : 10;
    static struct worker ws[4];
    pthread_t th[4], sig;
    signal(SIGPIPE, SIG_IGN);
    pthread_create(&sig, NULL, signaller, NULL);
    for (int i = 0; i < 4; i++) {
        ws[i].seed = 1234u + (unsigned)i;
        ws[i].ops = ops;
        ws[i].id = i + 1;
        pthread_create(&th[i], NULL, work, &ws[i]);
    }
    int child_fail = 0;
    for (int f = 0; f < forks; f++) {
        struct timespec ts = {0, 30 * 1000000L};
        nanosleep(&ts, NULL);
        pid_t pid = fork();
        if (pid == 0) {
            struct worker cw = {.seed = 99u + (unsigned)f, .ops = 2000, .id = 9};
            work(&cw);
            for (int i = 0; i < SLOTS; i++)
                release(&cw.s[i], cw.id);
            exit(errors ? 1 : 0);
        }
        int st = 0;
        if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
            child_fail++;
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    done = 1;
    pthread_join(sig, NULL);
    long live[NTAGS] = {0};
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < SLOTS; k++)
            if (ws[i].s[k].p) {
                verify(&ws[i].s[k], ws[i].id);
                live[ws[i].s[k].tag]++;
            }
    for (int t = 1; t < NTAGS; t++)
        printf("live %s %ld\n", tag_name[t], live[t]);
    printf("errors %d child_failures %d\n", errors, child_fail);
    return errors || child_fail ? 1 : 0;
}
