/* jsonread.h - a snapshot's JSON text -> cJSON tree, strictly.
 *
 * cJSON accepts some things a snapshot must not be, so the snapshot reader
 * (snapshot.c) parses through here:
 *   - text after the document (trailing garbage, a second document) is
 *     refused; whitespace is fine;
 *   - a key given twice in one object is refused, anywhere in the tree
 *     (cJSON would keep both and lookups would see only the first: an empty
 *     "sites" before the real one would hide every site);
 *   - running out of memory while parsing is reported as such, not as
 *     invalid JSON: cJSON's allocations go through a hook that notes a
 *     failed malloc;
 *   - a file cut short is told apart from one that is not JSON.
 */
#ifndef CCX_JSONREAD_H
#define CCX_JSONREAD_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* The tree of buf[0..len), or NULL with one line in err (without the file
 * name).  Free the tree with cJSON_Delete. */
cJSON *ccx_json_parse_strict(const char *buf, size_t len, char *err, size_t errlen);

#endif
