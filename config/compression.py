"""Pages and JSON compressed on the way out (a phone on a slow network receives a quarter of the bytes).

Django's GZipMiddleware, which mitigates BREACH (it pads each compressed answer with random bytes in
the gzip header, "Heal the Breach"), for every answer but those already compressed: photos, videos,
PDFs and ZIP packages are sent as they are (gzip would spend CPU for nothing and drop their
Content-Length). Static files never reach it: whitenoise, above it, serves them precompressed.
"""

from django.middleware.gzip import GZipMiddleware

ALREADY_COMPRESSED = ("image/", "video/", "audio/", "application/pdf", "application/zip", "application/gzip",
                      "application/octet-stream")


class CompressionMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        content_type = response.get("Content-Type", "").lower()
        if content_type.startswith(ALREADY_COMPRESSED):
            return response
        return super().process_response(request, response)
