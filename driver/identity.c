/* identity.c - builds the x-rh-identity header (see identity.h). */
#include "identity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

char *drv_base64(const void *data, size_t len)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = data;
    char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;
    if (!out)
        return NULL;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        *o++ = tab[v >> 18];
        *o++ = tab[(v >> 12) & 63];
        *o++ = tab[(v >> 6) & 63];
        *o++ = tab[v & 63];
    }
    if (len - i == 1) {
        unsigned v = (unsigned)p[i] << 16;
        *o++ = tab[v >> 18];
        *o++ = tab[(v >> 12) & 63];
        *o++ = '=';
        *o++ = '=';
    } else if (len - i == 2) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
        *o++ = tab[v >> 18];
        *o++ = tab[(v >> 12) & 63];
        *o++ = tab[(v >> 6) & 63];
        *o++ = '=';
    }
    *o = '\0';
    return out;
}

char *drv_identity_header(const char *org_id, const char *account, const char *identity_json,
                          char *err, size_t errlen)
{
    char *json = NULL, *out = NULL;
    if (identity_json) {
        cJSON *doc = cJSON_Parse(identity_json);
        if (!doc) {
            snprintf(err, errlen, "--identity-json: not valid JSON");
            return NULL;
        }
        cJSON_Delete(doc);
        return drv_base64(identity_json, strlen(identity_json));
    }
    cJSON *root = cJSON_CreateObject();
    cJSON *id = cJSON_AddObjectToObject(root, "identity");
    cJSON *internal;
    if (!id || !cJSON_AddStringToObject(id, "type", "User") ||
        !cJSON_AddStringToObject(id, "account_number", account ? account : "") ||
        !cJSON_AddStringToObject(id, "org_id", org_id) ||
        !(internal = cJSON_AddObjectToObject(id, "internal")) ||
        !cJSON_AddStringToObject(internal, "org_id", org_id) ||
        !(json = cJSON_PrintUnformatted(root))) {
        snprintf(err, errlen, "out of memory building the identity");
    } else {
        out = drv_base64(json, strlen(json));
    }
    free(json);
    cJSON_Delete(root);
    return out;
}
