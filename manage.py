#!/usr/bin/env python
import os
import sys

# Commands that only read the code (migrations, translations) need no secrets: they may use the
# development settings when none are set. Everything else gets the production default, which
# refuses to start without FELTBOK_SECRET_KEY and the key ring.
CODE_ONLY_COMMANDS = {"makemigrations", "makemessages", "compilemessages"}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "feltbok.settings")
    if len(sys.argv) > 1 and sys.argv[1] in CODE_ONLY_COMMANDS:
        os.environ.setdefault("FELTBOK_DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
