"""Resumable steps, settings and the output folder guard of ``zoo reproduce``."""
import json
import os

import pytest

from zoo.reproduce import plan
from zoo.commands.reproduce import build_parser, main
from zoo.reproduce.run import _check_out
from zoo.reproduce.settings import FULL, QUICK, Settings
from zoo.reproduce.steps import Steps, _pick, duration


def test_a_finished_step_is_skipped_on_rerun_and_the_estimate_uses_its_time(tmp_path):
    lines, calls = [], []
    steps = Steps(tmp_path, {"a": 1.0, "b": 3.0}, lines.append)
    assert steps.run("a", lambda: calls.append("a") or {"x": 1}) == {"x": 1}
    assert "about" in lines[-1] and "left" in lines[-1]  # a time estimate once one step is timed
    again = Steps(tmp_path, {"a": 1.0, "b": 3.0}, lines.append)
    assert again.run("a", lambda: calls.append("again") or {"x": 2}) == {"x": 1}
    assert calls == ["a"] and "done earlier, skipped" in lines[-1]
    assert json.loads((tmp_path / "steps" / "a.json").read_text())["result"] == {"x": 1}
    with pytest.raises(ValueError, match="planned step"):
        again.run("c", dict)
    with pytest.raises(ValueError, match="step key"):
        Steps(tmp_path, {"a b": 1.0})
    assert duration(59) == "59 s" and duration(61) == "1 min 01 s" and duration(3700) == "1 h 01 min"


def test_an_invalidated_step_reruns_and_its_dependents_rerun_only_if_its_result_changed(tmp_path):
    lines = []
    plan_ = {"train": 1.0, "common": 1.0, "measure": 1.0}
    steps = Steps(tmp_path, plan_, lines.append)
    for key in plan_:
        steps.run(key, lambda key=key: {"v": key})
    assert steps.invalidate(["train", "common", "train"]) == ["train", "common"]
    assert not steps.done("train") and not steps.done("common") and steps.done("measure")
    assert (tmp_path / "steps" / "stale" / "common.json").is_file()  # moved aside, not deleted
    # the rerun of common gives the same result: what read it stays done
    again = Steps(tmp_path, plan_, lines.append)
    again.run("common", lambda: {"v": "common"}, dependents=["measure"])
    assert again.done("measure") and not (tmp_path / "steps" / "stale" / "common.json").exists()
    # a changed result moves its dependents aside before its own marker is written
    again.invalidate(["common"])
    again.run("common", lambda: {"v": "other samples"}, dependents=["measure"])
    assert not again.done("measure") and "1 steps that read it will run again" in lines[-2]
    assert again.run("measure", lambda: {"v": "new"}) == {"v": "new"}
    # a file under stale/ that is not this step's old marker is never deleted
    again.invalidate(["measure"])
    foreign = tmp_path / "steps" / "stale" / "measure.json"
    foreign.write_text(json.dumps({"key": "someone else's", "result": {}}))
    with pytest.raises(ValueError, match="stale marker"):
        again.run("measure", lambda: {"v": "x"})
    assert foreign.is_file()
    with pytest.raises(ValueError, match="planned step"):
        again.invalidate(["nope"])


def test_a_resumed_training_counts_as_done_only_with_todays_flags(tmp_path):
    from zoo.reproduce.train import recipe_argv, trained_as_planned
    from zoo.recipes.args import parse_args

    model = plan.Model("ae_ecg_rest", ("ecg_rest",))
    runs = tmp_path / "runs"
    assert not trained_as_planned(model, FULL, tmp_path / "store.zarr", runs, 0)  # nothing recorded

    def record(args: dict):
        folder = runs / "ae_ecg_rest_seed0"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "arguments_ae_ecg_rest_seed0.json").write_text(json.dumps(args))

    today = vars(parse_args(["--mode", "train", *recipe_argv(model, FULL, tmp_path / "store.zarr", runs, 0)]))
    assert today["bottleneck_type"] == ["global_average_pool"]
    record({**today, "verbose": 2, "output_folder": "elsewhere"})  # where and how chatty: not compared
    assert trained_as_planned(model, FULL, tmp_path / "store.zarr", runs, 0)
    record({**today, "bottleneck_type": None})  # recorded before the flag existed: the default, flatten
    assert not trained_as_planned(model, FULL, tmp_path / "store.zarr", runs, 0)
    record({**today, "epochs": FULL.epochs + 1})
    assert not trained_as_planned(model, FULL, tmp_path / "store.zarr", runs, 0)
    absent = {k: v for k, v in today.items() if k != "min_improvement"}
    record(absent)  # recorded before --min_improvement existed: its default, Keras' own rule
    assert trained_as_planned(model, FULL, tmp_path / "store.zarr", runs, 0)
    assert not trained_as_planned(model, FULL.with_(min_improvement=0.005), tmp_path / "store.zarr", runs, 0)
    image = plan.Model("ae_dxa_12", ("dxa_12",))
    flat = vars(parse_args(["--mode", "train", *recipe_argv(image, FULL, tmp_path / "s", runs, 0)]))
    folder = runs / "ae_dxa_12_seed0"
    folder.mkdir(parents=True)
    (folder / "arguments_ae_dxa_12_seed0.json").write_text(json.dumps({**flat, "bottleneck_type": None}))
    assert trained_as_planned(image, FULL, tmp_path / "s", runs, 0)


def test_steps_run_in_worker_processes_write_their_markers_and_skip_finished_ones(tmp_path):
    lines = []
    plan_ = {"a": 1.0, "b": 1.0, "c": 1.0}
    Steps(tmp_path, plan_, lines.append).run("c", lambda: {"earlier": True})
    # builtins pickle into spawned workers: dict(pairs) is the step's result
    jobs = [(k, dict, ([("step", k)],), f"step {k}") for k in plan_]
    with Steps(tmp_path, plan_, lines.append, workers=2) as steps:
        results = steps.run_many(jobs)
    assert results == {"a": {"step": "a"}, "b": {"step": "b"}, "c": {"earlier": True}}
    assert all(steps.done(k) for k in plan_)
    assert json.loads((tmp_path / "steps" / "b.json").read_text())["result"] == {"step": "b"}
    assert sum("in 2 workers" in line for line in lines) == 2 and any("done earlier" in line for line in lines)
    # a failing step raises in the caller and leaves no marker; one worker runs in-process
    with Steps(tmp_path / "f", {"x": 1.0, "y": 1.0}, lines.append, workers=2) as failing:
        with pytest.raises(ValueError):
            failing.run_many([("x", int, ("not a number",), "x"), ("y", dict, ([("ok", 1)],), "y")])
    assert not failing.done("x")
    assert Steps(tmp_path / "g", {"z": 1.0}, lines.append).run_many([("z", dict, ([("z", 1)],), "z")]) == {
        "z": {"z": 1}}


def test_worker_processes_live_across_calls_until_closed(tmp_path):
    plan_ = {f"{level}{i}": 1.0 for level in "ab" for i in range(3)}
    with Steps(tmp_path, plan_, lambda m: None, workers=2) as steps:
        # os.getpid pickles into a spawned worker: each step returns its process id
        first = steps.run_many([(f"a{i}", os.getpid, (), "") for i in range(3)])
        second = steps.run_many([(f"b{i}", os.getpid, (), "") for i in range(3)])
        assert set(second.values()) <= set(first.values()) and os.getpid() not in first.values()
    assert steps._pool == []


def test_a_free_worker_takes_its_own_group_then_one_nobody_runs_then_the_first():
    groups = ["m0", "m0", "m1", "m2", None]
    assert _pick(groups, mine={"m1"}, others={"m0"}) == 2
    assert _pick(groups, mine=set(), others={"m0"}) == 2
    assert _pick(groups, mine=set(), others={"m0", "m1", "m2", None}) == 0
    assert _pick([None, "m1"], mine={None}, others={None}) == 1  # ungrouped steps never match


def test_the_estimate_of_a_resumed_run_leaves_out_the_steps_it_will_skip(tmp_path):
    Steps(tmp_path, {"big": 100.0}, lambda m: None).run("big", dict)
    resumed = Steps(tmp_path, {"a": 1.0, "b": 1.0, "big": 100.0}, lambda m: None)
    resumed.run("a", dict)
    resumed.seconds, resumed.weight_timed = 10.0, 1.0  # 10 s per unit of weight
    assert "about 10 s left" in resumed._estimate()  # b only; big is done


def test_a_failed_step_leaves_no_marker(tmp_path):
    steps = Steps(tmp_path, {"a": 1.0}, lambda m: None)

    def boom():
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        steps.run("a", boom)
    assert not steps.done("a")


def test_settings_validate_and_levels_include_the_main_run():
    assert QUICK.levels == (0.0, 0.25, 1.0) and FULL.levels == (0.0, 0.25, 1.0)
    assert FULL.seeds >= 3
    assert Settings.from_dict(QUICK.to_dict()) == QUICK
    for bad in ({"n": 10}, {"seeds": 1}, {"nuisance": 1.5}, {"sweep": (2.0,)}):
        with pytest.raises(ValueError):
            QUICK.with_(**bad)


def test_out_folder_resumes_its_own_run_and_refuses_others(tmp_path):
    _check_out(tmp_path / "run", QUICK)
    _check_out(tmp_path / "run", QUICK)  # same settings: resume
    with pytest.raises(ValueError, match="other settings"):
        _check_out(tmp_path / "run", QUICK.with_(n=300))
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "data.txt").write_text("x")
    with pytest.raises(ValueError, match="empty or new folder"):
        _check_out(tmp_path / "foreign", QUICK)


def test_cli_flags_and_a_bad_setting():
    args = build_parser().parse_args(["--out", "d", "--quick", "--n", "120", "--seeds", "3", "--nuisance", "0.3"])
    assert (args.quick, args.n, args.seeds, args.nuisance) == (True, 120, 3, 0.3)
    with pytest.raises(ValueError, match="nuisance strength in \\[0, 1\\]"):
        main(["--out", "unused", "--nuisance", "2"])


def test_plan_names_every_pair_of_the_research():
    spaces = {s.name for s in plan.SPACES}
    assert all(p.a in spaces and p.b in spaces for p in plan.PAIRS)
    assert [p for p in plan.PAIRS if p.oracle] == [p for p in plan.PAIRS if p.a == "t1_mni_slice_80"]
    methods = {p.method.split(" ")[0] for p in plan.PAIRS}
    assert {"template", "VoxelMorph", "homography", "DropFuse", "median", "DeepCycle", "MNI"} <= methods
    # the cine<->ECG DropFuse is compared in both directions
    sides = {p.b for p in plan.PAIRS if "cine↔ECG" in p.method}
    assert sides == {"lax_4ch_heart_center", "ecg_rest_median_beat"}
