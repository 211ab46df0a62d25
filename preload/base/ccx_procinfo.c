/* ccx_procinfo.c - the process's memory as the kernel sees it: VmRSS,
 * VmHWM, VmSize from /proc/self/status, anonymous memory from
 * /proc/self/smaps_rollup (RssAnon as a fallback), and the cgroup's
 * memory.current (v2; v1's memory.usage_in_bytes as a fallback) when
 * readable, which in a container is the container's memory (snapshot
 * writer, stats CSV and pressure watch: helper thread); the command line
 * and the thread count. */
#include "ccx_procinfo.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

ssize_t ccx_slurp(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = 0;
    return (ssize_t)n;
}

/* Value in kB of "Key:   123 kB" in text, as bytes; 0 when absent. */
static uint64_t field_kb(const char *text, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, key, kl) == 0 && p[kl] == ':')
            return strtoull(p + kl + 1, NULL, 10) * 1024;
    }
    return 0;
}

static int64_t read_number(const char *path)
{
    char b[64];
    if (ccx_slurp(path, b, sizeof b) <= 0 || b[0] < '0' || b[0] > '9')
        return -1;
    return (int64_t)strtoull(b, NULL, 10);
}

void ccx_procmem_read(struct ccx_procmem *m)
{
    char buf[8192];
    memset(m, 0, sizeof *m);
    m->cgroup = -1;
    if (ccx_slurp("/proc/self/status", buf, sizeof buf) > 0) {
        m->rss = field_kb(buf, "VmRSS");
        m->hwm = field_kb(buf, "VmHWM");
        m->vm = field_kb(buf, "VmSize");
        m->anon = field_kb(buf, "RssAnon");
    }
    if (ccx_slurp("/proc/self/smaps_rollup", buf, sizeof buf) > 0) {
        uint64_t a = field_kb(buf, "Anonymous");
        if (a)
            m->anon = a;
    }
    if (ccx_slurp("/proc/self/cgroup", buf, sizeof buf) > 0) {
        char *p = strstr(buf, "0::");
        if (p == buf || (p && p[-1] == '\n')) {
            p += 3;
            char *nl = strchr(p, '\n');
            if (nl)
                *nl = 0;
            char path[4200];
            snprintf(path, sizeof path, "/sys/fs/cgroup%.4000s/memory.current", strcmp(p, "/") == 0 ? "" : p);
            m->cgroup = read_number(path);
        }
    }
    if (m->cgroup < 0)
        m->cgroup = read_number("/sys/fs/cgroup/memory.current");
    if (m->cgroup < 0)
        m->cgroup = read_number("/sys/fs/cgroup/memory/memory.usage_in_bytes");
}

void ccx_read_cmdline(char *out, size_t cap)
{
    ssize_t n = ccx_slurp("/proc/self/cmdline", out, cap);
    if (n <= 0) {
        out[0] = 0;
        return;
    }
    while (n > 0 && out[n - 1] == 0)
        n--;
    for (ssize_t i = 0; i < n; i++)
        if (out[i] == 0)
            out[i] = ' ';
    out[n] = 0;
}

long ccx_count_threads(void)
{
    char buf[1024];
    if (ccx_slurp("/proc/self/stat", buf, sizeof buf) <= 0)
        return -1;
    char *p = strrchr(buf, ')'); /* the command may hold blanks */
    for (int field = 2; p && field < 20; field++)
        p = strchr(p + 1, ' ');
    return p ? strtol(p + 1, NULL, 10) : -1;
}
