/* ccx_addrmap.h - the table of recorded (sampled) live blocks, by address.
 *
 * Free must stay cheap for the blocks that were not sampled, which is
 * nearly all of them.  A counting filter indexed by address bits
 * ((p >> 8) mod 2^18, one byte per 256-byte granule, 256 KiB) answers
 * "certainly not recorded" with one load from a table that stays in L2:
 * one cache line of it covers 16 KiB of heap, so neighbouring frees hit the
 * same line.  (With p >> 4 and 1 MiB, the load missed the cache often
 * enough to cost about 4% of a Python workload; measured with perf.)  Only a non-zero slot leads to the exact
 * table: chained buckets whose head word carries a lock bit; an empty
 * bucket answers without taking it.  Works for any pointer (the Python
 * layer records pymalloc blocks the libc layer never saw).
 */
#ifndef CCX_ADDRMAP_H
#define CCX_ADDRMAP_H

#include "ccx_layer.h" /* the filter, its inline test ccx_addrmap_maybe and struct ccx_block_info */

#include <stdint.h>

/* Maps 2^bucket_bits buckets; 0 on success.  With all set (`all` mode:
 * nearly every free is of a recorded block) the filter is kept saturated
 * and every free goes to the table. */
int ccx_addrmap_init(int bucket_bits, int all);

/* Keeps the filter slots of [p, p + len) saturated for good (they answer
 * "maybe" forever, also after ccx_addrmap_reset): the libc hooks pin NULL
 * and their bootstrap buffer, so free() needs no test of its own for them
 * and finds them on its slow path.  At most 4 ranges. */
void ccx_addrmap_pin(const void *p, uintptr_t len);

/* Records a block; 0 on success, -1 when out of memory. */
int ccx_addrmap_insert(const void *p, const struct ccx_block_info *info);
/* Removes a block; 1 (and *out filled) when it was recorded. */
int ccx_addrmap_remove(const void *p, struct ccx_block_info *out);

/* Recorded blocks, by walking the table (tests; slow with many buckets). */
uint64_t ccx_addrmap_count(void);

/* A thread's cached free nodes go back to the shared pool. */
void ccx_addrmap_thread_exit(void);
/* In a fork child: forget every block (tables read as empty again). */
void ccx_addrmap_reset(void);

#endif
