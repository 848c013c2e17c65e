// The image codecs the sandbox uses for real image work: libpng's simplified API,
// libturbojpeg and libwebp.
#ifndef RECRAFT_CIMAGECODECS_H
#define RECRAFT_CIMAGECODECS_H
#include <png.h>
#include <turbojpeg.h>
#include <webp/decode.h>
#include <webp/encode.h>
#endif
