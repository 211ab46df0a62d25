/* holders.h - "who holds it" in the analyzer: a snapshot's python.holders
 * (docs/snapshot-format.md) read into plain structures, identical paths
 * collapsed into groups, and the groups printed beside the growing types
 * (text, markdown) or built as JSON (docs/analyzer.md, "holders").
 *
 * The reader validates what it copies (types, caps) and owns its strings,
 * so a snapshot's holders can outlive the snapshot (model.c keeps them in
 * the set's per-snapshot meta).
 */
#ifndef CCX_HOLDERS_H
#define CCX_HOLDERS_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

#define CCX_HOLD_MAX_TYPES 256
#define CCX_HOLD_MAX_PATHS 64     /* per type */
#define CCX_HOLD_MAX_ELEMS 256    /* per path */

struct ccx_hold_elem {
    char *type, *via, *label, *repr, *detail; /* label, repr, detail may be NULL */
    double refs;                              /* root: references from outside; -1 if absent */
};

struct ccx_hold_path {
    size_t n;
    struct ccx_hold_elem *e;      /* root first */
};

struct ccx_hold_type {
    char *name, *why;
    double count, growth;         /* growth: -1 when absent (null) */
    int has_growth;
    double examined, garbage, search_ms;
    size_t npaths;
    struct ccx_hold_path *paths;
};

struct ccx_holders {
    double objects, edges, roots, samples, search_ms, graph_ms;
    char *error;                  /* the tracer could not search (NULL if it did) */
    size_t ntypes;
    struct ccx_hold_type *types;
};

/* One group of identical paths: same types, ways and labels (list indices
 * and dict keys aside, which differ from instance to instance). */
struct ccx_hold_group {
    const struct ccx_hold_path *path; /* the first path of the group */
    size_t count;
    int labels_vary;                  /* indices or keys differ within the group */
};

/* Reads a python.holders value.  Returns NULL with one line in err when it
 * is malformed (or out of memory). */
struct ccx_holders *ccx_holders_parse(const cJSON *h, char *err, size_t errlen);
void ccx_holders_free(struct ccx_holders *h);

/* Groups of a type's paths, largest first; out has room for t->npaths.
 * Returns the number of groups. */
size_t ccx_holders_groups(const struct ccx_hold_type *t, struct ccx_hold_group *out);

/* How path element e is reached from the one before it, Python-style:
 * ".name", "[key]", "local name", "(977 objects)"; "" for the root. */
void ccx_holders_accessor(const struct ccx_hold_elem *e, char *buf, size_t n);
/* The "who holds them" section (text or markdown; HTML: report_html.h). */
void ccx_holders_print(FILE *f, const struct ccx_holders *h, const char *snapshot, int md);
/* The same as JSON (docs/analyzer.md). */
cJSON *ccx_holders_json(const struct ccx_holders *h, const char *snapshot);

#endif
