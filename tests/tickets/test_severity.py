"""Severity grading, a pure function: cues in both languages, the channel, repeats and the
customer's value each raise the grade, and the reasons say why."""

import pytest

from tickets.labels import severity_summary
from tickets.severity import severity_grade


@pytest.mark.parametrize(
    ("text", "channel", "repeats", "segment", "severity"),
    [
        ("杯子颜色和图片不一样", "form", 0, "", 4),
        ("颜色不对", "form", 0, "loyal", 3),
        ("The cup is a different colour", "email", 0, "", 4),
        ("我要投诉，杯子漏水", "form", 0, "", 3),
        ("I want a refund", "email", 0, "", 3),
        ("再不处理就给差评", "marketplace", 0, "", 2),
        ("假货！我要打12315", "form", 0, "", 2),
        ("This is a scam, my lawyer will call", "email", 0, "", 2),
        ("假货，已经联系媒体曝光，律师函", "social", 0, "", 1),
        ("Fake product, chargeback filed", "marketplace", 1, "", 1),
        ("杯子漏水", "form", 0, "champions", 2),
        ("漏水，要退款", "form", 0, "cannot_lose_them", 2),
        ("Leaking again", "form", 2, "", 2),
        ("Leaking again", "form", 1, "", 3),
        ("差评", "marketplace", 0, "champions", 1),
        ("Still waiting, again", "phone", 3, "loyal", 2),
    ],
)
def test_grade_by_text_channel_repeats_and_value(text, channel, repeats, segment, severity):
    assert severity_grade(text=text, channel=channel, recent_complaints=repeats, segment=segment).severity == severity


def test_reasons_read_like_the_issue_example():
    grade = severity_grade(text="给差评", channel="marketplace", segment="champions")
    assert grade.reasons == ["channel:marketplace", "cue:差评", "segment:champions"]
    assert severity_summary(grade.reasons) == "Marketplace + '差评' + Champions"
    assert grade.severity == 1


def test_english_cues_match_words_not_parts_of_words():
    assert severity_grade(text="Please reply immediately", channel="email").reasons == []
    assert severity_grade(text="Social media post coming", channel="email").reasons == ["cue:media"]
    assert severity_grade(text="I complained, this is my complaint", channel="email").reasons == ["cue:complaint"]


def test_a_quiet_complaint_from_an_unscored_customer_is_least_urgent():
    grade = severity_grade(text="尺码偏小", channel="chat")
    assert (grade.severity, grade.reasons) == (4, [])


def test_priority_service_tier_counts():
    assert severity_grade(text="漏水", channel="form", is_priority_member=True).reasons == ["tier:priority"]
