#!/usr/bin/env python3
"""Start workflows of a branch with workflow_dispatch, wait for their runs, and fail unless
each succeeds; the runs, linked, go to the job summary ($GITHUB_STEP_SUMMARY).

    python .ci/dispatch_wait.py --repo OWNER/NAME --branch rendered/defaults --sha SHA \\
        --workflows '["native.yml", "lite.yml", "review.yml"]'

Uses the GitHub CLI (`gh`, authenticated by GH_TOKEN: actions: write to start runs). A run
is the one of each workflow on --branch whose commit is --sha, started by workflow_dispatch:
so a run of an older render, or one started by someone else on another commit, is never
taken for it."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

APPEAR_TIMEOUT = 300  # seconds for a dispatched run to be listed
RUN_TIMEOUT = 120 * 60  # the generated jobs time out after 45 minutes; lite and native queue
POLL = 20


def gh(*args: str) -> str:
    return subprocess.run(["gh", *args], check=True, capture_output=True, text=True).stdout


def pick_run(runs: list[dict], sha: str) -> dict | None:
    """The newest dispatched run on commit *sha* among `gh run list --json` rows."""
    mine = [r for r in runs if r.get("headSha") == sha and r.get("event") == "workflow_dispatch"]
    return max(mine, key=lambda r: r["databaseId"], default=None)


def summary(branch: str, rows: list[dict]) -> str:
    """A Markdown table of the runs: workflow, conclusion, link."""
    lines = [f"### `{branch}`", "", "| workflow | conclusion | run |", "|---|---|---|"]
    for row in rows:
        link = f"[{row['databaseId']}]({row['url']})" if row.get("url") else "not started"
        lines.append(f"| {row['workflow']} | {row.get('conclusion') or row.get('status') or 'missing'} | {link} |")
    return "\n".join(lines) + "\n"


def failed(rows: list[dict]) -> list[str]:
    return [row["workflow"] for row in rows if row.get("conclusion") != "success"]


def find_run(repo: str, workflow: str, branch: str, sha: str) -> dict | None:
    deadline = time.monotonic() + APPEAR_TIMEOUT
    fields = "databaseId,headSha,event,status,conclusion,url"
    while time.monotonic() < deadline:
        listed = gh("run", "list", "--repo", repo, "--workflow", workflow, "--branch", branch,
                    "--event", "workflow_dispatch", "--limit", "20", "--json", fields)
        run = pick_run(json.loads(listed), sha)
        if run is not None:
            return run
        time.sleep(POLL / 2)
    return None


def wait(repo: str, run: dict) -> dict:
    deadline = time.monotonic() + RUN_TIMEOUT
    while run.get("status") != "completed" and time.monotonic() < deadline:
        time.sleep(POLL)
        run = json.loads(gh("run", "view", str(run["databaseId"]), "--repo", repo,
                            "--json", "databaseId,status,conclusion,url"))
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", required=True, help="OWNER/NAME")
    parser.add_argument("--branch", required=True)
    parser.add_argument("--sha", required=True, help="the commit the runs must be on")
    parser.add_argument("--workflows", required=True, help="JSON list of workflow file names")
    options = parser.parse_args(argv)
    workflows = json.loads(options.workflows)
    for workflow in workflows:
        gh("workflow", "run", workflow, "--repo", options.repo, "--ref", options.branch)
    rows = []
    for workflow in workflows:
        run = find_run(options.repo, workflow, options.branch, options.sha)
        rows.append({"workflow": workflow, **(wait(options.repo, run) if run else {})})
    report = summary(options.branch, rows)
    print(report)
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as out:
            out.write(report)
    if failed(rows):
        print(f"{options.branch}: not successful: {', '.join(failed(rows))}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as error:  # gh said why: show that, not a traceback
        sys.exit(f"{' '.join(error.cmd[:3])}: {(error.stderr or '').strip() or f'exit {error.returncode}'}")
    except FileNotFoundError:
        sys.exit("dispatch_wait.py needs the GitHub CLI, gh, on PATH")
