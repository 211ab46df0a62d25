/* jsonread.h - a strict, streaming JSON reader for snapshots.
 *
 * The snapshot reader (snapshot.c, snaptables.c) pulls a document value by
 * value instead of building one tree of it: the big arrays (frames, stacks,
 * sites) are read element by element into the snapshot's flat arrays, a
 * small section or one array element can be built as a cJSON tree
 * (ccx_jr_tree), and a member it does not know is skipped without being
 * built (ccx_jr_skip).  Input comes from memory or from a file descriptor
 * read in 1 MiB windows, so a snapshot is never held whole in memory.
 *
 * Strict where cJSON alone is not, each with its own one-line message
 * (ccx_jr.err, without the file name):
 *   - a key given twice in one object, anywhere, skipped values included
 *     ("key "sites" appears twice in the top-level object");
 *   - text after the document (ccx_jr_finish; whitespace is fine);
 *   - running out of memory is "out of memory", not invalid JSON;
 *   - a file cut short ("truncated JSON") is told apart from one that is
 *     not JSON ("invalid JSON at byte N").
 * Numbers are JSON's grammar, converted with strtod (1e400 becomes inf:
 * the caller checks the range); strings keep their bytes as they are
 * (invalid UTF-8 included: the caller escapes them, textsafe.h), escapes
 * decoded, \u0000 ending the C string as it does in cJSON.
 */
#ifndef CCX_JSONREAD_H
#define CCX_JSONREAD_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* What the next value is (ccx_jr_peek). */
enum ccx_jr_type { CCX_JR_ERROR = -1, CCX_JR_OBJECT, CCX_JR_ARRAY, CCX_JR_STRING, CCX_JR_NUMBER,
                   CCX_JR_TRUE, CCX_JR_FALSE, CCX_JR_NULL };

struct ccx_jr_level; /* one open object or array (jsonread.c) */

struct ccx_jr {
    const unsigned char *w0;      /* the window: the input in memory, or the last read */
    const unsigned char *p, *end; /* the unread part of the window */
    unsigned char *win;           /* the buffer read into (fd input), else NULL */
    int fd;                       /* -1: input from memory */
    uint64_t base;                /* input offset of the window's first byte */
    uint64_t size;                /* input length */
    char *s;                      /* the last string, key or number read */
    size_t slen, scap;
    struct ccx_jr_level *lv;      /* open objects and arrays, outermost first */
    size_t depth, lvcap;
    char *keys;                   /* keys of the open objects, NUL-separated */
    size_t klen, kcap;
    int failed;
    char err[224];
};

/* Input from buf[0..len), or from LEN bytes of fd (never closed here). */
void ccx_jr_init_mem(struct ccx_jr *j, const char *buf, size_t len);
void ccx_jr_init_fd(struct ccx_jr *j, int fd, uint64_t len);
void ccx_jr_free(struct ccx_jr *j);

/* The type of the next value (whitespace skipped), CCX_JR_ERROR on an
 * error (then j->err says which). */
enum ccx_jr_type ccx_jr_peek(struct ccx_jr *j);

/* Objects: ccx_jr_object() enters one; then ccx_jr_key() returns 1 with
 * the next key in *key (valid until the next call), its value to be read
 * next, or 0 when the object ended, or -1 on an error. */
int ccx_jr_object(struct ccx_jr *j);
int ccx_jr_key(struct ccx_jr *j, const char **key);
/* Arrays: ccx_jr_array() enters one; ccx_jr_next() returns 1 when an
 * element follows (read it next), 0 when the array ended, -1 on an error. */
int ccx_jr_array(struct ccx_jr *j);
int ccx_jr_next(struct ccx_jr *j);

/* Scalars: 0, or -1 on an error (a value of another type is an error:
 * peek first).  The string is NUL-terminated, valid until the next call. */
int ccx_jr_string(struct ccx_jr *j, const char **s, size_t *len);
int ccx_jr_number(struct ccx_jr *j, double *v);
/* Any value, read and checked but not kept. */
int ccx_jr_skip(struct ccx_jr *j);
/* Any value as a cJSON tree (free with cJSON_Delete), NULL on an error.
 * KEEP, when not NULL and the value is an object, lists (NULL-terminated)
 * the only members built; the others are skipped. */
cJSON *ccx_jr_tree(struct ccx_jr *j, const char *const *keep);

/* After the document's value: nothing but whitespace may follow.  0 or -1. */
int ccx_jr_finish(struct ccx_jr *j);
/* Where the reader is: the input offset of the next byte. */
uint64_t ccx_jr_offset(const struct ccx_jr *j);

#endif
