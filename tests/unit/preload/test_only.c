/* test_only.c - CCXTRACE_ONLY's matching (preload/base/ccx_only.c): substring
 * of the executable's path or argv[0] as before, and for a Python
 * interpreter the script it runs, found after the interpreter's options
 * (-W/-X take a value, -c ends them without a script, -m names a module);
 * a refused value selects nothing. */
#include "check.h"
#include "ccx_only.h"


#define ARGV(...) ((char *const[]){__VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)))

static struct ccx_only only(const char *text)
{
    struct ccx_only o;
    memset(&o, 0, sizeof o);
    snprintf(o.text, sizeof o.text, "%s", text);
    return o;
}

#define MATCH(text, exe, ...) \
    match_((text), (exe), ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

static int match_(const char *text, const char *exe, int argc, char *const *argv)
{
    struct ccx_only o = only(text);
    return ccx_only_match(&o, exe, argc, argv);
}

#define SCRIPT(...) ccx_only_python_script(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

int main(void)
{
    const char *py = "/usr/bin/python3.11";

    /* as before: the executable's path or argv[0] */
    CHECK(MATCH("", "/bin/tar", "tar", "-czf", "x.tgz"));
    CHECK(MATCH("tar", "/bin/tar", "tar", "-czf", "x.tgz"));
    CHECK(MATCH("python", py, "python3", "-c", "pass"));
    CHECK(MATCH("myapp", "/opt/myapp/bin/server", "server"));
    CHECK(MATCH("venv", py, "/venv/bin/python3", "-c", "pass"));
    CHECK(!MATCH("gzip", "/bin/tar", "tar", "-czf", "x.tgz"));

    /* the CCX image: a venv console script started through its shebang */
    CHECK(MATCH("ccx-messaging", py, "/venv/bin/python3", "/venv/bin/ccx-messaging", "config.yaml"));
    CHECK(!MATCH("ccx-messaging", py, "python3", "-c", "import os; print('ccx-messaging')"));
    CHECK(!MATCH("ccx-messaging", py, "/venv/bin/python3", "-c", "pass", "ccx-messaging"));
    CHECK(!MATCH("ccx-messaging", py, "python3"));
    CHECK(!MATCH("ccx-messaging", py, "python3", "-", "ccx-messaging"));
    CHECK(!MATCH("ccx-messaging", py, "python3", "other.py", "ccx-messaging"));
    /* options before the script, values of -W and -X not taken for it */
    CHECK(MATCH("ccx-messaging", py, "python3", "-u", "-X", "dev", "-W", "ignore", "/v/bin/ccx-messaging"));
    CHECK(MATCH("ccx-messaging", py, "python3", "-Xdev", "-Wignore", "-OO", "-Bu", "/v/bin/ccx-messaging"));
    CHECK(!MATCH("ccx-messaging", py, "python3", "-X", "ccx-messaging", "-c", "pass"));
    CHECK(!MATCH("ccx-messaging", py, "python3", "-Wccx-messaging", "other.py"));
    CHECK(MATCH("ccx-messaging", py, "python3", "--", "ccx-messaging.py"));
    CHECK(MATCH("ccx-messaging", py, "python3", "--check-hash-based-pycs", "never", "ccx-messaging"));
    /* -m: the module is what runs */
    CHECK(MATCH("ccx_messaging", py, "python3", "-m", "ccx_messaging", "config.yaml"));
    CHECK(MATCH("ccx_messaging", py, "python3", "-I", "-mccx_messaging"));
    CHECK(!MATCH("ccx_messaging", py, "python3", "-m", "pip", "ccx_messaging"));
    /* only for Python: another program's argument is not a script */
    CHECK(!MATCH("ccx-messaging", "/usr/bin/grep", "grep", "ccx-messaging", "log"));
    CHECK(!MATCH("ccx-messaging", "/bin/sh", "sh", "/v/bin/ccx-messaging"));
    /* Python recognised by exe or argv[0] */
    CHECK(MATCH("ccx-messaging", "/usr/bin/python3.12", "/usr/local/bin/svc", "/v/bin/ccx-messaging"));
    CHECK(MATCH("ccx-messaging", "/opt/x/bin/interp", "/venv/bin/python", "/v/bin/ccx-messaging"));

    /* the script finder itself */
    CHECK_STR(SCRIPT("python3", "app.py", "-c", "x"), "app.py");
    CHECK_STR(SCRIPT("python3", "-E", "-s", "-W", "error", "-X", "importtime", "app.py"), "app.py");
    CHECK_STR(SCRIPT("python3", "-Wd", "-Xfrozen_modules=off", "app.py"), "app.py");
    CHECK_STR(SCRIPT("python3", "-m", "http.server", "8000"), "http.server");
    CHECK_STR(SCRIPT("python3", "-Om", "http.server"), "http.server");
    CHECK_STR(SCRIPT("python3", "-Omhttp.server"), "http.server");
    CHECK_STR(SCRIPT("python3", "--", "-weird.py"), "-weird.py");
    CHECK_STR(SCRIPT("python3", "--version", "app.py"), "app.py");
    CHECK(SCRIPT("python3", "-c", "pass", "app.py") == NULL);
    CHECK(SCRIPT("python3", "-Ic", "pass") == NULL);
    CHECK(SCRIPT("python3", "-cpass", "app.py") == NULL);
    CHECK(SCRIPT("python3", "-", "app.py") == NULL);
    CHECK(SCRIPT("python3", "-W") == NULL);
    CHECK(SCRIPT("python3", "-m") == NULL);
    CHECK(SCRIPT("python3", "--") == NULL);
    CHECK(SCRIPT("python3") == NULL);
    CHECK(ccx_only_python_script(0, ARGV("python3")) == NULL);
    CHECK(ccx_only_is_python("/usr/bin/python3.11", 0, NULL));
    CHECK(ccx_only_is_python(NULL, 1, ARGV("python")));
    CHECK(!ccx_only_is_python("/usr/bin/perl", 1, ARGV("perl")));
    CHECK(!ccx_only_is_python("/opt/pythonic/bin/tool", 1, ARGV("tool")));

    /* refused (too long): nothing; empty: everything */
    struct ccx_only r = only("x");
    r.refused = 1;
    CHECK(!ccx_only_match(&r, "/x", 1, ARGV("x")));
    struct ccx_only e = only("");
    CHECK(ccx_only_match(&e, NULL, 0, NULL));
    return check_done();
}
