/* svg.c - line charts and flame graphs as plain SVG (no scripts, no
 * network: they render anywhere, inline in the HTML report too). */
#include "svg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "out.h"

static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                      "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

/* A "nice" tick step for a range covered by about n ticks. */
static double nice_step(double range, int n)
{
    if (!(range > 0))
        return 1;
    double raw = range / n, mag = pow(10, floor(log10(raw))), f = raw / mag;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

/* The value range of the series with count[i] == want (count NULL: all
 * are bytes), padded by 5% and from 0 when near it; 0 when there are none. */
static int yrange(const struct ccx_series *s, size_t ns, const int *count, int want, double unit, double *lo,
                  double *hi)
{
    double ymin = INFINITY, ymax = -INFINITY;
    for (size_t i = 0; i < ns; i++)
        for (size_t j = 0; (count ? count[i] : 0) == want && j < s[i].n; j++) {
            ymin = fmin(ymin, s[i].y[j]);
            ymax = fmax(ymax, s[i].y[j]);
        }
    if (!isfinite(ymin)) {
        *lo = 0;
        *hi = 1;
        return 0;
    }
    double y0 = ymin / unit, y1 = ymax / unit, pad = (y1 - y0) * 0.05;
    if (pad <= 0)
        pad = y1 > 0 ? y1 * 0.05 : 1;
    *lo = y0 - pad < 0 && y0 >= 0 ? 0 : y0 - pad;
    *hi = y1 + pad;
    return 1;
}

/* Where a chart's plot area is and what its axes span. */
struct frame {
    double L, T, pw, ph; /* left, top, width, height of the plot area */
    double x1;           /* x axis: 0..x1 in units of xu seconds */
    double y0, y1;       /* bytes axis in units of yu bytes */
    double c0, c1;       /* counts axis */
    double xu, yu;
};

static double fx(const struct frame *r, double x)
{
    return r->L + x / r->xu / r->x1 * r->pw;
}

static double fy(const struct frame *r, double y, int isc)
{
    return isc ? r->T + r->ph - (y - r->c0) / (r->c1 - r->c0) * r->ph
               : r->T + r->ph - (y / r->yu - r->y0) / (r->y1 - r->y0) * r->ph;
}

/* Series I: its line (dashed for a count) and its legend entry. */
static void draw_series(FILE *f, const struct frame *r, const struct ccx_series *s, size_t i, int isc)
{
    const char *c = palette[i % 10], *dash = isc ? " stroke-dasharray=\"6 3\"" : "";
    fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"%s points=\"", c, dash);
    for (size_t j = 0; j < s->n; j++)
        fprintf(f, "%.1f,%.1f ", fx(r, s->x[j]), fy(r, s->y[j], isc));
    fputs("\"/>\n", f);
    if (s->n == 1)
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", fx(r, s->x[0]), fy(r, s->y[0], isc), c);
    double ly = r->T + r->ph + 52 + 18.0 * (double)i;
    char rate[48];
    if (isc)
        snprintf(rate, sizeof rate, "%+.4g/h", s->rate * 3600);
    else
        ccx_rate(s->rate, rate, sizeof rate);
    fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"%s\" stroke-width=\"3\"%s/>", r->L,
            ly - 4, r->L + 24, ly - 4, c, dash);
    fprintf(f, "<text x=\"%.0f\" y=\"%.0f\">", r->L + 30, ly);
    ccx_put_xml(f, s->name);
    fprintf(f, " (fit %s)</text>\n", rate);
}

void ccx_svg_lines(FILE *f, const struct ccx_series *s, size_t ns, const char *title)
{
    ccx_svg_chart(f, s, ns, NULL, title);
}

void ccx_svg_chart(FILE *f, const struct ccx_series *s, size_t ns, const int *count, const char *title)
{
    double xmax = 0, y0, y1, c0, c1;
    for (size_t i = 0; i < ns; i++)
        for (size_t j = 0; j < s[i].n; j++)
            xmax = fmax(xmax, s[i].x[j]);
    /* units: hours when the span is 2 h or more, else minutes; MiB */
    int hours = xmax >= 7200;
    double xu = hours ? 3600 : 60, yu = 1048576;
    yrange(s, ns, count, 0, yu, &y0, &y1);
    int counts = yrange(s, ns, count, 1, 1, &c0, &c1);
    const double W = 900, L = 80, R = counts ? 80 : 20, T = 40, B = 60;
    double x1 = xmax / xu;
    if (x1 <= 0)
        x1 = 1;
    double pw = W - L - R, ph = 480 - T - B - 18.0 * (double)ns;
    if (ph < 200)
        ph = 200;
    double Ht = T + ph + B + 18.0 * (double)ns;
#define PX(v) (L + (v) / x1 * pw)
#define PY(v) (T + ph - ((v) - y0) / (y1 - y0) * ph)
#define PC(v) (T + ph - ((v) - c0) / (c1 - c0) * ph)
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
               "font-family=\"sans-serif\" font-size=\"12\">\n",
            W, Ht, W, Ht);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n<text x=\"%.0f\" y=\"22\" font-size=\"15\" "
               "text-anchor=\"middle\">",
            W / 2);
    ccx_put_xml(f, title);
    fputs("</text>\n", f);
    /* grid and ticks */
    double ys = nice_step(y1 - y0, 6), xs = nice_step(x1, 8), cs = nice_step(c1 - c0, 6);
    for (double v = ceil(y0 / ys) * ys; v <= y1 + 1e-9; v += ys) {
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>", L, PY(v), L + pw, PY(v));
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", L - 6, PY(v) + 4, v);
    }
    for (double v = ceil(c0 / cs) * cs; counts && v <= c1 + 1e-9; v += cs)
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"start\">%g</text>\n", L + pw + 6, PC(v) + 4, v);
    for (double v = 0; v <= x1 + 1e-9; v += xs) {
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>", PX(v), T, PX(v), T + ph);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g</text>\n", PX(v), T + ph + 16, v);
    }
    fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#333\"/>\n", L, T, pw, ph);
    fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">time since start (%s)</text>\n", L + pw / 2,
            T + ph + 36, hours ? "hours" : "minutes");
    fprintf(f, "<text transform=\"translate(18 %.0f) rotate(-90)\" text-anchor=\"middle\">memory (MiB)</text>\n", T + ph / 2);
    if (counts)
        fprintf(f, "<text transform=\"translate(%.0f %.0f) rotate(90)\" text-anchor=\"middle\">count (dashed)</text>\n",
                W - 14, T + ph / 2);
    struct frame fr = {L, T, pw, ph, x1, y0, y1, c0, c1, xu, yu};
    for (size_t i = 0; i < ns; i++)
        draw_series(f, &fr, &s[i], i, count && count[i]);
    fputs("</svg>\n", f);
#undef PX
#undef PY
#undef PC
}

/* ---- flame graph ---- */

struct fnode {
    char *label;
    double value;
    size_t nkids, cap;
    struct fnode **kids;
};

struct ccx_flame {
    struct fnode root;
    int depth;
};

struct ccx_flame *ccx_flame_new(const char *root)
{
    struct ccx_flame *fl = calloc(1, sizeof *fl);
    if (fl && !(fl->root.label = strdup(root))) {
        free(fl);
        return NULL;
    }
    return fl;
}

int ccx_flame_add(struct ccx_flame *fl, const char *const *frames, size_t n, double value)
{
    if (!(value > 0))
        return 0;
    struct fnode *cur = &fl->root;
    cur->value += value;
    for (size_t i = 0; i < n; i++) {
        struct fnode *k = NULL;
        for (size_t j = 0; j < cur->nkids; j++)
            if (strcmp(cur->kids[j]->label, frames[i]) == 0) {
                k = cur->kids[j];
                break;
            }
        if (!k) {
            struct fnode **p = ccx_grow(cur->kids, cur->nkids, &cur->cap, sizeof *p, 4);
            if (!p)
                return -1;
            cur->kids = p;
            k = calloc(1, sizeof *k);
            if (!k || !(k->label = strdup(frames[i]))) {
                free(k);
                return -1;
            }
            cur->kids[cur->nkids++] = k;
        }
        k->value += value;
        cur = k;
    }
    if ((int)n + 1 > fl->depth)
        fl->depth = (int)n + 1;
    return 0;
}

static void draw(FILE *f, const struct fnode *n, double x, double w, int level, double total, double H, int *count)
{
    const double rh = 17;
    if (w < 0.5 || *count > 20000)
        return;
    (*count)++;
    double y = H - 20 - (level + 1) * rh;
    unsigned h = 0;
    for (const char *p = n->label; *p; p++)
        h = h * 31 + (unsigned char)*p;
    char sz[32];
    fprintf(f, "<g><title>");
    ccx_put_xml(f, n->label);
    fprintf(f, " (%s, %.1f%%)</title><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.0f\" fill=\"rgb(%u,%u,%u)\" "
               "stroke=\"white\" stroke-width=\"0.5\"/>",
            ccx_sz(n->value, sz, sizeof sz), 100 * n->value / total, x, y, w, rh - 1, 205 + h % 50,
            80 + (h >> 8) % 130, 40 + (h >> 16) % 40);
    int chars = (int)((w - 6) / 7);
    if (chars >= 3) {
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", x + 3, y + rh - 5);
        char buf[256];
        snprintf(buf, sizeof buf, "%s", n->label);
        if ((int)strlen(buf) > chars && chars < (int)sizeof buf)
            strcpy(buf + chars - 2, "..");
        ccx_put_xml(f, buf);
        fputs("</text>", f);
    }
    fputs("</g>\n", f);
    double cx = x;
    for (size_t i = 0; i < n->nkids; i++) {
        double cw = w * n->kids[i]->value / n->value;
        draw(f, n->kids[i], cx, cw, level + 1, total, H, count);
        cx += cw;
    }
}

void ccx_flame_svg(FILE *f, const struct ccx_flame *fl, const char *title)
{
    const double W = 1200;
    double H = 60 + 17.0 * (fl->depth + 1);
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
               "font-family=\"monospace\" font-size=\"11\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"#fffdf6\"/>\n"
               "<text x=\"%.0f\" y=\"20\" font-size=\"14\" font-family=\"sans-serif\" text-anchor=\"middle\">",
            W, H, W, H, W / 2);
    ccx_put_xml(f, title);
    fputs("</text>\n", f);
    if (fl->root.value > 0) {
        int count = 0;
        draw(f, &fl->root, 10, W - 20, 0, fl->root.value, H, &count);
    } else {
        fprintf(f, "<text x=\"%.0f\" y=\"50\" text-anchor=\"middle\">(no growth)</text>\n", W / 2);
    }
    fputs("</svg>\n", f);
}

static void free_node(struct fnode *n)
{
    for (size_t i = 0; i < n->nkids; i++) {
        free_node(n->kids[i]);
        free(n->kids[i]);
    }
    free(n->kids);
    free(n->label);
}

void ccx_flame_free(struct ccx_flame *fl)
{
    if (!fl)
        return;
    free_node(&fl->root);
    free(fl);
}
