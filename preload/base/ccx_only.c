/* ccx_only.c - CCXTRACE_ONLY: does the option select a process?
 *
 * The constructor (ccx_init.c) asks once, before anything else is set up,
 * with the executable's path (/proc/self/exe) and argv: a process the
 * option leaves alone prints nothing and is not touched.  The text matches
 * by substring the executable's path, argv[0], or, for a Python
 * interpreter, the script it runs: a console script started through its
 * shebang (`/venv/bin/python3 /venv/bin/ccx-messaging config.yaml`) is
 * matched by its own name, and a `python3 -c ...` beside it is not.
 * A bad value (too long) fails closed: no process is selected.
 * Pure: no I/O, no globals.
 */
#include "ccx_only.h"

#include <string.h>

/* The last component of a path. */
static const char *base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

int ccx_only_is_python(const char *exe, int argc, char *const *argv)
{
    if (exe && strncmp(base(exe), "python", 6) == 0)
        return 1;
    return argc > 0 && argv && argv[0] && strncmp(base(argv[0]), "python", 6) == 0;
}

/* CPython's long options that take a value (as a separate argument or
 * after '='); every other one is a flag. */
static int long_takes_value(const char *opt)
{
    return strcmp(opt, "--check-hash-based-pycs") == 0;
}

/* One argument of short options ("-u", "-OO", "-Xdev", "-W", "-c..."):
 * 0 to go on with the next argument, 1 when this one takes the next as
 * its value (-W, -X without an attached value), or, when the options end
 * here, 2 for -c (a command, no script) and 3 for -m (the module name
 * follows: attached, at *module, or in the next argument). */
static int short_options(const char *arg, const char **module)
{
    for (const char *p = arg + 1; *p; p++) {
        if (*p == 'W' || *p == 'X')
            return p[1] ? 0 : 1;
        if (*p == 'c')
            return 2;
        if (*p == 'm') {
            *module = p[1] ? p + 1 : NULL;
            return 3;
        }
    }
    return 0;
}

const char *ccx_only_python_script(int argc, char *const *argv)
{
    for (int i = 1; i < argc && argv[i]; i++) {
        const char *a = argv[i], *module = NULL;
        if (a[0] != '-' || a[1] == 0)
            return a[0] == '-' ? NULL : a; /* the script, or "-" (stdin) */
        if (strcmp(a, "--") == 0)
            return i + 1 < argc ? argv[i + 1] : NULL;
        if (a[1] == '-') {
            if (long_takes_value(a))
                i++;
            continue;
        }
        switch (short_options(a, &module)) {
        case 1: i++; break;
        case 2: return NULL;
        case 3: return module ? module : i + 1 < argc ? argv[i + 1] : NULL;
        default: break;
        }
    }
    return NULL;
}

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
    if (ccx_only_is_python(exe, argc, argv)) {
        const char *script = ccx_only_python_script(argc, argv);
        if (script && strstr(script, only->text))
            return 1;
    }
    return 0;
}
