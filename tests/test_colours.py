"""One colour language: red up in Chinese, green up in English, switchable; a rise of a
metric where rising is bad news is bad news in both."""

from __future__ import annotations

import pytest

from shopsight import colours, metrics

PAGE = "views/overview.py"


@pytest.mark.parametrize(
    ("convention", "better", "want"),
    [
        ("red_up", "up", "inverse"),  # Streamlit's inverse draws a positive delta red
        ("red_up", "down", "normal"),  # 退款率 up: bad news, green in the Chinese convention
        ("green_up", "up", "normal"),
        ("green_up", "down", "inverse"),
    ],
)
def test_delta_color(convention, better, want):
    assert colours.delta_color(better, convention) == want


def test_palettes_and_defaults():
    assert colours.palette("red_up") == colours.Palette(good=colours.RED, bad=colours.GREEN)
    assert colours.palette("green_up") == colours.Palette(good=colours.GREEN, bad=colours.RED)
    assert colours.default_for("zh") == "red_up" and colours.default_for("en") == "green_up"
    assert colours.parse("green_up") == "green_up" and colours.parse("purple") is None


def test_every_metric_has_a_good_direction():
    for name in metrics.METRICS:
        assert metrics.delta_color(name, "red_up") in ("normal", "inverse")


def _card_colours(at) -> dict[str, str]:
    from streamlit.proto.Metric_pb2 import Metric

    return {
        m.proto.label: Metric.MetricColor.Name(m.proto.color) for m in at.metric if m.proto.delta
    }


@pytest.mark.parametrize(("locale", "rise"), [("zh-CN", "RED"), ("en-US", "GREEN")])
def test_cards_follow_the_languages_convention(app, small_ws, locale, rise):
    at = app("small", PAGE, locale=locale)
    assert not at.exception
    shown = _card_colours(at)
    paid = next(label for label in shown if label in ("支付金额", "Paid amount"))
    assert at.segmented_control(key="sb_colors").value == (
        "red_up" if locale == "zh-CN" else "green_up"
    )
    # which colour the card shows depends on the sign of its change: compare with the rule
    delta = next(m.proto.delta for m in at.metric if m.proto.label == paid)
    up = not delta.startswith("-")
    assert shown[paid] == (rise if up else {"RED": "GREEN", "GREEN": "RED"}[rise])


def test_the_viewer_can_switch_and_the_choice_survives_a_language_switch(app, small_ws):
    at = app("small", PAGE, locale="zh-CN")
    at.segmented_control(key="sb_colors").set_value("green_up").run()
    assert not at.exception
    at.segmented_control(key="sb_lang").set_value("en").run()
    assert at.segmented_control(key="sb_colors").value == "green_up"
    at.segmented_control(key="sb_colors").set_value("red_up").run()
    colors = _card_colours(at)
    paid = next(m for m in at.metric if m.proto.label == "Paid amount")
    assert colors["Paid amount"] == ("RED" if not paid.proto.delta.startswith("-") else "GREEN")
