"""Forwards TCP connections from this network namespace's loopback into another's.

Usage: python ray_forward.py NETNS_PATH LISTEN_PORT TARGET_PORT

Listens on 127.0.0.1:LISTEN_PORT here and connects each client to 127.0.0.1:TARGET_PORT
inside the network namespace at NETNS_PATH (e.g. /run/netns/brightrun-ray). A Linux
thread can enter another network namespace on its own (setns), and a socket stays in the
namespace it was made in: one thread, moved into the namespace, makes the outgoing sockets.
Standard library only (the namespace is entered through libc), so any Python 3 runs it.
"""

from __future__ import annotations

import ctypes
import os
import queue
import socket
import sys
import threading

CLONE_NEWNET = 0x40000000


def connector(netns: str, target: int, requests: queue.Queue[queue.Queue[socket.socket | OSError]]) -> None:
    """Enters the namespace, then makes one outgoing connection per request."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(netns, os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), f"setns({netns})")
    os.close(fd)
    while True:
        reply = requests.get()
        try:
            reply.put(socket.create_connection(("127.0.0.1", target), timeout=10))
        except OSError as error:
            reply.put(error)


def pipe(source: socket.socket, sink: socket.socket) -> None:
    """Copies bytes one way until either side closes."""
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main() -> None:
    netns, listen, target = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    requests: queue.Queue[queue.Queue[socket.socket | OSError]] = queue.Queue()
    threading.Thread(target=connector, args=(netns, target, requests), daemon=True).start()
    server = socket.create_server(("127.0.0.1", listen), reuse_port=False)
    while True:
        client, _ = server.accept()
        reply: queue.Queue[socket.socket | OSError] = queue.Queue()
        requests.put(reply)
        upstream = reply.get()
        if isinstance(upstream, OSError):
            client.close()
            continue
        upstream.settimeout(None)
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=pipe, args=(a, b), daemon=True).start()


if __name__ == "__main__":
    main()
