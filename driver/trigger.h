/* trigger.h - making the tracer take a snapshot, and finding the files it
 * wrote.  Three triggers, any combination: a new counter value written into
 * the tracer's CCXTRACE_TRIGGER file, a signal (SIGUSR2 unless --signal
 * names the processes' CCXTRACE_SIGNAL) to traced processes (only to a
 * process that has libccxtrace.so mapped and catches that signal: it
 * kills any other process), and a shell command.  With a snapshot directory
 * the new ccxtrace.<host>.<pid>.<start>.<seq>.json files are waited for
 * (bounded) and named. */
#ifndef DRV_TRIGGER_H
#define DRV_TRIGGER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DRV_TRIGGER_SIGNAL SIGUSR2

struct drv_trigger {
    const char *file;
    const pid_t *pids;
    size_t npids;
    int sig;                  /* what pids get; 0: DRV_TRIGGER_SIGNAL */
    const char *exec;
    const char *snapdir;
    uint64_t timeout_ns;      /* longest wait for snapshot files or the command */
    uint64_t counter;         /* last value written into file */
};

/* 1 when name is ccxtrace.<host>.<pid>.<start>.<seq>.json. */
int drv_snapshot_name_ok(const char *name);

/* 0 when pid may be sent sig (exists, maps the tracer, catches sig); -1
 * with the reason in err.  drv_check_pid: for DRV_TRIGGER_SIGNAL. */
int drv_check_pid_signal(pid_t pid, int sig, char *err, size_t errlen);
int drv_check_pid(pid_t pid, char *err, size_t errlen);

/* Checks everything that can be checked before a run: the pids, that the
 * snapshot directory is a directory, that the trigger file's directory
 * exists.  0 or -1 with err. */
int drv_trigger_check(const struct drv_trigger *t, char *err, size_t errlen);
int drv_trigger_enabled(const struct drv_trigger *t);

/* Fires every configured trigger for snapshot number seq (phase: a word
 * for the command's environment) and, with a snapshot directory, waits
 * (bounded by timeout_ns and *stop) for the new files.  *files receives
 * the new names (malloc'd), note a warning when something went wrong
 * (empty when not).  Returns 0, or -1 when a trigger could not fire. */
int drv_trigger_fire(struct drv_trigger *t, unsigned seq, const char *phase,
                     const volatile sig_atomic_t *stop, char ***files, size_t *nfiles, char *note,
                     size_t notelen);
#endif
