/* scan.c - the quick identity scan of a snapshot (see scan.h). */
#include "scan.h"
#include "infile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "ccx_format.h"
#include "model.h"
#include "snapshot.h"

struct cur {
    const char *p, *end;
};

static void ws(struct cur *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\r' || *c->p == '\t'))
        c->p++;
}

/* Skips a JSON string (at its opening quote); 0 or -1. */
static int skip_string(struct cur *c)
{
    for (c->p++; c->p < c->end; c->p++) {
        if (*c->p == '\\')
            c->p++;
        else if (*c->p == '"') {
            c->p++;
            return 0;
        }
    }
    return -1;
}

/* Copies a JSON string (at its opening quote), decoding the simple escapes
 * (\uXXXX of ASCII; others become '?'). */
static char *read_string(struct cur *c)
{
    const char *s = c->p + 1;
    if (skip_string(c) < 0)
        return NULL;
    size_t n = (size_t)(c->p - 1 - s);
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *q = s; q < s + n; q++) {
        if (*q != '\\') {
            *o++ = *q;
            continue;
        }
        char e = *++q;
        if (e == 'u' && q + 4 < s + n) {
            unsigned v = (unsigned)strtoul((char[5]){q[1], q[2], q[3], q[4], 0}, NULL, 16);
            *o++ = v && v < 128 ? (char)v : '?';
            q += 4;
        } else {
            *o++ = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b' : e == 'f' ? '\f' : e;
        }
    }
    *o = 0;
    return out;
}

/* Skips any value; nested ones by depth, strings honoured. */
static int skip_value(struct cur *c)
{
    ws(c);
    if (c->p >= c->end)
        return -1;
    if (*c->p == '"')
        return skip_string(c);
    if (*c->p != '{' && *c->p != '[') {
        while (c->p < c->end && *c->p != ',' && *c->p != '}' && *c->p != ']')
            c->p++;
        return 0;
    }
    int depth = 0;
    while (c->p < c->end) {
        char ch = *c->p;
        if (ch == '"') {
            if (skip_string(c) < 0)
                return -1;
            continue;
        }
        if (ch == '{' || ch == '[')
            depth++;
        else if (ch == '}' || ch == ']') {
            if (--depth == 0) {
                c->p++;
                return 0;
            }
        }
        c->p++;
    }
    return -1;
}

static int take_string(struct cur *c, char **out)
{
    ws(c);
    if (c->p < c->end && *c->p == '"') {
        free(*out);
        *out = read_string(c);
        return *out ? 0 : -1;
    }
    return skip_value(c); /* null, or a wrong type the reader will refuse */
}

static int take_number(struct cur *c, double *out)
{
    ws(c);
    char *e;
    double v = c->p < c->end ? strtod(c->p, &e) : 0;
    if (c->p < c->end && e != c->p && e <= c->end) {
        *out = v;
        c->p = e;
        return 0;
    }
    return skip_value(c);
}

static int field(struct cur *c, const char *key, size_t klen, struct ccx_ident *id, char **time_str)
{
#define IS(name) (klen == strlen(name) && memcmp(key, name, klen) == 0)
    if (IS(CCX_F_HOST))
        return take_string(c, &id->host);
    if (IS(CCX_F_INSTANCE))
        return take_string(c, &id->instance);
    if (IS(CCX_F_EXE))
        return take_string(c, &id->exe);
    if (IS(CCX_F_CMDLINE))
        return take_string(c, &id->cmdline);
    if (IS(CCX_F_TIME))
        return take_string(c, time_str);
    if (IS(CCX_F_PID))
        return take_number(c, &id->pid);
    if (IS(CCX_F_START_TIME))
        return take_number(c, &id->start_time);
    if (IS(CCX_F_SEQ))
        return take_number(c, &id->seq);
    if (IS(CCX_F_UPTIME_S))
        return take_number(c, &id->uptime_s);
#undef IS
    return skip_value(c);
}

int ccx_ident_scan_buf(const char *buf, size_t len, struct ccx_ident *id)
{
    struct cur c = {buf, buf + len};
    char *time_str = NULL;
    int rc = -1;
    ws(&c);
    if (c.p >= c.end || *c.p++ != '{')
        goto out;
    for (;;) {
        ws(&c);
        if (c.p < c.end && *c.p == '}') {
            rc = 0;
            break;
        }
        if (c.p >= c.end || *c.p != '"')
            break;
        const char *key = c.p + 1;
        if (skip_string(&c) < 0)
            break;
        size_t klen = (size_t)(c.p - 1 - key);
        ws(&c);
        if (c.p >= c.end || *c.p++ != ':' || field(&c, key, klen, id, &time_str) < 0)
            break;
        ws(&c);
        if (c.p < c.end && *c.p == ',')
            c.p++;
    }
out:
    id->time = -1;
    if (time_str && ccx_parse_utc(time_str, 0, &id->time) < 0)
        id->time = -1;
    if (id->time < 0)
        id->time = id->start_time + id->uptime_s;
    free(time_str);
    return rc;
}

/* The whole file, or NULL; never blocks on a FIFO (ccx_open_input). */
static char *slurp(const char *path, size_t *len)
{
    char err[128];
    size_t size = 0;
    int fd = ccx_open_input(path, &size, err, sizeof err);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        close(fd);
        return NULL;
    }
    char *buf = size > 0 ? malloc(size + 1) : NULL;
    if (buf && fread(buf, 1, size, f) != size) {
        free(buf);
        buf = NULL;
    }
    *len = size;
    fclose(f);
    return buf;
}

int ccx_ident_scan(const char *path, struct ccx_ident *id)
{
    memset(id, 0, sizeof *id);
    size_t len = 0;
    char *buf = slurp(path, &len);
    int rc = buf ? ccx_ident_scan_buf(buf, len, id) : -1;
    free(buf);
    id->path = strdup(path);
    if (rc == 0 && id->path)
        return 0;
    /* the real reader says what is wrong with the file */
    struct ccx_snap s;
    if (ccx_load_snap(path, &s) == 0) {
        ccx_snap_free(&s);
        ccx_err("%s: cannot read the snapshot's identity", path);
    }
    ccx_ident_free(id);
    return -1;
}

void ccx_ident_free(struct ccx_ident *id)
{
    free(id->path);
    free(id->host);
    free(id->instance);
    free(id->exe);
    free(id->cmdline);
    memset(id, 0, sizeof *id);
}
