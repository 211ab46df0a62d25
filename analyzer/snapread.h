/* snapread.h - what the two halves of the snapshot reader share: the
 * reading state (struct ccx_rd), its one error line, the string pool's
 * escaping append and the typed getters on a cJSON section.
 *
 * snapshot.c reads the document's top level and its small sections (built
 * as cJSON trees one at a time); snaptables.c streams the big arrays
 * (modules, frames, stacks, sites) into the snapshot's flat arrays.  Both
 * report through ccx_rd_fail, so the first problem is the one reported.
 */
#ifndef CCX_SNAPREAD_H
#define CCX_SNAPREAD_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "jsonread.h"
#include "snapshot.h"

struct ccx_tables; /* snaptables.h */

struct ccx_rd {
    struct ccx_snap *s;
    struct ccx_jr *j;
    struct ccx_tables *t;
    char *err;
    size_t errlen;
    int failed;
};

/* Sets the error line (the first one only; control characters become '?')
 * and returns -1. */
int ccx_rd_fail(struct ccx_rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The JSON reader's error as the reader's (after a ccx_jr_* call failed). */
int ccx_rd_json_failed(struct ccx_rd *r);
void *ccx_rd_calloc(struct ccx_rd *r, size_t n, size_t size);
/* Grows *p (n entries in use, *cap allocated, size bytes each) to room for
 * one more; "\"WHAT\" has too many entries" past CCX_MAX_ITEMS. */
int ccx_rd_grow(struct ccx_rd *r, void *p, size_t *cap, size_t n, size_t size, const char *what);
/* Appends a string to the snapshot's pool, escaped for printing
 * (textsafe.h); its offset (0 for NULL or ""). */
uint32_t ccx_rd_pool_add(struct ccx_rd *r, const char *str);

/* A number checked as every count is: finite, >= 0, not absurd.  key and
 * where name it in the message ("site 3: \"live_bytes\" is negative"). */
int ccx_rd_check_num(struct ccx_rd *r, double v, const char *k, const char *where);
/* Typed getters on a cJSON object: absent or null is fine (returns 0,
 * *out untouched), the wrong type is an error (-1), else 1. */
int ccx_rd_num(struct ccx_rd *r, const cJSON *o, const char *k, const char *where, double *out);
int ccx_rd_str(struct ccx_rd *r, const cJSON *o, const char *k, const char *where, uint32_t *out);
/* An object member (NULL when absent or null, or not an object: then an
 * error). */
const cJSON *ccx_rd_obj(struct ccx_rd *r, const cJSON *o, const char *k);

#endif
