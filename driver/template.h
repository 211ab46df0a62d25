/* template.h - a tar archive made into one gzip member whose cluster id can
 * change with every upload at almost no cost.
 *
 * The uncompressed tar is cut at each place its cluster id (a 36-character
 * UUID) appears inside a file's data.  The constant pieces between them are
 * compressed once, each ending in a full flush (byte-aligned, no reference
 * to earlier data); each id sits in a stored (uncompressed) deflate block of
 * its own.  The member is: gzip header + piece 0 (the "head", shared by all
 * uploads) + the "rest": [stored id + compressed piece] ... + an empty final
 * block + CRC-32 + size.  A new id is written into a copy of the rest and
 * the CRC is recomputed with zlib's crc32() over the id bytes and
 * crc32_combine_op() for the constant pieces: no compression per upload,
 * and still a single gzip member (Python's tarfile in `r|gz` mode reads
 * only the first member of a multi-member file).  Tar headers are never
 * touched (their checksums do not cover file data), file sizes stay. */
#ifndef DRV_TEMPLATE_H
#define DRV_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>

#define DRV_ID_LEN 36

struct drv_template {
    unsigned char *data;        /* the whole member, rendered with `id` */
    size_t len;
    size_t head_len;            /* data[0, head_len): gzip header + compressed piece 0 */
    size_t rest_len;            /* the rest, data[head_len, len) */
    char id[DRV_ID_LEN + 1];    /* the id the rest holds now ("" when none) */
    size_t nslots;              /* places the id is written */
    size_t *slot_off;           /* offset of each id in rest */
    unsigned long head_crc;     /* CRC-32 of piece 0 (uncompressed) */
    unsigned long *piece_crc;   /* CRC-32 of the piece after each slot */
    unsigned long *piece_op;    /* crc32_combine_gen() of its length */
    size_t crc_off;             /* where the CRC-32 goes in rest */
};

/* Builds the template of tar[0, len) (an uncompressed tar) whose cluster id
 * is id (36 characters): every occurrence of id inside a regular file's
 * data becomes a slot.  An id that never occurs gives a template without
 * slots (nothing to rewrite).  0, or -1 with err (out of memory, a tar
 * whose headers cannot be walked). */
int drv_template_build(const unsigned char *tar, size_t len, const char *id,
                       struct drv_template *t, char *err, size_t errlen);

/* Writes id (36 characters) into rest, a copy of the rest (t->data +
 * t->head_len, t->rest_len bytes), and fixes the CRC there.  The gzip
 * member is then t->data[0, head_len) followed by rest. */
void drv_template_render(const struct drv_template *t, const char *id, unsigned char *rest);

/* Walks tar[0, len): calls fn for each regular file (name, data offset,
 * size); stops when fn returns nonzero.  0 at the end-of-archive blocks (or
 * the end of the data), -1 when a header is malformed. */
int drv_tar_walk(const unsigned char *tar, size_t len,
                 int (*fn)(void *arg, const char *name, size_t off, size_t size), void *arg);

/* The uncompressed content of gzip data (every member), malloc'd; 0, or -1
 * with err. */
int drv_gunzip(const unsigned char *gz, size_t len, unsigned char **out, size_t *outlen, char *err,
               size_t errlen);

void drv_template_free(struct drv_template *t);
#endif
