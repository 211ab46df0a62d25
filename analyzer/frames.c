/* frames.c - frame labels and grouping keys (see frames.h); the identity
 * hashes and the allocator filter are ident.c's. */
#include "frames.h"

#include <stdio.h>
#include <string.h>

#include "textsafe.h"

char *ccx_frame_format_parts(const struct ccx_snap *s, const struct ccx_frame *f, char *buf,
                             size_t len, size_t *a, size_t *b)
{
    size_t pa, pb;
    if (f->kind == CCX_FRAME_PYTHON) {
        const char *file = ccx_str(s, f->file), *fn = ccx_str(s, f->name);
        int n = snprintf(buf, len, "%s:%u ", *file ? file : "?", f->line);
        pa = strlen(*file ? file : "?");
        pb = n > 0 ? (size_t)n : 0;
        snprintf(buf, len, "%s:%u %s", *file ? file : "?", f->line, *fn ? fn : "?");
    } else {
        const char *mod = ccx_str(s, f->module_name), *sym = ccx_str(s, f->name);
        pa = strlen(*mod ? mod : "?");
        pb = *sym ? pa + 1 + strlen(sym) : pa;
        if (*sym)
            snprintf(buf, len, "%s!%s+0x%llx", *mod ? mod : "?", sym,
                     (unsigned long long)f->symbol_offset);
        else
            snprintf(buf, len, "%s+0x%llx", *mod ? mod : "?", (unsigned long long)f->offset);
    }
    ccx_utf8_trim(buf); /* a label cut to fit never ends inside a character */
    size_t n = len ? strlen(buf) : 0; /* a cut label cuts its parts */
    if (a)
        *a = pa < n ? pa : n;
    if (b)
        *b = pb < n ? pb : n;
    return buf;
}

char *ccx_frame_format(const struct ccx_snap *s, const struct ccx_frame *f, char *buf, size_t len)
{
    return ccx_frame_format_parts(s, f, buf, len, NULL, NULL);
}

long ccx_stack_key_frame(const struct ccx_snap *s, uint32_t stack)
{
    const uint32_t *fr = s->stack_frames + s->stack_start[stack];
    uint32_t n = s->stack_len[stack];
    for (uint32_t i = 0; i < n; i++) /* frames are leaf first */
        if (s->frames[fr[i]].kind == CCX_FRAME_PYTHON)
            return (long)fr[i];
    for (uint32_t i = 0; i < n; i++)
        if (!s->frames[fr[i]].skip)
            return (long)fr[i];
    return n ? (long)fr[0] : -1;
}

static uint64_t hstr(const char *a, uint64_t seed)
{
    return ccx_hash_bytes(a, strlen(a), seed);
}

static uint64_t group_of(const struct ccx_snap *s, const struct ccx_site *site, enum ccx_by by,
                         char *label, size_t len)
{
    if (by == CCX_BY_STACK || by == CCX_BY_TYPE) {
        long k = ccx_stack_key_frame(s, site->stack);
        char fb[512];
        if (k >= 0)
            ccx_frame_format(s, &s->frames[k], fb, sizeof fb);
        else
            snprintf(fb, sizeof fb, "(empty stack)");
        snprintf(label, len, "%s [%s]", fb, ccx_layer_name(site->layer));
        return site->key;
    }
    long k = ccx_stack_key_frame(s, site->stack);
    if (k < 0) {
        snprintf(label, len, "(empty stack)");
        return 0x0e0e0e;
    }
    const struct ccx_frame *f = &s->frames[k];
    const char *file = ccx_str(s, f->file), *name = ccx_str(s, f->name);
    const char *mod = ccx_str(s, f->module_name);
    if (f->kind == CCX_FRAME_PYTHON) {
        switch (by) {
        case CCX_BY_FUNCTION:
            snprintf(label, len, "%s (%s)", *name ? name : "?", *file ? file : "?");
            return ccx_hash_mix(hstr(name, 11), hstr(file, 12));
        case CCX_BY_LINE:
            snprintf(label, len, "%s:%u %s", *file ? file : "?", f->line, name);
            return f->hash;
        default: /* file, module: a Python file is its module */
            snprintf(label, len, "%s", *file ? file : "?");
            return hstr(file, 13);
        }
    }
    switch (by) {
    case CCX_BY_FUNCTION:
        if (*name) {
            snprintf(label, len, "%s (%s)", name, *mod ? mod : "?");
            return ccx_hash_mix(hstr(name, 21), hstr(mod, 22));
        }
        /* without a symbol the frame itself is the function */
        __attribute__((fallthrough));
    case CCX_BY_LINE:
        ccx_frame_format(s, f, label, len);
        return f->hash ^ (f->symbol_offset * 0x9e3779b97f4a7c15ull);
    default:
        snprintf(label, len, "%s", *mod ? mod : "?");
        return hstr(mod, 23);
    }
}

uint64_t ccx_site_group(const struct ccx_snap *s, const struct ccx_site *site, enum ccx_by by,
                        char *label, size_t len)
{
    uint64_t key = group_of(s, site, by, label, len);
    ccx_utf8_trim(label); /* a label cut to fit never ends inside a character */
    return key;
}

static const char *const by_names[] = {"stack", "function", "line", "file", "module", "type"};

int ccx_by_parse(const char *s, enum ccx_by *out)
{
    for (int i = 0; i < 6; i++)
        if (strcmp(s, by_names[i]) == 0) {
            *out = (enum ccx_by)i;
            return 0;
        }
    return -1;
}

const char *ccx_by_name(enum ccx_by by)
{
    return by_names[by];
}
