/* out.h - output plumbing shared by the subcommands: formats, terminal
 * width and colour, number formatting, escaping, and writing the result
 * (built in memory, then written to stdout or atomically to -o FILE, so a
 * failure never leaves a partial file behind). */
#ifndef CCX_OUT_H
#define CCX_OUT_H

#include <stddef.h>
#include <stdio.h>

enum ccx_fmt { CCX_FMT_TEXT, CCX_FMT_JSON, CCX_FMT_MARKDOWN, CCX_FMT_FOLDED, CCX_FMT_HTML,
               CCX_FMT_SVG, CCX_FMT_PPROF };

struct ccx_out {
    FILE *f;        /* memory stream */
    char *buf;
    size_t len;
    enum ccx_fmt fmt;
    int color;      /* ANSI colour (text on a TTY, NO_COLOR unset) */
    int width;      /* terminal columns (text) */
};

int ccx_fmt_parse(const char *s, enum ccx_fmt *out);
const char *ccx_fmt_name(enum ccx_fmt f);
/* Opens the memory stream; colour and width are decided for stdout unless
 * an output file is given. */
int ccx_out_open(struct ccx_out *o, enum ccx_fmt fmt, const char *outfile);
/* Writes the buffer to stdout or atomically to path; 0 on success. */
int ccx_out_commit(struct ccx_out *o, const char *path);
void ccx_out_discard(struct ccx_out *o);
/* Writes data atomically to path (temporary name + rename). */
int ccx_write_file_atomic(const char *path, const char *data, size_t len);

/* ANSI helpers: empty strings when colour is off. */
const char *ccx_c_bold(const struct ccx_out *o);
const char *ccx_c_red(const struct ccx_out *o);
const char *ccx_c_green(const struct ccx_out *o);
const char *ccx_c_dim(const struct ccx_out *o);
const char *ccx_c_off(const struct ccx_out *o);

/* "12.3 MiB", "+1.2 MiB", "+1.2 MiB/h" */
char *ccx_sz(double bytes, char *buf, size_t len);
char *ccx_szs(double bytes, char *buf, size_t len);
char *ccx_rate(double bytes_per_s, char *buf, size_t len);
/* 1234567 -> "1,234,567"; signed variant "+1,234". */
char *ccx_count(double v, char *buf, size_t len);
char *ccx_counts(double v, char *buf, size_t len);
/* 4h12m, 15m00s, 12.3s */
char *ccx_duration(double secs, char *buf, size_t len);
/* Text into HTML/XML (escapes & < > " '). */
void ccx_put_xml(FILE *f, const char *s);
/* Text into a Markdown code span (in a table cell or not): escapes |, turns ` into '. */
void ccx_put_md(FILE *f, const char *s);
/* Text as a folded-stack frame (';' and newlines become ':' and ' '). */
void ccx_put_folded(FILE *f, const char *s);
/* Prints s cut to at most w bytes, "..." marking the cut (never inside a
 * UTF-8 character). */
void ccx_put_cut(FILE *f, const char *s, int w);

#endif
