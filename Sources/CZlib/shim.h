#ifndef CLINICALINGEST_CZLIB_SHIM_H
#define CLINICALINGEST_CZLIB_SHIM_H
#include <zlib.h>
#endif
