#ifndef CLINICALINGEST_CLIBXML2_SHIM_H
#define CLINICALINGEST_CLIBXML2_SHIM_H
/* Debian builds libxml2 with ICU, so <libxml/encoding.h> includes <unicode/ucnv.h>. Those ICU
   declarations clash with Foundation's own copy of ICU (_FoundationICU: "UErrorCode has different
   definitions in different modules") in any module that sees both. We never use libxml2's ICU
   encoding handlers, so hide ICU from this module. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlerror.h>
#endif
