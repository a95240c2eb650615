"""Signed-URL transfer: the worker downloads its data and uploads its adapter over HTTP.

A real HTTP server in this process stands in for the object store's signed URLs (it serves
GET and stores PUT bodies); the worker is the real one, training the smoke model.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import brightrun_trainer
from brightrun_trainer import exit_codes
from brightrun_trainer.errors import SpecError
from brightrun_trainer.spec import parse_spec
from conftest import smoke_spec


class Store:
    """What the server holds: files to GET, bodies received by PUT."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.received: dict[str, bytes] = {}


def serve(store: Store) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            body = store.files.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def do_PUT(self) -> None:  # noqa: N802
            length = int(self.headers["Content-Length"])
            store.received[self.path] = self.rfile.read(length)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def signed_spec(tmp_path: Path, dataset: tuple[Path, Path], base: str) -> dict[str, Any]:
    spec = smoke_spec(tmp_path, *dataset)
    spec["transfer"] = "signed_urls"
    spec["dataset"] = {"train": f"{base}/train.jsonl?sig=1", "validation": f"{base}/validation.jsonl?sig=1"}
    names = ["adapter_model.safetensors", "adapter_config.json", "tokenizer.json", "tokenizer_config.json"]
    names += ["special_tokens_map.json", "chat_template.jinja"]
    spec["output"] = {"dir": "output", "upload_urls": {name: f"{base}/up/{name}?sig=1" for name in names}}
    spec["max_steps"] = 3
    return spec


def test_signed_urls_need_urls_for_the_data_and_the_adapter(tmp_path: Path, dataset: tuple[Path, Path]) -> None:
    spec = signed_spec(tmp_path, dataset, "http://127.0.0.1:9")
    assert parse_spec(spec).transfer == "signed_urls"
    local = {**spec, "dataset": {"train": str(dataset[0]), "validation": None}}
    with pytest.raises(SpecError, match="signed http"):
        parse_spec(local)
    without = {**spec, "output": {"dir": "output", "upload_urls": {}}}
    with pytest.raises(SpecError, match="adapter_model.safetensors"):
        parse_spec(without)
    with pytest.raises(SpecError, match="transfer must be"):
        parse_spec({**spec, "transfer": "carrier_pigeon"})


@pytest.mark.torch
def test_the_worker_downloads_by_url_and_uploads_each_announced_file(
    tmp_path: Path, dataset: tuple[Path, Path]
) -> None:
    store = Store()
    store.files["/train.jsonl?sig=1"] = dataset[0].read_bytes()
    store.files["/validation.jsonl?sig=1"] = dataset[1].read_bytes()
    server = serve(store)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        # The worker runs in tmp_path: it must import this very package, not an installed one.
        source = str(Path(brightrun_trainer.__file__).resolve().parents[1])
        path = os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")]))
        spec = json.dumps(signed_spec(tmp_path, dataset, base))
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": path, "BRIGHTRUN_SPEC": spec}
        process = subprocess.run(
            [sys.executable, "-m", "brightrun_trainer", "--spec-env", "BRIGHTRUN_SPEC"],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=600,
        )
    finally:
        server.shutdown()
    events = [json.loads(line) for line in process.stdout.splitlines()]
    assert process.returncode == exit_codes.COMPLETED, process.stderr[-2000:]
    announced = [event for event in events if event["event"] == "artifact"]
    assert {"adapter_model.safetensors", "adapter_config.json"} <= {event["name"] for event in announced}
    for event in announced:
        body = store.received[f"/up/{event['name']}?sig=1"]
        assert event["bytes"] == len(body) and event["sha256"] == hashlib.sha256(body).hexdigest()
    assert not (tmp_path / "output").exists(), "the worker's scratch directory is its own and removed"
