#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # The settings decide DEBUG once they have read .env: a command in a checkout with nothing
    # configured gets the development defaults, a deployment (SECRET_KEY or DEBUG set in the
    # environment or in .env) the production settings. See config/settings.py.
    os.environ.setdefault("OBSERVERS_COMMAND_LINE", "1")
    from django.core.management import execute_from_command_line  # noqa: PLC0415 Django's own manage.py layout

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
