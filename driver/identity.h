/* identity.h - the x-rh-identity header ingress expects: base64 of
 * {"identity":{"type":"User","account_number":..,"org_id":..,"internal":{"org_id":..}}}. */
#ifndef DRV_IDENTITY_H
#define DRV_IDENTITY_H

#include <stddef.h>

/* Standard base64 (RFC 4648, with padding) of len bytes; malloc'd, NUL-terminated. */
char *drv_base64(const void *data, size_t len);
/* The same into out, which has room for (len + 2) / 3 * 4 + 1 bytes. */
void drv_base64_to(const void *data, size_t len, char *out);

/* The header's value (malloc'd) from org_id/account, or from a whole JSON
 * document (identity_json, sent as given after a check that it is JSON).
 * NULL with a reason in err when identity_json is not JSON. */
char *drv_identity_header(const char *org_id, const char *account, const char *identity_json,
                          char *err, size_t errlen);

#define DRV_NO_ID_SLOT ((size_t)-1)

/* The identity document (JSON text, malloc'd) with a 36-character slot for
 * the upload's cluster id at identity.system.cluster_id (where a System
 * identity of the console's gateway carries it; "system" is created when
 * missing, a cluster_id already there replaced); *id_off is the slot's
 * offset, DRV_NO_ID_SLOT when the document has no identity object (then
 * it is returned as given).  NULL with err when identity_json is not
 * JSON. */
char *drv_identity_doc(const char *org_id, const char *account, const char *identity_json,
                       size_t *id_off, char *err, size_t errlen);
#endif
