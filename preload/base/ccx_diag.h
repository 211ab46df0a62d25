/* ccx_diag.h - the preload's one diagnostics path.
 *
 * Everything the tracer has to say goes to stderr as single lines that
 * start with "ccxtrace: ", never to stdout, through ccx_diag().  What a
 * line quotes (an option value, a path under CCXTRACE_DIR) is escaped
 * (ccx_text.h), so a quoted newline cannot start a line without the
 * prefix.  Repeats are capped twice: a call site that can fire again and
 * again uses CCX_DIAG_LIMIT (at most n lines from that site), and a
 * process image writes at most CCX_DIAG_MAX lines in all, the last of
 * them saying that further ones are dropped.  No allocation, no lock
 * (one write(2) per line): usable from the constructor, the helper and a
 * fork child alike.
 *
 * ccx_assert is the preload's invariant check.  In the test and sanitizer
 * builds (no NDEBUG) it is assert(); in the release library (built with
 * NDEBUG) a broken invariant never aborts the traced program: it says so
 * in one line and turns tracing off (the handler control registers with
 * ccx_diag_on_broken), and the program goes on untraced.
 */
#ifndef CCX_DIAG_H
#define CCX_DIAG_H

#include <assert.h>

#define CCX_DIAG_PREFIX "ccxtrace: "
#define CCX_DIAG_MAX 200 /* lines per process image */

/* One line: printf-style; the prefix is added unless fmt's output
 * already starts with it. */
void ccx_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The same, at most max times from this call site (thread-safe count). */
#define CCX_DIAG_LIMIT(max, ...) \
    do { \
        static int ccx_diag_said_; \
        if (__atomic_fetch_add(&ccx_diag_said_, 1, __ATOMIC_RELAXED) < (max)) \
            ccx_diag(__VA_ARGS__); \
    } while (0)

/* One complete line (the option table's warning callback, ccx_options.h). */
void ccx_diag_line(const char *line);

/* strerror without the translation lock (safe in a fork child). */
const char *ccx_strerror(int err);

/* In a fork child: the child's own lines are counted from zero. */
void ccx_diag_atfork_child(void);

/* What a broken invariant does in the release library, after its line
 * (control: tracing off).  Until one is set, only the line. */
void ccx_diag_on_broken(void (*off)(void));
void ccx_assert_failed(const char *what, const char *file, int line) __attribute__((cold, noinline));

#ifdef NDEBUG
#define ccx_assert(c) ((void)(__builtin_expect(!!(c), 1) || (ccx_assert_failed(#c, __FILE__, __LINE__), 0)))
#else
#define ccx_assert(c) assert(c)
#endif

#endif
