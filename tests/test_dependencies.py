"""The lock files pin the whole dependency tree, with hashes, and match the top-level lists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(\S+)")


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def top_level(path: Path) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            pins |= top_level(path.parent / line[3:].strip())
        elif line:
            match = PIN.match(line)
            assert match, f"{path.name}: pin every package exactly (name==version): {line!r}"
            pins[_name(match[1])] = match[2]
    return pins


def locked(path: Path) -> dict[str, tuple[str, int]]:
    """Each locked package's version and how many hashes it carries."""
    entries: dict[str, tuple[str, int]] = {}
    current = None
    for line in path.read_text().splitlines():
        if match := PIN.match(line):
            current = _name(match[1])
            entries[current] = (match[2], 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = entries[current]
            entries[current] = (version, hashes + 1)
    return entries


@pytest.mark.parametrize(
    ("listed", "lock"),
    [("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")],
)
def test_the_lock_file_pins_every_listed_package_at_its_version_with_hashes(listed, lock):
    wanted = top_level(ROOT / listed)
    pinned = locked(ROOT / lock)
    stale = {
        name: version for name, version in wanted.items() if pinned.get(name, ("",))[0] != version
    }
    assert not stale, f"{lock} is out of date for {stale}: run `make lock`"
    assert all(hashes for _, hashes in pinned.values()), "every package carries its hashes"
    assert len(pinned) > len(wanted), "the lock holds the dependencies of the listed packages too"


def test_the_runtime_lock_agrees_with_the_development_lock():
    runtime, development = (
        locked(ROOT / "requirements.lock"),
        locked(ROOT / "requirements-dev.lock"),
    )
    assert {name: v for name, (v, _) in runtime.items()} == {
        name: development[name][0] for name in runtime
    }
