#!/usr/bin/env python3
"""Renders the committed nginx / uWSGI / supervisor templates: the one substitution mechanism used
by both the images (at build time) and the local stack (bin/run-stack).

Only `${NAME}` placeholders are replaced, and only names from the fixed set below (paths and the
port); a template naming anything else, or a missing value, is an error rather than an empty string.

    render_config.py OUT_DIR NAME=VALUE...
"""
import re
import sys
from pathlib import Path

STACK_DIR = Path(__file__).resolve().parent
TEMPLATES = ["nginx/nginx.conf", "uwsgi/uwsgi.ini", "supervisor/supervisord.conf"]
NAMES = {"PORT", "PROJECT_DIR", "STATIC_ROOT", "RUN_DIR", "CONF_DIR", "STACK_DIR", "PYTHON"}
PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def render_text(text: str, values: dict[str, str], source: str) -> str:
    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in NAMES:
            raise ValueError(f"{source}: unknown placeholder ${{{name}}}; allowed: {', '.join(sorted(NAMES))}")
        if name not in values:
            raise ValueError(f"{source}: no value given for ${{{name}}}")
        return values[name]

    return PLACEHOLDER.sub(replace, text)


def render_all(out_dir: Path, values: dict[str, str]) -> list[Path]:
    unknown = set(values) - NAMES
    if unknown:
        raise ValueError(f"unknown names {sorted(unknown)}; allowed: {', '.join(sorted(NAMES))}")
    if not values.get("PORT", "").isdigit():
        raise ValueError(f"PORT must be a TCP port number, got {values.get('PORT')!r}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for template in TEMPLATES:
        target = out_dir / Path(template).name
        target.write_text(render_text((STACK_DIR / template).read_text(), values, template))
        written.append(target)
    return written


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    values = {}
    for pair in argv[2:]:
        name, sep, value = pair.partition("=")
        if not sep:
            print(f"expected NAME=VALUE, got {pair!r}", file=sys.stderr)
            return 2
        values[name] = value
    try:
        for path in render_all(Path(argv[1]), values):
            print(f"rendered {path}")
    except ValueError as error:
        print(f"render_config: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
