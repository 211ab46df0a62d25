/* ccx_instance.c - the random per-process id written into every snapshot
 * ("instance_id", common/ccx_format.h).  (host, pid, start_time) does not
 * name a process uniquely: two containers of one pod share the host name,
 * are both pid 1 and can start in the same second.  The id is made once per
 * process by ccx_ident_init() (helper thread or exit path, never the hot
 * path) and made again in a fork child, whose ccx_snapshot_atfork_child()
 * clears the identity (ccx_ident_reset).  getrandom() with GRND_NONBLOCK never waits for the
 * entropy pool; if it fails (very old kernel, seccomp) the id falls back to
 * a mix of the clock, the pid and an address, which still tells apart the
 * processes of one host. */
#include "ccx_ident.h"

#include <stdint.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

static void fallback(unsigned char *b, size_t n)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t s = mix((uint64_t)ts.tv_sec * 1000000007ull ^ (uint64_t)ts.tv_nsec ^
                     ((uint64_t)getpid() << 40) ^ (uint64_t)(uintptr_t)&ts);
    for (size_t i = 0; i < n; i++) {
        s = mix(s + 0x9e3779b97f4a7c15ull);
        b[i] = (unsigned char)s;
    }
}

void ccx_instance_make(char out[33])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[16];
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t r = getrandom(b + got, sizeof b - got, GRND_NONBLOCK);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    if (got < sizeof b)
        fallback(b, sizeof b);
    for (size_t i = 0; i < sizeof b; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[32] = 0;
}
