import { buildWheel, type WheelFile } from './python-wheel';

/**
 * `tinyserve`: a WSGI server in the way of gunicorn, built on wsgiref. `tinyserve MODULE:APP`
 * imports the app from the working directory and serves it on $PORT; pip installs it as a
 * console script whose shebang names the environment's python, which is what makes a
 * virtualenv depend on the path it was built at.
 */
export function tinyserveWheel(version = '1.0.0'): WheelFile {
  return buildWheel({
    name: 'tinyserve',
    version,
    scripts: { tinyserve: 'tinyserve:main' },
    files: {
      'tinyserve/__init__.py': `"""A tiny WSGI server for tests: tinyserve MODULE:CALLABLE."""
import importlib
import os
import sys
from wsgiref.simple_server import WSGIRequestHandler, make_server

__version__ = ${JSON.stringify(version)}


class _Handler(WSGIRequestHandler):
    def log_message(self, format, *args):
        print("tinyserve:", format % args, flush=True)


def main():
    if len(sys.argv) != 2 or ":" not in sys.argv[1]:
        sys.exit("usage: tinyserve MODULE:CALLABLE")
    module, _, name = sys.argv[1].partition(":")
    # As gunicorn does: the app is imported from the working directory, not the script's.
    sys.path.insert(0, os.getcwd())
    application = getattr(importlib.import_module(module), name)
    port = int(os.environ.get("PORT", "8000"))
    with make_server("0.0.0.0", port, application, handler_class=_Handler) as server:
        print("tinyserve", __version__, "listening on", port, flush=True)
        server.serve_forever()
`,
    },
  });
}

/**
 * The page both Python apps serve: where it runs and what it can see, as JSON. `extra` is a
 * Python expression for one more field (`None` if not needed).
 */
function inspectingApp(extra = 'None'): string {
  return `import json
import os
import sys


def _can_write(path):
    try:
        with open(path, "w") as handle:
            handle.write(str(os.getpid()))
        return True
    except OSError as error:
        return str(error)


def application(environ, start_response):
    body = json.dumps({
        "cwd": os.getcwd(),
        "home": os.environ.get("HOME"),
        "prefix": sys.prefix,
        # Relative to the working directory, the app's directory under both runtimes (/app under
        # oci; the instance's own copy under process, which maps the image's paths onto it).
        "releasedMarker": os.path.exists("released-marker"),
        "canWriteApp": _can_write("written-by-instance"),
        "version": open("version.txt").read().strip(),
        "extra": ${extra},
    }).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
`;
}

/** A requirements.txt app (at `version`) served by tinyserve, whose `release:` writes under /app. */
export function requirementsApp(version: string): Record<string, string> {
  return {
    'version.txt': version,
    'requirements.txt': 'tinyserve==1.0.0\n',
    'app.py': inspectingApp(),
    Procfile: 'web: tinyserve app:application\nrelease: touch /app/released-marker\n',
  };
}

/** A pyproject.toml app (at `version`; setuptools backend) that depends on tinyserve; its Procfile names `web`. */
export function pyprojectApp(version: string): Record<string, string> {
  return {
    'version.txt': version,
    'pyproject.toml': `[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "hello-pyproject"
version = "0.1.0"
dependencies = ["tinyserve>=1.0"]

[tool.setuptools]
packages = ["hello"]
`,
    'hello/__init__.py': '',
    'hello/web.py': inspectingApp('__import__("importlib.metadata").metadata.version("hello-pyproject")'),
    Procfile: 'web: tinyserve hello.web:application\n',
  };
}
