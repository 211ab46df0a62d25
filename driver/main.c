/* main.c - ccx-driver's entry point: the subcommands `upload` and
 * `make-archive` (docs/driver.md).  Everything that can be checked is
 * checked before the first upload: options, URL, identity, archives,
 * trigger targets; a problem is one line and exit status 2. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "archives.h"
#include "identity.h"
#include "opts.h"
#include "run.h"

static int check_url(const char *url, char *err, size_t errlen)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL;
    int rc = -1;
    CURLUcode uc = u ? curl_url_set(u, CURLUPART_URL, url, 0) : CURLUE_OUT_OF_MEMORY;
    if (uc != CURLUE_OK)
        snprintf(err, errlen, "--url '%s': %s", url, curl_url_strerror(uc));
    else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
             (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
        snprintf(err, errlen, "--url '%s': not an http:// or https:// URL", url);
    else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host)
        snprintf(err, errlen, "--url '%s': no host", url);
    else
        rc = 0;
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return rc;
}

static int cmd_upload(int argc, char **argv)
{
    struct drv_opts o;
    char err[512] = "";
    drv_opts_defaults(&o);
    int rc = drv_parse_upload(argc, argv, &o, err, sizeof err);
    if (rc) {
        if (rc != 1)
            fprintf(stderr, "ccx-driver: %s (ccx-driver upload --help)\n", err);
        drv_opts_free(&o);
        return rc == 1 ? 0 : DRV_EXIT_USAGE;
    }
    if (check_url(o.url, err, sizeof err)) {
        fprintf(stderr, "ccx-driver: %s\n", err);
        drv_opts_free(&o);
        return DRV_EXIT_USAGE;
    }
    char *identity = drv_identity_header(o.org_id, o.account, o.identity_json, err, sizeof err);
    if (!identity) {
        fprintf(stderr, "ccx-driver: %s\n", err);
        drv_opts_free(&o);
        return DRV_EXIT_USAGE;
    }
    struct drv_archive *arch = NULL;
    size_t n = 0;
    if (o.archives_dir) {
        rc = drv_load_dir(o.archives_dir, !o.keep_ids, &arch, &n, err, sizeof err);
    } else {
        rc = drv_make_pool(o.pool, o.archive_size, &arch, err, sizeof err);
        n = o.pool;
    }
    if (rc) {
        fprintf(stderr, "ccx-driver: %s\n", err);
        free(identity);
        drv_opts_free(&o);
        return DRV_EXIT_USAGE;
    }
    struct drv_clusters cl = {.rewrite = !o.keep_ids, .nids = o.clusters};
    cl.identity_doc = drv_identity_doc(o.org_id, o.account, o.identity_json, &cl.id_off, err, sizeof err);
    if (cl.nids && (cl.ids = calloc(cl.nids, sizeof *cl.ids)))
        for (size_t i = 0; i < cl.nids && cl.ids; i++)
            if (drv_uuid4(cl.ids[i])) {
                free(cl.ids);
                cl.ids = NULL;
            }
    if (!cl.identity_doc || (cl.nids && !cl.ids)) {
        fprintf(stderr, "ccx-driver: %s\n", cl.identity_doc ? "out of memory for --clusters" : err);
        rc = DRV_EXIT_USAGE;
    } else {
        rc = drv_run(&o, identity, arch, n, &cl);
    }
    free(cl.ids);
    free((char *)cl.identity_doc);
    drv_free_archives(arch, n);
    free(identity);
    drv_opts_free(&o);
    return rc;
}

static int cmd_make_archive(int argc, char **argv)
{
    struct drv_opts o;
    char err[512] = "", uuid[37];
    drv_opts_defaults(&o);
    int rc = drv_parse_make_archive(argc, argv, &o, err, sizeof err);
    if (rc) {
        if (rc != 1)
            fprintf(stderr, "ccx-driver: %s (ccx-driver make-archive --help)\n", err);
        return rc == 1 ? 0 : DRV_EXIT_USAGE;
    }
    struct drv_archive a;
    if (drv_uuid4(uuid) || drv_make_archive(o.archive_size, uuid, &a, err, sizeof err)) {
        fprintf(stderr, "ccx-driver: make-archive: %s\n", err[0] ? err : "no random bytes");
        return 1;
    }
    int fd = strcmp(o.output, "-") == 0 ? STDOUT_FILENO
                                        : open(o.output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    size_t off = 0;
    while (fd >= 0 && off < a.len) {
        ssize_t w = write(fd, a.data + off, a.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    int ok = fd >= 0 && off == a.len;
    if (fd > STDOUT_FILENO && close(fd) != 0)
        ok = 0;
    if (!ok) {
        fprintf(stderr, "ccx-driver: make-archive: %s: %s\n", o.output, strerror(errno));
        drv_template_free(&a.t);
        return DRV_EXIT_USAGE;
    }
    if (fd != STDOUT_FILENO)
        fprintf(stderr, "ccx-driver: wrote %s (%zu bytes, cluster id %s)\n", o.output, a.len, uuid);
    drv_template_free(&a.t);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "ccx-driver: a subcommand is needed: upload or make-archive (ccx-driver --help)\n");
        return DRV_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        drv_usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("ccx-driver 1 (%s)\n", curl_version());
        return 0;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "ccx-driver: libcurl failed to initialize\n");
        return 1;
    }
    int rc;
    if (strcmp(cmd, "upload") == 0) {
        rc = cmd_upload(argc - 1, argv + 1);
    } else if (strcmp(cmd, "make-archive") == 0) {
        rc = cmd_make_archive(argc - 1, argv + 1);
    } else {
        fprintf(stderr, "ccx-driver: unknown subcommand '%s' (upload, make-archive; --help)\n", cmd);
        rc = DRV_EXIT_USAGE;
    }
    curl_global_cleanup();
    return rc;
}
