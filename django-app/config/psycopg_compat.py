"""Lets Django 4.2 run on Debian bookworm's database drivers.

Debian bookworm ships psycopg 3.1.7, one patch release below Django 4.2's minimum (3.1.8), and
Django refuses to start with it rather than fall back to psycopg2. When exactly that is installed
and psycopg2 is too, hide psycopg 3 so Django picks psycopg2. The images install psycopg 3 from
requirements/base.txt and never take this path.
"""
import sys


def prefer_psycopg2_over_old_psycopg3() -> None:
    try:
        import psycopg
    except ImportError:
        return
    version = tuple(int(part) for part in psycopg.__version__.split(".")[:3] if part.isdigit())
    if version >= (3, 1, 8):
        return
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        return
    for name in [module for module in sys.modules if module == "psycopg" or module.startswith("psycopg.")]:
        del sys.modules[name]
    sys.modules["psycopg"] = None  # makes `import psycopg` raise ImportError


prefer_psycopg2_over_old_psycopg3()
