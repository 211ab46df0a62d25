/* test_identity.c - base64 (RFC 4648 test vectors) and the x-rh-identity
 * document ccx-driver sends (driver/identity.c). */
#include "../check.h"
#include "identity.h"

#include <stdlib.h>

#include <cjson/cJSON.h>

static void b64(const char *in, const char *want)
{
    char *got = drv_base64(in, strlen(in));
    CHECK_STR(got, want);
    free(got);
}

/* Decodes standard base64 (test helper, written independently of the encoder's table). */
static size_t unb64(const char *s, unsigned char *out)
{
    size_t n = 0;
    unsigned v = 0;
    int bits = 0;
    for (; *s && *s != '='; s++) {
        int c = *s >= 'A' && *s <= 'Z'   ? *s - 'A'
                : *s >= 'a' && *s <= 'z' ? *s - 'a' + 26
                : *s >= '0' && *s <= '9' ? *s - '0' + 52
                : *s == '+'              ? 62
                                         : 63;
        v = v << 6 | (unsigned)c;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(v >> bits);
        }
    }
    out[n] = 0;
    return n;
}

int main(void)
{
    b64("", "");
    b64("f", "Zg==");
    b64("fo", "Zm8=");
    b64("foo", "Zm9v");
    b64("foob", "Zm9vYg==");
    b64("fooba", "Zm9vYmE=");
    b64("foobar", "Zm9vYmFy");
    unsigned char bin[] = {0xff, 0xfe, 0x00, 0x80};
    char *got = drv_base64(bin, sizeof bin);
    CHECK_STR(got, "//4AgA==");
    free(got);

    char err[256] = "";
    char *h = drv_identity_header("org42", "acct7", NULL, err, sizeof err);
    CHECK(h != NULL);
    if (!h)
        return check_done();
    unsigned char json[1024];
    unb64(h, json);
    cJSON *doc = cJSON_Parse((const char *)json);
    CHECK_MSG(doc != NULL, "not JSON: %s", json);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(doc, "identity");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(id, "type")), "User");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(id, "org_id")), "org42");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(id, "account_number")), "acct7");
    const cJSON *internal = cJSON_GetObjectItemCaseSensitive(id, "internal");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(internal, "org_id")), "org42");
    cJSON_Delete(doc);
    free(h);

    const char *custom = "{\"identity\":{\"type\":\"System\",\"org_id\":\"9\"}}";
    h = drv_identity_header(NULL, NULL, custom, err, sizeof err);
    CHECK(h != NULL);
    if (h) {
        unb64(h, json);
        CHECK_STR((const char *)json, custom);
        free(h);
    }
    CHECK(drv_identity_header(NULL, NULL, "{not json", err, sizeof err) == NULL);
    CHECK(strstr(err, "--identity-json") != NULL);

    /* the document with a slot for each upload's cluster id */
    size_t off;
    char *d = drv_identity_doc("7", "8", NULL, &off, err, sizeof err);
    CHECK(d && off != DRV_NO_ID_SLOT && off >= 24 && strlen(d) > off + 36);
    CHECK(d && strncmp(d + off - 24, "\"system\":{\"cluster_id\":\"", 24) == 0);
    CHECK(d && strstr(d, "\"org_id\":\"7\"") != NULL);
    free(d);
    d = drv_identity_doc(NULL, NULL, "{\"identity\":{\"system\":{\"cluster_id\":\"x\",\"cn\":\"c\"}}}",
                         &off, err, sizeof err);
    CHECK(d && off != DRV_NO_ID_SLOT && strstr(d, "\"cn\":\"c\"") && !strstr(d, "\"x\""));
    free(d);
    d = drv_identity_doc(NULL, NULL, "[1,2]", &off, err, sizeof err); /* nowhere to put it */
    CHECK(d && off == DRV_NO_ID_SLOT && strcmp(d, "[1,2]") == 0);
    free(d);
    CHECK(drv_identity_doc(NULL, NULL, "{", &off, err, sizeof err) == NULL);
    return check_done();
}
