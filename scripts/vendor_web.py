"""Fetch the explorer page's front-end libraries from the npm registry, at the pinned versions.

    python scripts/vendor_web.py            # fetch, check, and write dhr_graph/data/web/vendor/
    python scripts/vendor_web.py --check    # only check the files already there against vendor.json

Each package is taken with `npm pack NAME@VERSION` (no install, no scripts run), its tarball
checked against the npm integrity pinned in `vendor.json`, and the listed files copied. A new
version is a deliberate edit of `vendor.json` (version and integrity), reviewed like code.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VENDOR = Path(__file__).resolve().parent.parent / "dhr_graph" / "data" / "web" / "vendor"
MANIFEST = VENDOR / "vendor.json"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fetch(manifest: dict) -> dict[str, str]:
    """Copy every listed file out of its checked tarball; returns the files' SHA-256."""
    sums: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for pkg in manifest["packages"]:
            spec = f"{pkg['name']}@{pkg['version']}"
            out = subprocess.run(["npm", "pack", spec, "--silent", "--pack-destination", tmp],
                                 capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
            tarball = (Path(tmp) / out).read_bytes()
            algo, _, expected = pkg["integrity"].partition("-")
            actual = base64.b64encode(hashlib.new(algo, tarball).digest()).decode("ascii")
            if actual != expected:
                raise SystemExit(f"{spec}: tarball integrity {algo}-{actual} is not the pinned one")
            with tarfile.open(Path(tmp) / out) as tar:
                for member, target in pkg["files"].items():
                    extracted = tar.extractfile(member)
                    if extracted is None:
                        raise SystemExit(f"{spec}: {member} is not a file in the tarball")
                    data = extracted.read()
                    (VENDOR / target).write_bytes(data)
                    sums[target] = _sha256(data)
            print(f"{spec}: {', '.join(pkg['files'].values())}")
    return sums


def check(manifest: dict) -> list[str]:
    """Files whose content is not the one recorded in the manifest."""
    return [name for name, digest in manifest["sha256"].items()
            if not (VENDOR / name).is_file() or _sha256((VENDOR / name).read_bytes()) != digest]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check the vendored files")
    args = parser.parse_args()
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    if not args.check:
        manifest["sha256"] = fetch(manifest)
        MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    bad = check(manifest)
    for name in bad:
        print(f"{VENDOR / name}: not the pinned file", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
