"""Insights API: segment summary, a customer's scores, movement between runs, customers of a
segment, CLV distribution, scoring runs (list, detail with progress, start) and the segment
map. Every id in a path or query goes through get_for_shop: another shop's id is the same
404 as a missing one."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from crm.models import Role, User
from crm.tenancy.access import get_for_shop, has_role, membership_for_slug
from crm.tenancy.api import ShopScopedApi
from crm.tenancy.errors import Conflict
from crm.tenancy.pagination import CappedPageNumberPagination, ShopCursorPagination, page_schema
from customers.models import Customer
from insights.api import serializers as s
from insights.models import RunStatus, ScoringRun
from insights.selectors import (
    current_run_get,
    customer_scores_for_page,
    previous_run_get,
    scoring_run_get,
    scoring_run_list,
    segment_customers,
    segment_movement,
    segment_summary,
)
from insights.services import RunAlreadyActive, scoring_run_request, segment_map_get, segment_map_update

RUN_PARAMETER = OpenApiParameter("run", int, description="A run id (default: the shop's current run).")


def _run_ref(run: ScoringRun | None) -> dict | None:
    return None if run is None else {"id": run.pk, "as_of": run.as_of}


def _require_scores(run: ScoringRun, field: str) -> None:
    if run.status != RunStatus.SUCCEEDED or run.scores_pruned_at is not None:
        raise serializers.ValidationError(
            {field: [f"Run {run.pk} has no per-customer scores (failed, unfinished or pruned)."]}
        )


class _InsightsApi(ShopScopedApi):
    def run_from_query(self, name: str = "run") -> ScoringRun | None:
        """The run named by ?<name>= (404 unless it is this shop's), else the current run."""
        raw = self.request.query_params.get(name)
        if raw:
            return scoring_run_get(shop=self.shop, run_id=raw)
        return current_run_get(shop=self.shop)


class SegmentSummaryApi(_InsightsApi):
    @extend_schema(
        parameters=[RUN_PARAMETER],
        responses=s.SegmentSummarySerializer,
        summary="Customers, revenue share and average CLV per segment",
    )
    def get(self, request, **kwargs):
        run = self.run_from_query()
        segments = segment_summary(run=run) if run is not None and run.status == RunStatus.SUCCEEDED else []
        body = {"run": _run_ref(run), "currency": self.shop.currency, "segments": segments}
        return Response(s.SegmentSummarySerializer(body).data)


class CustomerScoresApi(_InsightsApi):
    @extend_schema(
        responses=s.CustomerScoresSerializer, summary="A customer's current scores, their cut points and history"
    )
    def get(self, request, customer_id: int, **kwargs):
        scores = customer_scores_for_page(shop=self.shop, customer=get_for_shop(Customer, pk=customer_id))
        return Response(s.CustomerScoresSerializer(scores).data)


class MovementApi(_InsightsApi):
    @extend_schema(
        parameters=[
            OpenApiParameter("from_run", int, description="Default: the run before to_run."),
            OpenApiParameter("to_run", int, description="Default: the current run."),
        ],
        responses=s.MovementSerializer,
        summary="How many customers moved between segments from one run to another",
    )
    def get(self, request, **kwargs):
        to_run = self.run_from_query("to_run")
        from_run = self.run_from_query("from_run") if request.query_params.get("from_run") else None
        if from_run is None and to_run is not None:
            from_run = previous_run_get(shop=self.shop, run=to_run)
        if from_run is None or to_run is None:
            empty = {
                "from_run": _run_ref(from_run),
                "to_run": _run_ref(to_run),
                "segments": [],
                "matrix": [],
                "moved": 0,
                "stayed": 0,
            }
            return Response(s.MovementSerializer(empty).data)
        _require_scores(from_run, "from_run")
        _require_scores(to_run, "to_run")
        movement = segment_movement(shop=self.shop, from_run=from_run, to_run=to_run)
        body = {**movement, "from_run": _run_ref(from_run), "to_run": _run_ref(to_run)}
        return Response(s.MovementSerializer(body).data)


class _SegmentCursorPagination(ShopCursorPagination):
    page_size = 50


class SegmentCustomersApi(_InsightsApi):
    @extend_schema(
        parameters=[
            RUN_PARAMETER,
            s.ScoreFilterSerializer,
            OpenApiParameter("cursor", str),
            OpenApiParameter("page_size", int),
        ],
        responses=s.SegmentCustomerPageSerializer,
        summary="Customers of a segment, filterable by lifecycle stage, CLV and P(alive) ranges",
    )
    def get(self, request, segment: str, **kwargs):
        filters = s.ScoreFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        run = self.run_from_query()
        if run is None:
            return Response({"next": None, "previous": None, "results": []})
        _require_scores(run, "run")
        scores = segment_customers(run=run, segment=segment, filters=filters.validated_data)
        paginator = _SegmentCursorPagination()
        paginator.ordering = filters.validated_data["ordering"]
        page = paginator.paginate_queryset(scores, request, view=self)
        return paginator.get_paginated_response(s.SegmentCustomerSerializer(page, many=True).data)


class ClvDistributionApi(_InsightsApi):
    @extend_schema(
        parameters=[RUN_PARAMETER], responses=s.ClvDistributionSerializer, summary="Customers per 12-month CLV bucket"
    )
    def get(self, request, **kwargs):
        run = self.run_from_query()
        buckets = run.stats.get("clv_histogram", []) if run is not None else []
        model_status = run.gamma_gamma_status if run is not None else "not_run"
        if run is not None and run.bgnbd_status != "ok":
            model_status = run.bgnbd_status
        body = {"run": _run_ref(run), "currency": self.shop.currency, "status": model_status, "buckets": buckets}
        return Response(s.ClvDistributionSerializer(body).data)


class RunListApi(_InsightsApi):
    @page_schema(s.RunSerializer, summary="Scoring runs, newest first", operation_id="insights_runs_list")
    def get(self, request, **kwargs):
        paginator = CappedPageNumberPagination()
        page = paginator.paginate_queryset(scoring_run_list(shop=self.shop), request, view=self)
        return paginator.get_paginated_response(s.RunSerializer(page, many=True).data)

    @extend_schema(
        request=s.RunCreateSerializer,
        responses={202: s.RunSerializer, 409: OpenApiTypes.OBJECT},
        summary="Start a scoring run (409 while one is queued or running)",
    )
    def post(self, request, **kwargs):
        staff = request.user if isinstance(request.user, User) else None
        if staff is not None and not has_role(membership_for_slug(staff, kwargs["shop_slug"]), Role.MANAGER):
            raise PermissionDenied("Only managers and owners can start a scoring run.")
        payload = s.RunCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            run = scoring_run_request(shop=self.shop, as_of=payload.validated_data.get("as_of"), requested_by=staff)
        except RunAlreadyActive as error:
            raise Conflict(str(error)) from None
        except ValueError as error:
            raise serializers.ValidationError({"as_of": [str(error)]}) from None
        return Response(s.RunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class RunDetailApi(_InsightsApi):
    @extend_schema(responses=s.RunDetailSerializer, summary="One scoring run with its progress, cut points and fits")
    def get(self, request, run_id: int, **kwargs):
        return Response(s.RunDetailSerializer(scoring_run_get(shop=self.shop, run_id=run_id)).data)


class SegmentMapApi(_InsightsApi):
    required_role = Role.MANAGER
    allow_api_key = False

    @extend_schema(responses=s.SegmentMapSerializer, summary="The shop's segment map (the default until edited)")
    def get(self, request, **kwargs):
        rules, is_custom = segment_map_get(shop=self.shop)
        return Response(s.SegmentMapSerializer({"rules": rules, "is_default": not is_custom}).data)

    @extend_schema(
        request=s.SegmentMapWriteSerializer,
        responses=s.SegmentMapSerializer,
        summary="Replace the segment map (null: back to the default)",
    )
    def put(self, request, **kwargs):
        payload = s.SegmentMapWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        rules = payload.validated_data["rules"]
        try:
            segment_map_update(
                shop=self.shop, rules=None if rules is None else [dict(rule) for rule in rules], updated_by=request.user
            )
        except ValueError as error:
            raise serializers.ValidationError({"rules": [str(error)]}) from None
        stored, is_custom = segment_map_get(shop=self.shop)
        return Response(s.SegmentMapSerializer({"rules": stored, "is_default": not is_custom}).data)
