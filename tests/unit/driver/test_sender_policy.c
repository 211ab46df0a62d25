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
    CHECK_STR(drv_error_kind(CURLE_WEIRD_SERVER_REPLY), "not-http");
    /* "Received HTTP/0.9 when not allowed": an answer once connected */
    CHECK_STR(drv_outcome_kind(CURLE_UNSUPPORTED_PROTOCOL, 1), "not-http");
    CHECK_STR(drv_outcome_kind(CURLE_UNSUPPORTED_PROTOCOL, 0), "url");
    CHECK_STR(drv_outcome_kind(CURLE_COULDNT_CONNECT, 0), "connect");
    CHECK(!drv_retryable(CURLE_UNSUPPORTED_PROTOCOL, 0));
    CHECK(!drv_retryable(CURLE_WEIRD_SERVER_REPLY, 0));

    /* What the server may have stored: any 2xx, even cut off; no answer
     * after the whole body; never a refusal or a body not sent in full. */
    CHECK(drv_maybe_stored(CURLE_OK, 202, 1));
    CHECK(drv_maybe_stored(CURLE_PARTIAL_FILE, 202, 1));
    CHECK(drv_maybe_stored(CURLE_RECV_ERROR, 201, 1));
    CHECK(drv_maybe_stored(CURLE_GOT_NOTHING, 0, 1));
    CHECK(drv_maybe_stored(CURLE_OPERATION_TIMEDOUT, 0, 1));
    CHECK(!drv_maybe_stored(CURLE_GOT_NOTHING, 0, 0));
    CHECK(!drv_maybe_stored(CURLE_SEND_ERROR, 0, 1));
    CHECK(!drv_maybe_stored(CURLE_COULDNT_CONNECT, 0, 0));
    CHECK(!drv_maybe_stored(CURLE_OK, 500, 1));
    CHECK(!drv_maybe_stored(CURLE_PARTIAL_FILE, 503, 1));
    CHECK(!drv_maybe_stored(CURLE_OK, 400, 1));
    return check_done();
}
