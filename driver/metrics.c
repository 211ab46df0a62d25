/* metrics.c - the Prometheus text format parser (metrics.h).  Grammar, per
 * line: empty; "# HELP name text"; "# TYPE name type"; "# anything" (a
 * comment); or  name [ "{" label="value" { "," label="value" } [","] "}" ]
 * value [ timestamp ], where names are [a-zA-Z_:][a-zA-Z0-9_:]*, label
 * names [a-zA-Z_][a-zA-Z0-9_]*, label values escape only \\ \" and \n. */
#include "metrics.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int name_start(char c, int colon)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}

static int name_char(char c, int colon)
{
    return name_start(c, colon) || (c >= '0' && c <= '9');
}

static const char *skip_blank(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* A name at p: its end, or NULL when there is none. */
static const char *scan_name(const char *p, const char *e, int colon)
{
    if (p >= e || !name_start(*p, colon))
        return NULL;
    while (p < e && name_char(*p, colon))
        p++;
    return p;
}

static struct drv_metric *entry(struct drv_metrics *m, const char *name, size_t len)
{
    if (len >= sizeof m->v->name)
        len = sizeof m->v->name - 1; /* longer names are compared truncated */
    for (size_t i = 0; i < m->n; i++)
        if (strncmp(m->v[i].name, name, len) == 0 && m->v[i].name[len] == '\0')
            return &m->v[i];
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 64;
        struct drv_metric *v = realloc(m->v, cap * sizeof *v);
        if (!v)
            return NULL;
        m->v = v;
        m->cap = cap;
    }
    struct drv_metric *x = &m->v[m->n++];
    memset(x, 0, sizeof *x);
    memcpy(x->name, name, len);
    return x;
}

/* A float as the format writes it: [+-]digits[.digits][e[+-]digits],
 * .digits..., NaN, +Inf, -Inf, Inf.  Its end, or NULL. */
static const char *scan_value(const char *p, const char *e, double *out)
{
    const char *s = p;
    if (p < e && (*p == '+' || *p == '-'))
        p++;
    static const char *const words[] = {"NaN", "Inf"};
    for (int w = 0; w < 2; w++) {
        size_t n = strlen(words[w]);
        if ((size_t)(e - p) >= n && memcmp(p, words[w], n) == 0 && !(w == 0 && p != s)) {
            *out = w == 0 ? NAN : (*s == '-' ? -INFINITY : INFINITY);
            return p + n;
        }
    }
    const char *d = p;
    while (p < e && *p >= '0' && *p <= '9')
        p++;
    size_t digits = (size_t)(p - d);
    if (p < e && *p == '.') {
        d = ++p;
        while (p < e && *p >= '0' && *p <= '9')
            p++;
        digits += (size_t)(p - d);
    }
    if (!digits)
        return NULL;
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-'))
            p++;
        d = p;
        while (p < e && *p >= '0' && *p <= '9')
            p++;
        if (p == d)
            return NULL;
    }
    char buf[64];
    if ((size_t)(p - s) >= sizeof buf)
        return NULL;
    memcpy(buf, s, (size_t)(p - s));
    buf[p - s] = '\0';
    errno = 0;
    *out = strtod(buf, NULL); /* overflow gives +-HUGE_VAL: an infinite value */
    return p;
}

/* {label="value",...} at p: its end, or NULL with why. */
static const char *scan_labels(const char *p, const char *e, const char **why)
{
    p++; /* '{' */
    for (;;) {
        p = skip_blank(p, e);
        if (p < e && *p == '}')
            return p + 1;
        const char *n = scan_name(p, e, 0);
        if (!n) {
            *why = "a label without a valid name";
            return NULL;
        }
        p = skip_blank(n, e);
        if (p >= e || *p != '=') {
            *why = "a label without '='";
            return NULL;
        }
        p = skip_blank(p + 1, e);
        if (p >= e || *p != '"') {
            *why = "a label value not in double quotes";
            return NULL;
        }
        for (p++;; p++) {
            if (p >= e) {
                *why = "an unterminated label value (unbalanced quotes)";
                return NULL;
            }
            if (*p == '\\') {
                if (p + 1 >= e || (p[1] != '\\' && p[1] != '"' && p[1] != 'n')) {
                    *why = "a label value with an invalid escape";
                    return NULL;
                }
                p++;
            } else if (*p == '"') {
                break;
            }
        }
        p = skip_blank(p + 1, e);
        if (p < e && *p == ',')
            p++;
        else if (p >= e || *p != '}') {
            *why = "labels not separated by ',' or not closed by '}'";
            return NULL;
        }
    }
}

/* One sample line; 0 or -1 with why. */
static int sample_line(struct drv_metrics *m, const char *p, const char *e, const char **why)
{
    const char *n = scan_name(p, e, 1);
    if (!n) {
        *why = "a sample without a valid metric name";
        return -1;
    }
    const char *q = n;
    if (q < e && *q == '{' && !(q = scan_labels(q, e, why)))
        return -1;
    const char *v = skip_blank(q, e);
    if (v == q || v >= e) {
        *why = "a sample without a value";
        return -1;
    }
    double val;
    const char *ve = scan_value(v, e, &val);
    if (!ve || (ve < e && *ve != ' ' && *ve != '\t')) {
        *why = "a value that is not a number";
        return -1;
    }
    const char *t = skip_blank(ve, e);
    if (t < e) { /* an optional integer timestamp in milliseconds */
        const char *d = t + (*t == '-');
        const char *te = d;
        while (te < e && *te >= '0' && *te <= '9')
            te++;
        if (te == d || skip_blank(te, e) != e) {
            *why = "trailing text after the value";
            return -1;
        }
    }
    struct drv_metric *x = entry(m, p, (size_t)(n - p));
    if (!x) {
        *why = "out of memory";
        return -1;
    }
    x->sum += val;
    x->samples++;
    return 0;
}

/* A '#' line: HELP and TYPE declare a name; anything else is a comment. */
static int comment_line(struct drv_metrics *m, const char *p, const char *e, const char **why)
{
    p = skip_blank(p + 1, e);
    int help = (size_t)(e - p) >= 4 && memcmp(p, "HELP", 4) == 0;
    int type = (size_t)(e - p) >= 4 && memcmp(p, "TYPE", 4) == 0;
    if ((!help && !type) || (p + 4 < e && p[4] != ' ' && p[4] != '\t'))
        return 0;
    p = skip_blank(p + 4, e);
    const char *n = scan_name(p, e, 1);
    if (!n || (n < e && *n != ' ' && *n != '\t')) {
        *why = help ? "a HELP line without a valid metric name" : "a TYPE line without a valid metric name";
        return -1;
    }
    if (type) {
        const char *t = skip_blank(n, e), *te = t;
        while (te < e && *te != ' ' && *te != '\t')
            te++;
        static const char *const types[] = {"counter", "gauge", "histogram", "summary", "untyped"};
        int known = 0;
        for (size_t i = 0; i < sizeof types / sizeof *types; i++)
            known |= (size_t)(te - t) == strlen(types[i]) && memcmp(t, types[i], (size_t)(te - t)) == 0;
        if (!known || skip_blank(te, e) != e) {
            *why = "a TYPE line with an unknown type";
            return -1;
        }
    }
    struct drv_metric *x = entry(m, p, (size_t)(n - p));
    if (!x) {
        *why = "out of memory";
        return -1;
    }
    x->declared = 1;
    return 0;
}

int drv_metrics_parse(const char *body, size_t len, struct drv_metrics *m, char *err, size_t errlen)
{
    m->n = 0;
    const char *p = body, *end = body + len;
    for (size_t line = 1; p < end; line++) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        const char *next = e ? e + 1 : end;
        if (!e)
            e = end;
        const char *why = NULL, *s = skip_blank(p, e);
        int rc = 0;
        if (memchr(p, '\0', (size_t)(e - p))) {
            why = "a NUL byte (not text)";
            rc = -1;
        } else if (s < e && *s == '#') {
            rc = comment_line(m, s, e, &why);
        } else if (s < e) {
            rc = sample_line(m, s, e, &why);
        }
        if (rc) {
            int n = (int)(e - p > 60 ? 60 : e - p);
            snprintf(err, errlen, "line %zu: %s: '%.*s%s'", line, why, n, p, e - p > 60 ? "..." : "");
            for (char *c = err; *c; c++) /* one printable line */
                if ((unsigned char)*c < 32 || *c == 127)
                    *c = '?';
            return -1;
        }
        p = next;
    }
    return 0;
}

int drv_metrics_get(const struct drv_metrics *m, const char *name, double *out)
{
    size_t len = strlen(name);
    int declared = 0;
    *out = 0;
    for (size_t i = 0; i < m->n; i++) {
        const struct drv_metric *x = &m->v[i];
        if (strcmp(x->name, name) == 0) {
            if (x->samples) {
                *out = x->sum;
                return isfinite(x->sum) ? DRV_METRIC_OK : DRV_METRIC_NONFINITE;
            }
            declared |= x->declared;
        } else if (x->declared && len > 6 && strcmp(name + len - 6, "_total") == 0 &&
                   strlen(x->name) == len - 6 && strncmp(x->name, name, len - 6) == 0) {
            declared = 1; /* "# TYPE X counter" declares X_total */
        }
    }
    return declared ? DRV_METRIC_OK : DRV_METRIC_ABSENT;
}

void drv_metrics_free(struct drv_metrics *m)
{
    free(m->v);
    memset(m, 0, sizeof *m);
}
