#ifndef HUBDOCTOR_CCURL_SHIM_H
#define HUBDOCTOR_CCURL_SHIM_H
#include <curl/curl.h>
#endif
