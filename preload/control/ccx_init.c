/* ccx_init.c - start and end of tracing, fork, CCXTRACE_ONLY, the API.
 *
 * The constructor reads the options (ccx_options.c), decides whether this
 * process is traced at all (CCXTRACE_ONLY, ccx_only.c), loads libunwind, sets up the
 * tables and starts the helper thread.  The destructor writes the exit
 * snapshot unless one was written already (the Python layer writes it from
 * an atexit callback, before the interpreter is finalized).  In a fork
 * child everything starts afresh: tables, numbering, pid, helper thread;
 * around a fork the parent's helper may step aside (ccx_helper.c).
 * Warnings go to stderr as single "ccxtrace:" lines, never to stdout.
 */
#include "ccx_core.h"
#include "ccx_format.h"
#include "ccx_only.h"
#include "ccx_text.h"
#include "ccxtrace.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

struct ccx_options ccx_opt;
int ccx_state;
uint64_t ccx_mean;

void ccx_hooks_resolve(void);

void ccx_warn(const char *line)
{
    /* always one line with the prefix: what the line quotes (a path, a
     * value) is escaped, so no newline or escape sequence gets through */
    static const char prefix[] = "ccxtrace: ";
    char buf[1200];
    size_t n = 0;
    if (strncmp(line, prefix, sizeof prefix - 1) != 0) {
        memcpy(buf, prefix, sizeof prefix - 1);
        n = sizeof prefix - 1;
    }
    n += ccx_escape(buf + n, sizeof buf - 1 - n, line, strlen(line), 0);
    buf[n++] = '\n';
    ssize_t r = write(2, buf, n);
    (void)r;
}

void ccx_warnf(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ccx_warn(buf);
}

const char *ccx_strerror(int err)
{
    const char *d = strerrordesc_np(err);
    return d ? d : "unknown error";
}

static const char *env_get(const char *name)
{
    return getenv(name);
}

/* CCXTRACE_ONLY (ccx_only.c); a refused value says so in one line. */
static int selected(int argc, char **argv)
{
    if (ccx_opt.only.refused) {
        ccx_options_check("CCXTRACE_ONLY", env_get, ccx_warn);
        return 0;
    }
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    return ccx_only_match(&ccx_opt.only, exe, argc, argv);
}

static void set_dir(void)
{
    char cwd[CCX_PATH_MAX];
    const char *d = ccx_opt.dir;
    if (d[0] == '/') {
        snprintf(ccx_id.dir, sizeof ccx_id.dir, "%s", d);
        return;
    }
    if (!getcwd(cwd, sizeof cwd))
        strcpy(cwd, ".");
    if (!d[0])
        snprintf(ccx_id.dir, sizeof ccx_id.dir, "%s", cwd);
    else
        snprintf(ccx_id.dir, sizeof ccx_id.dir, "%.*s/%.*s", 500, cwd, 500, d);
}

static void atfork_prepare(void)
{
    if (ccx_state > 0) {
        ccx_guard++;
        ccx_helper_fork_prepare();
        ccx_guard--;
    }
    ccx_gate_fork_prepare();
}

static void atfork_parent(void)
{
    ccx_gate_fork_parent();
    if (ccx_state > 0) {
        ccx_guard++;
        ccx_helper_fork_parent();
        ccx_guard--;
    }
}

static void atfork_child(void)
{
    ccx_gate_fork_child();
    if (ccx_state <= 0)
        return;
    ccx_guard++;
    ccx_record_atfork_child();
    ccx_snapshot_atfork_child();
    ccx_seq_reset();
    ccx_helper_atfork_child();
    if (ccx_py_atfork_child)
        ccx_py_atfork_child();
    ccx_guard--;
}

__attribute__((constructor)) static void ccx_init(int argc, char **argv, char **envp)
{
    (void)envp;
    if (ccx_state != 0)
        return;
    ccx_guard++;
    ccx_hooks_resolve();
    /* Quietly first: a process CCXTRACE_ONLY leaves alone prints nothing. */
    ccx_options_parse(&ccx_opt, env_get, NULL);
    if (!selected(argc, argv)) {
        ccx_state = -1;
        ccx_guard--;
        return;
    }
    ccx_options_parse(&ccx_opt, env_get, ccx_warn);
    ccx_mean = ccx_opt.sample == UINT64_MAX ? 0 : ccx_opt.sample;
    set_dir();
    ccx_snapshot_init();
    if (ccx_unwind_init() != 0)
        ccx_warn("ccxtrace: cannot load libunwind.so.8 (install libunwind8); native stacks are off");
    if (ccx_record_init() != 0) {
        ccx_warn("ccxtrace: cannot map the tracer's tables; tracing is off");
        ccx_state = -1;
        ccx_guard--;
        return;
    }
    pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
    __atomic_store_n(&ccx_state, 1, __ATOMIC_RELEASE);
    ccx_helper_start();
    ccx_guard--;
}

__attribute__((destructor)) static void ccx_fini(void)
{
    if (ccx_state <= 0)
        return;
    ccx_guard++;
    ccx_helper_stop();
    if (ccx_py_exit)
        ccx_py_exit();
    ccx_helper_flush();
    if (ccx_snapshot_lock(10000) == 0) {
        if (ccx_opt.at_exit && !ccx_exit_done) {
            ccx_snapshot_write(ccx_seq_reserve(), CCX_REASON_EXIT, NULL);
            ccx_exit_done = 1;
        }
        /* the helper may be waiting for the lock with a snapshot of its
         * own: it must not start one the exit would cut short */
        ccx_final = 1;
        ccx_snapshot_unlock();
    }
    ccx_guard--;
}

long ccx_snapshot_sync(const char *reason, const char *label)
{
    if (ccx_state <= 0)
        return -1;
    long seq = -1;
    ccx_guard++;
    int is_exit = strcmp(reason, CCX_REASON_EXIT) == 0;
    if (ccx_snapshot_lock(10000) != 0) {
        ccx_warnf("ccxtrace: %s snapshot not taken here: the snapshot under way did not finish within 10 s",
                  reason);
    } else {
        if (!(is_exit && ccx_exit_done)) {
            if (is_exit && !ccx_opt.at_exit) {
                ccx_exit_done = 1; /* CCXTRACE_AT_EXIT=0: none at all */
            } else {
                seq = ccx_seq_reserve();
                if (ccx_snapshot_write(seq, reason, label) != 0)
                    seq = -1;
                if (is_exit)
                    ccx_exit_done = 1;
            }
        }
        ccx_snapshot_unlock();
    }
    ccx_guard--;
    return seq;
}

int ccx_opt_python(void)
{
    return ccx_opt.python;
}

int ccx_opt_census(void)
{
    return ccx_opt.census;
}

int ccx_opt_gc_collect(void)
{
    return ccx_opt.gc_collect;
}

int ccx_opt_holders(void)
{
    return ccx_opt.holders;
}

int ccx_opt_holders_samples(void)
{
    return ccx_opt.holders_samples;
}

int ccx_opt_holders_ntypes(void)
{
    return ccx_opt.holders_types.n;
}

const char *ccx_opt_holders_type(int i)
{
    return i >= 0 && i < ccx_opt.holders_types.n ? ccx_opt.holders_types.name[i] : NULL;
}

EXPORT int ccxtrace_snapshot(const char *label)
{
    if (ccx_state <= 0)
        return -1;
    return (int)ccx_helper_request(label);
}
