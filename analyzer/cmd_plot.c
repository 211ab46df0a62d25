/* cmd_plot.c - `ccx-analyze plot CSV|DIR|SNAP...`: memory over time as an
 * SVG line chart (or a text/JSON table of the series), one line per
 * series, each with its least-squares growth rate.  Sources:
 *   - monitoring CSVs of every layout moncsv.h knows (the tracer's stats
 *     CSV, the seed's <container>_docker_stats.csv, combined and header-less
 *     docker_stats.csv, counts over time such as archive_count.csv);
 *   - snapshots: RSS and traced live per process.
 * A directory stands for the *.csv and ccxtrace.*.json files in it.  A row
 * that cannot be read is skipped and counted (one warning per file naming
 * the first); a file of no known layout is named and skipped; counts are
 * drawn on their own axis.  Each series belongs to a run (the directory
 * its file is in): with several runs the names carry it, and --align start
 * measures each run's time from its own start. */
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
#include "moncsv.h"
#include "svg.h"
#include "textsafe.h"

#define MAX_SERIES 256

/* What plot keeps of a series beside its points (struct ccx_series). */
struct pmeta {
    char *run;   /* the run's key: the real path of its directory */
    char *file;  /* the CSV it comes from (its name); "" for snapshots */
    char *label; /* the name within the run */
    int count;   /* a count over time, not bytes */
    size_t cap;  /* of x and y */
};

struct plot {
    struct ccx_series s[MAX_SERIES];
    struct pmeta m[MAX_SERIES];
    size_t ns;
    cJSON *files; /* what each CSV gave: layout, rows, rows skipped */
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

/* The run of PATH: the real path of the directory it is in (a new string). */
static char *run_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
    if (!dir)
        return NULL;
    char *real = realpath(dir, NULL);
    if (real) {
        free(dir);
        return real;
    }
    return dir;
}

/* The series (RUN, FILE, LABEL), made when new; NULL when out of room.
 * Two files of one run never share a series: a run's combined
 * docker_stats.csv and its per-container files are two series each. */
static struct ccx_series *series_of(struct plot *pl, const char *run, const char *file, const char *label,
                                    int count, const char *path)
{
    for (size_t i = 0; i < pl->ns; i++)
        if (pl->m[i].count == count && !strcmp(pl->m[i].run, run) && !strcmp(pl->m[i].file, file) &&
            !strcmp(pl->m[i].label, label))
            return &pl->s[i];
    if (pl->ns >= MAX_SERIES) {
        ccx_err("%s: more than %d series", path, MAX_SERIES);
        return NULL;
    }
    struct ccx_series *s = &pl->s[pl->ns];
    struct pmeta *m = &pl->m[pl->ns];
    memset(s, 0, sizeof *s);
    memset(m, 0, sizeof *m);
    m->run = strdup(run);
    m->file = strdup(file);
    m->label = strdup(label);
    m->count = count;
    if (!m->run || !m->file || !m->label) {
        free(m->run);
        free(m->file);
        free(m->label);
        ccx_err("out of memory");
        return NULL;
    }
    pl->ns++;
    return s;
}

static int push_point(struct plot *pl, struct ccx_series *s, double x, double y)
{
    size_t *cap = &pl->m[s - pl->s].cap;
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

/* The name of a file's own series: "<c>" of <c>_docker_stats.csv and
 * <c>_cgroup_memory.csv,
 * "<host>.<pid>.<start>" of a stats CSV, else the name without ".csv". */
static void stem_of(const char *base, char *stem, size_t len)
{
    static const char *const sufs[] = {"_docker_stats.csv", "_cgroup_memory.csv", CCX_STATS_SUFFIX, ".csv"};
    snprintf(stem, len, "%s", base);
    for (size_t i = 0; i < sizeof sufs / sizeof sufs[0]; i++)
        if (ends_with(stem, sufs[i]) && strlen(stem) > strlen(sufs[i])) {
            stem[strlen(stem) - strlen(sufs[i])] = '\0';
            return;
        }
}

/* How reading one CSV went. */
struct csvread {
    struct ccx_mon_file mf;
    char stem[256];
    char *run;
    long rows, skipped, first_bad;
    const char *why;
};

/* One data line into its series; 0, or -1 when out of memory or room. */
static int take_row(struct plot *pl, struct csvread *cr, char *line, long lineno, const char *path)
{
    struct ccx_mon_row r;
    const char *why;
    cr->rows++;
    if (ccx_mon_parse(&cr->mf, line, &r, &why) < 0) {
        if (cr->skipped++ == 0) {
            cr->first_bad = lineno;
            cr->why = why;
        }
        return 0;
    }
    for (int i = 0; i < r.n; i++) {
        char label[300];
        if (!r.v[i].label)
            snprintf(label, sizeof label, "%s", cr->stem);
        else if (cr->mf.layout == CCX_MON_STATS || cr->mf.layout == CCX_MON_CGROUP)
            snprintf(label, sizeof label, "%s %s", cr->stem, r.v[i].label);
        else
            snprintf(label, sizeof label, "%s", r.v[i].label);
        struct ccx_series *s = series_of(pl, cr->run, cr->mf.base, label, r.v[i].count, path);
        if (!s)
            return -1;
        if (push_point(pl, s, r.t, r.v[i].v) < 0) {
            ccx_err("out of memory");
            return -1;
        }
    }
    return 0;
}

/* The file's line in the JSON output's "files". */
static void note_file(struct plot *pl, const char *path, const struct csvread *cr, const char *skipped)
{
    cJSON *x = cJSON_CreateObject();
    char *fresh = NULL;
    const char *sp = ccx_safe_str(path, &fresh);
    cJSON_AddStringToObject(x, "path", sp ? sp : "?");
    free(fresh);
    cJSON_AddStringToObject(x, "layout", ccx_mon_layout_name(cr->mf.layout));
    cJSON_AddNumberToObject(x, "rows", (double)cr->rows);
    cJSON_AddNumberToObject(x, "rows_skipped", (double)cr->skipped);
    if (cr->skipped)
        cJSON_AddNumberToObject(x, "first_bad_line", (double)cr->first_bad);
    if (skipped)
        cJSON_AddStringToObject(x, "skipped", skipped);
    cJSON_AddItemToArray(pl->files, x);
}

/* Reads the rows of an opened CSV whose first line is LINE. */
static int read_rows(struct plot *pl, struct csvread *cr, FILE *f, char **line, size_t *lcap, const char *path)
{
    long lineno = 1;
    if (!cr->mf.header && take_row(pl, cr, *line, lineno, path) < 0)
        return -1;
    while (getline(line, lcap, f) >= 0) {
        lineno++;
        if ((*line)[strspn(*line, " \t\r\n")] == '\0')
            continue; /* blank: not a row */
        if (take_row(pl, cr, *line, lineno, path) < 0)
            return -1;
    }
    return 0;
}

/* One CSV: its series added to pl, or a warning saying why not.  FROM_DIR:
 * listed from a directory (gc stats are then passed over silently).  -1
 * only when out of memory or room. */
static int load_csv(struct plot *pl, const char *path, int from_dir)
{
    char why[200];
    size_t size;
    int fd = ccx_open_input(path, &size, why, sizeof why); /* never blocks on a FIFO */
    FILE *f = fd < 0 ? NULL : fdopen(fd, "r");
    if (!f) {
        ccx_warn("%s: %s, skipped", path, fd < 0 ? why : strerror(errno));
        if (fd >= 0)
            close(fd);
        return 0;
    }
    struct csvread cr;
    memset(&cr, 0, sizeof cr);
    char *line = NULL;
    size_t lcap = 0;
    int rc = 0;
    const char *skip = NULL;
    if (!(cr.run = run_of(path))) {
        ccx_err("out of memory");
        rc = -1;
    } else if (getline(&line, &lcap, f) < 0) {
        skip = "empty file";
    } else {
        line[strcspn(line, "\r\n")] = '\0';
        stem_of(base_name(path), cr.stem, sizeof cr.stem);
        ccx_mon_detect(base_name(path), line, &cr.mf);
        if (cr.mf.layout == CCX_MON_UNKNOWN) {
            ccx_warn("%s: layout not supported (first line \"%.60s\"), skipped; plot reads tracer stats CSVs, docker "
                     "stats CSVs and counts over time (docs/analyzer.md)",
                     path, line);
            skip = "layout not supported";
        } else if (cr.mf.layout == CCX_MON_GC) {
            if (!from_dir)
                ccx_warn("%s: %s, skipped", path, ccx_mon_layout_name(cr.mf.layout));
            skip = ccx_mon_layout_name(cr.mf.layout);
        } else {
            rc = read_rows(pl, &cr, f, &line, &lcap, path);
        }
    }
    if (rc == 0 && !skip && cr.skipped)
        ccx_warn("%s:%ld: %s; %ld of %ld rows skipped", path, cr.first_bad, cr.why, cr.skipped, cr.rows);
    if (rc == 0 && !skip && cr.rows == cr.skipped) {
        ccx_warn("%s: no readable rows, skipped", path);
        skip = "no readable rows";
    } else if (skip && !strcmp(skip, "empty file")) {
        ccx_warn("%s: empty file, skipped", path);
    }
    if (rc == 0)
        note_file(pl, path, &cr, skip);
    free(cr.run);
    free(line);
    fclose(f);
    return rc;
}

/* Snapshots: one RSS and one live series per process. */
static int load_snaps(struct plot *pl, char **paths, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct ccx_snap s;
        if (ccx_load_snap(paths[i], &s) < 0)
            return -1;
        char key[160], nm[200];
        snprintf(key, sizeof key, "%s pid %.0f", *ccx_str(&s, s.host) ? ccx_str(&s, s.host) : "?", s.pid);
        char *run = run_of(paths[i]);
        snprintf(nm, sizeof nm, "%s RSS", key);
        struct ccx_series *a = run ? series_of(pl, run, "", nm, 0, paths[i]) : NULL;
        snprintf(nm, sizeof nm, "%s traced live", key);
        struct ccx_series *b = a ? series_of(pl, run, "", nm, 0, paths[i]) : NULL;
        free(run);
        double live = 0;
        for (size_t q = 0; q < s.nsites; q++)
            live += s.sites[q].live_bytes;
        if (s.has_totals)
            live = s.live_bytes;
        int bad = !b;
        if (b && s.rss >= 0)
            bad |= push_point(pl, a, s.time, s.rss);
        if (b)
            bad |= push_point(pl, b, s.time, live);
        ccx_snap_free(&s);
        if (bad) {
            if (b)
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

/* What plot reads from a directory: CSVs and snapshots. */
static int is_plot_input(const char *name)
{
    return ends_with(name, ".csv") || (strncmp(name, CCX_FILE_PREFIX, strlen(CCX_FILE_PREFIX)) == 0 &&
                                       ends_with(name, CCX_FILE_SUFFIX));
}

/* The files INPUT stands for (a directory: its CSVs and snapshots, sorted);
 * -1 after printing the error. */
static int expand(const char *in, char ***names, size_t *nn, int *is_dir)
{
    struct stat st;
    size_t ncap = 0;
    if (stat(in, &st) < 0) {
        ccx_err("%s: %s", in, strerror(errno));
        return -1;
    }
    *is_dir = S_ISDIR(st.st_mode);
    if (!*is_dir) {
        *names = malloc(sizeof **names);
        if (*names && ((*names)[0] = strdup(in))) {
            *nn = 1;
            return 0;
        }
        ccx_err("out of memory");
        return -1;
    }
    long got = ccx_list_dir(in, is_plot_input, names, nn, &ncap);
    if (got < 0) {
        ccx_err("%s: %s", in, errno == ENOMEM ? "out of memory" : strerror(errno));
        return -1;
    }
    if (got == 0) {
        ccx_err("%s: no CSV (*.csv) or snapshot in this directory", in);
        return -1;
    }
    return 0;
}

static int collect(struct plot *pl, const struct ccx_opts *op)
{
    char **snaps = NULL;
    size_t nsnaps = 0, cap = 0;
    int rc = 0;
    for (int i = 0; i < op->ninputs && rc == 0; i++) {
        char **names = NULL;
        size_t nn = 0;
        int is_dir = 0;
        rc = expand(op->inputs[i], &names, &nn, &is_dir);
        for (size_t j = 0; j < nn; j++) {
            if (rc == 0 && ends_with(names[j], CCX_FILE_SUFFIX)) {
                char **p = ccx_grow(snaps, nsnaps, &cap, sizeof *p, 16);
                if (p) {
                    snaps = p;
                    snaps[nsnaps++] = names[j];
                    continue;
                }
                ccx_err("out of memory");
                rc = -1;
            }
            if (rc == 0 && load_csv(pl, names[j], is_dir) < 0)
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
    if (rc == 0 && pl->ns == 0) {
        ccx_err("plot: nothing to plot: no readable rows in the inputs (see the warnings above)");
        rc = -1;
    }
    return rc;
}

/* Sorts every series, fits its rate and makes its times relative: to the
 * first point of all (wall time) or of its own run (--align start).
 * Returns the origin of wall time; NAN when out of memory. */
static double align(struct plot *pl, int by_run)
{
    double t0 = INFINITY;
    for (size_t i = 0; i < pl->ns; i++) {
        if (sort_series(&pl->s[i]) < 0) {
            ccx_err("out of memory");
            return NAN;
        }
        if (pl->s[i].n && pl->s[i].x[0] < t0)
            t0 = pl->s[i].x[0];
    }
    double origin[MAX_SERIES];
    for (size_t i = 0; i < pl->ns; i++) {
        origin[i] = by_run ? INFINITY : t0;
        for (size_t k = 0; by_run && k < pl->ns; k++)
            if (!strcmp(pl->m[k].run, pl->m[i].run) && pl->s[k].n && pl->s[k].x[0] < origin[i])
                origin[i] = pl->s[k].x[0];
    }
    for (size_t i = 0; i < pl->ns; i++) {
        for (size_t j = 0; j < pl->s[i].n; j++)
            pl->s[i].x[j] -= origin[i];
        pl->s[i].rate = ccx_ols_slope(pl->s[i].x, pl->s[i].y, pl->s[i].n);
    }
    return t0;
}

/* Whether another series of i's run has i's label (from another file). */
static int label_shared(const struct plot *pl, size_t i)
{
    for (size_t k = 0; k < pl->ns; k++)
        if (k != i && !strcmp(pl->m[k].run, pl->m[i].run) && !strcmp(pl->m[k].label, pl->m[i].label))
            return 1;
    return 0;
}

/* Names the series, escaped (textsafe.h): "RUN/LABEL" when the series come
 * from more than one run, else LABEL; " (FILE)" after a label two files of
 * one run share.  -1 when out of memory. */
static int name_series(struct plot *pl)
{
    int several = 0;
    for (size_t i = 1; i < pl->ns; i++)
        several |= strcmp(pl->m[i].run, pl->m[0].run) != 0;
    for (size_t i = 0; i < pl->ns; i++) {
        char *raw = NULL;
        int shared = label_shared(pl, i);
        if (asprintf(&raw, "%s%s%s%s%s%s", several ? base_name(pl->m[i].run) : "", several ? "/" : "", pl->m[i].label,
                     shared ? " (" : "", shared ? pl->m[i].file : "", shared ? ")" : "") < 0)
            return -1;
        pl->s[i].name = ccx_safe_dup(raw);
        free(raw);
        if (!pl->s[i].name)
            return -1;
    }
    return 0;
}

/* A series' value as text: a size, or a count. */
static char *val_text(const struct pmeta *m, double v, char *buf, size_t len)
{
    if (m->count)
        snprintf(buf, len, "%.0f", v);
    else
        ccx_sz(v, buf, len);
    return buf;
}

static char *rate_text(const struct pmeta *m, double per_s, char *buf, size_t len)
{
    if (m->count)
        snprintf(buf, len, "%+.4g/h", per_s * 3600);
    else
        ccx_rate(per_s, buf, len);
    return buf;
}

static void print_json(const struct plot *pl, struct ccx_out *o, double t0, int by_run)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "command", "plot");
    cJSON_AddNumberToObject(doc, "schema", CCX_JSON_SCHEMA);
    cJSON_AddStringToObject(doc, "align", by_run ? "start" : "wall");
    cJSON_AddNumberToObject(doc, "origin_epoch_s", isfinite(t0) ? t0 : 0);
    cJSON *a = cJSON_AddArrayToObject(doc, "series");
    for (size_t i = 0; i < pl->ns; i++) {
        const struct ccx_series *s = &pl->s[i];
        char *fresh = NULL;
        const char *run = ccx_safe_str(base_name(pl->m[i].run), &fresh);
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "name", s->name);
        cJSON_AddStringToObject(x, "run", run ? run : "?");
        free(fresh);
        const char *file = ccx_safe_str(pl->m[i].file, &fresh);
        cJSON_AddStringToObject(x, "file", file ? file : "?");
        free(fresh);
        cJSON_AddStringToObject(x, "unit", pl->m[i].count ? "count" : "bytes");
        cJSON_AddNumberToObject(x, "points", (double)s->n);
        cJSON_AddNumberToObject(x, "first_s", s->n ? s->x[0] : 0);
        cJSON_AddNumberToObject(x, "last_s", s->n ? s->x[s->n - 1] : 0);
        cJSON_AddNumberToObject(x, "first", s->n ? s->y[0] : 0);
        cJSON_AddNumberToObject(x, "last", s->n ? s->y[s->n - 1] : 0);
        cJSON_AddNumberToObject(x, "rate_per_h", s->rate * 3600);
        if (!pl->m[i].count) {
            cJSON_AddNumberToObject(x, "first_bytes", s->n ? s->y[0] : 0);
            cJSON_AddNumberToObject(x, "last_bytes", s->n ? s->y[s->n - 1] : 0);
            cJSON_AddNumberToObject(x, "rate_bytes_per_h", s->rate * 3600);
        }
        cJSON_AddItemToArray(a, x);
    }
    cJSON_AddItemReferenceToObject(doc, "files", pl->files);
    ccx_json_emit(o, doc);
}

static void print_table(const struct plot *pl, struct ccx_out *o)
{
    char b1[48], b2[48], b3[48], b4[48];
    int md = o->fmt == CCX_FMT_MARKDOWN;
    if (md)
        fputs("| series | points | span | first | last | fitted rate |\n|---|---:|---:|---:|---:|---:|\n", o->f);
    else
        fprintf(o->f, "%s%-40s %7s %9s %11s %11s %14s%s\n", ccx_c_bold(o), "series", "points", "span", "first", "last",
                "fitted rate", ccx_c_off(o));
    for (size_t i = 0; i < pl->ns; i++) {
        const struct ccx_series *s = &pl->s[i];
        const struct pmeta *m = &pl->m[i];
        double span = s->n ? s->x[s->n - 1] - s->x[0] : 0;
        ccx_duration(span, b1, sizeof b1);
        val_text(m, s->n ? s->y[0] : 0, b2, sizeof b2);
        val_text(m, s->n ? s->y[s->n - 1] : 0, b3, sizeof b3);
        rate_text(m, s->rate, b4, sizeof b4);
        if (md) {
            fputs("| ", o->f);
            ccx_put_md(o->f, s->name);
            fprintf(o->f, " | %zu | %s | %s | %s | %s |\n", s->n, b1, b2, b3, b4);
        } else {
            fprintf(o->f, "%-40s %7zu %9s %11s %11s %14s\n", s->name, s->n, b1, b2, b3, b4);
        }
    }
}

int ccx_cmd_plot(const struct ccx_opts *op, struct ccx_out *o)
{
    struct plot pl;
    memset(&pl, 0, sizeof pl);
    pl.files = cJSON_CreateArray();
    int rc = pl.files && collect(&pl, op) == 0 ? 0 : 2;
    double t0 = rc ? NAN : align(&pl, op->align_start);
    if (rc == 0 && (isnan(t0) || name_series(&pl) < 0)) {
        ccx_err("out of memory");
        rc = 2;
    }
    if (rc == 0) {
        if (o->fmt == CCX_FMT_SVG || o->fmt == CCX_FMT_HTML) {
            if (o->fmt == CCX_FMT_HTML)
                fputs("<!doctype html><meta charset=\"utf-8\"><title>ccx-analyze plot</title>\n", o->f);
            int counts[MAX_SERIES];
            for (size_t i = 0; i < pl.ns; i++)
                counts[i] = pl.m[i].count;
            ccx_svg_chart(o->f, pl.s, pl.ns, counts, op->align_start ? "memory over time (runs aligned at their start)"
                                                                     : "memory over time");
        } else if (o->fmt == CCX_FMT_JSON) {
            print_json(&pl, o, t0, op->align_start);
        } else if (o->fmt == CCX_FMT_TEXT || o->fmt == CCX_FMT_MARKDOWN) {
            print_table(&pl, o);
        } else {
            ccx_err("plot: format %s is not available (svg, html, text, json, markdown)", ccx_fmt_name(o->fmt));
            rc = 2;
        }
    }
    for (size_t i = 0; i < pl.ns; i++) {
        free(pl.s[i].name);
        free(pl.s[i].x);
        free(pl.s[i].y);
        free(pl.m[i].run);
        free(pl.m[i].file);
        free(pl.m[i].label);
    }
    cJSON_Delete(pl.files);
    return rc;
}
