/* test_trigger.c - the snapshot-file names (driver/trigger.c); the
 * --trigger-signal checks are in tests/unit/common/test_traced.c, the real
 * processes in tests/integration/driver/. */
#include "../check.h"
#include "trigger.h"

#include <unistd.h>

int main(void)
{
    CHECK(drv_snapshot_name_ok("ccxtrace.3f2a9c1d7e10.4242.1795739900.3.json"));
    CHECK(drv_snapshot_name_ok("ccxtrace.host.example.com.1.2.0.json"));
    CHECK(!drv_snapshot_name_ok("ccxtrace.host.1.2.json"));
    CHECK(!drv_snapshot_name_ok("ccxtrace..1.2.3.json"));
    CHECK(!drv_snapshot_name_ok("ccxtrace.h.1.2.3.json.tmp"));
    CHECK(!drv_snapshot_name_ok("ccxtrace.h.1.2.x.json"));
    CHECK(!drv_snapshot_name_ok("ccxtrace.h.1.2.3.stats.csv"));
    CHECK(!drv_snapshot_name_ok("other.h.1.2.3.json"));

    /* This test program is neither traced nor a SIGUSR2 catcher. */
    char err[512];
    CHECK_EQ_INT(drv_check_pid(getpid(), err, sizeof err), -1);
    CHECK(strstr(err, "does not have libccxtrace.so mapped") != NULL);
    CHECK_EQ_INT(drv_check_pid(0x3ffffff0, err, sizeof err), -1);
    CHECK(strstr(err, "no process") != NULL);
    return check_done();
}
