"""Installing Chromium (kzopinion.book.browser.ensure_chromium, for the browser tests and `make pdf`) waits for another
installation running meanwhile instead of failing on apt's lock, and says so; apt-get itself never runs here."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import pytest

from kzopinion.book import browser

# apt-get's own words (apt 2.6): while it waits, when it gives up, and when it is not root
HOLDER = "It is held by process 4242 (apt-get)"
WAITING = f"Waiting for cache lock: Could not get lock /var/lib/dpkg/lock-frontend. {HOLDER}...\n"
LISTS_LOCKED = (
    "Reading package lists...\n"
    f"E: Could not get lock /var/lib/apt/lists/lock. {HOLDER}\n"
    "E: Unable to lock directory /var/lib/apt/lists/\n"
)
INSTALL_GAVE_UP = (
    "E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?\n"
)
NOT_ROOT = (
    "E: Could not open lock file /var/lib/dpkg/lock-frontend - open (13: Permission denied)\n"
    "E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), are you root?\n"
)
UPDATED = "Reading package lists...\n"


class FakeApt:
    """apt-get as run_apt sees it: each run prints its lines (to ``on_line``) and exits as the script says."""

    def __init__(self, *runs: tuple[int, str]) -> None:
        self.runs, self.commands = list(runs), []

    def __call__(self, command: list[str], on_line: Callable[[str], None]) -> subprocess.CompletedProcess:
        self.commands.append(command)
        returncode, output = self.runs.pop(0) if self.runs else (0, "")
        for line in output.splitlines(keepends=True):
            on_line(line)
        return subprocess.CompletedProcess(command, returncode, output)


class Clock:
    """A clock that moves only when a run or a pause moves it."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_every_apt_get_run_waits_for_the_dpkg_lock():
    commands = browser.apt_commands(browser.DEBIAN_PACKAGES)
    assert [command[:3] for command in commands] == [
        ["apt-get", "-o", f"DPkg::Lock::Timeout={browser.PACKAGE_LOCK_WAIT}"]
    ] * 2
    assert [command[3] for command in commands] == ["update", "install"]
    assert all("-qq" not in command for command in commands)  # -qq would silence apt-get's line saying it waits
    assert browser.PACKAGE_LOCK_WAIT >= 300  # minutes: another install of Chromium takes that long


def test_ensure_chromium_runs_the_waiting_commands(monkeypatch, tmp_path, capsys):
    apt = FakeApt()
    monkeypatch.setattr(browser, "CHROMIUM", tmp_path / "chromium")  # missing: it must be installed
    monkeypatch.setattr(browser.shutil, "which", lambda name: "/usr/bin/apt-get" if name == "apt-get" else None)
    monkeypatch.setattr(browser, "stream_apt", apt)
    assert browser.ensure_chromium() == tmp_path / "chromium"
    assert apt.commands == browser.apt_commands(browser.DEBIAN_PACKAGES)
    assert "[browser] installing chromium poppler-utils from Debian" in capsys.readouterr().out


def test_while_apt_get_waits_a_progress_line_says_so_once_a_minute(capsys):
    clock = Clock()

    def waiting_install(command, on_line):
        for _ in range(90):  # apt-get's line each second, for a minute and a half
            on_line(WAITING)
            clock.now += 1
        return subprocess.CompletedProcess(command, 0, WAITING * 90)

    result = browser.run_apt(["apt-get", "install"], wait=900, execute=waiting_install, clock=clock)
    lines = capsys.readouterr().out.splitlines()
    assert result.returncode == 0 and len(lines) == 2
    assert lines[0] == (
        "[browser] another installation is running (process 4242 (apt-get) holds /var/lib/dpkg/lock-frontend): "
        "waiting for it, up to 900 s ..."
    )


def test_an_update_refused_for_the_lists_lock_is_run_again_with_a_progress_line(capsys):
    apt, paused = FakeApt((100, LISTS_LOCKED), (100, LISTS_LOCKED), (0, UPDATED)), []
    result = browser.run_apt(["apt-get", "update"], wait=900, execute=apt, clock=Clock(), pause=paused.append)
    assert result.returncode == 0 and len(apt.commands) == 3
    assert paused == [browser.LOCK_RETRY_PAUSE] * 2
    assert "process 4242 (apt-get) holds /var/lib/apt/lists/lock): waiting" in capsys.readouterr().out


def test_an_install_that_waited_in_vain_is_a_sentence_naming_the_holder():
    """apt-get waited for the dpkg lock itself, saying so each second, then gave up: not tried again."""
    apt = FakeApt((100, WAITING * 3 + INSTALL_GAVE_UP))
    result = browser.run_apt(["apt-get", "install"], wait=0, execute=apt, clock=Clock(), pause=pytest.fail)
    assert len(apt.commands) == 1
    assert browser.apt_failure(["apt-get", "install"], result, wait=900) == (
        "`apt-get install` waited 900 s for another installation (process 4242 (apt-get) holds "
        "/var/lib/dpkg/lock-frontend) and gave up: let it finish, then run this again"
    )


def test_a_lock_still_held_after_the_wait_is_a_sentence():
    clock = Clock()

    def later(seconds: float) -> None:
        clock.now += seconds

    apt = FakeApt(*[(100, LISTS_LOCKED)] * 10)
    result = browser.run_apt(["apt-get", "update"], wait=12, execute=apt, clock=clock, pause=later)
    assert len(apt.commands) == 4  # at 0, 5, 10 and 15 s: the last past the wait
    assert browser.apt_failure(["apt-get", "update"], result, wait=12) == (
        "`apt-get update` waited 12 s for another installation (process 4242 (apt-get) holds "
        "/var/lib/apt/lists/lock) and gave up: let it finish, then run this again"
    )


@pytest.mark.parametrize("output", ["E: Unable to locate package chromium\n", NOT_ROOT], ids=["unknown", "not root"])
def test_any_other_failure_is_not_waited_for(output):
    apt = FakeApt((100, output))
    result = browser.run_apt(["apt-get", "install"], execute=apt, clock=Clock(), pause=pytest.fail)
    assert len(apt.commands) == 1
    assert browser.apt_failure(["apt-get", "install"], result).startswith("`apt-get install` failed (are you root?)")
