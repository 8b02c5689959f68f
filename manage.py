#!/usr/bin/env python
import os
import sys

# Commands that only check or generate code: a developer runs them as they are
# (`python manage.py check`, `makemigrations --check`), so they default to DEBUG on like the
# Makefile's targets. Everything else — migrate, qcluster, the site — gets no default and meets
# the production guard with DEBUG off (config/production.py); DEBUG=0 in the environment
# (as deploy/environment.example has it) puts these under the guard too.
CODE_COMMANDS = {"check", "makemigrations", "makemessages", "compilemessages"}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if len(sys.argv) > 1 and sys.argv[1] in CODE_COMMANDS:
        os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
