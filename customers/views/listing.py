"""The customers list page: search, filters, sortable columns, a result count, tags, bulk
tagging (of the ticked rows or of every customer matching the filters), CSV export, cursor
paging; and the shop's tags page."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from crm.models import Role
from crm.platform.channels import Channel
from crm.tenancy.access import get_for_shop, has_role
from crm.tenancy.pages import ShopPageView
from customers.csv_export import customer_csv_response
from customers.filters import FilterInvalid
from customers.forms import TagForm
from customers.models import Tag
from customers.registry import FILTER_CONTROLS
from customers.selectors import DEFAULT_PAGE_SIZE, ORDERINGS, CursorInvalid, customer_list, customer_queryset
from customers.services import TagInvalid, customers_tag, customers_untag, tag_save
from customers.services.tags import MAX_BULK

# Counting stops here: past it the page says "more than 10,000", so a count never scans a big shop.
COUNT_LIMIT = 10_000
# The filters shown under "More filters" (the search and tag are always visible).
MORE_FILTERS = frozenset(
    {"channel", "province", "city", "total_spent__gte", "total_spent__lte", "orders_count__gte",
     "last_order_at__gte", "last_order_at__lte", "segment", "lifecycle_stage", "clv__gte", "clv__lte",
     "p_alive__gte", "p_alive__lte"}
)  # fmt: skip
SORTABLE = {"orders_count": "-orders_count", "total_spent": "-total_spent", "last_order_at": "-last_order_at"}


class CustomerListView(ShopPageView, TemplateView):
    template_name = "customers/list.html"

    def get_context_data(self, **kwargs):
        params = self.request.GET
        ordering = params.get("ordering") if params.get("ordering") in ORDERINGS else "-id"
        page, error, count = None, None, None
        try:
            page = customer_list(
                shop=self.shop,
                params=params,
                cursor=params.get("cursor") or None,
                size=DEFAULT_PAGE_SIZE,
                ordering=ordering,
            )
            count = customer_queryset(shop=self.shop, params=params)[: COUNT_LIMIT + 1].count()
        except FilterInvalid as invalid:
            error = "; ".join(f"{key}: {' '.join(reasons)}" for key, reasons in invalid.errors.items())
        except CursorInvalid:
            error = _("The page link is out of date; start from the first page.")
        filters = {key: value for key, value in params.items() if key != "cursor"}
        next_url = f"?{urlencode({**filters, 'cursor': page.next_cursor})}" if page and page.next_cursor else None
        unsorted = {key: value for key, value in filters.items() if key != "ordering"}
        return super().get_context_data(
            customers=page.rows if page else [],
            error=error,
            filters=filters,
            query_string=urlencode(filters),
            next_url=next_url,
            is_first_page=not params.get("cursor"),
            result_count=count,
            is_count_capped=count is not None and count > COUNT_LIMIT,
            count_limit=COUNT_LIMIT,
            can_tag_all_matching=count is not None and 0 < count <= MAX_BULK,
            ordering=ordering,
            sort_columns={
                name: {"url": "?" + urlencode({**unsorted, "ordering": value}), "active": ordering == value}
                for name, value in SORTABLE.items()
            },
            more_filters_open=any(filters.get(name) for name in MORE_FILTERS),
            tags=list(Tag.objects.order_by("name")),
            channels=Channel.choices,
            filter_controls=[(controls, controls.read(shop=self.shop)) for controls in FILTER_CONTROLS.values()],
            can_export=has_role(self.membership, Role.MANAGER),
            **kwargs,
        )


class CustomerCsvExportView(ShopPageView):
    required_role = Role.MANAGER  # every customer's phone and email at once

    def get(self, request, **kwargs):
        try:
            queryset = customer_queryset(shop=self.shop, params=request.GET)
        except FilterInvalid:
            messages.error(request, _("Some filters are not valid."))
            return redirect(reverse("customers:list", kwargs={"shop_slug": self.shop.slug}))
        return customer_csv_response(shop=self.shop, queryset=queryset)


class CustomerBulkTagView(ShopPageView):
    """Tags the ticked customers, or with `matching=1` every customer the list's filters
    (`return_query`) match, up to MAX_BULK."""

    def post(self, request, **kwargs):
        query = request.POST.get("return_query", "")
        back = reverse("customers:list", kwargs={"shop_slug": self.shop.slug}) + (f"?{query}" if query else "")
        tag = Tag.objects.filter(pk=_int(request.POST.get("tag_id"))).first()
        try:
            ids = self._customer_ids(request.POST, QueryDict(query))
        except FilterInvalid:
            ids = []
        if tag is None or not ids:
            messages.error(request, _("Choose a tag and at least one customer."))
            return redirect(back)
        if request.POST.get("action") == "remove":
            changed = customers_untag(shop=self.shop, tag=tag, customer_ids=ids)
            messages.success(request, _("Removed the tag from %(count)d customers.") % {"count": changed})
        else:
            changed = customers_tag(shop=self.shop, tag=tag, customer_ids=ids, source="staff")
            messages.success(request, _("Tagged %(count)d customers.") % {"count": changed})
        return redirect(back)

    def _customer_ids(self, post, filters: QueryDict) -> list[int]:
        if post.get("matching") != "1":
            return [value for value in (_int(raw) for raw in post.getlist("customer_ids")) if value]
        matching = customer_queryset(shop=self.shop, params=filters)
        ids = list(matching.values_list("pk", flat=True)[: MAX_BULK + 1])
        return ids if len(ids) <= MAX_BULK else []


class TagListView(ShopPageView, TemplateView):
    """The shop's tags: create one, rename or recolor one (manager and up)."""

    required_role = Role.MANAGER
    template_name = "customers/tags.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", TagForm())
        rows = [(tag, kwargs.pop(f"form_{tag.pk}", None) or TagForm(initial={"name": tag.name, "color": tag.color},
                                                                      prefix=f"tag-{tag.pk}"))
                for tag in Tag.objects.order_by("name")]  # fmt: skip
        return super().get_context_data(rows=rows, **kwargs)

    def post(self, request, **kwargs):
        tag_id = _int(request.POST.get("tag_id"))
        tag = get_for_shop(Tag, pk=tag_id) if tag_id else None
        form = TagForm(request.POST, prefix=f"tag-{tag.pk}" if tag else None)
        if form.is_valid():
            try:
                saved = tag_save(shop=self.shop, name=form.cleaned_data["name"], color=form.cleaned_data["color"],
                                 tag=tag)  # fmt: skip
            except TagInvalid as invalid:
                for field, reasons in invalid.errors.items():
                    form.add_error(field if field in form.fields else None, reasons)
            else:
                messages.success(request, _("Tag %(name)s saved.") % {"name": saved.name})
                return redirect(reverse("customers:tag-list", kwargs={"shop_slug": self.shop.slug}))
        context = self.get_context_data(**({f"form_{tag.pk}": form} if tag else {"form": form}))
        return self.render_to_response(context, status=400)


def _int(raw) -> int | None:
    return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 18 else None
