/* frames.h - how frames are labelled and sites are grouped.
 *
 * A frame's symbolic identity (ident.h) is stamped on it by the reader
 * (struct ccx_frame's hash); this file depends on the snapshot, never the
 * other way round.  Grouping keys (--by function|line|file|module) come
 * from the "leaf-most interesting frame": the leaf-most Python frame when
 * the stack has one, else the leaf-most native frame outside the allocator
 * and the tracer.
 */
#ifndef CCX_FRAMES_H
#define CCX_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

enum ccx_by { CCX_BY_STACK, CCX_BY_FUNCTION, CCX_BY_LINE, CCX_BY_FILE, CCX_BY_MODULE, CCX_BY_TYPE };

/* "file.py:42 Broker.add_exception" or "libfoo.so!parse+0x1c". */
char *ccx_frame_format(const struct ccx_snap *s, const struct ccx_frame *f, char *buf, size_t len);
/* The same label, also saying where its parts end (each at most the
 * label's length): Python "FILE:LINE FUNCTION": *a = FILE's length, *b =
 * where FUNCTION starts; native "MODULE!SYMBOL+0xOFF": *a = MODULE's
 * length, *b = where SYMBOL ends ("MODULE+0xOFF" without a symbol:
 * *b = *a).  The pprof writer (pprof.c) cuts labels with them. */
char *ccx_frame_format_parts(const struct ccx_snap *s, const struct ccx_frame *f, char *buf,
                             size_t len, size_t *a, size_t *b);
/* Index into s->frames of the grouping frame of a stack, or -1 if none. */
long ccx_stack_key_frame(const struct ccx_snap *s, uint32_t stack);
/* The group label of a site under BY (not CCX_BY_TYPE) and its hash. */
uint64_t ccx_site_group(const struct ccx_snap *s, const struct ccx_site *site, enum ccx_by by,
                        char *label, size_t len);
int ccx_by_parse(const char *s, enum ccx_by *out);
const char *ccx_by_name(enum ccx_by by);

#endif
