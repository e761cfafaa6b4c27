#!/usr/bin/env python3
"""Opt-in interop check: Python's huggingface_hub and DPT4J's hub client share one cache.

Starts a small Hub emulator (Hub + CDN on two loopback ports), then:
  1. Java downloads a snapshot; Python's snapshot_download / hf_hub_download reuse it (no CDN GET).
  2. Python downloads into a fresh cache; Java reuses it (zero requests at the commit, no CDN GET at main).
  3. huggingface_hub.scan_cache_dir finds no corruption and no stray files in either cache.
Needs `pip install huggingface_hub` and a built CLI (./dpt builds on first use). Run from the repo root:
    python3 hub-client/src/test/python/interop.py
Exit code 0 when the clients are interchangeable; the emulator here is deliberately independent of the
Java test emulator.
"""
import hashlib, json, os, subprocess, sys, tempfile, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

REPO = "interop/tiny-dpt"
FILES = {
    "config.json": b'{"model_type": "dpt"}',
    "preprocessor_config.json": b'{"do_resize": true}',
    "model.safetensors": os.urandom(4096),
    "sub/extra.txt": b"hello",
}
LFS = {"model.safetensors"}
COMMIT = hashlib.sha1(b"interop").hexdigest()
LOG = []


def git_sha1(b):
    return hashlib.sha1(b"blob %d\0" % len(b) + b).hexdigest()


def sha256(b):
    return hashlib.sha256(b).hexdigest()


class Hub(BaseHTTPRequestHandler):
    cdn_port = 0

    def log_message(self, *a):
        pass

    def _send(self, code, headers, body=b""):
        self.send_response(code)
        for k, v in headers.items():
            self.send_header(k, v)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        path = urlsplit(self.path).path
        LOG.append(("hub", self.command, path))
        if path.startswith(f"/api/models/{REPO}/revision/"):
            body = json.dumps({"id": REPO, "sha": COMMIT, "siblings": [{"rfilename": f} for f in FILES]}).encode()
            return self._send(200, {"Content-Type": "application/json"}, body)
        if path.startswith(f"/api/models/{REPO}/tree/"):
            out = [{"type": "directory", "oid": "0" * 40, "size": 0, "path": "sub"}]
            for f, c in FILES.items():
                e = {"type": "file", "oid": git_sha1(c), "size": len(c), "path": f}
                if f in LFS:
                    e["lfs"] = {"oid": sha256(c), "size": len(c), "pointerSize": 134}
                out.append(e)
            return self._send(200, {"Content-Type": "application/json"}, json.dumps(out).encode())
        prefix = f"/{REPO}/resolve/"
        if not path.startswith(prefix):
            return self._send(404, {"X-Error-Code": "RepoNotFound"})
        rev, _, name = path[len(prefix):].partition("/")
        rev, name = unquote(rev), unquote(name)
        if rev not in ("main", COMMIT):
            return self._send(404, {"X-Error-Code": "RevisionNotFound"})
        if name not in FILES:
            return self._send(404, {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": COMMIT})
        c = FILES[name]
        if name in LFS:
            return self._send(302, {"X-Repo-Commit": COMMIT, "X-Linked-Etag": f'"{sha256(c)}"', "X-Linked-Size": str(len(c)),
                                    "ETag": '"pointer-etag"', "Location": f"http://127.0.0.1:{Hub.cdn_port}/{sha256(c)}"})
        return self._send(200, {"X-Repo-Commit": COMMIT, "ETag": f'"{git_sha1(c)}"', "Content-Length": str(len(c))}, c)


class Cdn(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        LOG.append(("cdn", self.command, self.path))
        if "Authorization" in self.headers:
            self.send_response(400); self.send_header("Content-Length", "0"); self.end_headers(); return
        blob = next(c for c in FILES.values() if sha256(c) == self.path.strip("/"))
        self.send_response(200)
        self.send_header("Content-Length", str(len(blob)))
        self.send_header("ETag", '"cdn-etag"')
        self.end_headers()
        self.wfile.write(blob)


def serve(handler):
    s = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=s.serve_forever, daemon=True).start()
    return s


def java(args, env):
    r = subprocess.run(["./dpt", "download", REPO, *args], env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"java failed: {r.stderr}")
    return r.stdout.strip().splitlines()[-1]


def python(code, env):
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"python failed: {r.stderr}")
    return r.stdout.strip().splitlines()[-1]


def check(cond, msg):
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        sys.exit(1)


def main():
    cdn = serve(Cdn)
    Hub.cdn_port = cdn.server_address[1]
    hub = serve(Hub)
    endpoint = f"http://127.0.0.1:{hub.server_address[1]}"
    have_python_hub = subprocess.run([sys.executable, "-c", "import huggingface_hub"], stderr=subprocess.DEVNULL).returncode == 0
    if not have_python_hub:
        print("huggingface_hub is not installed: pip install huggingface_hub (Java half runs alone)")
    for first in ("java", "python"):
        cache = tempfile.mkdtemp(prefix=f"interop-{first}-")
        env = dict(os.environ, HF_ENDPOINT=endpoint, HF_HUB_CACHE=cache, HF_HUB_DISABLE_PROGRESS_BARS="1",
                   HF_HUB_DISABLE_TELEMETRY="1")
        snap_py = f"import huggingface_hub as h; print(h.snapshot_download('{REPO}'))"
        if first == "java":
            snap = java([], env)
            check(os.path.basename(snap) == COMMIT, f"java snapshot at the commit: {snap}")
            if not have_python_hub:
                continue
            LOG.clear()
            check(python(snap_py, env) == snap, "python snapshot_download returns java's snapshot")
            check(python(f"import huggingface_hub as h; print(h.hf_hub_download('{REPO}', 'model.safetensors'))", env)
                  == os.path.join(snap, "model.safetensors"), "python hf_hub_download returns java's file")
            check(not [r for r in LOG if r[0] == "cdn"], f"python downloaded nothing: {LOG}")
            off = dict(env, HF_HUB_OFFLINE="1")
            check(python(snap_py, off) == snap, "python offline finds java's complete snapshot")
        else:
            if not have_python_hub:
                continue
            snap = python(snap_py, env)
            LOG.clear()
            check(java(["--revision", COMMIT], env) == snap, "java reuses python's snapshot at the commit")
            check(LOG == [], f"zero requests at a full commit: {LOG}")
            check(java([], env) == snap and not [r for r in LOG if r[0] == "cdn"], "java at main downloads nothing")
            check(java(["--local-files-only"], env) == snap, "java offline finds python's snapshot")
        if have_python_hub:
            scan = python("import huggingface_hub as h, json; i = h.scan_cache_dir(); "
                          "print(json.dumps([str(w) for w in i.warnings] + [str(f) for f in getattr(i, 'incomplete_files', [])]))",
                          env)
            check(json.loads(scan) == [], f"scan_cache_dir: no warnings, no incomplete files ({first} first): {scan}")
    print("interop: done")


if __name__ == "__main__":
    main()
