/* ccx_trigger.c - the label line of the trigger file (see ccx_trigger.h). */
#include "ccx_trigger.h"

#include <string.h>

/* The start of the first line of buf[0..n) beginning with key, or NULL. */
static const char *find_line(const char *buf, size_t n, const char *key)
{
    size_t klen = strlen(key);
    for (size_t i = 0; i < n;) {
        if (n - i >= klen && memcmp(buf + i, key, klen) == 0)
            return buf + i;
        const char *nl = memchr(buf + i, '\n', n - i);
        if (!nl)
            break;
        i = (size_t)(nl - buf) + 1;
    }
    return NULL;
}

/* How many of the first len bytes of s end on a whole UTF-8 character. */
static size_t whole_utf8(const char *s, size_t len)
{
    size_t start = len;
    while (start > 0 && ((unsigned char)s[start - 1] & 0xc0) == 0x80 && len - start < 3)
        start--;
    if (start == 0 || ((unsigned char)s[start - 1] & 0x80) == 0)
        return len; /* ends in ASCII (or is not UTF-8 at all: kept as is) */
    unsigned char lead = (unsigned char)s[start - 1];
    size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    return len - (start - 1) >= need ? len : start - 1;
}

size_t ccx_trigger_label(const char *buf, size_t n, char *out, size_t cap)
{
    if (cap == 0)
        return 0;
    out[0] = '\0';
    const char *line = find_line(buf, n, CCX_TRIGGER_LABEL_KEY);
    if (!line)
        return 0;
    const char *v = line + strlen(CCX_TRIGGER_LABEL_KEY);
    size_t len = (size_t)(buf + n - v);
    const char *nl = memchr(v, '\n', len);
    if (nl)
        len = (size_t)(nl - v);
    if (len > 0 && v[len - 1] == '\r')
        len--;
    if (len > cap - 1)
        len = whole_utf8(v, cap - 1);
    memcpy(out, v, len);
    out[len] = '\0';
    return len;
}
