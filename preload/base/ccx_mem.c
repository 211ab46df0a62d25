/* ccx_mem.c - the tracer's own memory (see ccx_mem.h). */
#include "ccx_mem.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHUNK (1u << 20)
#define NCLASS 9 /* 16 .. 4096 bytes */
#define MAX_MAPS 64

static int lock;
static char *chunk_cur, *chunk_end;
static void *free_list[NCLASS];
static uint64_t chunk_bytes;     /* bytes of chunks mapped */
static uint64_t big_bytes;       /* ccx_mem_alloc blocks above the classes */
static struct { void *p; size_t n; } maps[MAX_MAPS];

static void lock_take(void)
{
    while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&lock, __ATOMIC_RELAXED))
            __builtin_ia32_pause();
}

static void lock_drop(void)
{
    __atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
}

static void *raw_map(size_t n)
{
    /* The system call itself: the interposed mmap must not see the tracer. */
    long r = syscall(SYS_mmap, 0, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r < 0 && r > -4096)
        return NULL;
    return (void *)r;
}

static void raw_unmap(void *p, size_t n)
{
    syscall(SYS_munmap, p, n);
}

static size_t page_round(size_t n)
{
    return (n + 4095) & ~(size_t)4095;
}

void *ccx_mem_map(size_t size)
{
    size = page_round(size);
    void *p = raw_map(size);
    if (!p)
        return NULL;
    lock_take();
    for (int i = 0; i < MAX_MAPS; i++)
        if (!maps[i].p) {
            maps[i].p = p;
            maps[i].n = size;
            break;
        }
    lock_drop();
    return p;
}

void ccx_mem_unmap(void *p, size_t size)
{
    if (!p)
        return;
    size = page_round(size);
    lock_take();
    for (int i = 0; i < MAX_MAPS; i++)
        if (maps[i].p == p) {
            maps[i].p = NULL;
            maps[i].n = 0;
        }
    lock_drop();
    raw_unmap(p, size);
}

void ccx_mem_zero(void *p, size_t size)
{
    if (p)
        madvise(p, page_round(size), MADV_DONTNEED);
}

static int class_of(size_t n)
{
    int c = 0;
    size_t s = 16;
    while (s < n) {
        s <<= 1;
        c++;
    }
    return c;
}

void *ccx_mem_alloc(size_t size)
{
    if (size == 0)
        size = 1;
    if (size > (16u << (NCLASS - 1))) {
        size_t n = page_round(size);
        void *p = raw_map(n);
        if (p)
            __atomic_fetch_add(&big_bytes, n, __ATOMIC_RELAXED);
        return p;
    }
    int c = class_of(size);
    size_t n = (size_t)16 << c;
    void *p;
    lock_take();
    p = free_list[c];
    if (p) {
        free_list[c] = *(void **)p;
        lock_drop();
        memset(p, 0, n);
        return p;
    }
    if (!chunk_cur || chunk_cur + n > chunk_end) {
        char *nc = raw_map(CHUNK);
        if (!nc) {
            lock_drop();
            return NULL;
        }
        chunk_cur = nc;
        chunk_end = nc + CHUNK;
        chunk_bytes += CHUNK;
    }
    p = chunk_cur;
    chunk_cur += n;
    lock_drop();
    return p; /* fresh chunk memory is zero */
}

void ccx_mem_free(void *p, size_t size)
{
    if (!p)
        return;
    if (size == 0)
        size = 1;
    if (size > (16u << (NCLASS - 1))) {
        size_t n = page_round(size);
        raw_unmap(p, n);
        __atomic_fetch_sub(&big_bytes, n, __ATOMIC_RELAXED);
        return;
    }
    int c = class_of(size);
    lock_take();
    *(void **)p = free_list[c];
    free_list[c] = p;
    lock_drop();
}

uint64_t ccx_mem_self_bytes(void)
{
    uint64_t total = __atomic_load_n(&chunk_bytes, __ATOMIC_RELAXED) + __atomic_load_n(&big_bytes, __ATOMIC_RELAXED);
    unsigned char vec[256];
    for (int i = 0; i < MAX_MAPS; i++) {
        char *p = maps[i].p;
        size_t n = maps[i].n;
        if (!p)
            continue;
        /* mincore in windows of 256 pages. */
        for (size_t off = 0; off < n; off += 256 * 4096) {
            size_t len = n - off < 256 * 4096 ? n - off : 256 * 4096;
            if (mincore(p + off, len, vec) != 0)
                break;
            for (size_t k = 0; k < (len + 4095) / 4096; k++)
                total += (vec[k] & 1) ? 4096 : 0;
        }
    }
    return total;
}

void ccx_mem_atfork_child(void)
{
    lock = 0;
}
