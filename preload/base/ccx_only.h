/* ccx_only.h - CCXTRACE_ONLY's matching (ccx_only.c), used by the
 * constructor (ccx_init.c) and unit-tested on its own. */
#ifndef CCX_ONLY_H
#define CCX_ONLY_H

#include "ccx_options.h"

/* 1 when only selects a process with this executable path (may be NULL)
 * and argv: its text is in the path, in argv[0], or, for a Python
 * interpreter, in the script it runs; always 0 for a refused value, always
 * 1 for an empty one. */
int ccx_only_match(const struct ccx_only *only, const char *exe, int argc, char *const *argv);

/* Is the process a Python interpreter: the last component of exe or of
 * argv[0] starts with "python" (python, python3, python3.11, ...)? */
int ccx_only_is_python(const char *exe, int argc, char *const *argv);

/* The script a Python command line runs: the first argument after the
 * interpreter's options (-W and -X take a value, attached or next;
 * --check-hash-based-pycs takes the next; "--" ends the options), or the
 * module of -m; NULL for -c (a command), "-" (stdin) or none (the
 * interactive interpreter). */
const char *ccx_only_python_script(int argc, char *const *argv);

#endif
