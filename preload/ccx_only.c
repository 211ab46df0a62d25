/* ccx_only.c - CCXTRACE_ONLY: does the option select a process?
 *
 * The constructor (ccx_init.c) asks once, before anything else is set up,
 * with the executable's path (/proc/self/exe) and argv: a process the
 * option leaves alone prints nothing and is not touched.  The text matches
 * by substring the executable's path or argv[0].  A bad value (too long)
 * fails closed: no process is selected.  Pure: no I/O, no globals.
 */
#include "ccx_only.h"

#include <string.h>

int ccx_only_match(const struct ccx_only *only, const char *exe, int argc, char *const *argv)
{
    if (only->refused)
        return 0;
    if (!only->text[0])
        return 1;
    if (exe && strstr(exe, only->text))
        return 1;
    if (argc > 0 && argv && argv[0] && strstr(argv[0], only->text))
        return 1;
    return 0;
}
