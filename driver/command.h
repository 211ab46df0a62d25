/* command.h - a shell command run for the driver (--trigger-exec, --idle-cmd):
 * /bin/sh -c CMD in a process group of its own, bounded by a timeout and
 * an interruption flag; when either ends it, the whole group goes
 * (SIGTERM, then SIGKILL after 0.5 s), so nothing it started lives on. */
#ifndef DRV_COMMAND_H
#define DRV_COMMAND_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

/* Runs cmd with env ("NAME=VALUE" strings, NULL-terminated, may be NULL)
 * added to the environment.  0 when it exited 0; 1 when it exited
 * otherwise or died by a signal; -1 when it could not run or was killed
 * (timeout_ns passed, or *stop).  note (prefixed with `what`) says why
 * when not 0. */
int drv_shell(const char *what, const char *cmd, char *const *env, uint64_t timeout_ns,
              const volatile sig_atomic_t *stop, char *note, size_t notelen);
#endif
