/* ccx_mem.h - the tracer's own memory, never from the traced allocator.
 *
 * Small blocks come from 1 MiB chunks mapped with a raw mmap system call
 * (size-class free lists, a spin lock that is only taken off the hot path);
 * big tables are mapped on their own and registered, so tracer.self_bytes
 * can count their resident pages (mincore) rather than their reservation.
 */
#ifndef CCX_MEM_H
#define CCX_MEM_H

#include <stddef.h>
#include <stdint.h>

/* Memory for the tracer itself (never through the traced malloc; counted
 * in tracer.self_bytes); ccx_mem_free takes the size it was given. */
void *ccx_mem_alloc(size_t size);
void ccx_mem_free(void *p, size_t size);

/* A zeroed anonymous mapping of at least size bytes (counted in self_bytes
 * by its resident pages); NULL on failure. */
void *ccx_mem_map(size_t size);
void ccx_mem_unmap(void *p, size_t size);
/* Drops a mapping's pages (they read as zero again), e.g. in a fork child. */
void ccx_mem_zero(void *p, size_t size);

/* The tracer's own bytes: chunk bytes in use plus resident pages of the
 * registered mappings. */
uint64_t ccx_mem_self_bytes(void);

/* After fork in the child: the lock may have been held by a thread that
 * does not exist here. */
void ccx_mem_atfork_child(void);

#endif
