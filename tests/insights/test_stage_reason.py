"""The sentence that says which lifecycle rule made a stage."""

from django.utils import translation

from insights.labels import stage_reason


def test_each_stage_names_its_rule():
    # In English whatever language an earlier test's Chinese request left active.
    with translation.override("en"):
        assert stage_reason("new", 12, 1.0) == "First order 12 days ago (new for 60 days)."
        assert stage_reason("churned", 800, None) == "No order for 800 days."
        assert stage_reason("churned", 300, None) == "No order for 300 days: more than four times their usual gap."
        assert "little chance" in stage_reason("churned", 300, 0.1)
        assert stage_reason("at_risk", 90, 0.31) == "The model puts their chance of still buying at 31%."
        assert "more than twice their usual gap" in stage_reason("at_risk", 90, 1.0)


def test_the_rule_is_said_in_chinese_on_chinese_pages():
    with translation.override("zh-hans"):
        assert stage_reason("churned", 800, None) == "已 800 天没有下单。"
