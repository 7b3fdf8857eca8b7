"""Where a run's files go, and what the CLI prints while and after it runs."""

from __future__ import annotations

import shutil
from pathlib import Path

from simulator import cli, report
from simulator.engine import Minute, simulate
from simulator.scenario import SCENARIO_DIR, load
from tests.simulator.conftest import BURST, write_scenario

SHORT = BURST.replace("70", "6")


def test_runs_that_differ_never_share_a_folder(tmp_path):
    path = write_scenario(tmp_path, "mine", SHORT)
    copy = tmp_path / "elsewhere" / "mine.toml"
    copy.parent.mkdir()
    shutil.copy(path, copy)
    keys = {
        cli.output_key(load(path, strategy="race"), "fleet", None, False),
        cli.output_key(load(path, strategy="priority"), "fleet", None, False),
        cli.output_key(load(path, strategy="race", seed=8), "fleet", None, False),
        cli.output_key(load(path), "aws-sample", None, False),
        cli.output_key(load(path, strategy="race"), "fleet", "20261202T050000Z", False),
        cli.output_key(load(path, strategy="race"), "fleet", "20261202T050001Z", False),
        cli.output_key(load(path, strategy="race"), "fleet", None, True),
        cli.output_key(load(str(copy), strategy="race"), "fleet", None, False),
        cli.output_key(load(path, strategy="race"), "fleet", None, False, signal="backlog"),
        cli.output_key(load(path, strategy="race"), "fleet", None, False, target=4.0),
        cli.output_key(load(path, strategy="race"), "fleet", None, False, target=4.5),
    }
    assert len(keys) == 11
    # The same file under the same settings lands in the same place (a rerun replaces it).
    again = cli.output_key(load(path, strategy="race"), "fleet", None, False)
    assert again in keys
    assert str(again).startswith("mine-") and str(again).endswith("/fleet-race-seed7")


def test_a_shipped_scenario_is_keyed_by_its_file_name():
    scenario = load("step")
    assert scenario.source is not None and scenario.source.parent == SCENARIO_DIR
    assert cli.output_key(scenario, "fleet", None, False) == Path("step/fleet-race-seed7")
    assert cli.output_key(scenario, "aws-sample", "20261202T050000Z", True) == Path(
        "step/aws-sample-seed7-served-20261202T050000Z-container"
    )
    assert cli.output_key(scenario, "fleet", None, False, signal="load", target=12.0) == Path(
        "step/fleet-race-seed7-load-target12"
    )


def test_the_cli_prints_where_the_outputs_went(tmp_path, capsys):
    path = write_scenario(tmp_path, "where", SHORT)
    out = tmp_path / "out"
    assert cli.main(["--scenario", path, "--out", str(out), "--no-plot", "--quiet"]) == 0
    captured = capsys.readouterr()
    folder = out / cli.output_key(load(path), "fleet", None, False)
    assert f"outputs go to {folder}/" in captured.err
    assert f"outputs in {folder}/" in captured.out
    for name in ("timeline.txt", "summary.json", "decisions.log"):
        assert (folder / name).exists()
        assert str(folder / name) in captured.out


def test_live_prints_each_minute_as_it_happens(tmp_path, monkeypatch, capsys):
    path = write_scenario(tmp_path, "live", SHORT)
    seen: list[tuple[int, str]] = []
    show = report.row_line

    def spy(row: Minute, names: list[str]) -> str:
        # Printed while the run goes on: the output so far already holds the earlier rows.
        seen.append((row.minute, capsys.readouterr().out))
        return show(row, names)

    monkeypatch.setattr(report, "row_line", spy)
    argv = ["--scenario", path, "--out", str(tmp_path / "o"), "--no-plot", "--live"]
    assert cli.main(argv) == 0
    assert [minute for minute, _ in seen][:6] == [1, 2, 3, 4, 5, 6]
    assert "min req/m backlog" in seen[0][1]  # the legend and header come first
    assert report.LETTER_KEY in seen[0][1]
    assert seen[2][1].lstrip().startswith("2 ")  # minute 2 was out before minute 3 was made


def test_rows_mark_what_was_sent_by_hand():
    row = Minute(
        minute=7,
        arrivals=3,
        backlog={"a-g5": 1},
        instances={"a-g5": 2},
        statuses={"a-g5": "Updating"},
        requested=2,
        desired=5,
        actual=2,
        scaling_status="InProgress",
        by_hand_requests=2,
        by_hand_patches=(5,),
    )
    line = report.row_line(row, ["a-g5"])
    assert line.split()[:7] == ["7", "3", "1", "2u", "2", "5", "2"]
    assert line.endswith("<- PATCH 5 by hand; 2 requests by hand")


def test_the_legend_explains_every_column_and_status_letter():
    text = "\n".join(report.legend_lines(["demo-g5"]))
    for column in ("min", "req/m", "backlog", "asked", "desired", "actual", "status"):
        assert f"{column}:" in text
    for status, letter in report.STATUS_LETTER.items():
        if letter.strip():
            assert f"{letter} {status}" in text or status == "Deleted"


def test_serving_prints_live_by_default_and_explains_served(tmp_path, capsys):
    path = write_scenario(tmp_path, "served", SHORT)
    argv = ["--scenario", path, "--out", str(tmp_path / "o"), "--no-plot", "--serve", "0"]
    assert cli.main([*argv, "--pace", "0"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line[:4].strip().isdigit()]
    assert [int(line.split()[0]) for line in rows] == [1, 2, 3, 4, 5, 6]  # once, not twice
    assert out.index("min req/m backlog") < out.index("time_to_capacity_minutes")
    [folder] = (tmp_path / "o").glob("served-*/fleet-race-seed7-served-*")
    assert (folder / "timeline.txt").exists()

    summary = {"requests": 10, "served": 12, "requests_by_hand": 2}
    assert report.served_note(summary) == (
        "served (12) includes the 2 request(s) sent by hand; requests (10) counts only the "
        "scenario's own"
    )
    assert report.served_note({**summary, "requests_by_hand": 0}) is None


def test_status_stretches_for_the_picture_are_runs_of_whole_minutes():
    values = ["InService", "Updating", "Updating", "Failed", "Updating"]
    assert report.stretches(values, [1, 2, 3, 4, 5]) == [
        ("InService", 1, 1), ("Updating", 2, 2), ("Failed", 4, 1), ("Updating", 5, 1)
    ]  # fmt: skip


def test_the_picture_draws_counts_as_steps_and_shades_what_happened(tmp_path, monkeypatch):
    import matplotlib.axes

    calls: dict[str, list] = {"fill_between": [], "axvspan": [], "broken_barh": []}
    for name in calls:
        original = getattr(matplotlib.axes.Axes, name)

        def spy(self, *args, _name=name, _original=original, **kwargs):
            calls[_name].append(kwargs)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(matplotlib.axes.Axes, name, spy)
    body = SHORT + (
        '[[shortages]]\ninstance_type = "ml.g5.2xlarge"\nstart_minute = 1\nend_minute = 4\n'
        '[[incidents]]\nendpoint = "demo-g6"\nat_minute = 2\naction = "fail"\n'
    )
    outcome = simulate(load(write_scenario(tmp_path, "picture", body)))
    report.plot(outcome, tmp_path / "fleet.png")
    assert (tmp_path / "fleet.png").read_bytes()[:4] == b"\x89PNG"
    stacked = [kw for kw in calls["fill_between"] if kw.get("label", "").startswith("demo-")]
    assert len(stacked) == 3 and all(kw["step"] == "post" for kw in stacked)
    assert any(kw.get("label") == "no ml.g5.2xlarge capacity" for kw in calls["axvspan"])
    assert calls["broken_barh"]  # Updating and Failed stretches in the status lanes


def test_make_demo_echoes_one_clean_command_line():
    import subprocess

    repo = Path(__file__).resolve().parents[2]
    shown = subprocess.run(
        ["make", "-n", "demo", "SCENARIO=capacity-shortage", "STRATEGY=priority", "SEED=3"],
        cwd=repo, capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    [line] = [line for line in shown.splitlines() if "-m simulator" in line]
    assert line.endswith(
        "-m simulator --scenario capacity-shortage --control fleet --strategy priority --seed 3"
    )
    assert "\\" not in shown and "" not in shown.splitlines()
