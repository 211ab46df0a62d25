/* ccx_procinfo.h - reading /proc without allocating (ccx_procinfo.c): a
 * small file into a buffer, and the process's memory as the kernel sees it
 * (the snapshot's "process" member, the stats CSV, the pressure watch). */
#ifndef CCX_PROCINFO_H
#define CCX_PROCINFO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads a small file (a /proc one) into buf, NUL-terminated; its length or -1.
 * No allocation: usable from any thread of the tracer. */
ssize_t ccx_slurp(const char *path, char *buf, size_t cap);

struct ccx_procmem {
    uint64_t rss, hwm, anon, vm;
    int64_t cgroup;   /* -1 when not readable */
};
void ccx_procmem_read(struct ccx_procmem *m);

/* The process's command line, arguments joined by blanks ("" when unreadable). */
void ccx_read_cmdline(char *out, size_t cap);

/* The process's thread count as the kernel reports it (field 20 of
 * /proc/self/stat, what CPython reads), or -1. */
long ccx_count_threads(void);

#endif
