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

/* libxml2 reports some errors (encoding conversion among them) through its thread's generic and
   structured error handlers, not the parser's: by default they print to stderr, with the
   offending input bytes in hex. Those bytes are patient data. The handlers are per thread, so
   every reading thread calls this before parsing. The generic handler is variadic, which Swift
   cannot write, hence C. */
static void clinicalingest_ignore_generic(void *context, const char *message, ...) {
    (void)context;
    (void)message;
}

static void clinicalingest_ignore_structured(void *context, xmlErrorPtr error) {
    (void)context;
    (void)error;
}

static inline void clinicalingest_silence_libxml2(void) {
    xmlSetGenericErrorFunc(NULL, clinicalingest_ignore_generic);
    xmlSetStructuredErrorFunc(NULL, clinicalingest_ignore_structured);
}
#endif
