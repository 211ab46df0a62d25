/* cmd_plot.c - `ccx-analyze plot CSV|DIR|SNAP...`: memory over time as an
 * SVG line chart (or a text/JSON table of the series), one line per
 * series, each with its least-squares growth rate.  Sources:
 *   - the tracer's stats CSV (header CCX_STATS_HEADER): RSS and traced live;
 *   - the monitoring CSVs, <container>_docker_stats.csv (the seed's columns,
 *     mem_usage_mb in MiB);
 *   - snapshots: RSS and traced live per process.
 * A directory stands for the *_docker_stats.csv, *.stats.csv and
 * ccxtrace.*.json files in it. */
#include "cmd.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ccx_format.h"
#include "grow.h"
#include "infile.h"
#include "svg.h"
#include "textsafe.h"

#define MAX_SERIES 256
#define DOCKER_HEADER "timestamp,elapsed_min,cpu_perc,mem_usage_mb"

struct plot {
    struct ccx_series s[MAX_SERIES];
    size_t ns;
};

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static struct ccx_series *new_series(struct plot *pl, const char *name, const char *path)
{
    if (pl->ns >= MAX_SERIES) {
        ccx_err("%s: more than %d series", path, MAX_SERIES);
        return NULL;
    }
    struct ccx_series *s = &pl->s[pl->ns];
    memset(s, 0, sizeof *s);
    s->name = ccx_safe_dup(name); /* file names may hold escapes (textsafe.h) */
    if (!s->name) {
        ccx_err("out of memory");
        return NULL;
    }
    pl->ns++;
    return s;
}

static int push_point(struct ccx_series *s, size_t *cap, double x, double y)
{
    if (s->n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        double *nx = realloc(s->x, c * sizeof *nx);
        if (!nx)
            return -1;
        s->x = nx;
        double *ny = realloc(s->y, c * sizeof *ny);
        if (!ny)
            return -1;
        s->y = ny;
        *cap = c;
    }
    s->x[s->n] = x;
    s->y[s->n++] = y;
    return 0;
}

/* Splits a CSV line in place on commas (no quoting in these files). */
static int split(char *line, char **f, int max)
{
    int n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *p = line; n < max;) {
        f[n++] = p;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

static int num_field(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return end != s && *end == '\0' && !errno && isfinite(*v) ? 0 : -1;
}

static int load_csv(struct plot *pl, const char *path)
{
    char why[200];
    size_t size;
    int fd = ccx_open_input(path, &size, why, sizeof why); /* never blocks on a FIFO */
    FILE *f = fd < 0 ? NULL : fdopen(fd, "r");
    if (!f) {
        ccx_err("%s: %s", path, fd < 0 ? why : strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    char *line = NULL;
    size_t lcap = 0;
    if (getline(&line, &lcap, f) < 0) {
        ccx_err("%s: empty file", path);
        fclose(f);
        free(line);
        return -1;
    }
    line[strcspn(line, "\r\n")] = '\0';
    int kind;
    if (strncmp(line, CCX_STATS_HEADER, strlen(CCX_STATS_HEADER)) == 0)
        kind = 1;
    else if (strncmp(line, DOCKER_HEADER, strlen(DOCKER_HEADER)) == 0)
        kind = 2;
    else {
        ccx_err("%s: not a tracer stats CSV (%.40s...) nor a <container>_docker_stats.csv", path, CCX_STATS_HEADER);
        fclose(f);
        free(line);
        return -1;
    }
    char name[256];
    snprintf(name, sizeof name, "%s", base_name(path));
    if (kind == 2 && ends_with(name, "_docker_stats.csv"))
        name[strlen(name) - strlen("_docker_stats.csv")] = '\0';
    else if (kind == 1 && ends_with(name, CCX_STATS_SUFFIX))
        name[strlen(name) - strlen(CCX_STATS_SUFFIX)] = '\0';
    char sname[300];
    size_t c1 = 0, c2 = 0;
    snprintf(sname, sizeof sname, kind == 1 ? "%s RSS" : "%s", name);
    struct ccx_series *a = new_series(pl, sname, path), *b = NULL;
    if (a && kind == 1) {
        snprintf(sname, sizeof sname, "%s traced live", name);
        b = new_series(pl, sname, path);
    }
    int rc = a && (kind == 2 || b) ? 0 : -1;
    long lineno = 1;
    while (rc == 0 && getline(&line, &lcap, f) >= 0) {
        lineno++;
        char *fl[16];
        int nf = split(line, fl, 16);
        if (nf == 1 && fl[0][0] == '\0')
            continue;
        double t, y1, y2;
        if (kind == 2) {
            if (nf < 4 || ccx_parse_utc(fl[0], 1, &t) < 0 || num_field(fl[3], &y1) < 0 || y1 < 0) {
                ccx_err("%s:%ld: bad row (want timestamp,elapsed_min,cpu_perc,mem_usage_mb,...)", path, lineno);
                rc = -1;
                break;
            }
            if (push_point(a, &c1, t, y1 * 1048576.0) < 0)
                rc = -1;
        } else {
            if (nf < 4 || ccx_parse_utc(fl[0], 1, &t) < 0 || num_field(fl[2], &y1) < 0 || num_field(fl[3], &y2) < 0 ||
                y1 < 0 || y2 < 0) {
                ccx_err("%s:%ld: bad row (want %s)", path, lineno, CCX_STATS_HEADER);
                rc = -1;
                break;
            }
            if (push_point(a, &c1, t, y1) < 0 || push_point(b, &c2, t, y2) < 0)
                rc = -1;
        }
    }
    if (rc == 0 && a->n == 0) {
        ccx_err("%s: no data rows", path);
        rc = -1;
    }
    free(line);
    fclose(f);
    return rc;
}

/* Snapshots: one RSS and one live series per process. */
static int load_snaps(struct plot *pl, char **paths, size_t n)
{
    size_t caps[MAX_SERIES] = {0};
    char keys[MAX_SERIES][160];
    size_t first = pl->ns;
    for (size_t i = 0; i < n; i++) {
        struct ccx_snap s;
        if (ccx_load_snap(paths[i], &s) < 0)
            return -1;
        char key[160];
        snprintf(key, sizeof key, "%s pid %.0f", *ccx_str(&s, s.host) ? ccx_str(&s, s.host) : "?", s.pid);
        size_t j;
        for (j = first; j < pl->ns; j += 2)
            if (strcmp(keys[j], key) == 0 && pl->s[j].n >= 1)
                break;
        if (j >= pl->ns) {
            char nm[200];
            snprintf(nm, sizeof nm, "%s RSS", key);
            if (!new_series(pl, nm, paths[i])) {
                ccx_snap_free(&s);
                return -1;
            }
            snprintf(nm, sizeof nm, "%s traced live", key);
            if (!new_series(pl, nm, paths[i])) {
                ccx_snap_free(&s);
                return -1;
            }
            j = pl->ns - 2;
            snprintf(keys[j], sizeof keys[j], "%s", key);
        }
        double live = 0;
        for (size_t q = 0; q < s.nsites; q++)
            live += s.sites[q].live_bytes;
        if (s.has_totals)
            live = s.live_bytes;
        int bad = 0;
        if (s.rss >= 0)
            bad |= push_point(&pl->s[j], &caps[j], s.time, s.rss);
        bad |= push_point(&pl->s[j + 1], &caps[j + 1], s.time, live);
        ccx_snap_free(&s);
        if (bad) {
            ccx_err("out of memory");
            return -1;
        }
    }
    return 0;
}

static int cmp_xy(const void *a, const void *b)
{
    const double *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Points in time order; -1 when out of memory. */
static int sort_series(struct ccx_series *s)
{
    if (s->n < 2)
        return 0;
    double *tmp = malloc(2 * s->n * sizeof *tmp);
    if (!tmp)
        return -1;
    for (size_t i = 0; i < s->n; i++) {
        tmp[2 * i] = s->x[i];
        tmp[2 * i + 1] = s->y[i];
    }
    qsort(tmp, s->n, 2 * sizeof *tmp, cmp_xy);
    for (size_t i = 0; i < s->n; i++) {
        s->x[i] = tmp[2 * i];
        s->y[i] = tmp[2 * i + 1];
    }
    free(tmp);
    return 0;
}

/* What plot reads from a directory: stats CSVs and snapshots. */
static int is_plot_input(const char *name)
{
    return ends_with(name, "_docker_stats.csv") || ends_with(name, CCX_STATS_SUFFIX) ||
           (strncmp(name, CCX_FILE_PREFIX, strlen(CCX_FILE_PREFIX)) == 0 &&
            ends_with(name, CCX_FILE_SUFFIX));
}

static int collect(struct plot *pl, const struct ccx_opts *op)
{
    char **snaps = NULL;
    size_t nsnaps = 0, cap = 0;
    int rc = 0;
    for (int i = 0; i < op->ninputs && rc == 0; i++) {
        const char *in = op->inputs[i];
        struct stat st;
        if (stat(in, &st) < 0) {
            ccx_err("%s: %s", in, strerror(errno));
            rc = -1;
            break;
        }
        char **names = NULL;
        size_t nn = 0, ncap = 0;
        if (S_ISDIR(st.st_mode)) {
            /* sorted for stable output */
            long got = ccx_list_dir(in, is_plot_input, &names, &nn, &ncap);
            if (got < 0 && errno == ENOMEM) {
                ccx_err("out of memory");
                rc = -1;
            } else if (got < 0) {
                ccx_err("%s: %s", in, strerror(errno));
                rc = -1;
            } else if (got == 0) {
                ccx_err("%s: no stats CSV, docker stats CSV or snapshot in this directory", in);
                rc = -1;
            }
        } else {
            names = malloc(sizeof *names);
            if (names && (names[0] = strdup(in)))
                nn = 1;
            else {
                ccx_err("out of memory");
                rc = -1;
            }
        }
        for (size_t j = 0; j < nn; j++) {
            if (rc == 0 && ends_with(names[j], CCX_FILE_SUFFIX)) {
                char **p = ccx_grow(snaps, nsnaps, &cap, sizeof *p, 16);
                if (!p) {
                    ccx_err("out of memory");
                    rc = -1;
                    free(names[j]);
                    continue;
                }
                snaps = p;
                snaps[nsnaps++] = names[j];
                continue;
            }
            if (rc == 0 && load_csv(pl, names[j]) < 0)
                rc = -1;
            free(names[j]);
        }
        free(names);
    }
    if (rc == 0 && nsnaps)
        rc = load_snaps(pl, snaps, nsnaps);
    for (size_t j = 0; j < nsnaps; j++)
        free(snaps[j]);
    free(snaps);
    return rc;
}

int ccx_cmd_plot(const struct ccx_opts *op, struct ccx_out *o)
{
    struct plot pl;
    memset(&pl, 0, sizeof pl);
    int rc = collect(&pl, op) < 0 ? 2 : 0;
    double t0 = INFINITY;
    for (size_t i = 0; i < pl.ns && rc == 0; i++)
        for (size_t j = 0; j < pl.s[i].n; j++)
            if (pl.s[i].x[j] < t0)
                t0 = pl.s[i].x[j];
    for (size_t i = 0; i < pl.ns && rc == 0; i++) {
        if (sort_series(&pl.s[i]) < 0) {
            ccx_err("out of memory");
            rc = 2;
            break;
        }
        for (size_t j = 0; j < pl.s[i].n; j++)
            pl.s[i].x[j] -= t0;
        pl.s[i].rate = ccx_ols_slope(pl.s[i].x, pl.s[i].y, pl.s[i].n);
    }
    if (rc == 0) {
        char b1[48], b2[48], b3[48], b4[48];
        if (o->fmt == CCX_FMT_SVG || o->fmt == CCX_FMT_HTML) {
            if (o->fmt == CCX_FMT_HTML)
                fputs("<!doctype html><meta charset=\"utf-8\"><title>ccx-analyze plot</title>\n", o->f);
            ccx_svg_lines(o->f, pl.s, pl.ns, "memory over time");
        } else if (o->fmt == CCX_FMT_JSON) {
            cJSON *doc = cJSON_CreateObject();
            cJSON_AddStringToObject(doc, "command", "plot");
            cJSON_AddNumberToObject(doc, "schema", CCX_JSON_SCHEMA);
            cJSON_AddNumberToObject(doc, "origin_epoch_s", isfinite(t0) ? t0 : 0);
            cJSON *a = cJSON_AddArrayToObject(doc, "series");
            for (size_t i = 0; i < pl.ns; i++) {
                const struct ccx_series *s = &pl.s[i];
                cJSON *x = cJSON_CreateObject();
                cJSON_AddStringToObject(x, "name", s->name);
                cJSON_AddNumberToObject(x, "points", (double)s->n);
                cJSON_AddNumberToObject(x, "first_s", s->n ? s->x[0] : 0);
                cJSON_AddNumberToObject(x, "last_s", s->n ? s->x[s->n - 1] : 0);
                cJSON_AddNumberToObject(x, "first_bytes", s->n ? s->y[0] : 0);
                cJSON_AddNumberToObject(x, "last_bytes", s->n ? s->y[s->n - 1] : 0);
                cJSON_AddNumberToObject(x, "rate_bytes_per_h", s->rate * 3600);
                cJSON_AddItemToArray(a, x);
            }
            ccx_json_emit(o, doc);
        } else if (o->fmt == CCX_FMT_TEXT || o->fmt == CCX_FMT_MARKDOWN) {
            int md = o->fmt == CCX_FMT_MARKDOWN;
            if (md)
                fputs("| series | points | span | first | last | fitted rate |\n|---|---:|---:|---:|---:|---:|\n", o->f);
            else
                fprintf(o->f, "%s%-40s %7s %9s %11s %11s %14s%s\n", ccx_c_bold(o), "series", "points", "span", "first",
                        "last", "fitted rate", ccx_c_off(o));
            for (size_t i = 0; i < pl.ns; i++) {
                const struct ccx_series *s = &pl.s[i];
                double span = s->n ? s->x[s->n - 1] - s->x[0] : 0;
                if (md) {
                    fputs("| ", o->f);
                    ccx_put_md(o->f, s->name);
                    fprintf(o->f, " | %zu | %s | %s | %s | %s |\n", s->n, ccx_duration(span, b1, sizeof b1),
                            ccx_sz(s->n ? s->y[0] : 0, b2, sizeof b2), ccx_sz(s->n ? s->y[s->n - 1] : 0, b3, sizeof b3),
                            ccx_rate(s->rate, b4, sizeof b4));
                } else {
                    fprintf(o->f, "%-40s %7zu %9s %11s %11s %14s\n", s->name, s->n, ccx_duration(span, b1, sizeof b1),
                            ccx_sz(s->n ? s->y[0] : 0, b2, sizeof b2), ccx_sz(s->n ? s->y[s->n - 1] : 0, b3, sizeof b3),
                            ccx_rate(s->rate, b4, sizeof b4));
                }
            }
        } else {
            ccx_err("plot: format %s is not available (svg, html, text, json, markdown)", ccx_fmt_name(o->fmt));
            rc = 2;
        }
    }
    for (size_t i = 0; i < pl.ns; i++) {
        free(pl.s[i].name);
        free(pl.s[i].x);
        free(pl.s[i].y);
    }
    return rc;
}
