"""Make sure a Redis answers on 127.0.0.1:6379 for the tests; start one if redis-server exists."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time

HOST, PORT = "127.0.0.1", 6379


def answers() -> bool:
    try:
        with socket.create_connection((HOST, PORT), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def main() -> int:
    if answers():
        return 0
    server = shutil.which("redis-server")
    if server is None:
        print(
            "make test needs Redis on 127.0.0.1:6379: install redis-server "
            "(apt install redis-server / brew install redis) or start one there",
            file=sys.stderr,
        )
        return 1
    subprocess.run(
        [
            server,
            "--bind",
            HOST,
            "--port",
            str(PORT),
            "--daemonize",
            "yes",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    for _ in range(50):
        if answers():
            print(f"started a local redis-server on {HOST}:{PORT} for the tests")
            return 0
        time.sleep(0.1)
    print(f"redis-server did not answer on {HOST}:{PORT}: check its log", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
