/* ccx_diag.c - the one diagnostics path (see ccx_diag.h). */
#include "ccx_diag.h"
#include "ccx_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int lines;               /* written by this process image (atomic) */
static void (*broken_off)(void);

static void put(const char *text)
{
    static const char prefix[] = CCX_DIAG_PREFIX;
    char buf[1200];
    size_t n = 0;
    if (strncmp(text, prefix, sizeof prefix - 1) != 0) {
        memcpy(buf, prefix, sizeof prefix - 1);
        n = sizeof prefix - 1;
    }
    n += ccx_escape(buf + n, sizeof buf - 1 - n, text, strlen(text), 0);
    buf[n++] = '\n';
    ssize_t r = write(2, buf, n);
    (void)r;
}

void ccx_diag_line(const char *line)
{
    int k = __atomic_fetch_add(&lines, 1, __ATOMIC_RELAXED);
    if (k < CCX_DIAG_MAX - 1)
        put(line);
    else if (k == CCX_DIAG_MAX - 1)
        put("ccxtrace: too many messages; further ones are dropped");
}

void ccx_diag(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ccx_diag_line(buf);
}

const char *ccx_strerror(int err)
{
    const char *d = strerrordesc_np(err);
    return d ? d : "unknown error";
}

void ccx_diag_atfork_child(void)
{
    lines = 0;
}

void ccx_diag_on_broken(void (*off)(void))
{
    broken_off = off;
}

void ccx_assert_failed(const char *what, const char *file, int line)
{
    const char *base = strrchr(file, '/');
    ccx_diag("internal error: %s:%d: %s does not hold; tracing is off", base ? base + 1 : file, line, what);
    if (broken_off)
        broken_off();
}
