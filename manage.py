#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if "DEBUG" not in os.environ and "SECRET_KEY" not in os.environ:
        # A checkout with nothing configured is a developer's: commands run with the development
        # defaults, as under `make run`. A deployment sets SECRET_KEY (or DEBUG=0) and gets the
        # production settings, which refuse to start without a key. The web server and the
        # worker never pass through here.
        os.environ["DEBUG"] = "1"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
