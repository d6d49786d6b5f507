"""Print the TCP ports from 1 to 10000 that accept a connection on ADDRESS.

Run by the verify playbooks from the controller or from another lab host:
    python3 open-ports.py 10.213.0.21     ->  [22, 80, 443]
"""

import socket
import sys
from concurrent.futures import ThreadPoolExecutor


def is_open(address: str, port: int) -> bool:
    with socket.socket() as connection:
        connection.settimeout(1)
        return connection.connect_ex((address, port)) == 0


def main() -> None:
    address = sys.argv[1]
    ports = range(1, 10001)
    with ThreadPoolExecutor(200) as pool:
        answers = pool.map(lambda port: is_open(address, port), ports)
        print(sorted(port for port, answered in zip(ports, answers, strict=True) if answered))


if __name__ == "__main__":
    main()
