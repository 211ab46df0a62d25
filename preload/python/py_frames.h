/* py_frames.h - the Python frame walker and the table of Python frame ids.
 *
 * The hot path (py_frames_walk) reads the calling thread's frame chain with
 * the offsets of py_layout.h: no interpreter call, no allocation through
 * the traced allocator, no lock for a frame already seen.  The first time a
 * (code object, instruction offset) pair is seen, its file, function and
 * line are resolved on the spot, while the frame being walked keeps the
 * code object alive, and copied into the tracer's own memory; the pair gets
 * an id that the core stores as CCX_FRAME_PY | id and that
 * ccx_py_resolve_frame() turns back into names when a snapshot is written.
 */
#ifndef PY_FRAMES_H
#define PY_FRAMES_H

#include "py_api.h"

/* Enable walking with this layout (0 on success; needs py_api loaded). */
CCX_INTERNAL int py_frames_init(const struct py_layout *layout);
/* Stop walking for good (interpreter finalizing, layout check failed). */
CCX_INTERNAL void py_frames_off(void);
CCX_INTERNAL int py_frames_on(void);

/* The Python frames of tstate (leaf first) as CCX_FRAME_PY ids; at most
 * max.  Returns how many were written. */
CCX_INTERNAL int py_frames_walk(PyTState *tstate, ccx_frame_t *out, int max);

/* Compare the walker with the interpreter's own API on every thread of
 * the interpreter (GIL held, called by the helper): 1 agreed on at least
 * one frame, 0 nothing to compare, -1 mismatch (detail in why). */
CCX_INTERNAL int py_frames_validate(const struct py_layout *layout, char *why, size_t whylen);

/* Find the interpreter loop's code range (cuts native stacks there). */
CCX_INTERNAL void py_frames_prepare_merge(void);

/* After fork in the child: the insertion lock may have been held. */
CCX_INTERNAL void py_frames_atfork_child(void);

/* How many distinct Python frames are known (tests, diagnostics). */
CCX_INTERNAL unsigned py_frames_count(void);

#endif
