"""Money: amounts are Decimals with two places, in the shop's currency."""

from decimal import Decimal

# Every stored amount (orders, customer totals, scores) uses these field settings.
MONEY = {"max_digits": 14, "decimal_places": 2}
# The largest amount input may carry: below the fields' 12 integer digits.
MAX_MONEY = Decimal("1e12")
