/* archives.h - the archives ccx-driver uploads: generated ones shaped like an
 * Insights Operator archive (gzip tar written with libarchive), or existing
 * .tar.gz files from a directory.  All are loaded into memory before the
 * run so reading or generating never slows the sending. */
#ifndef DRV_ARCHIVES_H
#define DRV_ARCHIVES_H

#include <stddef.h>
#include <stdint.h>

#include "template.h"

struct drv_archive {
    unsigned char *data;    /* the gzip member: t.data */
    size_t len;
    char name[256];         /* file name sent in the multipart part */
    int name_id;            /* offset of t.id in name, -1 when it is not there */
    struct drv_template t;  /* t.id: the cluster id it holds, "" when none to rewrite */
};

/* A fresh random (version 4) UUID, lower-case, 36 characters + NUL. */
int drv_uuid4(char out[37]);

/* One generated archive of about target_size compressed bytes (never less
 * than its fixed files, about 2 KiB) with cluster id uuid.  0 on success,
 * -1 with err set. */
int drv_make_archive(uint64_t target_size, const char *uuid, struct drv_archive *out, char *err,
                     size_t errlen);

/* 0 when [data, len) is a gzip-compressed tar holding at least one file,
 * else -1 with the problem in err. */
int drv_check_targz(const void *data, size_t len, char *err, size_t errlen);

/* Reads DIR's *.tar.gz and *.tgz files (sorted by name), each checked with
 * drv_check_targz.  With rewrite, each becomes a template around the id its
 * config/id holds (every occurrence in file data, and in the file name,
 * changes per upload); without, the bytes are kept as they are (t.id
 * still names that id).  0 on success (*n >= 1), -1 with err naming the
 * file or directory and the problem. */
int drv_load_dir(const char *dir, int rewrite, struct drv_archive **out, size_t *n, char *err,
                 size_t errlen);

/* n generated archives, each with its own cluster id. */
int drv_make_pool(unsigned n, uint64_t target_size, struct drv_archive **out, char *err,
                  size_t errlen);

void drv_free_archives(struct drv_archive *a, size_t n);
#endif
