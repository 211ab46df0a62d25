/* ccx_stacks.h - interned stacks and their per-site aggregates.
 *
 * A site is (layer, stack of ccx_frame_t); identical ones are stored once.
 * Interning is lock-free: an open-addressing table of site pointers filled
 * with compare-and-swap; sites are never removed (until a fork child resets
 * the table).  The counters are updated with atomic adds on the sampled
 * path only.  Beyond CCXTRACE_MAX_STACKS sites, new stacks are counted in
 * one overflow site per layer (an empty stack).
 */
#ifndef CCX_STACKS_H
#define CCX_STACKS_H

#include "ccx_layer.h" /* ccx_frame_t */

#include <stdint.h>

_Static_assert(CCX_LAYER_ID_MMAP <= 255, "a site's layer is kept in a uint8_t");

struct ccx_site {
    uint64_t hash;
    uint32_t id;
    uint16_t nframes;
    uint8_t layer;
    uint8_t overflow;
    uint64_t live_bytes;     /* weighted estimates (exact in `all` mode) */
    uint64_t live_blocks_fp; /* blocks x CCX_BLOCK_ONE */
    uint64_t live_samples;
    uint64_t alloc_bytes;
    uint64_t alloc_calls_fp;
    ccx_frame_t frames[];
};

/* Reserves room for max_sites sites; 0 on success. */
int ccx_sites_init(uint32_t max_sites);
/* The site of this stack (created on first sight); never NULL once init
 * succeeded (the overflow site at worst). */
struct ccx_site *ccx_site_intern(int layer, const ccx_frame_t *frames, int n);
/* Sites ids run from 0 to ccx_sites_count() - 1; an id may be empty (NULL)
 * while a racing insert finishes or after it lost.  The overflow sites
 * follow as ids count .. count + 2 through ccx_site_get. */
uint32_t ccx_sites_count(void);
struct ccx_site *ccx_site_get(uint32_t id);
struct ccx_site *ccx_site_overflow(int layer);
/* In a fork child: forget every site. */
void ccx_sites_reset(void);

#endif
