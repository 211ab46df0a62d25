/* py_layer.h - the Python layer's side of the layer interface
 * (ccx_layer.h): the functions it puts into its struct ccx_layer_ops,
 * which py_layer_start (py_runtime.c) registers with the core.  Nothing
 * outside python/ names them. */
#ifndef PY_LAYER_H
#define PY_LAYER_H

#include "ccx_layer.h"

/* py_runtime.c */
int ccx_py_helper_tick(void);
int ccx_py_write_section(struct ccx_json *j);
int ccx_py_gc_counts(long count[3], long collections[3]);
void ccx_py_atfork_child(void);
void ccx_py_exit(void);
/* py_frames.c */
int ccx_py_resolve_frame(ccx_frame_t f, const char **file, const char **function, int *line);
int ccx_py_merge_stack(ccx_frame_t *frames, int n, int max, int layer);
/* py_fork.c */
int ccx_py_fork_hide(void);
int ccx_py_fork_defer(void);

#endif
