#!/usr/bin/env python3
"""supervisor event listener: when any program goes FATAL, stop supervisord so the container exits.

Speaks supervisor's listener protocol on stdin/stdout (READY, then one header line and a payload per
event, answered with RESULT); diagnostics go to stderr.
"""
import os
import signal
import sys


def read_event(stdin) -> tuple[dict[str, str], str]:
    header_line = stdin.readline()
    if not header_line:
        raise EOFError
    headers = dict(token.split(":", 1) for token in header_line.split())
    payload = stdin.read(int(headers["len"]))
    return headers, payload


def main() -> None:
    while True:
        sys.stdout.write("READY\n")
        sys.stdout.flush()
        try:
            headers, payload = read_event(sys.stdin)
        except EOFError:
            return
        if headers.get("eventname") == "PROCESS_STATE_FATAL":
            details = dict(token.split(":", 1) for token in payload.split())
            print(f"exit_on_fatal: {details.get('processname', '?')} is FATAL; stopping supervisord", file=sys.stderr, flush=True)
            os.kill(os.getppid(), signal.SIGTERM)
        sys.stdout.write("RESULT 2\nOK")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
