/* ccx_pressure.c - CCXTRACE_PRESSURE's thresholds (see ccx_pressure.h).
 *
 * A threshold is a share of the effective memory limit ("80%", to two
 * decimals) or an absolute size ("1.5GiB", common/ccx_units.c).  With a
 * limit, memory is the cgroup's working set; without one, percentages do
 * nothing and sizes compare with RSS.  Each threshold fires once when
 * memory reaches it and re-arms only after memory falls 5 points of the
 * limit below it, so a process hovering at the line takes one snapshot,
 * not one a second.  No allocation: parsing runs in the constructor.
 */
#include "ccx_pressure.h"
#include "ccx_units.h"

#include <string.h>

/* "80%", "99.5%", "12.25%" -> basis points (1-10000); -1 when not a percentage. */
static int parse_percent(const char *s, size_t n, uint32_t *bp)
{
    if (n < 2 || s[n - 1] != '%')
        return -1;
    uint64_t whole = 0, frac = 0;
    int fd = -1; /* digits after the point; -1 = no point */
    size_t i = 0;
    for (; i < n - 1; i++) {
        char c = s[i];
        if (c == '.' && fd < 0) {
            fd = 0;
        } else if (c >= '0' && c <= '9') {
            if (fd < 0) {
                whole = whole * 10 + (uint64_t)(c - '0');
                if (whole > 100)
                    return -2;
            } else if (++fd <= 2) {
                frac = frac * 10 + (uint64_t)(c - '0');
            } else {
                return -3;
            }
        } else {
            return -3;
        }
    }
    if (i == 0 || (fd < 0 && s[0] == '.'))
        return -3;
    if (fd == 1)
        frac *= 10;
    uint64_t v = whole * 100 + frac;
    if (v == 0 || v > 10000)
        return -2;
    *bp = (uint32_t)v;
    return 0;
}

static int parse_one(const char *s, size_t n, struct ccx_threshold *t, const char **why)
{
    char text[sizeof t->text];
    if (n >= sizeof text) {
        *why = "a threshold longer than 23 bytes";
        return -1;
    }
    memcpy(text, s, n);
    text[n] = 0;
    memset(t, 0, sizeof *t);
    memcpy(t->text, text, n + 1);
    if (n && text[n - 1] == '%') {
        int r = parse_percent(text, n, &t->basis_points);
        if (r == 0)
            return 0;
        *why = r == -2 ? "a percentage must be above 0% and at most 100%"
                       : "not a percentage (e.g. 80% or 97.5%)";
        return -1;
    }
    int st = ccx_parse_size(text, 0, &t->bytes);
    if (st == CCX_PARSE_OK && t->bytes == 0)
        st = CCX_PARSE_RANGE;
    if (st != CCX_PARSE_OK) {
        *why = st == CCX_PARSE_RANGE ? "a size must be above 0" : "not a percentage or a size (e.g. 80%, 1.5GiB)";
        return -1;
    }
    return 0;
}

int ccx_pressure_parse(const char *v, struct ccx_thresholds *out, const char **why)
{
    memset(out, 0, sizeof *out);
    if (strcmp(v, "off") == 0 || strcmp(v, "none") == 0 || strcmp(v, "0") == 0)
        return 0;
    for (const char *p = v; p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        while (n && (*p == ' ' || *p == '\t')) {
            p++;
            n--;
        }
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n) {
            if (out->n == CCX_PRESSURE_MAX) {
                *why = "more than 8 thresholds";
                memset(out, 0, sizeof *out);
                return -1;
            }
            if (parse_one(p, n, &out->t[out->n], why) != 0) {
                memset(out, 0, sizeof *out);
                return -1;
            }
            out->n++;
        }
        p = e ? e + 1 : NULL;
    }
    if (out->n == 0) {
        *why = "no threshold (use off to disable)";
        return -1;
    }
    return 0;
}

uint64_t ccx_pressure_level(const struct ccx_threshold *t, uint64_t limit)
{
    if (!t->basis_points)
        return t->bytes;
    if (!limit)
        return 0;
    /* limit * bp / 10000 without overflow for any 64-bit limit */
    return limit / 10000 * t->basis_points + limit % 10000 * t->basis_points / 10000;
}

/* How far below a fired threshold memory must fall to re-arm it. */
static uint64_t rearm_gap(uint64_t level, uint64_t limit)
{
    uint64_t base = limit ? limit : level;
    return base / 10000 * CCX_PRESSURE_REARM_BP + base % 10000 * CCX_PRESSURE_REARM_BP / 10000;
}

int ccx_pressure_eval(const struct ccx_thresholds *o, struct ccx_pressure_state *st, uint64_t limit,
                      uint64_t memory, int *next_ms)
{
    int fire = -1;
    uint64_t fire_level = 0;
    *next_ms = CCX_PRESSURE_SLOW_MS;
    for (int i = 0; i < o->n; i++) {
        uint64_t level = ccx_pressure_level(&o->t[i], limit);
        if (!level)
            continue;
        uint64_t gap = rearm_gap(level, limit);
        uint64_t low = level > gap ? level - gap : 0;
        if (memory >= level) {
            if (!st->fired[i] && (fire < 0 || level >= fire_level)) {
                fire = i;
                fire_level = level;
            }
            st->fired[i] = 1;
        } else {
            if (memory < low)
                st->fired[i] = 0;
            else if (!st->fired[i])
                *next_ms = CCX_PRESSURE_FAST_MS; /* close below an armed threshold */
        }
    }
    return fire;
}

int ccx_pressure_under(const struct ccx_thresholds *o, const struct ccx_pressure_state *st)
{
    for (int i = 0; i < o->n; i++)
        if (st->fired[i])
            return 1;
    return 0;
}
