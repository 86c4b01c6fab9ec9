"""BG/NBD and Gamma-Gamma fits, predictions and CLV: pinned to the model authors' CDNOW results."""

from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special

from insights.scoring import clv
from insights.scoring.clv import (
    INSUFFICIENT_DATA,
    OK,
    BgNbdFit,
    bgnbd_expected_purchases,
    bgnbd_fit,
    bgnbd_holdout_check,
    bgnbd_p_alive,
    clv_compute,
    gamma_gamma_expected_value,
    gamma_gamma_fit,
)

CDNOW = Path(__file__).resolve().parent.parent / "data" / "cdnow_customers_summary_with_transactions.csv"
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "v": 15.44}
PUBLISHED_FIT = BgNbdFit(OK, **PUBLISHED_BGNBD)


@pytest.fixture(scope="module")
def cdnow():
    raw = pd.read_csv(CDNOW)
    return pd.DataFrame(
        {
            "customer_id": raw["ID"],
            "repeat_purchases": raw["x"],
            "recency_weeks": raw["t_x"],
            "age_weeks": raw["T"],
            "mean_repeat_value": raw["zbar"],
        }
    )


@pytest.fixture(scope="module")
def cdnow_fits(cdnow):
    return bgnbd_fit(cdnow), gamma_gamma_fit(cdnow)


def simulate(customers, *, r, alpha, a, b, p, q, v, calibration_weeks, holdout_weeks, seed):
    """A BG/NBD + Gamma-Gamma population; first purchases spread over the first half of calibration."""
    generator = np.random.default_rng(seed)
    first = generator.uniform(0, calibration_weeks / 2, customers)
    rate, dropout = generator.gamma(r, 1 / alpha, customers), generator.beta(a, b, customers)
    repeat_purchases, holdout_purchases = np.zeros(customers, int), np.zeros(customers, int)
    last, now, active = first.copy(), first.copy(), np.arange(customers)
    while active.size:
        now[active] += generator.exponential(1 / rate[active])
        bought = active[now[active] <= calibration_weeks + holdout_weeks]
        in_calibration = bought[now[bought] <= calibration_weeks]
        repeat_purchases[in_calibration] += 1
        last[in_calibration] = now[in_calibration]
        holdout_purchases[bought[now[bought] > calibration_weeks]] += 1
        active = bought[generator.random(bought.size) >= dropout[bought]]
    spend_scale = generator.gamma(q, 1 / v, customers)
    shape = np.maximum(repeat_purchases, 1)
    mean_value = generator.gamma(p * shape, 1 / (spend_scale * shape))
    summary = pd.DataFrame(
        {
            "customer_id": np.arange(customers),
            "repeat_purchases": repeat_purchases,
            "recency_weeks": last - first,
            "age_weeks": calibration_weeks - first,
            "mean_repeat_value": np.where(repeat_purchases > 0, mean_value, 0.0),
        }
    )
    return summary, pd.Series(holdout_purchases, index=summary["customer_id"])


@pytest.fixture(scope="module")
def simulated():
    return simulate(
        40_000, r=0.5, alpha=6.0, a=0.8, b=3.0, p=6.0, q=4.0, v=15.0, calibration_weeks=52, holdout_weeks=26, seed=11
    )


def parameters(fit, names):
    return np.array([getattr(fit, name) for name in names])


# Fits -----------------------------------------------------------------------------------------


def test_bgnbd_fit_matches_the_published_cdnow_parameters(cdnow_fits):
    fit, _ = cdnow_fits
    assert fit.status == OK
    for name, published in PUBLISHED_BGNBD.items():
        assert getattr(fit, name) == pytest.approx(published, rel=0.01), name
    assert fit.log_likelihood == pytest.approx(-9582.4, abs=0.1)
    assert (fit.customers, fit.repeat_buyers) == (2357, 946)
    assert fit.as_dict()["time_unit"] == "weeks"


def test_gamma_gamma_fit_matches_the_published_cdnow_parameters(cdnow_fits):
    _, fit = cdnow_fits
    assert fit.status == OK and fit.repeat_buyers == 946
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        assert getattr(fit, name) == pytest.approx(published, rel=0.01), name


def test_fits_on_weighted_distinct_rows_equal_fits_on_all_rows(cdnow, cdnow_fits):
    columns = ["repeat_purchases", "recency_weeks", "age_weeks", "mean_repeat_value"]
    distinct = cdnow.groupby(columns, as_index=False).size().rename(columns={"size": "weight"})
    assert len(distinct) < len(cdnow)
    bgnbd_all_rows, gamma_gamma_all_rows = cdnow_fits
    bgnbd_weighted, gamma_gamma_weighted = bgnbd_fit(distinct), gamma_gamma_fit(distinct)
    names = ("r", "alpha", "a", "b")
    np.testing.assert_allclose(parameters(bgnbd_weighted, names), parameters(bgnbd_all_rows, names), rtol=1e-6)
    np.testing.assert_allclose(
        parameters(gamma_gamma_weighted, "pqv"), parameters(gamma_gamma_all_rows, "pqv"), rtol=1e-6
    )
    assert bgnbd_weighted.log_likelihood == pytest.approx(bgnbd_all_rows.log_likelihood, rel=1e-9)


def test_fit_on_many_distinct_rows_recovers_the_simulated_parameters(simulated):
    summary, _ = simulated
    bgnbd, gamma_gamma = bgnbd_fit(summary), gamma_gamma_fit(summary)
    np.testing.assert_allclose(parameters(bgnbd, ("r", "alpha", "a", "b")), [0.5, 6.0, 0.8, 3.0], rtol=0.15)
    np.testing.assert_allclose(parameters(gamma_gamma, "pqv"), [6.0, 4.0, 15.0], rtol=0.15)


def test_warm_start_on_a_subset_lands_where_the_direct_fit_does(simulated, monkeypatch):
    summary, _ = simulated
    assert len(summary) > clv.WARM_START_ROWS
    warm_started = bgnbd_fit(summary), gamma_gamma_fit(summary)
    monkeypatch.setattr(clv, "WARM_START_ROWS", 10**9)
    direct = bgnbd_fit(summary), gamma_gamma_fit(summary)
    names = ("r", "alpha", "a", "b")
    np.testing.assert_allclose(parameters(warm_started[0], names), parameters(direct[0], names), rtol=1e-5)
    np.testing.assert_allclose(parameters(warm_started[1], "pqv"), parameters(direct[1], "pqv"), rtol=1e-5)


def test_decimal_spend_from_the_database_is_accepted(cdnow, cdnow_fits):
    as_decimal = cdnow.assign(mean_repeat_value=[Decimal(f"{value:.2f}") for value in cdnow["mean_repeat_value"]])
    fit = gamma_gamma_fit(as_decimal)
    assert fit.p == pytest.approx(cdnow_fits[1].p, rel=1e-9)


# Too little data ------------------------------------------------------------------------------


def test_too_few_customers_is_insufficient_data_with_the_reason(cdnow):
    fit = bgnbd_fit(cdnow.head(40))
    assert fit.status == INSUFFICIENT_DATA
    assert fit.reason == "40 customers; the model needs at least 100"
    assert fit.r is None and fit.as_dict()["status"] == "insufficient_data"


def test_too_few_repeat_buyers_is_insufficient_data_for_both_models(cdnow):
    mostly_one_time = pd.concat([cdnow[cdnow["repeat_purchases"] == 0], cdnow[cdnow["repeat_purchases"] > 0].head(10)])
    bgnbd, gamma_gamma = bgnbd_fit(mostly_one_time), gamma_gamma_fit(mostly_one_time)
    assert (bgnbd.status, gamma_gamma.status) == (INSUFFICIENT_DATA, INSUFFICIENT_DATA)
    assert bgnbd.reason == "10 repeat buyers; the model needs at least 30"
    assert gamma_gamma.reason == "10 repeat buyers; the spend model needs at least 30"


def test_a_history_that_does_not_determine_the_model_is_insufficient_data():
    identical = pd.DataFrame(
        {
            "customer_id": range(200),
            "repeat_purchases": 1,
            "recency_weeks": 5.0,
            "age_weeks": 10.0,
            "mean_repeat_value": 20.0,
        }
    )
    bgnbd, gamma_gamma = bgnbd_fit(identical), gamma_gamma_fit(identical)
    assert (bgnbd.status, gamma_gamma.status) == (INSUFFICIENT_DATA, INSUFFICIENT_DATA)
    assert bgnbd.reason.startswith("the history does not determine")
    assert gamma_gamma.reason.startswith("the history does not determine")


def test_an_inconsistent_summary_is_refused(cdnow):
    broken = cdnow.head(3).assign(recency_weeks=[50.0, 1.0, 0.0])
    with pytest.raises(ValueError, match="0 <= recency_weeks <= age_weeks"):
        bgnbd_fit(broken)


def test_predictions_refuse_an_unusable_fit(cdnow):
    fit = bgnbd_fit(cdnow.head(40))
    with pytest.raises(ValueError, match="insufficient_data: 40 customers"):
        bgnbd_p_alive(fit, [1], [2.0], [3.0])
    with pytest.raises(ValueError, match="not usable"):
        clv_compute(cdnow, fit, gamma_gamma_fit(cdnow))


def test_without_a_spend_model_clv_money_is_missing_but_activity_is_not(cdnow, cdnow_fits):
    bgnbd, _ = cdnow_fits
    no_spend_model = gamma_gamma_fit(cdnow.head(50))
    result = clv_compute(cdnow, bgnbd, no_spend_model)
    assert result["expected_order_value"].isna().all() and result["clv"].isna().all()
    assert result["p_alive"].notna().all() and result["expected_purchases_90d"].notna().all()


# Predictions ----------------------------------------------------------------------------------


def test_expected_purchases_reproduce_the_paper_example():
    # FHL 2005: customer with x = 2, t_x = 30.43, T = 38.86 makes 1.226 purchases in the next 39 weeks.
    assert bgnbd_expected_purchases(PUBLISHED_FIT, 39, [2], [30.43], [38.86])[0] == pytest.approx(1.226, abs=0.002)


def equation_10(fit, weeks, x, recency, age):
    """FHL 2005 eq. 10 exactly as printed, for small x where it is still well conditioned."""
    z = weeks / (fit.alpha + age + weeks)
    hypergeometric = special.hyp2f1(fit.r + x, fit.b + x, fit.a + fit.b + x - 1, z)
    numerator = (
        (fit.a + fit.b + x - 1)
        / (fit.a - 1)
        * (1 - ((fit.alpha + age) / (fit.alpha + age + weeks)) ** (fit.r + x) * hypergeometric)
    )
    dropout_odds = np.where(
        x > 0, fit.a / (fit.b + np.maximum(x, 1) - 1) * ((fit.alpha + age) / (fit.alpha + recency)) ** (fit.r + x), 0.0
    )
    return numerator / (1 + dropout_odds)


def test_euler_transformed_formula_equals_equation_10():
    x = np.repeat(np.arange(0, 15), 4).astype(float)
    age = np.tile([5.0, 20.0, 38.86, 78.0], 15)
    recency = np.where(x > 0, age * 0.6, 0.0)
    for weeks in (1, 13, 52, 104):
        np.testing.assert_allclose(
            bgnbd_expected_purchases(PUBLISHED_FIT, weeks, x, recency, age),
            equation_10(PUBLISHED_FIT, weeks, x, recency, age),
            rtol=1e-8,
        )


def test_expected_purchases_stay_finite_for_very_frequent_buyers():
    x = np.array([200.0, 1000.0, 5000.0])
    # Each bought on the as-of day after two years of steady buying: surely still active.
    expected = bgnbd_expected_purchases(PUBLISHED_FIT, 52, x, [104.0] * 3, [104.0] * 3)
    assert np.all(np.isfinite(expected)) and np.all(np.diff(expected) > 0)
    # About x / 2 in the next year, less the chance of dropping out after each purchase.
    assert np.all(expected < x / 2) and np.all(expected > x / 4)


def test_expected_purchases_are_zero_at_zero_and_grow_with_time():
    x, recency, age = [0, 1, 4, 9], [0.0, 10.0, 20.0, 1.0], [30.0, 30.0, 30.0, 30.0]
    horizons = [bgnbd_expected_purchases(PUBLISHED_FIT, weeks, x, recency, age) for weeks in (0, 1, 13, 52, 260)]
    np.testing.assert_array_equal(horizons[0], 0)
    assert np.all(np.diff(np.stack(horizons), axis=0) > 0)


def test_p_alive_is_one_without_repeats_and_falls_with_silence():
    p_alive = bgnbd_p_alive(PUBLISHED_FIT, [0, 3, 3, 3], [0.0, 30.0, 20.0, 5.0], [38.0, 38.0, 38.0, 38.0])
    assert p_alive[0] == 1
    assert 1 > p_alive[1] > p_alive[2] > p_alive[3] > 0


def test_expected_order_value_shrinks_own_mean_towards_the_shop_mean(cdnow_fits):
    _, fit = cdnow_fits
    shop_mean = fit.p * fit.v / (fit.q - 1)
    values = gamma_gamma_expected_value(fit, [0, 1, 20, 20], [0.0, 100.0, 100.0, 5.0])
    assert values[0] == pytest.approx(shop_mean)
    assert shop_mean < values[1] < values[2] < 100
    assert 5 < values[3] < shop_mean


# CLV ------------------------------------------------------------------------------------------


def test_clv_is_non_negative_and_discounted(cdnow, cdnow_fits):
    bgnbd, gamma_gamma = cdnow_fits
    by_rate = {rate: clv_compute(cdnow, bgnbd, gamma_gamma, monthly_discount_rate=rate) for rate in (0, 0.01, 0.05)}
    undiscounted, default, steep = (by_rate[rate]["clv"] for rate in (0, 0.01, 0.05))
    assert (default >= 0).all()
    assert (undiscounted > default).all() and (default > steep).all()
    twelve_months = bgnbd_expected_purchases(
        bgnbd, 12 * clv.WEEKS_PER_MONTH, *(cdnow[column] for column in clv.BGNBD_COLUMNS)
    )
    np.testing.assert_allclose(undiscounted, twelve_months * by_rate[0]["expected_order_value"], rtol=1e-9)


def test_clv_columns_line_up_with_the_summary(cdnow, cdnow_fits):
    result = clv_compute(cdnow, *cdnow_fits)
    assert list(result.columns) == ["customer_id", "p_alive", "expected_purchases_90d", "expected_order_value", "clv"]
    assert result.index.equals(cdnow.index) and result["customer_id"].equals(cdnow["customer_id"])
    direct = bgnbd_expected_purchases(cdnow_fits[0], 90 / 7, *(cdnow[column] for column in clv.BGNBD_COLUMNS))
    np.testing.assert_allclose(result["expected_purchases_90d"], direct, rtol=1e-12)
    assert result.loc[0, "clv"] == pytest.approx(36.30, abs=0.01)


# Fit quality ----------------------------------------------------------------------------------


def test_holdout_check_compares_predicted_and_actual_repeat_purchases(simulated):
    summary, holdout = simulated
    check = bgnbd_holdout_check(summary, holdout, bgnbd_fit(summary), holdout_weeks=26)
    assert check.customers == len(summary)
    assert check.actual_repeat_purchases == holdout.sum()
    assert abs(check.relative_error) < 0.05
    assert check.relative_error == pytest.approx(
        (check.predicted_repeat_purchases - check.actual_repeat_purchases) / check.actual_repeat_purchases
    )


def test_holdout_check_counts_absent_customers_as_zero(cdnow, cdnow_fits):
    check = bgnbd_holdout_check(cdnow, pd.Series({1: 3, 99999: 5}), cdnow_fits[0], holdout_weeks=39)
    assert check.actual_repeat_purchases == 3
    quiet = bgnbd_holdout_check(cdnow, pd.Series(dtype=float), cdnow_fits[0], holdout_weeks=39)
    assert quiet.relative_error is None and quiet.predicted_repeat_purchases > 0
