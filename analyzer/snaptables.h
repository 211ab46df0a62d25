/* snaptables.h - the snapshot's big arrays, streamed (snaptables.c).
 *
 * modules, frames, stacks and sites are read element by element, in any
 * order of the four and of their elements, into arrays in the order read;
 * what an element refers to (a frame's module, a stack's frames, a site's
 * stack) may come later in the file, so ids and references are checked
 * once all is read (ccx_tables_finish), which then puts each table in id
 * order and stamps the symbolic identities (ident.h).
 */
#ifndef CCX_SNAPTABLES_H
#define CCX_SNAPTABLES_H

#include "snapread.h"

/* Which member the key names (TABLE_NONE: not one of the four). */
enum ccx_table { CCX_TABLE_NONE = -1, CCX_TABLE_MODULES, CCX_TABLE_FRAMES, CCX_TABLE_STACKS,
                 CCX_TABLE_SITES };
enum ccx_table ccx_table_of(const char *key);

struct ccx_tables *ccx_tables_new(struct ccx_rd *r);
void ccx_tables_free(struct ccx_tables *t);
/* Reads the value of the top-level member named for table which (the
 * cursor on it): an array, or null (as if absent).  0 or -1. */
int ccx_tables_read(struct ccx_rd *r, enum ccx_table which);
/* Once the document and its other sections are read (the sampling mode is
 * known): checks every id and reference, orders the tables by id, hashes
 * frames, stacks and sites.  0 or -1. */
int ccx_tables_finish(struct ccx_rd *r);

#endif
