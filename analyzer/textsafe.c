/* textsafe.c - the escaping of strings from a snapshot (see textsafe.h). */
#include "textsafe.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Length (2..4) of the valid UTF-8 sequence starting at s, with its code
 * point in *cp; 0 when s does not start one.  A NUL ends a sequence (it is
 * no continuation byte), so this never reads past a string's end. */
static size_t utf8_seq(const unsigned char *s, uint32_t *cp)
{
    size_t n;
    uint32_t v, min;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        n = 2, v = s[0] & 0x1fu, min = 0x80;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        n = 3, v = s[0] & 0x0fu, min = 0x800;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        n = 4, v = s[0] & 0x07u, min = 0x10000;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3fu);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return n;
}

/* The next piece of s: how many bytes it takes (*used) and, when it must
 * be escaped, its escape in esc (else esc is left empty). */
static void next_piece(const unsigned char *s, size_t *used, char esc[8])
{
    uint32_t cp = 0;
    esc[0] = '\0';
    if (*s < 0x80) {
        *used = 1;
        if (*s < 0x20 || *s == 0x7f)
            snprintf(esc, 8, "\\x%02x", *s);
        return;
    }
    size_t n = utf8_seq(s, &cp);
    if (n == 0) {
        *used = 1;
        snprintf(esc, 8, "\\x%02x", *s);
        return;
    }
    *used = n;
    if (cp <= 0x9f)
        snprintf(esc, 8, "\\u%04x", (unsigned)cp);
}

int ccx_is_safe(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (*p >= 0x20 && *p < 0x7f) { /* the common case, printable ASCII */
            p++;
            continue;
        }
        size_t used;
        char esc[8];
        next_piece(p, &used, esc);
        if (esc[0])
            return 0;
        p += used;
    }
    return 1;
}

char *ccx_safe_dup(const char *s)
{
    size_t len = strlen(s);
    /* an escape takes at most 4 bytes per byte: \x1b for 1, \u009b for 2 */
    char *out = malloc(len * 4 + 1);
    if (!out)
        return NULL;
    const unsigned char *p = (const unsigned char *)s;
    size_t k = 0;
    while (*p) {
        size_t used;
        char esc[8];
        next_piece(p, &used, esc);
        if (esc[0]) {
            size_t el = strlen(esc);
            memcpy(out + k, esc, el);
            k += el;
        } else {
            memcpy(out + k, p, used);
            k += used;
        }
        p += used;
    }
    out[k] = '\0';
    return out;
}

const char *ccx_safe_str(const char *s, char **fresh)
{
    *fresh = NULL;
    if (ccx_is_safe(s))
        return s;
    *fresh = ccx_safe_dup(s);
    return *fresh;
}

void ccx_safe_fputs(const char *s, FILE *f)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t used;
        char esc[8];
        next_piece(p, &used, esc);
        if (esc[0])
            fputs(esc, f);
        else
            fwrite(p, 1, used, f);
        p += used;
    }
}

void ccx_utf8_trim(char *s)
{
    size_t len = strlen(s), i = len;
    while (i > 0 && len - i < 4 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
        i--; /* back over continuation bytes to the lead byte */
    if (i == 0)
        return;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (lead >= 0x80 && len - (i - 1) < need)
        s[i - 1] = '\0';
}
