"""Duplicate candidates: people who are probably one, that identity resolution could not
join because they share no channel id, phone or email.

Signals (each names itself in `reasons`):
- same_name_birthday: same name and birthday;
- same_name_city: same name and city;
- same_email_local: same email local part, ignoring dots and a +suffix, on another domain
  (wang.fang+shop@qq.com ~ wangfang@163.com);
- same_phone_national: same last 10 phone digits under another country code (a number
  once read in the wrong region).
Names shorter than two characters are never matched.
"""

from django.db import connection

from customers.models import Customer

MAX_CANDIDATES = 20


def _email_local(column: str) -> str:
    """SQL: the email's local part without dots and +suffix."""
    return f"regexp_replace(split_part(split_part({column}, '@', 1), '+', 1), '\\.', '', 'g')"


_CANDIDATES_SQL = f"""
SELECT other.id, array_remove(ARRAY[
    CASE WHEN me.birthday IS NOT NULL AND other.name = me.name AND other.birthday = me.birthday
         THEN 'same_name_birthday' END,
    CASE WHEN me.city <> '' AND other.name = me.name AND other.city = me.city THEN 'same_name_city' END,
    CASE WHEN other.email <> me.email AND {_email_local("other.email")} = {_email_local("me.email")}
         THEN 'same_email_local' END,
    CASE WHEN other.phone <> me.phone AND right(other.phone, 10) = right(me.phone, 10)
         THEN 'same_phone_national' END
], NULL) AS reasons
FROM customers_customer AS me
JOIN customers_customer AS other ON other.shop_id = me.shop_id AND other.id <> me.id
    AND other.merged_into_id IS NULL
    AND ((char_length(me.name) >= 2 AND other.name = me.name)
         OR other.email LIKE left({_email_local("me.email")}, 3) || '%%'
         OR other.phone LIKE '%%' || right(me.phone, 10))
WHERE me.shop_id = %(shop_id)s AND me.id = %(customer_id)s
ORDER BY other.id DESC
LIMIT 200
"""


def customer_duplicate_candidates(*, customer: Customer) -> list[tuple[Customer, list[str]]]:
    """Live customers that look like `customer`, with the signals that matched."""
    with connection.cursor() as cursor:
        cursor.execute(_CANDIDATES_SQL, {"shop_id": customer.shop_id, "customer_id": customer.pk})
        matches = [(row_id, reasons) for row_id, reasons in cursor.fetchall() if reasons][:MAX_CANDIDATES]
    others = Customer.objects.in_bulk([row_id for row_id, _ in matches])
    return [(others[row_id], reasons) for row_id, reasons in matches if row_id in others]
