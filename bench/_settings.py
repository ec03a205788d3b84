"""The production settings, plus one trivial view (bench._urls) for the load test's baseline."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench._urls"
