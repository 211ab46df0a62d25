/* check.h - the unit tests' assertions.
 *
 * Each unit test is one program: CHECK() records a failure with file, line
 * and the failed expression (and goes on), check_done() prints the count
 * and returns the exit status the runner (tests/run.sh) reads: 0 pass,
 * 1 fail.  Header-only so every part's tests use it without linking.
 */
#ifndef CCX_CHECK_H
#define CCX_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int check_failures_, check_total_;

#define CHECK_MSG(cond, ...)                                                  \
    do {                                                                      \
        check_total_++;                                                       \
        if (!(cond)) {                                                        \
            check_failures_++;                                                \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__,  \
                    #cond);                                                   \
            fprintf(stderr, __VA_ARGS__);                                     \
            fputc('\n', stderr);                                              \
        }                                                                     \
    } while (0)

#define CHECK(cond) CHECK_MSG(cond, "%s", "")

#define CHECK_EQ_U64(a, b)                                                    \
    do {                                                                      \
        uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                      \
        CHECK_MSG(a_ == b_, "%" PRIu64 " != %" PRIu64, a_, b_);               \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                    \
    do {                                                                      \
        long long a_ = (long long)(a), b_ = (long long)(b);                   \
        CHECK_MSG(a_ == b_, "%lld != %lld", a_, b_);                          \
    } while (0)

#define CHECK_STR(a, b)                                                       \
    do {                                                                      \
        const char *a_ = (a), *b_ = (b);                                      \
        CHECK_MSG(a_ && b_ && strcmp(a_, b_) == 0, "\"%s\" != \"%s\"",        \
                  a_ ? a_ : "(null)", b_ ? b_ : "(null)");                    \
    } while (0)

#define CHECK_NEAR(a, b, eps)                                                 \
    do {                                                                      \
        double a_ = (double)(a), b_ = (double)(b), e_ = (double)(eps);        \
        CHECK_MSG(a_ - b_ <= e_ && b_ - a_ <= e_, "%g != %g (+-%g)", a_, b_,  \
                  e_);                                                        \
    } while (0)

static inline int check_done(void)
{
    fprintf(stderr, "%d checks, %d failed\n", check_total_, check_failures_);
    return check_failures_ ? 1 : 0;
}

#endif
