/* print_trend.h - a trend's headline and JSON parts, shared by trend (one
 * process and fleet) and report (print_trend.c). */
#ifndef CCX_PRINT_TREND_H
#define CCX_PRINT_TREND_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

#include "analysis.h"

/* "N sites grow steadily; top site +R (±SE); ...; process RSS +R." and a
 * newline; Markdown bold when md. */
void ccx_trend_headline(FILE *f, const struct ccx_trend *tr, int md);
/* The headline's figures as a JSON object (t: the set's site table). */
cJSON *ccx_trend_json_headline(const struct ccx_trend *tr, const struct ccx_table *t);
/* The first n rows of tr with their fits, series and stacks. */
cJSON *ccx_trend_json_rows(const struct ccx_set *set, const struct ccx_trend *tr, size_t n);
/* The Python census over the set: one fit per type (count and bytes). */
cJSON *ccx_trend_json_types(const struct ccx_set *set);

#endif
