/* identity.c - builds the x-rh-identity header (see identity.h). */
#include "identity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

char *drv_base64(const void *data, size_t len)
{
    char *out = malloc((len + 2) / 3 * 4 + 1);
    if (out)
        drv_base64_to(data, len, out);
    return out;
}

void drv_base64_to(const void *data, size_t len, char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = data;
    char *o = out;
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

#define ID_PLACEHOLDER "####################################" /* 36 characters */

/* identity.system.cluster_id = the placeholder, "system" created when
 * missing; 0, or -1 when the document has no identity object to carry it. */
static int set_cluster_slot(cJSON *root)
{
    cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "identity");
    if (!cJSON_IsObject(id))
        return -1;
    cJSON *sys = cJSON_GetObjectItemCaseSensitive(id, "system");
    if (!sys)
        sys = cJSON_AddObjectToObject(id, "system");
    if (!cJSON_IsObject(sys))
        return -1;
    cJSON_DeleteItemFromObjectCaseSensitive(sys, "cluster_id");
    return cJSON_AddStringToObject(sys, "cluster_id", ID_PLACEHOLDER) ? 0 : -1;
}

char *drv_identity_doc(const char *org_id, const char *account, const char *identity_json,
                       size_t *id_off, char *err, size_t errlen)
{
    cJSON *root;
    *id_off = DRV_NO_ID_SLOT;
    if (identity_json) {
        if (!(root = cJSON_Parse(identity_json))) {
            snprintf(err, errlen, "--identity-json: not valid JSON");
            return NULL;
        }
    } else {
        cJSON *id, *internal;
        root = cJSON_CreateObject();
        if (!root || !(id = cJSON_AddObjectToObject(root, "identity")) ||
            !cJSON_AddStringToObject(id, "type", "User") ||
            !cJSON_AddStringToObject(id, "account_number", account ? account : "") ||
            !cJSON_AddStringToObject(id, "org_id", org_id) ||
            !(internal = cJSON_AddObjectToObject(id, "internal")) ||
            !cJSON_AddStringToObject(internal, "org_id", org_id)) {
            cJSON_Delete(root);
            snprintf(err, errlen, "out of memory building the identity");
            return NULL;
        }
    }
    if (set_cluster_slot(root) != 0) { /* nowhere to put it: the document as given */
        cJSON_Delete(root);
        char *copy = identity_json ? strdup(identity_json) : NULL;
        if (!copy)
            snprintf(err, errlen, "out of memory building the identity");
        return copy;
    }
    char *json = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    const char *at = json ? strstr(json, ID_PLACEHOLDER) : NULL;
    if (!at) {
        free(json);
        snprintf(err, errlen, "out of memory building the identity");
        return NULL;
    }
    *id_off = (size_t)(at - json);
    return json;
}
