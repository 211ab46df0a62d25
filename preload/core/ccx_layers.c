/* ccx_layers.c - the Python layer's operations, as the layer registered
 * them (ccx_layer.h), and the one way the rest of the tracer calls them:
 * each ccx_layer_* function calls the registered operation or answers with
 * its default (no layer, or an operation left NULL).  Registered once by
 * the constructor before any other tracer thread exists, so it is read
 * without a lock. */
#include "ccx_core.h"
#include "ccx_diag.h"

struct ccx_layer_ops ccx_layer_ops_registered;

void ccx_layer_register(const struct ccx_layer_ops *o)
{
    ccx_assert(o != NULL);
    ccx_layer_ops_registered = *o;
}

int ccx_layer_helper_tick(void)
{
    return ccx_layer_ops_registered.helper_tick ? ccx_layer_ops_registered.helper_tick() : 0;
}

int ccx_layer_write_section(struct ccx_json *j)
{
    return ccx_layer_ops_registered.write_section ? ccx_layer_ops_registered.write_section(j) : 0;
}

int ccx_layer_resolve_frame(ccx_frame_t f, const char **file, const char **function, int *line)
{
    return ccx_layer_ops_registered.resolve_frame ? ccx_layer_ops_registered.resolve_frame(f, file, function, line) : 0;
}

int ccx_layer_gc_counts(long count[3], long collections[3])
{
    return ccx_layer_ops_registered.gc_counts ? ccx_layer_ops_registered.gc_counts(count, collections) : 0;
}

int ccx_layer_fork_hide(void)
{
    return ccx_layer_ops_registered.fork_hide ? ccx_layer_ops_registered.fork_hide() : 0;
}

int ccx_layer_fork_defer(void)
{
    return ccx_layer_ops_registered.fork_defer ? ccx_layer_ops_registered.fork_defer() : 0;
}

void ccx_layer_atfork_child(void)
{
    if (ccx_layer_ops_registered.atfork_child)
        ccx_layer_ops_registered.atfork_child();
}

void ccx_layer_exit(void)
{
    if (ccx_layer_ops_registered.exit)
        ccx_layer_ops_registered.exit();
}
