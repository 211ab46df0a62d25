/* ccx_base.h - the few definitions every file of the preload shares:
 * symbol visibility and branch hints.  Depends on nothing. */
#ifndef CCX_BASE_H
#define CCX_BASE_H

/* Not exported from libccxtrace.so (the build hides everything anyway;
 * this marks what crosses files). */
#define CCX_INTERNAL __attribute__((visibility("hidden")))
/* Exported: the interposed libc names and the public API (ccxtrace.h). */
#define CCX_EXPORT __attribute__((visibility("default")))

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

#endif
