/* archives.c - generating, checking and loading upload archives (archives.h).
 *
 * A generated archive holds what an Insights Operator archive holds at its
 * core: config/id (the cluster id), config/version.json,
 * config/infrastructure.json, config/clusteroperator/<name>.json and
 * insights-operator/gathers.json, plus an operator log of pseudo-random text
 * that brings the compressed size to the target.  libarchive writes the
 * tar (pax-restricted, i.e. ustar where it can); template.c compresses it
 * into one gzip member whose cluster id can change per upload, so the
 * files naming the cluster id come last (the head before them is shared).
 * Archives from a directory are decompressed and made into the same kind
 * of template around the id their config/id holds. */
#include "archives.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "template.h"

struct membuf {
    unsigned char *data;
    size_t len, cap;
};

static la_ssize_t mem_write(struct archive *a, void *ctx, const void *buf, size_t n)
{
    (void)a;
    struct membuf *m = ctx;
    if (m->len + n > m->cap) {
        size_t cap = m->cap ? m->cap : 64 * 1024;
        while (cap < m->len + n)
            cap *= 2;
        unsigned char *d = realloc(m->data, cap);
        if (!d)
            return -1;
        m->data = d;
        m->cap = cap;
    }
    memcpy(m->data + m->len, buf, n);
    m->len += n;
    return (la_ssize_t)n;
}

int drv_uuid4(char out[37])
{
    unsigned char b[16];
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t r = getrandom(b + got, sizeof b - got, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        got += (size_t)r;
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
    return 0;
}

static int add_file(struct archive *a, const char *path, const void *data, size_t len,
                    time_t mtime)
{
    struct archive_entry *e = archive_entry_new();
    if (!e)
        return -1;
    archive_entry_set_pathname(e, path);
    archive_entry_set_size(e, (la_int64_t)len);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_mtime(e, mtime, 0);
    int rc = archive_write_header(a, e);
    archive_entry_free(e);
    if (rc != ARCHIVE_OK)
        return -1;
    if (len && archive_write_data(a, data, len) != (la_ssize_t)len)
        return -1;
    return 0;
}

static const char *const operators[] = {"authentication", "dns", "ingress", "insights",
                                        "kube-apiserver", "monitoring"};

/* Pseudo-random log text: lines of hex, about half as big compressed. */
static char *filler_text(size_t len, uint64_t seed)
{
    char *t = malloc(len + 1);
    if (!t)
        return NULL;
    static const char hex[] = "0123456789abcdef";
    uint64_t x = seed | 1;
    for (size_t i = 0; i < len; i++) {
        if (i % 80 == 79) {
            t[i] = '\n';
            continue;
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        t[i] = hex[x & 15];
    }
    t[len] = '\0';
    return t;
}

static int add_operators(struct archive *a, time_t now)
{
    char buf[1024];
    for (size_t i = 0; i < sizeof operators / sizeof *operators; i++) {
        char path[128];
        snprintf(path, sizeof path, "config/clusteroperator/%s.json", operators[i]);
        int n = snprintf(buf, sizeof buf,
                         "{\"apiVersion\":\"config.openshift.io/v1\",\"kind\":\"ClusterOperator\","
                         "\"metadata\":{\"name\":\"%s\"},\"status\":{\"conditions\":["
                         "{\"type\":\"Available\",\"status\":\"True\"},"
                         "{\"type\":\"Degraded\",\"status\":\"False\"},"
                         "{\"type\":\"Progressing\",\"status\":\"False\"}],"
                         "\"versions\":[{\"name\":\"operator\",\"version\":\"4.14.3\"}]}}\n",
                         operators[i]);
        if (add_file(a, path, buf, (size_t)n, now))
            return -1;
    }
    return 0;
}

/* The files that name the cluster: written last, after the shared head. */
static int add_cluster_files(struct archive *a, const char *uuid, time_t now)
{
    char buf[1024];
    if (add_file(a, "config/id", uuid, strlen(uuid), now))
        return -1;
    int n = snprintf(buf, sizeof buf,
                     "{\"apiVersion\":\"config.openshift.io/v1\",\"kind\":\"ClusterVersion\","
                     "\"metadata\":{\"name\":\"version\"},\"spec\":{\"channel\":\"stable-4.14\","
                     "\"clusterID\":\"%s\"},\"status\":{\"desired\":{\"version\":\"4.14.3\"},"
                     "\"history\":[{\"state\":\"Completed\",\"version\":\"4.14.3\"}],"
                     "\"observedGeneration\":2}}\n",
                     uuid);
    return add_file(a, "config/version.json", buf, (size_t)n, now);
}

/* Writes the uncompressed tar with filler_len bytes of log into m. */
static int write_tar(const char *uuid, size_t filler_len, uint64_t seed, struct membuf *m,
                     char *err, size_t errlen)
{
    time_t now = time(NULL);
    struct archive *a = archive_write_new();
    char *fill = NULL;
    int ok = 0;
    m->len = 0;
    if (!a || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
        archive_write_add_filter_none(a) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
        archive_write_open(a, m, NULL, mem_write, NULL) != ARCHIVE_OK) {
        snprintf(err, errlen, "libarchive: %s", a ? archive_error_string(a) : "out of memory");
        goto out;
    }
    char buf[4096];
    /* infrastructureName: <cluster name>-<5 random characters>, as OpenShift names it */
    int n = snprintf(buf, sizeof buf,
                     "{\"apiVersion\":\"config.openshift.io/v1\",\"kind\":\"Infrastructure\","
                     "\"metadata\":{\"name\":\"cluster\"},\"status\":{\"infrastructureName\":"
                     "\"ccx-%05llx\",\"platform\":\"AWS\",\"platformStatus\":{\"type\":\"AWS\","
                     "\"aws\":{\"region\":\"us-east-1\"}},\"controlPlaneTopology\":\"HighlyAvailable\"}}\n",
                     (unsigned long long)(seed % 0xfffff));
    if (add_file(a, "config/infrastructure.json", buf, (size_t)n, now) || add_operators(a, now))
        goto fail;
    n = snprintf(buf, sizeof buf,
                 "{\"is_global_obfuscation_enabled\":false,\"uptime\":%u,\"status_reports\":["
                 "{\"name\":\"clusterconfig/version\",\"duration_in_ms\":12,\"records_count\":1,\"errors\":null},"
                 "{\"name\":\"clusterconfig/infrastructures\",\"duration_in_ms\":8,\"records_count\":1,\"errors\":null},"
                 "{\"name\":\"clusterconfig/operators\",\"duration_in_ms\":41,\"records_count\":%u,\"errors\":null},"
                 "{\"name\":\"clusterconfig/container_images\",\"duration_in_ms\":230,\"records_count\":0,"
                 "\"errors\":[\"timed out waiting for the condition\"]}]}\n",
                 (unsigned)(seed % 86400), (unsigned)(sizeof operators / sizeof *operators));
    if (add_file(a, "insights-operator/gathers.json", buf, (size_t)n, now))
        goto fail;
    if (filler_len) {
        fill = filler_text(filler_len, seed);
        if (!fill || add_file(a, "config/pod/openshift-insights/logs/insights-operator/current.log",
                              fill, filler_len, now))
            goto fail;
    }
    if (add_cluster_files(a, uuid, now) || archive_write_close(a) != ARCHIVE_OK)
        goto fail;
    ok = 1;
    goto out;
fail:
    snprintf(err, errlen, "writing the archive: %s",
             archive_error_string(a) ? archive_error_string(a) : "out of memory");
out:
    free(fill);
    if (a)
        archive_write_free(a);
    return ok ? 0 : -1;
}

/* The tar with filler_len bytes of log, made into a template around uuid. */
static int write_archive(const char *uuid, size_t filler_len, uint64_t seed, struct membuf *m,
                         struct drv_template *t, char *err, size_t errlen)
{
    drv_template_free(t);
    if (write_tar(uuid, filler_len, seed, m, err, errlen))
        return -1;
    return drv_template_build(m->data, m->len, uuid, t, err, errlen);
}

int drv_make_archive(uint64_t target_size, const char *uuid, struct drv_archive *out, char *err,
                     size_t errlen)
{
    struct membuf m = {0};
    struct drv_template t;
    uint64_t seed;
    memset(&t, 0, sizeof t);
    if (getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed)
        seed = (uint64_t)time(NULL) * 2654435761u;
    /* Measure the fixed part, then estimate the filler from the ratio seen
     * and correct once: the result lands within about 1% of the target. */
    if (write_archive(uuid, 0, seed, &m, &t, err, errlen))
        goto fail;
    size_t base = t.len;
    if (target_size > base + 64) {
        double want = (double)(target_size - base);
        size_t fill = (size_t)(want / 0.55);
        if (write_archive(uuid, fill, seed, &m, &t, err, errlen))
            goto fail;
        double ratio = (double)(t.len - base) / (double)fill;
        if (ratio > 0.05) {
            size_t fill2 = (size_t)(want / ratio);
            if (fill2 != fill && write_archive(uuid, fill2, seed, &m, &t, err, errlen))
                goto fail;
        }
    }
    free(m.data);
    memset(out, 0, sizeof *out);
    out->t = t;
    out->data = t.data;
    out->len = t.len;
    snprintf(out->name, sizeof out->name, "insights-%s.tar.gz", uuid);
    out->name_id = 9;
    return 0;
fail:
    free(m.data);
    drv_template_free(&t);
    return -1;
}

int drv_check_targz(const void *data, size_t len, char *err, size_t errlen)
{
    const unsigned char *p = data;
    if (len < 2 || p[0] != 0x1f || p[1] != 0x8b) {
        snprintf(err, errlen, "not gzip-compressed (no gzip magic bytes)");
        return -1;
    }
    struct archive *a = archive_read_new();
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    archive_read_support_filter_gzip(a);
    archive_read_support_format_tar(a);
    int rc = archive_read_open_memory(a, data, len), files = 0;
    struct archive_entry *e;
    while (rc == ARCHIVE_OK && (rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        if (archive_entry_filetype(e) == AE_IFREG)
            files++;
        rc = archive_read_data_skip(a);
    }
    int ok = rc == ARCHIVE_EOF && files > 0;
    if (rc != ARCHIVE_EOF)
        snprintf(err, errlen, "not a gzip tar: %s",
                 archive_error_string(a) ? archive_error_string(a) : "unreadable");
    else if (!files)
        snprintf(err, errlen, "a gzip tar with no files in it");
    archive_read_free(a);
    return ok ? 0 : -1;
}

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_whole(const char *path, unsigned char **data, size_t *len, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    size_t n = (size_t)st.st_size, got = 0;
    unsigned char *d = malloc(n ? n : 1);
    while (d && got < n) {
        ssize_t r = read(fd, d + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            snprintf(err, errlen, "%s: %s", path, r < 0 ? strerror(errno) : "file shrank while read");
            free(d);
            close(fd);
            return -1;
        }
        got += (size_t)r;
    }
    close(fd);
    if (!d) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    *data = d;
    *len = n;
    return 0;
}

struct id_file {
    size_t off, size;
    int found;
};

static int find_config_id(void *arg, const char *name, size_t off, size_t size)
{
    struct id_file *f = arg;
    if (strcmp(name, "config/id") != 0 && strcmp(name, "./config/id") != 0)
        return 0;
    f->off = off;
    f->size = size;
    f->found = 1;
    return 1;
}

/* The cluster id in config/id of tar, trimmed, when it is 36 characters
 * of hex digits and dashes; "" otherwise. */
static void archive_id(const unsigned char *tar, size_t len, char id[DRV_ID_LEN + 1])
{
    struct id_file f = {0};
    id[0] = '\0';
    if (drv_tar_walk(tar, len, find_config_id, &f) != 0 || !f.found)
        return;
    const unsigned char *p = tar + f.off, *e = p + f.size;
    while (p < e && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    while (e > p && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\r' || e[-1] == '\t'))
        e--;
    if (e - p != DRV_ID_LEN)
        return;
    for (const unsigned char *q = p; q < e; q++)
        if (!((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f') || (*q >= 'A' && *q <= 'F') || *q == '-'))
            return;
    memcpy(id, p, DRV_ID_LEN);
    id[DRV_ID_LEN] = '\0';
}

/* An archive read from a directory becomes a template around the id of its
 * config/id (every occurrence in file data is rewritten per upload); one
 * without such an id is sent as it is. */
static int dir_template(struct drv_archive *a, int rewrite, char *err, size_t errlen)
{
    unsigned char *tar;
    size_t n;
    char id[DRV_ID_LEN + 1];
    if (drv_gunzip(a->data, a->len, &tar, &n, err, errlen))
        return -1;
    archive_id(tar, n, id);
    a->name_id = -1;
    if (!rewrite && id[0]) { /* sent as it is, its id known for the identity */
        free(tar);
        memset(&a->t, 0, sizeof a->t);
        a->t.data = a->data;
        a->t.len = a->t.head_len = a->len;
        snprintf(a->t.id, sizeof a->t.id, "%s", id);
        return 0;
    }
    if (!id[0]) {
        free(tar);
        memset(&a->t, 0, sizeof a->t);
        a->t.data = a->data;
        a->t.len = a->t.head_len = a->len;
        return 0;
    }
    struct drv_template t;
    char why[200];
    int rc = drv_template_build(tar, n, id, &t, why, sizeof why);
    free(tar);
    if (rc) {
        snprintf(err, errlen, "%s; --clusters keep sends it as it is", why);
        return -1;
    }
    free(a->data);
    a->t = t;
    a->data = t.data;
    a->len = t.len;
    const char *at = strstr(a->name, id);
    a->name_id = at ? (int)(at - a->name) : -1;
    return 0;
}

int drv_load_dir(const char *dir, int rewrite, struct drv_archive **out, size_t *n, char *err,
                 size_t errlen)
{
    err[0] = '\0';
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "--archives %s: %s", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t count = 0, cap = 0;
    struct dirent *de;
    int rc = -1;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || !(ends_with(de->d_name, ".tar.gz") || ends_with(de->d_name, ".tgz")))
            continue;
        if (count == cap) {
            cap = cap ? 2 * cap : 16;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn)
                goto out;
            names = nn;
        }
        if (!(names[count] = strdup(de->d_name)))
            goto out;
        count++;
    }
    if (count == 0) {
        snprintf(err, errlen, "--archives %s: no .tar.gz or .tgz files in it", dir);
        goto out;
    }
    qsort(names, count, sizeof *names, cmp_name);
    struct drv_archive *arr = calloc(count, sizeof *arr);
    if (!arr)
        goto out;
    for (size_t i = 0; i < count; i++) {
        char path[4096], why[256];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            snprintf(err, errlen, "--archives: %s: not a regular file", path);
            drv_free_archives(arr, i);
            goto out;
        }
        if (read_whole(path, &arr[i].data, &arr[i].len, err, errlen)) {
            drv_free_archives(arr, i);
            goto out;
        }
        if (drv_check_targz(arr[i].data, arr[i].len, why, sizeof why)) {
            snprintf(err, errlen, "--archives: %s: %s", path, why);
            drv_free_archives(arr, i + 1);
            goto out;
        }
        snprintf(arr[i].name, sizeof arr[i].name, "%s", names[i]);
        if (dir_template(&arr[i], rewrite, why, sizeof why)) {
            snprintf(err, errlen, "--archives: %s: %s", path, why);
            drv_free_archives(arr, i + 1);
            goto out;
        }
    }
    *out = arr;
    *n = count;
    rc = 0;
out:
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
    closedir(d);
    if (rc && !err[0])
        snprintf(err, errlen, "--archives %s: out of memory", dir);
    return rc;
}

int drv_make_pool(unsigned n, uint64_t target_size, struct drv_archive **out, char *err,
                  size_t errlen)
{
    struct drv_archive *arr = calloc(n, sizeof *arr);
    err[0] = '\0';
    if (!arr) {
        snprintf(err, errlen, "out of memory for the archive pool");
        return -1;
    }
    for (unsigned i = 0; i < n; i++) {
        char uuid[37];
        if (drv_uuid4(uuid) || drv_make_archive(target_size, uuid, &arr[i], err, errlen)) {
            if (!err[0])
                snprintf(err, errlen, "no random bytes for a cluster id");
            drv_free_archives(arr, i);
            return -1;
        }
    }
    *out = arr;
    return 0;
}

void drv_free_archives(struct drv_archive *a, size_t n)
{
    if (!a)
        return;
    for (size_t i = 0; i < n; i++) {
        if (a[i].t.data)
            drv_template_free(&a[i].t); /* data is t.data */
        else
            free(a[i].data);
    }
    free(a);
}
