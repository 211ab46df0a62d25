/* identity.h - the x-rh-identity header ingress expects: base64 of
 * {"identity":{"type":"User","account_number":..,"org_id":..,"internal":{"org_id":..}}}. */
#ifndef DRV_IDENTITY_H
#define DRV_IDENTITY_H

#include <stddef.h>

/* Standard base64 (RFC 4648, with padding) of len bytes; malloc'd, NUL-terminated. */
char *drv_base64(const void *data, size_t len);

/* The header's value (malloc'd) from org_id/account, or from a whole JSON
 * document (identity_json, sent as given after a check that it is JSON).
 * NULL with a reason in err when identity_json is not JSON. */
char *drv_identity_header(const char *org_id, const char *account, const char *identity_json,
                          char *err, size_t errlen);
#endif
