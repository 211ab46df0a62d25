/* ccx_units.c - parsing of sizes, durations and rates (see ccx_units.h).
 *
 * Written without malloc, strtod or locale-dependent calls: the preload
 * parses its options from a constructor, before its hooks can allocate.
 * Fractions are kept as an exact integer numerator over a power of ten and
 * scaled with 128-bit arithmetic, so "1.5m" is exactly 1572864.
 */
#include "ccx_units.h"

#include <stdio.h>

typedef unsigned __int128 u128;

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }

/* Case-insensitive comparison of the n bytes at s with the NUL-terminated w. */
static int word_is(const char *s, size_t n, const char *w)
{
    size_t i = 0;
    for (; i < n; i++)
        if (w[i] == '\0' || lower(s[i]) != w[i])
            return 0;
    return w[i] == '\0';
}

/* A decimal number "123" or "12.375": integer part and fraction num/den. */
struct decimal {
    uint64_t ip;
    uint64_t frac;      /* fraction numerator */
    uint64_t frac_den;  /* 10^digits kept, 1 when no fraction */
};

/* Parses [p, end) as blanks, number, blanks; sets *unit to the first byte
 * after the blanks that follow the number. */
static int parse_decimal(const char *p, const char *end, struct decimal *d, const char **unit)
{
    while (p < end && is_blank(*p))
        p++;
    if (p == end)
        return CCX_PARSE_EMPTY;
    if (*p == '-')
        return CCX_PARSE_NEGATIVE;
    if (!is_digit(*p) && !(*p == '.' && p + 1 < end && is_digit(p[1])))
        return CCX_PARSE_SYNTAX;
    d->ip = 0;
    d->frac = 0;
    d->frac_den = 1;
    while (p < end && is_digit(*p)) {
        uint64_t digit = (uint64_t)(*p - '0');
        if (d->ip > (UINT64_MAX - digit) / 10)
            return CCX_PARSE_OVERFLOW;
        d->ip = d->ip * 10 + digit;
        p++;
    }
    if (p < end && *p == '.') {
        p++;
        if (p == end || !is_digit(*p))
            return CCX_PARSE_SYNTAX;
        while (p < end && is_digit(*p)) {
            if (d->frac_den < 1000000000000000000ull) { /* keep 18 digits */
                d->frac = d->frac * 10 + (uint64_t)(*p - '0');
                d->frac_den *= 10;
            }
            p++;
        }
    }
    while (p < end && is_blank(*p))
        p++;
    *unit = p;
    return CCX_PARSE_OK;
}

/* value = d * mult / div, rounded down, overflow-checked. */
static int scale(const struct decimal *d, uint64_t mult, uint64_t div, uint64_t *out)
{
    u128 whole = (u128)d->ip * mult;
    u128 part = (u128)d->frac * mult / d->frac_den;
    u128 v = (whole + part) / div;
    if (v > UINT64_MAX)
        return CCX_PARSE_OVERFLOW;
    *out = (uint64_t)v;
    return CCX_PARSE_OK;
}

/* The end of the unit word at p, and a check that only blanks follow it. */
static int unit_word(const char *p, const char *end, size_t *len)
{
    const char *q = p;
    while (q < end && is_alpha(*q))
        q++;
    *len = (size_t)(q - p);
    while (q < end && is_blank(*q))
        q++;
    return q == end ? CCX_PARSE_OK : CCX_PARSE_TRAILING;
}

/* A number and the unit word after it, with only blanks around them. */
static int number_and_unit(const char *s, const char *end, struct decimal *d, const char **unit,
                           size_t *unit_len)
{
    int rc = parse_decimal(s, end, d, unit);
    return rc ? rc : unit_word(*unit, end, unit_len);
}

static int size_multiplier(const char *u, size_t n, unsigned flags, uint64_t *mult)
{
    static const char letters[] = "kmgtp";
    if (n == 0 || word_is(u, n, "b")) {
        *mult = 1;
        return CCX_PARSE_OK;
    }
    for (int i = 0; letters[i]; i++) {
        if (lower(u[0]) != letters[i])
            continue;
        uint64_t bin = 1ull << (10 * (i + 1)), dec = 1;
        for (int k = 0; k <= i; k++)
            dec *= 1000;
        char one[2] = {letters[i], 0}, b[3] = {letters[i], 'b', 0}, ib[4] = {letters[i], 'i', 'b', 0};
        char ionly[3] = {letters[i], 'i', 0};
        if (word_is(u, n, ib) || word_is(u, n, ionly))
            *mult = bin;
        else if (word_is(u, n, one) || word_is(u, n, b))
            *mult = (flags & CCX_SIZE_SI) ? dec : bin;
        else
            return CCX_PARSE_UNIT;
        return CCX_PARSE_OK;
    }
    return CCX_PARSE_UNIT;
}

static int parse_size_range(const char *s, const char *end, unsigned flags, uint64_t *out)
{
    const char *p = s;
    while (p < end && is_blank(*p))
        p++;
    const char *q = end;
    while (q > p && is_blank(q[-1]))
        q--;
    if ((flags & CCX_SIZE_ALLOW_ALL) && word_is(p, (size_t)(q - p), "all")) {
        *out = CCX_SIZE_ALL;
        return CCX_PARSE_OK;
    }
    struct decimal d;
    const char *u;
    size_t n;
    int rc = number_and_unit(s, end, &d, &u, &n);
    if (rc)
        return rc;
    uint64_t mult;
    if ((rc = size_multiplier(u, n, flags, &mult)))
        return rc;
    return scale(&d, mult, 1, out);
}

static const char *end_of(const char *s)
{
    while (*s)
        s++;
    return s;
}

int ccx_parse_size(const char *s, unsigned flags, uint64_t *out)
{
    if (!s)
        return CCX_PARSE_EMPTY;
    return parse_size_range(s, end_of(s), flags, out);
}

/* Nanoseconds per time unit; 0 when the word is not a time unit.
 * allow_empty: a missing unit means seconds. */
static uint64_t time_unit_ns(const char *u, size_t n, int allow_empty)
{
    static const struct { const char *w; uint64_t ns; } units[] = {
        {"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000ull},
        {"sec", 1000000000ull}, {"m", 60000000000ull}, {"min", 60000000000ull},
        {"h", 3600000000000ull}, {"hr", 3600000000000ull}, {"hour", 3600000000000ull},
        {"d", 86400000000000ull}, {"day", 86400000000000ull},
    };
    if (n == 0)
        return allow_empty ? 1000000000ull : 0;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (word_is(u, n, units[i].w))
            return units[i].ns;
    return 0;
}

int ccx_parse_duration(const char *s, uint64_t *out_ns)
{
    if (!s)
        return CCX_PARSE_EMPTY;
    const char *end = end_of(s), *u;
    struct decimal d;
    size_t n;
    int rc = number_and_unit(s, end, &d, &u, &n);
    if (rc)
        return rc;
    uint64_t ns = time_unit_ns(u, n, 1);
    if (!ns)
        return CCX_PARSE_UNIT;
    return scale(&d, ns, 1, out_ns);
}

int ccx_parse_rate(const char *s, double *out)
{
    if (!s)
        return CCX_PARSE_EMPTY;
    const char *end = end_of(s), *slash = s;
    while (slash < end && *slash != '/')
        slash++;
    if (slash == end) {
        /* No "/": tell a bare size apart from garbage. */
        uint64_t v;
        int rc = parse_size_range(s, end, 0, &v);
        return rc ? rc : CCX_PARSE_UNIT;
    }
    uint64_t bytes;
    int rc = parse_size_range(s, slash, 0, &bytes);
    if (rc)
        return rc == CCX_PARSE_EMPTY ? CCX_PARSE_SYNTAX : rc;
    const char *u = slash + 1;
    while (u < end && is_blank(*u))
        u++;
    size_t n;
    if ((rc = unit_word(u, end, &n)))
        return rc;
    uint64_t ns = time_unit_ns(u, n, 0);
    if (ns < 1000000000ull) /* per second or slower; 0: not a unit */
        return n == 0 ? CCX_PARSE_SYNTAX : CCX_PARSE_UNIT;
    *out = (double)bytes / ((double)ns / 1e9);
    return CCX_PARSE_OK;
}

const char *ccx_parse_strerror(int status)
{
    switch (status) {
    case CCX_PARSE_OK: return "ok";
    case CCX_PARSE_EMPTY: return "empty value";
    case CCX_PARSE_NEGATIVE: return "negative value";
    case CCX_PARSE_SYNTAX: return "not a number";
    case CCX_PARSE_UNIT: return "unknown unit";
    case CCX_PARSE_TRAILING: return "trailing characters after the value";
    case CCX_PARSE_OVERFLOW: return "value too large";
    case CCX_PARSE_RANGE: return "value out of range";
    }
    return "unknown error";
}

static char *format_size(double bytes, const char *sign, char *buf, size_t len)
{
    int i = 0;
    while (bytes >= 1024.0 && i < 5) {
        bytes /= 1024.0;
        i++;
    }
    if (i == 0)
        snprintf(buf, len, "%s%.0f B", sign, bytes);
    else {
        static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        snprintf(buf, len, "%s%.1f %s", sign, bytes, units[i]);
    }
    return buf;
}

char *ccx_format_size(double bytes, char *buf, size_t len)
{
    return bytes < 0 ? format_size(-bytes, "-", buf, len) : format_size(bytes, "", buf, len);
}

char *ccx_format_size_signed(double bytes, char *buf, size_t len)
{
    return bytes < 0 ? format_size(-bytes, "-", buf, len) : format_size(bytes, "+", buf, len);
}
