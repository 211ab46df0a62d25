/* out.c - output plumbing (see out.h). */
#include "out.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ccx_units.h"

static const char *const fmt_names[] = {"text", "json", "markdown", "folded", "html", "svg", "pprof"};
#define N_FMT (sizeof fmt_names / sizeof fmt_names[0])
static_assert(N_FMT == CCX_FMT_PPROF + 1, "one name per enum ccx_fmt, in its order");

int ccx_fmt_parse(const char *s, enum ccx_fmt *out)
{
    for (int i = 0; i < (int)N_FMT; i++)
        if (strcmp(s, fmt_names[i]) == 0) {
            *out = (enum ccx_fmt)i;
            return 0;
        }
    if (strcmp(s, "md") == 0) {
        *out = CCX_FMT_MARKDOWN;
        return 0;
    }
    return -1;
}

const char *ccx_fmt_name(enum ccx_fmt f)
{
    assert((size_t)f < N_FMT);
    return fmt_names[f];
}

int ccx_out_open(struct ccx_out *o, enum ccx_fmt fmt, const char *outfile)
{
    memset(o, 0, sizeof *o);
    o->fmt = fmt;
    o->width = 100;
    o->f = open_memstream(&o->buf, &o->len);
    if (!o->f)
        return -1;
    if (!outfile && isatty(STDOUT_FILENO)) {
        struct winsize ws;
        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
            o->width = ws.ws_col;
        const char *nc = getenv("NO_COLOR");
        const char *term = getenv("TERM");
        o->color = fmt == CCX_FMT_TEXT && !(nc && *nc) && !(term && !strcmp(term, "dumb"));
    } else if (!outfile) {
        const char *c = getenv("COLUMNS");
        if (c && atoi(c) >= 40)
            o->width = atoi(c);
    }
    return 0;
}

int ccx_write_file_atomic(const char *path, const char *data, size_t len)
{
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp)
        return -1;
    snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        errno = e;
        return -1;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            unlink(tmp);
            free(tmp);
            errno = e ? e : EIO;
            return -1;
        }
        done += (size_t)w;
    }
    if (close(fd) < 0 || rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        free(tmp);
        errno = e;
        return -1;
    }
    free(tmp);
    return 0;
}

int ccx_out_commit(struct ccx_out *o, const char *path)
{
    if (fclose(o->f) != 0) {
        o->f = NULL;
        return -1;
    }
    o->f = NULL;
    int rc = 0;
    if (path) {
        rc = ccx_write_file_atomic(path, o->buf, o->len);
    } else {
        if (fwrite(o->buf, 1, o->len, stdout) != o->len || fflush(stdout) != 0)
            rc = -1;
    }
    free(o->buf);
    o->buf = NULL;
    return rc;
}

void ccx_out_discard(struct ccx_out *o)
{
    if (o->f)
        fclose(o->f);
    o->f = NULL;
    free(o->buf);
    o->buf = NULL;
}

const char *ccx_c_bold(const struct ccx_out *o) { return o->color ? "\033[1m" : ""; }
const char *ccx_c_red(const struct ccx_out *o) { return o->color ? "\033[31m" : ""; }
const char *ccx_c_green(const struct ccx_out *o) { return o->color ? "\033[32m" : ""; }
const char *ccx_c_dim(const struct ccx_out *o) { return o->color ? "\033[2m" : ""; }
const char *ccx_c_off(const struct ccx_out *o) { return o->color ? "\033[0m" : ""; }

char *ccx_sz(double bytes, char *buf, size_t len)
{
    return ccx_format_size(bytes, buf, len);
}

char *ccx_szs(double bytes, char *buf, size_t len)
{
    return ccx_format_size_signed(bytes, buf, len);
}

char *ccx_rate(double bps, char *buf, size_t len)
{
    char b[48];
    ccx_format_size_signed(bps * 3600.0, b, sizeof b);
    snprintf(buf, len, "%s/h", b);
    return buf;
}

static char *commas(double v, int sign, char *buf, size_t len)
{
    char digits[40];
    double a = fabs(v);
    if (a > 9e18)
        a = 9e18;
    snprintf(digits, sizeof digits, "%.0f", a);
    char tmp[64];
    size_t nd = strlen(digits), j = 0;
    if (v < 0 && llround(a) != 0)
        tmp[j++] = '-';
    else if (sign)
        tmp[j++] = '+';
    for (size_t i = 0; i < nd; i++) {
        tmp[j++] = digits[i];
        if ((nd - i - 1) % 3 == 0 && i + 1 < nd)
            tmp[j++] = ',';
    }
    tmp[j] = '\0';
    snprintf(buf, len, "%s", tmp);
    return buf;
}

char *ccx_count(double v, char *buf, size_t len) { return commas(v, 0, buf, len); }
char *ccx_counts(double v, char *buf, size_t len) { return commas(v, 1, buf, len); }

char *ccx_duration(double s, char *buf, size_t len)
{
    if (s < 0)
        s = 0;
    if (s < 60)
        snprintf(buf, len, "%.1fs", s);
    else if (s < 3600)
        snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    else if (s < 86400 * 3)
        snprintf(buf, len, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
    else
        snprintf(buf, len, "%.1fd", s / 86400);
    return buf;
}

void ccx_put_xml(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default:
            if ((unsigned char)*s < 0x20)
                fputc(' ', f);
            else
                fputc(*s, f);
        }
    }
}

void ccx_put_md(FILE *f, const char *s)
{
    /* Always inside a code span: only the table separator needs escaping
     * (GitHub and Jira accept \| there); a backtick would end the span. */
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else if (*s == '`')
            fputc('\'', f);
        else
            fputc((unsigned char)*s < 0x20 ? ' ' : *s, f);
    }
}

void ccx_put_folded(FILE *f, const char *s)
{
    for (; *s; s++)
        fputc(*s == ';' ? ':' : (unsigned char)*s < 0x20 ? ' ' : *s, f);
}

void ccx_put_cut(FILE *f, const char *s, int w)
{
    int n = (int)strlen(s);
    if (w < 4)
        w = 4;
    if (n <= w) {
        fputs(s, f);
        return;
    }
    /* keep the end: file names and line numbers are at the end of paths;
     * start on a whole UTF-8 character, never on a continuation byte */
    const char *tail = s + n - (w - 3);
    while ((*tail & 0xc0) == 0x80)
        tail++;
    fputs("...", f);
    fputs(tail, f);
}
