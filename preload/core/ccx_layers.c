/* ccx_layers.c - the Python layer's operations, as the layer registered
 * them (ccx_layer.h), and the one way the rest of the tracer calls them:
 * each ccx_layer_* function calls the registered operation or answers with
 * its default (no layer, or an operation left NULL).  Registered once by
 * the constructor before any other tracer thread exists, so it is read
 * without a lock. */
#include "ccx_core.h"
#include "ccx_diag.h"

static struct ccx_layer_ops ops;

void ccx_layer_register(const struct ccx_layer_ops *o)
{
    ccx_assert(o != NULL);
    ops = *o;
}

int ccx_layer_helper_tick(void)
{
    return ops.helper_tick ? ops.helper_tick() : 0;
}

int ccx_layer_write_section(struct ccx_json *j)
{
    return ops.write_section ? ops.write_section(j) : 0;
}

int ccx_layer_resolve_frame(ccx_frame_t f, const char **file, const char **function, int *line)
{
    return ops.resolve_frame ? ops.resolve_frame(f, file, function, line) : 0;
}

int ccx_layer_gc_counts(long count[3], long collections[3])
{
    return ops.gc_counts ? ops.gc_counts(count, collections) : 0;
}

int ccx_layer_fork_hide(void)
{
    return ops.fork_hide ? ops.fork_hide() : 0;
}

int ccx_layer_fork_defer(void)
{
    return ops.fork_defer ? ops.fork_defer() : 0;
}

void ccx_layer_atfork_child(void)
{
    if (ops.atfork_child)
        ops.atfork_child();
}

void ccx_layer_exit(void)
{
    if (ops.exit)
        ops.exit();
}

int ccx_layer_merge_stack(ccx_frame_t *frames, int n, int max)
{
    return ops.merge_stack ? ops.merge_stack(frames, n, max) : n;
}
