/* ccx_text.c - escaping for the tracer's stderr lines (see ccx_text.h). */
#include "ccx_text.h"

/* The escaped form of byte c in buf (at most 5 bytes with the NUL); its length. */
static size_t escape_one(unsigned char c, unsigned flags, char *buf)
{
    static const char hex[] = "0123456789abcdef";
    const char *named = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : 0;
    if (!named && (flags & CCX_ESC_QUOTED))
        named = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : 0;
    if (named) {
        buf[0] = named[0];
        buf[1] = named[1];
        return 2;
    }
    if (c >= 0x20 && c < 0x7f) {
        buf[0] = (char)c;
        return 1;
    }
    buf[0] = '\\';
    buf[1] = 'x';
    buf[2] = hex[c >> 4];
    buf[3] = hex[c & 15];
    return 4;
}

size_t ccx_escape(char *out, size_t cap, const char *in, size_t n, unsigned flags)
{
    char e[4];
    size_t at = 0, whole = 0;
    if (cap == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        whole += escape_one((unsigned char)in[i], flags, e);
    /* all of it when it fits; else as many whole escapes as leave room
     * for "..." */
    size_t room = whole < cap ? cap - 1 : (cap > 4 ? cap - 4 : 0);
    for (size_t i = 0; i < n; i++) {
        size_t k = escape_one((unsigned char)in[i], flags, e);
        if (at + k > room)
            break;
        for (size_t m = 0; m < k; m++)
            out[at++] = e[m];
    }
    if (whole >= cap)
        for (const char *d = "..."; *d && at + 1 < cap; d++)
            out[at++] = *d;
    out[at] = 0;
    return at;
}
