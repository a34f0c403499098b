"""Check that the lock files still match pyproject.toml (run by `make setup` and `make lint`).

pyproject.toml keeps version ranges; requirements-test.lock (development, CI) and
requirements.lock (the image) pin them. A dependency added to pyproject.toml without `make lock`
would otherwise be missing from the image and from CI while a developer's old venv still has it.
Checked here, for this interpreter and platform:
- every requirement of pyproject.toml (the test extra too for the test lock) is pinned in the
  lock, at a version inside its range;
- both locks pin the packages they share at the same version (the image runs what CI tested).
Exit 1 with one line per problem and the command that fixes them.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_LOCK = "requirements.lock"
TEST_LOCK = "requirements-test.lock"


def pins(name: str) -> dict[str, Version]:
    """The `name==version` lines of a lock whose marker holds here (hashes and comments skipped)."""
    found: dict[str, Version] = {}
    for line in (ROOT / name).read_text().splitlines():
        if not line or line[0] in " #-":
            continue
        spec, _, marker = line.rstrip(" \\").partition(";")
        if marker.strip() and not Marker(marker.strip()).evaluate():
            continue
        package, _, version = spec.strip().partition("==")
        found[canonicalize_name(package.split("[")[0])] = Version(version)
    return found


def wanted(extra: str | None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = list(project["dependencies"])
    if extra:
        listed += project["optional-dependencies"][extra]
    environment = {"extra": extra or ""}
    return [
        r for r in map(Requirement, listed) if r.marker is None or r.marker.evaluate(environment)
    ]


def problems() -> list[str]:
    found: list[str] = []
    locks = {RUNTIME_LOCK: (pins(RUNTIME_LOCK), None), TEST_LOCK: (pins(TEST_LOCK), "test")}
    for lock, (pinned, extra) in locks.items():
        for requirement in wanted(extra):
            version = pinned.get(canonicalize_name(requirement.name))
            if version is None:
                found.append(f"{lock}: {requirement} is not pinned")
            elif not requirement.specifier.contains(version, prereleases=True):
                found.append(f"{lock}: {requirement.name}=={version} is outside {requirement}")
    runtime, test = locks[RUNTIME_LOCK][0], locks[TEST_LOCK][0]
    for package, version in sorted(runtime.items()):
        if test.get(package) != version:
            found.append(f"{RUNTIME_LOCK}: {package}=={version}, {TEST_LOCK}: {test.get(package)}")
    return found


def main() -> int:
    found = problems()
    for problem in found:
        print(problem, file=sys.stderr)
    if found:
        print(
            "The lock files are out of date: run `make lock`, then `make setup`.", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
