"""`python -m shopsight funnel`: the event funnel from a shell, on a small hand-made log."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pyarrow as pa
import pytest
from click.testing import CliRunner

from shopsight import workspace
from shopsight.cli import cli

T0 = datetime(2026, 11, 10, 10, 0)


def ev(user, event, minutes, source="手淘搜索", device="无线"):
    return {
        "user_id": user,
        "event": event,
        "event_time": T0 + timedelta(minutes=minutes),
        "source": source,
        "device": device,
        "province": "浙江省",
        "product_id": "p1",
    }


EVENTS = [
    # u1 does it all within 25 minutes
    ev("u1", "view", 0),
    ev("u1", "cart", 10),
    ev("u1", "pay", 25),
    # u2 pays two hours after viewing: inside 1d, outside 1h
    ev("u2", "view", 0, device="PC"),
    ev("u2", "cart", 40, device="PC"),
    ev("u2", "pay", 120, device="PC"),
    # u3 puts in the cart but never pays
    ev("u3", "view", 5, source="直通车"),
    ev("u3", "cart", 6, source="直通车"),
    # u4 pays without a cart: the chain stops at step 2
    ev("u4", "view", 0, source="直通车"),
    ev("u4", "pay", 3, source="直通车"),
    # u5 carts before viewing: the cart does not count
    ev("u5", "cart", 0),
    ev("u5", "view", 1),
]


@pytest.fixture
def ws_dir(tmp_path) -> str:
    ws = workspace.open_workspace(tmp_path / "shop")
    workspace.write_dataset(ws, "events", pa.Table.from_pylist(EVENTS), file="events.csv")
    return str(ws.path)


def run(*args):
    return CliRunner().invoke(cli, ["funnel", *args])


def users(steps):
    return [s["users"] for s in steps]


def test_json_steps_hand_computed(ws_dir):
    r = run("--steps", "view,cart,pay", "--window", "1d", "--workspace", ws_dir, "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert list(out) == ["steps"]
    assert out["steps"] == [
        {
            "step": "view",
            "users": 5,
            "conversion_from_first": 1.0,
            "conversion_from_previous": None,
        },
        {"step": "cart", "users": 3, "conversion_from_first": 0.6, "conversion_from_previous": 0.6},
        {
            "step": "pay",
            "users": 2,
            "conversion_from_first": 0.4,
            "conversion_from_previous": pytest.approx(2 / 3),
        },
    ]


@pytest.mark.parametrize(
    ("window", "want"),
    [("30m", [5, 2, 1]), ("1h", [5, 3, 1]), ("1d", [5, 3, 2]), ("7d", [5, 3, 2])],
)
def test_window(ws_dir, window, want):
    r = run("--steps", "view,cart,pay", "--window", window, "--workspace", ws_dir, "--json")
    assert r.exit_code == 0, r.output
    assert users(json.loads(r.output)["steps"]) == want


def test_by_segment(ws_dir):
    r = run(
        "--steps",
        "view,cart,pay",
        "--window",
        "1d",
        "--by",
        "source",
        "--workspace",
        ws_dir,
        "--json",
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert users(out["steps"]) == [5, 3, 2]
    assert set(out["segments"]) == {"手淘搜索", "直通车"}
    assert users(out["segments"]["手淘搜索"]) == [3, 2, 2]  # u1, u2, u5
    assert users(out["segments"]["直通车"]) == [2, 1, 0]  # u3, u4
    seg = out["segments"]["直通车"][2]
    assert seg == {
        "step": "pay",
        "users": 0,
        "conversion_from_first": 0.0,
        "conversion_from_previous": 0.0,
    }
    r = run(
        "--steps", "view,pay", "--window", "1d", "--by", "device", "--workspace", ws_dir, "--json"
    )
    assert users(json.loads(r.output)["segments"]["PC"]) == [1, 1]


def test_text_output(ws_dir):
    r = run("--steps", "view, cart", "--window", "1h", "--workspace", ws_dir)
    assert r.exit_code == 0, r.output
    assert r.output.splitlines() == ["view\t5\t100.00%\t", "cart\t3\t60.00%\t60.00%"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--steps", "view", "--window", "1d"], "2 to 6 steps"),
        (["--steps", "a,b,c,d,e,f,g", "--window", "1d"], "2 to 6 steps"),
        (["--steps", "view,cart", "--window", "soon"], "bad duration"),
        (["--steps", "view,cart", "--window", "0m"], "longer than zero"),
    ],
)
def test_bad_input_is_a_clear_error(ws_dir, args, message):
    r = run(*args, "--workspace", ws_dir, "--json")
    assert r.exit_code == 1
    assert message in r.output


def test_by_must_be_a_known_dimension(ws_dir):
    r = run("--steps", "view,cart", "--window", "1d", "--by", "city", "--workspace", ws_dir)
    assert r.exit_code == 2
    assert "city" in r.output


def test_help_has_an_example():
    r = CliRunner().invoke(cli, ["funnel", "--help"])
    assert r.exit_code == 0
    assert "Examples:" in r.output and "python -m shopsight funnel --steps" in r.output
