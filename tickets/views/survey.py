"""The customer's satisfaction survey page: no login, the signed link is the credential."""

from django.shortcuts import render
from django.utils import translation
from django.views import View

from tickets.forms import CsatForm
from tickets.services import CsatInvalid, csat_answer, csat_survey_for_token


class SurveyView(View):
    template_name = "tickets/survey.html"

    def get(self, request, token: str):
        try:
            survey = csat_survey_for_token(token)
        except CsatInvalid as invalid:
            return render(request, self.template_name, {"closed": invalid.reason}, status=invalid.status)
        return render(request, self.template_name, {"survey": survey, "form": CsatForm()})

    def post(self, request, token: str):
        form = CsatForm(request.POST)
        try:
            survey = csat_survey_for_token(token)
            if not form.is_valid():
                return render(request, self.template_name, {"survey": survey, "form": form}, status=400)
            csat_answer(token=token, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"])
        except CsatInvalid as invalid:
            return render(request, self.template_name, {"closed": invalid.reason}, status=invalid.status)
        return render(request, self.template_name, {"thanks": True, "language": translation.get_language()})
