/* ccx_thin.c - which interval snapshot CCXTRACE_KEEP removes (pure; used
 * by ccx_retention.c, unit-tested in tests/unit/preload/test_thin.c).
 *
 * Removing, each time, the snapshot whose neighbours are closest keeps the
 * remaining ones spread over the whole run: recent ones are dense until
 * they age, the first and the newest always stay.
 */
#include "ccx_retention.h"

int ccx_thin_pick(const double *t, int n)
{
    int best = -1;
    double gap = 0;
    for (int i = 1; i + 1 < n; i++) {
        double g = t[i + 1] - t[i - 1];
        if (best < 0 || g < gap) {
            best = i;
            gap = g;
        }
    }
    return best;
}
