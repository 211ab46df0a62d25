/* test_sender_policy.c - which answers are retried and how long the
 * backoff waits (driver/sender.c); the retries themselves are counted
 * against a real server in tests/integration/driver/. */
#include "../check.h"
#include "sender.h"

#include <curl/curl.h>

int main(void)
{
    CHECK(drv_retryable(CURLE_OK, 500));
    CHECK(drv_retryable(CURLE_OK, 503));
    CHECK(!drv_retryable(CURLE_OK, 202));
    CHECK(!drv_retryable(CURLE_OK, 400));
    CHECK(!drv_retryable(CURLE_OK, 413));
    CHECK(!drv_retryable(CURLE_OK, 415));
    CHECK(!drv_retryable(CURLE_OK, 429 - 29)); /* 400 again: no 4xx ever */
    CHECK(drv_retryable(CURLE_COULDNT_CONNECT, 0));
    CHECK(drv_retryable(CURLE_OPERATION_TIMEDOUT, 0));
    CHECK(drv_retryable(CURLE_GOT_NOTHING, 0));
    CHECK(drv_retryable(CURLE_RECV_ERROR, 0));
    CHECK(!drv_retryable(CURLE_URL_MALFORMAT, 0));
    CHECK(!drv_retryable(CURLE_COULDNT_RESOLVE_HOST, 0));

    CHECK_EQ_U64(drv_backoff_ns(1, 0), 200000000ull);
    CHECK_EQ_U64(drv_backoff_ns(2, 0), 400000000ull);
    CHECK_EQ_U64(drv_backoff_ns(3, 0), 800000000ull);
    CHECK_EQ_U64(drv_backoff_ns(10, 0), 5000000000ull);
    CHECK_EQ_U64(drv_backoff_ns(100, 0), 5000000000ull);
    CHECK_EQ_U64(drv_backoff_ns(1, UINT32_MAX), 250000000ull);
    CHECK(drv_backoff_ns(1, UINT32_MAX / 2) > 200000000ull && drv_backoff_ns(1, UINT32_MAX / 2) < 250000000ull);

    CHECK_STR(drv_error_kind(CURLE_COULDNT_CONNECT), "connect");
    CHECK_STR(drv_error_kind(CURLE_OPERATION_TIMEDOUT), "timeout");
    CHECK_STR(drv_error_kind(CURLE_COULDNT_RESOLVE_HOST), "resolve");
    CHECK_STR(drv_error_kind(CURLE_GOT_NOTHING), "empty-reply");
    CHECK_STR(drv_error_kind(CURLE_SSL_CONNECT_ERROR), "other");
    return check_done();
}
