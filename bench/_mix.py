"""What the election-night mix sends, shared by the load bench's locust users (bench/_locustfile.py)
and the one-request-at-a-time bench (bench/requests.py). No locust import here: bench/requests.py
must not start gevent's monkey-patching."""

import base64
import io
import random

from PIL import Image


def photo(seed):
    """A real small JPEG (noise: different bytes for each observer's photo)."""
    generator = random.Random(seed)
    image = Image.frombytes("RGB", (160, 120), bytes(generator.getrandbits(8) for _ in range(160 * 120 * 3)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def tus_metadata(items):
    """The tus Upload-Metadata header: comma-separated "key base64(value)" pairs."""
    return ",".join(f"{key} {base64.b64encode(str(value).encode()).decode()}" for key, value in items.items())
