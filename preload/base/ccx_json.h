/* ccx_json.h - the streaming JSON writer behind a snapshot.
 *
 * Writes straight to a file descriptor through a 64 KiB buffer; remembers
 * commas per nesting level, escapes strings (invalid UTF-8 becomes U+FFFD),
 * writes non-finite doubles as null.  The first write error is kept and
 * later output dropped, so the caller checks once at the end.  The Python
 * layer writes its snapshot section with it too.
 */
#ifndef CCX_JSON_H
#define CCX_JSON_H


#include <stddef.h>
#include <stdint.h>

#define CCX_JSON_DEPTH 32

_Static_assert(CCX_JSON_DEPTH <= 255, "ccx_json.depth indexes first[] and fits the levels a snapshot needs");

struct ccx_json {
    int fd;
    int err;                      /* first errno from write(), 0 if none */
    int depth;
    unsigned char first[CCX_JSON_DEPTH]; /* no member written yet at this level */
    unsigned char after_key;
    size_t len;
    char buf[65536];
};

void ccx_json_init(struct ccx_json *j, int fd);
/* Values; a key before each value inside an object. */
void ccx_json_key(struct ccx_json *j, const char *key);
void ccx_json_begin_object(struct ccx_json *j);
void ccx_json_end_object(struct ccx_json *j);
void ccx_json_begin_array(struct ccx_json *j);
void ccx_json_end_array(struct ccx_json *j);
void ccx_json_string(struct ccx_json *j, const char *s); /* NULL -> null */
void ccx_json_u64(struct ccx_json *j, uint64_t v);
void ccx_json_i64(struct ccx_json *j, int64_t v);
/* A string "0x..." of v in lower-case hex, as printf's "0x%lx". */
void ccx_json_hex(struct ccx_json *j, uint64_t v);
void ccx_json_double(struct ccx_json *j, double v);
void ccx_json_bool(struct ccx_json *j, int v);
void ccx_json_null(struct ccx_json *j);
/* Flushes the buffer; returns 0 or the first errno. */
int ccx_json_flush(struct ccx_json *j);
/* A raw, already valid JSON token (e.g. a formatted number). */
void ccx_json_raw(struct ccx_json *j, const char *s, size_t n);
/* Text outside the JSON structure (the final newline). */
void ccx_json_text(struct ccx_json *j, const char *s, size_t n);
/* Convenience: key + value. */
void ccx_json_kv_str(struct ccx_json *j, const char *k, const char *v);
void ccx_json_kv_u64(struct ccx_json *j, const char *k, uint64_t v);
void ccx_json_kv_i64(struct ccx_json *j, const char *k, int64_t v);
void ccx_json_kv_hex(struct ccx_json *j, const char *k, uint64_t v);
void ccx_json_kv_double(struct ccx_json *j, const char *k, double v);

#endif
