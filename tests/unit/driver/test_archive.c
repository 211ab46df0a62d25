/* test_archive.c - generated archives (driver/archives.c): read back with
 * libarchive, the expected members present, config/id a fresh version-4
 * UUID, the compressed size near the target, and the gzip-tar check. */
#include "../check.h"
#include "archives.h"

#include <stdlib.h>

#include <archive.h>
#include <archive_entry.h>

static int is_uuid4(const char *s)
{
    if (strlen(s) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash != (s[i] == '-'))
            return 0;
        if (!dash && !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    }
    return s[14] == '4' && strchr("89ab", s[19]) != NULL;
}

/* Members and the content of config/id. */
static int read_back(const struct drv_archive *a, char *id, int *has_version, int *operators)
{
    struct archive *r = archive_read_new();
    archive_read_support_filter_gzip(r);
    archive_read_support_format_tar(r);
    int files = 0;
    *has_version = *operators = 0;
    id[0] = '\0';
    if (archive_read_open_memory(r, a->data, a->len) != ARCHIVE_OK)
        return -1;
    struct archive_entry *e;
    while (archive_read_next_header(r, &e) == ARCHIVE_OK) {
        const char *p = archive_entry_pathname(e);
        files++;
        if (strcmp(p, "config/id") == 0) {
            la_ssize_t n = archive_read_data(r, id, 63);
            id[n > 0 ? n : 0] = '\0';
        }
        *has_version |= strcmp(p, "config/version.json") == 0 ||
                        strcmp(p, "config/infrastructure.json") == 0 ||
                        strcmp(p, "insights-operator/gathers.json") == 0
                            ? 1
                            : 0;
        *operators += strncmp(p, "config/clusteroperator/", 23) == 0;
    }
    archive_read_free(r);
    return files;
}

int main(void)
{
    char u1[37], u2[37];
    CHECK(drv_uuid4(u1) == 0 && drv_uuid4(u2) == 0);
    CHECK_MSG(is_uuid4(u1), "%s", u1);
    CHECK(strcmp(u1, u2) != 0);

    char err[512] = "";
    struct drv_archive *pool = NULL;
    CHECK(drv_make_pool(3, 100 * 1024, &pool, err, sizeof err) == 0);
    char ids[3][64];
    for (int i = 0; i < 3 && pool; i++) {
        int hv, ops;
        int files = read_back(&pool[i], ids[i], &hv, &ops);
        CHECK_MSG(files >= 10, "%d files", files);
        CHECK(hv == 1);
        CHECK(ops >= 3);
        CHECK_MSG(is_uuid4(ids[i]), "config/id '%s'", ids[i]);
        CHECK_MSG(pool[i].len > 95 * 1024 && pool[i].len < 105 * 1024, "size %zu", pool[i].len);
        CHECK(drv_check_targz(pool[i].data, pool[i].len, err, sizeof err) == 0);
        CHECK(strstr(pool[i].name, ids[i]) != NULL);
    }
    CHECK(strcmp(ids[0], ids[1]) != 0 && strcmp(ids[1], ids[2]) != 0);
    drv_free_archives(pool, 3);

    struct drv_archive big, tiny;
    CHECK(drv_make_archive(1024 * 1024, u1, &big, err, sizeof err) == 0);
    CHECK_MSG(big.len > 1000 * 1024 && big.len < 1050 * 1024, "size %zu", big.len);
    drv_template_free(&big.t);
    CHECK(drv_make_archive(1024, u1, &tiny, err, sizeof err) == 0); /* below the fixed part */
    CHECK(drv_check_targz(tiny.data, tiny.len, err, sizeof err) == 0);
    /* a truncated archive and plain bytes are refused */
    CHECK(drv_check_targz(tiny.data, tiny.len / 2, err, sizeof err) == -1);
    CHECK(strstr(err, "not a gzip tar") != NULL);
    CHECK(drv_check_targz("hello", 5, err, sizeof err) == -1);
    CHECK(strstr(err, "not gzip") != NULL);
    drv_template_free(&tiny.t);

    /* The template: a new id written into the rest gives a valid member
     * (zlib checks the CRC-32 and the size) holding only the new id. */
    struct drv_archive t;
    CHECK(drv_make_archive(20 * 1024, u1, &t, err, sizeof err) == 0);
    CHECK_EQ_U64(t.t.nslots, 2); /* config/id and config/version.json */
    CHECK_STR(t.t.id, u1);
    CHECK(t.t.rest_len < 2048);  /* the shared head holds nearly everything */
    unsigned char *whole = malloc(t.len), *raw = NULL;
    size_t rawlen = 0;
    memcpy(whole, t.data, t.len);
    drv_template_render(&t.t, u2, whole + t.t.head_len);
    CHECK(drv_gunzip(whole, t.len, &raw, &rawlen, err, sizeof err) == 0);
    CHECK(raw && memmem(raw, rawlen, u2, 36) != NULL && memmem(raw, rawlen, u1, 36) == NULL);
    CHECK(drv_check_targz(whole, t.len, err, sizeof err) == 0);
    free(raw);
    raw = NULL;
    /* the id written without its CRC: the member is refused */
    memcpy(whole + t.t.head_len + t.t.slot_off[0], u1, 36);
    CHECK(drv_gunzip(whole, t.len, &raw, &rawlen, err, sizeof err) == -1);
    CHECK(strstr(err, "corrupt") != NULL);
    free(whole);
    drv_template_free(&t.t);

    /* tar walk: a header with a wrong checksum is malformed */
    static unsigned char bad[1024];
    memset(bad, 0, sizeof bad);
    memcpy(bad, "x", 1);
    memcpy(bad + 124, "00000000000", 11);
    memcpy(bad + 148, "0000001", 7);
    CHECK(drv_template_build(bad, sizeof bad, u1, &t.t, err, sizeof err) == -1);
    CHECK(strstr(err, "malformed") != NULL);
    return check_done();
}
