/* ccx_traced.c - is a process traced, and does it catch a signal: the
 * /proc text checks of ccx_traced.h. */
#include "ccx_traced.h"

#include <stdint.h>
#include <string.h>

int ccx_maps_line_is_tracer(const char *line)
{
    /* address perms offset dev inode [pathname] */
    const char *p = line;
    for (int field = 0; field < 5; field++) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '\n')
            return 0;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n')
            p++;
    }
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p != '/')
        return 0;
    const char *end = p + strcspn(p, "\n");
    const char *base = p;
    for (const char *q = p; q < end; q++)
        if (*q == '/')
            base = q + 1;
    static const char deleted[] = " (deleted)";
    size_t dl = sizeof deleted - 1;
    if ((size_t)(end - base) > dl && memcmp(end - dl, deleted, dl) == 0)
        end -= dl;
    static const char name[] = "libccxtrace.so";
    size_t n = sizeof name - 1, len = (size_t)(end - base);
    if (len < n || memcmp(base, name, n) != 0)
        return 0;
    if (len == n)
        return 1;
    /* libccxtrace.so.1, libccxtrace.so.1.2: a version made of digits and dots */
    if (base[n] != '.')
        return 0;
    for (const char *q = base + n + 1; q < end; q++)
        if (!((*q >= '0' && *q <= '9') || *q == '.'))
            return 0;
    return len > n + 1;
}

int ccx_status_catches(const char *text, int sig)
{
    const char *p = text;
    while (p && *p) {
        if (strncmp(p, "SigCgt:", 7) == 0) {
            p += 7;
            while (*p == ' ' || *p == '\t')
                p++;
            uint64_t mask = 0;
            int digits = 0;
            for (; *p && *p != '\n'; p++) {
                int v;
                if (*p >= '0' && *p <= '9')
                    v = *p - '0';
                else if (*p >= 'a' && *p <= 'f')
                    v = *p - 'a' + 10;
                else if (*p >= 'A' && *p <= 'F')
                    v = *p - 'A' + 10;
                else
                    return -1;
                mask = mask << 4 | (uint64_t)v;
                digits++;
            }
            if (!digits || digits > 16 || sig < 1 || sig > 64)
                return -1;
            return (int)((mask >> (sig - 1)) & 1);
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return -1;
}
