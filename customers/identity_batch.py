"""The set-based core of identity resolution (see customers/identity.py for the contract).

A batch is resolved as if its items were applied one after another: an earlier item's
new customer, or the phone/email it filled in, is what a later item matches. The work is
a handful of queries whatever the batch size: read channel ids, read customers, allocate
ids, insert the new customers (ON CONFLICT DO NOTHING), insert channel ids, fill blanks.

An identity may come with `order`: (total, placed_at) of an order that counts towards the
customer's stats (customers/stats.py). A customer this batch creates is inserted with
those stats already summed, so the caller's stats refresh has nothing left to write for
it: on the order ingest path that saves one update of a heavily indexed row per new
customer. Existing customers ignore it (the caller refreshes them).
"""

import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from crm.platform.postgresql.citus import shop_key
from customers.models import Customer, CustomerIdentifier, IdentifierKind

PROFILE_FIELDS = ("name", "gender", "birthday", "province", "city", "district", "source_channel")
_CUSTOMER_READ_COLUMNS = ("id", "merged_into_id", "phone", "email", "attributes", *PROFILE_FIELDS)


@dataclass(eq=False)
class Person:
    """One customer of the batch: an existing row (`existing` set) or one to create."""

    customer_id: int | None = None
    phone: str | None = None
    email: str | None = None
    profile: dict = field(default_factory=dict)
    attributes: dict = field(default_factory=dict)
    existing: dict | None = None
    orders: list[tuple] = field(default_factory=list)  # (total, placed_at) of counted orders, new people only


def _clean(identity: dict) -> dict:
    item = {name: identity.get(name) or "" for name in PROFILE_FIELDS}
    external_id = (identity.get("external_id") or "").strip()
    item["birthday"] = identity.get("birthday") or None
    item["source_channel"] = item["source_channel"] or identity["channel"]
    item["phone"] = identity.get("phone") or None
    item["email"] = identity.get("email") or None
    item["attributes"] = identity.get("attributes") or {}
    item["order"] = identity.get("order")
    item["keys"] = [
        key
        for key in (
            ("channel", (identity["channel"], external_id)) if external_id else None,
            ("phone", item["phone"]) if item["phone"] else None,
            ("email", item["email"]) if item["email"] else None,
        )
        if key is not None
    ]
    return item


class IdentityBatch:
    def __init__(self, *, shop_id: int, identities: list[dict]):
        self.shop_id = shop_id
        self.items = [_clean(identity) for identity in identities]
        self.item_people: list[Person] = []
        # key -> Person: what the database already holds, then what this batch adds.
        self.claims: dict[tuple, Person] = {}
        self.new_people: list[Person] = []
        self.new_channel_ids: dict[tuple[str, str], Person] = {}
        self.created_ids: set[int] = set()

    def resolve(self) -> list[int]:
        self._read_existing()
        for item in self.items:
            self.item_people.append(self._person_for(item))
        self._insert_new_people()
        self._attach_channel_ids()
        self._fill_missing_fields()
        return [person.customer_id for person in self.item_people]

    # --- reading ---------------------------------------------------------------------
    # The lookups compare shop_id with shop_key(), not a plain `%s`: see there why.
    def _read_existing(self) -> None:
        keys = {key for item in self.items for key in item["keys"]}
        channel_keys = [value for kind, value in keys if kind == "channel"]
        owners = self._read_channel_ids(channel_keys) if channel_keys else {}
        phones = [value for kind, value in keys if kind == "phone"]
        emails = [value for kind, value in keys if kind == "email"]
        secondary = _secondary_identifiers_read(phones, emails)
        rows = self._read_customers(sorted(set(owners.values()) | set(secondary.values())), phones, emails)
        people = {row["id"]: self._existing_person(row) for row in rows}
        for channel_key, customer_id in owners.items():
            self.claims[("channel", channel_key)] = people[customer_id]
        # A merged duplicate's phone/email finds the survivor, unless a live profile has it.
        for key, customer_id in secondary.items():
            self.claims.setdefault(key, people[customer_id])

    def _read_channel_ids(self, channel_keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
        channels, external_ids = zip(*channel_keys, strict=True)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT channel, external_id, customer_id FROM customers_customerchannelid "
                f"WHERE shop_id = {shop_key(connection)} AND (channel, external_id) IN "
                "(SELECT * FROM unnest(%s::varchar[], %s::varchar[]))",
                [self.shop_id, list(channels), list(external_ids)],
            )
            return {(channel, external_id): customer_id for channel, external_id, customer_id in cursor.fetchall()}

    def _read_customers(self, ids: list[int], phones: list[str], emails: list[str]) -> list[dict]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(_CUSTOMER_READ_COLUMNS)} FROM customers_customer "
                f"WHERE shop_id = {shop_key(connection)} AND "
                "(id = ANY(%s) OR (merged_into_id IS NULL AND (phone = ANY(%s) OR email = ANY(%s))))",
                [self.shop_id, ids, phones, emails],
            )
            return [dict(zip(_CUSTOMER_READ_COLUMNS, row, strict=True)) for row in cursor.fetchall()]

    def _existing_person(self, row: dict) -> Person:
        person = Person(customer_id=row["id"], phone=row["phone"], email=row["email"], existing=row)
        for kind in ("phone", "email"):
            # A merged-away row keeps its old phone/email for the record; only live rows match.
            if row[kind] and row["merged_into_id"] is None:
                self.claims.setdefault((kind, row[kind]), person)
        return person

    # --- matching --------------------------------------------------------------------
    def _person_for(self, item: dict) -> Person:
        person = next((self.claims[key] for key in item["keys"] if key in self.claims), None)
        if person is None:
            person = Person()
            self.new_people.append(person)
        self._absorb(person, item)
        return person

    def _absorb(self, person: Person, item: dict) -> None:
        """Fold one item into its person: blanks are filled, nothing is overwritten, and a
        phone/email already claimed by someone else stays theirs."""
        for name in PROFILE_FIELDS:
            if item[name] and not person.profile.get(name):
                person.profile[name] = item[name]
        person.attributes = {**item["attributes"], **person.attributes}
        if item["order"] and person.existing is None:
            person.orders.append(item["order"])
        for kind, value in item["keys"]:
            key = (kind, value)
            if key in self.claims:
                continue
            if kind == "channel":
                self.claims[key] = person
                self.new_channel_ids[value] = person
            elif getattr(person, kind) is None:
                setattr(person, kind, value)
                self.claims[key] = person

    # --- writing ---------------------------------------------------------------------
    def _insert_new_people(self) -> None:
        if not self.new_people:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('customers_customer', 'id')) FROM generate_series(1, %s)",
                [len(self.new_people)],
            )
            for person, (new_id,) in zip(self.new_people, cursor.fetchall(), strict=True):
                person.customer_id = new_id
            inserted = _customers_insert(cursor, self.shop_id, self.new_people)
        self.created_ids = inserted
        losers = [person for person in self.new_people if person.customer_id not in inserted]
        if losers:
            self._adopt_concurrent_winners(losers)

    def _adopt_concurrent_winners(self, losers: list[Person]) -> None:
        """Another transaction inserted these phones/emails meanwhile: become their rows."""
        phones = [person.phone for person in losers if person.phone]
        emails = [person.email for person in losers if person.email]
        rows = self._read_customers([], phones, emails)
        by_key = {(kind, row[kind]): row for row in rows for kind in ("phone", "email") if row[kind]}
        for person in losers:
            row = by_key.get(("phone", person.phone)) or by_key.get(("email", person.email))
            if row is None:
                raise IntegrityError("customer insert conflicted but no live row holds its phone/email")
            person.customer_id, person.existing = row["id"], row

    def _attach_channel_ids(self) -> None:
        if not self.new_channel_ids:
            return
        rows = [(*channel_key, person.customer_id) for channel_key, person in self.new_channel_ids.items()]
        taken = _channel_ids_insert(self.shop_id, rows)
        if taken:
            self._adopt_channel_owners(taken)

    def _adopt_channel_owners(self, taken: dict[tuple[str, str], int]) -> None:
        """Another transaction attached these channel ids first (our insert waited for its
        commit): the channel id is the stronger identity, so their items go to its owner, who
        takes the details ours brought as blank fills; a customer this batch created only for
        those items is deleted again, so concurrent first orders of one new storefront
        customer leave exactly one customer."""
        rows = {row["id"]: row for row in self._read_customers(sorted(set(taken.values())), [], [])}
        owners: dict[int, Person] = {}
        for index, item in enumerate(self.items):
            channel_key = next((value for kind, value in item["keys"] if kind == "channel"), None)
            if channel_key not in taken:
                continue
            owner = owners.get(taken[channel_key])
            if owner is None:
                owner = owners[taken[channel_key]] = self._existing_person(rows[taken[channel_key]])
            if self.item_people[index].existing is None:
                _details_fill(owner, self.item_people[index])
            self.item_people[index] = owner
        kept = {person.customer_id for person in self.item_people}
        ghosts = sorted(self.created_ids - kept)
        if ghosts:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM customers_customer WHERE shop_id = {shop_key(connection)} AND id = ANY(%s)",
                    [self.shop_id, ghosts],
                )
            self.created_ids -= set(ghosts)

    def _fill_missing_fields(self) -> None:
        seen: set[int] = set()
        for person in self.item_people:
            if person.existing is None or person.customer_id in seen:
                continue
            seen.add(person.customer_id)
            changes = _missing_fields(person)
            if changes:
                _customer_fill(self.shop_id, person.customer_id, changes)


def _secondary_identifiers_read(phones: list[str], emails: list[str]) -> dict[tuple[str, str], int]:
    if not (phones or emails):
        return {}
    wanted = Q(kind=IdentifierKind.PHONE, value__in=phones) | Q(kind=IdentifierKind.EMAIL, value__in=emails)
    rows = CustomerIdentifier.objects.filter(wanted).values_list("kind", "value", "customer_id")
    return {(kind, value): customer_id for kind, value, customer_id in rows}


def _details_fill(owner: Person, other: Person) -> None:
    """Give `owner` what `other` knows and it does not (written by _fill_missing_fields)."""
    for name, value in other.profile.items():
        if value and not owner.profile.get(name):
            owner.profile[name] = value
    owner.attributes = {**other.attributes, **owner.attributes}
    for kind in ("phone", "email"):
        if getattr(owner, kind) is None:
            setattr(owner, kind, getattr(other, kind))


def _missing_fields(person: Person) -> dict:
    row = person.existing
    changes = {name: value for name, value in person.profile.items() if value and not row[name]}
    if changes.get("gender") == "unknown" or (row["gender"] and row["gender"] != "unknown"):
        changes.pop("gender", None)
    for kind in ("phone", "email"):
        if getattr(person, kind) and not row[kind]:
            changes[kind] = getattr(person, kind)
    new_attributes = {key: value for key, value in person.attributes.items() if key not in (row["attributes"] or {})}
    if new_attributes:
        changes["attributes"] = {**new_attributes, **(row["attributes"] or {})}
    return changes


_INSERT_COLUMNS = (
    "id, shop_id, name, phone, email, gender, birthday, province, city, district, source_channel, attributes, "
    "is_automated_targeting_refused, created_at, updated_at, orders_count, total_spent, first_order_at, "
    "last_order_at, refunds_count, refunded_amount"
)
_PER_PERSON_COLUMNS = ("id", "phone", "email", "attributes", *PROFILE_FIELDS, "orders_count", "total_spent",
                       "first_order_at", "last_order_at")  # fmt: skip


def _customers_insert(cursor, shop_id: int, people: list[Person]) -> set[int]:
    columns = {name: [] for name in _PER_PERSON_COLUMNS}
    # A fixed insert order: two batches inserting the same new phones cannot deadlock.
    for person in sorted(people, key=lambda person: (person.phone or "", person.email or "")):
        columns["id"].append(person.customer_id)
        columns["phone"].append(person.phone)
        columns["email"].append(person.email)
        columns["attributes"].append(json.dumps(person.attributes, ensure_ascii=False))
        for name in PROFILE_FIELDS:
            columns[name].append(person.profile.get(name) or _blank(name))
        times = [placed_at for _total, placed_at in person.orders]
        columns["orders_count"].append(len(person.orders))
        # Strings: psycopg2 adapts lists of Decimals and datetimes in Python, of strings in C.
        columns["total_spent"].append(str(sum((total for total, _placed_at in person.orders), Decimal(0))))
        columns["first_order_at"].append(min(times).isoformat() if times else None)
        columns["last_order_at"].append(max(times).isoformat() if times else None)
    now = timezone.now()
    cursor.execute(
        f"INSERT INTO customers_customer ({_INSERT_COLUMNS}) "
        "SELECT id, %s, name, phone, email, gender, birthday, province, city, district, source_channel, "
        "attributes::jsonb, false, %s, %s, orders_count, total_spent, first_order_at, last_order_at, 0, 0 "
        "FROM unnest(%s::bigint[], %s::varchar[], %s::varchar[], %s::text[], %s::varchar[], %s::varchar[], "
        "%s::date[], %s::varchar[], %s::varchar[], %s::varchar[], %s::varchar[], %s::int[], %s::numeric[], "
        "%s::timestamptz[], %s::timestamptz[]) AS t(id, phone, email, attributes, name, gender, birthday, "
        "province, city, district, source_channel, orders_count, total_spent, first_order_at, last_order_at) "
        "ON CONFLICT DO NOTHING RETURNING id",
        [shop_id, now, now, *columns.values()],
    )
    return {row[0] for row in cursor.fetchall()}


def _blank(name: str):
    if name == "birthday":
        return None
    return "unknown" if name == "gender" else ""


def _channel_ids_insert(shop_id: int, rows: list[tuple[str, str, int]]) -> dict[tuple[str, str], int]:
    """Insert channel ids; returns the ones another transaction took first, with their owner."""
    rows = sorted(rows)  # a fixed lock order across concurrent batches
    channels, external_ids, customer_ids = (list(column) for column in zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO customers_customerchannelid (shop_id, channel, external_id, customer_id, created_at) "
            "SELECT %s, channel, external_id, customer_id, %s FROM unnest(%s::varchar[], %s::varchar[], "
            "%s::bigint[]) AS t(channel, external_id, customer_id) "
            "ON CONFLICT (shop_id, channel, external_id) DO NOTHING RETURNING channel, external_id",
            [shop_id, timezone.now(), channels, external_ids, customer_ids],
        )
        inserted = set(cursor.fetchall())
        lost = [row for row in rows if (row[0], row[1]) not in inserted]
        if not lost:
            return {}
        cursor.execute(
            "SELECT channel, external_id, customer_id FROM customers_customerchannelid "
            f"WHERE shop_id = {shop_key(connection)} AND "
            "(channel, external_id) IN (SELECT * FROM unnest(%s::varchar[], %s::varchar[]))",
            [shop_id, [row[0] for row in lost], [row[1] for row in lost]],
        )
        return {(channel, external_id): customer_id for channel, external_id, customer_id in cursor.fetchall()}


def _customer_fill(shop_id: int, customer_id: int, changes: dict) -> None:
    """Fill blanks; if a phone/email was taken concurrently, fill the rest without it."""
    try:
        with transaction.atomic():
            Customer.objects.filter(shop_id=shop_id, pk=customer_id).update(**changes, updated_at=timezone.now())
    except IntegrityError:
        changes = {name: value for name, value in changes.items() if name not in ("phone", "email")}
        if changes:
            Customer.objects.filter(shop_id=shop_id, pk=customer_id).update(**changes, updated_at=timezone.now())
